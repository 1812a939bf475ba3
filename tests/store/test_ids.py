"""Ids are never given twice, on either engine: a removed article's id, a deleted story's, a removed source's or
a deleted removal request's stays theirs (pages, API answers, feed entry ids and the removal records name
them), and an article put back by a rejection keeps its id without colliding with later ones. SQLite's
AUTOINCREMENT tables (migration 0009), PostgreSQL's sequences."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, text

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.store import Store
from newsdesk.store.schema import Base, RemovalRequest, StoryRow

pytestmark = pytest.mark.both_engines


def article(n: int) -> Article:
    return Article(url=f"https://news.example.com/{n}", title=f"Report {n}",
                   text=f"Report number {n} on the harbour works, told in its own words {n * 7919}.")


def request_for(url: str) -> RemovalSubmission:
    return RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="owner", reason="copyright",
                             good_faith=True, urls=[url], details="We own this report.")


def desk_of(store: Store, db_url: str, **settings: object) -> RemovalDesk:
    return RemovalDesk(store, Settings(database_url=db_url, **settings))


def test_a_removed_articles_id_is_never_given_again(store, db_url):
    ids = [store.save_article(article(n))[0] for n in range(3)]
    desk = desk_of(store, db_url)
    receipt = desk.submit(request_for(article(2).url), client="192.0.2.1")
    assert desk.accept(receipt.public_id, actor="cli", reason="Theirs.").article_ids == [ids[-1]]
    new_id, created = store.save_article(article(3))
    assert created and new_id > ids[-1]
    with store.engine.connect() as conn:  # the proof of removal still names the removed article alone
        assert conn.execute(text("SELECT url FROM removed_items WHERE article_id = :a"),
                            {"a": ids[-1]}).scalar() == article(2).url


def test_a_deleted_storys_id_is_never_given_again(store):
    first, newest = store.create_story(), store.create_story()
    with store.session() as s:  # no code path deletes a story: an operator with a SQL shell could
        s.execute(delete(StoryRow).where(StoryRow.id == newest))
        s.commit()
    assert store.create_story() > newest > first


def test_a_removed_sources_id_is_never_given_again(store):
    store.add_source("https://one.example.com/feed.xml", interval=3600)
    newest = store.add_source("https://two.example.com/feed.xml", interval=3600)[0].id
    assert store.remove_source(newest)  # its pages, its feed's id and the removal records name it
    assert store.add_source("https://three.example.com/feed.xml", interval=3600)[0].id > newest


def test_a_deleted_removal_requests_id_is_never_given_again(store, db_url):
    desk = desk_of(store, db_url)
    desk.submit(request_for(article(1).url), client="192.0.2.1")
    with store.session() as s:  # a request is never deleted (its audit entries hold it): one without any
        now = utcnow()
        row = RemovalRequest(public_id="spare", name="x", email="x@example.com", relationship="owner",
                             reason="other", details="", good_faith=True, status="received", provisional=False,
                             received_at=now, client_hash="0" * 64)
        s.add(row)
        s.commit()
        deleted = row.id
        s.delete(row)
        s.commit()
    receipt = desk.submit(request_for(article(2).url), client="192.0.2.2")
    assert desk.get(receipt.public_id).id > deleted


def test_a_rejected_provisional_removal_puts_the_article_back_under_its_id(store, db_url):
    ids = [store.save_article(article(n))[0] for n in range(3)]
    desk = desk_of(store, db_url, removal_provisional=True)
    receipt = desk.submit(request_for(article(2).url), client="192.0.2.1")
    assert receipt.provisional and not store.article_exists(ids[-1])
    meanwhile, _ = store.save_article(article(3))  # SQLite gave it the quarantined article's id
    assert meanwhile > ids[-1]
    report = desk.reject(receipt.public_id, actor="cli", reason="Not theirs.")
    assert report.restored == [ids[-1]]
    by_id = {a.id: a.url for a in store.iter_articles()}
    assert by_id[ids[-1]] == article(2).url and by_id[meanwhile] == article(3).url
    # The id written back explicitly leaves PostgreSQL's sequence where it was: the next article neither
    # collides with it nor takes an id given before.
    later, created = store.save_article(article(4))
    assert created and later > meanwhile


def test_every_table_the_model_marks_autoincrement_is_so_in_the_migrated_store(store):
    if store.engine.dialect.name != "sqlite":
        pytest.skip("AUTOINCREMENT is SQLite's: PostgreSQL's sequences never give an id twice")
    with store.engine.connect() as conn:
        stored = {name: "AUTOINCREMENT" in sql.upper() for name, sql in conn.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'table'")}
    wanted = {t.name: bool(t.dialect_options["sqlite"]["autoincrement"]) for t in Base.metadata.sorted_tables}
    assert {"articles", "stories", "removal_requests", "sources"} <= {t for t, on in wanted.items() if on}
    assert {t: stored[t] for t in wanted} == wanted


def _snapshot(conn) -> dict[str, object]:  # noqa: ANN001
    """Every row of every table (the search index's own tables left out: read through queries), in id order,
    and every index and trigger as stored."""
    tables = [n for (n,) in conn.exec_driver_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name NOT LIKE 'articles_fts%' AND name NOT LIKE 'stories_fts%' AND name != 'alembic_version' "
        "ORDER BY name")]
    rows = {t: conn.exec_driver_sql(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    schema = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type != 'table' "
                                  "ORDER BY type, name").fetchall()
    return {"rows": rows, "schema": schema}


def _add_later_columns(store: Store) -> list[tuple[str, str | None]]:
    """Add the columns and tables that later revisions add (columns nullable, as they add them) to a store at an
    old revision, so that today's code can fill it; returns (table, column) of each, column None for a whole
    table, to be dropped before the store is migrated."""
    from sqlalchemy import inspect

    added: list[tuple[str, str | None]] = []
    existing = inspect(store.engine)
    with store.engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            if not existing.has_table(table.name):
                if not table.name.endswith("_fts"):
                    table.create(conn)
                    added.append((table.name, None))
                continue
            have = {c["name"] for c in existing.get_columns(table.name)}
            for column in table.columns:
                if column.name not in have:
                    kind = column.type.compile(dialect=store.engine.dialect)
                    conn.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}')
                    added.append((table.name, column.name))
    return added


def _search(conn, word: str) -> tuple[list[int], list[int]]:  # noqa: ANN001
    return ([r for (r,) in conn.exec_driver_sql("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? "
                                                "ORDER BY rowid", (word,))],
            [r for (r,) in conn.exec_driver_sql("SELECT rowid FROM stories_fts WHERE stories_fts MATCH ? "
                                                "ORDER BY rowid", (word,))])


def test_migration_0009_keeps_every_row_index_and_trigger_and_never_gives_a_removed_id_again(tmp_path):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from newsdesk.store.repository import AnalysisRecord
    from newsdesk.store.search import include_name
    from newsdesk.stories.engine import StoryEngine

    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    store.migrate("0008")  # a store made before this change, with rows deleted and ids recorded elsewhere
    later = _add_later_columns(store)  # so that today's code can fill it
    keep = store.add_source("https://keep.example.com/feed.xml", interval=3600)[0].id
    opted_out = store.add_source("https://optout.example.org/feed.xml", interval=3600)[0].id
    ids = [store.save_article(article(n), source_id=keep, source_name="Keep")[0] for n in range(5)]
    StoryEngine(store).process_pending()
    store.save_analyses([AnalysisRecord(ids[0], [{"name": "Harbour", "type": "place"}], [], "test")])
    story_ids = sorted({a.story_id for a in store.iter_articles()})
    desk = desk_of(store, url)
    accepted = desk.submit(request_for(article(4).url), client="192.0.2.1")  # the newest article: removed
    desk.accept(accepted.public_id, actor="cli", reason="Theirs.")
    provisional = desk_of(store, url, removal_provisional=True).submit(request_for(article(3).url), client="c")
    domain = RemovalSubmission(name="Ada", email="ada@example.com", relationship="owner", reason="other",
                               good_faith=True, domain="optout.example.org", details="Our domain.")
    desk.accept(desk.submit(domain, client="192.0.2.3").public_id, actor="cli", reason="Their domain.")
    assert store.remove_source(opted_out)  # recorded in the removal target only
    with store.session() as s:  # the newest story, emptied and deleted: recorded in removed_items only
        gone_story = max(story_ids)
        s.execute(text("UPDATE articles SET story_id = NULL WHERE story_id = :s"), {"s": gone_story})
        s.execute(text("UPDATE removed_items SET story_id = :s"), {"s": gone_story})
        s.execute(delete(StoryRow).where(StoryRow.id == gone_story))
        s.commit()
    with store.engine.begin() as conn:
        for table, column in later:
            conn.exec_driver_sql(f'DROP TABLE "{table}"' if column is None
                                 else f'ALTER TABLE "{table}" DROP COLUMN "{column}"')
    with store.engine.connect() as conn:
        before, found_before = _snapshot(conn), _search(conn, "harbour")
        assert found_before[0] == ids[:3]
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%'"
                                    ).scalar() == 0

    store.migrate("0009")

    with store.engine.connect() as conn:
        after = _snapshot(conn)
        assert after["rows"] == before["rows"]  # same rows, same ids, children of the copied tables untouched
        assert after["schema"] == before["schema"]  # every index and trigger, the search index's included
        assert _search(conn, "harbour") == found_before
        assert conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')") is not None
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1  # back on for the pool
        assert dict(conn.exec_driver_sql("SELECT name, seq FROM sqlite_sequence").fetchall()) == {
            "sources": opted_out, "removal_requests": 3, "stories": gone_story, "articles": ids[4]}
    store.migrate()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                Base.metadata) == []
    # Ids removed before the upgrade are not given again; the quarantined article comes back under its id.
    assert store.save_article(article(5))[0] == ids[4] + 1
    assert store.create_story() == gone_story + 1
    assert store.add_source("https://new.example.net/feed.xml", interval=3600)[0].id == opted_out + 1
    report = desk.reject(provisional.public_id, actor="cli", reason="Not theirs.")
    assert report.restored == [ids[3]]
    with store.engine.connect() as conn:  # the triggers work: new and restored text is searchable
        assert _search(conn, "harbour")[0] == [*ids[:4], ids[4] + 1]


def test_migration_0009_with_a_broken_key_changes_nothing_and_says_why(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    store.migrate("0008")
    _add_later_columns(store)
    aid, _ = store.save_article(article(1))
    with store.engine.connect() as conn:  # a row pointing nowhere (written with the keys off)
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        conn.exec_driver_sql("UPDATE articles SET story_id = 77 WHERE id = ?", (aid,))
        conn.commit()
        conn.exec_driver_sql("PRAGMA foreign_keys=ON")
        conn.commit()
    with pytest.raises(RuntimeError, match=r"1 rows point at rows that do not exist \(articles row 1 -> stories"):
        store.migrate()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0008"
        assert conn.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE sql LIKE '%AUTOINCREMENT%' "
                                    "OR name LIKE '_new_%'").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM articles").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
