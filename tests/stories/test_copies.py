"""Near-duplicate copies: reprints with outlet edits fold onto their origin; independent reports do not."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap

import pytest

from newsdesk.stories.copies import (
    DEFAULT_NUM_PERM,
    CopyDetector,
    Signature,
    shingles,
    signature,
)

# A wire story (invented for these tests), one paragraph a line as extraction returns it with blank lines.
WIRE = [
    "PORT ALDER, Northland (Wire) -- The Halvorsen Bridge, the only road link between Port Alder and the "
    "islands of the outer bay, will close to all traffic for at least nine months from March so that engineers "
    "can replace corroded steel cables, the regional transport authority said on Tuesday.",
    "The authority said inspections carried out over the winter found that a third of the suspension cables "
    "had lost more than a fifth of their strength, and that weight limits imposed last year were no longer "
    "enough to keep the crossing safe for buses and delivery trucks.",
    "About eleven thousand vehicles use the bridge on an average weekday. Ferries will run every twenty "
    "minutes during the closure, and the authority will add two chartered vessels for the summer season, "
    "when tourist traffic to the islands roughly doubles.",
    "Transport minister Helena Varga told reporters that the decision had not been taken lightly. \"We know "
    "this will be hard for families and businesses on the islands, but we will not gamble with people's "
    "lives,\" she said, adding that island residents would travel on the ferries free of charge.",
    "Shop owners on Kessel Island said they feared a long closure would hit the busy summer months. The "
    "island chamber of commerce asked the government for emergency grants and for a guarantee that the works "
    "would not run past the end of the year.",
    "The bridge opened in 1974 and was last refurbished in 2003. The replacement of the cables is expected to "
    "cost around 140 million crowns, to be shared between the regional and national governments.",
    "Opposition councillors accused the authority of ignoring warnings from its own engineers for years and "
    "called for an independent review of how the maintenance budget had been spent since 2015.",
]
WIRE_TEXT = "\n\n".join(WIRE)

# An independent report of the same event: the same names, places, numbers and the minister's quote, written
# by another newsroom.
INDEPENDENT = "\n\n".join([
    "Islanders in the outer bay face months of ferry queues after officials announced on Tuesday that the "
    "Halvorsen Bridge linking them to Port Alder will shut from March.",
    "Speaking at a packed press conference, Helena Varga, the transport minister, defended the closure. \"We "
    "will not gamble with people's lives,\" she said. Engineers had warned that corroded cables could fail "
    "under heavy loads, according to documents seen by this newspaper.",
    "On Kessel Island, the mood was grim. \"Summer is when we earn the money that carries us through the "
    "winter,\" said Maren Holt, who runs a bakery near the harbour. \"Nine months without the bridge could "
    "finish us.\"",
    "The government has promised free ferry travel for residents and extra boats in the tourist season, but "
    "critics say the crossing takes three times as long as the drive and that the ferry terminal has too few "
    "parking spaces.",
    "The bridge, opened in 1974, carries around eleven thousand vehicles a day. Repairs are estimated at 140 "
    "million crowns.",
])

# A second independent report, built around the authority's statement but reworded throughout.
INDEPENDENT_2 = "\n\n".join([
    "The regional transport authority will close the Halvorsen Bridge from March for nine months or more, "
    "it announced Tuesday, after winter inspections showed that a third of its suspension cables had weakened "
    "badly.",
    "Buses and delivery trucks had already been subject to weight limits since last year. Those limits were "
    "judged insufficient, the authority said in a statement.",
    "Transport minister Helena Varga said island residents would ride the ferries free of charge while work "
    "goes on. Ferries are to sail every twenty minutes, with two more vessels chartered for the summer.",
    "Opposition councillors called for an independent review of maintenance spending, saying engineers' "
    "warnings had been ignored for years. The cable replacement is expected to cost 140 million crowns.",
])


def edited(paras: list[str], *, top: list[str] = (), bottom: list[str] = (), sep: str = "\n\n") -> str:
    return sep.join([*top, *paras, *bottom])


COPIES = {
    "headline": edited(WIRE, top=["Halvorsen Bridge to Close for Nine Months Over Corroded Cables"]),
    "headline_with_outlet": edited(WIRE, top=["Island bridge shut until winter | Bay Area Courier"]),
    "byline": edited(WIRE, top=["By Jonas Lindqvist, Associated Wire Services"]),
    "boilerplate_top": edited(WIRE, top=["Subscribe to the Coastline Herald for unlimited access.", "Advertisement"]),
    "boilerplate_bottom": edited(WIRE, bottom=[
        "Copyright 2025 The Coastline Herald. All rights reserved. This material may not be published, "
        "broadcast, rewritten or redistributed.",
        "Sign up for our morning newsletter to get the day's top stories.",
        "Follow us on Facebook and X.",
    ]),
    "unknown_boilerplate": edited(WIRE, top=["Listen to this article (5 min)"], bottom=[
        "The Coastline Herald is an independent newsroom funded by readers like you. Please consider a gift "
        "to keep our local journalism free for everyone.",
    ]),
    "trimmed_last_paragraph": edited(WIRE[:-1]),
    "trimmed_two_paragraphs": edited(WIRE[:-2]),
    "added_paragraph": edited(WIRE[:3] + [
        "Local reaction was mixed, with some residents welcoming the repairs and others saying they wanted "
        "to see a detailed timetable before making up their minds."] + WIRE[3:]),
    "rewrapped": "\n\n".join(textwrap.fill(p, 62) for p in WIRE),
    "single_newlines": "\n".join(WIRE),
    "one_block": " ".join(WIRE),
    "case_and_punctuation": WIRE_TEXT.upper().replace(",", "").replace("\"", "\u201c").replace("'", "\u2019"),
    "words_changed": WIRE_TEXT.replace("Tuesday", "Wednesday").replace("corroded", "rusting")
    .replace("a third", "one-third").replace("lightly", "easily"),
    "everything": edited(
        [p for p in WIRE[:-1]],
        top=["Bridge to Islands Will Shut for Repairs - Northland Today", "By MARIT OLSEN"],
        bottom=["\u00a9 2025 Northland Today. All rights reserved."],
    ).replace("Tuesday", "Monday"),
}


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_copy_with_each_kind_of_edit_points_at_its_origin(kind: str) -> None:
    det = CopyDetector()
    assert det.add("wire", WIRE_TEXT) is None
    assert det.add(kind, COPIES[kind]) == "wire"


def test_ten_reprints_all_point_at_the_first() -> None:
    det = CopyDetector()
    assert det.add(1, WIRE_TEXT) is None
    for i, kind in enumerate(sorted(COPIES), start=2):
        assert det.add(i, COPIES[kind]) == 1, kind
    assert det.copies_of(1) == list(range(2, len(COPIES) + 2))
    assert len(det) == len(COPIES) + 1


def test_origin_is_the_earliest_even_when_a_copy_arrives_first() -> None:
    det = CopyDetector()
    assert det.add("reprint", COPIES["everything"]) is None
    assert det.add("wire", WIRE_TEXT) == "reprint"
    assert det.add("another", COPIES["byline"]) == "reprint"


def _paragraph(rng: random.Random, words: list[str]) -> str:
    return " ".join(rng.choice(words) for _ in range(40)) + "."


def test_chained_copies_point_at_the_origin() -> None:
    # Paragraphs of distinct word salad: A = P1..P10; B = P3..P10 + Q1, Q2 (a copy of A);
    # C = P8..P10 + Q1, Q2 + R1 (a copy of B that alone would not pass for a copy of A).
    rng = random.Random(3)
    vocab = [f"w{i}" for i in range(5000)]
    p = [_paragraph(rng, vocab) for _ in range(10)]
    q = [_paragraph(rng, vocab) for _ in range(2)]
    r = [_paragraph(rng, vocab)]
    a, b, c = "\n\n".join(p), "\n\n".join(p[2:] + q), "\n\n".join(p[7:] + q + r)
    det = CopyDetector()
    assert det.is_copy(Signature.of(b), Signature.of(a))
    assert det.is_copy(Signature.of(c), Signature.of(b))
    assert not det.is_copy(Signature.of(c), Signature.of(a))
    assert det.add("A", a) is None
    assert det.add("B", b) == "A"
    assert det.add("C", c) == "A"
    assert det.origin_of("C") == "A"
    assert det.copies_of("A") == ["B", "C"]


def test_independent_reports_of_the_same_event_are_not_copies() -> None:
    det = CopyDetector()
    assert det.add("wire", WIRE_TEXT) is None
    assert det.add("report", INDEPENDENT) is None
    assert det.add("report2", INDEPENDENT_2) is None
    # nor is a reprint of the wire story a copy of either report
    assert det.add("reprint", COPIES["everything"]) == "wire"


def test_a_report_quoting_one_paragraph_of_the_wire_is_not_a_copy() -> None:
    det = CopyDetector()
    det.add("wire", WIRE_TEXT)
    quoting = INDEPENDENT.split("\n\n")
    quoting.insert(2, WIRE[3])
    assert det.add("quoting", "\n\n".join(quoting)) is None


def test_a_roundup_containing_the_story_is_not_a_copy_of_it() -> None:
    det = CopyDetector()
    # the story is all in the round-up, but it is a sixth of it
    det.add("short", "\n\n".join(WIRE[:2]))
    roundup = "\n\n".join([INDEPENDENT, *WIRE[:2], INDEPENDENT_2, *WIRE[4:]])
    assert det.add("roundup", roundup) is None


def test_short_texts_match_only_exact_ish_copies() -> None:
    det = CopyDetector()
    assert det.add(1, "Markets closed higher on Friday after a volatile week.") is None
    assert det.add(2, "MARKETS CLOSED HIGHER ON FRIDAY -- after a volatile week!") == 1
    assert det.add(3, "Markets closed lower on Friday after a volatile week.") is None
    assert det.add(4, "Police said the suspect was arrested on Tuesday night in Port Alder.") is None
    assert det.add(5, "Police said the suspect was arrested on Tuesday night in Kessel.") is None
    # a short brief is not a copy of the full article it summarises, nor the article of the brief
    assert det.add(6, WIRE[0]) is None
    assert det.add(7, WIRE_TEXT) is None
    assert det.add(8, "Breaking news") is None
    assert det.add(9, "breaking NEWS.") == 8


def test_empty_texts_are_never_copies() -> None:
    det = CopyDetector()
    assert det.add(1, "") is None
    assert det.add(2, "  \n\n ") is None
    assert det.add(3, "...") is None
    assert len(det) == 3


def test_signature_round_trip_gives_the_same_results() -> None:
    texts = [WIRE_TEXT, INDEPENDENT, *COPIES.values(), INDEPENDENT_2, "Breaking news", ""]
    by_text, by_sig = CopyDetector(), CopyDetector()
    got_text = [by_text.add(i, t) for i, t in enumerate(texts)]
    sigs = [signature(t) for t in texts]
    got_sig = [by_sig.add(i, sig=s) for i, s in enumerate(sigs)]
    assert got_text == got_sig
    assert got_text[0] is None and got_text[2] == 0
    for s in sigs:
        assert isinstance(s, bytes)
        assert Signature.from_bytes(s).to_bytes() == s
    assert len(sigs[0]) == 20 + 4 * DEFAULT_NUM_PERM


def test_bad_signatures_are_refused() -> None:
    det = CopyDetector()
    with pytest.raises(ValueError):
        det.add(1, sig=b"not a signature")
    with pytest.raises(ValueError):
        det.add(1, sig=signature(WIRE_TEXT)[:-4])
    with pytest.raises(ValueError):
        det.add(1, sig=signature(WIRE_TEXT, num_perm=64))
    with pytest.raises(ValueError):
        det.add(1)
    assert len(det) == 0
    assert CopyDetector(num_perm=64).add(1, sig=signature(WIRE_TEXT, num_perm=64)) is None


def test_keys_are_unique() -> None:
    det = CopyDetector()
    det.add(1, WIRE_TEXT)
    with pytest.raises(ValueError):
        det.add(1, INDEPENDENT)


def test_remove() -> None:
    det = CopyDetector()
    det.add("wire", WIRE_TEXT)
    det.add("c1", COPIES["byline"])
    det.add("c2", COPIES["headline"])
    det.add("report", INDEPENDENT)
    assert len(det) == 4

    det.remove("c1")  # a copy goes: the origin keeps the others
    assert "c1" not in det and det.copies_of("wire") == ["c2"]

    det.remove("wire")  # the origin goes: its earliest remaining copy becomes the origin
    assert det.origin_of("c2") is None
    assert det.add("c3", COPIES["rewrapped"]) == "c2"
    assert det.copies_of("c2") == ["c3"]

    det.remove("report")  # an original without copies
    assert len(det) == 2
    with pytest.raises(KeyError):
        det.remove("report")

    det.remove("c2")
    det.remove("c3")
    assert len(det) == 0
    assert det.add("wire", WIRE_TEXT) is None  # a removed key can be registered again


def test_shingles_ignore_wrapping_case_punctuation_and_boilerplate() -> None:
    base = shingles(WIRE_TEXT)
    assert len(base) > 250
    assert all(len(s.split()) == 5 for s in base)
    assert shingles(COPIES["rewrapped"]) == base
    assert shingles(COPIES["single_newlines"]) == base
    assert shingles(WIRE_TEXT.upper()) == base
    assert shingles(COPIES["boilerplate_top"]) == base
    assert shingles(COPIES["boilerplate_bottom"]) == base
    assert shingles(COPIES["byline"]) == base
    assert shingles("Hello, world!") == {"hello world"}
    assert shingles("") == set()


def test_shingles_of_unspaced_scripts() -> None:
    text = "港口大桥将于三月起关闭九个月，以更换生锈的钢缆。交通部长表示，岛上居民可免费乘坐渡轮。"
    assert len(shingles(text)) > 30
    det = CopyDetector()
    det.add(1, text * 2)
    assert det.add(2, "新闻标题\n\n" + text * 2) == 1


def test_deterministic_across_processes() -> None:
    texts = [WIRE_TEXT, COPIES["everything"], INDEPENDENT]
    script = (
        "import sys, json\n"
        "from newsdesk.stories.copies import CopyDetector, signature\n"
        "texts = json.loads(sys.stdin.read())\n"
        "det = CopyDetector()\n"
        "print(json.dumps([[signature(t).hex() for t in texts], [det.add(str(i), t) for i, t in enumerate(texts)]]))\n"
    )
    import json

    outputs = []
    for seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        done = subprocess.run([sys.executable, "-c", script], input=json.dumps(texts), capture_output=True,
                              text=True, env=env, check=True, timeout=60)
        outputs.append(json.loads(done.stdout))
    assert outputs[0] == outputs[1]
    assert outputs[0][0] == [signature(t).hex() for t in texts]
    assert outputs[0][1] == [None, "0", None]
