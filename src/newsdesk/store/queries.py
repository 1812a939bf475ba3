"""Read models for the web layer: what pages, the API and feeds show, each page one bounded set of queries.

- Front page: current stories ranked by breadth and freshness,
  `score = ln(1 + independent) + ln(1 + sources) / 2 - hours_before_the_newest_report / TAU_HOURS`, a story's
  time being its latest report's publication (`StoryRow.latest_at`), over a bounded candidate set (stories
  updated within `CANDIDATE_DAYS` of the newest update, at most `MAX_CANDIDATES`), cached per data version so
  that a page costs a few index lookups. Other lists: the latest reported first, by `latest_at`.
- Every list is cursor-paginated: a cursor is opaque URL-safe base64 of the last row's sort key, tagged with
  the list it belongs to; a cursor that cannot be read raises `BadCursor` with the reason.
- A page's stories get their outlets and first articles in one query each (no query per story).
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, TextClause, case, exists, func, or_, select, text, tuple_

from newsdesk.errors import NewsdeskError
from newsdesk.genre import OPINION
from newsdesk.keys import name_key, name_words, utcnow
from newsdesk.store import pictures
from newsdesk.store.repository import ANALYSIS_VERSION, CONTENT_VERSION, NOT_ANALYSED, STAGES, SourceFailures, Store
from newsdesk.store.schema import (
    MAX_ID,
    MAX_STAGE_ATTEMPTS,
    ArticleAnalysisRow,
    ArticleFailure,
    ArticleRow,
    Meta,
    Source,
    StoryEntityRow,
    StoryEntityWordRow,
    StoryRow,
)
from newsdesk.text import language_code

TAU_HOURS = 12.0
CANDIDATE_DAYS = 3
MAX_CANDIDATES = 2000
LIST_ARTICLES = 10  # articles shown with each story of a list
MAX_STORY_ARTICLES = 300  # articles shown on one story page (all of them: /api/articles?story=ID)


T = TypeVar("T")


class BadCursor(NewsdeskError, ValueError):
    """A pagination cursor that is not one this list gave out."""

    reason = "bad_cursor"


def encode_cursor(kind: str, **key: Any) -> str:
    raw = json.dumps({"k": kind, **key}, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str, fields: dict[str, type | tuple[type, ...]]) -> dict[str, Any]:
    """The key inside a cursor, checked field by field; BadCursor says what is wrong with it."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise BadCursor("cursor is not valid: pass back exactly the 'next' value of a previous page") from exc
    if not isinstance(data, dict) or data.get("k") != kind:
        raise BadCursor("cursor belongs to another list: pass back exactly the 'next' value of this list")
    for name, kind_ in fields.items():
        value = data.get(name)
        # The integers are ids (or offsets), compared with id columns: beyond MAX_ID, PostgreSQL refuses the
        # comparison (and beyond 64 bits no engine can bind them), an error instead of a 400.
        if (not isinstance(value, kind_) or isinstance(value, bool)
                or (isinstance(value, int) and not -MAX_ID <= value <= MAX_ID)):
            raise BadCursor(f"cursor is damaged (field {name!r}): pass back exactly the 'next' value of this list")
    return data


def _time(value: Any) -> datetime | None:
    """A datetime read through Core (already aware via UTCDateTime) or a cursor's ISO text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# ---- read models ----------------------------------------------------------------------------------------


@dataclass
class ArticleSummary:
    id: int
    url: str
    title: str | None
    source: str | None
    source_id: int | None
    published: datetime | None
    fetched: datetime
    language: str | None
    story_id: int | None
    duplicate_of: int | None
    genre: str | None = None  # "opinion", "roundup" or None for reporting
    text_from: str = "page"  # "feed": the page failed, the text is the feed item's own

    @property
    def when(self) -> datetime:
        """Its place in time lines: published, else fetched (marked so: `newsdesk.web.pages.article_time`)."""
        return self.published or self.fetched

    @property
    def received(self) -> str:
        """How it reached the store: "fetched" from a source, or "imported" from files (no source)."""
        return "imported" if self.source_id is None else "fetched"


@dataclass
class OriginGroup:
    """An article reported independently, with the copies of it that other outlets printed."""

    origin: ArticleSummary
    copies: list[ArticleSummary] = field(default_factory=list)


@dataclass
class StoryView:
    id: int
    headline: str | None
    brief: list[dict]
    created_at: datetime
    updated_at: datetime
    first_published: datetime | None
    last_published: datetime | None
    article_count: int
    sources_count: int
    independent_sources_count: int
    # Where lists place it (StoryRow.latest_at): last_published, or when it was last updated where no article
    # of it has a date.
    latest_at: datetime | None = None
    outlets: list[str] = field(default_factory=list)  # independent outlets first, then by name
    languages: list[str] = field(default_factory=list)  # of its articles, the most used first (read with outlets)
    articles: list[ArticleSummary] = field(default_factory=list)
    score: float | None = None
    # Every article of the story was removed following a removal request: show a notice, not the story.
    removed: bool = False
    # Who and who said what (newsdesk.analyze.aggregate): [{name, type, mentions, role?, key}] and grouped
    # statements [{speaker, speaker_role, text, verb, kind, status, quote, article_id, start, end, article_ids,
    # independent_origins, outlets, state_media_only}], most corroborated first. Empty until analysed.
    entities: list[dict] = field(default_factory=list)
    statements: list[dict] = field(default_factory=list)
    # Merged into this story (an article showed both to be one event): its links lead there.
    merged_into: int | None = None


@dataclass
class EntityView:
    """One entity across stories (`story_entities`): `key` is "type:folded name", e.g. "person:kim jong un"."""

    key: str
    name: str  # as the newest story names it
    type: str
    role: str | None
    stories: int  # how many stories it appears in
    mentions: int  # over those stories
    names: list[str] = field(default_factory=list)  # every name those stories give it, newest first
    keys: list[str] = field(default_factory=list)  # the keys of those names, its own first


@dataclass
class AnalysisCoverage:
    """Which of a story's articles its who-said-what comes from, by language (ISO 639-1 codes; "" where an
    article's language is not known)."""

    analysed: dict[str, int] = field(default_factory=dict)
    not_analysed: dict[str, int] = field(default_factory=dict)  # in a language without a pipeline
    waiting: int = 0  # not analysed yet (or their analysis failed and is tried again)


@dataclass
class StoryDetail:
    story: StoryView
    timeline: list[OriginGroup]  # the reporting, each origin with its copies, in the order it appeared
    articles_total: int
    opinion: list[OriginGroup] = field(default_factory=list)  # editorials, op-eds, columns, in time order
    analysis: AnalysisCoverage = field(default_factory=AnalysisCoverage)
    # With `pictures`: the lead picture, and (publication time, is a reprint) of every report, for the chart
    lead_image: pictures.LeadImage | None = None
    report_times: list[tuple[datetime | None, bool]] = field(default_factory=list)


@dataclass
class SourceView:
    id: int
    url: str
    title: str | None
    site_url: str | None
    category: str | None
    kind: str
    active: bool
    added_at: datetime
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_error_reason: str | None
    consecutive_failures: int
    articles_found: int
    next_fetch_at: datetime
    interval_seconds: int
    last_pass: dict[str, Any] | None = None  # schema.Source.last_pass: what its last pass did with its entries
    outlet: str | None = None  # schema.Source.name: the outlet's name, as its articles show it

    @property
    def name(self) -> str:
        return self.outlet or self.title or self.url

    @property
    def healthy(self) -> bool:
        return self.last_status not in ("error", "warning")


# A source's last status in words, for readers (pages, `sources list`); the API and --json keep the stored values,
# which are a contract (collect.SourceReport.status says what each means).
SOURCE_STATUS_WORDS = {
    None: "not fetched yet",
    "ok": "fetched",
    "not_modified": "unchanged since last fetch",
    "warning": "entries failed, none stored",
    "error": "fetch failed",
    "deferred": "waiting: the last pass ran out of time",
    "leased": "being fetched by another process",
}


def source_status_words(status: str | None) -> str:
    """`status` (a source's stored last_status) as a reader would say it; an unknown one with its underscores
    as spaces, so a value added later still reads as words."""
    return SOURCE_STATUS_WORDS.get(status) or (status or "").replace("_", " ")


@dataclass
class Page(Generic[T]):
    items: list[T]
    next: str | None


@dataclass(frozen=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    source_id: int | None = None
    outlet: str | None = None
    language: str | None = None

    def key(self) -> tuple[Any, ...]:
        return (self.since, self.until, self.source_id, self.outlet, self.language)


_ARTICLE_COLS = (ArticleRow.id, ArticleRow.url, ArticleRow.title, ArticleRow.source_name, ArticleRow.source_id,
                 ArticleRow.published, ArticleRow.fetched, ArticleRow.language, ArticleRow.story_id,
                 ArticleRow.duplicate_of, ArticleRow.genre, ArticleRow.text_from)


# Statements of the hot read paths as text with typed result columns, built once per number of ids: building
# and caching a SQLAlchemy union of twenty selects cost more than running it.
_A, _S = ArticleRow.__table__.c, StoryRow.__table__.c
_ARTICLE_TYPED = (_A.id, _A.url, _A.title, _A.source_name, _A.source_id, _A.published, _A.fetched, _A.language,
                  _A.story_id, _A.duplicate_of, _A.genre, _A.text_from)
_STORY_TYPED = (_S.id, _S.headline, _S.brief, _S.created_at, _S.updated_at, _S.first_published, _S.last_published,
                _S.article_count, _S.sources_count, _S.independent_sources_count, _S.removal_request_id,
                _S.entities, _S.statements, _S.merged_into, _S.latest_at)
_ARTICLE_NAMES = ", ".join(c.name for c in _ARTICLE_TYPED)
_STORY_NAMES = ", ".join(c.name for c in _STORY_TYPED)


def _marks(n: int) -> str:
    return ", ".join(f":i{k}" for k in range(n))


@lru_cache(maxsize=256)
def _stories_sql(n: int) -> TextClause:
    return text(f"SELECT {_STORY_NAMES} FROM stories WHERE id IN ({_marks(n)})").columns(*_STORY_TYPED)


@lru_cache(maxsize=256)
def _heads_sql(n: int) -> TextClause:
    typed = tuple(c for c in _STORY_TYPED if c.name not in ("brief", "entities", "statements", "merged_into"))
    return text(f"SELECT {', '.join(c.name for c in typed)} FROM stories WHERE id IN ({_marks(n)})").columns(*typed)


@lru_cache(maxsize=256)
def _outlets_sql(n: int) -> TextClause:
    return text(f"SELECT story_id, source_name, min(coalesce(duplicate_of, 0)) AS copy_flag FROM articles "
                f"WHERE story_id IN ({_marks(n)}) GROUP BY story_id, source_name")


@lru_cache(maxsize=256)
def _languages_sql(n: int) -> TextClause:
    return text(f"SELECT story_id, lower(language), count(*) FROM articles WHERE story_id IN ({_marks(n)}) "
                f"AND language IS NOT NULL GROUP BY story_id, lower(language)")


@lru_cache(maxsize=256)
def _firsts_sql(n: int) -> TextClause:
    """The first :lim articles (by publication, then id) of each of n stories, story by story."""
    # Each derived table named (f0, f1...): PostgreSQL before 16 requires it.
    parts = [f"SELECT * FROM (SELECT {_ARTICLE_NAMES} FROM articles WHERE story_id = :i{k} "
             f"ORDER BY published, id LIMIT :lim) AS f{k}" for k in range(n)]
    return text(" UNION ALL ".join(parts)).columns(*_ARTICLE_TYPED)


def _coverage(conn: Any, story_id: int) -> AnalysisCoverage:
    """How many of the story's articles were analysed and in which languages (one grouped query)."""
    analysis = ArticleAnalysisRow
    analysed = analysis.article_id.is_not(None) & analysis.error.is_(None)
    unread = func.coalesce(analysis.error.startswith(NOT_ANALYSED), False)
    rows = conn.execute(
        select(ArticleRow.language, analysed, unread, func.count())
        .select_from(ArticleRow).outerjoin(analysis, analysis.article_id == ArticleRow.id)
        .where(ArticleRow.story_id == story_id).group_by(ArticleRow.language, analysed, unread)).all()
    out = AnalysisCoverage()
    for language, analysed, not_analysed, count in rows:
        code = language_code(language) or ""
        if analysed:
            out.analysed[code] = out.analysed.get(code, 0) + count
        elif not_analysed:
            out.not_analysed[code] = out.not_analysed.get(code, 0) + count
        else:
            out.waiting += count
    return out


def _article(row: Any) -> ArticleSummary:
    return ArticleSummary(id=row[0], url=row[1], title=row[2], source=row[3], source_id=row[4],
                          published=_time(row[5]), fetched=_time(row[6]) or utcnow(), language=row[7],
                          story_id=row[8], duplicate_of=row[9], genre=row[10], text_from=row[11])


def _story(row: Any) -> StoryView:
    """A story from a row of `_stories_sql` or `_heads_sql` (which leaves the brief and analysis out)."""
    m = row._mapping
    return StoryView(id=m["id"], headline=m["headline"], brief=list(m.get("brief") or []),
                     created_at=_time(m["created_at"]), updated_at=_time(m["updated_at"]),
                     first_published=_time(m["first_published"]), last_published=_time(m["last_published"]),
                     article_count=m["article_count"], sources_count=m["sources_count"],
                     independent_sources_count=m["independent_sources_count"],
                     removed=m["removal_request_id"] is not None,
                     entities=list(m.get("entities") or []), statements=list(m.get("statements") or []),
                     merged_into=m.get("merged_into"), latest_at=_time(m["latest_at"]) or _time(m["updated_at"]))


def _source(row: Source) -> SourceView:
    return SourceView(
        id=row.id, url=row.url, title=row.title, site_url=row.site_url, category=row.category, kind=row.kind,
        active=row.active, added_at=row.added_at, last_fetch_at=row.last_fetch_at,
        last_success_at=row.last_success_at, last_status=row.last_status, last_error=row.last_error,
        last_error_reason=row.last_error_reason, consecutive_failures=row.consecutive_failures,
        articles_found=row.articles_found, next_fetch_at=row.next_fetch_at, interval_seconds=row.interval_seconds,
        last_pass=_last_pass(row.last_pass), outlet=row.name,
    )


def _last_pass(value: Any) -> dict[str, Any] | None:
    """A source's last_pass as stored, its time read back as a datetime (None when absent or unreadable)."""
    if not isinstance(value, dict):
        return None
    try:
        return value | {"at": datetime.fromisoformat(value["at"])}
    except (KeyError, TypeError, ValueError):
        return None


def score(independent: int, sources: int, hours_since_update: float) -> float:
    """Breadth of coverage (independent outlets first) minus age."""
    return math.log1p(independent) + math.log1p(sources) / 2 - max(hours_since_update, 0.0) / TAU_HOURS


def _edge_words(key: str) -> set[str]:
    """The first and last words of the name in an entity key: those a person is called by alone."""
    words = name_words(key.split(":", 1)[1])
    return {words[0], words[-1]} if words else set()


class _PersonNames:
    """The person keys of the entity index by name word (`story_entity_words`), read once per word in a session:
    what `Reader._family` compares."""

    def __init__(self, s: Any) -> None:
        self.s = s
        self.by_word: dict[str, dict[str, list[str]]] = {}

    def with_words(self, words: set[str]) -> dict[str, list[str]]:
        """The person keys holding one of `words` as a word, each with its name's words."""
        missing = sorted(words - self.by_word.keys())
        for w in missing:
            self.by_word[w] = {}
        if missing:
            for w, k in self.s.execute(select(StoryEntityWordRow.word, StoryEntityWordRow.entity_key).distinct()
                                       .where(StoryEntityWordRow.word.in_(missing),
                                              StoryEntityWordRow.entity_key >= "person:",
                                              StoryEntityWordRow.entity_key < "person;")):
                self.by_word[w][k] = name_words(k.split(":", 1)[1])
        return {k: ws for w in words for k, ws in self.by_word[w].items()}


class Reader:
    """Read-only queries over a Store, with the front page's ranking cached per data version."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._rank_cache: OrderedDict[tuple[Any, ...], list[tuple[float, int]]] = OrderedDict()
        self._lock = threading.Lock()
        self._source_names: tuple[float, list[tuple[int, str]]] = (-1e9, [])

    # ---- versions (ETags, caches) ------------------------------------------------------------------

    def data_version(self) -> str:
        """Changes whenever a story or an article is added or a story is updated, and after every removal
        or restoration (which can delete rows without moving any of the maxima): four index lookups."""
        with self.store.session() as s:
            row = s.execute(select(
                select(func.max(StoryRow.updated_at)).scalar_subquery(),
                select(func.max(StoryRow.id)).scalar_subquery(),
                select(func.max(ArticleRow.id)).scalar_subquery(),
                select(Meta.value).where(Meta.key == CONTENT_VERSION).scalar_subquery(),
                # entities and statements are rewritten without moving a story's update time
                select(Meta.value).where(Meta.key == ANALYSIS_VERSION).scalar_subquery(),
            )).one()
        return f"{row[0]}|{row[1]}|{row[2]}|{row[3]}|{row[4]}"

    # ---- stories ------------------------------------------------------------------------------------

    def _story_filters(self, q: Select[Any], f: Filters) -> Select[Any]:
        if f.since is not None:
            q = q.where(StoryRow.latest_at >= f.since)
        if f.until is not None:
            q = q.where(func.coalesce(StoryRow.first_published, StoryRow.created_at) <= f.until)
        member = []
        if f.source_id is not None:
            member.append(ArticleRow.source_id == f.source_id)
        if f.outlet is not None:
            member.append(ArticleRow.source_name == f.outlet)
        if f.language is not None:
            member.append(func.lower(ArticleRow.language) == f.language.lower())
        if member:
            q = q.where(exists().where(ArticleRow.story_id == StoryRow.id, *member))
        return q

    def _ranking(self, f: Filters) -> list[tuple[float, int]]:
        """[(-score, -id)] of the current stories in front-page order, computed once per data version.

        The candidates are the stories the site received lately (updated within CANDIDATE_DAYS of the newest
        update); a story's age is that of its latest report by publication (`StoryRow.latest_at`) beside the
        newest report among them: stories of 2019 imported today are on the front page, after today's news and
        in their own order, not as if they were today's."""
        key = (self.data_version(), f.key())
        with self._lock:
            if key in self._rank_cache:
                self._rank_cache.move_to_end(key)
                return self._rank_cache[key]
        with self.store.session() as s:
            newest = _time(s.scalar(select(func.max(StoryRow.updated_at)).where(StoryRow.article_count > 0)))
            ranking: list[tuple[float, int]] = []
            if newest is not None:
                q = select(StoryRow.id, StoryRow.latest_at, StoryRow.updated_at, StoryRow.sources_count,
                           StoryRow.independent_sources_count).where(
                    StoryRow.article_count > 0, StoryRow.updated_at >= newest - timedelta(days=CANDIDATE_DAYS))
                q = self._story_filters(q, f).order_by(StoryRow.updated_at.desc(), StoryRow.id.desc())
                rows = [(sid, _time(latest) or _time(updated), sources, independent)
                        for sid, latest, updated, sources, independent in s.execute(q.limit(MAX_CANDIDATES))]
                newest_report = max((latest for _, latest, _, _ in rows), default=newest)
                for sid, latest, sources, independent in rows:
                    hours = (newest_report - latest).total_seconds() / 3600
                    ranking.append((-round(score(independent, sources, hours), 6), -sid))
            ranking.sort()
        with self._lock:
            self._rank_cache[key] = ranking
            while len(self._rank_cache) > 64:
                self._rank_cache.popitem(last=False)
        return ranking

    def front_page(self, limit: int = 20, cursor: str | None = None, filters: Filters | None = None,
                   ) -> Page[StoryView]:
        ranking = self._ranking(filters or Filters())
        start = 0
        if cursor:
            key = decode_cursor(cursor, "rank", {"s": (int, float), "i": int})
            start = bisect.bisect_right(ranking, (-float(key["s"]), -key["i"]))
        chosen = ranking[start:start + limit]
        stories = self.stories_by_ids([-i for _, i in chosen])
        for (neg_score, _), story in zip(chosen, stories, strict=True):
            story.score = -neg_score
        more = start + limit < len(ranking)
        nxt = encode_cursor("rank", s=-chosen[-1][0], i=-chosen[-1][1]) if more and chosen else None
        return Page(stories, nxt)

    def latest_stories(self, limit: int = 20, cursor: str | None = None, filters: Filters | None = None,
                       ) -> Page[StoryView]:
        """Every story, the latest reported first (by publication: `StoryRow.latest_at`), through its index."""
        q = select(StoryRow.id, StoryRow.latest_at).where(StoryRow.article_count > 0)
        q = self._story_filters(q, filters or Filters())
        if cursor:
            key = decode_cursor(cursor, "latest", {"t": str, "i": int})
            try:
                at = _time(key["t"])
            except ValueError as exc:
                raise BadCursor("cursor is damaged (field 't'): pass back exactly the 'next' value") from exc
            q = q.where(tuple_(StoryRow.latest_at, StoryRow.id) < tuple_(at, key["i"]))
        q = q.order_by(StoryRow.latest_at.desc(), StoryRow.id.desc()).limit(limit + 1)
        with self.store.session() as s:
            rows = s.execute(q).all()
        more = len(rows) > limit
        rows = rows[:limit]
        nxt = encode_cursor("latest", t=_time(rows[-1][1]).isoformat(), i=rows[-1][0]) if more and rows else None
        return Page(self.stories_by_ids([r[0] for r in rows]), nxt)

    def stories_by_ids(self, ids: list[int], articles_each: int = LIST_ARTICLES,
                       outlets: bool = True, languages: bool | None = None) -> list[StoryView]:
        """The stories in the given order, each with its outlets (unless `outlets` is false), languages (by
        default with the outlets) and first articles: four queries at most."""
        if not ids:
            return []
        unique = list(dict.fromkeys(ids))
        params = {f"i{k}": sid for k, sid in enumerate(unique)}
        with self.store.engine.connect() as conn:
            found = {r[0]: _story(r) for r in conn.execute(_stories_sql(len(unique)), params)}
            outlet_rows = conn.execute(_outlets_sql(len(unique)), params).all() if outlets else []
            with_languages = outlets if languages is None else languages
            language_rows = conn.execute(_languages_sql(len(unique)), params).all() if with_languages else []
            firsts: list[Any] = []
            if articles_each > 0:
                # One statement, one index range (story_id, published) per story, each stopped by its LIMIT:
                # a story with thousands of articles costs no more than one with ten.
                firsts = list(conn.execute(_firsts_sql(len(unique)), {**params, "lim": articles_each}))
        names: dict[int, list[tuple[int, str]]] = {}
        for sid, name, copy_flag in outlet_rows:
            if name:
                names.setdefault(sid, []).append((1 if copy_flag else 0, name))
        for sid, entries in names.items():
            if sid in found:
                found[sid].outlets = [n for _, n in sorted(entries, key=lambda e: (e[0], e[1].lower()))]
        for sid, language, _ in sorted(language_rows, key=lambda r: (-r[2], str(r[1]))):
            if sid in found and language:
                found[sid].languages.append(str(language))
        for row in firsts:
            story = found.get(row[8])
            if story is not None:
                story.articles.append(_article(row))
        return [found[i] for i in ids if i in found]

    def story_heads(self, ids: list[int]) -> list[StoryView]:
        """The stories in the given order, their own columns only: no brief (not even parsed), outlets or
        articles. One query; for lists that show a headline and counts (the search page)."""
        if not ids:
            return []
        unique = list(dict.fromkeys(ids))
        with self.store.engine.connect() as conn:
            rows = conn.execute(_heads_sql(len(unique)), {f"i{k}": sid for k, sid in enumerate(unique)})
            found = {r[0]: _story(r) for r in rows}
        return [found[i] for i in ids if i in found]

    def story(self, story_id: int, limit: int = MAX_STORY_ARTICLES, outlets: bool = True,
              with_pictures: bool = False) -> StoryDetail | None:
        """A story with its first `limit` articles (by publication) and every article its brief cites, grouped
        by origin, and its timeline; its outlets' names unless `outlets` is false (the page lists the articles
        themselves, and naming the outlets reads every article of a large story); its languages always; its lead
        picture and its reports' times (`with_pictures`, for its page's picture and coverage chart), on the same
        connection, the times from the articles read when they are all of them."""
        found = self.stories_by_ids([story_id], articles_each=0, outlets=outlets, languages=True)
        if not found:
            return None
        story = found[0]
        with self.store.engine.connect() as conn:
            coverage = _coverage(conn, story_id)
            rows = conn.execute(_firsts_sql(1), {"i0": story_id, "lim": limit}).all()
            loaded = {r[0] for r in rows}
            cited = {c.get("article_id") for sentence in story.brief for c in sentence.get("citations", [])}
            missing = sorted(i for i in cited if isinstance(i, int) and i not in loaded)
            if missing:  # a citation must name its article even when the story has more than `limit`
                rows += conn.execute(select(*_ARTICLE_COLS).where(ArticleRow.id.in_(missing),
                                                                  ArticleRow.story_id == story_id)).all()
            members = [_article(r) for r in rows]
            lead, times = None, []
            if with_pictures:
                lead = pictures.lead_image_in(conn, story_id)
                if len(members) >= story.article_count:
                    times = [(a.published, a.duplicate_of is not None) for a in members]
                else:
                    times = pictures.report_times_in(conn, story_id)
        story.articles = members
        by_id = {a.id: a for a in members}
        groups: dict[int, OriginGroup] = {}
        for a in members:
            if a.duplicate_of is None or a.duplicate_of not in by_id:
                groups[a.id] = OriginGroup(a)
        for a in members:
            if a.id in groups:
                continue
            root, seen = a, {a.id}
            while root.duplicate_of is not None and root.duplicate_of in by_id and root.duplicate_of not in seen:
                root = by_id[root.duplicate_of]
                seen.add(root.id)
            if root.id in groups:
                groups[root.id].copies.append(a)
            else:  # a loop of copies (never written by the pipeline): show the article on its own
                groups[a.id] = OriginGroup(a)
        # Opinion counts among the story's outlets but is not its reporting: shown apart, in time order.
        opinion = sorted((g for g in groups.values() if g.origin.genre == OPINION),
                         key=lambda g: (g.origin.when, g.origin.id))
        reporting = [g for g in groups.values() if g.origin.genre != OPINION]
        timeline = sorted(reporting, key=lambda g: (g.origin.when, g.origin.id))
        return StoryDetail(story=story, timeline=timeline, articles_total=story.article_count,
                           opinion=opinion, analysis=coverage, lead_image=lead, report_times=times)

    # ---- entities -----------------------------------------------------------------------------------
    #
    # One person under all their names: the stories that name "Trump" only and those that name "Donald Trump"
    # are one person's when the index knows one full name with "trump" as its first or last word, and those that
    # name "Donald Trump" and "Donald J. Trump" are when the two names differ only by initials. A word two
    # different full names share ("Trump": Donald Trump, Ivanka Trump) merges nothing. Within one story the
    # aggregate has merged already ("Trump" beside "Donald Trump" is Donald Trump).

    @staticmethod
    def _family(names: _PersonNames, key: str) -> list[str]:
        """The keys of the entity `key` names, the one it is best known by first: see above."""
        type_, _, folded = key.partition(":")
        words = name_words(folded)
        if type_ != "person" or not words:
            return [key]
        found = names.with_words(_edge_words(key))
        if len(words) == 1:
            full = {tuple(ws) for ws in found.values() if len(ws) > 1 and words[0] in (ws[0], ws[-1])}
            if len(full) != 1:
                return [key]
            words = list(next(iter(full)))
            found = names.with_words({words[0], words[-1]})
        core = tuple(words)
        family = [k for k, ws in found.items() if tuple(ws) == core]
        for edge in dict.fromkeys((words[0], words[-1])):
            short = f"person:{edge}"
            others = {tuple(ws) for ws in found.values() if len(ws) > 1 and edge in (ws[0], ws[-1])}
            if short in found and others == {core}:
                family.append(short)
        if len(family) < 2:
            return family or [key]
        counts = dict(names.s.execute(select(StoryEntityRow.entity_key, func.count()).where(
            StoryEntityRow.entity_key.in_(family)).group_by(StoryEntityRow.entity_key)).all())
        # The full name most stories use names it; then the longest (an initial more), then the key's order.
        return sorted(family, key=lambda k: (len(name_words(k.split(":", 1)[1])) < 2, -counts.get(k, 0), -len(k), k))

    @staticmethod
    def _entity_view(s: Any, family: list[str]) -> EntityView | None:
        in_family = StoryEntityRow.entity_key.in_(family)
        counts = s.execute(select(func.count(func.distinct(StoryEntityRow.story_id)),
                                  func.coalesce(func.sum(StoryEntityRow.mentions), 0)).where(in_family)).one()
        newest = s.execute(select(StoryEntityRow.name, StoryEntityRow.type, StoryEntityRow.role)
                           .where(StoryEntityRow.entity_key == family[0])
                           .order_by(StoryEntityRow.story_id.desc()).limit(1)).first()
        if not counts[0] or newest is None:
            return None
        role = newest[2] or s.scalar(select(StoryEntityRow.role).where(
            in_family, StoryEntityRow.role.is_not(None)).order_by(StoryEntityRow.story_id.desc()).limit(1))
        names = [newest[0]]
        if len(family) > 1:
            names = list(dict.fromkeys(s.scalars(select(StoryEntityRow.name).where(in_family)
                                                 .order_by(StoryEntityRow.story_id.desc()).limit(200))))
        return EntityView(key=family[0], name=newest[0], type=newest[1], role=role, stories=counts[0],
                          mentions=int(counts[1]), names=names, keys=family)

    def entity(self, key: str) -> EntityView | None:
        """One entity by its key ("person:kim jong un"), or None when no story names it; under the key of the
        name it is best known by ("person:trump" is Donald Trump when the index knows no other Trump)."""
        with self.store.session() as s:
            return self._entity_view(s, self._family(_PersonNames(s), key))

    def entity_stories(self, key: str, limit: int = 20, cursor: str | None = None) -> Page[StoryView]:
        """The stories an entity appears in under any of its names (`entity`), newest first (by when the story
        was first seen: ids only grow), through the (entity_key, story_id) index."""
        with self.store.session() as s:
            family = self._family(_PersonNames(s), key)
            if len(family) == 1:  # one key holds a story once: the index's order, no sort
                q = select(StoryEntityRow.story_id).where(StoryEntityRow.entity_key == family[0])
            else:
                q = select(StoryEntityRow.story_id).distinct().where(StoryEntityRow.entity_key.in_(family))
            if cursor:
                q = q.where(StoryEntityRow.story_id < decode_cursor(cursor, "entity", {"i": int})["i"])
            ids = list(s.scalars(q.order_by(StoryEntityRow.story_id.desc()).limit(limit + 1)))
        more = len(ids) > limit
        ids = ids[:limit]
        nxt = encode_cursor("entity", i=ids[-1]) if more and ids else None
        return Page(self.stories_by_ids(ids), nxt)

    def find_entities(self, name_prefix: str, limit: int = 20) -> list[EntityView]:
        """Entities whose name, or a word of whose name, starts with `name_prefix` (case, spacing and hyphens
        ignored), those in the most stories first; a person once under all their names (`entity`)."""
        # NUL dropped, as from every name the store saves: PostgreSQL cannot even compare text holding one.
        prefix = name_key(name_prefix.replace("\x00", ""))
        if not prefix:
            return []
        # Ranges over the name and word indexes, not LIKE: portable, and SQLite uses the index for them. A range
        # means "starts with" only in code-point order: PostgreSQL compares in the C collation, whatever the
        # database's, through the C-collation indexes of migrations 0006 and 0013.
        key, word = StoryEntityRow.name_key, StoryEntityWordRow.word
        if self.store.engine.dialect.name == "postgresql":
            key, word = key.collate("C"), word.collate("C")
        by_word = select(StoryEntityWordRow.entity_key).where((word >= prefix) & (word < prefix + "\U0010ffff"))
        in_range = ((key >= prefix) & (key < prefix + "\U0010ffff")) | StoryEntityRow.entity_key.in_(by_word)
        stories = func.count().label("stories")
        q = (select(StoryEntityRow.entity_key, func.max(StoryEntityRow.story_id), stories,
                    func.sum(StoryEntityRow.mentions))
             .where(in_range).group_by(StoryEntityRow.entity_key)
             .order_by(stories.desc(), StoryEntityRow.entity_key).limit(limit))
        with self.store.session() as s:
            found = s.execute(q).all()
            if not found:
                return []
            # Each row by its primary key: a row-value IN list is not read through the index by SQLite.
            newest = {(k, sid): (n, t, r) for k, sid, n, t, r in s.execute(
                select(StoryEntityRow.entity_key, StoryEntityRow.story_id, StoryEntityRow.name, StoryEntityRow.type,
                       StoryEntityRow.role)
                .where(or_(*((StoryEntityRow.entity_key == r[0]) & (StoryEntityRow.story_id == r[1])
                             for r in found))))}
            names = _PersonNames(s)
            names.with_words({w for k, *_ in found if k.startswith("person:") for w in _edge_words(k)})
            out: list[EntityView] = []
            seen: set[str] = set()
            for k, sid, count, mentions in found:
                family = self._family(names, k)
                if family[0] in seen:
                    continue
                if family == [k]:
                    name, type_, role = newest[(k, sid)]
                    view: EntityView | None = EntityView(key=k, name=name, type=type_, role=role, stories=count,
                                                         mentions=int(mentions), names=[name], keys=[k])
                else:
                    view = self._entity_view(s, family)
                if view is not None and view.key not in seen:
                    seen.add(view.key)
                    out.append(view)
        out.sort(key=lambda e: -e.stories)  # stable: a person under all their names may count more stories
        return out

    # ---- articles -----------------------------------------------------------------------------------

    def articles(self, limit: int = 50, cursor: str | None = None, filters: Filters | None = None,
                 story_id: int | None = None) -> Page[ArticleSummary]:
        """Articles, newest stored first."""
        f = filters or Filters()
        q = select(*_ARTICLE_COLS)
        when = func.coalesce(ArticleRow.published, ArticleRow.fetched)
        if f.since is not None:
            q = q.where(when >= f.since)
        if f.until is not None:
            q = q.where(when <= f.until)
        if f.source_id is not None:
            q = q.where(ArticleRow.source_id == f.source_id)
        if f.outlet is not None:
            q = q.where(ArticleRow.source_name == f.outlet)
        if f.language is not None:
            q = q.where(func.lower(ArticleRow.language) == f.language.lower())
        if story_id is not None:
            q = q.where(ArticleRow.story_id == story_id)
        if cursor:
            q = q.where(ArticleRow.id < decode_cursor(cursor, "articles", {"i": int})["i"])
        with self.store.session() as s:
            rows = s.execute(q.order_by(ArticleRow.id.desc()).limit(limit + 1)).all()
        items = [_article(r) for r in rows[:limit]]
        nxt = encode_cursor("articles", i=items[-1].id) if len(rows) > limit and items else None
        return Page(items, nxt)

    def article(self, article_id: int) -> dict[str, Any] | None:
        """One article with every field of the export contract (and its image and source id)."""
        with self.store.session() as s:
            row = s.get(ArticleRow, article_id)
            if row is None:
                return None
            return {
                "id": row.id, "url": row.url, "canonical_url": row.canonical_url, "source": row.source_name,
                "source_id": row.source_id, "title": row.title, "text": row.text, "authors": list(row.authors or []),
                "published": row.published, "language": row.language, "fetched": row.fetched,
                "story_id": row.story_id, "duplicate_of": row.duplicate_of, "image": row.image, "genre": row.genre,
                "text_from": row.text_from, "agencies": list(row.agencies or []),
            }

    # ---- sources ------------------------------------------------------------------------------------

    def sources(self, limit: int = 100, cursor: str | None = None) -> Page[SourceView]:
        q = select(Source)
        if cursor:
            q = q.where(Source.id > decode_cursor(cursor, "sources", {"i": int})["i"])
        with self.store.session() as s:
            rows = list(s.scalars(q.order_by(Source.id).limit(limit + 1)))
        items = [_source(r) for r in rows[:limit]]
        nxt = encode_cursor("sources", i=items[-1].id) if len(rows) > limit and items else None
        return Page(items, nxt)

    def source(self, source_id: int) -> SourceView | None:
        with self.store.session() as s:
            row = s.get(Source, source_id)
            return _source(row) if row else None

    def source_failures(self, source_id: int) -> SourceFailures | None:
        """The source's articles that failed in a stage (None: none has)."""
        return self.store.source_failures(source_id).get(source_id)

    SOURCE_NAMES_TTL = 10.0  # seconds: the search form's source list may lag a new source by this much

    def source_names(self) -> list[tuple[int, str]]:
        """Every source's id and name, by name (for filter menus; cached for SOURCE_NAMES_TTL seconds)."""
        at, names = self._source_names
        if time.monotonic() - at > self.SOURCE_NAMES_TTL:
            with self.store.session() as s:
                name = func.coalesce(Source.name, Source.title, Source.url)
                names = [(i, n) for i, n in s.execute(select(Source.id, name).order_by(func.lower(name)))]
            self._source_names = (time.monotonic(), names)
        return list(names)

    # ---- figures ------------------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        """The store's figures for /metrics; `article_failures` and `articles_set_aside`: per stage, the articles
        with a failure recorded, and those of them set aside (MAX_STAGE_ATTEMPTS failures under one software)."""
        with self.store.session() as s:
            row = s.execute(select(
                select(func.count()).select_from(ArticleRow).scalar_subquery(),
                select(func.count()).select_from(StoryRow).where(StoryRow.article_count > 0).scalar_subquery(),
                select(func.count()).select_from(Source).scalar_subquery(),
                select(func.count()).select_from(Source).where(Source.last_status == "error").scalar_subquery(),
                select(func.count()).select_from(ArticleRow).where(ArticleRow.story_id.is_(None)).scalar_subquery(),
                select(func.count()).select_from(Source).where(Source.last_status == "warning").scalar_subquery(),
            )).one()
            failures = s.execute(select(ArticleFailure.stage, func.count(),
                                        func.sum(case((ArticleFailure.attempts >= MAX_STAGE_ATTEMPTS, 1), else_=0)))
                                 .group_by(ArticleFailure.stage)).all()
        return {"articles": row[0], "stories": row[1], "sources": row[2], "sources_in_error": row[3],
                "sources_in_warning": row[5],
                "articles_pending": row[4],
                "article_failures": {stage: 0 for stage in STAGES} | {stage: n for stage, n, _ in failures},
                "articles_set_aside": {stage: 0 for stage in STAGES} | {stage: int(k or 0) for stage, _, k in failures}}

