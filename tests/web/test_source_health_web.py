"""Honest source health and feed text on the site and in the API (issue 17 items 5 and 6): a real collector pass
against a local server fills the store (one feed whose pages all fail, one whose pages fail but which carries each
item's full text), then the real server shows what happened."""

from __future__ import annotations

import html
import re

import pytest
from fulltext import content_html, full_text, rss_full
from localserver import LocalServer, Response
from pages import rss

from newsdesk.collect import ITEMS_FAILED, Collector
from newsdesk.config import Settings
from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines

PDF = {"Content-Type": "application/pdf"}


def collect(db: str) -> None:
    """Two sources, one pass: "bare" lists three entries whose pages are a 404, a 404 and a PDF; "full" lists one
    whose page is a 404 and whose feed carries its text. The full one is grouped into a story."""
    store = Store(db)
    collector = Collector(Settings(database_url=db, allow_private_hosts=True, min_host_delay=0.0), store)
    try:
        with LocalServer() as server:
            base = server.url("").rstrip("/")
            server.route("/bare.xml", Response(200, rss(base, [1, 2, 3], title="Bare Gazette"),
                                               {"Content-Type": "application/rss+xml"}))
            server.route("/articles/3.html", Response(200, b"%PDF-1.4", PDF))
            server.route("/full.xml", Response(200, rss_full(base, [7]), {"Content-Type": "application/rss+xml"}))
            collector.add_source(server.url("/bare.xml"), discover=False)
            collector.add_source(server.url("/full.xml"), discover=False)
            collector.fetch_due(include_not_due=True)
        StoryEngine(store).process_pending()
    finally:
        collector.close()
        store.close()


@pytest.fixture(scope="module")
def hsite(start_site):
    return start_site(collect)


def words(page: str) -> str:
    """A page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split()).replace(" ,", ",").replace(" :", ":")


def by_title(site, title: str) -> dict:
    return next(s for s in site.get("/api/sources?limit=100").json()["sources"] if s["title"] == title)


def test_api_shows_the_warning_and_what_failed_in_the_last_pass(hsite):
    bare = by_title(hsite, "Bare Gazette")
    assert (bare["last_status"], bare["healthy"], bare["last_error_reason"]) == ("warning", False, ITEMS_FAILED)
    assert bare["last_error"].startswith(
        "3 of 3 entries failed and none was stored (2 × error status from the site, 1 × not a web page)")
    last = bare["last_pass"]
    assert (last["found"], last["stored"], last["from_feed"], last["failed"]) == (3, 0, 0, 3)
    assert [(r["reason"], r["count"]) for r in last["reasons"]] == [("http_status", 2), ("not_html", 1)]
    assert "HTTP 404" in last["reasons"][0]["message"] and last["reasons"][0]["url"].endswith(".html")
    assert hsite.get(f"/api/sources/{bare['id']}").json()["last_pass"] == last

    full = by_title(hsite, "Full Text Gazette")
    assert (full["last_status"], full["healthy"], full["last_error"]) == ("ok", True, None)
    assert (full["last_pass"]["stored"], full["last_pass"]["from_feed"], full["last_pass"]["failed"]) == (1, 1, 0)


def test_api_marks_an_article_taken_from_the_feed(hsite):
    full = by_title(hsite, "Full Text Gazette")
    (article,) = hsite.get(f"/api/articles?source={full['id']}").json()["articles"]
    assert (article["title"], article["text_from"]) == ("Headline 7", "feed")
    whole = hsite.get(f"/api/articles/{article['id']}").json()
    assert whole["text_from"] == "feed"
    assert full_text(7)[-1] in whole["text"] and "<" not in whole["text"]
    assert "onclick" in content_html(7)  # the feed's markup was hostile; none of it is in the text


def test_pages_show_the_warning_and_the_feed_text(hsite):
    bare = by_title(hsite, "Bare Gazette")
    listing = hsite.get("/sources").text
    row = re.search(rf'<tr><td class="long"><a href="/sources/{bare["id"]}">.*?</tr>', listing, re.S).group(0)
    assert '<td data-label="Status" class="status warning">entries failed, none stored</td>' in row
    assert "3 found, 0 stored" in row and "3 failed" in row
    assert "2 × error status from the site" in row and "1 × not a web page" in row
    page = hsite.get(f"/sources/{bare['id']}").text
    assert '<dd class="warning">entries failed, none stored</dd>' in page
    page = words(page)
    assert "3 found, 0 stored, 3 failed: 2 × error status from the site, e.g." in page and "HTTP 404" in page
    assert "not an HTML page (application/pdf)" in page

    full = by_title(hsite, "Full Text Gazette")
    (article,) = hsite.get(f"/api/articles?source={full['id']}").json()["articles"]
    story = hsite.get(f"/stories/{article['story_id']}").text
    assert "text from the feed" in story
    source_page = hsite.get(f"/sources/{article['source_id']}").text
    assert "text from the feed" in source_page and "(1 from the feed" in source_page


def test_metrics_count_the_sources_in_warning(hsite):
    lines = hsite.get("/metrics").text.splitlines()
    assert "newsdesk_fetch_warnings 1.0" in lines  # Bare Gazette; Full Text Gazette is ok
