"""The headline and the date a page's titles carry: sources in order of trust, decoration removed, conflicts
between og:title, JSON-LD and h1 (extract_article on pages written for these tests)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from newsdesk.extract import extract_article, strip_title_decoration, title_segments

URL = "https://gazette.example/world/2025/harbour-bridge"
HEADLINE = "Harbour bridge reopens after repairs"

PARAGRAPHS = [
    "Engineers finished replacing the steel cables of the old harbour bridge on Monday, two weeks ahead of "
    "the schedule the port authority had published in the spring.",
    "The bridge carried about forty thousand vehicles a day before it closed, and the detour through the "
    "industrial district added half an hour to many commutes across the bay.",
    "Inspectors walked the full span on Sunday night and signed off on the load tests, according to a note "
    "the authority sent to councillors shortly after midnight.",
]


def page(*, og: str | None = None, site: str | None = None, ld: dict | None = None, h1: str | None = None,
         title_tag: str = "", canonical: str | None = None, twitter: str | None = None) -> str:
    """A page with only the title sources given; no date anywhere unless `ld` has one."""
    head = [f"<title>{title_tag}</title>"]
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    if og is not None:
        head.append(f'<meta property="og:title" content="{og}">')
    if twitter is not None:
        head.append(f'<meta name="twitter:title" content="{twitter}">')
    if site is not None:
        head.append(f'<meta property="og:site_name" content="{site}">')
    if ld is not None:
        head.append(f'<script type="application/ld+json">{json.dumps({"@type": "NewsArticle", **ld})}</script>')
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">{"".join(head)}</head><body>
<main><article>{f"<h1>{h1}</h1>" if h1 else ""}{body}</article></main></body></html>"""


def title_of(html: str, url: str | None = URL) -> str | None:
    return extract_article(html, url).title


# ------------------------------------------------------------------------------------------- decoration


@pytest.mark.parametrize(
    ("og", "site", "expected"),
    [
        # the site's name at the end, as og:site_name gives it or a close variant of it
        (f"{HEADLINE} | The Gazette", "The Gazette", HEADLINE),
        (f"{HEADLINE} - Gazette", "The Gazette", HEADLINE),
        (f"{HEADLINE} | Gazette Daily", None, HEADLINE),  # the host's first label with a word beside it
        (f"{HEADLINE} - gazette.example", None, HEADLINE),  # the host itself
        # a date and the site's name, however they are joined
        (f"{HEADLINE} – Gazette – 13.06.2023", "gazette.example", HEADLINE),
        (f"{HEADLINE} | Gazette | 2023-06-13", None, HEADLINE),
        (f"{HEADLINE} | Gazette | 28/04/2023", None, HEADLINE),
        (f"{HEADLINE} - Tuesday, June 13, 2023", None, HEADLINE),
        # the site's name and a byline
        (f"{HEADLINE} | The Gazette | by Jane Doe", "The Gazette", HEADLINE),
        (f"{HEADLINE} * The Gazette * by Jane Doe", "The Gazette", HEADLINE),
        (f"{HEADLINE} - von Hans Muster", None, HEADLINE),
        # the unspaced separators of CJK sites
        ("港の橋が修理を終えて再開：東京ガゼット", "東京ガゼット", "港の橋が修理を終えて再開"),
        ("항구 다리 수리 끝나 다시 열려ㅣ가제트일보", "가제트일보", "항구 다리 수리 끝나 다시 열려"),
        (f"{HEADLINE}｜The Gazette", "The Gazette", HEADLINE),
        # the site's name in front
        (f"The Gazette | {HEADLINE}", "The Gazette", HEADLINE),
        # escaped twice by the site's CMS
        ("&amp;quot;Harbour&amp;quot; bridge reopens &amp;#8211; at last | Gazette", None,
         '"Harbour" bridge reopens – at last'),
    ],
)
def test_decoration_is_removed_from_the_title(og, site, expected):
    assert title_of(page(og=og, site=site)) == expected


@pytest.mark.parametrize(
    "og",
    [
        f"{HEADLINE} - part two",  # a segment that names no site, no date, no author
        f"{HEADLINE}: the numbers - by the numbers",  # "by" and no name
        "Gazette Daily: the paper's new owners meet the staff",  # a start segment is only cut when it is the name
        f"{HEADLINE} - gazette readers respond",  # the name with words beside it, not written as a name
        "Storm of 28.04.2023 remembered by the harbour",  # a date inside the headline
        "Gazette",  # nothing but the name: a title, however poor, is better than none
    ],
)
def test_headline_words_are_not_taken_for_decoration(og):
    assert title_of(page(og=og, site="The Gazette")) == og


def test_the_site_name_comes_from_the_canonical_address_without_a_url():
    og = f"{HEADLINE} - Harbour Gazette"
    html = page(og=og, canonical="https://www.harbourgazette.example/a/1")
    assert title_of(html, None) == HEADLINE
    assert title_of(page(og=og), None) == og  # no name known: nothing is cut


# ------------------------------------------------------------------------------------------- conflicts


def test_the_bare_form_the_sources_agree_on_is_the_headline():
    # og:title is h1 with a section and the site's name joined on; the section names no site
    og = f"{HEADLINE} - Transport | Gazette Online"
    assert title_of(page(og=og, h1=HEADLINE)) == HEADLINE
    assert title_of(page(og=og, ld={"headline": HEADLINE})) == HEADLINE
    # joined on without a space, as some sites do
    assert title_of(page(og=f"{HEADLINE}-Transport", ld={"headline": HEADLINE})) == HEADLINE


def test_og_title_wins_when_the_sources_disagree_on_the_words():
    teaser = "Cables replaced, cyclists get their lane: the bridge is back"
    assert title_of(page(og=HEADLINE, ld={"headline": teaser}, h1=teaser)) == HEADLINE


def test_json_ld_comes_before_h1_and_the_title_tag_when_there_is_no_og_title():
    html = page(ld={"headline": HEADLINE}, h1="Bridge news", title_tag="Bridge news | Gazette")
    assert title_of(html) == HEADLINE
    assert title_of(page(h1=HEADLINE, title_tag=f"Something else entirely | {HEADLINE}")) == HEADLINE


def test_a_longer_headline_is_not_cut_to_a_shorter_source():
    # og:title is complete; JSON-LD carries a decorated copy: the og form stays
    assert title_of(page(og=HEADLINE, ld={"headline": f"{HEADLINE} | Gazette"})) == HEADLINE
    # a kicker in front is part of the headline the site shows
    kicker = f"Transport: {HEADLINE}"
    assert title_of(page(og=kicker, h1=HEADLINE)) == kicker
    # a short label is never taken for the headline it introduces
    long = "Bridge: the long road to a repair that nobody thought could be done in time"
    assert title_of(page(og=long, h1="Bridge")) == long


def test_json_ld_strings_are_unescaped():
    html = page(ld={"headline": "Mayor&#8217;s plan &quot;works&quot;, says council &amp; port",
                    "author": {"@type": "Person", "name": "Se&#225;n O&#039;Neill"}})
    art = extract_article(html, URL)
    assert art.title == "Mayor’s plan \"works\", says council & port"
    assert art.authors == ["Seán O'Neill"]


# ------------------------------------------------------------------------------------------- dates


def test_a_date_the_site_puts_in_its_titles_dates_the_page():
    html = page(og=f"{HEADLINE} | Gazette | 28.04.2023", h1=HEADLINE)
    assert extract_article(html, URL).published == datetime(2023, 4, 28, tzinfo=UTC)
    assert extract_article(page(og=f"{HEADLINE} - 2023-06-13", h1=HEADLINE), URL).published.date().isoformat() \
        == "2023-06-13"
    assert extract_article(page(og=f"{HEADLINE} | 13 June 2023"), URL).published.date().isoformat() == "2023-06-13"


def test_the_title_date_yields_to_markup_and_is_read_only_when_unambiguous():
    marked = page(og=f"{HEADLINE} | Gazette | 28.04.2023", ld={"datePublished": "2023-04-27T22:00:00Z"})
    assert extract_article(marked, URL).published == datetime(2023, 4, 27, 22, 0, tzinfo=UTC)
    assert extract_article(page(og=f"{HEADLINE} | Gazette | 04/05/2023"), URL).published is None
    assert extract_article(page(og=f"{HEADLINE} | Gazette | 31.02.2023"), URL).published is None  # no such day


# ------------------------------------------------------------------------------------------- the helpers


def test_title_segments_and_stripping_a_learned_decoration():
    title = "Bridge - the long wait | Transport | Gazette"
    assert title_segments(title) == ["Bridge", "the long wait", "Transport", "Gazette"]
    learned = {"transport", "gazette"}
    assert strip_title_decoration(title, lambda s: s.lower() in learned) == "Bridge - the long wait"
    assert strip_title_decoration("Gazette | Bridge", lambda s: s.lower() in learned) == "Bridge"
    # one segment stays, whatever the predicate says
    assert strip_title_decoration("Transport | Gazette", lambda s: True) == "Transport"
    assert strip_title_decoration("Gazette • Bridge • Gazette", lambda s: False, lambda s: s == "Gazette") \
        == "Bridge • Gazette"
    assert title_segments("Bridge: a colon is part of a headline") == ["Bridge: a colon is part of a headline"]


def test_a_hostile_title_is_read_in_bounded_time():
    h1 = " - ".join(["Harbour bridge"] * 20_000)  # 340,000 characters, 20,000 joints
    started = time.monotonic()
    title = title_of(page(og=f"{h1} - Special", h1=h1))
    assert time.monotonic() - started < 5
    assert title.endswith("Harbour bridge - Special")
