"""One person under all their names across stories, and look-ups by any word of a name (migration 0013), on
SQLite and PostgreSQL. The stories' entity indexes are written here as dicts; no model runs."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import text

from newsdesk.keys import entity_key, name_key, utcnow
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.store.repository import MIGRATIONS, StoryAnalysis
from newsdesk.store.schema import Base
from newsdesk.store.search import include_name

pytestmark = pytest.mark.both_engines


def make_store(db_url: str) -> Store:
    store = Store(db_url)
    store.migrate()
    return store


def row(name: str, type_: str = "PERSON", mentions: int = 1) -> dict:
    return {"entity_key": entity_key(name, type_), "name_key": name_key(name), "name": name, "type": type_,
            "role": None, "mentions": mentions}


def story_naming(store: Store, *names: str) -> int:
    story = store.create_story()
    store.update_story(story, article_count=1, analysis=StoryAnalysis([], [], [row(n) for n in names]))
    return story


def story_ids(reader: Reader, key: str) -> list[int]:
    return [s.id for s in reader.entity_stories(key, limit=50).items]


def test_a_surname_alone_is_the_one_full_name_the_index_knows(db_url):
    store = make_store(db_url)
    reader = Reader(store)
    short = [story_naming(store, "Trump", "Ohio") for _ in range(2)]
    full = [story_naming(store, "Donald Trump") for _ in range(3)]
    both = story_naming(store, "Donald Trump", "Trump")  # never written by the aggregate, which merges them
    donald = reader.entity("person:trump")
    assert donald is not None and donald.key == "person:donald trump" and donald.name == "Donald Trump"
    assert donald.stories == 6 and set(donald.names) == {"Donald Trump", "Trump"}
    assert reader.entity("person:donald trump") == donald
    assert story_ids(reader, "person:donald trump") == sorted([*short, *full, both], reverse=True)
    assert story_ids(reader, "person:trump") == story_ids(reader, "person:donald trump")
    # Looking up any word of the name finds the person once, with all the stories.
    for query in ("trump", "TRUMP", "donald", "donald tr"):
        found = [(e.key, e.stories) for e in reader.find_entities(query)]
        assert found == [("person:donald trump", 6)], query


def test_two_full_names_sharing_the_word_leave_it_alone(db_url):
    store = make_store(db_url)
    reader = Reader(store)
    short = story_naming(store, "Trump")
    story_naming(store, "Donald Trump")
    ivanka = story_naming(store, "Ivanka Trump")
    assert reader.entity("person:trump").key == "person:trump"
    assert story_ids(reader, "person:trump") == [short]
    assert short not in story_ids(reader, "person:donald trump")
    assert story_ids(reader, "person:ivanka trump") == [ivanka]
    assert {e.key for e in reader.find_entities("trump")} == {"person:trump", "person:donald trump",
                                                             "person:ivanka trump"}


def test_an_initial_more_is_the_same_name_and_other_types_never_merge(db_url):
    store = make_store(db_url)
    reader = Reader(store)
    a = story_naming(store, "Donald J. Trump")
    b = story_naming(store, "Donald Trump")
    c = story_naming(store, "Trump")
    org = store.create_story()
    store.update_story(org, article_count=1, analysis=StoryAnalysis([], [], [row("Trump Organization", "ORG")]))
    donald = reader.entity("person:trump")
    assert donald.key in ("person:donald trump", "person:donald j. trump") and donald.stories == 3
    assert story_ids(reader, donald.key) == [c, b, a]
    assert reader.entity("org:trump organization").stories == 1
    assert {e.key for e in reader.find_entities("trump")} == {donald.key, "org:trump organization"}


def test_a_first_name_alone_joins_too_and_a_story_that_leaves_takes_its_words(db_url):
    store = make_store(db_url)
    reader = Reader(store)
    hillary = story_naming(store, "Hillary")
    full = story_naming(store, "Hillary Clinton")
    assert reader.entity("person:hillary").key == "person:hillary clinton"
    assert story_ids(reader, "person:hillary clinton") == [full, hillary]
    store.update_story(full, analysis=StoryAnalysis([], [], []))
    assert reader.entity("person:hillary").key == "person:hillary"
    assert reader.entity("person:hillary clinton") is None
    assert [e.key for e in reader.find_entities("clinton")] == []
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM story_entity_words WHERE story_id = :s"),
                            {"s": full}).scalar() == 0


def test_migration_0013_indexes_the_words_of_entities_stored_before_it(db_url):
    store = Store(db_url)
    store.migrate("0012")
    now = utcnow()
    with store.engine.begin() as conn:
        conn.execute(text("INSERT INTO stories (id, brief, statements, entities, created_at, updated_at, "
                          "article_count, sources_count, independent_sources_count) VALUES "
                          "(1, '[]', '[]', '[]', :now, :now, 1, 1, 1)"), {"now": now})
        conn.execute(text("INSERT INTO story_entities (story_id, entity_key, name_key, name, type, mentions) "
                          "VALUES (1, 'person:kim jong un', 'kim jong un', 'Kim Jong Un', 'PERSON', 3)"))
    store.migrate()
    reader = Reader(store)
    assert [e.key for e in reader.find_entities("jong")] == ["person:kim jong un"]
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    store.migrate()
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                Base.metadata) == []
    assert [e.key for e in reader.find_entities("un")] == ["person:kim jong un"]
