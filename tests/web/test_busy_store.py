"""A busy store, against real `newsdesk serve` processes on SQLite and PostgreSQL (issue 13, item 5): while
another connection holds the lock a write needs, the web's writes (a removal request by the API or the form, an
administrator's login or decision) wait at most `serve_lock_wait` seconds, then answer 503 with Retry-After and
store nothing; sent again later, they are stored once. The background fetcher of the same process and the
commands wait for the lock instead, as long as it takes."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest
from localserver import LocalServer, Response
from pages import article_html, rss
from pg import new_database
from serveprocess import ServeProcess, serving
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

from newsdesk.config import Settings
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.store import Store
from newsdesk.store.locks import lock_waited_out

pytestmark = pytest.mark.both_engines

ADMIN, PASSWORD = "editor", "correct horse battery staple"
LOCK_WAIT = 1  # NEWSDESK_SERVE_LOCK_WAIT of the servers here
PROMPT = LOCK_WAIT + 4  # seconds within which a busy answer must come (the lock wait, then the answer)


@contextmanager
def holding(db: str, *tables: str) -> Iterator[None]:
    """Another connection holding a write transaction: on SQLite the file's write lock (BEGIN IMMEDIATE), on
    PostgreSQL `tables` locked in EXCLUSIVE mode (reads go on, writes wait)."""
    url = make_url(db)
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        return
    with psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False)) as conn:
        for table in tables:
            conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        try:
            yield
        finally:
            conn.rollback()


def rows(db: str, statement: str, **params: object) -> list[tuple]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(statement), params)]
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def site(request: pytest.FixtureRequest, engine: str,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServeProcess, str]]:
    folder = tmp_path_factory.mktemp("busy")
    db = new_database(request, engine, folder)
    store = Store(db)
    store.migrate()
    RemovalDesk(store, Settings(database_url=db)).create_admin(ADMIN, PASSWORD)
    store.close()
    with serving(db, folder, "--no-background-fetch", serve_lock_wait=str(LOCK_WAIT),
                 removal_rate_limit="1000") as proc:
        yield proc, db


def removal_body(name: str) -> dict:
    return {"name": name, "email": "ada@example.org", "relationship": "owner", "reason": "copyright",
            "urls": ["https://coastpost.example/news/4"], "statement": "Mine.", "good_faith": True}


def stored(db: str, name: str) -> int:
    return rows(db, "SELECT count(*) FROM removal_requests WHERE name = :n", n=name)[0][0]


def timed(call) -> tuple[httpx.Response, float]:  # noqa: ANN001
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def test_a_removal_request_by_the_api_answers_503_while_the_store_is_busy(site):
    server, db = site
    with holding(db, "removal_requests"):
        r, seconds = timed(lambda: httpx.post(server.url + "/api/removal-requests", json=removal_body("Busy API"),
                                              timeout=PROMPT + 30))
    assert r.status_code == 503 and seconds < PROMPT, (r.status_code, seconds, r.text[:300])
    assert r.headers["content-type"].startswith("application/json") and set(r.json()) == {"detail", "message"}
    assert "busy" in r.json()["message"] and 0 < int(r.headers["retry-after"]) <= 60
    assert stored(db, "Busy API") == 0
    again = httpx.post(server.url + "/api/removal-requests", json=removal_body("Busy API"), timeout=30)
    assert again.status_code == 201 and stored(db, "Busy API") == 1


def test_the_removal_form_answers_503_and_keeps_the_answers(site):
    server, db = site
    with httpx.Client(base_url=server.url, timeout=PROMPT + 30) as c:
        token = re.search(r'name="form_token" value="([^"]+)"', c.get("/removal").text).group(1)
        form = {"name": "Busy Form", "email": "ada@example.org", "relationship": "owner", "reason": "copyright",
                "scope": "article", "urls": "https://coastpost.example/news/4", "details": "Mine.",
                "good_faith": "yes", "form_token": token}
        with holding(db, "removal_requests"):
            r, seconds = timed(lambda: c.post("/removal", data=form))
        assert r.status_code == 503 and seconds < PROMPT, (r.status_code, seconds)
        assert 0 < int(r.headers["retry-after"]) <= 60 and 'value="Busy Form"' in r.text and "busy" in r.text
        assert stored(db, "Busy Form") == 0
        again = c.post("/removal", data=form)
        assert again.status_code == 303 and stored(db, "Busy Form") == 1


def test_an_administrator_s_login_and_decision_answer_503_and_change_nothing(site):
    server, db = site
    receipt = httpx.post(server.url + "/api/removal-requests", json=removal_body("Busy Admin"), timeout=30)
    rid = rows(db, "SELECT id FROM removal_requests WHERE public_id = :p", p=receipt.json()["id"])[0][0]
    with httpx.Client(base_url=server.url, timeout=PROMPT + 30, follow_redirects=False) as c:
        with holding(db, "admin_sessions"):
            r, seconds = timed(lambda: c.post("/admin/login", data={"name": ADMIN, "password": PASSWORD}))
        assert r.status_code == 503 and seconds < PROMPT and "set-cookie" not in r.headers
        assert "busy" in r.text and 0 < int(r.headers["retry-after"]) <= 60
        assert c.post("/admin/login", data={"name": ADMIN, "password": PASSWORD}).status_code == 303
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get(f"/admin/removals/{rid}").text).group(1)
        decision = {"csrf_token": csrf, "reason": "It is theirs."}
        # On PostgreSQL only the blocklist is locked: the decision itself could be written, its suppression
        # could not, and the two go together or not at all.
        with holding(db, "blocklist"):
            r, seconds = timed(lambda: c.post(f"/admin/removals/{rid}/accept", data=decision))
        assert r.status_code == 503 and seconds < PROMPT, (r.status_code, seconds)
        assert rows(db, "SELECT status FROM removal_requests WHERE id = :i", i=rid) == [("received",)]
        done = c.post(f"/admin/removals/{rid}/accept", data=decision)
        assert done.status_code == 303, done.text[:300]
    assert rows(db, "SELECT status FROM removal_requests WHERE id = :i", i=rid) == [("accepted",)]
    actions = [a for (a,) in rows(db, "SELECT action FROM removal_audit WHERE request_id = :i", i=rid)]
    assert actions.count("accepted") == 1 and actions.count("suppressed") == 1


def test_provisional_suppression_and_its_restoring_are_one_step_with_the_request(request, engine, tmp_path):
    """With provisional suppression a request hides its content on receipt, and a rejection restores it: a
    busy store refuses the whole step, never the request without its suppression or the decision without its
    restoring."""
    if engine == "sqlite":
        pytest.skip("SQLite has one write lock for the file: a request and its suppression wait on the same lock")
    db = new_database(request, engine, tmp_path)
    store = Store(db)
    store.migrate()
    store.close()
    quick = Store(db, lock_wait=LOCK_WAIT)
    desk = RemovalDesk(quick, Settings(database_url=db, removal_provisional=True))
    sub = RemovalSubmission(name="Provisional", email="ada@example.org", relationship="owner", reason="copyright",
                            good_faith=True, urls=["https://coastpost.example/news/4"])
    try:
        with holding(db, "blocklist"), pytest.raises(OperationalError) as refused:
            desk.submit(sub, "192.0.2.1")
        assert lock_waited_out(refused.value)
        assert stored(db, "Provisional") == 0
        receipt = desk.submit(sub, "192.0.2.1")
        assert receipt.provisional
        with holding(db, "blocklist"), pytest.raises(OperationalError) as refused:
            desk.reject(receipt.public_id, actor="admin:editor", reason="Not theirs.")
        assert lock_waited_out(refused.value)
        assert rows(db, "SELECT status FROM removal_requests WHERE name = 'Provisional'") == [("received",)]
        assert desk.reject(receipt.public_id, actor="admin:editor", reason="Not theirs.").status == "rejected"
    finally:
        quick.close()


def test_the_background_fetcher_and_the_commands_wait_for_the_lock(request, engine, tmp_path):
    """The same server process: its removal API gives up after the short wait, its background fetcher saves the
    articles it fetched once the lock is free; a command's store waits too."""
    db = new_database(request, engine, tmp_path)
    store = Store(db)
    store.migrate()
    with LocalServer() as feeds:
        for i in (1, 2):
            feeds.route(f"/articles/{i}.html", Response(200, article_html(i), {"Content-Type": "text/html"}))
        base = feeds.url("").rstrip("/")
        feeds.route("/feed.xml", Response(200, rss(base, [1, 2]), {"Content-Type": "application/rss+xml"},
                                          delay=1.0))
        store.add_source(feeds.url("/feed.xml"), interval=900)
        store.close()
        with serving(db, tmp_path, serve_lock_wait=str(LOCK_WAIT), serve_fetch_interval="1", analysis_batch="0",
                     allow_private_hosts="1", min_host_delay="0") as server:
            for _ in range(300):  # the fetcher asked for the feed: it answers in a second, then articles are saved
                if feeds.hits("/feed.xml"):
                    break
                time.sleep(0.02)
            assert feeds.hits("/feed.xml"), server.log_text()[-2000:]
            with holding(db, "articles", "sources", "removal_requests"):
                r, seconds = timed(lambda: httpx.post(server.url + "/api/removal-requests",
                                                      json=removal_body("Busy Fetch"), timeout=PROMPT + 30))
                assert r.status_code == 503 and seconds < PROMPT
                time.sleep(3 * LOCK_WAIT)  # the fetcher is waiting for the lock all this while
                waiter = Store(db)  # as a command opens the store
                added: list[object] = []
                thread = threading.Thread(target=lambda: added.append(waiter.add_source(
                    "https://example.org/late.xml", interval=900)))
                thread.start()
                time.sleep(LOCK_WAIT + 1)
                assert thread.is_alive()  # still waiting, not failed
            thread.join(timeout=30)
            waiter.close()
            assert added and added[0][1] is True
            for _ in range(200):
                count = rows(db, "SELECT count(*) FROM articles")[0][0]
                if count == 2:
                    break
                time.sleep(0.1)
            log = server.log_text()
            assert count == 2, log[-3000:]
            assert "fetch pass failed" not in log and "source failed" not in log, log[-3000:]


def test_a_failure_other_than_a_lock_given_up_is_not_busy(store, engine):
    """Only a lock waited out is answered 503 ("send it again"); any other database failure stays an error."""
    with store.engine.connect() as conn, pytest.raises(OperationalError) as failed:
        if engine == "sqlite":
            conn.exec_driver_sql("SELECT * FROM nowhere")
        else:
            conn.exec_driver_sql("SET statement_timeout = 1")
            conn.exec_driver_sql("SELECT pg_sleep(1)")
    assert not lock_waited_out(failed.value)
