"""Ids are never given twice: SQLite's `articles`, `stories`, `sources` and `removal_requests` become
AUTOINCREMENT tables.

Without AUTOINCREMENT SQLite gives a new row the largest id in the table plus one, so removing the newest
article gave its id to the next one: its page, API answer and feed entry id, and the removal records naming it,
pointed at another article. These are the tables whose ids people and other records hold (pages and feeds,
`removed_items`, `quarantine`, removal targets, the audit log); PostgreSQL's sequences never give an id twice
already, and nothing here resets one.

SQLite cannot add AUTOINCREMENT in place: each table is copied into a new one whose CREATE statement is the old
one with the key declared `INTEGER PRIMARY KEY AUTOINCREMENT` (every column, constraint and name as it was), the
rows keep their ids, and the indexes and triggers (the full-text index's, which dropping the old table drops)
are created again from their stored statements. That needs foreign keys off (dropping the old table would
otherwise delete or null what points at it): `Store.migrate` turns them off, and this migration refuses to run
with them on and checks every key before it ends. Each table's counter starts at the largest id it ever gave
that is still on record, the ids of rows deleted before this upgrade included (`removed_items`, `quarantine`,
removal targets), so that none of those is given again either.

Revision ID: 0009
Revises: 0008
"""

import re

from alembic import op
from sqlalchemy import Connection

revision = "0009"
down_revision = "0008"

# Each table with the queries that give ids it handed out: its own and those recorded elsewhere.
_KNOWN_IDS = {
    "sources": ["SELECT max(id) FROM sources",
                # sources a domain removal stopped (`sources remove` may have deleted them since)
                "SELECT max(CAST(j.value AS INTEGER)) FROM removal_targets AS t, json_each(t.sources) AS j "
                "WHERE json_valid(t.sources)"],
    "removal_requests": ["SELECT max(id) FROM removal_requests"],
    "stories": ["SELECT max(id) FROM stories", "SELECT max(story_id) FROM removed_items",
                "SELECT max(story_id) FROM quarantine"],
    "articles": ["SELECT max(id) FROM articles", "SELECT max(article_id) FROM removed_items",
                 "SELECT max(article_id) FROM quarantine",
                 "SELECT max(CAST(j.value AS INTEGER)) FROM removal_targets AS t, json_each(t.resolved) AS j "
                 "WHERE json_valid(t.resolved)"],
}

_KEY_COLUMN = re.compile(r"(\(\s*id INTEGER NOT NULL)(\s*,)")
_KEY_CONSTRAINT = re.compile(r",\s*PRIMARY KEY \(id\)(?=\s*[,)])")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("migration 0009 copies tables and must run with foreign keys off "
                           "(newsdesk migrate, or Store.migrate, does so)")
    for table, queries in _KNOWN_IDS.items():
        _make_autoincrement(bind, table)
        _start_counter_after(bind, table, queries)
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        shown = ", ".join(f"{t} row {r} -> {p}" for t, r, p, _ in broken[:5])
        raise RuntimeError(f"migration 0009: {len(broken)} rows point at rows that do not exist ({shown}); "
                           "nothing was changed")


def _make_autoincrement(bind: Connection, table: str) -> None:
    (create,) = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                     (table,)).one()
    if "AUTOINCREMENT" in create.upper():
        return  # upgraded before, and a downgrade kept it (see downgrade)
    new = f"_new_{table}"
    wanted, columns = _KEY_COLUMN.subn(r"\1 PRIMARY KEY AUTOINCREMENT\2", create, count=1)
    wanted, constraints = _KEY_CONSTRAINT.subn("", wanted)
    wanted, named = re.subn(rf'^CREATE TABLE "?{table}"? \(', f'CREATE TABLE "{new}" (', wanted)
    if (columns, constraints, named) != (1, 1, 1):
        raise RuntimeError(f"migration 0009: the table {table} is not as migration 0008 left it:\n{create}")
    # Indexes (the ones SQLite makes for UNIQUE constraints come back with the table) and triggers, as stored.
    others = [sql for (sql,) in bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", (table,))]
    bind.exec_driver_sql(wanted)
    bind.exec_driver_sql(f'INSERT INTO "{new}" SELECT * FROM "{table}"')
    bind.exec_driver_sql(f'DROP TABLE "{table}"')
    bind.exec_driver_sql(f'ALTER TABLE "{new}" RENAME TO "{table}"')
    for sql in others:
        bind.exec_driver_sql(sql)


def _start_counter_after(bind: Connection, table: str, queries: list[str]) -> None:
    """The table's AUTOINCREMENT counter at the largest id on record (never lowered)."""
    known = [bind.exec_driver_sql(q).scalar() for q in queries]
    known += [seq for (seq,) in bind.exec_driver_sql("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,))]
    largest = max((int(v) for v in known if v is not None), default=0)
    bind.exec_driver_sql("DELETE FROM sqlite_sequence WHERE name = ?", (table,))
    bind.exec_driver_sql("INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (table, largest))


def downgrade() -> None:
    # AUTOINCREMENT stays: the 0008 code reads and writes these tables the same way with it, and taking it away
    # would only let SQLite give removed ids again (and copy every table once more).
    pass
