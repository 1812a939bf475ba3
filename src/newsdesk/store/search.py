"""Full-text search behind one set of functions (`install`, `parse_query`, `search_stories`, `purge_deleted`),
with an implementation per engine: SQLite's FTS5 and PostgreSQL's own text search. The only engine-specific
module of the store.

SQLite: two FTS5 indexes, kept in step by triggers so that no writer has to know about them:

- `articles_fts(title, text)`: external content over `articles` (the text is stored once), reindexed only
  when an article's title or text changes (joining a story does not touch it);
- `stories_fts(headline, brief)`: its own copy of each story's headline and the plain text of its brief
  sentences (the brief is JSON in `stories`), rewritten when the headline or brief changes.

PostgreSQL (migration 0006): the same two names are side tables `articles_fts(id, vector)` and
`stories_fts(id, vector)` holding a weighted tsvector (title or headline weight A, text or brief weight B) with a
GIN index, written by triggers on the same columns and deleted with their row (foreign key cascade). Side tables,
not a column of `articles`: a story assignment updates an article row, and a tsvector in that row would be
copied and reindexed on every such update. Ranking is ts_rank_cd, snippets come from ts_headline.

Users never write FTS5 or tsquery syntax: `parse_query` reads a small, forgiving language (words, "phrases",
prefix*, OR, NOT/-word, parentheses), reports mistakes as `QuerySyntaxError` with the position, and returns a
`ParsedQuery`: the FTS5 expression (every term a quoted string, so no user input reaches the FTS5 parser
unquoted) that also carries the parsed tree, from which the PostgreSQL tsquery is built with every term a bound
parameter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, TextClause, text
from sqlalchemy.exc import DBAPIError

from newsdesk.errors import NewsdeskError, TimeBudgetError
from newsdesk.timebudget import Deadline, check_deadline, deadline

__all__ = [
    "ParsedQuery",
    "QuerySyntaxError",
    "QueryTooCostly",
    "SearchHit",
    "include_name",
    "install",
    "is_search_table",
    "is_supported",
    "parse_query",
    "purge_deleted",
    "search_stories",
    "tsquery_sql",
    "uninstall",
]

TOKENIZER = "porter unicode61 remove_diacritics 2"
_MARK_ON, _MARK_OFF = "\x02", "\x03"  # snippet markers: control characters no publisher text keeps
_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS articles_fts USING fts5(title, text, content='articles', "
    f"content_rowid='id', tokenize='{TOKENIZER}')",
    f"CREATE VIRTUAL TABLE IF NOT EXISTS stories_fts USING fts5(headline, brief, tokenize='{TOKENIZER}')",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_ai AFTER INSERT ON articles BEGIN
         INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_ad AFTER DELETE ON articles BEGIN
         INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS articles_fts_au AFTER UPDATE OF title, text ON articles BEGIN
         INSERT INTO articles_fts(articles_fts, rowid, title, text) VALUES ('delete', old.id, old.title, old.text);
         INSERT INTO articles_fts(rowid, title, text) VALUES (new.id, new.title, new.text);
       END""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_ai AFTER INSERT ON stories BEGIN
         INSERT INTO stories_fts(rowid, headline, brief) VALUES (new.id, new.headline,
           (SELECT group_concat(json_extract(value, '$.text'), ' ') FROM json_each(new.brief)));
       END""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_ad AFTER DELETE ON stories BEGIN
         DELETE FROM stories_fts WHERE rowid = old.id;
       END""",
    """CREATE TRIGGER IF NOT EXISTS stories_fts_au AFTER UPDATE OF headline, brief ON stories BEGIN
         DELETE FROM stories_fts WHERE rowid = old.id;
         INSERT INTO stories_fts(rowid, headline, brief) VALUES (new.id, new.headline,
           (SELECT group_concat(json_extract(value, '$.text'), ' ') FROM json_each(new.brief)));
       END""",
]


SEARCH_TABLES = ("articles_fts", "stories_fts")


def is_search_table(name: str | None) -> bool:
    """The FTS5 tables and their shadow tables: kept out of the model schema (and of autogenerate)."""
    return bool(name) and any(name == t or name.startswith(t + "_") for t in SEARCH_TABLES)


# Indexes that one engine has beside the model's (migrations 0006 and 0013: PostgreSQL's C-collation name and
# name-word indexes).
ENGINE_INDEXES = ("ix_story_entities_name_key_c", "ix_story_entity_words_word_c")


def include_name(name: str | None, type_: str, _parent: Any) -> bool:
    """Alembic's include_name hook: compare everything but the search tables and the engine-only indexes."""
    if type_ == "index" and name in ENGINE_INDEXES:
        return False
    return not (type_ == "table" and is_search_table(name))


# PostgreSQL: the text search configuration is named in every call, so that nothing depends on the server's
# default_text_search_config. English stemming, as SQLite's porter tokenizer.
PG_CONFIG = "english"
_PG_ARTICLE_VECTOR = (f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.title, '')), 'A') || "
                      f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.text, '')), 'B')")
# The plain text of a brief: its sentences' `text`, in order (the brief is JSON; anything but a list is empty).
_PG_BRIEF_TEXT = ("(SELECT string_agg(e ->> 'text', ' ') FROM json_array_elements(CASE WHEN json_typeof({t}.brief) "
                  "= 'array' THEN {t}.brief ELSE '[]'::json END) AS e)")
_PG_STORY_VECTOR = (f"setweight(to_tsvector('{PG_CONFIG}', coalesce({{t}}.headline, '')), 'A') || "
                    f"setweight(to_tsvector('{PG_CONFIG}', coalesce({_PG_BRIEF_TEXT}, '')), 'B')")
# Each PostgreSQL index: its side table, the table it indexes, that row's weighted tsvector, and the columns
# whose change reindexes a row (only those: joining a story, story_id or minhash, does not reindex an article).
_PG_INDEXES = (("articles_fts", "articles", _PG_ARTICLE_VECTOR, "title, text"),
               ("stories_fts", "stories", _PG_STORY_VECTOR, "headline, brief"))


def _pg_ddl(fts: str, table: str, vector: str, columns: str) -> list[str]:
    return [
        # ON DELETE CASCADE: a deleted article or story (a removal) takes its index row with it, in its transaction.
        f"""CREATE TABLE IF NOT EXISTS {fts} (
             id integer PRIMARY KEY REFERENCES {table} (id) ON DELETE CASCADE,
             vector tsvector NOT NULL)""",
        f"CREATE INDEX IF NOT EXISTS {fts}_vector ON {fts} USING gin (vector)",
        f"""CREATE OR REPLACE FUNCTION {fts}_sync() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
              INSERT INTO {fts} (id, vector) VALUES (NEW.id, {vector.format(t="NEW")})
              ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector;
              RETURN NULL;
            END $$""",
        f"DROP TRIGGER IF EXISTS {fts}_sync ON {table}",
        f"""CREATE TRIGGER {fts}_sync AFTER INSERT OR UPDATE OF {columns} ON {table}
           FOR EACH ROW EXECUTE FUNCTION {fts}_sync()""",
    ]


def is_supported(conn: Connection) -> bool:
    return conn.dialect.name in ("sqlite", "postgresql")


def install(conn: Connection) -> None:
    """Create the indexes and triggers and index what is stored already (migration 0003 on SQLite, 0006 on
    PostgreSQL). Idempotent: running it again rebuilds the index from the tables."""
    if conn.dialect.name == "postgresql":
        for fts, table, vector, columns in _PG_INDEXES:
            for statement in _pg_ddl(fts, table, vector, columns):
                conn.exec_driver_sql(statement)
            conn.exec_driver_sql(f"INSERT INTO {fts} (id, vector) SELECT r.id, {vector.format(t='r')} FROM {table} "
                                 "AS r ON CONFLICT (id) DO UPDATE SET vector = EXCLUDED.vector")
        return
    if conn.dialect.name != "sqlite":
        return
    for statement in _DDL:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql("INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')")
    conn.exec_driver_sql("DELETE FROM stories_fts")
    conn.exec_driver_sql(
        "INSERT INTO stories_fts(rowid, headline, brief) SELECT id, headline, "
        "(SELECT group_concat(json_extract(value, '$.text'), ' ') FROM json_each(stories.brief)) FROM stories"
    )


def uninstall(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        for fts, table, _vector, _columns in _PG_INDEXES:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {fts}_sync ON {table}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {fts}_sync()")
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS {fts}")
        return
    if conn.dialect.name != "sqlite":
        return
    for name in ("articles_fts_ai", "articles_fts_ad", "articles_fts_au", "stories_fts_ai", "stories_fts_ad",
                 "stories_fts_au"):
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    conn.exec_driver_sql("DROP TABLE IF EXISTS articles_fts")
    conn.exec_driver_sql("DROP TABLE IF EXISTS stories_fts")


def purge_deleted(conn: Connection) -> None:
    """Merge each index into one segment, so that the terms of deleted rows (FTS5 only marks them deleted in
    older segments) are gone from the file, not just unreachable (removal requests). Costs a rewrite of
    the index; SQLite 3.42's secure-delete option would make it per row.

    PostgreSQL: nothing to do in the transaction. A deleted article's index row goes with it (cascade) and no
    query can reach it after the commit; the dead row versions, in the tables and the GIN index alike, are
    reclaimed by (auto)vacuum, as for every other deleted row."""
    if conn.dialect.name != "sqlite":
        return
    for table in SEARCH_TABLES:
        conn.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('optimize')")


# ---- the query language ------------------------------------------------------------------------------


class QuerySyntaxError(NewsdeskError, ValueError):
    """A user's query that cannot be read; the message says what and where (1-based character position)."""

    reason = "query_syntax"


@dataclass
class _Tok:
    kind: str  # word, phrase, or, and, not, minus, lparen, rparen
    value: str
    pos: int


_WORD_CHARS = re.compile(r"[^\s\"()]+")


def _tokens(query: str) -> list[_Tok]:
    out: list[_Tok] = []
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == '"':
            end = query.find('"', i + 1)
            if end < 0:
                raise QuerySyntaxError(f'unclosed quotation mark at position {i + 1}: close the phrase with "')
            out.append(_Tok("phrase", query[i + 1:end], i + 1))
            i = end + 1
        elif c == "(":
            out.append(_Tok("lparen", c, i + 1))
            i += 1
        elif c == ")":
            out.append(_Tok("rparen", c, i + 1))
            i += 1
        elif c == "-" and i + 1 < n and not query[i + 1].isspace() and (i == 0 or query[i - 1].isspace()
                                                                           or query[i - 1] == "("):
            out.append(_Tok("minus", c, i + 1))
            i += 1
        else:
            m = _WORD_CHARS.match(query, i)
            assert m is not None
            word = m.group()
            kind = {"OR": "or", "AND": "and", "NOT": "not"}.get(word, "word")  # operators in capitals only
            out.append(_Tok(kind, word, i + 1))
            i = m.end()
    return out


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _has_token_chars(term: str) -> bool:
    return any(ch.isalnum() for ch in term)


# The parsed query, engine-neutral: a term is a word or a phrase as the user wrote it (prefix: it ended in *).
@dataclass(frozen=True)
class Term:
    text: str
    prefix: bool = False


@dataclass(frozen=True)
class All:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    parts: tuple[Node, ...]


@dataclass(frozen=True)
class Without:
    """`keep` and not `drop` (FTS5's binary NOT)."""

    keep: Node
    drop: Node


Node = Term | All | Any_ | Without


def _fts5(node: Node) -> str:
    if isinstance(node, Term):
        return _quote(node.text) + ("*" if node.prefix else "")
    if isinstance(node, All):
        return "(" + " AND ".join(_fts5(p) for p in node.parts) + ")"
    if isinstance(node, Any_):
        return "(" + " OR ".join(_fts5(p) for p in node.parts) + ")"
    return f"({_fts5(node.keep)} NOT {_fts5(node.drop)})"


class ParsedQuery(str):
    """The FTS5 MATCH expression (the string itself) and the tree it was written from (`tree`), which the
    PostgreSQL path turns into a tsquery: one value serves both engines, so callers need not know which."""

    tree: Node

    def __new__(cls, tree: Node) -> ParsedQuery:
        obj = super().__new__(cls, _fts5(tree))
        obj.tree = tree
        return obj


def tsquery_sql(node: Node, params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
    """A PostgreSQL expression of type tsquery for a parsed query, and its bound parameters.

    No user text is ever part of the SQL or of tsquery syntax: each term is a bound parameter given to
    phraseto_tsquery (which reads plain text: a word of several tokens, like "x-ray", or a phrase becomes
    lexemes that must follow each other), and the operators are SQL's tsquery operators (&&, ||, !!). A prefix
    term marks its last lexeme with :* by rewriting phraseto_tsquery's own canonical output (quoted lexemes)
    and casting it back, which reads tsquery syntax without stemming it again. A term that is only stop words
    gives an empty tsquery, which && and || leave out (as PostgreSQL's websearch_to_tsquery does)."""
    params = {} if params is None else params
    if isinstance(node, Term):
        name = f"t{len(params)}"
        params[name] = node.text
        plain = f"phraseto_tsquery('{PG_CONFIG}', :{name})"
        if not node.prefix:
            return plain, params
        return (f"(SELECT CASE WHEN numnode(p) = 0 THEN p ELSE (p::text || ':*')::tsquery END FROM {plain} AS p)",
                params)
    if isinstance(node, Without):
        keep, _ = tsquery_sql(node.keep, params)
        drop, _ = tsquery_sql(node.drop, params)
        return f"({keep} && !!{drop})", params
    op = " && " if isinstance(node, All) else " || "
    return "(" + op.join(tsquery_sql(p, params)[0] for p in node.parts) + ")", params


class _Parser:
    """query := or ; or := and (OR and)* ; and := unary ((AND)? unary)* ; unary := (NOT|-)? atom ;
    atom := word | word* | "phrase" | ( or )"""

    def __init__(self, toks: list[_Tok]) -> None:
        self.toks, self.i = toks, 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def parse(self) -> Node:
        expr = self.or_()
        tok = self.peek()
        if tok is not None:
            raise QuerySyntaxError(f"unexpected ')' at position {tok.pos}: no '(' opened it")
        return expr

    def or_(self) -> Node:
        parts = [self.and_()]
        while (tok := self.peek()) is not None and tok.kind == "or":
            self.i += 1
            nxt = self.peek()
            if nxt is None or nxt.kind in ("or", "and", "rparen"):
                raise QuerySyntaxError(f"OR at position {tok.pos} needs a search term after it")
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def and_(self) -> Node:
        positives: list[Node] = []
        negatives: list[Node] = []
        start = self.peek()
        while (tok := self.peek()) is not None and tok.kind not in ("or", "rparen"):
            if tok.kind == "and":
                if not positives and not negatives:
                    raise QuerySyntaxError(f"AND at position {tok.pos} needs a search term before it")
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in ("or", "and", "rparen"):
                    raise QuerySyntaxError(f"AND at position {tok.pos} needs a search term after it")
                continue
            negate = tok.kind in ("not", "minus")
            if negate:
                self.i += 1
                nxt = self.peek()
                if nxt is None or nxt.kind in ("or", "and", "not", "minus", "rparen"):
                    what = "NOT" if tok.kind == "not" else "'-'"
                    raise QuerySyntaxError(f"{what} at position {tok.pos} needs a search term after it")
            atom = self.atom()
            if atom is None:
                continue
            (negatives if negate else positives).append(atom)
        if not positives:
            if negatives:
                raise QuerySyntaxError("a query needs at least one word that is not excluded (NOT or '-')")
            if start is not None and start.kind == "or":
                raise QuerySyntaxError(f"OR at position {start.pos} needs a search term before it")
            where = f" at position {start.pos}" if start is not None else ""
            raise QuerySyntaxError(f"expected a search term{where}")
        expr = positives[0] if len(positives) == 1 else All(tuple(positives))
        for neg in negatives:
            expr = Without(expr, neg)
        return expr

    def atom(self) -> Node | None:
        tok = self.toks[self.i]
        self.i += 1
        if tok.kind == "lparen":
            nxt = self.peek()
            if nxt is None:
                raise QuerySyntaxError(f"'(' at position {tok.pos} is never closed")
            if nxt.kind == "rparen":
                raise QuerySyntaxError(f"empty parentheses at position {tok.pos}")
            inner = self.or_()
            close = self.peek()
            if close is None or close.kind != "rparen":
                raise QuerySyntaxError(f"'(' at position {tok.pos} is never closed")
            self.i += 1
            return inner
        if tok.kind == "phrase":
            if not _has_token_chars(tok.value):
                return None  # "" or "!!!": nothing to look for
            return Term(tok.value)
        word = tok.value
        prefix = word.endswith("*")
        core = word.rstrip("*")
        if not _has_token_chars(core):
            return None  # punctuation alone, e.g. "&" or "*"
        return Term(core, prefix)


def parse_query(query: str) -> ParsedQuery:
    """The parsed query (the FTS5 MATCH expression, carrying its tree), or QuerySyntaxError with a precise
    message (QueryTooCostly when it is well formed but past one of the cost limits below)."""
    query = _XML_BAD.sub(" ", query or "").strip()
    if not query:
        raise QuerySyntaxError("the query is empty: give at least one word")
    if len(query) > 500:
        raise QuerySyntaxError("the query is too long (500 characters at most)")
    toks = _tokens(query)
    if not any(t.kind in ("word", "phrase") and _has_token_chars(t.value) for t in toks):
        if any(t.kind in ("or", "and", "not", "lparen", "rparen") for t in toks):
            _Parser(toks).parse()  # raises with the operator and its position
        raise QuerySyntaxError("the query has no word to look for (letters or digits)")
    _check_nesting(toks)
    tree = _Parser(toks).parse()
    _check_cost(tree)
    return ParsedQuery(tree)


# ---- what one query may cost ------------------------------------------------------------------------
#
# A query's cost grows with the index terms it reads, not with its length: `a*` reads the list of every article
# holding any word that starts with "a" (thousands of words), and `a* OR b* OR ... OR z*` (152 characters) read
# the whole index and ranked every article: 5.7 s on a 30k-article store, while a search normally takes a few
# milliseconds. So a query is refused (400, QueryTooCostly, saying which limit and how to narrow it) past these
# bounds, and what passes is still held to a time limit while it runs (search_stories' `time_limit`).

MIN_PREFIX_CHARS = 3  # letters or digits before a prefix's * (in its last word: "x-r*" is "x" then "r*")
MAX_PREFIX_TERMS = 4
MAX_TERMS = 32  # words in the whole query, each word of a phrase counted
MAX_OR_BRANCHES = 8  # alternatives joined by OR, over all the ORs of the query
MAX_NESTING = 8  # parentheses inside parentheses (each level is a recursion of the parser)

_WORD_RUN = re.compile(r"[^\W_]+")  # what both engines' tokenizers keep as a word: letters and digits


class QueryTooCostly(QuerySyntaxError):
    """A well-formed query past one of the cost limits (a 400 like any mistake in a query: the user can narrow it)."""

    reason = "query_too_costly"


def _check_nesting(toks: list[_Tok]) -> None:
    depth = 0
    for tok in toks:
        if tok.kind == "lparen":
            depth += 1
            if depth > MAX_NESTING:
                raise QueryTooCostly(f"the query is too costly: the '(' at position {tok.pos} nests parentheses "
                                     f"deeper than {MAX_NESTING} levels; write it with fewer parentheses")
        elif tok.kind == "rparen":
            depth = max(0, depth - 1)


def _terms(node: Node) -> Iterator[Term]:
    if isinstance(node, Term):
        yield node
    elif isinstance(node, Without):
        yield from _terms(node.keep)
        yield from _terms(node.drop)
    else:
        for part in node.parts:
            yield from _terms(part)


def _or_branches(node: Node) -> int:
    if isinstance(node, Term):
        return 0
    if isinstance(node, Without):
        return _or_branches(node.keep) + _or_branches(node.drop)
    own = len(node.parts) if isinstance(node, Any_) else 0
    return own + sum(_or_branches(p) for p in node.parts)


def _check_cost(tree: Node) -> None:
    terms = list(_terms(tree))
    prefixes = [t for t in terms if t.prefix]
    for t in prefixes:
        last = (_WORD_RUN.findall(t.text) or [t.text])[-1]
        if len(last) < MIN_PREFIX_CHARS:
            raise QueryTooCostly(f"the query is too costly: {t.text}* would match every word that starts with "
                                 f"{last!r}; a prefix needs at least {MIN_PREFIX_CHARS} letters or digits before "
                                 "the *: write more of the word")
    if len(prefixes) > MAX_PREFIX_TERMS:
        raise QueryTooCostly(f"the query is too costly: it has {len(prefixes)} prefix terms (word*), at most "
                             f"{MAX_PREFIX_TERMS} are allowed in one query; use fewer prefixes or whole words")
    words = sum(max(1, len(_WORD_RUN.findall(t.text))) for t in terms)
    if words > MAX_TERMS:
        raise QueryTooCostly(f"the query is too costly: it has {words} words (each word of a phrase counts), at "
                             f"most {MAX_TERMS} are allowed; leave out some words or shorten the phrases")
    branches = _or_branches(tree)
    if branches > MAX_OR_BRANCHES:
        raise QueryTooCostly(f"the query is too costly: it joins {branches} alternatives with OR, at most "
                             f"{MAX_OR_BRANCHES} are allowed; search for fewer alternatives at a time")


# ---- searching -----------------------------------------------------------------------------------------


@dataclass
class SearchHit:
    story_id: int
    score: float  # lower is better: bm25 on SQLite, minus ts_rank_cd on PostgreSQL
    article_id: int | None  # the best-matching article, None when the story's own text matched best
    snippet: str  # safe HTML: escaped text with <mark> around the matched terms


def _safe_snippet(raw: str | None) -> str:
    """Escape the publisher's text, then turn the FTS5 markers into <mark> (balanced). Every character of the
    publisher's text goes through html.escape and the only markup is the <mark> pairs written here, so the
    result is safe HTML as it stands (an nh3 pass over it cost 18 us a snippet and could change nothing)."""
    if not raw:
        return ""
    out: list[str] = []
    open_ = False
    for part in re.split(f"([{_MARK_ON}{_MARK_OFF}])", raw):
        if part == _MARK_ON:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == _MARK_OFF:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(html.escape(_XML_BAD.sub("", part), quote=True))
    if open_:
        out.append("</mark>")
    return "".join(out)


MAX_ARTICLE_HITS = 2000  # best article matches considered per query (keeps common words fast)
FIRST_ARTICLE_HITS = 200  # tried first: enough for a page of most queries (see search_stories)


def search_stories(
    conn: Connection, match: str, *, since: datetime | None = None, until: datetime | None = None,
    source_id: int | None = None, outlet: str | None = None, language: str | None = None,
    limit: int = 20, offset: int = 0, time_limit: float | None = None,
) -> tuple[list[SearchHit], bool]:
    """Stories ranked by their best match (headline and brief weigh more than article text), one page of
    them, and whether more follow. `match` comes from `parse_query`. Dates are naive UTC or aware.

    `time_limit`: seconds the search may take (None: no limit); past it the engine stops the query and
    TimeBudgetError is raised (see `_time_limited`). On PostgreSQL the limit holds until the end of the
    transaction `conn` is in: give the search a connection of its own."""
    with deadline(time_limit, "the search") as budget, _time_limited(conn, budget):
        if conn.dialect.name == "postgresql":
            return _search_postgresql(conn, match, since=since, until=until, source_id=source_id, outlet=outlet,
                                      language=language, limit=limit, offset=offset)
        return _search_sqlite(conn, match, since=since, until=until, source_id=source_id, outlet=outlet,
                              language=language, limit=limit, offset=offset)


# SQLite calls the progress handler every this many virtual machine instructions: ~30 calls in a normal search
# (~0.3 us each), and still several a second in a query that runs long.
_PROGRESS_STEPS = 1000


@contextmanager
def _time_limited(conn: Connection, budget: Deadline | None) -> Iterator[None]:
    """Make the engine itself stop a statement that runs past `budget` (a query is one call into the engine: no
    Python check could run inside it), and turn its refusal into TimeBudgetError.

    SQLite: a progress handler on the connection for the duration of the search, which aborts the running
    statement once the deadline has passed. PostgreSQL: `SET LOCAL statement_timeout` in the search's
    transaction, sent with that transaction's BEGIN in one message (psycopg would send its own BEGIN as a round
    trip of its own before the first query: the limit costs no round trip), and a check of the deadline before
    each later statement (each also runs under the timeout)."""
    if budget is None:
        yield
        return
    raw = conn.connection.dbapi_connection
    if conn.dialect.name == "sqlite":
        raw.set_progress_handler(lambda: budget.remaining() < 0, _PROGRESS_STEPS)
    elif conn.dialect.name == "postgresql":
        from psycopg import pq

        milliseconds = max(1, int(budget.remaining() * 1000))
        pgconn = getattr(raw, "pgconn", None)  # psycopg 3's libpq connection (another driver: the plain way)
        if (pgconn is not None and not raw.autocommit and raw.isolation_level is None and raw.read_only is None
                and pgconn.transaction_status == pq.TransactionStatus.IDLE):
            begun = pgconn.exec_(b"BEGIN; SET LOCAL statement_timeout = %d" % milliseconds)
            if begun.status != pq.ExecStatus.COMMAND_OK:
                raise RuntimeError(f"could not start the search's transaction: {begun.get_error_message()}")
        else:
            conn.exec_driver_sql(f"SET LOCAL statement_timeout = {milliseconds}")
    try:
        yield
    except DBAPIError as exc:
        stopped = ("interrupted" in str(exc.orig) if conn.dialect.name == "sqlite"
                   else getattr(exc.orig, "sqlstate", None) == "57014")  # query_canceled: the statement timeout
        if stopped:
            raise TimeBudgetError(f"the search took longer than its time limit of {budget.seconds:g} s") from exc
        raise
    finally:
        if conn.dialect.name == "sqlite":
            raw.set_progress_handler(None, 0)


def _search_sqlite(
    conn: Connection, match: str, *, since: datetime | None, until: datetime | None, source_id: int | None,
    outlet: str | None, language: str | None, limit: int, offset: int,
) -> tuple[list[SearchHit], bool]:
    params: dict[str, Any] = {"q": match, "lim": MAX_ARTICLE_HITS, "limit": limit + 1, "offset": offset}
    art_where, story_where, narrowed = _filters(params, _db_time, since, until, source_id, outlet, language)
    # Story-level matches are left out when the user narrows to a source or language: those are properties
    # of articles, and a story matches only through an article that has them.
    story_hits = "" if narrowed else f"""
        UNION ALL
        SELECT s.id AS sid, NULL AS aid, bm25(stories_fts, 3.0, 1.5) * 1.2 AS score
        FROM stories_fts JOIN stories s ON s.id = stories_fts.rowid
        WHERE stories_fts MATCH :q AND s.article_count > 0{story_where}"""
    # The best FIRST_ARTICLE_HITS article matches first: when the page's last story (the one after it, to
    # know that more follow) scores strictly better than the worst of them, no article further down could
    # change the page (each would score worse than every story on it), so the answer is the one the full
    # MAX_ARTICLE_HITS would give at a tenth of the joins; otherwise the query runs again with all of them.
    sql = f"""
        WITH top AS MATERIALIZED (
            SELECT rowid AS id, bm25(articles_fts, 2.0, 1.0) AS score FROM articles_fts
            WHERE articles_fts MATCH :q ORDER BY score LIMIT :lim
        ), art AS (
            SELECT a.story_id AS sid, a.id AS aid, f.score AS score
            FROM top AS f JOIN articles a ON a.id = f.id
            WHERE a.story_id IS NOT NULL{art_where}
        ), hits AS (SELECT sid, aid, score FROM art{story_hits})
        SELECT sid, aid, min(score) AS best, (SELECT count(*) FROM top) AS found, (SELECT max(score) FROM top) AS cut
        FROM hits GROUP BY sid ORDER BY best, sid LIMIT :limit OFFSET :offset
    """
    statement = _statement(sql)
    rows: list[Any] = []
    for lim in (FIRST_ARTICLE_HITS, MAX_ARTICLE_HITS):
        params["lim"] = lim
        rows = conn.execute(statement, params).all()
        if lim >= MAX_ARTICLE_HITS:
            break
        if rows and (rows[0][3] < lim or (len(rows) > limit and rows[-1][3] > 0 and rows[-1][2] < rows[-1][4])):
            break
    more = len(rows) > limit
    few_matches = bool(rows) and rows[0][3] < params["lim"]
    rows = rows[:limit]
    check_deadline("snippets")
    snippets = _snippets(conn, match, rows, few_matches)
    hits = [SearchHit(story_id=r[0], article_id=r[1], score=float(r[2]),
                      snippet=snippets.get((r[0], r[1]), "")) for r in rows]
    return hits, more


def _snippets(conn: Connection, match: str, rows: list[Any],
              few_article_matches: bool = False) -> dict[tuple[int, int | None], str]:
    """Snippets for one page of hits only (snippet() is the costly part of a query).

    `rowid IN (...)` makes FTS5 start the whole query over for each id (its plan is one rowid lookup per
    value), which costs more than walking every match once when there are a few thousand: the unary plus
    keeps the ids out of FTS5's plan, so they filter one pass over the matches (measured on the 100k bench
    store: 0.4 ms instead of 1.0 for a page of 20). Only when the matches are known to be fewer than the
    ranking's cap (`few_article_matches`): a word in every article would make that one pass the slow way."""
    out: dict[tuple[int, int | None], str] = {}
    article_ids = [int(r[1]) for r in rows if r[1] is not None]
    story_ids = [int(r[0]) for r in rows if r[1] is None]
    if article_ids:
        found = conn.execute(_snippet_sql("articles_fts", len(article_ids), scan=few_article_matches),
                             {"q": match, **{f"i{k}": a for k, a in enumerate(article_ids)}}).all()
        by_article = {a: s for a, s in found}
        for r in rows:
            if r[1] is not None:
                out[(r[0], r[1])] = _safe_snippet(by_article.get(r[1]))
    if story_ids:  # the ranking query walked every story match already: one more pass costs no more
        check_deadline("snippets")
        found = conn.execute(_snippet_sql("stories_fts", len(story_ids), scan=True),
                             {"q": match, **{f"i{k}": s for k, s in enumerate(story_ids)}}).all()
        for sid, snip in found:
            out[(sid, None)] = _safe_snippet(snip)
    return out


# SQLAlchemy parses a text() for its parameters and compiles each new statement: statements made once and
# kept cost a search far less than a new one each time (a statement with the ids written in was new every time).
@lru_cache(maxsize=64)
def _statement(sql: str) -> TextClause:
    return text(sql)


@lru_cache(maxsize=128)
def _snippet_sql(table: str, n: int, *, scan: bool) -> TextClause:
    rowid = "+rowid" if scan else "rowid"
    marks = ", ".join(f":i{k}" for k in range(n))
    return text(f"SELECT rowid, snippet({table}, -1, '{_MARK_ON}', '{_MARK_OFF}', '…', 24) FROM {table} "
                f"WHERE {table} MATCH :q AND {rowid} IN ({marks})")


# ts_rank_cd's weights for D, C, B, A: title and headline (A) weigh twice the text and brief (B), as in bm25 above.
_PG_WEIGHTS = "'{0.1, 0.2, 0.5, 1.0}'"


def _pg_rank(alias: str) -> str:
    """ts_rank_cd of the row `alias` (articles_fts or stories_fts) for the query `q.q`. Normalisation 1: divided
    by 1 + log(length), so that a long article does not win by its length alone."""
    return f"ts_rank_cd({_PG_WEIGHTS}, {alias}.vector, q.q, 1)"


# ts_headline's options: the same control-character markers as FTS5's snippet() (then _safe_snippet), about
# as many words as snippet(..., 24). A constant: never built from user input.
_PG_HEADLINE = (f'StartSel="{_MARK_ON}", StopSel="{_MARK_OFF}", MaxWords=24, MinWords=12, ShortWord=2, '
                'MaxFragments=1, FragmentDelimiter=" … "')


def _search_postgresql(
    conn: Connection, match: str, *, since: datetime | None, until: datetime | None, source_id: int | None,
    outlet: str | None, language: str | None, limit: int, offset: int,
) -> tuple[list[SearchHit], bool]:
    """search_stories on PostgreSQL: the same candidates, filters, ordering and paging as the FTS5 query."""
    if not isinstance(match, ParsedQuery):
        raise TypeError("search_stories on PostgreSQL needs the ParsedQuery that parse_query returns")
    query, params = tsquery_sql(match.tree)
    params.update({"lim": MAX_ARTICLE_HITS, "limit": limit + 1, "offset": offset})
    art_where, story_where, narrowed = _filters(params, _aware, since, until, source_id, outlet, language)
    story_hits = "" if narrowed else f"""
        UNION ALL
        SELECT s.id AS sid, NULL::integer AS aid, -{_pg_rank("sf")} * 1.2 AS score
        FROM stories_fts AS sf JOIN stories AS s ON s.id = sf.id, q
        WHERE sf.vector @@ q.q AND s.article_count > 0{story_where}"""
    # One pass with all MAX_ARTICLE_HITS candidates: ranking reads the stored vector of every match whatever the
    # LIMIT, so the FTS5 path's narrower first try would save nothing here. DISTINCT ON keeps each story's best
    # hit (SQLite's min() with a bare column); a story's own text wins a tie with an article.
    sql = f"""
        WITH q AS MATERIALIZED (SELECT {query} AS q),
        top AS MATERIALIZED (
            SELECT af.id, -{_pg_rank("af")} AS score FROM articles_fts AS af, q
            WHERE af.vector @@ q.q ORDER BY score, af.id LIMIT :lim
        ), art AS (
            SELECT a.story_id AS sid, a.id AS aid, t.score AS score
            FROM top AS t JOIN articles AS a ON a.id = t.id
            WHERE a.story_id IS NOT NULL{art_where}
        ), hits AS (SELECT sid, aid, score FROM art{story_hits}
        ), best AS (SELECT DISTINCT ON (sid) sid, aid, score FROM hits ORDER BY sid, score, aid NULLS FIRST)
        SELECT sid, aid, score AS best FROM best ORDER BY best, sid LIMIT :limit OFFSET :offset
    """
    rows = conn.execute(_statement(sql), params).all()
    more = len(rows) > limit
    rows = rows[:limit]
    check_deadline("snippets")
    snippets = _snippets_postgresql(conn, query, params, rows)
    hits = [SearchHit(story_id=r[0], article_id=r[1], score=float(r[2]),
                      snippet=snippets.get((r[0], r[1]), "")) for r in rows]
    return hits, more


def _snippets_postgresql(conn: Connection, query: str, params: dict[str, Any],
                         rows: list[Any]) -> dict[tuple[int, int | None], str]:
    """ts_headline for one page of hits only (it parses the whole text again: the costly part)."""
    out: dict[tuple[int, int | None], str] = {}
    terms = {k: v for k, v in params.items() if k.startswith("t")}
    article_ids = [int(r[1]) for r in rows if r[1] is not None]
    story_ids = [int(r[0]) for r in rows if r[1] is None]
    if article_ids:
        found = conn.execute(_statement(
            f"WITH q AS MATERIALIZED (SELECT {query} AS q) "
            f"SELECT a.id, ts_headline('{PG_CONFIG}', coalesce(a.title, '') || E'\\n\\n' || a.text, q.q, :opts) "
            "FROM articles AS a, q WHERE a.id = ANY(:ids)"), {**terms, "opts": _PG_HEADLINE, "ids": article_ids}).all()
        by_article = {a: s for a, s in found}
        for r in rows:
            if r[1] is not None:
                out[(r[0], r[1])] = _safe_snippet(by_article.get(r[1]))
    if story_ids:
        body = f"coalesce(s.headline, '') || E'\\n\\n' || coalesce({_PG_BRIEF_TEXT.format(t='s')}, '')"
        check_deadline("snippets")
        found = conn.execute(_statement(
            f"WITH q AS MATERIALIZED (SELECT {query} AS q) "
            f"SELECT s.id, ts_headline('{PG_CONFIG}', {body}, q.q, :opts) FROM stories AS s, q WHERE s.id = ANY(:ids)"),
            {**terms, "opts": _PG_HEADLINE, "ids": story_ids}).all()
        for sid, snip in found:
            out[(sid, None)] = _safe_snippet(snip)
    return out


def _filters(
    params: dict[str, Any], as_time: Callable[[datetime], Any], since: datetime | None, until: datetime | None,
    source_id: int | None, outlet: str | None, language: str | None,
) -> tuple[str, str, bool]:
    """The search filters as SQL conditions on articles (`a`) and on stories (`s`), their values put in
    `params` (times through `as_time`: each engine compares times in its own form), and whether the user
    narrowed to a source, outlet or language."""
    art_filters = []
    story_filters = []
    if since is not None:
        params["since"] = as_time(since)
        art_filters.append("coalesce(a.published, a.fetched) >= :since")
        story_filters.append("coalesce(s.last_published, s.updated_at) >= :since")
    if until is not None:
        params["until"] = as_time(until)
        art_filters.append("coalesce(a.published, a.fetched) <= :until")
        story_filters.append("coalesce(s.first_published, s.created_at) <= :until")
    if source_id is not None:
        params["source_id"] = source_id
        art_filters.append("a.source_id = :source_id")
    if outlet is not None:
        params["outlet"] = outlet
        art_filters.append("a.source_name = :outlet")
    if language is not None:
        params["language"] = language.lower()
        art_filters.append("lower(a.language) = :language")
    narrowed = source_id is not None or outlet is not None or language is not None
    return ("".join(f" AND {f}" for f in art_filters), "".join(f" AND {f}" for f in story_filters), narrowed)


def _aware(value: datetime) -> datetime:
    """PostgreSQL compares timestamptz: naive values are UTC (as everywhere in the store)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _db_time(value: datetime) -> str:
    """SQLite keeps naive UTC text (see schema.UTCDateTime): compare in the same form."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")
