"""Two fetchers on one store: a source being fetched is leased, so two `newsdesk fetch --all` processes started
at once share the work instead of each doing all of it. Real processes, a real store (SQLite and PostgreSQL),
real local servers."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import timedelta

import pytest
from localserver import LocalServer, Response
from pages import article_html, rss

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.store import Store

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]
FEEDS_PER_HOST, PER_FEED = 5, 20  # two hosts: 200 article URLs

pytestmark = pytest.mark.both_engines


def serve(server: LocalServer, first: int) -> list[str]:
    """FEEDS_PER_HOST feeds of PER_FEED articles each, numbered from `first`; each page takes a little while, so
    that the two processes are at work at the same time."""
    base = server.url("").rstrip("/")
    feeds = []
    for f in range(FEEDS_PER_HOST):
        ids = list(range(first + f * PER_FEED, first + (f + 1) * PER_FEED))
        for i in ids:
            server.route(f"/articles/{i}.html", Response(200, article_html(i), {"Content-Type": "text/html"},
                                                         delay=0.02))
        server.route(f"/feed{f}.xml", Response(200, rss(base, ids), {"Content-Type": "application/rss+xml"}))
        feeds.append(server.url(f"/feed{f}.xml"))
    return feeds


def test_two_fetch_processes_fetch_each_article_once(db_url, tmp_path):
    with LocalServer("127.0.0.1") as one, LocalServer("127.0.0.2") as two:
        feeds = serve(one, 0) + serve(two, FEEDS_PER_HOST * PER_FEED)
        store = Store(db_url)
        store.migrate()
        for url in feeds:
            store.add_source(url, interval=900)
        env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_ALLOW_PRIVATE_HOSTS": "1",
               "NEWSDESK_MIN_HOST_DELAY": "0", "NEWSDESK_ANALYSIS_BATCH": "0", "COLUMNS": "200"}
        procs = [subprocess.Popen([*NEWSDESK, "fetch", "--all"], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [p.communicate(timeout=300) for p in procs]
        for p, (_, err) in zip(procs, outputs, strict=True):
            assert p.returncode == 0, err
        pages = Counter(r.path for s in (one, two) for r in s.requests if r.path.startswith("/articles/"))
        assert len(pages) == 2 * FEEDS_PER_HOST * PER_FEED
        assert set(pages.values()) == {1}, {p: n for p, n in pages.items() if n > 1}
        # Both were at work at once: each skipped a source the other held.
        said = "\n".join(out + err for out, err in outputs)
        assert "another newsdesk process is fetching it" in said, said
        stored = list(store.iter_articles())
        assert len(stored) == len({a.url for a in stored}) == 2 * FEEDS_PER_HOST * PER_FEED
        assert all(s.leased_by is None and s.leased_until is None for s in store.list_sources())
        store.close()


def test_a_lease_is_taken_once_and_freed_when_its_holder_dies(db_url, server):
    empty = rss(server.url("").rstrip("/"), [])
    server.route("/feed.xml", Response(200, empty, {"Content-Type": "application/rss+xml"}))
    store = Store(db_url)
    store.migrate()
    src, _ = store.add_source(server.url("/feed.xml"), interval=900)
    assert store.lease_source(src.id, "a", 60) is not None
    assert store.lease_source(src.id, "b", 60) is None  # held by a
    assert store.lease_source(src.id, "a", 60) is not None  # its holder renews it
    store.release_source(src.id, "b")  # only the holder releases
    assert store.lease_source(src.id, "b", 60) is None
    store.release_source(src.id, "a")
    assert store.lease_source(src.id, "b", 60) is not None
    store.update_source(src.id, leased_until=utcnow() - timedelta(seconds=1))  # b died; its lease ran out
    assert store.lease_source(src.id, "c", 60) is not None
    # Only while due, when asked so: a source fetched meanwhile by another process is not fetched again.
    store.release_source(src.id, "c")
    store.update_source(src.id, next_fetch_at=utcnow() + timedelta(minutes=5))
    assert store.lease_source(src.id, "d", 60, due_by=utcnow()) is None
    # A holder on this machine whose process is gone holds nothing (a killed `newsdesk fetch`).
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    collector = Collector(Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0), store)
    store.update_source(src.id, next_fetch_at=utcnow())
    host, pid, token = collector.holder.split(":")
    assert pid == str(os.getpid())
    assert store.lease_source(src.id, f"{host}:{dead.pid}:{token}", 600) is not None
    (report,) = collector.fetch_due()
    assert report.status == "ok", report
    assert len(server.hits("/feed.xml")) == 1
    collector.close()
    store.close()
