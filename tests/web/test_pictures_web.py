"""Pictures and charts on the real site (issue 18 item 5): a real pass fetches a story's lead picture from a local
server; the story page shows it from this site (alt text, credit to the outlet) with its coverage chart, the
picture is served with cache headers and no publisher address reaches the page, a source's page charts its
fetches, and an accepted removal takes the picture away."""

from __future__ import annotations

import html
import io
import re
import time
from dataclasses import replace

import pytest
from localserver import LocalServer, Response
from one_event import ARTICLES, article
from pages import article_html, rss
from PIL import Image

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.sources.images import make_picture
from newsdesk.store import Store, pictures
from newsdesk.stories.cluster import ClusterConfig
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines

HTML = {"Content-Type": "text/html; charset=utf-8"}
FLOOD_TITLE, _, _, FLOOD_URL, FLOOD_OUTLET = ARTICLES[0]


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 120, 30)).save(out, "PNG")
    return out.getvalue()


def prepare(db: str) -> None:
    """The two flood reports with pictures (one story) and its lead picture fetched; a feed fetched three times
    (new articles, nothing new, a failure)."""
    store = Store(db)
    settings = Settings(database_url=db, allow_private_hosts=True, min_host_delay=0.0, request_timeout=5.0)
    collector = Collector(settings, store)
    try:
        with LocalServer() as server:
            server.route("/flood.png", Response(200, png(1280, 720), {"Content-Type": "image/png"}))
            server.route("/pumps.png", Response(200, png(300, 300), {"Content-Type": "image/png"}))
            for item, path in zip(ARTICLES[:2], ["/flood.png", "/pumps.png"], strict=True):
                a, source = article(item)
                store.save_article(replace(a, image=server.url(path)), source_name=source)
            StoryEngine(store, ClusterConfig(semantic=False)).process_pending()
            assert collector.fetch_pictures(stories=100) == 1

            base = server.url("").rstrip("/")
            server.route("/history.xml", Response(200, rss(base, [1, 2], title="History Gazette"),
                                                  {"Content-Type": "application/rss+xml"}))
            for n in (1, 2):
                server.route(f"/articles/{n}.html", Response(200, article_html(100 + n), HTML))
            collector.add_source(server.url("/history.xml"), discover=False)
            collector.fetch_due(include_not_due=True)
            collector.fetch_due(include_not_due=True)
            server.route("/history.xml", Response(500, b"broken"))
            collector.fetch_due(include_not_due=True)
    finally:
        collector.close()
        store.close()


@pytest.fixture(scope="module")
def psite(start_site):
    return start_site(prepare)


def flood(psite) -> tuple[int, int]:
    """(story id, article id) of the first flood report."""
    store = Store(psite.db)
    try:
        a = next(a for a in store.iter_articles() if a.url == FLOOD_URL)
        return a.story_id, a.id
    finally:
        store.close()


def test_the_story_page_shows_the_picture_from_this_site_with_alt_text_and_credit(psite):
    story_id, article_id = flood(psite)
    r = psite.get(f"/stories/{story_id}")
    assert r.status_code == 200
    figure = re.search(r'<figure class="lead-image">(.*?)</figure>', r.text, re.S).group(1)
    img = re.search(r"<img [^>]*>", figure).group(0)
    assert f'src="/images/{article_id}.webp"' in img
    assert 'width="640" height="360"' in img
    assert f'alt="{html.escape(FLOOD_TITLE)}"' in img
    caption = " ".join(re.sub(r"<[^>]+>", " ", re.search(r"<figcaption[^>]*>(.*?)</figcaption>", figure, re.S)
                              .group(1)).split())
    assert caption == f"Picture: {FLOOD_OUTLET}, from {FLOOD_TITLE}"
    # Nothing on the page makes the reader's browser ask another host for a picture.
    assert not re.search(r"<img [^>]*src=\"https?:", r.text)
    assert "img-src 'self' data:;" in r.headers["content-security-policy"]


def test_the_story_page_charts_its_reports(psite):
    story_id, _ = flood(psite)
    page = psite.get(f"/stories/{story_id}").text
    svg = re.search(r'<svg class="chart" id="coverage-chart".*?</svg>', page, re.S).group(0)
    assert 'role="img"' in svg and 'aria-labelledby="coverage-chart-t coverage-chart-d"' in svg
    assert '<title id="coverage-chart-t">Reports per hour</title>' in svg
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert desc.startswith("2 independent reports and 0 reprints from 14 Oct 05:00 to 14 Oct 17:00 UTC")
    assert len(re.findall(r"<rect ", svg)) == 2
    assert "<script" not in svg and "style=" not in svg


def test_the_picture_is_served_with_cache_headers(psite):
    _, article_id = flood(psite)
    r = psite.get(f"/images/{article_id}.webp")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/webp"
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["x-content-type-options"] == "nosniff"
    img = Image.open(io.BytesIO(r.content))
    assert (img.format, img.size) == ("WEBP", (640, 360))
    again = psite.get(f"/images/{article_id}.webp", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert psite.get("/images/999999.webp").status_code == 404
    assert psite.get("/images/abc.webp").status_code == 404


def test_a_source_page_charts_its_fetches(psite):
    source = next(s for s in psite.get("/api/sources?limit=100").json()["sources"]
                  if s["title"] == "History Gazette")
    page = psite.get(f"/sources/{source['id']}").text
    svg = re.search(r'<svg class="chart" id="fetch-chart".*?</svg>', page, re.S).group(0)
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg).group(1)
    assert re.fullmatch(r"3 fetches from .* UTC: 2 answered, 1 failed; 2 articles stored\. Bar height: articles "
                        r"stored; a failed fetch is a full red bar\.", desc), desc
    fills = re.findall(r'<rect [^>]*fill="(#[0-9a-f]{6})"', svg)
    assert fills == ["#2e7d32", "#2e7d32", "#c62828"]


def test_a_picture_fetched_later_shows_on_a_page_served_before(psite):
    """Story pages are cached by data version: a new picture changes it."""
    store = Store(psite.db)
    try:
        a = next(a for a in store.iter_articles() if a.story_id and a.url != FLOOD_URL
                 and pictures.lead_image(store, a.story_id) is None)
        assert "lead-image" not in psite.get(f"/stories/{a.story_id}").text  # now in the response cache
        picture = make_picture(png(800, 600), 40_000_000)
        assert pictures.save_image(store, a.id, "https://photos.example/x.png", utcnow(), data=picture.data,
                                   width=picture.width, height=picture.height)
    finally:
        store.close()
    time.sleep(1.2)  # the cache checks the data version at most once a second
    assert f'src="/images/{a.id}.webp"' in psite.get(f"/stories/{a.story_id}").text


def test_a_removed_article_takes_its_picture_off_the_site(psite):
    story_id, article_id = flood(psite)
    assert psite.get(f"/images/{article_id}.webp").status_code == 200
    store = Store(psite.db)
    try:
        desk = RemovalDesk(store, Settings(database_url=psite.db))
        receipt = desk.submit(RemovalSubmission(
            name="Ada Example", email="ada@example.com", relationship="owner", reason="copyright", good_faith=True,
            urls=[FLOOD_URL], details="Our report and our photograph.", scope="article"), client="192.0.2.9")
        desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")
    finally:
        store.close()
    assert psite.get(f"/images/{article_id}.webp").status_code == 404
    page = psite.get(f"/stories/{story_id}").text
    assert "lead-image" not in page and f"/images/{article_id}.webp" not in page
