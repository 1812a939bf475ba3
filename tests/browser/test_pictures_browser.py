"""Pictures and charts in a real browser (issue 18 item 5): the earthquake story's reports carry a picture address
on the local article server; a real pass fetches the earliest one, and Chromium shows it from this site (the
browser never asks the article server), with its alt text and credit, beside the coverage chart, which has a text
alternative; nothing is wider than the screen at 360, 390 and 1280 px. Screenshots: test-artifacts/screenshots/."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from localserver import Response
from PIL import Image
from sqlalchemy import update

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.store import Store, pictures
from newsdesk.store.schema import ArticleRow

QUAKE = 1  # corpus id of the wire story of the Marrask earthquake (its story has 5 articles)


def jpeg(width: int, height: int) -> bytes:
    img = Image.new("RGB", (width, height), (70, 110, 150))
    for x in range(0, width, 40):  # stripes, so that a screenshot shows a picture, not a flat box
        img.paste((230, 200, 90), (x, 0, x + 12, height))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


@pytest.fixture(scope="module")
def pictured(site, article_server) -> tuple[int, pictures.LeadImage]:
    """(story id, its lead picture) after a real pass fetched it."""
    story_id = site.story_with(QUAKE)
    article_server.route("/pictures/quake.jpg", Response(200, jpeg(1600, 900), {"Content-Type": "image/jpeg"}))
    store = Store(site.db)
    collector = Collector(Settings(database_url=site.db, allow_private_hosts=True, min_host_delay=0.0), store)
    try:
        with store.session() as s:
            s.execute(update(ArticleRow).where(ArticleRow.story_id == story_id)
                      .values(image=article_server.url("/pictures/quake.jpg")))
            s.commit()
        assert collector.fetch_pictures(stories=1000) == 1
        lead = pictures.lead_image(store, story_id)
        assert lead is not None
        return story_id, lead
    finally:
        collector.close()
        store.close()


@pytest.mark.parametrize("which", ["page", "nojs_page"])
def test_the_story_shows_its_picture_and_coverage_chart(request, which, site, pictured, article_server, screenshot):
    page = request.getfixturevalue(which)
    story_id, lead = pictured
    asked_before = sum(r.path == "/pictures/quake.jpg" for r in article_server.requests)
    page.goto(f"{site.url}/stories/{story_id}")

    img = page.locator("figure.lead-image img")
    img.wait_for()
    assert img.get_attribute("alt") == lead.alt and lead.alt
    assert img.get_attribute("src") == f"/images/{lead.article_id}.webp"
    page.wait_for_function("document.querySelector('figure.lead-image img').complete")
    assert img.evaluate("e => [e.naturalWidth, e.naturalHeight]") == [640, 360]
    caption = page.locator("figure.lead-image figcaption").inner_text()
    assert caption.startswith(f"Picture: {lead.outlet}, from ")
    # The browser got the picture from this site: the article server was not asked again.
    assert sum(r.path == "/pictures/quake.jpg" for r in article_server.requests) == asked_before

    chart = page.get_by_role("img", name=re.compile(r"^Reports per (hour|\d+ hours) \d+ independent report"))
    assert chart.count() == 1
    assert chart.evaluate("e => e.tagName") == "svg"
    box = chart.bounding_box()
    assert box["width"] > 200 and box["height"] > 30
    for width in (360, 390, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert img.bounding_box()["width"] <= width
    page.set_viewport_size({"width": 1280, "height": 900})
    if which == "page":
        screenshot(page, "story-picture")


def test_a_source_page_shows_its_fetch_chart(page, site, screenshot):
    store = Store(site.db)
    try:
        source, _ = store.add_source("https://history.example/feed.xml", interval=900, title="History Gazette")
        start = utcnow() - timedelta(hours=10)
        for i in range(40):
            status = "error" if i in (12, 13) else ("warning" if i == 30 else "ok")
            pictures.record_fetch(store, source.id, start + timedelta(minutes=15 * i), status, (i * 7) % 5)
    finally:
        store.close()
    page.goto(f"{site.url}/sources/{source.id}")
    chart = page.get_by_role("img", name=re.compile(r"^Fetch history 40 fetches from .*: 37 answered, 1 with "
                                                    r"warnings, 2 failed"))
    assert chart.count() == 1
    assert chart.locator("rect").count() == 40
    for width in (360, 390, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.set_viewport_size({"width": 1280, "height": 900})
    screenshot(page, "source-fetch-chart")
