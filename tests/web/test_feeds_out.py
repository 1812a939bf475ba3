"""Feeds out: Atom, RSS and JSON Feed for the front page, a story, a source and a search, checked with
feedparser (no bozo), with stable ids, dates, the disclaimer and links to the original reporting."""

from __future__ import annotations

import html
import json
import logging
import re
import xml.etree.ElementTree as ET

import feedparser
import httpx
import pytest

DISCLAIMER = "verify information independently"

pytestmark = pytest.mark.both_engines


def feed_paths(site) -> list[str]:
    story = site.story_of[site.ids["wire"]]
    source = site.sources["Wire Agency"]
    return ["/feed", f"/stories/{story}/feed", f"/sources/{source}/feed", "/search/feed"]


def url(path: str, fmt: str) -> str:
    return f"{path}.{fmt}" + ("?q=Veldoria" if path == "/search/feed" else "")


@pytest.mark.parametrize("which", range(4))
@pytest.mark.parametrize("fmt", ["atom", "rss"])
def test_xml_feeds_parse_cleanly(site, which, fmt):
    path = url(feed_paths(site)[which], fmt)
    r = site.get(path)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith(f"application/{fmt}+xml")
    parsed = feedparser.parse(r.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == ("atom10" if fmt == "atom" else "rss20")
    assert parsed.entries
    for entry in parsed.entries:
        assert entry.id and entry.link.startswith("http") and entry.title
        assert entry.get("updated_parsed" if fmt == "atom" else "published_parsed")
        body = entry.get("content", [{}])[0].get("value") if fmt == "atom" else entry.get("description", "")
        assert DISCLAIMER in body
        assert 'href="http' in body  # a link to the original reporting
    again = feedparser.parse(site.get(path).content)
    assert [e.id for e in again.entries] == [e.id for e in parsed.entries]  # stable ids


@pytest.mark.parametrize("which", range(4))
def test_json_feeds(site, which):
    r = site.get(url(feed_paths(site)[which], "json"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/feed+json")
    doc = json.loads(r.content)
    assert doc["version"] == "https://jsonfeed.org/version/1.1"
    assert doc["title"] and doc["feed_url"].startswith("http") and doc["items"]
    for item in doc["items"]:
        assert item["id"] and item["url"].startswith("http") and item["date_published"]
        assert DISCLAIMER in item["content_html"] and DISCLAIMER in item["content_text"]


def test_front_feed_links_stories_and_sources(site):
    front = feedparser.parse(site.get("/feed.atom").content)
    assert [e.link.rsplit("/", 1)[1] for e in front.entries] == [
        str(s["id"]) for s in site.get("/api/stories?limit=30").json()["stories"]]  # the front page's stories
    # the quake of 2025 is old news (by publication time): after today's stories; a search finds it at once
    parsed = feedparser.parse(site.get("/search/feed.atom?q=earthquake").content)
    quake = site.story_of[site.ids["wire"]]
    entry = next(e for e in parsed.entries if e.link.endswith(f"/stories/{quake}"))
    # No public_url when the ids were made: a tag: URI of the site's own made-up name (a public_url site keeps
    # its story URLs as ids); never the address the request came to.
    assert entry.id.startswith("tag:newsdesk-") and entry.id.endswith(f".invalid,2025:stories/{quake}")
    related = [link.href for link in entry.links if link.rel == "related"]
    assert "https://wireagency.example/news/1" in related


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_story_entries_cite_with_the_pages_numbers_and_links(site, fmt):
    """Issue 18 item 6: a story's entry in the feeds cites [1]..[n] exactly as the story page does (same number,
    same link, in the same order), never an article id."""
    quake = site.story_of[site.ids["wire"]]
    page = site.get(f"/stories/{quake}").text
    on_page = re.findall(r'<a class="citation" href="([^"]+)"[^>]*>\[(\d+)\]</a>', page)
    assert on_page and {n for _, n in on_page} != {"1"}  # several sources are cited: the numbering is tested
    raw = site.get(f"/feed.{fmt}").content
    if fmt == "json":
        item = next(i for i in json.loads(raw)["items"] if i["url"].endswith(f"/stories/{quake}"))
        body, text = item["content_html"], item["content_text"]
    else:
        entry = next(e for e in feedparser.parse(raw).entries if e.link.endswith(f"/stories/{quake}"))
        body = entry.content[0].value if fmt == "atom" else entry.description
        text = ""  # Atom's summary is cut at 1,000 characters, RSS has none: the JSON Feed's text is checked
    in_feed = re.findall(r'<a href="([^"]+)">\[(\d+)\]</a>', html.unescape(body) if fmt == "rss" else body)
    assert [(html.unescape(u), n) for u, n in in_feed] == [(html.unescape(u), n) for u, n in on_page]
    # the list of sources under the brief: the cited ones first, under their numbers, with the page's links
    numbered = dict((n, u) for u, n in on_page)
    for n, u in numbered.items():
        assert f'[{n}] ' in html.unescape(body) and html.unescape(u) in html.unescape(body)
    if text:
        assert f"[1] {html.unescape(numbered['1'])}" in text


def test_story_feed_lists_its_updates(site):
    quake = site.story_of[site.ids["wire"]]
    parsed = feedparser.parse(site.get(f"/stories/{quake}/feed.rss").content)
    assert len(parsed.entries) == 5
    assert {e.link for e in parsed.entries} >= {"https://wireagency.example/news/1", "https://coastpost.example/news/4"}


def test_hostile_text_is_escaped_in_feeds(site):
    evil = site.story_of[site.ids["evil"]]
    for fmt in ("atom", "rss"):
        raw = site.get(f"/stories/{evil}/feed.{fmt}").content
        assert b"<script" not in raw
        parsed = feedparser.parse(raw)
        assert not parsed.bozo
        assert "Harbour volcano" in parsed.entries[0].title
    doc = json.loads(site.get(f"/stories/{evil}/feed.json").content)
    assert "<script" not in doc["items"][0]["content_html"]


@pytest.mark.parametrize("path,status", [("/stories/424242/feed.atom", 404), ("/sources/424242/feed.rss", 404),
                                         ("/stories/abc/feed.json", 404), ("/search/feed.atom?q=%22open", 400),
                                         ("/search/feed.atom", 400)])
def test_feed_errors(site, path, status):
    r = site.get(path)
    assert r.status_code == status and r.json()["message"]


# ---- issue 13: plain-text titles, HEAD, ids that do not follow the Host header ------------------------------

A_TAG = re.compile(r"<[A-Za-z/!?]")  # what an HTML parser would read as the start of a tag


def rss_texts(raw: bytes) -> list[str]:
    """The channel's title and description and every item's title, as an XML parser reads them."""
    channel = ET.fromstring(raw).find("channel")
    assert channel is not None
    return ([channel.findtext("title") or "", channel.findtext("description") or ""]
            + [item.findtext("title") or "" for item in channel.iter("item")])


def test_rss_titles_and_descriptions_are_plain_text_for_readers_that_render_html(site):
    evil = site.story_of[site.ids["evil"]]
    paths = [f"/stories/{evil}/feed.rss", "/search/feed.rss?q=Zentoria", "/search/feed.rss?q=%3Cb%3EZentoria%3C/b%3E",
             "/feed.rss"]
    seen = []
    for path in paths:
        r = site.get(path)
        assert r.status_code == 200, path
        for text in rss_texts(r.content):
            # A reader that renders the field as HTML parses what the XML parser gave it: no tag in it, and none
            # even after one more round of unescaping.
            assert not A_TAG.search(text) and "<script" not in html.unescape(text), (path, text)
            seen.append(text)
    assert any("Harbour volcano erupts" in t for t in seen)  # the words stay
    assert "newsdesk: search for Zentoria" in seen  # the query's markup is gone from the channel's title
    atom = feedparser.parse(site.get(f"/stories/{evil}/feed.atom").content)
    assert all("<" not in e.title for e in atom.entries) and "<" not in atom.feed.title
    doc = json.loads(site.get(f"/stories/{evil}/feed.json").content)
    assert all("<" not in item["title"] and "<" not in item["content_text"] for item in doc["items"])


def test_head_answers_every_get_route_with_its_headers_and_no_body(site):
    story = site.story_of[site.ids["wire"]]
    for path in ("/", "/healthz", "/api/stories", f"/stories/{story}", f"/api/stories/{story}", "/feed.atom",
                 f"/stories/{story}/feed.rss", "/search/feed.json?q=Veldoria", "/search?q=Veldoria", "/sources",
                 "/removal"):
        got = site.get(path)
        head = httpx.head(site.url + path, timeout=30)
        assert got.status_code == 200 and head.status_code == 200, (path, head.status_code)
        assert head.content == b"", path
        assert head.headers["content-type"] == got.headers["content-type"], path
        assert int(head.headers["content-length"]) > 0, path
    assert httpx.head(site.url + "/stories/424242", timeout=30).status_code == 404


def test_feed_ids_do_not_follow_the_host_header(site):
    quake = site.story_of[site.ids["wire"]]

    def ids(path: str, host: str) -> list[str]:
        """The feed's own id (Atom, RSS: none) and its entries' ids, fetched under the host name `host`."""
        r = site.get(path, headers={"Host": host})
        assert r.status_code == 200 and host.encode() in r.content  # its links follow the address asked for
        if ".json" in path:
            return [item["id"] for item in json.loads(r.content)["items"]]
        parsed = feedparser.parse(r.content)
        return [parsed.feed.get("id", "")] + [e.id for e in parsed.entries]

    for path in ("/feed.atom", f"/stories/{quake}/feed.atom", f"/stories/{quake}/feed.rss", "/feed.rss",
                 "/search/feed.json?q=earthquake"):
        a, b = ids(path, "news-a.example"), ids(path, "news-b.example:8443")
        assert len(a) > 1 and a == b, path
        assert not [i for i in a if "news-a" in i], path


def test_a_site_without_public_url_warns_once(start_site, caplog):
    caplog.set_level(logging.WARNING, logger="newsdesk.web")
    fresh = start_site()
    for path in ("/feed.atom", "/api/stories", "/feed.rss", "/api/search?q=earthquake"):
        assert fresh.get(path).status_code == 200
    warnings = [r for r in caplog.records if "NEWSDESK_PUBLIC_URL is not set" in r.getMessage()]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    configured = start_site(public_url="https://news.example.org")
    caplog.clear()
    feed = feedparser.parse(configured.get("/feed.atom").content)
    assert not [r for r in caplog.records if "NEWSDESK_PUBLIC_URL" in r.getMessage()]
    # A site that had its public address when the ids were made keeps the story URLs as its entries' ids.
    assert feed.entries and all(e.id.startswith("https://news.example.org/stories/") for e in feed.entries)
