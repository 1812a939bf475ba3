"""What one search may cost, on both engines: queries past the cost limits are refused before they run (with a
message naming the limit and how to narrow the query), and a search past its time limit is stopped by the engine
itself (SQLite's progress handler, PostgreSQL's statement_timeout) and raises TimeBudgetError promptly.

The store is 2,000 articles of generated text (tests/searchstore.py), where `a* OR b* OR ... OR z*` reads the
whole index: ~2.5 s on SQLite, ~0.6 s on PostgreSQL (30k articles: 19 s on SQLite on this machine)."""

from __future__ import annotations

import string
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import searchstore  # noqa: E402
from pg import new_database  # noqa: E402

from newsdesk.errors import TimeBudgetError  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.store.search import (  # noqa: E402
    Any_,
    ParsedQuery,
    QuerySyntaxError,
    QueryTooCostly,
    Term,
    parse_query,
    search_stories,
)

pytestmark = pytest.mark.both_engines

ALPHABET_PREFIXES = " OR ".join(f"{c}*" for c in string.ascii_lowercase)  # 152 characters, the query
# The count of articles matching that query, straight on SQLite's connection (runs only without a handler).
ALPHABET_QUERY_SQL = ("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH '"
                      + " OR ".join(f'"{c}"*' for c in string.ascii_lowercase) + "'")


@pytest.fixture(scope="module")
def big(request: pytest.FixtureRequest, engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(new_database(request, engine, tmp_path_factory.mktemp("search-cost")))
    store.migrate()
    searchstore.fill(store, 2000)
    yield store
    store.close()


def test_the_alphabet_of_prefixes_is_refused_before_it_runs(big):
    assert len(ALPHABET_PREFIXES) == 152
    started = time.perf_counter()
    with pytest.raises(QueryTooCostly, match="too costly") as refused:
        with big.engine.connect() as conn:
            search_stories(conn, parse_query(ALPHABET_PREFIXES))
    assert time.perf_counter() - started < 0.1
    assert "a*" in str(refused.value) and "at least 3 letters or digits" in str(refused.value)
    # A refusal is a mistake in the query like any other (the web answers 400 with the message).
    assert isinstance(refused.value, QuerySyntaxError)


@pytest.mark.parametrize(("query", "message"), [
    ("a*", "a prefix needs at least 3 letters or digits before the *"),
    ("x-r*", "'r'"),  # the prefix is the last word's: "x-r*" looks for "x" then words starting with "r"
    ("abc* abd* abe* abf* abg*", "5 prefix terms (word*), at most 4"),
    (" OR ".join(f"word{i}" for i in range(9)), "joins 9 alternatives with OR, at most 8"),
    ("(a OR b OR c OR d OR e) (f OR g OR h OR i)", "joins 9 alternatives with OR"),
    (" ".join(f"w{i}" for i in range(33)), "33 words (each word of a phrase counts), at most 32"),
    ('"' + " ".join(f"w{i}" for i in range(31)) + '" two more', "33 words"),
    ("(" * 9 + "quake" + ")" * 9, "nests parentheses deeper than 8 levels"),
])
def test_each_limit_names_itself_and_how_to_narrow_the_query(query, message):
    with pytest.raises(QueryTooCostly, match="too costly") as refused:
        parse_query(query)
    assert message in str(refused.value)


@pytest.mark.parametrize("query", [
    "abc* abd* abe* abf*", " OR ".join(f"word{i}" for i in range(8)), " ".join(f"w{i}" for i in range(32)),
    "(" * 8 + "quake" + ")" * 8, "Veld*", "x-ray*", "(earthquake OR flood) -river",
])
def test_queries_within_the_limits_are_read(query):
    assert parse_query(query)


def test_a_search_past_its_time_limit_is_stopped_by_the_engine_promptly(big):
    # The alphabet of prefixes, built past the parser's limits: the time limit holds whatever reaches the engine.
    costly = ParsedQuery(Any_(tuple(Term(c, prefix=True) for c in string.ascii_lowercase)))
    # The limit is a quarter of what the query takes unlimited on this machine (warm, best of two), so the test
    # holds on a fast machine too (PostgreSQL ran it in under 0.2 s on one).
    unlimited = []
    for _ in range(2):
        started = time.perf_counter()
        with big.engine.connect() as conn:
            search_stories(conn, costly)
        unlimited.append(time.perf_counter() - started)
    limit = round(min(0.2, min(unlimited) / 4), 3)
    assert limit >= 0.005, f"the costly query ran in {min(unlimited):.3f} s: too fast to show a limit stopping it"
    started = time.perf_counter()
    with pytest.raises(TimeBudgetError, match=f"time limit of {limit:g} s") as stopped:
        with big.engine.connect() as conn:
            search_stories(conn, costly, time_limit=limit)
    took = time.perf_counter() - started
    assert took < limit + 0.6, took
    # Stopped inside the ranking query by the engine, not by a check after it had run to its end.
    assert isinstance(stopped.value.__cause__, DBAPIError)
    # The pool's connection is whole afterwards (SQLite: the handler is gone; PostgreSQL: the timeout ended with
    # the search's transaction), and a normal search within the limit is answered.
    with big.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            assert conn.exec_driver_sql("SHOW statement_timeout").scalar() == "0"
        else:
            assert conn.connection.dbapi_connection.execute(ALPHABET_QUERY_SQL).fetchone()[0] > 1000
    with big.engine.connect() as conn:
        hits, _ = search_stories(conn, parse_query("pra* OR quo*"), time_limit=5)
    assert hits


def test_no_time_limit_changes_nothing(big):
    with big.engine.connect() as conn:
        limited, _ = search_stories(conn, parse_query("pra* OR quo* OR sto*"), time_limit=5)
    with big.engine.connect() as conn:
        unlimited, _ = search_stories(conn, parse_query("pra* OR quo* OR sto*"))
    assert [(h.story_id, h.article_id, h.snippet) for h in limited] == [
        (h.story_id, h.article_id, h.snippet) for h in unlimited]
