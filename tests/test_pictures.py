"""Pictures (issue 18 item 5): a story's lead picture is fetched in the pass by the real polite client from a local
HTTP server (pictures generated here with Pillow), checked, resized and re-encoded, stored, chosen for the story,
and gone with its article when a removal is accepted. Refused: a decompression bomb, a private address, a file
over the byte cap, something that is not a picture."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta

import pytest
from localserver import LocalServer, Response
from one_event import ARTICLES, DAY, article
from PIL import Image
from sqlalchemy import select, update

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.sources.images import ImageRefusedError, make_picture
from newsdesk.store import Store, pictures
from newsdesk.store.schema import ImageRow
from newsdesk.stories.cluster import ClusterConfig
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines


def png(width: int, height: int, mode: str = "RGB", colour: object = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(width: int, height: int) -> bytes:
    """A JPEG whose EXIF names a camera, a GPS position and says "rotate 90° clockwise to view" (orientation 6)."""
    img = Image.new("RGB", (width, height), (30, 90, 160))
    exif = Image.Exif()
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif[0x0112] = 6  # Orientation
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}  # GPS
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


# ---- the file itself --------------------------------------------------------------------------------------


def test_a_photograph_is_resized_turned_upright_and_stripped():
    original = jpeg_with_exif(2000, 1000)
    assert b"Secret Camera" in original
    picture = make_picture(original, 40_000_000)
    img = Image.open(io.BytesIO(picture.data))
    assert img.format == "WEBP"
    # Orientation 6: the 2000 x 1000 photograph is shown 1000 x 2000, then fitted into 640 x 960.
    assert (picture.width, picture.height) == img.size == (480, 960)
    assert b"Secret Camera" not in picture.data and not img.getexif() and "icc_profile" not in img.info
    assert len(picture.data) < 30_000


def test_a_transparent_png_keeps_its_transparency():
    picture = make_picture(png(800, 400, "RGBA", (0, 0, 0, 0)), 40_000_000)
    img = Image.open(io.BytesIO(picture.data))
    assert img.size == (640, 320) and img.mode == "RGBA"


def test_a_decompression_bomb_is_refused_before_it_is_decoded():
    bomb = png(20_000, 20_000, "1", 0)  # 400 million pixels in a file of a few dozen kilobytes
    assert len(bomb) < 200_000
    with pytest.raises(ImageRefusedError, match=r"decompression bomb \(Image size \(400000000 pixels\)"):
        make_picture(bomb, 40_000_000)  # Pillow's own guard, on opening
    with pytest.raises(ImageRefusedError, match="4000 x 4000 pixels is over the 10000000 pixel limit"):
        make_picture(png(4_000, 4_000, "1", 0), 10_000_000)  # ours, below Pillow's


@pytest.mark.parametrize("content, why", [
    (b"<!doctype html><html><body>Not found</body></html>", "not a JPEG, PNG, WebP or GIF"),
    (b"%PDF-1.4\n1 0 obj", "not a JPEG, PNG, WebP or GIF"),
    (png(50, 50)[:60], "damaged image"),
])
def test_what_is_not_a_served_picture_is_refused(content, why):
    with pytest.raises(ImageRefusedError, match=why):
        make_picture(content, 40_000_000)


def test_another_format_is_refused():
    out = io.BytesIO()
    Image.new("RGB", (20, 20)).save(out, "BMP")
    with pytest.raises(ImageRefusedError, match="not a JPEG, PNG, WebP or GIF"):
        make_picture(out.getvalue(), 40_000_000)


# ---- fetched in the pass ---------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0, request_timeout=5.0,
                    connect_timeout=2.0, image_max_bytes=200_000)


@pytest.fixture
def store(settings):
    s = Store(settings.database_url)
    s.migrate()
    yield s
    s.close()


@pytest.fixture
def collector(settings, store):
    c = Collector(settings, store)
    yield c
    c.close()


def one_story(store: Store, server: LocalServer, images: list[str | None]) -> tuple[int, list[int]]:
    """The two flood reports of one_event (one story), each with the picture address given (a path of server)."""
    ids = []
    for item, image in zip(ARTICLES[:2], images, strict=True):
        a, source = article(item)
        ids.append(store.save_article(replace(a, image=server.url(image) if image else None),
                                      source_name=source)[0])
    StoryEngine(store, ClusterConfig(semantic=False)).process_pending()
    stories = {a.story_id for a in store.iter_articles()}
    assert len(stories) == 1
    return stories.pop(), ids


def test_the_pass_fetches_the_earliest_report_picture_politely(collector, store, server):
    server.route("/robots.txt", Response(200, "User-agent: *\nDisallow: /private/\n"))
    server.route("/a.jpg", Response(200, jpeg_with_exif(1200, 800), {"Content-Type": "image/jpeg"}))
    server.route("/b.png", Response(200, png(300, 200), {"Content-Type": "image/png"}))
    story_id, (first, second) = one_story(store, server, ["/a.jpg", "/b.png"])

    assert collector.fetch_pictures() == 1  # one story: its earliest report's picture only
    lead = pictures.lead_image(store, story_id)
    assert lead is not None and lead.article_id == first
    assert (lead.width, lead.height) == (640, 960)  # 1200 x 800 turned upright (EXIF orientation 6), fitted
    assert lead.alt == ARTICLES[0][0] and lead.outlet == "Valley Post"
    data = pictures.image_data(store, first)
    assert Image.open(io.BytesIO(data)).format == "WEBP"
    asked = [r for r in server.requests if r.path == "/a.jpg"]
    assert len(asked) == 1
    assert asked[0].headers["user-agent"] == collector.settings.user_agent
    assert "image/webp" in asked[0].headers["accept"]
    assert server.requests[0].path == "/robots.txt"
    assert not any(r.path == "/b.png" for r in server.requests)

    assert collector.fetch_pictures() == 0  # the story has its picture: nothing more is asked
    assert len([r for r in server.requests if r.path.endswith((".jpg", ".png"))]) == 1


def test_a_picture_robots_txt_disallows_is_not_fetched(collector, store, server):
    server.route("/robots.txt", Response(200, "User-agent: *\nDisallow: /private/\n"))
    server.route("/private/a.png", Response(200, png(100, 100)))
    story_id, (first, _) = one_story(store, server, ["/private/a.png", None])
    assert collector.fetch_pictures() == 0
    assert not any(r.path == "/private/a.png" for r in server.requests)
    assert "robots.txt" in stored_error(store, first)


def stored_error(store: Store, article_id: int) -> str:
    with store.session() as s:
        row = s.scalars(select(ImageRow).where(ImageRow.article_id == article_id)).one()
        assert row.data is None
        return row.error


@pytest.mark.parametrize("route, why", [
    (Response(200, png(8_000, 8_000, "1", 0), {"Content-Type": "image/png"}), "8000 x 8000 pixels is over the"),
    (Response(200, b"<html><body>a page</body></html>", {"Content-Type": "image/jpeg"}), "not a JPEG"),
    (Response(200, b"\xff\xd8\xff" + b"x" * 400_000, {"Content-Type": "image/jpeg"}), "over the 200000 byte"),
    (Response(200, b"\xff\xd8\xff" + b"x" * 400_000, {"Content-Type": "image/jpeg"}, chunked=True),
     "over the 200000 byte"),
    (Response(404, b"gone"), "HTTP 404"),
])
def test_a_refused_picture_is_recorded_and_the_next_report_is_tried(collector, store, server, route, why):
    server.route("/bad", route)
    server.route("/good.png", Response(200, png(320, 240), {"Content-Type": "image/png"}))
    story_id, (first, second) = one_story(store, server, ["/bad", "/good.png"])
    assert collector.fetch_pictures() == 0
    assert why in stored_error(store, first)
    assert pictures.lead_image(store, story_id) is None
    assert collector.fetch_pictures() == 1  # the next pass: the other report's picture
    assert pictures.lead_image(store, story_id).article_id == second
    assert len([r for r in server.requests if r.path == "/bad"]) == 1  # the refused one is not asked again
    assert picture_row(store, first).retry_at is None  # nor will it be


def picture_row(store: Store, article_id: int) -> ImageRow:
    with store.session() as s:
        return s.scalars(select(ImageRow).where(ImageRow.article_id == article_id)).one()


def time_passes(store: Store) -> None:
    """Every picture waiting for another try is due now."""
    with store.session() as s:
        s.execute(update(ImageRow).where(ImageRow.retry_at.is_not(None)).values(retry_at=utcnow() - timedelta(1)))
        s.commit()


def test_a_picture_that_failed_for_now_is_tried_again_later(collector, store, server):
    server.route("/busy.png", Response(502, b"bad gateway"))
    story_id, (first, _) = one_story(store, server, ["/busy.png", None])
    assert collector.fetch_pictures() == 0
    row = picture_row(store, first)
    assert "502" in row.error and row.attempts == 1
    assert row.retry_at - row.fetched_at == pictures.RETRY_WAIT
    assert collector.fetch_pictures() == 0  # not before its time
    assert len([r for r in server.requests if r.path == "/busy.png"]) == 1

    time_passes(store)
    assert collector.fetch_pictures() == 0  # still busy: the next wait is longer
    row = picture_row(store, first)
    assert row.attempts == 2 and row.retry_at - row.fetched_at == 4 * pictures.RETRY_WAIT

    server.route("/busy.png", Response(200, png(320, 240), {"Content-Type": "image/png"}))
    time_passes(store)
    assert collector.fetch_pictures() == 1
    row = picture_row(store, first)
    assert row.data is not None and row.retry_at is None and row.attempts == 3 and row.error is None
    assert pictures.lead_image(store, story_id).article_id == first


def test_a_picture_that_keeps_failing_is_given_up_after_its_last_try(collector, store, server):
    server.route("/busy.png", Response(502, b"bad gateway"))
    _, (first, _) = one_story(store, server, ["/busy.png", None])
    for _ in range(pictures.MAX_ATTEMPTS + 1):
        collector.fetch_pictures()
        time_passes(store)
    row = picture_row(store, first)
    assert row.attempts == pictures.MAX_ATTEMPTS and row.retry_at is None
    assert len([r for r in server.requests if r.path == "/busy.png"]) == pictures.MAX_ATTEMPTS


def test_a_private_address_is_refused_without_a_request(settings, store, server):
    story_id, (first, _) = one_story(store, server, ["/a.png", None])
    server.route("/a.png", Response(200, png(100, 100)))
    strict = Collector(replace(settings, allow_private_hosts=False), store)
    try:
        assert strict.fetch_pictures() == 0
    finally:
        strict.close()
    assert "127.0.0.1 (loopback)" in stored_error(store, first)
    assert server.requests == []


def test_no_pictures_when_image_batch_is_0(settings, store, server):
    one_story(store, server, ["/a.png", None])
    off = Collector(replace(settings, image_batch=0), store)
    try:
        assert off.fetch_pictures() == 0
    finally:
        off.close()
    assert server.requests == []


def test_a_removed_article_takes_its_picture_with_it(collector, store, server, settings):
    server.route("/a.png", Response(200, png(400, 300)))
    server.route("/b.png", Response(200, png(400, 300, colour=(0, 200, 0))))
    story_id, (first, second) = one_story(store, server, ["/a.png", "/b.png"])
    assert collector.fetch_pictures() == 1
    assert pictures.lead_image(store, story_id).article_id == first

    desk = RemovalDesk(store, settings)
    receipt = desk.submit(RemovalSubmission(
        name="Ada Example", email="ada@example.com", relationship="owner", reason="copyright", good_faith=True,
        urls=[ARTICLES[0][3]], details="We own this report and its photograph.", scope="article"),
        client="192.0.2.1")
    desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")

    assert pictures.image_data(store, first) is None
    with store.session() as s:
        assert s.scalars(select(ImageRow.article_id)).all() == []
    assert pictures.lead_image(store, story_id) is None
    assert collector.fetch_pictures() == 1  # the story's remaining report brings its own picture
    assert pictures.lead_image(store, story_id).article_id == second


def test_fetch_history_keeps_the_newest(store):
    source, _ = store.add_source("https://history.example/feed.xml", interval=900)
    for i in range(pictures.FETCH_HISTORY + 5):
        pictures.record_fetch(store, source.id, DAY + timedelta(minutes=i), "error" if i % 7 == 0 else "ok", i % 3)
    history = pictures.fetch_history(store, source.id)
    assert len(history) == pictures.FETCH_HISTORY
    assert history[0].at == DAY + timedelta(minutes=5) and history[-1].at == DAY + timedelta(minutes=64)
    assert [h.stored for h in history[:3]] == [2, 0, 1]
