"""Errors a person can act on, from the command line as a user runs it: real subprocesses, real local servers,
a real SQLite file (and, for a full disk, a real small filesystem under SQLite or a PostgreSQL tablespace)."""

from __future__ import annotations

import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from localserver import Response
from pages import rss
from psycopg import sql

from newsdesk.store import Store

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]


def run(db: Path | str, *args: str, private: bool = True, **env: str) -> subprocess.CompletedProcess:
    """The command line with a store (a SQLite file, or a URL) and a clean NEWSDESK_* environment."""
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    base.update({"NEWSDESK_DATABASE_URL": url, "NEWSDESK_MIN_HOST_DELAY": "0", "COLUMNS": "200"})
    if private:
        base["NEWSDESK_ALLOW_PRIVATE_HOSTS"] = "1"
    return subprocess.run([*NEWSDESK, *args], env={**base, **env}, capture_output=True, text=True, timeout=120)


def sources(db: Path) -> list[dict]:
    return [json.loads(line) for line in run(db, "sources", "list", "--json").stdout.splitlines()]


def test_sources_add_refuses_a_private_address_and_names_the_variable(tmp_path, server):
    feed = rss(server.url("").rstrip("/"), [1])
    server.route("/feed.xml", Response(200, feed, {"Content-Type": "application/rss+xml"}))
    db = tmp_path / "n.db"
    proc = run(db, "sources", "add", server.url("/feed.xml"), private=False)
    assert proc.returncode != 0, proc.stdout
    assert "NEWSDESK_ALLOW_PRIVATE_HOSTS" in proc.stderr and "loopback" in proc.stderr
    assert "allow_private_hosts" not in proc.stderr  # the variable a user sets, not the field behind it
    assert "Traceback" not in proc.stderr
    assert sources(db) == []
    assert server.requests == []


def test_sources_add_refuses_an_address_that_is_not_there(tmp_path, server):
    server.route("/gone.xml", Response(410, "gone"))
    db = tmp_path / "n.db"
    for path, status in (("/missing.xml", "404"), ("/gone.xml", "410")):
        proc = run(db, "sources", "add", server.url(path))
        assert proc.returncode != 0, proc.stdout
        assert status in proc.stderr and server.url(path) in proc.stderr
        assert "Traceback" not in proc.stderr
    assert sources(db) == []


def test_sources_add_keeps_an_address_it_could_not_check_now_and_warns(tmp_path, server):
    with socket.socket() as s:  # a port nobody listens on: connection refused, perhaps only for now
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}/feed.xml"
    server.route("/slow.xml", Response(200, "<rss/>", {"Content-Type": "application/rss+xml"}, delay=3))
    db = tmp_path / "n.db"
    for url in (closed, server.url("/slow.xml")):
        proc = run(db, "sources", "add", url, NEWSDESK_REQUEST_TIMEOUT="1")
        assert proc.returncode == 0, proc.stderr
        assert "added source" in proc.stdout
        assert "warning" in proc.stderr.lower() and "first fetch" in proc.stderr
    assert [s["url"] for s in sources(db)] == [closed, server.url("/slow.xml")]


def long_page(i: int) -> str:
    """An article of about 12 KB: 200 of them do not fit in the small filesystem below."""
    paragraphs = "".join(
        f"<p>Paragraph {j} of report {i}: the council met on Tuesday to discuss item {i * 100 + j} of the budget, "
        f"and residents spoke for hours about roads, schools and the harbour ({i}-{j}).</p>" for j in range(60))
    return (f"<html><head><title>Budget report {i}</title></head><body><article><h1>Budget report {i}</h1>"
            f"{paragraphs}</article></body></html>")


ROOM = 1024 * 1024  # bytes left free on the small filesystem once the store is made: about 40 of those articles


@pytest.fixture
def small_store(request, engine) -> Iterator[tuple[str, Path]]:
    """(store URL, padding file): a migrated store on a real small filesystem (tmpfs; on PostgreSQL, a tablespace
    there) with a padding file that leaves it ROOM bytes. Skipped where mounting is not allowed."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small filesystem needs root: the disk-full test is skipped")
    # Under /tmp rather than the test's folder: PostgreSQL's user must reach it, and pytest's folders are root's.
    mount = Path(tempfile.mkdtemp(prefix="newsdesk-small-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)], capture_output=True,
                          text=True)
    if done.returncode != 0:
        mount.rmdir()
        pytest.skip(f"cannot mount a small filesystem here ({done.stderr.strip()}): the disk-full test is skipped")
    cleanup = []
    try:
        if engine == "sqlite":
            url = f"sqlite:///{mount / 'n.db'}"
        else:
            server = request.getfixturevalue("pg_server")
            owner = pwd.getpwnam("postgres")
            os.chown(mount, owner.pw_uid, owner.pw_gid)
            name = f"t_{uuid.uuid4().hex[:16]}"
            with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
                conn.execute(sql.SQL("CREATE TABLESPACE {} LOCATION {}").format(sql.Identifier(name),
                                                                               sql.Literal(str(mount))))
                conn.execute(sql.SQL("CREATE DATABASE {} TABLESPACE {}").format(sql.Identifier(name),
                                                                               sql.Identifier(name)))

            def drop() -> None:
                with psycopg.connect(server.admin_dsn(), autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
                    conn.execute(sql.SQL("DROP TABLESPACE IF EXISTS {}").format(sql.Identifier(name)))

            cleanup.append(drop)
            url = server.url(name)
        store = Store(url)
        store.migrate()
        store.close()
        padding = mount / "padding"
        free = shutil.disk_usage(mount).free
        with padding.open("wb") as fh:
            fh.write(bytes(max(free - ROOM, 0)))
        yield url, padding
    finally:
        for step in cleanup:
            step()
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


@pytest.mark.both_engines
def test_fetch_on_a_full_disk_says_so_in_one_line_and_keeps_the_store_whole(small_store, server):
    url, padding = small_store
    ids = list(range(1, 201))
    for i in ids:
        server.route(f"/articles/{i}.html", Response(200, long_page(i), {"Content-Type": "text/html"}))
    feed = rss(server.url("").rstrip("/"), ids)
    server.route("/feed.xml", Response(200, feed, {"Content-Type": "application/rss+xml"}))
    assert run(url, "sources", "add", server.url("/feed.xml"), "--no-discover").returncode == 0

    proc = run(url, "fetch", NEWSDESK_ANALYSIS_BATCH="0")
    assert proc.returncode != 0, proc.stdout
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "no room left" in lines[0] and "newsdesk fetch" in lines[0], proc.stderr
    # Room again before looking: PostgreSQL may refuse even a reading connection on a full disk (each new
    # connection may write its catalog cache file there); nothing writes to the store between the two.
    padding.unlink()
    kept = check_whole(url)  # the store is whole, and keeps what was stored before the disk filled
    assert 0 < kept < len(ids)

    proc = run(url, "fetch", NEWSDESK_ANALYSIS_BATCH="0")  # the next fetch goes on where the full disk stopped it
    assert proc.returncode == 0, proc.stderr
    assert check_whole(url) == len(ids)


def check_whole(url: str) -> int:
    """The number of articles in the store, after checking that it is whole (SQLite's integrity check; on
    PostgreSQL, every article readable, each URL once)."""
    store = Store(url)
    try:
        with store.engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                assert conn.exec_driver_sql("PRAGMA integrity_check").fetchall() == [("ok",)]
            rows = conn.exec_driver_sql("SELECT url, length(text) FROM articles").fetchall()
    finally:
        store.close()
    assert len({u for u, _ in rows}) == len(rows) and all(n > 0 for _, n in rows)
    return len(rows)


def test_every_error_newsdesk_raises_is_a_newsdesk_error_with_its_own_reason():
    import importlib
    import pkgutil

    import newsdesk
    from newsdesk.errors import NewsdeskError

    errors = []
    for info in pkgutil.walk_packages(newsdesk.__path__, "newsdesk."):
        module = importlib.import_module(info.name)
        errors += [obj for name, obj in vars(module).items() if isinstance(obj, type) and issubclass(obj, Exception)
                   and obj.__module__ == module.__name__ and not name.startswith("_")]
    assert len(errors) > 20
    outside = [e.__qualname__ for e in errors if not issubclass(e, NewsdeskError)]
    assert outside == []
    without_reason = [e.__qualname__ for e in errors if e is not NewsdeskError and "reason" not in vars(e)]
    assert without_reason == []
    reasons = [e.reason for e in errors]
    assert sorted(r for r in set(reasons) if reasons.count(r) > 1) == []


def test_a_newsdesk_error_ends_any_command_with_one_line_and_its_exit_status(tmp_path):
    labels = tmp_path / "labels.toml"
    labels.write_text("[[outlet]]\nname = 1\n")
    records = tmp_path / "a.jsonl"
    records.write_text('{"id": 1, "title": "t", "text": "x"}\n')
    for args in (["analyze", str(records)], ["analyze-pending"]):  # LabelFileError: exit status 1
        proc = run(tmp_path / "n.db", *args, NEWSDESK_SOURCE_LABELS_FILE=str(labels))
        assert proc.returncode == 1 and "Traceback" not in proc.stderr
        assert proc.stderr.strip() == f"error: {labels}: outlet 1: 'name' must be a non-empty string"
    proc = run(tmp_path / "n.db", "sources", "add", "http://[::1")  # SourceRefusedError: exit status 2
    assert (proc.returncode, proc.stderr.strip()) == (2, "error: Invalid IPv6 URL")
