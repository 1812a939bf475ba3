"""Costly searches against a real `newsdesk serve`: they are refused or stopped at their time limit, and /healthz
answers within a second while they are in flight (it never waits for the request threads they hold).

Issue 13: `a* OR b* OR ... OR z*` took 5.7 s on a 30k-article store, eight at once 26 s each, and /healthz waited
25 s behind them."""

from __future__ import annotations

import string
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psycopg
import pytest
import searchstore
import serveprocess
from pg import new_database
from sqlalchemy import make_url

from newsdesk.store import Store

ALPHABET = " OR ".join(f"{c}*" for c in string.ascii_lowercase)


@contextmanager
def serving(db: str, folder: Path, articles: int, **env: str) -> Iterator[str]:
    """`newsdesk serve` (one process, no fetching) on a store of `articles` generated articles; yields its URL."""
    store = Store(db)
    store.migrate()
    searchstore.fill(store, articles)
    store.close()
    with serveprocess.serving(db, folder, "--no-background-fetch", **env) as server:
        yield server.url


def search_in_threads(url: str, query: str, count: int = 8) -> tuple[list[threading.Thread], list[tuple]]:
    """`count` searches sent at once, each from a thread of its own: (threads, [(status, seconds, response)])."""
    answers: list[tuple] = []

    def one() -> None:
        started = time.perf_counter()
        r = httpx.get(url + "/api/search", params={"q": query}, timeout=120)
        answers.append((r.status_code, time.perf_counter() - started, r))

    threads = [threading.Thread(target=one) for _ in range(count)]
    for t in threads:
        t.start()
    return threads, answers


def healthz_seconds(url: str) -> float:
    started = time.perf_counter()
    r = httpx.get(url + "/healthz", timeout=5)
    assert r.status_code == 200 and r.json()["status"] == "ok"
    return time.perf_counter() - started


def test_eight_costly_searches_are_refused_and_healthz_answers_at_once(db_url, tmp_path):
    with serving(db_url, tmp_path, 2000) as url:
        threads, answers = search_in_threads(url, ALPHABET)
        time.sleep(0.3)  # in flight (before: each read the whole index for seconds, four threads busy)
        assert healthz_seconds(url) < 1.0
        for t in threads:
            t.join(timeout=60)
    assert len(answers) == 8
    for status, seconds, r in answers:
        assert status == 400 and "too costly" in r.json()["message"], r.text
        assert seconds < 2.0


@pytest.mark.postgresql
def test_healthz_answers_while_searches_hold_every_request_thread(request, tmp_path):
    """Eight searches that cannot finish (another connection holds their index locked) take every request thread;
    /healthz still answers at once, and each search is stopped at its time limit (PostgreSQL's statement_timeout
    covers the wait for the lock) with a 503 and Retry-After."""
    db = new_database(request, "postgresql", tmp_path)
    with serving(db, tmp_path, 30, search_time_limit="2") as url:
        parts = make_url(db)
        with psycopg.connect(host=parts.host, port=parts.port, user=parts.username, dbname=parts.database) as lock:
            lock.execute("LOCK TABLE articles_fts IN ACCESS EXCLUSIVE MODE")  # held until this transaction ends
            threads, answers = search_in_threads(url, "pra* OR quo*")
            time.sleep(0.5)
            assert not answers  # all held: four in the request threads, four waiting for one
            latencies = [healthz_seconds(url) for _ in range(3)]
            assert max(latencies) < 1.0, latencies
            for t in threads:
                t.join(timeout=30)
            assert len(answers) == 8
            for status, seconds, r in answers:
                assert status == 503 and int(r.headers["retry-after"]) > 0, r.text
                assert "time limit of 2 s" in r.json()["message"]
                assert seconds < 2 * 2 + 2  # two rounds of four threads, each stopped at 2 s
        assert httpx.get(url + "/api/search", params={"q": "pra* OR quo*"}, timeout=10).status_code == 200
