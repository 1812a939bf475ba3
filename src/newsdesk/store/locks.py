"""Waiting for another connection's lock: how long (a store's `lock_wait`), how to tell that a write gave up
waiting, and a transaction that takes its lock before it reads (so that a check and the write it allows are one
step).

The commands and the background fetcher wait as long as a writer usually needs (LONG_WAIT on SQLite; on
PostgreSQL as long as it takes): they must finish, not fail. The web server's request handlers wait a few seconds
at most, then answer 503 with Retry-After (newsdesk.web.app), so that a busy store never holds a client and a
request thread for half a minute.
"""

from __future__ import annotations

import hashlib
import sqlite3
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

LONG_WAIT = 30.0  # seconds a SQLite connection waits for the write lock when no shorter wait is asked for
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL's SQLSTATE for a lock_timeout (and for NOWAIT)
_SQLITE_BUSY = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}  # primary codes; extended ones carry them in the low byte
CLIENT_LOCK = 0x72617465  # PostgreSQL advisory lock class of per-client counting ("rate"), keyed by client


def sqlite_busy_timeout(seconds: float) -> int:
    """PRAGMA busy_timeout's value (milliseconds) for a wait of `seconds`."""
    return max(1, int(seconds * 1000))


def set_postgresql_lock_wait(engine: Engine, seconds: float) -> None:
    """Every connection of `engine` gives up a lock it waited `seconds` for (lock_timeout; advisory locks too)."""

    def on_connect(dbapi_conn: Any, _record: Any) -> None:
        with dbapi_conn.cursor() as cur:
            cur.execute(f"SET lock_timeout = {max(1, int(seconds * 1000))}")
        dbapi_conn.commit()

    event.listen(engine, "connect", on_connect)


def lock_waited_out(exc: BaseException) -> bool:
    """Whether `exc` is a statement that gave up waiting for another connection's lock (SQLite busy or locked,
    PostgreSQL lock_timeout): nothing of its transaction was written, and the same write may succeed later."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.Error):
        code = getattr(orig, "sqlite_errorcode", None)
        if code is not None:
            return code & 0xFF in _SQLITE_BUSY
        return "database is locked" in str(orig) or "database table is locked" in str(orig)
    return getattr(orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


def begin_locked(s: Session, key: str) -> None:
    """Start `s`'s transaction holding the lock that orders writers keyed by `key` (e.g. a client's hash), so
    that what it then counts stays true until it commits: on SQLite the database's write lock (BEGIN
    IMMEDIATE: one writer at a time), on PostgreSQL an advisory lock on `key` until the transaction ends (only
    the same key waits). Call it before anything else runs in `s`."""
    conn = s.connection()
    if conn.dialect.name == "sqlite":
        # pysqlite begins a transaction only before a write: nothing is open yet, so this BEGIN is the one.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif conn.dialect.name == "postgresql":
        digest = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({CLIENT_LOCK}, {digest})")
