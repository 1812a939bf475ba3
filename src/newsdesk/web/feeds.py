"""Feeds out: Atom 1.0, RSS 2.0 and JSON Feed 1.1 for the front page, each story (its updates: the articles
that joined it), each source and a search. XML is built with ElementTree (escaping is the serializer's
job, characters XML 1.0 forbids are dropped); ids are stable and the same whatever address a request came to
(FeedIds, kept in the database); every entry carries the disclaimer and links to the original reporting.

Fields the formats define as text (titles, RSS and Atom descriptions, JSON Feed's content_text) are plain text:
publisher markup is stripped from them. RSS titles and descriptions are then HTML-escaped as well, because many
readers render them as HTML: escaped for XML alone, a headline's `<script>` would reach them as a tag."""

from __future__ import annotations

import html
import json
import re
import secrets
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from newsdesk.config import Settings
from newsdesk.dates import article_time_text, story_times_text
from newsdesk.store import Store
from newsdesk.store.queries import ArticleSummary, StoryView
from newsdesk.store.schema import Meta
from newsdesk.web.citations import citation_numbers, cited_articles, sentence_citations
from newsdesk.web.common import (
    UserError,
    base_url,
    moved_to,
    parse_id,
    parse_source,
    parse_when,
    query_string,
    reader_of,
    safe_href,
    settings_of,
)

router = APIRouter(include_in_schema=False)

FEED_SIZE = 30
ATOM_NS = "http://www.w3.org/2005/Atom"
_XML_BAD = re.compile(r"[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MEDIA = {"atom": "application/atom+xml; charset=utf-8", "rss": "application/rss+xml; charset=utf-8",
         "json": "application/feed+json; charset=utf-8"}


def clean(value: str | None) -> str:
    return _XML_BAD.sub("", value or "")


# A tag as HTML reads one: "<" then a name, "/", "!" or "?" at once ("a < b" is text), up to the next ">".
_TAG = re.compile(r"</?[A-Za-z!?][^<>]*>")


def plain(value: str | None) -> str:
    """`value` without markup, for the fields a feed format defines as text."""
    return clean(_TAG.sub("", value or ""))


def rss_text(value: str | None) -> str:
    """An RSS title or description: plain text, HTML-escaped for the readers that render these fields as HTML."""
    return html.escape(plain(value), quote=False)


@dataclass
class Link:
    url: str
    title: str


@dataclass
class Entry:
    id: str
    title: str
    url: str
    updated: datetime
    published: datetime | None
    html: str
    text: str
    links: list[Link] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    subtitle: str
    home_url: str
    self_url: str
    updated: datetime
    entries: list[Entry]


@dataclass(frozen=True)
class FeedIds:
    """What feed and entry ids are made of: chosen once for the site and kept in the database, so that no
    request changes them (they followed the Host header: a reader that switched host names got every entry
    twice). A site whose `public_url` was set when they were first needed keeps the ids newsdesk always gave it
    (its story URLs, tag: URIs of its host name); any other site gets tag: URIs of a name made up for it, under
    the reserved .invalid domain, whatever `public_url` becomes later."""

    authority: str  # the tagging entity of the tag: URIs (RFC 4151)
    site: str = ""  # the site's address when the ids were chosen: a story entry's id is then its story URL

    def tag(self, *parts: object) -> str:
        return f"tag:{self.authority},2025:" + "/".join(str(p) for p in parts)

    def story(self, story_id: int) -> str:
        return f"{self.site}/stories/{story_id}" if self.site else self.tag("stories", story_id)

    def front(self) -> str:
        return f"{self.site}/" if self.site else self.tag("front")


FEED_IDS_KEY = "feed_ids"  # in `meta`: the FeedIds as JSON
_feed_ids_lock = threading.Lock()


def load_feed_ids(store: Store, settings: Settings) -> FeedIds:
    """The site's FeedIds, made and kept in `meta` on first use (every process sharing the store reads the same)."""
    with store.session() as s:
        value = s.scalar(select(Meta.value).where(Meta.key == FEED_IDS_KEY))
        if value is None:
            site = settings.public_url.strip().rstrip("/")
            authority = urlsplit(site).hostname if site else None
            made = FeedIds(authority or f"newsdesk-{secrets.token_hex(6)}.invalid", site if authority else "")
            s.add(Meta(key=FEED_IDS_KEY, value=json.dumps({"authority": made.authority, "site": made.site})))
            try:
                s.commit()
            except IntegrityError:  # another process made them first: theirs
                s.rollback()
            value = s.scalar(select(Meta.value).where(Meta.key == FEED_IDS_KEY))
    stored = json.loads(value)
    return FeedIds(stored["authority"], stored.get("site", ""))


def feed_ids(request: Request) -> FeedIds:
    state = request.app.state
    if getattr(state, "feed_ids", None) is None:
        with _feed_ids_lock:
            if getattr(state, "feed_ids", None) is None:
                state.feed_ids = load_feed_ids(reader_of(request).store, settings_of(request))
    return state.feed_ids


# ---- entries --------------------------------------------------------------------------------------------


def _story_entry(story: StoryView, base: str, disclaimer_text: str, ids: FeedIds) -> Entry:
    """A story as a feed entry: its brief with the page's numbered citations [1]..[n] (the same numbers and links:
    `citations.py`), then its sources, the cited ones first under their numbers."""
    url = f"{base}/stories/{story.id}"
    numbers = citation_numbers(story.brief)
    cited = cited_articles(story.brief)
    hrefs = {a.id: safe_href(a.url) for a in story.articles}
    titles = {a.id: f"{a.source or urlsplit(hrefs[a.id]).hostname}: {a.title or hrefs[a.id]}"
              for a in story.articles if hrefs[a.id]}
    links: list[Link] = []
    source_lines: list[str] = []  # the text version of the list
    seen: set[str] = set()
    for c in cited:
        if c.href and c.href not in seen:
            seen.add(c.href)
            links.append(Link(c.href, f"[{c.number}] {titles.get(c.article_id, c.href)}"))
            source_lines.append(f"[{c.number}] {c.href}")
    for a in story.articles:
        href = hrefs[a.id]
        if href and href not in seen:
            seen.add(href)
            links.append(Link(href, titles[a.id]))
            source_lines.append(href)
    parts = []
    text_parts = []
    for sentence in story.brief:
        numbered = sentence_citations(sentence, numbers)
        cites = [f'<a href="{html.escape(c.href)}">[{c.number}]</a>' if c.href else f"[{c.number}]" for c in numbered]
        note = " (only state-controlled media report this)" if sentence.get("state_media_only") is True else ""
        parts.append(f"<p>{html.escape(clean(str(sentence.get('text', ''))))} {' '.join(cites)}{note}</p>")
        marks = "".join(f"[{c.number}]" for c in numbered)
        text_parts.append(clean(str(sentence.get("text", ""))) + (f" {marks}" if marks else "") + note)
    counts = (f"{story.sources_count} sources, {story.independent_sources_count} independent; "
              f"outlets: {', '.join(story.outlets)}; "
              f"{story_times_text(story.first_published, story.last_published, story.created_at)}")
    parts.append(f"<p>{html.escape(clean(counts))}</p>")
    if links:
        parts.append("<p>Sources:</p><ul>" + "".join(
            f'<li><a href="{html.escape(link.url)}">{html.escape(clean(link.title))}</a></li>' for link in links)
            + "</ul>")
    parts.append(f'<p><a href="{html.escape(url)}">The full story on newsdesk</a></p>')
    parts.append(f"<p><em>{html.escape(disclaimer_text)}</em></p>")
    text = "\n\n".join(text_parts + [counts, "Sources:\n" + "\n".join(source_lines), disclaimer_text])
    return Entry(id=ids.story(story.id), title=clean(story.headline) or f"Story {story.id}", url=url,
                 # by publication, as the page: its first and latest reports (where none is dated, when it was seen)
                 updated=story.last_published or story.updated_at, published=story.first_published,
                 html="".join(parts), text=text, links=links)


def _article_entry(a: ArticleSummary, base: str, disclaimer_text: str, story_id: int | None, ids: FeedIds) -> Entry:
    href = safe_href(a.url)
    story_url = f"{base}/stories/{story_id}" if story_id else None
    outlet = clean(a.source) or (urlsplit(href).hostname if href else "") or "unknown outlet"
    title = clean(a.title) or a.url
    parts = [f"<p>{html.escape(outlet)} reported: "
             + (f'<a href="{html.escape(href)}">{html.escape(title)}</a>' if href else html.escape(title)) + "</p>"]
    if a.published is None:  # the entry's time is then the fetch's: said so
        parts.append(f"<p>{html.escape(article_time_text(None, a.fetched, a.received))}</p>")
    if a.duplicate_of is not None:
        parts.append(f"<p>A copy of article {a.duplicate_of} (syndicated or reprinted).</p>")
    if story_url:
        parts.append(f'<p><a href="{html.escape(story_url)}">The whole story on newsdesk</a></p>')
    parts.append(f"<p><em>{html.escape(disclaimer_text)}</em></p>")
    links = [Link(href, f"{outlet}: {title}")] if href else []
    return Entry(id=ids.tag("article", a.id), title=title, url=href or story_url or base + "/",
                 updated=a.published or a.fetched, published=a.published, html="".join(parts),
                 text=f"{outlet} reported: {title}\n\n{href or ''}\n\n{disclaimer_text}", links=links)


# ---- serializers ----------------------------------------------------------------------------------------


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_atom(feed: Feed) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = clean(text)
        return el

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(root, "id", feed.id)
    sub(root, "title", plain(feed.title))  # Atom text constructs: type="text", shown as they are
    sub(root, "subtitle", plain(feed.subtitle))
    sub(root, "updated", _iso(feed.updated))
    sub(root, "link", rel="self", type="application/atom+xml", href=feed.self_url)
    sub(root, "link", rel="alternate", type="text/html", href=feed.home_url)
    author = sub(root, "author")
    sub(author, "name", "newsdesk")
    sub(root, "generator", "newsdesk")
    for e in feed.entries:
        entry = sub(root, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", plain(e.title))
        sub(entry, "updated", _iso(e.updated))
        if e.published:
            sub(entry, "published", _iso(e.published))
        sub(entry, "link", rel="alternate", type="text/html", href=e.url)
        for link in e.links:
            if link.url != e.url:
                sub(entry, "link", rel="related", type="text/html", href=link.url, title=plain(link.title))
        sub(entry, "summary", plain(e.text)[:1000])
        sub(entry, "content", e.html, type="html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def to_rss(feed: Feed) -> bytes:
    ET.register_namespace("atom", ATOM_NS)
    root = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(root, "channel")

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(parent, tag, attrs)
        if text is not None:
            el.text = clean(text)
        return el

    sub(channel, "title", rss_text(feed.title))
    sub(channel, "link", feed.home_url)
    sub(channel, "description", rss_text(feed.subtitle))
    sub(channel, "lastBuildDate", format_datetime(feed.updated.astimezone(UTC), usegmt=True))
    sub(channel, "generator", "newsdesk")
    sub(channel, f"{{{ATOM_NS}}}link", rel="self", type="application/rss+xml", href=feed.self_url)
    for e in feed.entries:
        item = sub(channel, "item")
        sub(item, "title", rss_text(e.title))
        sub(item, "link", e.url)
        sub(item, "guid", e.id, isPermaLink="true" if e.id == e.url else "false")
        sub(item, "pubDate", format_datetime((e.published or e.updated).astimezone(UTC), usegmt=True))
        sub(item, "description", e.html)  # HTML by design: ours, every publisher text in it escaped
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="utf-8", xml_declaration=False)


def to_json_feed(feed: Feed) -> bytes:
    doc = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": plain(feed.title),
        "description": plain(feed.subtitle),
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "authors": [{"name": "newsdesk"}],
        "items": [
            {
                "id": e.id, "url": e.url, "title": plain(e.title), "content_html": e.html,
                "content_text": plain(e.text),
                "date_published": _iso(e.published or e.updated), "date_modified": _iso(e.updated),
                **({"external_url": e.links[0].url} if e.links and e.links[0].url != e.url else {}),
                "_newsdesk": {"links": [{"url": link.url, "title": plain(link.title)} for link in e.links]},
            }
            for e in feed.entries
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1).encode()


SERIALIZERS: dict[str, Callable[[Feed], bytes]] = {"atom": to_atom, "rss": to_rss, "json": to_json_feed}


def _respond(feed: Feed, fmt: str) -> Response:
    return Response(SERIALIZERS[fmt](feed), media_type=MEDIA[fmt])


# ---- routes ---------------------------------------------------------------------------------------------


def _newest(times: list[datetime]) -> datetime:
    return max(times) if times else datetime(2000, 1, 1, tzinfo=UTC)


def front_feed(request: Request, fmt: str) -> Response:
    base, text, ids = base_url(request), settings_of(request).effective_disclaimer, feed_ids(request)
    stories = reader_of(request).front_page(limit=FEED_SIZE).items
    entries = [_story_entry(s, base, text, ids) for s in stories]
    return _respond(Feed(
        id=ids.front(), title="newsdesk: top stories", subtitle="Current stories, by breadth of coverage and freshness",
        home_url=f"{base}/", self_url=f"{base}/feed.{fmt}", updated=_newest([e.updated for e in entries]),
        entries=entries), fmt)


def story_feed(request: Request, fmt: str, story_id: str) -> Response:
    sid = parse_id(story_id, "story")
    detail = reader_of(request).story(sid)
    if detail is None:
        raise UserError(404, f"there is no story {story_id}")
    if detail.story.merged_into is not None:  # its readers go on with the story it was merged into
        return moved_to(request, f"/stories/{detail.story.merged_into}/feed.{fmt}")
    base, text, ids = base_url(request), settings_of(request).effective_disclaimer, feed_ids(request)
    newest = sorted(detail.story.articles, key=lambda a: (a.fetched, a.id), reverse=True)[:FEED_SIZE]
    entries = [_article_entry(a, base, text, sid, ids) for a in newest]
    headline = clean(detail.story.headline) or f"Story {sid}"
    return _respond(Feed(
        id=ids.tag("story", sid), title=f"newsdesk: {headline}", subtitle="New reporting on this story",
        home_url=f"{base}/stories/{sid}", self_url=f"{base}/stories/{sid}/feed.{fmt}",
        updated=_newest([detail.story.updated_at] + [e.updated for e in entries]), entries=entries), fmt)


def source_feed(request: Request, fmt: str, source_id: str) -> Response:
    sid = parse_id(source_id, "source")
    reader = reader_of(request)
    source = reader.source(sid)
    if source is None:
        raise UserError(404, f"there is no source {source_id}")
    from newsdesk.store.queries import Filters

    articles = reader.articles(FEED_SIZE, None, Filters(source_id=sid)).items
    base, text, ids = base_url(request), settings_of(request).effective_disclaimer, feed_ids(request)
    entries = [_article_entry(a, base, text, a.story_id, ids) for a in articles]
    return _respond(Feed(
        id=ids.tag("source", sid), title=f"newsdesk: {clean(source.name)}",
        subtitle=f"What {clean(source.name)} published", home_url=f"{base}/sources/{sid}",
        self_url=f"{base}/sources/{sid}/feed.{fmt}", updated=_newest([e.updated for e in entries]),
        entries=entries), fmt)


def search_feed(request: Request, fmt: str, q: str, since: str | None, until: str | None, source: str | None,
                language: str | None) -> Response:
    from newsdesk.web.api import run_search

    found, _ = run_search(request, q, FEED_SIZE, None, parse_when(since, "since"),
                          parse_when(until, "until", end_of_day=True), parse_source(source), None, language or None)
    base, text, ids = base_url(request), settings_of(request).effective_disclaimer, feed_ids(request)
    entries = [_story_entry(s, base, text, ids) for _, s in found]
    params = query_string({"q": q, "since": since, "until": until, "source": source, "language": language})
    return _respond(Feed(
        id=ids.tag("search", params), title=f"newsdesk: search for {clean(q)}",
        subtitle=f"Stories matching {clean(q)}", home_url=f"{base}/search?{params}",
        self_url=f"{base}/search/feed.{fmt}?{params}", updated=_newest([e.updated for e in entries]),
        entries=entries), fmt)


def _register(fmt: str) -> None:
    def _front(request: Request) -> Response:
        return front_feed(request, fmt)

    def _story(request: Request, story_id: str) -> Response:
        return story_feed(request, fmt, story_id)

    def _source(request: Request, source_id: str) -> Response:
        return source_feed(request, fmt, source_id)

    router.add_api_route(f"/feed.{fmt}", _front, methods=["GET"])
    router.add_api_route(f"/stories/{{story_id}}/feed.{fmt}", _story, methods=["GET"])
    router.add_api_route(f"/sources/{{source_id}}/feed.{fmt}", _source, methods=["GET"])

    def _search(request: Request, q: Annotated[str, Query(max_length=500)] = "",
                since: Annotated[str | None, Query(max_length=40)] = None,
                until: Annotated[str | None, Query(max_length=40)] = None,
                source: Annotated[str | None, Query(max_length=20)] = None,
                language: Annotated[str | None, Query(max_length=16)] = None) -> Response:
        return search_feed(request, fmt, q, since, until, source, language)

    router.add_api_route(f"/search/feed.{fmt}", _search, methods=["GET"])


for _fmt in SERIALIZERS:
    _register(_fmt)
