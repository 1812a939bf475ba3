"""Plain data that flows between the stages (no I/O, no database, no HTTP)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class FeedEntry:
    """One item announced by a source (feed item, sitemap URL, JSON Feed item)."""

    url: str
    title: str | None = None
    published: datetime | None = None
    authors: list[str] = field(default_factory=list)
    summary: str | None = None
    image: str | None = None
    language: str | None = None
    guid: str | None = None
    # The item's full text as the feed carries it (RSS content:encoded, Atom <content>, JSON Feed content_html or
    # content_text, as HTML): what is stored when the page itself cannot be fetched or extracted.
    content: str | None = None


@dataclass
class ParsedSource:
    """What a fetched source document says: its entries, and where to look next.

    kind is one of "rss", "atom", "jsonfeed", "sitemap", "sitemapindex", "html".
    """

    kind: str
    title: str | None = None
    entries: list[FeedEntry] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)  # children of a sitemap index
    feed_links: list[str] = field(default_factory=list)  # feeds autodiscovered in an HTML page
    language: str | None = None


@dataclass
class Article:
    """A clean article as extraction returns it (the fields of the `extract` contract)."""

    url: str
    title: str | None
    text: str
    authors: list[str] = field(default_factory=list)
    published: datetime | None = None
    language: str | None = None
    canonical_url: str | None = None
    image: str | None = None
    genre: str | None = None  # "opinion", "roundup" or None for reporting (newsdesk.genre)
    text_from: str = "page"  # "page": extracted from the article's page; "feed": its feed's full text (collect)
    agencies: list[str] = field(default_factory=list)  # news agencies named as its source ("AP", "dpa")
    site_name: str | None = None  # the outlet's name as the page gives it (og:site_name, else JSON-LD publisher)


@dataclass
class FetchedDocument:
    """A response body as the polite client returns it."""

    url: str  # the final URL, after redirects
    status: int
    content: bytes
    headers: dict[str, str]
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False  # a 304 answered a conditional request

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


@dataclass
class StoryDoc:
    """An article as the story stages see it (the `newsdesk cluster` record: id, title, text, published,
    url, source). `origin_id` is the id of the article it is a copy of (None for an original); `language` its
    ISO 639-1 code where known (words are stemmed by it, English when unknown). `genre` is "opinion" for an
    editorial, op-ed or column, "roundup" for a market wrap or news round-up, None for reporting."""

    id: int | str
    title: str
    text: str
    published: datetime | None = None
    url: str | None = None
    source: str | None = None
    origin_id: int | str | None = None
    language: str | None = None
    genre: str | None = None


@dataclass
class Citation:
    article_id: int | str
    url: str | None


@dataclass
class BriefSentence:
    """One sentence of a story's brief, verbatim from the articles it cites."""

    text: str
    citations: list[Citation] = field(default_factory=list)
    state_media_only: bool = False  # every article it cites is state-controlled media
