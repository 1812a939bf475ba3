"""The one place that talks SQL: sources, articles, failures. Every write is its own short transaction,
so a crash or kill loses at most the article being written and the next run resumes where it stopped."""

from __future__ import annotations

import errno
import fcntl
import functools
import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, delete, event, exists, func, insert, make_url, or_, select, text, update
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.orm import Session, sessionmaker

from newsdesk.dates import sane_date
from newsdesk.genre import GENRES
from newsdesk.keys import brief_with_status, content_hash, name_words, utcnow
from newsdesk.models import Article
from newsdesk.store import locks
from newsdesk.store.schema import (
    MAX_STAGE_ATTEMPTS,
    ArticleAnalysisRow,
    ArticleFailure,
    ArticleRow,
    HostTemplateRow,
    Meta,
    RemovalAudit,
    Source,
    StoryEntityRow,
    StoryEntityWordRow,
    StoryRow,
    UrlFailure,
    UTCDateTime,
)
from newsdesk.urls import key_spellings

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x6E657773  # PostgreSQL advisory lock key taken while migrating ("news")
STORY_LOCK = 0x73746F72  # PostgreSQL advisory lock key held while stories are decided ("stor")


def _spellings(urls: Iterable[str | None]) -> list[str]:
    """Every stored spelling that shares the URL key of one of `urls` (the URLs as given among them)."""
    return list(dict.fromkeys(k for u in urls if u for k in key_spellings(u)))


def _no_nul(value: str | None) -> str | None:
    return value.replace("\x00", "") if value else value


@dataclass
class StoredArticle:
    """One article as `newsdesk export` prints it."""

    id: int
    url: str
    canonical_url: str
    source: str | None
    title: str | None
    text: str
    authors: list[str]
    published: datetime | None
    language: str | None
    fetched: datetime
    story_id: int | None
    duplicate_of: int | None
    image: str | None = None
    story_joined_at: datetime | None = None
    minhash: bytes | None = None
    genre: str | None = None  # "opinion", "roundup" or None for reporting (newsdesk.genre)
    text_from: str = "page"  # "page": extracted from its page; "feed": its feed item's own full text
    agencies: list[str] = field(default_factory=list)  # news agencies named as its source ("AP"), not authors
    source_id: int | None = None  # None: imported from files, not fetched from a source

    def to_contract(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "canonical_url": self.canonical_url,
            "source": self.source,
            "title": self.title,
            "text": self.text,
            "authors": self.authors,
            "published": self.published.isoformat() if self.published else None,
            "language": self.language,
            "fetched": self.fetched.isoformat(),
            "story_id": self.story_id,
            "duplicate_of": self.duplicate_of,
            "genre": self.genre,
            "text_from": self.text_from,
            "agencies": self.agencies,
        }


def _stored(row: ArticleRow) -> StoredArticle:
    return StoredArticle(
        id=row.id, url=row.url, canonical_url=row.canonical_url, source=row.source_name, title=row.title,
        text=row.text, authors=list(row.authors or []), published=row.published, language=row.language,
        fetched=row.fetched, story_id=row.story_id, duplicate_of=row.duplicate_of, image=row.image,
        story_joined_at=row.story_joined_at, minhash=row.minhash, genre=row.genre, text_from=row.text_from,
        agencies=list(row.agencies or []),
        source_id=row.source_id,
    )


@dataclass
class AnalysisRecord:
    """One article's stored analysis. For a copy that borrowed its origin's analysis, `derived_from` names the
    origin and `entities`/`statements` are the origin's (filled in when read; not stored twice)."""

    article_id: int
    entities: list[dict] | None
    statements: list[dict] | None
    analyzer: str
    derived_from: int | None = None
    error: str | None = None
    analyzed_at: datetime | None = None


@dataclass
class StoryAnalysis:
    """A story's aggregate as stored: its `entities` and `statements` columns and its `story_entities` rows
    (dicts with entity_key, name_key, name, type, role, mentions)."""

    entities: list[dict]
    statements: list[dict]
    index: list[dict]


# Keys of `meta` whose value is a new random one whenever what they version changes; readers only compare them.
ANALYSIS_VERSION = "analysis_version"  # a story's analysis rewritten
BLOCKLIST_VERSION = "blocklist_version"  # the removal blocklist changed
CONTENT_VERSION = "content_version"  # stored content changed otherwise than by a new article (removed, renamed...)


def bump_version(s: Session, key: str) -> None:
    """A new random value for the version `key` (no read-modify-write race between processes)."""
    s.execute(update(Meta).where(Meta.key == key).values(value=secrets.token_hex(8)))


# The store's own trouble (unreachable, locked past the wait, disk full): no article's fault, so a stage that
# records one article's failure and goes on (see below) stops on these instead.
STORE_TROUBLE = (OperationalError, InterfaceError, SQLAlchemyTimeoutError)

# The stages that record a failure on one article (schema.ArticleFailure) instead of stopping.
STORIES_STAGE = "stories"  # copy-folding and grouping (newsdesk.stories.engine)
ANALYSIS_STAGE = "analysis"  # entities and statements (newsdesk.analyze.stage)
STAGES = (STORIES_STAGE, ANALYSIS_STAGE)


@dataclass
class StageFailure:
    """One article's failure in one stage; `set_aside` once MAX_STAGE_ATTEMPTS attempts failed under `software`."""

    article_id: int
    stage: str
    attempts: int
    error: str
    software: str
    first_at: datetime
    last_at: datetime
    source_id: int | None = None
    url: str | None = None

    @property
    def set_aside(self) -> bool:
        return self.attempts >= MAX_STAGE_ATTEMPTS


@dataclass
class SourceFailures:
    """A source's articles that failed in a stage: how many, how many are set aside, the latest error."""

    failed: int = 0
    set_aside: int = 0
    last_error: str | None = None
    last_stage: str | None = None
    last_at: datetime | None = None


@dataclass
class StoryJoin:
    """An article placed in a story: the article it copies (None: an original), its signature, when it joined."""

    article_id: int
    duplicate_of: int | None
    minhash: bytes | None
    joined_at: datetime | None


def set_aside(stage: str, software: str) -> Any:
    """SQL condition: the article (ArticleRow) is set aside by `stage` running `software`."""
    return exists().where(ArticleFailure.article_id == ArticleRow.id, ArticleFailure.stage == stage,
                          ArticleFailure.software == _software(software),
                          ArticleFailure.attempts >= MAX_STAGE_ATTEMPTS)


def _software(software: str) -> str:
    """As `article_failures.software` holds it (64 characters: a longer version string is cut, alike everywhere)."""
    return software[:64]


# How the `error` of an analysis row starts when the article was not analysed because no pipeline reads its
# language ("not analysed: no pipeline for German (de)"): the row is kept (no retry) and story pages say so.
NOT_ANALYSED = "not analysed: "

StoryAggregator = Callable[[list[StoredArticle], dict[int, AnalysisRecord]], StoryAnalysis]


def load_analyses(s: Session, article_ids: Iterable[int]) -> dict[int, AnalysisRecord]:
    """The analyses of these articles (those that have one), a borrowed analysis filled from its origin."""
    ids = list(dict.fromkeys(article_ids))
    out: dict[int, AnalysisRecord] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for row in s.scalars(select(ArticleAnalysisRow).where(ArticleAnalysisRow.article_id.in_(chunk))):
            out[row.article_id] = AnalysisRecord(row.article_id, row.entities, row.statements, row.analyzer,
                                                 row.derived_from, row.error, row.analyzed_at)
    sources = list({r.derived_from for r in out.values() if r.derived_from is not None})
    data: dict[int, tuple[list[dict] | None, list[dict] | None]] = {}
    for start in range(0, len(sources), 500):
        data.update({i: (e, st) for i, e, st in s.execute(
            select(ArticleAnalysisRow.article_id, ArticleAnalysisRow.entities, ArticleAnalysisRow.statements)
            .where(ArticleAnalysisRow.article_id.in_(sources[start:start + 500])))})
    for r in out.values():
        if r.derived_from is not None:
            r.entities, r.statements = data.get(r.derived_from, ([], []))
    return out


def members_in(s: Session, story_id: int) -> list[StoredArticle]:
    """A story's articles in the order they joined it, read in session `s`."""
    rows = s.scalars(select(ArticleRow).where(ArticleRow.story_id == story_id)
                     .order_by(ArticleRow.story_joined_at, ArticleRow.id))
    return [_stored(r) for r in rows]


MAX_MERGE_HOPS = 100  # a chain of merged stories longer than this is a loop (never written by the store)


def final_story_in(s: Session, story_id: int) -> int:
    """The story `story_id` is now, read in session `s`: itself, or the story it was merged into."""
    seen = 0
    while (nxt := s.scalar(select(StoryRow.merged_into).where(StoryRow.id == story_id))) is not None:
        story_id, seen = nxt, seen + 1
        if seen >= MAX_MERGE_HOPS:
            break
    return story_id


def _mark_brief(s: Session, story_id: int, statements: list[dict] | None = None) -> None:
    """Store with the story's brief the status of each sentence among its statements (`statements`, else the
    stored ones): whatever writes a brief or statements calls this, so the two never disagree."""
    row = s.execute(select(StoryRow.brief, StoryRow.statements).where(StoryRow.id == story_id)).one_or_none()
    if row is None or not isinstance(row.brief, list):
        return
    marked = brief_with_status(row.brief, (row.statements or []) if statements is None else statements)
    if marked != row.brief:  # the brief's full-text index is rewritten on every write of it: only when it changed
        s.execute(update(StoryRow).where(StoryRow.id == story_id).values(brief=marked))


def _write_story(s: Session, story_id: int, values: dict[str, Any], analysis: StoryAnalysis | None) -> None:
    """Write a story's columns and, when given, its analysis in session `s` (the caller commits). A brief is written
    already marked with its analysis's statuses (see `_mark_brief`: its full-text index is rewritten on every
    write of it); a new brief without an analysis is marked from the statements the story has."""
    if values:
        if analysis is not None and isinstance(values.get("brief"), list):
            values = {**values, "brief": brief_with_status(values["brief"], analysis.statements)}
        s.execute(update(StoryRow).where(StoryRow.id == story_id).values(**values))
    if analysis is not None:
        write_story_analysis(s, story_id, analysis)
    elif "brief" in values:
        _mark_brief(s, story_id)


def write_story_analysis(s: Session, story_id: int, analysis: StoryAnalysis) -> None:
    """Replace a story's entities, statements and entity index in session `s` (the caller commits), and the
    status of its brief's sentences."""
    s.execute(update(StoryRow).where(StoryRow.id == story_id)
              .values(entities=analysis.entities, statements=analysis.statements))
    _mark_brief(s, story_id, analysis.statements)
    s.execute(delete(StoryEntityRow).where(StoryEntityRow.story_id == story_id))
    if analysis.index:
        s.execute(insert(StoryEntityRow), [{**row, "story_id": story_id} for row in analysis.index])
        words = [{"story_id": story_id, "entity_key": row["entity_key"], "word": word}
                 for row in analysis.index for word in name_words(row["name_key"])]
        if words:
            s.execute(insert(StoryEntityWordRow), words)
    # Stories change here without a new article or update time: move the data version (ETags, caches) on.
    bump_version(s, ANALYSIS_VERSION)


def refresh_story_analysis_in(s: Session, story_id: int, aggregate: StoryAggregator,
                              members: list[StoredArticle] | None = None) -> None:
    """Recompute a story's analysis from its current members (read in `s` unless given) and write it in `s`."""
    members = members_in(s, story_id) if members is None else members
    if not members:
        write_story_analysis(s, story_id, StoryAnalysis([], [], []))
        return
    write_story_analysis(s, story_id, aggregate(members, load_analyses(s, [m.id for m in members])))


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, busy_timeout: int) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers never block the writer (the web server reads while fetching)
    cur.execute("PRAGMA synchronous=NORMAL")  # durable at checkpoints; WAL keeps the file consistent on a crash
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={busy_timeout}")
    cur.close()


# PostgreSQL connection pool per process: a web process answers with NEWSDESK_SERVE_THREADS threads and a
# background fetch; 5 kept open and 10 more on a burst leave room for many processes under the server's
# default max_connections (100). Recycled after 30 minutes so that a restarted server or a proxy that drops
# idle connections is met with a fresh one; pre-ping checks each connection as it leaves the pool.
PG_POOL = {"pool_size": 5, "max_overflow": 10, "pool_recycle": 1800, "pool_pre_ping": True, "pool_timeout": 30}


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 (the driver newsdesk installs; SQLAlchemy would pick
    psycopg2 for them); every other URL is left as given."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


SQLITE_FULL = 13  # "database or disk is full" (the low byte of an extended result code)
PG_DISK_FULL = "53100"  # SQLSTATE disk_full


def disk_full(exc: BaseException) -> bool:
    """Whether a store error says there is no room left: SQLite's SQLITE_FULL (a full disk, or the database at its
    size limit), PostgreSQL's disk_full, or ENOSPC itself."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    orig = getattr(exc, "orig", None)
    if orig is None:
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == SQLITE_FULL
    return getattr(orig, "sqlstate", None) == PG_DISK_FULL


def make_engine(url: str, lock_wait: float | None = None) -> Engine:
    """The engine of a store; `lock_wait`: seconds a statement waits for another connection's lock before it
    fails (newsdesk.store.locks), None for the long wait of the commands and the background fetcher."""
    if url.startswith("sqlite"):
        # SQLite keeps SQLAlchemy's default pool for files (a queue of connections, one file, WAL mode).
        wait = locks.LONG_WAIT if lock_wait is None else lock_wait
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": wait})
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas,
                                                          busy_timeout=locks.sqlite_busy_timeout(wait)))
        return engine
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "postgresql":
        engine = create_engine(url, **PG_POOL)
        if lock_wait is not None:
            locks.set_postgresql_lock_wait(engine, lock_wait)
        return engine
    return create_engine(url, pool_pre_ping=True)


# A story's outlet counts from its members' names, as the story engine counts them (`story_values`: an article
# without a name counts by its address), for the stories with an article of one source.
_RECOUNT_OUTLETS = text("""
UPDATE stories SET
  sources_count = (SELECT COUNT(DISTINCT COALESCE(NULLIF(a.source_name, ''), a.url)) FROM articles a
                   WHERE a.story_id = stories.id),
  independent_sources_count = (SELECT COUNT(DISTINCT COALESCE(NULLIF(a.source_name, ''), a.url)) FROM articles a
                               WHERE a.story_id = stories.id AND a.duplicate_of IS NULL)
WHERE id IN (SELECT story_id FROM articles WHERE source_id = :source_id AND story_id IS NOT NULL)
""")


class Store:
    def __init__(self, url: str, lock_wait: float | None = None) -> None:
        self.url = url
        self.engine = make_engine(url, lock_wait)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema to the newest migration, or to `revision` (a no-op when it is there already)."""
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with self.engine.connect() as conn:
            sqlite = conn.dialect.name == "sqlite"
            if sqlite:
                # A migration may rebuild a table (SQLite cannot alter most things in place; 0009 does): dropping
                # the old copy with foreign keys on would delete or null every row that points at it. Off while
                # migrating (the pragma is ignored inside a transaction), and a migration that rebuilds checks
                # the keys itself. One explicit transaction: pysqlite runs DDL outside any transaction of its
                # own, and a crash halfway through a rebuild must leave the store as it was.
                conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
                conn.exec_driver_sql("BEGIN")
            try:
                if conn.dialect.name == "postgresql":
                    # Several processes may start at once (serve --workers, workers): one migrates, the others
                    # wait for its commit and then find nothing to do. Released at the end of the transaction.
                    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                if sqlite:  # the connection goes back to the pool as every other one is: keys enforced
                    conn.rollback()
                    conn.exec_driver_sql("PRAGMA foreign_keys=ON")
                    conn.commit()

    def session(self) -> Session:
        return self._sessions()

    # ---- sources -------------------------------------------------------------------------------

    def add_source(
        self, url: str, *, interval: int, kind: str = "auto", title: str | None = None,
        site_url: str | None = None, category: str | None = None,
    ) -> tuple[Source, bool]:
        """Add a source, or return the one with this URL already (created is then False)."""
        with self.session() as s:
            existing = s.scalar(select(Source).where(Source.url == url))
            if existing:
                return existing, False
            now = utcnow()
            src = Source(
                url=url, kind=kind, title=title, site_url=site_url, category=category, added_at=now,
                active=True, interval_seconds=interval, next_fetch_at=now, consecutive_failures=0,
                articles_found=0,
            )
            s.add(src)
            try:
                s.commit()
            except IntegrityError:  # added by someone else meanwhile
                s.rollback()
                return s.scalars(select(Source).where(Source.url == url)).one(), False
            return src, True

    def get_source(self, key: int | str) -> Source | None:
        with self.session() as s:
            if isinstance(key, int) or str(key).isdigit():
                return s.get(Source, int(key))
            return s.scalar(select(Source).where(Source.url == key))

    def list_sources(self) -> list[Source]:
        with self.session() as s:
            return list(s.scalars(select(Source).order_by(Source.id)))

    def remove_source(self, source_id: int) -> bool:
        with self.session() as s:
            src = s.get(Source, source_id)
            if src is None:
                return False
            s.delete(src)
            s.commit()
            return True

    def name_source(self, source_id: int, name: str, *, only_if_unnamed: bool = False) -> str | None:
        """Give a source its outlet name and its articles that name, in one transaction (pages, the API and feeds
        read the articles' `source_name`), and count again the outlets of its stories (two names of one outlet
        become one); the content version moves, so cached pages and ETags follow. With
        `only_if_unnamed` (a name learned from a page), a name already set, by `sources rename` or by another
        process, stays. Returns the source's name now; None when there is no such source. Raises ValueError for
        an empty name."""
        name = " ".join((_no_nul(name) or "").split())
        if not name:
            raise ValueError("an outlet's name cannot be empty")
        with self.session() as s:
            q = update(Source).where(Source.id == source_id)
            if only_if_unnamed:
                q = q.where(Source.name.is_(None))
            if s.execute(q.values(name=name)).rowcount != 1:  # type: ignore[attr-defined]
                s.rollback()
                return s.scalar(select(Source.name).where(Source.id == source_id))
            renamed = s.execute(update(ArticleRow).where(ArticleRow.source_id == source_id,
                                                         ArticleRow.source_name.is_distinct_from(name))
                                .values(source_name=name)).rowcount  # type: ignore[attr-defined]
            if renamed:
                s.execute(_RECOUNT_OUTLETS, {"source_id": source_id})
            bump_version(s, CONTENT_VERSION)
            s.commit()
            return name

    def due_sources(self, now: datetime, include_not_due: bool = False) -> list[Source]:
        q = select(Source).where(Source.active.is_(True)).order_by(Source.next_fetch_at, Source.id)
        if not include_not_due:
            q = q.where(Source.next_fetch_at <= now)
        with self.session() as s:
            return list(s.scalars(q))

    def update_source(self, source_id: int, **values: Any) -> None:
        with self.session() as s:
            s.execute(update(Source).where(Source.id == source_id).values(**values))
            s.commit()

    def claim_source(self, source_id: int, seen_next_fetch_at: datetime, until: datetime) -> bool:
        """Push a due source's next fetch to `until` if nobody moved it since it was read as `seen_next_fetch_at`
        (compare and set): the scheduler hands it to the workers once, even with two schedulers running."""
        with self.session() as s:
            done = s.execute(update(Source).where(Source.id == source_id, Source.next_fetch_at == seen_next_fetch_at)
                             .values(next_fetch_at=until))
            s.commit()
            return done.rowcount == 1  # type: ignore[attr-defined]

    def lease_source(self, source_id: int, holder: str, seconds: float, *, due_by: datetime | None = None,
                     replacing: str | None = None) -> Source | None:
        """Take, or renew, the lease of an active source for `seconds` on behalf of `holder` (a process): one
        compare-and-set UPDATE, so of two processes asking at once only one gets it. Free to take: no lease, one
        that ran out, one `holder` holds already, or one held by `replacing` (a holder known to be dead). With
        `due_by`, only while the source is due by then (another process may have just fetched it). Returns the
        source as it is now (its ETag and schedule as the last holder left them), or None."""
        now = utcnow()
        free = [Source.leased_until.is_(None), Source.leased_until < now, Source.leased_by == holder]
        if replacing is not None:
            free.append(Source.leased_by == replacing)
        wanted = [Source.id == source_id, Source.active.is_(True), or_(*free)]
        if due_by is not None:
            wanted.append(Source.next_fetch_at <= due_by)
        with self.session() as s:
            done = s.execute(update(Source).where(*wanted)
                             .values(leased_until=now + timedelta(seconds=seconds), leased_by=holder))
            s.commit()
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return None
            return s.get(Source, source_id)

    def source_lease(self, source_id: int) -> tuple[str | None, datetime | None]:
        """(holder, until) of a source's lease; (None, None) when it has none."""
        with self.session() as s:
            row = s.execute(select(Source.leased_by, Source.leased_until).where(Source.id == source_id)).first()
        return (row[0], row[1]) if row else (None, None)

    def release_source(self, source_id: int, holder: str) -> None:
        """End `holder`'s lease of a source (a lease another process took meanwhile is left alone)."""
        with self.session() as s:
            s.execute(update(Source).where(Source.id == source_id, Source.leased_by == holder)
                      .values(leased_until=None, leased_by=None))
            s.commit()

    @contextmanager
    def story_lock(self) -> Iterator[None]:
        """Held while stories are decided, across processes and machines: two deciders at once could split one
        event. PostgreSQL: a session advisory lock, freed by the server when the holder's connection dies (a
        killed worker leaves no stale lock). SQLite (one machine): an exclusive lock on a file beside the database,
        freed by the kernel when its process dies."""
        if self.engine.dialect.name == "postgresql":
            # Autocommit: the lock belongs to the session, and the connection must not sit idle in a transaction
            # while the stories are decided on other connections.
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"SELECT pg_advisory_lock({STORY_LOCK})")
                try:
                    yield
                finally:
                    conn.exec_driver_sql(f"SELECT pg_advisory_unlock({STORY_LOCK})")
            return
        database = make_url(self.url).database
        if not database or database == ":memory:":
            yield  # a private in-memory database: nobody else can decide
            return
        with open(f"{database}.stories.lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    # ---- articles ------------------------------------------------------------------------------

    def is_known(self, *urls: str, retry_base: float | None = None, retry_cap: float = 86400.0,
                 now: datetime | None = None) -> bool:
        """True if an article has the URL key of one of these URLs (as its URL or canonical URL, under any spelling
        of that key: newsdesk.urls.key_spellings), or the URL failed for good. With `retry_base` (seconds),
        also while a URL that failed for now waits for its next try: `retry_base` after its last failure, twice
        that after two failures in a row, and so on up to `retry_cap`, so that a page that times out or errs is
        not asked again on every pass."""
        keys = _spellings(urls)
        with self.session() as s:
            hit = s.scalar(
                select(ArticleRow.id).where(or_(ArticleRow.url.in_(keys), ArticleRow.canonical_url.in_(keys)))
                .limit(1)
            )
            if hit is not None:
                return True
            failures = s.execute(select(UrlFailure.permanent, UrlFailure.attempts, UrlFailure.last_seen)
                                 .where(UrlFailure.url.in_(keys))).all()
        now = now or utcnow()
        for permanent, attempts, last_seen in failures:
            if permanent:
                return True
            if retry_base is not None and last_seen is not None:
                wait = min(retry_base * 2 ** min(max(attempts - 1, 0), 30), retry_cap)
                if last_seen + timedelta(seconds=wait) > now:
                    return True
        return False

    def save_article(
        self, article: Article, *, source_id: int | None = None, source_name: str | None = None,
        fetched: datetime | None = None,
    ) -> tuple[int, bool]:
        """Store an article once per URL and canonical URL; returns (id, created).

        An exact copy of a stored body (same text, another URL) is stored too, with duplicate_of
        pointing at the first article that had that body. Raises ValueError for a genre that is not one of
        newsdesk.genre.GENRES (or None), before anything is written.
        """
        if article.genre is not None and article.genre not in GENRES:
            raise ValueError(f"{article.url}: unknown genre {article.genre!r} (one of {', '.join(GENRES)}, or none)")
        # PostgreSQL text cannot hold NUL; extraction removes control characters already, but an Article built
        # elsewhere may not have: stored the same way on both engines, without them. Likewise a publication date
        # (newsdesk.dates checks them where they enter): one outside 1990 .. now + 2 days is stored as none.
        article = replace(article, title=_no_nul(article.title), text=_no_nul(article.text) or "",
                          authors=[_no_nul(a) or "" for a in article.authors], language=_no_nul(article.language),
                          agencies=[_no_nul(a) or "" for a in article.agencies],
                          published=sane_date(article.published, what=f"{article.url}: published"))
        source_name = _no_nul(source_name)
        canonical = article.canonical_url or article.url
        digest = content_hash(article.text)
        keys = _spellings((article.url, canonical))
        with self.session() as s:
            existing = s.scalar(
                select(ArticleRow.id).where(or_(ArticleRow.url.in_(keys), ArticleRow.canonical_url.in_(keys))).limit(1)
            )
            if existing is not None:
                return existing, False
            first = s.scalar(
                select(ArticleRow).where(ArticleRow.content_hash == digest).order_by(ArticleRow.id).limit(1)
            )
            row = ArticleRow(
                url=article.url, canonical_url=canonical, source_id=source_id, source_name=source_name,
                title=article.title, text=article.text, authors=list(article.authors), agencies=list(article.agencies),
                published=article.published, language=article.language, image=article.image,
                fetched=fetched or utcnow(), content_hash=digest, genre=article.genre, text_from=article.text_from,
                duplicate_of=(first.duplicate_of or first.id) if first else None,
            )
            s.add(row)
            try:
                # The insert is flushed here at the latest (the UPDATE below autoflushes it): a concurrent writer's
                # same URL fails at that point on PostgreSQL, at the commit on SQLite; both are caught.
                if source_id is not None:
                    s.execute(
                        update(Source).where(Source.id == source_id)
                        .values(articles_found=Source.articles_found + 1)
                    )
                s.commit()
            except IntegrityError:  # another writer stored the same URL between our check and insert
                s.rollback()
                again = s.scalar(
                    select(ArticleRow.id).where(
                        or_(ArticleRow.url.in_([article.url, canonical]),
                            ArticleRow.canonical_url.in_([article.url, canonical]))
                    ).limit(1)
                )
                if again is None:
                    raise
                return again, False
            s.execute(update(UrlFailure).where(UrlFailure.url.in_([article.url, canonical])).values(
                permanent=False, reason="recovered", message="stored after an earlier failure"))
            s.commit()
            return row.id, True

    def record_failure(
        self, url: str, *, source_id: int | None, reason: str, message: str, permanent: bool,
    ) -> None:
        now = utcnow()
        with self.session() as s:
            # One row per page: a failure of another spelling of its address counts as another attempt.
            row = s.scalar(select(UrlFailure).where(UrlFailure.url.in_(_spellings([url]))).order_by(UrlFailure.id)
                           .limit(1))
            if row is None:
                s.add(UrlFailure(url=url, source_id=source_id, reason=reason, message=message,
                                 permanent=permanent, attempts=1, first_seen=now, last_seen=now))
            else:
                row.reason, row.message, row.last_seen = reason, message, now
                row.attempts += 1
                row.permanent = permanent
            try:
                s.commit()
            except IntegrityError:
                s.rollback()

    def failures(self, source_id: int | None = None) -> list[UrlFailure]:
        q = select(UrlFailure).order_by(UrlFailure.id)
        if source_id is not None:
            q = q.where(UrlFailure.source_id == source_id)
        with self.session() as s:
            return list(s.scalars(q))

    def iter_articles(self, batch: int = 500) -> Iterator[StoredArticle]:
        """Every stored article in id order, read in batches so a large store streams."""
        last = 0
        while True:
            with self.session() as s:
                rows = list(s.scalars(
                    select(ArticleRow).where(ArticleRow.id > last).order_by(ArticleRow.id).limit(batch)
                ))
            if not rows:
                return
            for row in rows:
                yield _stored(row)
            last = rows[-1].id

    def article_exists(self, article_id: int) -> bool:
        with self.session() as s:
            return s.get(ArticleRow, article_id) is not None

    # ---- one article's failures in a stage (schema.ArticleFailure) ------------------------------------

    def record_stage_failure(self, article_id: int, stage: str, *, software: str, error: str) -> int:
        """Count one more failed attempt of `stage` on an article, with its error. Attempts count under one
        `software`: another version starts again from one. Returns the attempts so far (MAX_STAGE_ATTEMPTS or
        more: the article is set aside); 0 when the article is gone (removed meanwhile), nothing recorded."""
        now = utcnow()
        error = (_no_nul(error) or "error")[:2000]
        software = _software(software)
        for _ in range(2):  # a second try when another process inserted the same row between read and write
            with self.session() as s:
                row = s.get(ArticleFailure, (article_id, stage))
                if row is None:
                    if s.get(ArticleRow, article_id) is None:
                        return 0
                    row = ArticleFailure(article_id=article_id, stage=stage, attempts=0, software=software,
                                         first_at=now)
                    s.add(row)
                elif row.software != software:
                    row.software, row.attempts, row.first_at = software, 0, now
                row.attempts += 1
                row.error, row.last_at = error, now
                try:
                    s.commit()
                except IntegrityError:
                    s.rollback()
                    continue
                return row.attempts
        return 0

    def clear_stage_failures(self, article_ids: Iterable[int], stage: str) -> None:
        """Forget the failures of `stage` on these articles (it succeeded on them)."""
        ids = list(article_ids)
        with self.session() as s:
            # Read first: most passes have nothing to forget, and a read takes no write lock.
            failed = [i for start in range(0, len(ids), 500) for i in s.scalars(select(ArticleFailure.article_id).where(
                ArticleFailure.stage == stage, ArticleFailure.article_id.in_(ids[start:start + 500])))]
            if failed:
                s.execute(delete(ArticleFailure).where(ArticleFailure.stage == stage,
                                                       ArticleFailure.article_id.in_(failed)))
                s.commit()

    def stage_failures(self, stage: str | None = None, *, source_id: int | None = None) -> list[StageFailure]:
        """Recorded failures, the latest first, with each article's source and URL."""
        q = (select(ArticleFailure, ArticleRow.source_id, ArticleRow.url)
             .join(ArticleRow, ArticleRow.id == ArticleFailure.article_id)
             .order_by(ArticleFailure.last_at.desc(), ArticleFailure.article_id))
        if stage is not None:
            q = q.where(ArticleFailure.stage == stage)
        if source_id is not None:
            q = q.where(ArticleRow.source_id == source_id)
        with self.session() as s:
            return [StageFailure(f.article_id, f.stage, f.attempts, f.error, f.software, f.first_at, f.last_at,
                                 source, url) for f, source, url in s.execute(q)]

    def source_failures(self, source_id: int | None = None) -> dict[int | None, SourceFailures]:
        """Per source (None: articles of no source, e.g. imported files), or of `source_id` alone: its articles
        that failed in a stage."""
        out: dict[int | None, SourceFailures] = {}
        failed: set[int] = set()  # an article failing in two stages counts once
        aside: set[int] = set()
        for f in self.stage_failures(source_id=source_id):  # the latest first: a source's first is its last error
            entry = out.setdefault(f.source_id, SourceFailures(last_error=f.error, last_stage=f.stage,
                                                               last_at=f.last_at))
            if f.article_id not in failed:
                failed.add(f.article_id)
                entry.failed += 1
            if f.set_aside and f.article_id not in aside:
                aside.add(f.article_id)
                entry.set_aside += 1
        return out

    # ---- removals (written by newsdesk.removal; read here by the story engine) -------------------------

    SUPPRESSION_ACTIONS = ("suppressed", "provisional_suppression")
    RESTORE_ACTION = "restored"  # a provisional request rejected: its articles put back, with their ids

    def removed_marker(self) -> int:
        """The newest audit entry of a suppression or a restoration: the point from which `removal_changes`
        reads."""
        with self.session() as s:
            return s.scalar(select(func.max(RemovalAudit.id)).where(
                RemovalAudit.action.in_((*self.SUPPRESSION_ACTIONS, self.RESTORE_ACTION)))) or 0

    def removal_changes(self, after: int) -> tuple[int, list[int], bool]:
        """What the suppressions and restorations logged after audit entry `after` did: the newest entry read
        (where the next look starts), the ids of the articles they removed or quarantined, and whether any
        articles were put back."""
        with self.session() as s:
            rows = s.execute(select(RemovalAudit.id, RemovalAudit.action, RemovalAudit.detail).where(
                RemovalAudit.id > after, RemovalAudit.action.in_((*self.SUPPRESSION_ACTIONS, self.RESTORE_ACTION)))
                .order_by(RemovalAudit.id)).all()
        removed = [int(i) for _, action, detail in rows if action != self.RESTORE_ACTION
                   for i in (detail or {}).get("article_ids", [])]
        restored = any(action == self.RESTORE_ACTION and (detail or {}).get("article_ids")
                       for _, action, detail in rows)
        return (rows[-1].id if rows else after), removed, restored

    # ---- per-site templates (newsdesk.extract.template) ------------------------------------------

    def host_template(self, domain: str) -> dict | None:
        """The stored template of a site (a registered domain), as its owner wrote it; None when none is stored."""
        with self.session() as s:
            return s.scalar(select(HostTemplateRow.template).where(HostTemplateRow.domain == domain))

    def update_host_template(self, domain: str, change: Callable[[dict | None], dict]) -> None:
        """Replace a site's template by `change(stored template or None)`, in one transaction that holds the site's
        lock from the read to the write: two processes learning pages of one site at once both count. The
        template's "pages" entry (an int) is kept beside it, to be read without the template."""
        for attempt in range(2):
            with self.session() as s:
                locks.begin_locked(s, f"host-template:{domain}")
                row = s.get(HostTemplateRow, domain)
                template = change(row.template if row is not None else None)
                pages = int(template.get("pages") or 0)
                if row is None:
                    s.add(HostTemplateRow(domain=domain, pages=pages, template=template, updated_at=utcnow()))
                else:
                    row.template, row.pages, row.updated_at = template, pages, utcnow()
                try:
                    s.commit()
                    return
                except IntegrityError:  # PostgreSQL: another process added the site's first row meanwhile
                    s.rollback()
                    if attempt:
                        raise

    def count_articles(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.count()).select_from(ArticleRow)) or 0

    # ---- stories -------------------------------------------------------------------------------

    def create_story(self) -> int:
        """A new, empty story; its id is final (ids are never reused or reassigned)."""
        now = utcnow()
        with self.session() as s:
            row = StoryRow(brief=[], created_at=now, updated_at=now, latest_at=now, article_count=0,
                           sources_count=0, independent_sources_count=0)
            s.add(row)
            s.commit()
            return row.id

    def pending_articles(self, limit: int = 500, *, after: int = 0,
                         software: str | None = None) -> list[StoredArticle]:
        """Articles not yet in a story, oldest first (the order they arrived in), after id `after`; with
        `software` (the story stage's), not those it has set aside."""
        q = select(ArticleRow).where(ArticleRow.story_id.is_(None), ArticleRow.id > after)
        if software is not None:
            q = q.where(~set_aside(STORIES_STAGE, software))
        with self.session() as s:
            q = q.order_by(ArticleRow.id).limit(limit)
            rows = s.scalars(q)
            return [_stored(r) for r in rows]

    def assign_story(
        self, article_id: int, story_id: int, *, duplicate_of: int | None, minhash: bytes | None, joined_at: datetime,
    ) -> None:
        with self.session() as s:
            s.execute(update(ArticleRow).where(ArticleRow.id == article_id).values(
                story_id=story_id, duplicate_of=duplicate_of, minhash=minhash, story_joined_at=joined_at))
            s.commit()

    def join_story(self, story_id: int, joins: list[StoryJoin], members: list[int] | None, *,
                   analysis: StoryAnalysis | None, **values: Any) -> bool:
        """Place articles in a story and write the story's columns and analysis (None: left as it is) as computed
        from `members` (ids, these articles included), in one transaction: a story never counts or cites members
        it has not got, and a pass killed midway leaves both or neither. Nothing is written, and False returned,
        when the story's members are not `members` once these are placed (a removal meanwhile); None: no such
        check."""
        with self.session() as s:
            for j in joins:
                s.execute(update(ArticleRow).where(ArticleRow.id == j.article_id).values(
                    story_id=story_id, duplicate_of=j.duplicate_of, minhash=j.minhash, story_joined_at=j.joined_at))
            if members is not None and set(s.scalars(
                    select(ArticleRow.id).where(ArticleRow.story_id == story_id))) != set(members):
                s.rollback()
                return False
            _write_story(s, story_id, values, analysis)
            s.commit()
            return True

    def merge_stories(self, into: int, gone: int, members: list[int] | None, *, analysis: StoryAnalysis | None,
                      **values: Any) -> bool:
        """Fold story `gone` into story `into` in one transaction: `gone`'s articles move to `into`, whose columns
        and analysis (None: left as they are) are written as computed from `members` (the ids of both stories'
        articles); `gone` keeps its row, emptied, with `merged_into` set (and so do the stories merged into it
        before), so that its links lead to `into`. Nothing is written, and False returned, when either story was
        merged meanwhile (into the other, or elsewhere) or the members are not `members` once moved (a removal
        meanwhile); None: no check of the members."""
        with self.session() as s:
            # The write comes first: on SQLite it takes the write lock, so what is read below cannot change.
            s.execute(update(ArticleRow).where(ArticleRow.story_id == gone).values(story_id=into))
            if into == gone or final_story_in(s, into) != into or final_story_in(s, gone) != gone or (
                    members is not None and set(s.scalars(
                        select(ArticleRow.id).where(ArticleRow.story_id == into))) != set(members)):
                s.rollback()
                return False
            s.execute(update(StoryRow).where(StoryRow.merged_into == gone).values(merged_into=into))
            s.execute(update(StoryRow).where(StoryRow.id == gone).values(
                merged_into=into, brief=[], article_count=0, sources_count=0, independent_sources_count=0,
                entities=[], statements=[], updated_at=utcnow()))  # the update time moves the data version on
            s.execute(delete(StoryEntityRow).where(StoryEntityRow.story_id == gone))
            _write_story(s, into, values, analysis)
            s.commit()
            return True

    def final_story(self, story_id: int) -> int:
        """The story `story_id` is now: itself, or the story it was merged into."""
        with self.session() as s:
            return final_story_in(s, story_id)

    def merges_since(self, since: datetime) -> list[tuple[int, int]]:
        """(survivor, merged story) of the merges made at or after `since`, oldest first."""
        since_value = UTCDateTime().process_bind_param(since, self.engine.dialect)
        with self.session() as s:
            rows = s.execute(select(StoryRow.merged_into, StoryRow.id).where(
                StoryRow.merged_into.is_not(None), StoryRow.updated_at >= since_value)
                .order_by(StoryRow.updated_at, StoryRow.id)).all()
        return [(int(into), int(gone)) for into, gone in rows]

    def story_members(self, story_id: int) -> list[StoredArticle]:
        """A story's articles in the order they joined it."""
        with self.session() as s:
            rows = s.scalars(select(ArticleRow).where(ArticleRow.story_id == story_id)
                             .order_by(ArticleRow.story_joined_at, ArticleRow.id))
            return [_stored(r) for r in rows]

    def newest_story_time(self) -> datetime | None:
        """The newest date (publication, else fetch) of an article in a story, ignoring dates in the future."""
        when = func.coalesce(ArticleRow.published, ArticleRow.fetched)
        with self.session() as s:
            value = s.scalar(select(func.max(when)).where(ArticleRow.story_id.is_not(None), when <= utcnow()))
        return UTCDateTime().process_result_value(value, self.engine.dialect) if value else None

    def articles_since(self, since: datetime, *, by: str = "date", batch: int = 1000) -> Iterator[StoredArticle]:
        """Articles in a story, oldest first: by="date", every member of the stories that have an article
        dated (publication, else fetch) at or after `since` (the live index's time window); by="joined",
        the articles that joined their story at or after `since`."""
        since_value = UTCDateTime().process_bind_param(since, self.engine.dialect)
        if by == "joined":
            wanted = ArticleRow.story_joined_at >= since_value
        else:
            recent = func.coalesce(ArticleRow.published, ArticleRow.fetched) >= since_value
            wanted = ArticleRow.story_id.in_(select(ArticleRow.story_id).where(recent).distinct())
        last = 0
        while True:
            with self.session() as s:
                rows = list(s.scalars(
                    select(ArticleRow).where(ArticleRow.id > last, ArticleRow.story_id.is_not(None), wanted)
                    .order_by(ArticleRow.id).limit(batch)
                ))
            if not rows:
                return
            yield from (_stored(r) for r in rows)
            last = rows[-1].id

    def update_story(self, story_id: int, *, analysis: StoryAnalysis | None = None, **values: Any) -> None:
        """Write a story's columns and, when given, its analysis (entity index included), in one transaction."""
        with self.session() as s:
            _write_story(s, story_id, values, analysis)
            s.commit()

    # ---- analysis ------------------------------------------------------------------------------

    def pending_analysis(self, limit: int = 64, *, after: tuple[int, int] = (0, 0),
                         outdated_for: str | None = None, software: str | None = None) -> list[StoredArticle]:
        """Articles without an analysis, originals before copies (a copy can then borrow its origin's), each
        kind by id. `after` is the (kind, id) of the last one seen: 0 originals, 1 copies. With `outdated_for`
        (the analyser now running, as `AnalysisRecord.analyzer` names it): instead the articles whose analysis
        another analyser made (an older version of the rules or model), in the same order. With `software`
        (the analysis stage's): not the articles it has set aside."""
        if outdated_for is None:
            waiting = ~exists().where(ArticleAnalysisRow.article_id == ArticleRow.id)
        else:
            # Two ranges of the analyser index (`!=` would read every row, and this runs on every pass).
            waiting = ArticleRow.id.in_(select(ArticleAnalysisRow.article_id).where(or_(
                ArticleAnalysisRow.analyzer < outdated_for, ArticleAnalysisRow.analyzer > outdated_for)))
        if software is not None:
            waiting = waiting & ~set_aside(ANALYSIS_STAGE, software)
        originals, copies = [], []
        with self.session() as s:
            if outdated_for is None:
                done = s.scalar(select(func.count()).select_from(ArticleAnalysisRow)) or 0
                if software is not None:
                    done += s.scalar(select(func.count()).select_from(ArticleFailure).where(
                        ArticleFailure.stage == ANALYSIS_STAGE, ArticleFailure.software == _software(software),
                        ArticleFailure.attempts >= MAX_STAGE_ATTEMPTS,
                        ~exists().where(ArticleAnalysisRow.article_id == ArticleFailure.article_id))) or 0
                if done >= (s.scalar(select(func.count()).select_from(ArticleRow)) or 0):
                    # Every article has its row or is set aside (rows go with their article): counts instead of
                    # a search through every article for one without, which is what would answer "none".
                    return []
            if after[0] == 0:
                originals = list(s.scalars(
                    select(ArticleRow).where(waiting, ArticleRow.duplicate_of.is_(None), ArticleRow.id > after[1])
                    .order_by(ArticleRow.id).limit(limit)))
            if len(originals) < limit:
                floor = after[1] if after[0] == 1 else 0
                copies = list(s.scalars(
                    select(ArticleRow).where(waiting, ArticleRow.duplicate_of.is_not(None), ArticleRow.id > floor)
                    .order_by(ArticleRow.id).limit(limit - len(originals))))
        return [_stored(r) for r in originals + copies]

    def analyses(self, article_ids: Iterable[int]) -> dict[int, AnalysisRecord]:
        """The stored analyses of these articles (see `AnalysisRecord`)."""
        with self.session() as s:
            return load_analyses(s, article_ids)

    def save_analyses(self, records: list[AnalysisRecord], aggregate: StoryAggregator | None = None) -> list[int]:
        """Store the analyses of articles that have none yet, or one another analyser made (it is replaced), and,
        in the same transaction, recompute with `aggregate` the analysis of every story they are in: a pass
        killed at any point leaves either both or neither. Articles analysed meanwhile by the same analyser
        (another process) or removed meanwhile are skipped. Returns the ids of the stories refreshed."""
        if not records:
            return []
        now = utcnow()
        ids = [r.article_id for r in records]
        with self.session() as s:
            # The write comes first: on SQLite it takes the write lock, so what is read below cannot change
            # before the commit (a read-then-write transaction could fail to upgrade its snapshot).
            bump_version(s, ANALYSIS_VERSION)
            wanted = ids + [r.derived_from for r in records if r.derived_from is not None]
            present = set(s.scalars(select(ArticleRow.id).where(ArticleRow.id.in_(wanted))))
            made_by: dict[int, str] = {article_id: analyzer for article_id, analyzer in s.execute(
                select(ArticleAnalysisRow.article_id, ArticleAnalysisRow.analyzer)
                .where(ArticleAnalysisRow.article_id.in_(ids)))}
            rows = [dict(article_id=r.article_id, derived_from=r.derived_from, entities=r.entities,
                         statements=r.statements, analyzer=r.analyzer, error=r.error, analyzed_at=now)
                    for r in records if r.article_id in present and made_by.get(r.article_id) != r.analyzer
                    and (r.derived_from is None or r.derived_from in present)]
            replaced = [row["article_id"] for row in rows if row["article_id"] in made_by]
            if replaced:
                s.execute(delete(ArticleAnalysisRow).where(ArticleAnalysisRow.article_id.in_(replaced)))
            if rows:
                s.execute(insert(ArticleAnalysisRow), rows)
            stories: list[int] = []
            if aggregate is not None and rows:
                stories = sorted(set(s.scalars(select(ArticleRow.story_id).where(
                    ArticleRow.id.in_([r["article_id"] for r in rows]), ArticleRow.story_id.is_not(None)))))
                for story_id in stories:
                    refresh_story_analysis_in(s, story_id, aggregate)
            s.commit()
            return stories

    def drop_failed_analyses(self) -> int:
        """Delete the empty analyses that analysers before the failure records stored for an article whose
        analysis failed (`error` set, never retried): the article is then pending again, and a failure now is
        recorded on it instead (tried again, set aside after MAX_STAGE_ATTEMPTS). Returns how many went. An
        article in a language without a pipeline keeps its row (`error` starting NOT_ANALYSED): no failure."""
        with self.session() as s:
            gone = s.execute(delete(ArticleAnalysisRow).where(ArticleAnalysisRow.error.is_not(None),
                                                              ~ArticleAnalysisRow.error.startswith(NOT_ANALYSED)))
            s.commit()
            return gone.rowcount or 0  # type: ignore[attr-defined]

    def analysis_stats(self) -> dict[str, int]:
        """How many articles are analysed (borrowed analyses among them) and how many wait."""
        with self.session() as s:
            analysed = s.scalar(select(func.count()).select_from(ArticleAnalysisRow)) or 0
            borrowed = s.scalar(select(func.count()).select_from(ArticleAnalysisRow)
                                .where(ArticleAnalysisRow.derived_from.is_not(None))) or 0
            total = s.scalar(select(func.count()).select_from(ArticleRow)) or 0
        return {"analysed": analysed, "borrowed": borrowed, "pending": max(total - analysed, 0)}

    def get_story(self, story_id: int) -> StoryRow | None:
        with self.session() as s:
            return s.get(StoryRow, story_id)

    def list_stories(self, limit: int = 30, offset: int = 0) -> list[StoryRow]:
        """Stories with articles, the latest reported first (`StoryRow.latest_at`), as the site lists them."""
        with self.session() as s:
            return list(s.scalars(
                select(StoryRow).where(StoryRow.article_count > 0)
                .order_by(StoryRow.latest_at.desc(), StoryRow.id.desc()).limit(limit).offset(offset)
            ))
