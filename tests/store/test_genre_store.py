"""An article's genre (opinion, round-up, reporting) is stored with it and read back on both engines; migration
0011 adds the column and reads the genre of the articles stored before it from their URLs and titles."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.store.repository import MIGRATIONS
from newsdesk.store.schema import ArticleRow, Base
from newsdesk.store.search import include_name

pytestmark = pytest.mark.both_engines


def piece(n: int, genre: str | None, title: str = "Ferry terminal to close") -> Article:
    return Article(url=f"https://river.example/{n}", title=f"{title} {n}", genre=genre,
                   text=f"The council voted to close the ferry terminal, piece number {n * 7919} said.")


def test_the_genre_is_stored_and_read_back(store):
    ids = {genre: store.save_article(piece(n, genre))[0] for n, genre in enumerate(("opinion", "roundup", None))}
    stored = {a.id: a for a in store.iter_articles()}
    assert {genre: stored[i].genre for genre, i in ids.items()} == {"opinion": "opinion", "roundup": "roundup",
                                                                     None: None}
    assert stored[ids["opinion"]].to_contract()["genre"] == "opinion"  # `newsdesk export`
    assert Reader(store).article(ids["roundup"])["genre"] == "roundup"  # the API's article
    assert {a.id: a.genre for a in Reader(store).articles().items} == {i: genre for genre, i in ids.items()}


def test_a_rejected_provisional_removal_puts_the_genre_back(store, db_url):
    aid, _ = store.save_article(piece(1, "opinion"))
    desk = RemovalDesk(store, Settings(database_url=db_url, removal_provisional=True))
    receipt = desk.submit(RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="owner",
                                            reason="copyright", good_faith=True, urls=[piece(1, None).url],
                                            details="We own this column."), client="192.0.2.1")
    assert not store.article_exists(aid)
    assert desk.reject(receipt.public_id, actor="cli", reason="Not theirs.").restored == [aid]
    assert [a.genre for a in store.iter_articles()] == ["opinion"]


def test_an_unknown_genre_is_refused_before_anything_is_written(store):
    with pytest.raises(ValueError, match="unknown genre 'satire'"):
        store.save_article(piece(1, "satire"))
    assert list(store.iter_articles()) == []


def test_migration_0011_reads_the_genre_of_stored_articles_and_goes_down_and_up(db_url):
    store = Store(db_url)
    store.migrate("0010")
    now = utcnow()
    rows = [("https://river.example/opinion/2025/the-ferry-deserves-better", "The ferry deserves better"),
            ("https://river.example/markets/2025/wrap", "Markets wrap: stocks slip on ferry news"),
            ("https://river.example/news/opinion-poll-ferry", "Opinion poll: keep the ferry"),
            ("https://river.example/news/ferry", None)]
    with store.engine.begin() as conn:  # articles as the store wrote them before: no genre column
        for n, (url, title) in enumerate(rows, 1):
            conn.execute(text("INSERT INTO articles (url, canonical_url, title, text, authors, fetched, "
                              "content_hash) VALUES (:url, :url, :title, :text, '[]', :now, :hash)"),
                         {"url": url, "title": title, "text": f"Body {n}", "now": now, "hash": f"h{n}"})
    store.migrate()
    with store.engine.connect() as conn:
        assert conn.execute(select(ArticleRow.genre).order_by(ArticleRow.id)).scalars().all() == [
            "opinion", "roundup", None, None]
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                Base.metadata) == []
        triggers = _triggers(conn)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0010")
    assert "genre" not in {c["name"] for c in inspect(store.engine).get_columns("articles")}
    store.migrate()
    with store.engine.connect() as conn:
        assert _triggers(conn) == triggers  # dropped in place: the full-text index's triggers stay
        assert conn.execute(select(ArticleRow.genre).where(ArticleRow.url == rows[0][0])).scalar() == "opinion"
    assert store.save_article(piece(9, "opinion"))[1]


def _triggers(conn) -> set[str]:  # noqa: ANN001
    if conn.dialect.name == "sqlite":
        return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    return {r[0] for r in conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}
