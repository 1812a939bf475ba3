"""Errors a person can act on, from the command line as a user runs it: real subprocesses, real local servers,
a real SQLite file (and, for a full disk, a real small filesystem)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from localserver import Response
from pages import rss

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]


def run(db: Path, *args: str, private: bool = True, **env: str) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    base.update({"NEWSDESK_DATABASE_URL": f"sqlite:///{db}", "NEWSDESK_MIN_HOST_DELAY": "0", "COLUMNS": "200"})
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
