"""Dates from outside are a sane instant or absent (newsdesk.dates), wherever they enter: feeds, sitemaps, pages,
`newsdesk cluster`/`analyze` records; and the story clusterer cannot overflow whatever date it is given."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from newsdesk.dates import parse_date, sane_date
from newsdesk.extract import extract_article
from newsdesk.models import StoryDoc
from newsdesk.sources.parse import parse_source
from newsdesk.stories.cluster import StoryClusterer, shift
from newsdesk.stories.records import read_records

# (written, why it is no date). Each of these was taken as a date before: year 1 made story grouping raise
# OverflowError on every later pass; year 0 became 2000-01-01, 99999 became 9999-12-01, +9999 was applied as
# +99:99 (four days off).
BAD = [
    ("0001-01-01T00:00:00Z", "before 1990-01-01"),
    ("0000-01-01T00:00:00Z", "a field is out of range"),
    ("Sat, 01 Jan 0000 00:00:00 GMT", "its year was read as 2000"),
    ("Mon, 01 Jan 0001 00:00:00 +0000", "its year was read as 2001"),
    ("99999-01-01T00:00:00Z", "more than 2 days ahead"),
    ("2025-09-01T10:00:00+9999", "no such zone +9999"),
    ("Mon, 01 Sep 2025 10:00:00 +9999", "no such zone +9999"),
    ("2025-09-01T10:00:00+14:30", "no such zone +14:30"),
    ("2025-09-01T10:00:00-05:60", "no such zone -05:60"),
    ("9999-12-31T23:59:59-23:59", "no such zone -23:59"),
    ("0001-01-01T00:00:00+01:00", "out of range"),
    ("2999-01-01T00:00:00Z", "more than 2 days ahead"),
    ("1989-12-31T23:59:59Z", "before 1990-01-01"),
    ("1715000000", "before 1990-01-01"),  # a Unix time is not read as a date of 1714
    ("2025-13-45", "a field is out of range"),  # not rolled over into 2026
]
GOOD = [
    ("2025-09-01T10:00:00Z", datetime(2025, 9, 1, 10, tzinfo=UTC)),
    ("2025-09-01T10:00:00+14:00", datetime(2025, 9, 1, 10, tzinfo=timezone(timedelta(hours=14)))),
    ("2025-09-01T10:00:00-0500", datetime(2025, 9, 1, 10, tzinfo=timezone(timedelta(hours=-5)))),
    ("Mon, 01 Sep 2025 10:00:00 +0100", datetime(2025, 9, 1, 10, tzinfo=timezone(timedelta(hours=1)))),
    ("01 Sep 25 10:00 +0000", datetime(2025, 9, 1, 10, tzinfo=UTC)),  # RFC 822's two-digit year
    ("1990-01-01T00:00:00Z", datetime(1990, 1, 1, tzinfo=UTC)),
    ("2025-09-01", datetime(2025, 9, 1, tzinfo=UTC)),
    ("20250901103000", datetime(2025, 9, 1, 10, 30, tzinfo=UTC)),  # ARC archive dates
    ("September 1, 2025", datetime(2025, 9, 1, tzinfo=UTC)),
]


@pytest.mark.parametrize(("written", "why"), BAD)
def test_a_bad_date_is_no_date_and_the_reason_is_logged(written, why, caplog):
    with caplog.at_level(logging.INFO, logger="newsdesk.dates"):
        assert parse_date(written, "https://a.example/feed: entry date") is None
    assert f"https://a.example/feed: entry date {written!r}" in caplog.text and why in caplog.text


@pytest.mark.parametrize(("written", "expected"), GOOD)
def test_a_good_date_keeps_its_instant_and_offset(written, expected):
    found = parse_date(written)
    assert found == expected and found.utcoffset() == expected.utcoffset()


@pytest.mark.parametrize("value", [None, "", "   ", "garbage", "yesterday", 20250901, "2025-09-01" + " " * 200 + "x",
                                   "x" * 10_000])
def test_what_is_not_a_date_is_none(value):
    assert parse_date(value) is None


def test_sane_date_bounds():
    now = datetime(2025, 9, 1, tzinfo=UTC)
    assert sane_date(now + timedelta(days=2), now=now) == now + timedelta(days=2)
    assert sane_date(now + timedelta(days=2, seconds=1), now=now) is None
    assert sane_date(datetime(1990, 1, 1)) == datetime(1990, 1, 1, tzinfo=UTC)  # naive: UTC
    assert sane_date(datetime(1989, 12, 31, 23, 59, tzinfo=UTC)) is None
    assert sane_date(datetime.min) is None and sane_date(datetime.max.replace(tzinfo=UTC)) is None
    assert sane_date(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1)))) is None  # would overflow in UTC
    assert sane_date(None) is None


ATOM = """<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<id>urn:t</id><updated>2025-09-01T00:00:00Z</updated>{entries}</feed>"""


def test_feeds_and_sitemaps_carry_a_sane_date_or_none():
    written = [w for w, _ in BAD] + ["2025-09-01T10:00:00+01:00"]
    entries = "".join(f'<entry><title>E{i}</title><link href="https://a.example/{i}"/><id>urn:{i}</id>'
                      f"<published>{w}</published></entry>" for i, w in enumerate(written))
    atom = parse_source(ATOM.format(entries=entries).encode(), "https://a.example/atom", "application/atom+xml")
    assert [e.published for e in atom.entries] == [None] * len(BAD) + [datetime(2025, 9, 1, 9, tzinfo=UTC)]

    items = "".join(f"<item><title>I{i}</title><link>https://a.example/r{i}</link><pubDate>{w}</pubDate></item>"
                    for i, w in enumerate(written))
    rss = parse_source(f'<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>{items}</channel></rss>'
                       .encode(), "https://a.example/rss", "application/rss+xml")
    assert [e.published for e in rss.entries] == [None] * len(BAD) + [datetime(2025, 9, 1, 9, tzinfo=UTC)]

    feed = {"version": "https://jsonfeed.org/version/1.1", "title": "J",
            "items": [{"id": str(i), "url": f"https://a.example/j{i}", "date_published": w}
                      for i, w in enumerate(written)]}
    jsonfeed = parse_source(json.dumps(feed).encode(), "https://a.example/feed.json", "application/feed+json")
    assert [e.published for e in jsonfeed.entries] == [None] * len(BAD) + [datetime(2025, 9, 1, 9, tzinfo=UTC)]

    urls = "".join(f"<url><loc>https://a.example/s{i}</loc><lastmod>{w}</lastmod></url>" for i, w in enumerate(written))
    sitemap = parse_source(f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                           f"{urls}</urlset>".encode(), "https://a.example/sitemap.xml", "application/xml")
    assert [e.published for e in sitemap.entries] == [None] * len(BAD) + [datetime(2025, 9, 1, 9, tzinfo=UTC)]


PAGE = """<!doctype html><html lang="en"><head><title>Harbour bridge reopens after repairs</title>{meta}</head>
<body><article><h1>Harbour bridge reopens after repairs</h1>
<p>Engineers finished replacing the cables of the old harbour bridge, officials said in a statement.</p>
<p>Ferry captains said traffic on the water had doubled while the bridge was shut for repairs.</p>
<p>The steel cables were made in a foundry upriver and shipped on barges during the night.</p>
</article></body></html>"""


@pytest.mark.parametrize("written", [w for w, _ in BAD])
def test_a_page_carries_a_sane_date_or_none(written):
    for meta in (f'<meta property="article:published_time" content="{written}">',
                 f'<script type="application/ld+json">{{"@type": "NewsArticle", "datePublished": "{written}"}}'
                 "</script>"):
        published = extract_article(PAGE.format(meta=meta), "https://a.example/bridge").published
        if "2025" in written and "-13-" not in written:
            # htmldate, the last resort, reads the day (and time) of a date whose zone is bogus, without the zone,
            # as it reads every page: a sane instant on the written day, never shifted by +99:99.
            assert published is None or published.astimezone(UTC).date() == date(2025, 9, 1)
        else:
            assert published is None


def test_records_carry_a_valid_date_or_none_and_keep_their_own_timeline():
    # Records (`newsdesk cluster`) are a file's timeline: a far but valid instant is kept (the SemEval pair stream
    # spaces pairs 400 days apart, to year ~3600, so that no story spans two pairs); invalid ones are dropped.
    far = {"2999-01-01T00:00:00Z": datetime(2999, 1, 1, tzinfo=UTC)}
    lines = [json.dumps({"id": i, "title": "t", "text": "x", "published": w}) for i, (w, _) in enumerate(BAD)]
    lines.append(json.dumps({"id": "ok", "title": "t", "text": "x", "published": "2025-09-01T10:00:00Z"}))
    docs = list(read_records(lines))
    assert [d.published for d in docs] == [far.get(w) for w, _ in BAD] + [datetime(2025, 9, 1, 10, tzinfo=UTC)]


def test_the_clusterer_cannot_overflow_whatever_dates_it_is_given():
    # Dates are checked where they enter; this is the second line, for a date from anywhere else (a store
    # written before the check).
    extremes = [datetime.min, datetime.min.replace(tzinfo=UTC), datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
                datetime.max.replace(tzinfo=UTC), datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-5))),
                datetime(2025, 9, 1, tzinfo=UTC)]
    clusterer = StoryClusterer()
    text = "The mayor of Springfield opened the new harbour bridge on Monday after two years of repairs."
    for i, when in enumerate(extremes * 2):
        clusterer.add(StoryDoc(id=i, title="Springfield mayor opens harbour bridge", text=text, published=when))
        clusterer.restore(1, StoryDoc(id=f"r{i}", title="Springfield bridge", text=text, published=when))
    assert clusterer.forget_before(datetime.min.replace(tzinfo=UTC)) == 0  # nothing is older than year 1
    clusterer.forget_before(datetime.max.replace(tzinfo=UTC))  # the window after it is past datetime's range
    assert shift(datetime.max.replace(tzinfo=UTC), timedelta(days=7)) == datetime.max.replace(tzinfo=UTC)
    assert shift(datetime.min.replace(tzinfo=UTC), -timedelta(days=7)) == datetime.min.replace(tzinfo=UTC)


def test_cluster_command_on_a_record_dated_year_one(tmp_path):
    path = tmp_path / "articles.jsonl"
    # Three reports of one event in other words (a copy would join its origin without any date arithmetic).
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "title": "Mayor opens bridge", "published": "0001-01-01T00:00:00Z",
         "text": "The mayor of Springfield opened the new bridge on Monday."},
        {"id": "b", "title": "Mayor opens bridge in Springfield", "published": "2025-09-01T10:00:00Z",
         "text": "The mayor of Springfield opened a bridge."},
        {"id": "c", "title": "Springfield bridge opened by the mayor", "published": "99999-01-01T00:00:00Z",
         "text": "A new bridge in Springfield was opened by the mayor."},
    ]) + "\n")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.db'}"}
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "cluster", str(path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout == "a\t1\nb\t1\nc\t1\n"  # one event, its dates dropped or kept


def test_cluster_command_goes_on_past_an_article_it_cannot_group(tmp_path):
    # Only quote marks (the sentence splitter raised IndexError on them) and a 4 MB text past a one-second budget:
    # each is reported and gets a story of its own, the others are grouped, every article gets its line.
    huge = "\n\n".join(f"Council meeting {i} in district {i % 97} counted {i * 7} votes." for i in range(60_000))
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"id": "a", "title": "Mayor opens bridge", "text": "The mayor of Springfield opened the new bridge."},
        {"id": "quotes", "title": "\"\"", "text": "\"\"\" ” ’ ) ] \""},
        {"id": "huge", "title": "Council minutes", "text": huge},
        {"id": "b", "title": "Mayor opens bridge in Springfield", "text": "The mayor of Springfield opened a bridge."},
    ]) + "\n")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.db'}",
           "NEWSDESK_ARTICLE_TIME_BUDGET": "1"}
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "cluster", str(path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert "Traceback" not in proc.stderr
    lines = dict(line.split("\t") for line in proc.stdout.splitlines())
    assert list(lines) == ["a", "quotes", "huge", "b"] and lines["a"] == lines["b"]
    assert lines["huge"] not in (lines["a"], lines["quotes"])
    assert proc.returncode == 1 and "article huge: could not be grouped (TimeBudgetError" in proc.stderr
