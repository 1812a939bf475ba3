"""Slow publishers: a host whose pages drip one byte a second holds neither the pass nor the other hosts, is not
asked for the same slow pages on every pass, and what its time budget left undone waits for the next pass.
Real local servers, a real store (SQLite and PostgreSQL), the real collector."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

import pytest
from localserver import LocalServer, Response
from pages import article_html, rss

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.errors import FetchTimeoutError, HostBackoffError
from newsdesk.sources.http import HOST_TIMEOUTS, PoliteClient
from newsdesk.store import Store

RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
BUDGET = 4.0
MARGIN = 1.5  # the pass's own work around the requests (store, threads), on a loaded test machine

pytestmark = pytest.mark.both_engines


@pytest.fixture
def settings(db_url) -> Settings:
    return Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0, request_timeout=1.5,
                    connect_timeout=1.0, host_time_budget=BUDGET)


@pytest.fixture
def collector(settings):
    store = Store(settings.database_url)
    store.migrate()
    c = Collector(settings, store)
    yield c
    c.close()
    store.close()


def timed_pass(collector: Collector) -> tuple[float, dict[str, object]]:
    started = time.monotonic()
    reports = {r.url: r for r in collector.fetch_due(include_not_due=True)}
    return time.monotonic() - started, reports


def test_a_dripping_host_holds_neither_the_pass_nor_the_other_hosts(collector):
    with LocalServer("127.0.0.1") as slow, LocalServer("127.0.0.2") as fast:
        slow_ids, fast_ids = [1, 2, 3, 4, 5, 6], [7, 8, 9]
        for i in slow_ids:  # one byte a second: each page would take over half an hour
            slow.route(f"/articles/{i}.html", Response(200, article_html(i), HTML, drip=1.0, drip_size=1))
        for i in fast_ids:
            fast.route(f"/articles/{i}.html", Response(200, article_html(i), HTML))
        slow.route("/feed.xml", Response(200, rss(slow.url("").rstrip("/"), slow_ids), RSS))
        fast.route("/feed.xml", Response(200, rss(fast.url("").rstrip("/"), fast_ids), RSS))
        slow_src, _, _ = collector.add_source(slow.url("/feed.xml"), discover=False)
        fast_src, _, _ = collector.add_source(fast.url("/feed.xml"), discover=False)

        took, reports = timed_pass(collector)
        assert took < BUDGET + MARGIN, f"the pass took {took:.1f} s"
        assert reports[fast_src.url].new_articles == 3  # the other host, in the same pass
        stored = {a.url for a in collector.store.iter_articles()}
        assert {fast.url(f"/articles/{i}.html") for i in fast_ids} <= stored
        asked = [r.path for r in slow.requests if r.path.startswith("/articles/")]
        assert asked and len(asked) < len(slow_ids), asked  # the budget stopped the host: the rest waits
        health = {s.url: s for s in collector.store.list_sources()}[slow_src.url]
        assert health.last_error_reason in ("time_budget", "host_backoff"), health.last_error
        assert "wait" in (health.last_error or "")

        took, _ = timed_pass(collector)  # at once: the pages that were too slow are not asked again
        assert took < BUDGET + MARGIN, f"the second pass took {took:.1f} s"
        again = [r.path for r in slow.requests if r.path.startswith("/articles/")]
        assert len(again) == len(set(again)), again
    # Each slow page is on record with its reason, none lost, none stored.
    failures = {f.url: f for f in collector.store.failures()}
    for path in asked:
        row = failures[slow.url(path)]
        assert row.reason == "timeout" and not row.permanent


def test_what_the_budget_left_undone_is_collected_on_later_passes(collector):
    with LocalServer("127.0.0.1") as server:
        ids = list(range(1, 11))
        for i in ids:  # each page takes 0.6 s: ten do not fit in one budget
            server.route(f"/articles/{i}.html", Response(200, article_html(i), HTML, delay=0.6))

        def feed(req):
            if req.headers.get("if-none-match") == '"v1"':
                return Response(304, b"", {"ETag": '"v1"'})
            return Response(200, rss(server.url("").rstrip("/"), ids), {**RSS, "ETag": '"v1"'})

        server.route("/feed.xml", feed)
        src, _, _ = collector.add_source(server.url("/feed.xml"), discover=False)
        took, reports = timed_pass(collector)
        assert took < BUDGET + MARGIN
        first = reports[src.url].new_articles
        assert 0 < first < len(ids)
        (row,) = collector.store.list_sources()
        assert row.last_error_reason == "time_budget" and row.etag is None  # no 304 may hide the rest
        passes = 1
        while collector.store.count_articles() < len(ids) and passes < 6:
            collector.fetch_due()  # due again at once: only what is due
            passes += 1
        assert collector.store.count_articles() == len(ids)
        assert collector.store.failures() == []
        pages = [r.path for r in server.requests if r.path.startswith("/articles/")]
        assert sorted(pages) == sorted(f"/articles/{i}.html" for i in ids)  # each asked once
        (row,) = collector.store.list_sources()
        assert row.etag == '"v1"' and row.last_error is None  # done: the next pass may take the 304


def test_a_host_that_keeps_timing_out_is_left_alone(settings):
    with LocalServer("127.0.0.1") as slow, PoliteClient(replace(settings, host_time_budget=0.0,
                                                                request_timeout=0.5)) as client:
        for i in range(5):
            slow.route(f"/{i}", Response(200, "x" * 100, HTML, drip=1.0, drip_size=1))
        for i in range(HOST_TIMEOUTS):
            with pytest.raises(FetchTimeoutError):
                client.get(slow.url(f"/{i}"), check_robots=False)
        with pytest.raises(HostBackoffError, match=f"timed out {HOST_TIMEOUTS} times in a row"):
            client.get(slow.url("/4"), check_robots=False)
        assert [r.path for r in slow.requests] == [f"/{i}" for i in range(HOST_TIMEOUTS)]


def test_a_page_that_failed_waits_longer_after_each_failure(store):
    url = "https://slow.example/a"
    store.record_failure(url, source_id=None, reason="timeout", message="slow", permanent=False)
    first = store.failures()[0].last_seen
    assert store.is_known(url, retry_base=300, now=first + timedelta(seconds=299))
    assert not store.is_known(url, retry_base=300, now=first + timedelta(seconds=301))
    assert not store.is_known(url)  # an import (no retry_base) does not wait
    store.record_failure(url + "/", source_id=None, reason="timeout", message="slow", permanent=False)
    second = store.failures()[0].last_seen  # the same page: the trailing slash does not count
    assert store.failures()[0].attempts == 2
    assert store.is_known(url, retry_base=300, now=second + timedelta(seconds=599))
    assert not store.is_known(url, retry_base=300, now=second + timedelta(seconds=601))
    assert store.is_known(url, retry_base=300, retry_cap=100, now=second + timedelta(seconds=99))
    assert not store.is_known(url, retry_base=300, retry_cap=100, now=second + timedelta(seconds=101))
