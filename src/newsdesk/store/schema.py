"""Tables, written for SQLite and PostgreSQL alike (no engine-specific SQL here)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


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


class Source(Base):
    __tablename__ = "sources"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    kind: Mapped[str] = mapped_column(String(32), default="auto")  # auto, rss, atom, jsonfeed, sitemap, page
    title: Mapped[str | None] = mapped_column(Text)
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


class ArticleRow(Base):
    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2048), unique=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id", ondelete="SET NULL"), index=True)
    source_name: Mapped[str | None] = mapped_column(Text)  # the outlet (feed title or host)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    language: Mapped[str | None] = mapped_column(String(16))
    image: Mapped[str | None] = mapped_column(String(2048))
    fetched: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id", ondelete="SET NULL"), index=True)
    story_joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minhash: Mapped[bytes | None] = mapped_column(LargeBinary)  # copy-detection signature, to rebuild the index


class StoryRow(Base):
    """One real-world event and every outlet's coverage of it. Its id never changes once given."""

    __tablename__ = "stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    headline: Mapped[str | None] = mapped_column(Text)
    brief: Mapped[list[dict]] = mapped_column(JSON, default=list)  # [{text, citations: [{article_id, url}]}]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())  # first seen
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)  # last article joined
    first_published: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_published: Mapped[datetime | None] = mapped_column(UTCDateTime())
    article_count: Mapped[int] = mapped_column(Integer, default=0)
    sources_count: Mapped[int] = mapped_column(Integer, default=0)  # outlets
    independent_sources_count: Mapped[int] = mapped_column(Integer, default=0)  # origins: copies count once


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


Index("ix_sources_due", Source.active, Source.next_fetch_at)
# read paths of the web layer (migration 0003)
Index("ix_articles_story_published", ArticleRow.story_id, ArticleRow.published)
Index("ix_articles_story_outlet", ArticleRow.story_id, ArticleRow.source_name, ArticleRow.duplicate_of)
Index("ix_articles_source_name", ArticleRow.source_name)
Index("ix_sources_last_status", Source.last_status)
