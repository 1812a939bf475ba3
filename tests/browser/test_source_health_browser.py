"""Source health in a real browser (issue 17 item 6): a real collector pass over a local feed whose article pages
fail puts a source in "warning"; /sources shows the warning and why, the source's page each reason with an example,
with and without JavaScript. A second feed carries its items' full text: its article is marked as taken from the
feed (item 5). Screenshots land in test-artifacts/screenshots/."""

from __future__ import annotations

import pytest
from fulltext import rss_full
from localserver import LocalServer, Response
from pages import rss

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.store import Store


@pytest.fixture(scope="module")
def failing_sources(site) -> dict[str, int]:
    """Two sources added to the browser site's store by a real pass: "Unreachable Gazette" (pages: 404, 404 and a
    PDF) and "Full Text Gazette" (page 404, full text in the feed). Their ids by title."""
    store = Store(site.db)
    collector = Collector(Settings(database_url=site.db, allow_private_hosts=True, min_host_delay=0.0), store)
    try:
        with LocalServer() as server:
            base = server.url("").rstrip("/")
            server.route("/unreachable.xml", Response(200, rss(base, [1, 2, 3], title="Unreachable Gazette"),
                                                      {"Content-Type": "application/rss+xml"}))
            server.route("/articles/3.html", Response(200, b"%PDF-1.4", {"Content-Type": "application/pdf"}))
            server.route("/full.xml", Response(200, rss_full(base, [9]), {"Content-Type": "application/rss+xml"}))
            collector.add_source(server.url("/unreachable.xml"), discover=False)
            collector.add_source(server.url("/full.xml"), discover=False)
            collector.fetch_due(include_not_due=True)
        return {s.title: s.id for s in store.list_sources()}
    finally:
        collector.close()
        store.close()


@pytest.mark.parametrize("which", ["page", "nojs_page"])
def test_sources_page_shows_the_warning_and_why(request, which, site, failing_sources, screenshot):
    page = request.getfixturevalue(which)
    page.goto(site.url + "/sources")
    source_id = failing_sources["Unreachable Gazette"]
    row = page.locator("tr", has=page.locator(f'a[href="/sources/{source_id}"]'))
    cells = row.locator("td")
    status = cells.nth(1)
    assert status.inner_text() == "entries failed, none stored"
    assert status.evaluate("e => getComputedStyle(e).fontWeight") in ("600", "700")  # set apart, besides its word
    assert "3 found, 0 stored, 3 failed" in " ".join(row.locator("td.last-pass").inner_text().split())
    assert row.locator("ul.reasons li").all_inner_texts() == ["2 × error status from the site", "1 × not a web page"]
    assert "3 of 3 entries failed and none was stored" in cells.last.inner_text()
    ok = page.locator("tr", has=page.locator(f'a[href="/sources/{failing_sources["Full Text Gazette"]}"]'))
    assert ok.locator("td").nth(1).inner_text() == "fetched"
    assert "(1 from the feed)" in ok.locator("td.last-pass").inner_text()
    if which == "page":
        screenshot(page, "sources-warning")

    row.get_by_role("link").click()
    page.wait_for_url(f"**/sources/{source_id}")
    health = page.locator("dl.health")
    assert health.locator("dd.warning").inner_text() == "entries failed, none stored"
    reasons = health.locator("ul.reasons li").all_inner_texts()
    assert reasons[0].startswith("2 × error status from the site, e.g. ") and "HTTP 404" in reasons[0]
    assert reasons[1].endswith("not an HTML page (application/pdf)")
    if which == "page":
        screenshot(page, "source-warning")


def test_an_article_from_the_feed_says_so(page, site, failing_sources):
    page.goto(f"{site.url}/sources/{failing_sources['Full Text Gazette']}")
    item = page.locator("ul.articles li", has_text="Headline 9")
    marker = item.locator(".text-from")
    assert marker.inner_text() == "text from the feed"
    assert "could not be fetched" in marker.get_attribute("title")
