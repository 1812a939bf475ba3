"""The polite client against a real local HTTP server (no mocked HTTP)."""

from __future__ import annotations

import gzip
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from localserver import LocalServer, Request, Response

from newsdesk.config import Settings
from newsdesk.errors import (
    FetchError,
    FetchTimeoutError,
    HostBackoffError,
    HTTPStatusError,
    RobotsDisallowedError,
    TooLargeError,
    UnsafeURLError,
)
from newsdesk.sources import http
from newsdesk.sources.http import PoliteClient

FAST = Settings(allow_private_hosts=True, min_host_delay=0.0, request_timeout=5.0, connect_timeout=2.0)


@pytest.fixture
def client() -> Iterator[PoliteClient]:
    with PoliteClient(FAST) as c:
        yield c


def make(**changes: object) -> PoliteClient:
    fields = {**FAST.__dict__, **changes}
    return PoliteClient(Settings(**fields))


def test_user_agent_on_page_and_robots(server: LocalServer, client: PoliteClient) -> None:
    server.route("/robots.txt", Response(body="User-agent: *\nAllow: /\n"))
    server.route("/page", Response(body="hello", headers={"Content-Type": "text/html; charset=utf-8"}))
    doc = client.get(server.url("/page"))
    assert doc.status == 200 and doc.content == b"hello" and doc.content_type == "text/html"
    assert [r.path for r in server.requests] == ["/robots.txt", "/page"]
    assert {r.headers["user-agent"] for r in server.requests} == {FAST.user_agent}
    assert "gzip" in server.requests[1].headers["accept-encoding"]


def _raw_deflate(data: bytes) -> bytes:
    z = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return z.compress(data) + z.flush()


@pytest.mark.parametrize(("encoding", "compress"), [
    ("gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", _raw_deflate),
])
def test_compressed_body_is_decoded(encoding, compress, server: LocalServer, client: PoliteClient) -> None:
    text = b"news " * 50_000
    server.route("/z", Response(body=compress(text), headers={"Content-Encoding": encoding}))
    doc = client.get(server.url("/z"), check_robots=False)
    assert doc.content == text and doc.headers["content-encoding"] == encoding


def test_conditional_get(server: LocalServer, client: PoliteClient) -> None:
    lm = "Wed, 21 Oct 2015 07:28:00 GMT"

    def feed(req: Request) -> Response:
        if req.headers.get("if-none-match") == '"v1"' and req.headers.get("if-modified-since") == lm:
            return Response(304, headers={"ETag": '"v1"'})
        return Response(body="<rss/>", headers={"ETag": '"v1"', "Last-Modified": lm})

    server.route("/feed", feed)
    first = client.get(server.url("/feed"), check_robots=False, accept="application/rss+xml")
    assert (first.etag, first.last_modified, first.not_modified) == ('"v1"', lm, False)
    assert server.requests[0].headers["accept"] == "application/rss+xml"
    again = client.get(server.url("/feed"), etag=first.etag, last_modified=first.last_modified,
                       check_robots=False)
    assert again.not_modified and again.status == 304 and again.content == b""
    assert again.etag == '"v1"' and again.last_modified == lm


def test_robots_disallow_and_cache(server: LocalServer, client: PoliteClient) -> None:
    server.route("/robots.txt", Response(body="User-agent: newsdesk\nDisallow: /private\n"))
    server.route("/public", Response(body="ok"))
    with pytest.raises(RobotsDisallowedError, match="disallowed by robots.txt"):
        client.get(server.url("/private/x"))
    assert client.get(server.url("/public")).content == b"ok"
    assert client.get(server.url("/public")).content == b"ok"
    with pytest.raises(RobotsDisallowedError):
        client.get(server.url("/private"))
    assert len(server.hits("/robots.txt")) == 1 and not server.hits("/private/x") and not server.hits("/private")


def test_robots_404_allows(server: LocalServer, client: PoliteClient) -> None:
    server.route("/a", Response(body="a"))
    assert client.get(server.url("/a")).content == b"a"
    assert len(server.hits("/robots.txt")) == 1


def test_robots_503_disallows(server: LocalServer, client: PoliteClient) -> None:
    server.route("/robots.txt", Response(503))
    server.route("/a", Response(body="a"))
    with pytest.raises(RobotsDisallowedError, match=r"robots.txt unavailable \(503\)"):
        client.get(server.url("/a"))
    assert not server.hits("/a")


def test_robots_unreachable_disallows() -> None:
    port = _free_port()
    refused = "robots.txt unavailable.*connection refused"
    with make() as c, pytest.raises(RobotsDisallowedError, match=refused):
        c.get(f"http://127.0.0.1:{port}/a")


def test_crawl_delay_honoured(server: LocalServer, client: PoliteClient) -> None:
    server.route("/robots.txt", Response(body="User-agent: *\nCrawl-delay: 0.4\n"))
    server.route("/a", Response(body="a"))
    client.get(server.url("/a"))
    client.get(server.url("/a"))
    times = [r.time for r in server.requests]
    assert len(times) == 3 and all(b - a >= 0.38 for a, b in zip(times, times[1:], strict=False))


def test_min_host_delay_between_requests(server: LocalServer) -> None:
    server.route("/a", Response(body="a"))
    with make(min_host_delay=0.4) as c:
        c.get(server.url("/a"), check_robots=False)
        c.get(server.url("/a"), check_robots=False)
    first, second = server.requests
    assert second.time - first.time >= 0.38


def test_one_request_at_a_time_per_host(server: LocalServer, client: PoliteClient) -> None:
    server.route("/slow", Response(body="s", delay=0.3))
    fetch = lambda: client.get(server.url("/slow"), check_robots=False)  # noqa: E731
    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    first, second = sorted(r.time for r in server.requests)
    assert second - first >= 0.28  # the second started only after the first (0.3 s) was answered


def test_different_hosts_run_in_parallel(client: PoliteClient) -> None:
    with LocalServer("127.0.0.1") as one, LocalServer("127.0.0.2") as two:
        for s in (one, two):
            s.route("/slow", Response(body="s", delay=0.5))
        start = time.monotonic()
        threads = [threading.Thread(target=client.get, args=(s.url("/slow"),), kwargs={"check_robots": False})
                   for s in (one, two)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert time.monotonic() - start < 0.9 and len(one.requests) == len(two.requests) == 1


def test_429_then_backoff_without_request(server: LocalServer, client: PoliteClient) -> None:
    server.route("/a", Response(429, headers={"Retry-After": "120"}))
    with pytest.raises(HTTPStatusError) as info:
        client.get(server.url("/a"), check_robots=False)
    assert info.value.status == 429 and info.value.retry_after == 120
    with pytest.raises(HostBackoffError, match="not contacted until"):
        client.get(server.url("/other"), check_robots=False)
    assert len(server.requests) == 1


def test_503_retry_after_http_date_and_default(server: LocalServer, client: PoliteClient) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=90), usegmt=True)
    server.route("/a", Response(503, headers={"Retry-After": when}))
    with pytest.raises(HTTPStatusError) as info:
        client.get(server.url("/a"), check_robots=False)
    assert info.value.status == 503 and 85 <= (info.value.retry_after or 0) <= 90
    with LocalServer("127.0.0.2") as other, make() as c:
        other.route("/a", Response(503))
        with pytest.raises(HTTPStatusError) as info:
            c.get(other.url("/a"), check_robots=False)
        assert info.value.retry_after == http.DEFAULT_RETRY_AFTER


def test_other_errors_are_http_status_errors(server: LocalServer, client: PoliteClient) -> None:
    with pytest.raises(HTTPStatusError, match="HTTP 404 Not Found") as info:
        client.get(server.url("/missing"), check_robots=False)
    assert info.value.status == 404 and info.value.retry_after is None


def test_redirect_followed(server: LocalServer, client: PoliteClient) -> None:
    server.route("/old", Response(301, headers={"Location": "/new"}))
    server.route("/new", Response(body="moved"))
    doc = client.get(server.url("/old"), check_robots=False)
    assert doc.url == server.url("/new") and doc.content == b"moved"


def test_too_many_redirects(server: LocalServer) -> None:
    for i in range(10):
        server.route(f"/r{i}", Response(302, headers={"Location": f"/r{i + 1}"}))
    with make(max_redirects=3) as c, pytest.raises(FetchError, match="too many redirects"):
        c.get(server.url("/r0"), check_robots=False)
    assert len(server.requests) == 4


def test_redirect_to_loopback_refused(server: LocalServer) -> None:
    server.route("/secret", Response(body="internal"))
    with LocalServer("127.0.0.2") as intranet, make(allow_private_hosts=False,
                                                    allowed_private_hosts="127.0.0.2") as c:
        intranet.route("/go", Response(302, headers={"Location": server.url("/secret")}))
        intranet.route("/ok", Response(body="fine"))
        assert c.get(intranet.url("/ok")).content == b"fine"  # allowed_private_hosts lets it in
        with pytest.raises(UnsafeURLError, match=r"127.0.0.1 \(loopback\)"):
            c.get(intranet.url("/go"))
    assert not server.requests


def test_localhost_refused_without_setting(server: LocalServer) -> None:
    with make(allow_private_hosts=False) as c:
        for url in (f"http://localhost:{server.port}/", server.url("/"), f"http://[::ffff:127.0.0.1]:{server.port}/"):
            with pytest.raises(UnsafeURLError, match="refused"):
                c.get(url)
    assert not server.requests


def test_rebinding_caught_at_connect(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    # A name that resolves to an allowed address when checked, then to loopback when connecting.
    answers = iter([["127.0.0.2"], ["127.0.0.1"]])
    monkeypatch.setattr(http, "resolve_host", lambda host, port: next(answers))
    with make(allow_private_hosts=False, allowed_private_hosts="127.0.0.2") as c:
        with pytest.raises(UnsafeURLError, match="loopback"):
            c.get(f"http://rebind.test:{server.port}/", check_robots=False)
    assert not server.requests


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/x", "gopher://example.com/"])
def test_non_http_scheme_refused(url: str, client: PoliteClient) -> None:
    with pytest.raises(UnsafeURLError, match="only http and https"):
        client.get(url)


def test_too_large_by_content_length(server: LocalServer) -> None:
    server.route("/big", Response(body=b"x" * 5000))
    with make(max_body_bytes=1000) as c, pytest.raises(TooLargeError, match="5000 bytes"):
        c.get(server.url("/big"), check_robots=False)


def test_too_large_chunked(server: LocalServer) -> None:
    server.route("/big", Response(body=b"x" * 5000, chunked=True))
    server.route("/small", Response(body=b"y" * 900, chunked=True))
    with make(max_body_bytes=1000) as c:
        assert c.get(server.url("/small"), check_robots=False).content == b"y" * 900
        with pytest.raises(TooLargeError, match="decompressed"):
            c.get(server.url("/big"), check_robots=False)


def test_gzip_bomb(server: LocalServer) -> None:
    bomb = gzip.compress(b"\0" * (20 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < 100_000
    server.route("/bomb", Response(body=bomb, headers={"Content-Encoding": "gzip"}))
    with make(max_body_bytes=1024 * 1024) as c, pytest.raises(TooLargeError):
        c.get(server.url("/bomb"), check_robots=False)


def test_slow_drip_cut_by_deadline(server: LocalServer) -> None:
    server.route("/drip", Response(body=b"x" * 30 * 1024, drip=0.1))  # 3 s in all, never a silent second
    with make(request_timeout=1.0) as c:
        start = time.monotonic()
        with pytest.raises(FetchTimeoutError, match="within 1 s"):
            c.get(server.url("/drip"), check_robots=False)
        assert time.monotonic() - start < 1.5


def test_slow_headers_time_out(server: LocalServer) -> None:
    server.route("/late", Response(body="late", delay=2.0))
    with make(request_timeout=1.0) as c:
        start = time.monotonic()
        with pytest.raises(FetchTimeoutError):
            c.get(server.url("/late"), check_robots=False)
        assert time.monotonic() - start < 1.5


def test_connection_refused(client: PoliteClient) -> None:
    port = _free_port()
    with pytest.raises(FetchError, match=f"127.0.0.1:{port}/: cannot connect .*connection refused"):
        client.get(f"http://127.0.0.1:{port}/", check_robots=False)


def test_unresolvable_host(client: PoliteClient) -> None:
    with pytest.raises(FetchError, match="cannot resolve host"):
        client.get("http://no-such-host.invalid/", check_robots=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
