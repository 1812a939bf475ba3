"""Storage of analyses (migration 0005): rows written once, borrowed analyses, the entity index, the migration
down and up again. On SQLite and PostgreSQL; the analyses here are dicts written for the tests, no model runs."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.store.repository import MIGRATIONS, AnalysisRecord, StoryAnalysis, StoryJoin
from newsdesk.store.schema import Base, StoryRow
from newsdesk.store.search import include_name

GUO = {"name": "Guo Jiakun", "type": "PERSON", "mentions": 1, "role": "spokesperson"}
SAID = {"speaker": "Guo Jiakun", "speaker_role": "spokesperson", "text": "The visit matters", "verb": "say",
        "kind": "official", "status": "claim", "start": 1, "end": 18, "quote": True}
HEDGE = "Analysts said the talks in Doha could collapse within days if neither side offers a new ceasefire plan."
GUESS = {**SAID, "speaker": "Analysts", "text": "the talks in Doha could collapse within days if neither side offers a "
         "new ceasefire plan", "status": "speculation", "quote": False}


pytestmark = pytest.mark.both_engines


def make_store(db_url: str) -> Store:
    store = Store(db_url)
    store.migrate()
    return store


def search_triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        return {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    return {r[0] for r in conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))}


def add(store: Store, n: int, body: str | None = None) -> int:
    article_id, _ = store.save_article(Article(url=f"https://a.example/{n}", title=f"Title {n}",
                                               text=body or f"Body number {n} of the test."))
    return article_id


def rows(store: Store) -> list[tuple]:
    with store.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT article_id, derived_from, CASE WHEN entities IS NULL THEN 1 ELSE 0 END, error "
            "FROM article_analysis ORDER BY article_id"))]


def test_pending_lists_originals_before_copies_and_saving_is_idempotent(db_url):
    store = make_store(db_url)
    first = add(store, 1, "Same body.")
    copy = add(store, 2, "Same body.")  # an exact copy: stored with duplicate_of
    other = add(store, 3)
    assert [a.id for a in store.pending_analysis(10)] == [first, other, copy]
    assert [a.id for a in store.pending_analysis(10, after=(0, first))] == [other, copy]
    assert [a.id for a in store.pending_analysis(10, after=(1, 0))] == [copy]

    records = [AnalysisRecord(first, [GUO], [SAID], "test/1"), AnalysisRecord(copy, None, None, "test/1",
                                                                              derived_from=first)]
    store.save_analyses(records)
    store.save_analyses(records)  # a second writer with the same work: nothing is duplicated
    assert rows(store) == [(first, None, 0, None), (copy, first, 1, None)]
    assert [a.id for a in store.pending_analysis(10)] == [other]
    # A borrowed analysis reads as its origin's data.
    got = store.analyses([copy])[copy]
    assert got.derived_from == first and got.entities == [GUO] and got.statements == [SAID]


def test_analyses_an_older_analyser_made_are_listed_after_and_replaced(db_url):
    store = make_store(db_url)
    first = add(store, 1, "Same body.")
    copy = add(store, 2, "Same body.")
    other = add(store, 3)
    store.save_analyses([AnalysisRecord(first, [GUO], [], "test/1"),
                         AnalysisRecord(copy, None, None, "test/1", derived_from=first),
                         AnalysisRecord(other, [], [], "test/2")])
    assert store.pending_analysis(10) == []  # nothing new
    # Under analyser test/2: the two that test/1 made, originals first, then the copy, resumable like the rest.
    assert [a.id for a in store.pending_analysis(10, outdated_for="test/2")] == [first, copy]
    assert [a.id for a in store.pending_analysis(10, outdated_for="test/2", after=(0, first))] == [copy]
    store.save_analyses([AnalysisRecord(first, [], [SAID], "test/2"),
                         AnalysisRecord(other, [GUO], [SAID], "test/2")])  # `other` is current: left alone
    got = store.analyses([first, copy, other])
    assert (got[first].analyzer, got[first].entities, got[first].statements) == ("test/2", [], [SAID])
    assert got[copy].statements == [SAID]  # a borrowed analysis reads its origin's new one
    assert got[other].entities == []
    assert [a.id for a in store.pending_analysis(10, outdated_for="test/2")] == [copy]
    assert rows(store) == [(first, None, 0, None), (copy, first, 1, None), (other, None, 0, None)]


def test_rows_of_articles_gone_meanwhile_are_skipped_and_cascade_with_their_article(db_url):
    store = make_store(db_url)
    first = add(store, 1, "Same body.")
    copy = add(store, 2, "Same body.")
    store.save_analyses([AnalysisRecord(999, [], [], "test/1"),  # removed meanwhile: skipped, no FK error
                         AnalysisRecord(copy, None, None, "test/1", derived_from=998)])
    assert rows(store) == []
    store.save_analyses([AnalysisRecord(first, [GUO], [SAID], "test/1"),
                         AnalysisRecord(copy, None, None, "test/1", derived_from=first)])
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": first})
    assert rows(store) == []  # its own row and the copy's borrowed one: analysed again from the copy's text


def test_story_analysis_is_replaced_whole_and_indexed_by_entity(db_url):
    store = make_store(db_url)
    story = store.create_story()
    index = [{"entity_key": "person:guo jiakun", "name_key": "guo jiakun", "name": "Guo Jiakun", "type": "PERSON",
              "role": "spokesperson", "mentions": 2},
             {"entity_key": "gpe:beijing", "name_key": "beijing", "name": "Beijing", "type": "GPE", "role": None,
              "mentions": 1}]
    reader = Reader(store)
    version = reader.data_version()
    store.update_story(story, article_count=1, analysis=StoryAnalysis([GUO], [SAID], index))
    assert reader.data_version() != version
    assert store.get_story(story).statements == [SAID]
    assert [e.key for e in reader.find_entities("BEI")] == ["gpe:beijing"]
    store.update_story(story, analysis=StoryAnalysis([], [], index[:1]))
    assert reader.find_entities("bei") == [] and reader.entity("gpe:beijing") is None
    assert reader.entity("person:guo jiakun").mentions == 2
    store.update_story(story, analysis=StoryAnalysis([], [], []))
    assert reader.entity("person:guo jiakun") is None


def test_migration_0005_goes_down_and_up_and_keeps_the_story_search_triggers(db_url):
    store = make_store(db_url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")
    assert "article_analysis" not in inspect(store.engine).get_table_names()
    assert "entities" not in {c["name"] for c in inspect(store.engine).get_columns("stories")}
    store.migrate()
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata)
        assert diff == []
        triggers = search_triggers(conn)
    if store.engine.dialect.name == "sqlite":
        assert {"stories_fts_ai", "stories_fts_au", "stories_fts_ad"} <= triggers
    else:
        assert {"stories_fts_sync", "articles_fts_sync", "removal_audit_no_change"} <= triggers
    story = store.create_story()
    assert store.get_story(story).entities == [] and store.get_story(story).statements == []


def brief_status(store: Store, story: int) -> list[str | None]:
    return [b.get("status") for b in Reader(store).story(story).story.brief]


def test_each_brief_sentence_keeps_its_status_whatever_writes_the_brief_or_the_statements(db_url):
    """A brief sentence that carries speculation (or a denial) says so from the store: written with the brief
    and its statements together, when the statements change later (an analysis saved), and when the brief does."""
    store = make_store(db_url)
    story = store.create_story()
    article = add(store, 1, HEDGE)
    brief = [{"text": HEDGE, "citations": [{"article_id": article, "url": "https://a.example/1"}]},
             {"text": "The talks resume on Monday in Doha, the mediators said in a short statement.", "citations": []}]
    store.join_story(story, [StoryJoin(article, None, None, None)], [article], brief=brief, article_count=1,
                     analysis=StoryAnalysis([], [GUESS], []))
    assert brief_status(store, story) == ["speculation", None]
    store.update_story(story, analysis=StoryAnalysis([], [SAID], []))
    assert brief_status(store, story) == [None, None]
    denied = {**GUESS, "status": "denial"}
    assert store.save_analyses([AnalysisRecord(article, [], [denied], "test/1")],
                               aggregate=lambda members, analyses: StoryAnalysis([], [denied], [])) == [story]
    assert brief_status(store, story) == ["denial", None]
    store.update_story(story, brief=brief[::-1])
    assert brief_status(store, story) == [None, "denial"]
    assert store.get_story(story).brief[0] == brief[1]  # a sentence without a status has no key for it


def test_migration_0010_stores_the_status_of_the_briefs_stored_before_it(db_url):
    store = Store(db_url)
    store.migrate("0009")
    now = utcnow()
    with store.engine.begin() as conn:  # two stories as the store wrote them before: no status in the brief
        conn.execute(StoryRow.__table__.insert(), [
            {"id": i, "brief": [{"text": HEDGE, "citations": []}], "statements": [statement], "entities": [],
             "created_at": now, "updated_at": now, "article_count": 1, "sources_count": 1,
             "independent_sources_count": 1} for i, statement in ((1, GUESS), (2, SAID))])
    store.migrate()
    assert store.get_story(1).brief == [{"text": HEDGE, "citations": [], "status": "speculation"}]
    assert store.get_story(2).brief == [{"text": HEDGE, "citations": []}]
