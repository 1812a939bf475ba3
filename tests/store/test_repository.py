"""The repository on both engines (SQLite, and the throwaway PostgreSQL of tests/pg.py): migrations give exactly
the model's schema, writes are idempotent, dates are UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pg import new_database
from sqlalchemy import inspect, text
from sqlalchemy.pool import QueuePool

from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.schema import Base
from newsdesk.store.search import include_name

pytestmark = pytest.mark.both_engines


def make_store(db_url: str) -> Store:
    store = Store(db_url)
    store.migrate()
    return store


def test_migrations_create_exactly_the_model_schema(db_url):
    store = make_store(db_url)
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
    assert diff == []
    assert {"sources", "articles", "url_failures"} <= set(inspect(store.engine).get_table_names())


def test_migrate_twice_is_a_no_op_and_keeps_data(db_url):
    store = make_store(db_url)
    store.save_article(Article(url="https://a.example/1", title="One", text="Body one."))
    store.migrate()
    assert store.count_articles() == 1


def test_sqlite_runs_in_wal_mode(tmp_path):
    store = make_store(f"sqlite:///{tmp_path / 'news.db'}")
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_same_url_or_canonical_url_is_stored_once(db_url):
    store = make_store(db_url)
    a = Article(url="https://a.example/x?utm_source=feed", title="T", text="Some body.",
                canonical_url="https://a.example/x")
    first, created = store.save_article(a)
    assert created
    assert store.save_article(a) == (first, False)
    other_link = Article(url="https://a.example/x?ref=home", title="T", text="Other body.",
                         canonical_url="https://a.example/x")
    assert store.save_article(other_link) == (first, False)
    assert store.count_articles() == 1
    assert store.is_known("https://a.example/x")


def test_exact_copies_are_kept_and_point_at_the_first(db_url):
    store = make_store(db_url)
    one, _ = store.save_article(Article(url="https://a.example/1", title="A", text="Wire  copy text.\n\nMore."))
    two, _ = store.save_article(Article(url="https://b.example/1", title="B", text="wire copy text. more."))
    three, _ = store.save_article(Article(url="https://c.example/1", title="C", text="Wire copy text. More."))
    rows = {a.id: a for a in store.iter_articles()}
    assert rows[one].duplicate_of is None
    assert rows[two].duplicate_of == one
    assert rows[three].duplicate_of == one


def test_dates_round_trip_as_utc(db_url):
    store = make_store(db_url)
    published = datetime(2025, 9, 4, 9, 30, tzinfo=timezone(timedelta(hours=8)))
    store.save_article(Article(url="https://a.example/d", title="D", text="Dated.", published=published))
    (row,) = list(store.iter_articles())
    assert row.published == published
    assert row.published.tzinfo is not None
    assert row.to_contract()["published"] == "2025-09-04T01:30:00+00:00"


def test_permanent_failures_are_known_transient_ones_are_retried(db_url):
    store = make_store(db_url)
    store.record_failure("https://a.example/p", source_id=None, reason="robots_disallowed", message="no",
                         permanent=True)
    store.record_failure("https://a.example/t", source_id=None, reason="timeout", message="slow", permanent=False)
    store.record_failure("https://a.example/t", source_id=None, reason="timeout", message="slow", permanent=False)
    assert store.is_known("https://a.example/p")
    assert not store.is_known("https://a.example/t")
    attempts = {f.url: f.attempts for f in store.failures()}
    assert attempts == {"https://a.example/p": 1, "https://a.example/t": 2}


def test_add_source_is_idempotent_and_due_at_once(db_url):
    store = make_store(db_url)
    src, created = store.add_source("https://a.example/feed.xml", interval=900)
    again, created_again = store.add_source("https://a.example/feed.xml", interval=900)
    assert created and not created_again and again.id == src.id
    assert [s.id for s in store.due_sources(datetime.now(UTC) + timedelta(seconds=1))] == [src.id]
    store.update_source(src.id, next_fetch_at=datetime.now(UTC) + timedelta(hours=1))
    assert store.due_sources(datetime.now(UTC)) == []
    assert len(store.due_sources(datetime.now(UTC), include_not_due=True)) == 1


def test_upgrade_from_the_first_schema_keeps_articles(db_url):
    from alembic import command
    from alembic.config import Config

    from newsdesk.store.repository import MIGRATIONS

    store = Store(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO articles (url, canonical_url, title, text, authors, fetched, content_hash) "
            "VALUES ('https://a.example/1', 'https://a.example/1', 'T', 'Body.', '[]', '2025-01-01 00:00:00', 'h')"
        )
    store.migrate()
    (row,) = list(store.iter_articles())
    assert row.url == "https://a.example/1" and row.story_id is None
    assert row.agencies == [] and row.to_contract()["agencies"] == []  # stored before 0017: none recorded


def test_postgresql_urls_use_psycopg_and_a_checked_queue_pool(request, tmp_path):
    db_url = new_database(request, "postgresql", tmp_path)
    store = Store(db_url.replace("postgresql+psycopg://", "postgresql://"))  # the plain scheme means psycopg 3
    try:
        assert store.engine.driver == "psycopg"
        assert isinstance(store.engine.pool, QueuePool) and store.engine.pool._pre_ping
        store.migrate()
        assert store.count_articles() == 0
    finally:
        store.close()


def test_migrations_go_down_to_the_first_and_up_again(db_url):
    from alembic import command
    from alembic.config import Config

    from newsdesk.store.repository import MIGRATIONS

    store = make_store(db_url)
    store.save_article(Article(url="https://a.example/1", title="Quake", text="The quake shook the harbour."))
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert set(inspect(store.engine).get_table_names()) == {"alembic_version", "sources", "articles", "url_failures"}
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
        assert diff == []
        # The search index (FTS5 table or PostgreSQL side table: the same name) was rebuilt from the rows kept.
        assert conn.execute(text("SELECT count(*) FROM articles_fts")).scalar() == 1
    assert store.count_articles() == 1


def test_nul_characters_are_dropped_on_both_engines(db_url):
    store = make_store(db_url)  # PostgreSQL's text cannot hold NUL at all
    aid, _ = store.save_article(Article(url="https://a.example/n", title="Ti\x00tle", text="Bo\x00dy.",
                                        authors=["A\x00da"]), source_name="Out\x00let")
    (row,) = list(store.iter_articles())
    assert (row.id, row.title, row.text, row.authors, row.source) == (aid, "Title", "Body.", ["Ada"], "Outlet")


def test_agencies_are_stored_apart_from_authors_and_exported(db_url):
    store = make_store(db_url)
    aid, _ = store.save_article(Article(url="https://a.example/w", title="Dam opens", text="BERLIN (dpa) - Body.",
                                        authors=["Ada Lovelace"], agencies=["dpa", "AFP"]), source_name="Outlet")
    (row,) = list(store.iter_articles())
    assert (row.id, row.authors, row.agencies) == (aid, ["Ada Lovelace"], ["dpa", "AFP"])
    assert row.to_contract()["agencies"] == ["dpa", "AFP"]
