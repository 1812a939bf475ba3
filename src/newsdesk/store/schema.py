"""Tables, written for SQLite and PostgreSQL alike (no engine-specific SQL here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# The largest id a row can have on every engine: the id columns are INTEGER, 32 bits on PostgreSQL (64 on SQLite).
# Ids from outside (paths, parameters, cursors, removal requests) are checked against it before they reach a
# query: PostgreSQL refuses even to compare an INTEGER column with a larger number ("integer out of range").
MAX_ID = 2**31 - 1


class UTCDateTime(TypeDecorator[datetime]):
    """Always UTC and timezone-aware in Python; SQLite keeps no offset, so it stores naive UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# The tables whose ids pages, feeds and other records hold are AUTOINCREMENT on SQLite, whose plain tables give a
# deleted newest row's id to the next one (migration 0009). PostgreSQL's sequences never give an id twice.
NEVER_REUSED = {"sqlite_autoincrement": True}


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="auto")  # auto, rss, atom, jsonfeed, sitemap, page
    title: Mapped[str | None] = mapped_column(Text)  # the feed's own title
    # The outlet's name, its articles' `source_name` (migration 0017): set by `newsdesk sources rename`, else
    # learned from the first of its pages that names its site (og:site_name, the JSON-LD publisher).
    name: Mapped[str | None] = mapped_column(Text)
    site_url: Mapped[str | None] = mapped_column(String(2048))
    category: Mapped[str | None] = mapped_column(Text)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    # schedule
    interval_seconds: Mapped[int] = mapped_column(Integer)
    next_fetch_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # conditional GET
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    # health
    last_fetch_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status: Mapped[str | None] = mapped_column(String(32))  # ok, not_modified, error
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_reason: Mapped[str | None] = mapped_column(String(64))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    articles_found: Mapped[int] = mapped_column(Integer, default=0)
    # lease (migration 0008): the process fetching this source now, and until when (a dead process's lease ends)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(64))
    # What the last pass that read the source's entries did with them (migration 0014; newsdesk.collect
    # SourceReport.last_pass): {at, found, stored, from_feed, failed, blocked, deferred, reasons: [{reason, count,
    # url, message}]}, replaced by each such pass (a 304 leaves it), so it tells what failed lately, not ever.
    last_pass: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class ArticleRow(Base):
    __tablename__ = "articles"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    # The outlet: its source's name, else the page's site name, the feed's title, the host (newsdesk.collect)
    source_name: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    # News agencies the article names as its source, apart from its authors (migration 0017; NULL before it).
    agencies: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True), default=list)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    image: Mapped[str | None] = mapped_column(String(2048))
    fetched: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    story_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # copy-detection signature, to rebuild the index
    genre: Mapped[str | None] = mapped_column(String(16))  # "opinion", "roundup", null: reporting (migration 0011)
    # Where the text comes from (migration 0014): "page", extracted from the article's page, or "feed", the feed
    # item's own full text, stored when the page could not be fetched or extracted.
    text_from: Mapped[str] = mapped_column(String(8), default="page", server_default="page")


class StoryRow(Base):
    """One real-world event and every outlet's coverage of it. Its id never changes once given."""

    __tablename__ = "stories"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    headline: Mapped[str | None] = mapped_column(Text)
    brief: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{text, citations: [{article_id, url}], status?}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # first seen
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # last article joined
    first_published: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_published: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Where the story is placed in time (migration 0017): its latest report's publication time (never later than
    # that report was fetched), or when its last article joined where none of its articles has a date.
    latest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    sources_count: Mapped[int] = mapped_column(Integer, default=0)  # outlets
    independent_sources_count: Mapped[int] = mapped_column(Integer, default=0)  # origins: copies count once
    # Set when every article of the story was removed following this removal request: the story keeps its id
    # (links to it stay valid) and pages show a notice instead of its content.
    removal_request_id: Mapped[int | None] = mapped_column(ForeignKey("removal_requests.id"))
    # Who and who said what over the whole story (newsdesk.analyze.aggregate; migration 0005), recomputed with
    # the rest of the story from its current members, so a removed article's words leave with it.
    entities: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    statements: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # Set when an article showed this story and another to be one event (migration 0012): its articles moved to
    # that story, the older one, and this row stays (its id is never given again) so that its links redirect
    # there. Always the final survivor: a merge of the survivor re-points the stories merged into it.
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("stories.id"), index=True)


class UrlFailure(Base):
    """A URL we found but could not turn into an article, with the reason (never silently dropped)."""

    __tablename__ = "url_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    permanent: Mapped[bool] = mapped_column(default=False)  # permanent failures are not retried
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime())


class ArticleFailure(Base):
    """One article's failure in one stage (`stories`: copy-folding and grouping; `analysis`), migration 0008.

    The stage records it and goes on with the other articles. After MAX_STAGE_ATTEMPTS attempts under the same
    `software` (the stage's version string) the article is set aside: the stage's pending queries skip it until
    the software changes, then it is tried again."""

    __tablename__ = "article_failures"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    stage: Mapped[str] = mapped_column(String(16), primary_key=True)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    software: Mapped[str] = mapped_column(String(64))
    first_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_at: Mapped[datetime] = mapped_column(UTCDateTime())


MAX_STAGE_ATTEMPTS = 3


class Meta(Base):
    """Small shared values every process reads (the generated secret key, version counters)."""

    __tablename__ = "meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# ---- removal requests (newsdesk.removal; migration 0004) ------------------------------------------------


class RemovalRequest(Base):
    """A rights holder's request to remove content. Never deleted: it is the record of what was asked."""

    __tablename__ = "removal_requests"
    __table_args__ = NEVER_REUSED

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_id: Mapped[str] = mapped_column(String(64), unique=True)  # unguessable: the requester's receipt
    name: Mapped[str] = mapped_column(Text)
    email: Mapped[str] = mapped_column(String(320))
    relationship: Mapped[str] = mapped_column(String(16))  # owner, agent, subject
    reason: Mapped[str] = mapped_column(String(16))  # copyright, privacy, defamation, other
    details: Mapped[str] = mapped_column(Text, default="")
    good_faith: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16), index=True)  # received, needs_info, accepted, rejected
    provisional: Mapped[bool] = mapped_column(default=False)  # suppressed (quarantined) on receipt
    decision_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    client_hash: Mapped[str] = mapped_column(String(64), index=True)  # sha256(client address + secret)
    # The mail that tells the requester the latest news of the request (migration 0016; newsdesk.removal.mail):
    # what it tells (`mail_about`: received, needs_info, accepted, rejected), pending / sent / failed, the last
    # failure's reason, the attempts, and when to try (again); null `mail_next_at`: nothing to try. All null:
    # no mail (no SMTP server was set when that news came).
    mail_about: Mapped[str | None] = mapped_column(String(16))
    mail_status: Mapped[str | None] = mapped_column(String(16))
    mail_error: Mapped[str | None] = mapped_column(Text)
    mail_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    mail_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the last attempt
    mail_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class RemovalTarget(Base):
    __tablename__ = "removal_targets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    scope: Mapped[str] = mapped_column(String(16))  # article, copies, story, domain
    value: Mapped[str] = mapped_column(String(2048))  # a URL, a story id or a domain, as given
    resolved: Mapped[list[int] | None] = mapped_column(JSON)  # article ids it named when suppressed
    sources: Mapped[list[int] | None] = mapped_column(JSON)  # sources deactivated (domain scope)


class BlockEntry(Base):
    """What the collector must never fetch or store again. kind: url, canonical, content_hash, signature
    (value: the removed article's content hash, signature: its MinHash bytes), domain (a registered domain)."""

    __tablename__ = "blocklist"
    __table_args__ = (UniqueConstraint("kind", "value", name="uq_blocklist_kind_value"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(2048), index=True)
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RemovedItem(Base):
    """The proof kept after an article is purged: where it was and what it hashed to. No title, no text."""

    __tablename__ = "removed_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)  # the former id (never reused: see removal)
    url: Mapped[str] = mapped_column(String(2048))
    canonical_url: Mapped[str] = mapped_column(String(2048))
    content_hash: Mapped[str] = mapped_column(String(64))
    story_id: Mapped[int | None] = mapped_column(Integer)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class RemovalAudit(Base):
    """Append-only log of every request and decision (the database refuses UPDATE and DELETE on it).
    `detail` never holds the requester's name or email."""

    __tablename__ = "removal_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    request_id: Mapped[int | None] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    actor: Mapped[str] = mapped_column(String(200))  # requester, admin:NAME, cli, system, collector
    action: Mapped[str] = mapped_column(String(32), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class QuarantineRow(Base):
    """An article suppressed provisionally: the whole row, so that a rejection restores it exactly."""

    __tablename__ = "quarantine"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("removal_requests.id"), index=True)
    article_id: Mapped[int] = mapped_column(Integer, unique=True)
    article: Mapped[dict] = mapped_column(JSON)
    story_id: Mapped[int | None] = mapped_column(Integer)


class Admin(Base):
    __tablename__ = "admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))  # scrypt$n$r$p$salt$hash (base64)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AdminSession(Base):
    __tablename__ = "admin_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the cookie's token
    admin_id: Mapped[int] = mapped_column(ForeignKey("admins.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# ---- analysis (newsdesk.analyze.stage; migration 0005) -----------------------------------------------------


class ArticleAnalysisRow(Base):
    """One article's entities and statements (the `newsdesk analyze` dicts, offsets into the article's text).

    A copy of an already analysed article is not run through the models again: its row names the article whose
    analysis it shares in `derived_from` and holds no data of its own. Both keys cascade, so removing an article
    also drops the rows of the copies that borrowed its analysis (they are analysed again from their own text)."""

    __tablename__ = "article_analysis"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    derived_from: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    # SQL NULL when derived (none_as_null: not the JSON text 'null')
    entities: Mapped[list[dict] | None] = mapped_column(JSON(none_as_null=True))
    statements: Mapped[list[dict] | None] = mapped_column(JSON(none_as_null=True))
    analyzed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    analyzer: Mapped[str] = mapped_column(String(64))  # what produced it (stage version and spaCy model)
    # Set by older versions when the analysis failed (stored empty, never retried). Now a failure gets no row but
    # an ArticleFailure (retried, set aside after MAX_STAGE_ATTEMPTS); the analysis stage deletes such old rows.
    # Also why an article was not analysed, kept: "not analysed: no pipeline for German (de)" (NOT_ANALYSED).
    error: Mapped[str | None] = mapped_column(Text)


class StoryEntityRow(Base):
    """One entity of one story, so that an entity's page lists its stories through an index, newest first."""

    __tablename__ = "story_entities"

    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True)
    entity_key: Mapped[str] = mapped_column(String(320), primary_key=True)  # "person:kim jong un"
    name_key: Mapped[str] = mapped_column(String(300))  # "kim jong un": look-ups by name prefix
    name: Mapped[str] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16))
    role: Mapped[str | None] = mapped_column(Text)
    mentions: Mapped[int] = mapped_column(Integer)


class StoryEntityWordRow(Base):
    """One word of the name of one entity of one story: entities by any word of their name (migration 0013)."""

    __tablename__ = "story_entity_words"
    __table_args__ = (ForeignKeyConstraint(["story_id", "entity_key"],
                                           ["story_entities.story_id", "story_entities.entity_key"],
                                           ondelete="CASCADE"),)

    story_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity_key: Mapped[str] = mapped_column(String(320), primary_key=True)
    word: Mapped[str] = mapped_column(String(300), primary_key=True)  # "trump", of "person:donald trump"


class HostTemplateRow(Base):
    """What the pages of one site share (newsdesk.extract.template, migration 0015): fingerprints of its
    furniture and title decoration, counted over its pages, bounded in size. Kept here, never sent anywhere."""

    __tablename__ = "host_templates"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)  # a registered domain: example.co.uk
    pages: Mapped[int] = mapped_column(Integer)
    template: Mapped[dict] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ImageRow(Base):
    """An article's picture as this site serves it (migration 0018, newsdesk.sources.images): fetched once from
    the article's `image` address by the polite client, checked, resized and re-encoded as WebP with no metadata.
    A failed fetch keeps its row with `data` null and the reason: one that may pass (a timeout, a 5xx answer) is
    asked again at `retry_at` (migration 0020), up to `pictures.MAX_ATTEMPTS` tries; the others never. Deleted
    with its article (a removal takes the picture with it)."""

    __tablename__ = "images"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))  # where it was fetched from (never shown to readers' browsers)
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    data: Mapped[bytes | None] = mapped_column(LargeBinary)  # WebP; null: the fetch or the checks failed
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # null: stored, or a failure that stays


class SourceFetchRow(Base):
    """One fetch of a source (migration 0018): when, how it ended and how many articles it stored, the newest
    FETCH_HISTORY kept per source, for the chart of its fetch history on /sources/{id}."""

    __tablename__ = "source_fetches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(32))  # ok, not_modified, warning, error (as sources.last_status)
    stored: Mapped[int] = mapped_column(Integer, default=0)


Index("ix_sources_due", Source.active, Source.next_fetch_at)
# a source's fetch history, newest first (migration 0018)
Index("ix_source_fetches_source_at", SourceFetchRow.source_id, SourceFetchRow.at)
# read paths of the web layer (migration 0003)
Index("ix_articles_story_published", ArticleRow.story_id, ArticleRow.published)
Index("ix_articles_story_outlet", ArticleRow.story_id, ArticleRow.source_name, ArticleRow.duplicate_of)
Index("ix_articles_source_name", ArticleRow.source_name)
Index("ix_sources_last_status", Source.last_status)
# stories by publication time, the lists' order (migration 0017)
Index("ix_stories_latest_at", StoryRow.latest_at, StoryRow.id)
# an entity's stories, newest (highest id) first; entities by name prefix (migration 0005)
Index("ix_story_entities_key_story", StoryEntityRow.entity_key, StoryEntityRow.story_id)
Index("ix_story_entities_name_key", StoryEntityRow.name_key, StoryEntityRow.entity_key)
# entities by any word of their name (migration 0013)
Index("ix_story_entity_words_word", StoryEntityWordRow.word, StoryEntityWordRow.entity_key)
# a stage's failures under one software version, counted per pass (migration 0008)
Index("ix_article_failures_stage", ArticleFailure.stage, ArticleFailure.software, ArticleFailure.attempts)
# the analyses another analyser made, looked up on every analysis pass (migration 0007)
Index("ix_article_analysis_analyzer", ArticleAnalysisRow.analyzer, ArticleAnalysisRow.article_id)
