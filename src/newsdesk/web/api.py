"""The JSON API under /api: stories, articles, sources and search, cursor-paginated, with response models
so that /openapi.json describes every answer. Shapes follow the public contract (../shared/DESIGN.md, outside this
repository; see docs/architecture.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse
from pydantic import BaseModel, Field, ValidationError, computed_field

from newsdesk.errors import TimeBudgetError
from newsdesk.keys import entity_key
from newsdesk.store import search as fts
from newsdesk.store.queries import ArticleSummary, EntityView, Page, SourceView, StoryDetail, StoryView
from newsdesk.store.repository import SourceFailures
from newsdesk.store.schema import MAX_ID
from newsdesk.web.citations import citation_numbers
from newsdesk.web.common import (
    MAX_KEY,
    MAX_LIMIT,
    UserError,
    base_url,
    canonical_key,
    entity_path,
    make_filters,
    moved_address,
    reader_of,
    settings_of,
)

router = APIRouter(prefix="/api", tags=["api"])
log = logging.getLogger(__name__)



class ErrorOut(BaseModel):
    detail: Any = Field(description="what was wrong with the request")
    message: str | None = Field(None, description="the same in one sentence, for people")


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "a parameter that cannot be used (bad cursor or date, a query that "
                                           "cannot be read or that would cost too much)"},
    422: {"model": ErrorOut, "description": "a parameter of the wrong type or out of bounds"},
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorOut, "description": "no such id"}, **ERRORS}


class MergedOut(BaseModel):
    merged_into: int = Field(description="the story this one was merged into (an article showed them to be one "
                                         "event): its articles are there now, and Location names its address")


class CitationOut(BaseModel):
    article_id: int
    url: str | None
    number: int = Field(description="the article's number [n] on the story page and in the feeds: the articles "
                                    "in the order the brief first cites them, from 1")


class BriefSentenceOut(BaseModel):
    text: str
    citations: list[CitationOut]
    status: Literal["speculation", "denial"] | None = Field(
        None, description="set when the sentence carries speculation or a denial: not established fact")
    state_media_only: bool = Field(False, description="every article it cites is state-controlled media")


class ArticleOut(BaseModel):
    id: int
    url: str
    title: str | None
    source: str | None = Field(description="the outlet's name (the name its source was given, else the one its "
                                           "page gives its site, else its feed's title, else the host)")
    source_id: int | None = Field(description="null: imported from files, not fetched from a source")
    published: datetime | None = Field(description="when the outlet published it; null: date unknown")
    fetched: datetime = Field(description="when it was fetched, or imported (see `received`): not a publication time")
    language: str | None
    story_id: int | None
    duplicate_of: int | None = Field(description="the article this one is a copy of, or null")
    story_url: str | None = None
    genre: Literal["opinion", "roundup"] | None = Field(
        None, description="opinion: an editorial, op-ed, column or letter; roundup: a market wrap or news round-up "
                          "(in a story of its own); null: reporting")
    text_from: Literal["page", "feed"] = Field(
        "page", description="page: the text was extracted from the article's page; feed: the page could not be "
                            "fetched or extracted, and the text is the one the source's feed carries for the item")

    @computed_field(description="false: no publication date is known (pages say \"date unknown\"); time lines "
                                "place it at `fetched`")  # type: ignore[prop-decorator]
    @property
    def date_known(self) -> bool:
        return self.published is not None

    @computed_field(description="how it reached this site: fetched from a source, or imported from files; "
                                "`fetched` is that time")  # type: ignore[prop-decorator]
    @property
    def received(self) -> Literal["fetched", "imported"]:
        return "imported" if self.source_id is None else "fetched"


class ArticleFullOut(ArticleOut):
    canonical_url: str
    text: str
    authors: list[str]
    agencies: list[str] = Field(default_factory=list, description="news agencies the article names as its source "
                                "(\"AP\", \"dpa\"), kept apart from its authors; empty for articles stored before")
    image: str | None


class TimelineEntryOut(BaseModel):
    time: datetime = Field(description="when it was published; its fetch time where date_known is false")
    date_known: bool = Field(True, description="false: no publication date is known, `time` is when it was fetched")
    article_id: int
    source: str | None
    title: str | None
    url: str
    copies: list[int] = Field(description="ids of the articles that reprinted this one")


EntityType = Literal["PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"]
StatementKind = Literal["official", "state_media", "media", "expert", "analyst", "anonymous", "other"]
StatementStatus = Literal["reported", "claim", "speculation", "denial"]


class EntityOut(BaseModel):
    name: str = Field(description="the canonical name (the longest the story's articles give)")
    type: EntityType
    role: str | None = Field(None, description="title or role where the text gives one, e.g. 'Foreign Minister'")
    mentions: int = Field(description="mentions over the story's articles (a copy's are its origin's, counted once)")
    key: str = Field(description="the entity across stories: type and folded name, e.g. 'person:kim jong un'")
    url: str = Field(description="the entity's page: every story it appears in")


class StatementOut(BaseModel):
    speaker: str | None = Field(description="who said it, as the story names them; null when unattributed")
    speaker_role: str | None
    text: str = Field(description="the words, verbatim from the article `article_id` (characters start to end)")
    verb: str = Field(description="the attribution verb, as a lemma: say, tell, deny, warn, according to, ...")
    kind: StatementKind = Field(description="who the speaker is")
    status: StatementStatus = Field(description="reported: the outlet states it; claim: someone asserts it; "
                                                "speculation: hedged or predictive; denial: someone rejects it")
    quote: bool = Field(False, description="a direct quote (else reported speech)")
    context: str | None = Field(None, description="for reported speech, the article's sentence(s) holding it (the "
                                                  "writer's wording, to check the statement against); else null")
    article_id: int = Field(description="the article whose wording is shown")
    start: int
    end: int
    article_ids: list[int] = Field(description="every article of the story that carries this statement")
    independent_origins: int = Field(description="how many independent reports carry it (copies count once; "
                                                 "the same statement in other words or another language is one)")
    outlets: list[str]
    state_media_outlets: list[str] = Field(default_factory=list,
                                           description="those of `outlets` that are state-controlled media")
    state_media_only: bool = Field(description="every outlet that carries it is state-controlled media (one that "
                                               "an independent outlet relays from state media is not: see kind)")


class AnalysisCoverageOut(BaseModel):
    analysed: dict[str, int] = Field(description="articles whose entities and statements are in the story, by "
                                                 "language (ISO 639-1; \"\" where not known)")
    not_analysed: dict[str, int] = Field(description="articles in a language without a language model, by "
                                                     "language: they add nothing to who said what")
    waiting: int = Field(description="articles not analysed yet")


class StoryOut(BaseModel):
    id: int
    url: str = Field(description="the story's page")
    headline: str | None
    brief: list[BriefSentenceOut]
    articles: list[ArticleOut] = Field(description="its articles (in lists, the first few)")
    article_count: int
    sources_count: int
    independent_sources_count: int
    outlets: list[str]
    languages: list[str] = Field(default_factory=list, description="the languages of its articles (ISO 639-1), "
                                                                   "the most used first")
    entities: list[EntityOut] = Field(description="who and where: people, organisations, places, groups, events")
    statements: list[StatementOut] = Field(description="who said what, grouped across the story's articles, "
                                                       "the most corroborated first")
    first_seen: datetime = Field(description="when this site first saw the story (a fetch or import time, not "
                                             "a publication time)")
    updated: datetime = Field(description="when an article last joined it (a fetch or import time)")
    first_published: datetime | None = Field(description="its first report's publication time; null: none of "
                                                         "its articles has a date")
    last_published: datetime | None = Field(description="its latest report's publication time")
    latest_at: datetime = Field(description="where lists place it: last_published, or `updated` where none of its "
                                            "articles has a date (see date_known)")
    date_known: bool = Field(description="false: none of its articles has a publication date (pages say \"date "
                                         "unknown\")")
    disclaimer: str
    score: float | None = Field(None, description="front-page rank score (order=rank only)")
    removed: bool = Field(False, description="every article of the story was removed following a removal request "
                                             "(then headline is null and the lists are empty; answered with 410)")
    timeline: list[TimelineEntryOut] | None = Field(None, description="one story only: reporting in time order")
    analysis: AnalysisCoverageOut | None = Field(None, description="one story only: which of its articles who "
                                                                   "said what comes from")


class EntitySummaryOut(BaseModel):
    key: str
    name: str = Field(description="as the newest story names it")
    type: EntityType
    role: str | None
    stories: int = Field(description="how many stories it appears in")
    mentions: int = Field(description="mentions over those stories")
    names: list[str] = Field(default_factory=list, description="every name those stories give it, newest first "
                                                              "(\"Trump\" and \"Donald Trump\" are one person)")
    url: str = Field(description="the entity's page")
    api_url: str = Field(description="the entity and its stories in this API")


class EntitiesOut(BaseModel):
    query: str
    entities: list[EntitySummaryOut] = Field(description="entities whose name or a word of it starts with the "
                                                         "query, those in the most stories first")


class EntityStoriesOut(BaseModel):
    entity: EntitySummaryOut
    stories: list[StoryOut] = Field(description="the stories it appears in, newest first")
    next: str | None = Field(description="cursor of the next page, or null on the last page")


class StoriesOut(BaseModel):
    stories: list[StoryOut]
    next: str | None = Field(description="cursor of the next page, or null on the last page")


class ArticlesOut(BaseModel):
    articles: list[ArticleOut]
    next: str | None


class FailureReasonOut(BaseModel):
    reason: str = Field(description="the reason code (http_status, timeout, not_html, no_body ...)")
    count: int = Field(description="entries that failed for this reason in the pass")
    url: str = Field(description="one of them")
    message: str = Field(description="its error message")


class LastPassOut(BaseModel):
    """What the last pass that read the source's entries did with them (a 304 leaves it as it was)."""

    at: datetime
    found: int = Field(description="entries the source listed (up to the per-pass limit)")
    stored: int = Field(description="new articles stored")
    from_feed: int = Field(description="of those, stored from the feed's own full text because the page failed")
    failed: int = Field(description="entries that could not be fetched or extracted")
    blocked: int = Field(description="entries not stored: removed on a removal request")
    deferred: int = Field(description="entries left for the next pass")
    reasons: list[FailureReasonOut] = Field(description="the most frequent failure reasons of the pass")


class SourceOut(BaseModel):
    id: int
    url: str
    name: str
    title: str | None
    site_url: str | None
    category: str | None
    kind: str
    active: bool
    added_at: datetime
    healthy: bool
    last_fetch_at: datetime | None
    last_success_at: datetime | None
    last_status: str | None
    last_error: str | None
    last_error_reason: str | None
    consecutive_failures: int
    articles_found: int
    next_fetch_at: datetime
    interval_seconds: int
    page_url: str
    articles_failed: int = Field(0, description="its articles whose grouping or analysis failed (retried)")
    articles_set_aside: int = Field(0, description="of those, the ones set aside after repeated failures, until "
                                                   "the software changes")
    last_pass: LastPassOut | None = Field(None, description="what the last pass that read its entries did with them "
                                                            "(null: none has yet)")


class SourcesOut(BaseModel):
    sources: list[SourceOut]
    next: str | None


class SearchResultOut(BaseModel):
    story: StoryOut
    snippet: str = Field(description="HTML: escaped text with <mark> around the matched words")
    article_id: int | None = Field(description="the best-matching article, null when the story's own text matched")
    score: float


class SearchOut(BaseModel):
    query: str
    results: list[SearchResultOut]
    next: str | None


# ---- conversions ----------------------------------------------------------------------------------------


def article_out(a: ArticleSummary, base: str) -> ArticleOut:
    return ArticleOut(id=a.id, url=a.url, title=a.title, source=a.source, source_id=a.source_id,
                      published=a.published, fetched=a.fetched, language=a.language, story_id=a.story_id,
                      duplicate_of=a.duplicate_of, story_url=f"{base}/stories/{a.story_id}" if a.story_id else None,
                      genre=a.genre, text_from=a.text_from)


def entities_out(entities: list[dict], base: str) -> list[EntityOut]:
    out = []
    for e in entities:
        try:
            key = e.get("key") or entity_key(e["name"], e["type"])
            out.append(EntityOut(**{k: e.get(k) for k in ("name", "type", "role", "mentions")}, key=key,
                                 url=base + entity_path(key)))
        except (KeyError, TypeError, ValidationError):
            # Written by an older analyser: leave it out rather than fail the whole story.
            log.warning("entity left out of the API: %r", e)
    return out


_STATEMENT_FIELDS = tuple(StatementOut.model_fields)


def statements_out(statements: list[dict]) -> list[StatementOut]:
    out = []
    for st in statements:
        try:
            out.append(StatementOut(**{k: st[k] for k in _STATEMENT_FIELDS if k in st}))
        except (TypeError, ValidationError):
            log.warning("statement left out of the API: %r", st)
    return out


def entity_summary_out(e: EntityView, base: str) -> EntitySummaryOut:
    return EntitySummaryOut(key=e.key, name=e.name, type=e.type, role=e.role, stories=e.stories,
                            mentions=e.mentions, names=e.names or [e.name], url=base + entity_path(e.key),
                            api_url=base + "/api" + entity_path(e.key))


def story_out(s: StoryView, base: str, disclaimer_text: str, detail: StoryDetail | None = None) -> StoryOut:
    timeline = analysis = None
    if detail is not None:
        analysis = AnalysisCoverageOut(analysed=detail.analysis.analysed, not_analysed=detail.analysis.not_analysed,
                                       waiting=detail.analysis.waiting)
        timeline = [TimelineEntryOut(time=g.origin.when, date_known=g.origin.published is not None,
                                     article_id=g.origin.id, source=g.origin.source,
                                     title=g.origin.title, url=g.origin.url, copies=[c.id for c in g.copies])
                    for g in detail.timeline]
    numbers = citation_numbers(s.brief)
    brief = [BriefSentenceOut(text=str(b.get("text", "")), citations=[
        CitationOut(article_id=int(c["article_id"]), url=c.get("url"), number=numbers[c["article_id"]])
        for c in b.get("citations", [])
        if isinstance(c.get("article_id"), int)], status=b.get("status"),
        state_media_only=b.get("state_media_only") is True)
        for b in s.brief if isinstance(b, dict)]
    return StoryOut(
        id=s.id, url=f"{base}/stories/{s.id}", headline=s.headline, brief=brief,
        articles=[article_out(a, base) for a in s.articles], article_count=s.article_count,
        sources_count=s.sources_count, independent_sources_count=s.independent_sources_count, outlets=s.outlets,
        languages=s.languages, entities=entities_out(s.entities, base), statements=statements_out(s.statements),
        first_seen=s.created_at, updated=s.updated_at,
        first_published=s.first_published, last_published=s.last_published,
        latest_at=s.latest_at or s.updated_at, date_known=s.last_published is not None, disclaimer=disclaimer_text,
        score=s.score, timeline=timeline, analysis=analysis, removed=s.removed and s.article_count == 0,
    )


def source_out(s: SourceView, base: str, failures: SourceFailures | None = None) -> SourceOut:
    failures = failures or SourceFailures()
    return SourceOut(
        id=s.id, url=s.url, name=s.name, title=s.title, site_url=s.site_url, category=s.category, kind=s.kind,
        active=s.active, added_at=s.added_at, healthy=s.healthy, last_fetch_at=s.last_fetch_at,
        last_success_at=s.last_success_at, last_status=s.last_status, last_error=s.last_error,
        last_error_reason=s.last_error_reason, consecutive_failures=s.consecutive_failures,
        articles_found=s.articles_found, next_fetch_at=s.next_fetch_at, interval_seconds=s.interval_seconds,
        page_url=f"{base}/sources/{s.id}", articles_failed=failures.failed, articles_set_aside=failures.set_aside,
        last_pass=LastPassOut.model_validate(s.last_pass) if s.last_pass else None,
    )


def stories_page_out(page: Page[StoryView], request: Request) -> StoriesOut:
    base, text = base_url(request), settings_of(request).effective_disclaimer
    return StoriesOut(stories=[story_out(s, base, text) for s in page.items], next=page.next)


# ---- parameters -----------------------------------------------------------------------------------------

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description=f"items per page, 1 to {MAX_LIMIT}")]
CursorQ = Annotated[str | None, Query(max_length=512, description="the `next` value of the previous page")]
Since = Annotated[datetime | None, Query(description="only what is dated at or after (ISO 8601)")]
Until = Annotated[datetime | None, Query(description="only what is dated at or before (ISO 8601)")]
SourceQ = Annotated[int | None, Query(ge=1, le=MAX_ID, description="a source id (see /api/sources)")]
OutletQ = Annotated[str | None, Query(max_length=300, description="an outlet's name, exactly as shown")]
LanguageQ = Annotated[str | None, Query(max_length=16, pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
                                        description="a language code, e.g. en")]


def _id(what: str) -> Any:
    return Path(ge=1, le=MAX_ID, description=f"the {what}'s id")


# ---- routes ---------------------------------------------------------------------------------------------


@router.get("/stories", response_model=StoriesOut, responses=ERRORS)
def list_stories(
    request: Request, limit: Limit = 20, cursor: CursorQ = None, since: Since = None, until: Until = None,
    source: SourceQ = None, outlet: OutletQ = None, language: LanguageQ = None,
    order: Annotated[Literal["rank", "updated"], Query(
        description="rank: the front page (current stories by breadth and freshness, by publication time); "
                    "updated: every story, the latest reported first (by `latest_at`: its latest report's "
                    "publication time)")] = "rank",
) -> StoriesOut:
    """Stories, ranked like the front page (default) or the latest reported first."""
    filters = make_filters(since, until, source, outlet, language)
    reader = reader_of(request)
    page = (reader.front_page if order == "rank" else reader.latest_stories)(limit, cursor, filters)
    return stories_page_out(page, request)


@router.get("/stories/{story_id}", response_model=StoryOut, responses={
    **NOT_FOUND, 410: {"model": StoryOut, "description": "the story's content was removed following a removal "
                                                         "request: `removed` is true, the lists are empty"},
    301: {"model": MergedOut, "description": "the story was merged into another one (the older of the two), "
                                             "which Location names; `merged_into` is its id"}})
def get_story(request: Request, story_id: Annotated[int, _id("story")]) -> Any:
    """One story with all its articles (copies name their origin in duplicate_of) and its timeline."""
    detail = reader_of(request).story(story_id)
    if detail is None:
        raise UserError(404, f"there is no story {story_id}")
    if detail.story.merged_into is not None:
        survivor = detail.story.merged_into
        return JSONResponse(MergedOut(merged_into=survivor).model_dump(), status_code=301,
                            headers={"location": moved_address(request, f"/api/stories/{survivor}")})
    out = story_out(detail.story, base_url(request), settings_of(request).effective_disclaimer, detail)
    if out.removed:  # as the page: Gone, with the story's (empty) shape so that clients can read `removed`
        return JSONResponse(out.model_dump(mode="json"), status_code=410)
    return out


@router.get("/articles", response_model=ArticlesOut, responses=ERRORS)
def list_articles(
    request: Request, limit: Limit = 50, cursor: CursorQ = None, since: Since = None, until: Until = None,
    source: SourceQ = None, outlet: OutletQ = None, language: LanguageQ = None,
    story: Annotated[int | None, Query(ge=1, le=MAX_ID, description="only this story's articles")] = None,
) -> Any:
    """Articles, most recently stored first (without their text; see /api/articles/{id})."""
    filters = make_filters(since, until, source, outlet, language)
    reader = reader_of(request)
    if story is not None and (survivor := reader.store.final_story(story)) != story:
        # A story merged into another: its articles are the survivor's now.
        moved = request.url.include_query_params(story=survivor)
        return RedirectResponse(f"{moved.path}?{moved.query}", status_code=301)
    page = reader.articles(limit, cursor, filters, story_id=story)
    base = base_url(request)
    return ArticlesOut(articles=[article_out(a, base) for a in page.items], next=page.next)


@router.get("/articles/{article_id}", response_model=ArticleFullOut, responses=NOT_FOUND)
def get_article(request: Request, article_id: Annotated[int, _id("article")]) -> ArticleFullOut:
    """One article with its text: the fields of `newsdesk export`, plus source_id and image."""
    found = reader_of(request).article(article_id)
    if found is None:
        raise UserError(404, f"there is no article {article_id}")
    base = base_url(request)
    return ArticleFullOut(**found, story_url=f"{base}/stories/{found['story_id']}" if found["story_id"] else None)


@router.get("/sources", response_model=SourcesOut, responses=ERRORS)
def list_sources(request: Request, limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 100,
                 cursor: CursorQ = None) -> SourcesOut:
    """The watched sources and their fetch health."""
    page = reader_of(request).sources(limit, cursor)
    base = base_url(request)
    failures = reader_of(request).store.source_failures()  # one grouped read for the page, usually empty
    return SourcesOut(sources=[source_out(s, base, failures.get(s.id)) for s in page.items], next=page.next)


@router.get("/sources/{source_id}", response_model=SourceOut, responses=NOT_FOUND)
def get_source(request: Request, source_id: Annotated[int, _id("source")]) -> SourceOut:
    found = reader_of(request).source(source_id)
    if found is None:
        raise UserError(404, f"there is no source {source_id}")
    return source_out(found, base_url(request), reader_of(request).source_failures(source_id))


@router.get("/entities", response_model=EntitiesOut, responses=ERRORS)
def find_entities(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description=(
        "the start of a name: case, spacing and hyphens do not matter ('kim j' finds Kim Jong Un)"))],
    limit: Annotated[int, Query(ge=1, le=100, description="at most this many, 1 to 100")] = 20,
) -> EntitiesOut:
    """People, organisations, places, groups and events whose name starts with `q`, those in the most stories
    first."""
    base = base_url(request)
    return EntitiesOut(query=q, entities=[entity_summary_out(e, base)
                                          for e in reader_of(request).find_entities(q, limit)])


@router.get("/entities/{key:path}", response_model=EntityStoriesOut, responses=NOT_FOUND)
def get_entity(
    request: Request,
    key: Annotated[str, Path(min_length=1, max_length=MAX_KEY, description=(
        "the entity's key, its type and folded name, e.g. person:kim jong un (from a story's `entities` or "
        "/api/entities)"))],
    limit: Limit = 20, cursor: CursorQ = None,
) -> EntityStoriesOut:
    """One entity and the stories it appears in, newest first."""
    reader = reader_of(request)
    found = reader.entity(canonical_key(key))
    if found is None:
        raise UserError(404, f"there is no entity {key!r} (find one with /api/entities?q=)")
    page = reader.entity_stories(found.key, limit, cursor)
    base, text = base_url(request), settings_of(request).effective_disclaimer
    return EntityStoriesOut(entity=entity_summary_out(found, base), next=page.next,
                            stories=[story_out(s, base, text) for s in page.items])


SEARCH_RETRY_AFTER = 5  # seconds: a search stopped by its time limit is worth one more try, not a stream of them


def run_search(request: Request, q: str, limit: int, cursor: str | None, since: datetime | None,
               until: datetime | None, source: int | None, outlet: str | None, language: str | None,
               *, heads_only: bool = False) -> tuple[list[tuple[fts.SearchHit, StoryView]], str | None]:
    """Search shared by the API, the page and the feeds: hits with their stories, and the next cursor.
    `heads_only`: the stories without brief, outlets or articles (Reader.story_heads), for the page."""
    from newsdesk.store.queries import BadCursor, decode_cursor, encode_cursor

    try:
        match = fts.parse_query(q)
    except fts.QuerySyntaxError as exc:
        raise UserError(400, f"q: {exc}") from exc
    filters = make_filters(since, until, source, outlet, language)
    offset = 0
    if cursor:
        try:
            offset = decode_cursor(cursor, "search", {"o": int})["o"]
        except BadCursor as exc:
            raise UserError(400, f"cursor: {exc}") from exc
        if not 0 <= offset <= 10_000:
            raise UserError(400, "cursor: it points past the last result that can be paged to (10,000)")
    reader = reader_of(request)
    time_limit = settings_of(request).search_time_limit
    try:
        with reader.store.engine.connect() as conn:
            hits, more = fts.search_stories(
                conn, match, since=filters.since, until=filters.until, source_id=filters.source_id,
                outlet=filters.outlet, language=filters.language, limit=limit, offset=offset, time_limit=time_limit)
    except TimeBudgetError as exc:
        raise UserError(503, f"the search was stopped after its time limit of {time_limit:g} s: try again in a "
                             "moment, or narrow the query (fewer alternatives and prefixes, rarer words, a date "
                             "range or a source)", headers={"Retry-After": str(SEARCH_RETRY_AFTER)}) from exc
    ids = [h.story_id for h in hits]
    stories = {s.id: s for s in (reader.story_heads(ids) if heads_only else reader.stories_by_ids(ids))}
    found = [(h, stories[h.story_id]) for h in hits if h.story_id in stories]
    return found, encode_cursor("search", o=offset + limit) if more else None


@router.get("/search", response_model=SearchOut, responses={**ERRORS, 503: {
    "model": ErrorOut, "description": "the search ran past its time limit and was stopped: retry after the "
                                      "seconds in the Retry-After header, or narrow the query",
    "headers": {"Retry-After": {"schema": {"type": "integer"}}}}})
def search(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=500, description=(
        'words (all must match), "exact phrases", prefix*, OR, NOT word or -word, parentheses'))],
    limit: Limit = 20, cursor: CursorQ = None, since: Since = None, until: Until = None, source: SourceQ = None,
    outlet: OutletQ = None, language: LanguageQ = None,
) -> SearchOut:
    """Stories whose headline, brief or articles match, best first, with a highlighted snippet."""
    found, nxt = run_search(request, q, limit, cursor, since, until, source, outlet, language)
    base, text = base_url(request), settings_of(request).effective_disclaimer
    return SearchOut(query=q, next=nxt, results=[
        SearchResultOut(story=story_out(s, base, text), snippet=h.snippet, article_id=h.article_id, score=h.score)
        for h, s in found])
