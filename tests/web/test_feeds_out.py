"""Feeds out: Atom, RSS and JSON Feed for the front page, a story, a source and a search, checked with
feedparser (no bozo), with stable ids, dates, the disclaimer and links to the original reporting."""

from __future__ import annotations

import json

import feedparser
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
    parsed = feedparser.parse(site.get("/feed.atom").content)
    quake = site.story_of[site.ids["wire"]]
    entry = next(e for e in parsed.entries if e.link.endswith(f"/stories/{quake}"))
    assert entry.id == entry.link  # the story's page is its stable id
    related = [link.href for link in entry.links if link.rel == "related"]
    assert "https://wireagency.example/news/1" in related


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
