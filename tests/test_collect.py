"""The collector end to end: real local HTTP servers, a real store (SQLite and PostgreSQL), the real pipeline."""

from __future__ import annotations

import gzip
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from localserver import LocalServer, Response
from pages import article_html, atom, jsonfeed, news_sitemap, rss, rss1, sitemap_index

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.store import Store

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, allow_private_hosts=True,
                    min_host_delay=0.0, request_timeout=3.0, connect_timeout=2.0)


@pytest.fixture
def collector(settings):
    store = Store(settings.database_url)
    store.migrate()
    c = Collector(settings, store)
    yield c
    c.close()
    store.close()


def serve_articles(server: LocalServer, ids: list[int]) -> None:
    for i in ids:
        server.route(f"/articles/{i}.html", Response(200, article_html(i), HTML))


def add(collector: Collector, url: str):
    source, _, _ = collector.add_source(url, discover=False)
    return source


def fetch_all(collector: Collector):
    return {r.url: r for r in collector.fetch_due(include_not_due=True)}


@pytest.mark.parametrize(("fmt", "content_type"), [
    (rss, "application/rss+xml"),
    (atom, "application/atom+xml"),
    (rss1, "application/rdf+xml"),
    (jsonfeed, "application/feed+json"),
    (news_sitemap, "application/xml"),
])
def test_each_source_format_is_collected(collector, server, fmt, content_type):
    serve_articles(server, [1, 2, 3])
    server.route("/source", Response(200, fmt(server.url("").rstrip("/"), [1, 2, 3]), {"Content-Type": content_type}))
    add(collector, server.url("/source"))
    (report,) = fetch_all(collector).values()
    assert report.status == "ok", report.error
    assert report.new_articles == 3
    stored = {a.url: a for a in collector.store.iter_articles()}
    assert set(stored) == {server.url(f"/articles/{i}.html") for i in (1, 2, 3)}
    one = stored[server.url("/articles/1.html")]
    assert one.title == "City council approves new tram line (1)"
    assert not one.text.startswith(one.title)  # the headline is not printed twice
    assert one.text.startswith("The council voted to extend the tram network")


def test_sitemap_index_follows_children(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1, 2, 3, 4])
    server.route("/sitemap.xml", Response(200, sitemap_index([f"{base}/s1.xml", f"{base}/s2.xml.gz"]),
                                          {"Content-Type": "application/xml"}))
    server.route("/s1.xml", Response(200, news_sitemap(base, [1, 2]), {"Content-Type": "application/xml"}))
    server.route("/s2.xml.gz", Response(200, gzip.compress(news_sitemap(base, [3, 4]).encode()),
                                        {"Content-Type": "application/x-gzip"}))
    add(collector, server.url("/sitemap.xml"))
    (report,) = fetch_all(collector).values()
    assert report.new_articles == 4, report


def test_conditional_get_second_pass_gets_304_and_stores_nothing(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1, 2])

    def feed(req):
        if req.headers.get("if-none-match") == '"v1"':
            return Response(304, b"", {"ETag": '"v1"'})
        validators = {"ETag": '"v1"', "Last-Modified": "Mon, 01 Sep 2025 00:00:00 GMT"}
        return Response(200, rss(base, [1, 2]), {**RSS, **validators})

    server.route("/feed.xml", feed)
    src = add(collector, server.url("/feed.xml"))
    assert fetch_all(collector)[src.url].new_articles == 2
    page_hits = len(server.hits("/articles/1.html"))
    second = fetch_all(collector)[src.url]
    assert second.status == "not_modified" and second.new_articles == 0
    assert server.hits("/feed.xml")[-1].headers["if-none-match"] == '"v1"'
    assert server.hits("/feed.xml")[-1].headers["if-modified-since"] == "Mon, 01 Sep 2025 00:00:00 GMT"
    assert len(server.hits("/articles/1.html")) == page_hits  # no page fetched again
    assert collector.store.count_articles() == 2


def test_refetch_is_idempotent_without_conditional_headers(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1, 2, 3])
    server.route("/feed.xml", Response(200, rss(base, [1, 2, 3]), RSS))
    add(collector, server.url("/feed.xml"))
    fetch_all(collector)
    again = fetch_all(collector)
    assert [r.new_articles for r in again.values()] == [0]
    assert collector.store.count_articles() == 3
    assert len(server.hits("/articles/2.html")) == 1  # known articles are not fetched again


def test_robots_disallowed_page_is_skipped_and_recorded(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1, 2])
    robots = "User-agent: *\nDisallow: /articles/2.html\n"
    server.route("/robots.txt", Response(200, robots, {"Content-Type": "text/plain"}))
    server.route("/feed.xml", Response(200, rss(base, [1, 2]), RSS))
    src = add(collector, server.url("/feed.xml"))
    report = fetch_all(collector)[src.url]
    assert report.new_articles == 1 and report.skipped == 1
    assert server.hits("/articles/2.html") == []
    (failure,) = collector.store.failures()
    assert failure.url == f"{base}/articles/2.html" and failure.reason == "robots_disallowed"
    fetch_all(collector)  # a disallowed URL stays skipped without asking again
    assert len(collector.store.failures()) == 1 and collector.store.failures()[0].attempts == 1


def test_429_with_retry_after_backs_off_host_and_source(collector, server):
    server.route("/feed.xml", Response(429, "slow down", {"Retry-After": "120"}))
    src = add(collector, server.url("/feed.xml"))
    report = fetch_all(collector)[src.url]
    assert report.status == "error" and "429" in report.error
    (row,) = collector.store.list_sources()
    assert row.consecutive_failures == 1
    assert row.next_fetch_at >= datetime.now(UTC) + timedelta(seconds=110)
    hits = len(server.hits("/feed.xml"))
    again = fetch_all(collector)[src.url]  # forced pass: the host is still backing off, no request is sent
    assert again.status == "error"
    assert len(server.hits("/feed.xml")) == hits


def test_failures_are_reported_while_other_sources_succeed(collector, server, settings):
    base = server.url("").rstrip("/")
    serve_articles(server, [1, 2])
    server.route("/good.xml", Response(200, rss(base, [1, 2]), RSS))
    malformed = "<rss version='2.0'><channel><title>x</title><item><title>a</titl></item></chan"
    server.route("/malformed.xml", Response(200, malformed, RSS))
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200)
    server.route("/image.png", Response(200, png, {"Content-Type": "image/png"}))
    server.route("/huge.xml", Response(200, b"<rss>" + b" " * (2 * 1024 * 1024), RSS))
    server.route("/slow.xml", Response(200, rss(base, [1]), RSS, delay=5))
    server.route("/gone.xml", Response(404, "no such feed"))
    small = replace(settings, max_body_bytes=1024 * 1024, request_timeout=1.5)
    c = Collector(small, collector.store)
    urls = {name: add(c, server.url(f"/{name}")).url for name in
            ["good.xml", "malformed.xml", "image.png", "huge.xml", "slow.xml", "gone.xml"]}
    reports = {r.url: r for r in c.fetch_due(include_not_due=True)}
    c.close()
    assert reports[urls["good.xml"]].status == "ok" and reports[urls["good.xml"]].new_articles == 2
    health = {s.url: s for s in collector.store.list_sources()}
    expected = {"malformed.xml": "parse_error", "image.png": "parse_error", "huge.xml": "too_large",
                "slow.xml": "timeout", "gone.xml": "http_status"}
    for name, reason in expected.items():
        row = health[urls[name]]
        assert reports[urls[name]].status == "error", name
        assert (row.last_status, row.last_error_reason) == ("error", reason), (name, row.last_error)
        assert row.last_error and len(row.last_error) > 10
        assert row.consecutive_failures == 1
    image_error = health[urls["image.png"]].last_error
    assert "binary" in image_error.lower() or "image/png" in image_error
    assert "404" in health[urls["gone.xml"]].last_error


def test_redirect_to_loopback_is_refused_without_the_setting(db_url):
    with LocalServer("127.0.0.2") as outside, LocalServer("127.0.0.1") as inside:
        inside.route("/secret.xml", Response(200, rss(inside.url("").rstrip("/"), [1]), RSS))
        outside.route("/feed.xml", Response(302, b"", {"Location": inside.url("/secret.xml")}))
        settings = Settings(database_url=db_url, allowed_private_hosts="127.0.0.2",
                            min_host_delay=0.0, request_timeout=3.0)
        store = Store(settings.database_url)
        store.migrate()
        c = Collector(settings, store)
        src = add(c, outside.url("/feed.xml"))
        report = fetch_all(c)[src.url]
        c.close()
        assert report.status == "error"
        assert store.list_sources()[0].last_error_reason == "unsafe_url"
        assert inside.hits("/secret.xml") == []
        store.close()


def test_page_source_and_autodiscovery(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [5, 6])
    server.route("/home", Response(200, '<html><head><link rel="alternate" type="application/rss+xml" '
                                        'href="/feed.xml"></head><body>Home</body></html>', HTML))
    server.route("/feed.xml", Response(200, rss(base, [5]), RSS))
    source, created, note = collector.add_source(server.url("/home"))
    assert created and source.url == server.url("/feed.xml") and source.site_url == server.url("/home")
    single, _, _ = collector.add_source(server.url("/articles/6.html"))
    assert single.kind == "page"
    reports = fetch_all(collector)
    assert reports[source.url].new_articles == 1
    assert reports[single.url].new_articles == 1
    assert collector.store.count_articles() == 2


def test_unextractable_article_is_recorded_not_dropped(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1])
    server.route("/articles/2.html", Response(200, "<html><body><nav>Home</nav></body></html>", HTML))
    server.route("/feed.xml", Response(200, rss(base, [1, 2]), RSS))
    add(collector, server.url("/feed.xml"))
    fetch_all(collector)
    (failure,) = collector.store.failures()
    assert failure.url.endswith("/articles/2.html") and failure.reason == "extraction_failed"
    assert collector.store.count_articles() == 1


def test_failing_source_backs_off_exponentially(collector, server):
    server.route("/down.xml", Response(500, "oops"))
    add(collector, server.url("/down.xml"))
    waits = []
    for _ in range(3):
        started = datetime.now(UTC)
        fetch_all(collector)
        (row,) = collector.store.list_sources()
        waits.append((row.next_fetch_at - started).total_seconds())
    assert waits[0] == pytest.approx(900, abs=5)
    assert waits[1] == pytest.approx(1800, abs=5)
    assert waits[2] == pytest.approx(3600, abs=5)


def test_schedule_adapts_to_publishing_rate(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, list(range(1, 7)))
    server.route("/hourly.xml", Response(200, rss(base, list(range(1, 7))), RSS))  # one item an hour
    add(collector, server.url("/hourly.xml"))
    fetch_all(collector)
    (row,) = collector.store.list_sources()
    assert row.interval_seconds == 1800  # half the publishing gap
    assert row.last_success_at is not None and row.articles_found == 6


def test_home_page_added_offline_moves_to_its_feed_on_first_fetch(collector, server):
    base = server.url("").rstrip("/")
    serve_articles(server, [1])
    server.route("/", Response(200, '<html><head><link rel="alternate" type="application/atom+xml" '
                                    'href="/atom.xml"></head><body>Home</body></html>', HTML))
    server.route("/atom.xml", Response(200, atom(base, [1]), {"Content-Type": "application/atom+xml"}))
    src = add(collector, server.url("/"))  # as if the page could not be looked up when it was added
    assert src.kind == "auto"
    fetch_all(collector)
    (row,) = collector.store.list_sources()
    assert (row.url, row.site_url, row.kind) == (server.url("/atom.xml"), server.url("/"), "atom")
    assert collector.store.count_articles() == 1
    fetch_all(collector)
    assert len(server.hits("/")) == 1  # later passes go to the feed
