"""What the pictures and charts need of the store: each article's picture (`images`: which to fetch next, the
result, the story's lead picture, the bytes served), the times of a story's reports (its coverage chart) and each
source's fetch history (`source_fetches`, the chart on its page)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from newsdesk.store.repository import CONTENT_VERSION, Store, bump_version
from newsdesk.store.schema import ArticleRow, ImageRow, SourceFetchRow, UTCDateTime

FETCH_HISTORY = 60  # fetches kept per source: the chart shows them all
RECENT_STORIES = 500  # stories looked at per pass for a missing picture: the most recently updated
MAX_COVERAGE_REPORTS = 5000  # a story's reports read for its coverage chart, the first by publication
MAX_ATTEMPTS = 3  # tries of a picture whose fetch failed for now (a timeout, a 5xx answer)
RETRY_WAIT = timedelta(hours=1)  # before the second try; the third waits four times as long


@dataclass(frozen=True)
class LeadImage:
    article_id: int
    width: int
    height: int
    alt: str  # the article's headline
    outlet: str | None  # who published it, for the credit line
    article_url: str


@dataclass(frozen=True)
class FetchRecord:
    at: datetime
    status: str  # ok, not_modified, warning, error
    stored: int


# The candidates of a pass: in the most recently updated stories that have no picture yet, the articles with an
# image address not tried yet or due to be tried again, reports before reprints, the earliest first (the pass
# takes one per story).
_CANDIDATES = text("""
SELECT a.id, a.image, a.story_id
FROM (SELECT id, updated_at FROM stories WHERE merged_into IS NULL ORDER BY updated_at DESC LIMIT :recent) AS s
JOIN articles a ON a.story_id = s.id
WHERE a.image IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM images i WHERE i.article_id = a.id AND (i.retry_at IS NULL OR i.retry_at > :now))
  AND NOT EXISTS (SELECT 1 FROM images i JOIN articles b ON b.id = i.article_id
                  WHERE b.story_id = s.id AND i.data IS NOT NULL)
ORDER BY s.updated_at DESC, s.id, CASE WHEN a.duplicate_of IS NULL THEN 0 ELSE 1 END,
         CASE WHEN a.published IS NULL THEN 1 ELSE 0 END, a.published, a.id
""").bindparams(bindparam("now", type_=UTCDateTime()))

# The lead picture of a story: that of its earliest report that has one (an independent report before a reprint).
_LEAD = (select(ImageRow.article_id, ImageRow.width, ImageRow.height, ArticleRow.title, ArticleRow.source_name,
                ArticleRow.url)
         .join(ArticleRow, ArticleRow.id == ImageRow.article_id)
         .where(ImageRow.data.is_not(None))
         .order_by(ArticleRow.duplicate_of.is_not(None), ArticleRow.published.is_(None), ArticleRow.published,
                   ArticleRow.id)
         .limit(1))


def image_candidates(store: Store, stories: int, now: datetime) -> list[tuple[int, str]]:
    """(article id, image address) of the next picture to try in each of up to `stories` stories."""
    chosen: dict[int, tuple[int, str]] = {}
    with store.engine.connect() as conn:
        for article_id, url, story_id in conn.execute(_CANDIDATES, {"recent": RECENT_STORIES, "now": now}):
            if story_id not in chosen:
                chosen[story_id] = (article_id, url)
                if len(chosen) >= stories:
                    break
    return list(chosen.values())


def save_image(store: Store, article_id: int, url: str, at: datetime, *, data: bytes | None = None,
               width: int | None = None, height: int | None = None, error: str | None = None,
               may_pass: bool = False) -> bool:
    """Keep what fetching an article's picture gave (the picture, or why there is none); False when the article
    was removed meanwhile or another process saved it first. A failure that `may_pass` (a timeout, a 5xx answer)
    is tried again after RETRY_WAIT, four times longer each time, up to MAX_ATTEMPTS tries in all."""
    with store.session() as s:
        earlier = s.execute(select(ImageRow.attempts, ImageRow.data.is_not(None))
                            .where(ImageRow.article_id == article_id)).first()
        if earlier is not None and earlier[1]:
            return False  # another process stored the picture meanwhile
        attempts = earlier[0] + 1 if earlier is not None else 1
        retry_at = at + RETRY_WAIT * 4 ** (attempts - 1) if may_pass and attempts < MAX_ATTEMPTS else None
        values = {"url": url[:2048], "fetched_at": at, "data": data, "width": width, "height": height,
                  "error": error, "attempts": attempts, "retry_at": None if data is not None else retry_at}
        try:
            if earlier is None:
                s.execute(insert(ImageRow).values(article_id=article_id, **values))
            else:
                s.execute(update(ImageRow).where(ImageRow.article_id == article_id, ImageRow.data.is_(None))
                          .values(**values))
            if data is not None:  # a story page shows it: the pages cached by data version are out of date
                bump_version(s, CONTENT_VERSION)
            s.commit()
        except IntegrityError:
            return False
    return True


def lead_image(store: Store, story_id: int) -> LeadImage | None:
    with store.engine.connect() as conn:
        return lead_image_in(conn, story_id)


def lead_image_in(conn: Connection, story_id: int) -> LeadImage | None:
    """The story's lead picture, read on the caller's connection (the story page reads its story on one)."""
    row = conn.execute(_LEAD.where(ArticleRow.story_id == story_id)).first()
    if row is None:
        return None
    return LeadImage(row.article_id, row.width, row.height, row.title or "", row.source_name, row.url)


def image_data(store: Store, article_id: int) -> bytes | None:
    """The picture served for an article (WebP), or None: none, not fetched yet, or removed with its article."""
    with store.engine.connect() as conn:
        return conn.execute(select(ImageRow.data).where(ImageRow.article_id == article_id)).scalar()


def report_times_in(conn: Connection, story_id: int) -> list[tuple[datetime | None, bool]]:
    """(publication time or None, is a reprint) of a story's reports, for its coverage chart."""
    q = (select(ArticleRow.published, ArticleRow.duplicate_of.is_not(None))
         .where(ArticleRow.story_id == story_id)
         .order_by(ArticleRow.published).limit(MAX_COVERAGE_REPORTS))
    return [(published, bool(copy)) for published, copy in conn.execute(q)]


def record_fetch(store: Store, source_id: int, at: datetime, status: str, stored: int) -> None:
    """Add a fetch to the source's history, dropping what is older than its newest FETCH_HISTORY."""
    with store.session() as s:
        s.execute(insert(SourceFetchRow).values(source_id=source_id, at=at, status=status, stored=stored))
        oldest_kept = (select(SourceFetchRow.at).where(SourceFetchRow.source_id == source_id)
                       .order_by(SourceFetchRow.at.desc()).offset(FETCH_HISTORY - 1).limit(1)).scalar_subquery()
        s.execute(delete(SourceFetchRow).where(SourceFetchRow.source_id == source_id,
                                               SourceFetchRow.at < oldest_kept))
        s.commit()


def fetch_history(store: Store, source_id: int) -> list[FetchRecord]:
    """The source's last FETCH_HISTORY fetches, oldest first."""
    q = (select(SourceFetchRow.at, SourceFetchRow.status, SourceFetchRow.stored)
         .where(SourceFetchRow.source_id == source_id)
         .order_by(SourceFetchRow.at.desc(), SourceFetchRow.id.desc()).limit(FETCH_HISTORY))
    with store.engine.connect() as conn:
        rows = conn.execute(q).all()
    return [FetchRecord(r.at, r.status, r.stored) for r in reversed(rows)]
