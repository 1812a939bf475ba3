"""parse_source against real published feeds, checked against another parser's reading.

The inputs and `expected/<stem>.json` come from rss-parser's test suite (see shared/data/feeds/README.md):
`{"feed": {"items": [{"title": ..., "link": ...}, ...]}}`. We compare counts, links and titles.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from urllib.parse import urljoin

import pytest

from newsdesk.errors import ParseError
from newsdesk.models import ParsedSource
from newsdesk.sources.parse import parse_source

pytestmark = pytest.mark.integration

# The URL we pretend each feed was fetched from; relative links resolve against it.
BASE_URL = "https://feeds.example.test/feed/"


def _feeds(shared_data: Path) -> list[Path]:
    return sorted(path for path in (shared_data / "feeds" / "input").iterdir() if path.is_file())


def _expected(shared_data: Path, feed: Path) -> dict | None:
    path = shared_data / "feeds" / "expected" / f"{feed.stem}.json"
    if not path.exists():
        return None
    raw = path.read_bytes()
    try:
        return json.loads(raw)
    except UnicodeDecodeError:
        # encoding.json was written in ISO-8859-1 (the feed's own charset), not UTF-8.
        return json.loads(raw.decode("latin-1"))


def _expected_link(link: str) -> str:
    # rss-parser keeps links as written; we resolve relative ones (gulp-atom.atom has "/gulpjs/gulp/...")
    # against the document URL. Resolving the expected link the same way compares like with like: it
    # still fails if we dropped, invented or mangled a link.
    return urljoin(BASE_URL, link.strip())


def _plain(text: str) -> str:
    """The expected title as plain text: rss-parser returns CDATA markup (craigslist's "ft<sup>2</sup>")
    and entities as written; our titles are plain text by contract."""
    text = re.sub(r"<[^>]*>", "", text)
    return " ".join(html.unescape(text).split())


def _title_matches(expected: str, ours: str | None) -> bool:
    expected = _plain(expected)
    if "\ufffd" not in expected:
        return expected == (ours or "")
    # uolNoticias.rss declares utf-8 but is windows-1252: rss-parser decoded it as UTF-8 and got U+FFFD for
    # each accented letter; feedparser detects the real encoding and reads "simulações". Each U+FFFD there
    # stands for one non-ASCII character (or an nbsp, which we fold into a space) here.
    pattern = "".join("(?:[^\\x00-\\x7f]| )" if ch == "\ufffd" else re.escape(ch) for ch in expected)
    return re.fullmatch(pattern, ours or "") is not None


def _all_feeds(shared_data: Path) -> list[tuple[Path, ParsedSource | ParseError]]:
    results: list[tuple[Path, ParsedSource | ParseError]] = []
    for feed in _feeds(shared_data):
        try:
            results.append((feed, parse_source(feed.read_bytes(), BASE_URL + feed.name)))
        except ParseError as exc:
            results.append((feed, exc))
    return results


def test_feeds_with_expected_output(shared_data: Path) -> None:
    checked = 0
    problems: list[str] = []
    for feed in _feeds(shared_data):
        expected = _expected(shared_data, feed)
        if expected is None:
            continue
        checked += 1
        parsed = parse_source(feed.read_bytes(), BASE_URL + feed.name)
        items = expected["feed"]["items"]
        linked = [item for item in items if item.get("link")]
        want = [_expected_link(item["link"]) for item in linked]
        got = [entry.url for entry in parsed.entries]
        if len(got) != len(linked):
            problems.append(f"{feed.name}: {len(got)} entries, expected {len(linked)} items with a link")
        if set(got) != set(want):
            problems.append(
                f"{feed.name}: links differ: missing {sorted(set(want) - set(got))[:3]}, "
                f"unexpected {sorted(set(got) - set(want))[:3]}"
            )
        ours = {entry.url: entry.title for entry in parsed.entries}
        for item in linked:
            title = item.get("title")
            url = _expected_link(item["link"])
            if isinstance(title, str) and url in ours and not _title_matches(title, ours[url]):
                problems.append(f"{feed.name}: title {ours[url]!r}, expected {_plain(title)!r}")
    assert checked >= 25, f"only {checked} feeds had expected output"
    assert not problems, "\n".join(problems)


def test_every_feed_parses_or_raises_parse_error(shared_data: Path) -> None:
    results = _all_feeds(shared_data)  # any exception other than ParseError fails here
    assert len(results) == len(_feeds(shared_data))
    for feed, result in results:
        if isinstance(result, ParsedSource):
            assert result.kind in {"rss", "atom", "html"}, feed.name
            for entry in result.entries:
                assert entry.url.startswith(("http://", "https://")), (feed.name, entry.url)
                assert entry.published is None or entry.published.utcoffset() is not None
            assert len({entry.url for entry in result.entries}) == len(result.entries), feed.name


def test_feeds_without_expected_output(shared_data: Path) -> None:
    by_name = dict(_all_feeds(shared_data))
    names = {path.name: path for path in by_name}
    # A podcast: 131 items that all link to the show's home page (the episodes differ only by enclosure),
    # so deduplicating by URL keeps the distinct pages.
    podcast = by_name[names["itunes-missing-image.rss"]]
    assert isinstance(podcast, ParsedSource) and podcast.kind == "rss"
    assert 0 < len(podcast.entries) < 131
    # A "Document Moved" HTML page served in place of a feed: read as an HTML page with no feeds.
    moved = by_name[names["unrecognized.rss"]]
    assert isinstance(moved, ParsedSource) and moved.kind == "html" and moved.feed_links == []
