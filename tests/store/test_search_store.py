"""Full-text search in the store on both engines (SQLite FTS5, PostgreSQL tsvector): the same query language,
the same answers for the same stored text, hostile terms that stay data, the index kept by triggers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.search import parse_query, search_stories, tsquery_sql

pytestmark = pytest.mark.both_engines

ARTICLES = {
    "quake": ("Rescuers search rubble after Veldoria earthquake",
              "Rescue teams worked through the night in Veldoria after the earthquake. A state of emergency was "
              "declared by the governor, who said the x-ray machines of the hospital still worked."),
    "flood": ("Marrask river floods farmland",
              "The river burst its banks near Marrask. Farmers said the flood destroyed the harvest."),
    "odd": ("Quotes 'and' backslashes \\ in O'Brien's text",
            "O'Brien said: it's a 50% chance & a :* sign | a ! mark <-> too; $$ dollar quotes $$ stay text."),
}


def fill(store: Store) -> dict[str, int]:
    """One story per article, as the story engine would leave them (headline and a one-sentence brief)."""
    stories = {}
    for key, (title, body) in ARTICLES.items():
        aid, _ = store.save_article(Article(url=f"https://a.example/{key}", title=title, text=body, language="en",
                                            published=datetime(2025, 9, 1, tzinfo=UTC)))
        sid = store.create_story()
        store.assign_story(aid, sid, duplicate_of=None, minhash=None, joined_at=utcnow())
        store.update_story(sid, headline=title, article_count=1, sources_count=1, independent_sources_count=1,
                           brief=[{"text": body.split(". ")[0] + ".", "citations": [{"article_id": aid}]}])
        stories[key] = sid
    return stories


def found(store: Store, query: str) -> set[int]:
    with store.engine.connect() as conn:
        hits, _ = search_stories(conn, parse_query(query))
    return {h.story_id for h in hits}


def test_the_query_language_means_the_same_on_both_engines(store):
    s = fill(store)
    assert found(store, "earthquake") == {s["quake"]}
    assert found(store, "rescuers") == {s["quake"]}  # stemmed: finds "rescue" and "Rescuers"
    assert found(store, '"state of emergency"') == {s["quake"]}
    assert found(store, '"emergency state"') == set()  # a phrase keeps its order
    assert found(store, "Veld*") == {s["quake"]}
    assert found(store, "farm*") == {s["flood"]}
    assert found(store, "earthquake OR flood") == {s["quake"], s["flood"]}
    assert found(store, "river -Marrask") == set()
    assert found(store, "(earthquake OR river) NOT farmland") == {s["quake"]}
    assert found(store, "x-ray") == {s["quake"]}
    assert found(store, "zzzyzzx") == set()


@pytest.mark.parametrize("query", ["O'Brien", "'and'", "\\", "50%", "&", ":*", "|", "!", "<->", "$$ dollar",
                                   "it's", "O'Brien*", "'; DROP TABLE articles; --", '"a :* sign"',
                                   "quotes' & 'backslashes", "%(t0)s", ":t0"])
def test_hostile_terms_are_data_not_syntax(store, query):
    s = fill(store)
    hits = found(store, query) if any(ch.isalnum() for ch in query) else None
    assert hits is None or hits <= {s["odd"]}
    assert store.count_articles() == 3


def test_every_term_is_a_bound_parameter():
    sql, params = tsquery_sql(parse_query("O'Brien* \"state of\" -x OR ';--a").tree)
    assert "Brien" not in sql and "state" not in sql and ";--" not in sql
    assert params == {"t0": "O'Brien", "t1": "state of", "t2": "x", "t3": "';--a"}


def test_a_query_of_stop_words_alone_finds_nothing_and_does_not_fail(store):
    fill(store)
    found(store, "the")  # PostgreSQL drops English stop words; an empty tsquery matches nothing
    assert found(store, "the earthquake") >= found(store, "earthquake")


def test_snippets_mark_the_match_and_escape_the_text(store):
    s = fill(store)
    with store.engine.connect() as conn:
        (hit,) = search_stories(conn, parse_query("O'Brien"))[0]
        assert hit.story_id == s["odd"]
        assert "<mark>" in hit.snippet and "Brien" in hit.snippet
        hits, _ = search_stories(conn, parse_query("dollar"))
    assert hits and "<mark>dollar</mark>" in hits[0].snippet
    assert "&lt;-&gt;" in hits[0].snippet and "&amp;" in hits[0].snippet and "<-" not in hits[0].snippet


def test_titles_weigh_more_than_text(store):
    title, _ = store.save_article(Article(url="https://b.example/1", title="Glacier retreat", text="A report."))
    body, _ = store.save_article(Article(url="https://b.example/2", title="A report",
                                         text="Scientists measured the glacier again this summer."))
    for aid in (title, body):
        store.assign_story(aid, store.create_story(), duplicate_of=None, minhash=None, joined_at=utcnow())
    with store.engine.connect() as conn:
        hits, _ = search_stories(conn, parse_query("glacier"), outlet=None, language=None, source_id=None)
    by_article = {h.article_id: h.score for h in hits}
    assert by_article[title] < by_article[body]  # lower is better on both engines


def test_the_index_follows_edits_and_deletions_but_not_story_moves(store):
    s = fill(store)
    (aid,) = [a.id for a in store.iter_articles() if a.url.endswith("/flood")]
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE articles SET title = 'Tornado in Marrask' WHERE id = :i"), {"i": aid})
    assert s["flood"] in found(store, "tornado")
    if store.engine.dialect.name == "postgresql":
        # Joining another story updates the article row, not its index row (the trigger watches title and text).
        with store.engine.connect() as conn:
            before = conn.execute(text("SELECT xmin::text FROM articles_fts WHERE id = :i"), {"i": aid}).scalar()
        store.assign_story(aid, s["quake"], duplicate_of=None, minhash=None, joined_at=utcnow())
        with store.engine.connect() as conn:
            after = conn.execute(text("SELECT xmin::text FROM articles_fts WHERE id = :i"), {"i": aid}).scalar()
        assert before == after
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM article_analysis WHERE article_id = :i"), {"i": aid})
        conn.execute(text("DELETE FROM articles WHERE id = :i"), {"i": aid})
        assert conn.execute(text("SELECT count(*) FROM articles_fts")).scalar() == 2
    assert found(store, "tornado") == set()
