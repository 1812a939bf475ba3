"""`newsdesk sources list` in a terminal (issue 18 item 7): one line a source within 80 columns, the name and the
status with its error cut with an ellipsis; `--wide` every field whole; `--json` the stored values, unchanged."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsdesk.keys import utcnow
from newsdesk.store import Store

LONG_NAME = "The Extraordinarily Long-Named Metropolitan Evening Chronicle and Commercial Advertiser"
ERROR = ("could not fetch https://feeds.a-publisher-with-a-very-long-hostname.example/rss/section/feed.xml: "
         "HTTP 503 Service Unavailable after three attempts")
STATUSES = (None, "ok", "not_modified", "error", "warning")


def run(db: str, *args: str, columns: int) -> str:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db, "COLUMNS": str(columns), "NEWSDESK_CONFIG": os.devnull}
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "sources", "list", *args], env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture
def db(tmp_path: Path) -> str:
    """50 sources: long names, addresses as names, every status, long errors on two lines."""
    url = f"sqlite:///{tmp_path / 'n.db'}"
    store = Store(url)
    store.migrate()
    now = utcnow()
    for i in range(50):
        status = STATUSES[i % len(STATUSES)]
        src, _ = store.add_source(f"https://feeds.outlet-{i}.example/{'section/' * 8}feed.xml", interval=900,
                                  title=None if i % 7 == 0 else (f"{LONG_NAME} {i}" if i % 3 == 0 else f"Outlet {i}"))
        values: dict = {"last_status": status, "articles_found": i * 1234}
        if status:
            values.update(last_fetch_at=now - timedelta(hours=i), last_success_at=now - timedelta(hours=i))
        if status in ("error", "warning"):
            values.update(last_error=ERROR + "\nand a second line", last_error_reason="http_status")
        store.update_source(src.id, **values)
    store.close()
    return url


def test_one_line_a_source_in_80_columns(db):
    lines = run(db, columns=80).rstrip("\n").split("\n")
    assert all(len(line) <= 80 for line in lines), max(lines, key=len)
    rows = lines[2:]  # a header and its rule
    assert len(rows) == 50, "a source wraps onto more than one line"
    assert lines[0].split() == ["id", "source", "last", "success", "articles", "status"]
    by_id = {int(row.split()[0]): row for row in rows}
    assert "not fetched yet" in by_id[1] and "never" in by_id[1]
    assert "unchanged since last fetch" in by_id[3]
    assert "fetch failed: could not fetch" in by_id[4] and by_id[4].rstrip().endswith("…")
    assert "entries failed, none stored" in by_id[5]
    assert "The Extraordinari" in by_id[4] and "…" in by_id[4]  # a long name is cut, not wrapped
    assert "not_modified" not in "\n".join(rows) and "h ago" in by_id[2]


def test_wide_shows_every_field_whole(db):
    table = run(db, "--wide", columns=400)
    for header in ("last fetch", "fails", "last pass", "failed articles", "next", "last error"):
        assert header in table
    assert ERROR in table and LONG_NAME + " 3" in table and "unchanged since last fetch" in table


def test_json_keeps_the_stored_values(db):
    rows = [json.loads(line) for line in run(db, "--json", columns=80).splitlines()]
    assert len(rows) == 50
    assert [r["last_status"] for r in rows[:5]] == list(STATUSES)
    assert rows[3]["last_error"] == ERROR + "\nand a second line"
    assert rows[3]["title"] == LONG_NAME + " 3"
    assert datetime.fromisoformat(rows[1]["last_success_at"]) < datetime.now(UTC)
