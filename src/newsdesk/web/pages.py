"""Server-rendered pages: front page, story, sources, search (the removal form is in removal.py, the
administrators' pages in admin.py). No JavaScript; every piece of publisher text goes through Jinja's
autoescape, and only http(s) URLs are put in an href."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from newsdesk.store.queries import Filters, StoryView
from newsdesk.web.common import (
    UserError,
    desk_of,
    disclaimer,
    make_filters,
    parse_id,
    parse_source,
    parse_when,
    query_string,
    reader_of,
    safe_href,
    settings_of,
)

router = APIRouter(include_in_schema=False)
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescape is on for .html
templates.env.auto_reload = False  # templates ship with the package: no stat() of each file per request

PER_PAGE = 20
# The footer of every page but a story's (which carries the story's own disclaimer, once).
SITE_NOTICE = ("Stories here are aggregated automatically from public sources and may contain errors; verify "
               "information independently. Rights holders can request removal of their content.")


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


templates.env.filters["when"] = _fmt_time
templates.env.filters["iso"] = _iso
templates.env.filters["href"] = safe_href
templates.env.globals["qs"] = query_string


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    context.setdefault("disclaimer", disclaimer(settings_of(request)))
    context.setdefault("site_notice", SITE_NOTICE)
    return templates.TemplateResponse(request, name, context, status_code=status)


Cursor = Annotated[str | None, Query(max_length=512)]


@router.get("/", response_class=HTMLResponse)
def front_page(request: Request, cursor: Cursor = None) -> HTMLResponse:
    page = reader_of(request).front_page(PER_PAGE, cursor)
    return render(request, "index.html", {"stories": page.items, "next": page.next, "first": not cursor})


def is_removed(story: StoryView) -> bool:
    """Every article of the story was removed following a request. A story that gained new reporting since
    then is a story again."""
    return story.removed and story.article_count == 0


def _citation_numbers(brief: list[dict]) -> dict[int, int]:
    numbers: dict[int, int] = {}
    for sentence in brief:
        for c in sentence.get("citations", []):
            aid = c.get("article_id")
            if isinstance(aid, int) and aid not in numbers:
                numbers[aid] = len(numbers) + 1
    return numbers


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str) -> HTMLResponse:
    sid = parse_id(story_id, "story")
    detail = reader_of(request).story(sid)
    if detail is None:
        raise UserError(404, f"there is no story {sid}")
    if is_removed(detail.story):
        # 410 Gone, not 404: the story existed and was taken down on purpose, which crawlers and caches should
        # learn (and drop it for good); the body still tells a reader why. Not 200: there is no story to index.
        return render(request, "story_removed.html", {"request_id": desk_of(request).story_removal(sid)},
                      status=410)
    numbers = _citation_numbers(detail.story.brief)
    by_id = {a.id: a for a in detail.story.articles}
    cited = [(n, aid, by_id.get(aid)) for aid, n in numbers.items()]
    return render(request, "story.html", {
        "story": detail.story, "groups": detail.groups, "timeline": detail.timeline, "numbers": numbers,
        "cited": cited, "articles": by_id, "entities": [], "statements": [],
        "shown": len(detail.story.articles), "total": detail.articles_total,
    })


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, cursor: Cursor = None) -> HTMLResponse:
    page = reader_of(request).sources(100, cursor)
    return render(request, "sources.html", {"sources": page.items, "next": page.next})


@router.get("/sources/{source_id}", response_class=HTMLResponse)
def source_page(request: Request, source_id: str, cursor: Cursor = None) -> HTMLResponse:
    sid = parse_id(source_id, "source")
    reader = reader_of(request)
    source = reader.source(sid)
    if source is None:
        raise UserError(404, f"there is no source {sid}")
    page = reader.articles(50, cursor, Filters(source_id=sid))
    return render(request, "source.html", {"source": source, "articles": page.items, "next": page.next})


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request, q: Annotated[str, Query(max_length=500)] = "",
    since: Annotated[str | None, Query(max_length=40)] = None,
    until: Annotated[str | None, Query(max_length=40)] = None,
    source: Annotated[str | None, Query(max_length=20)] = None,
    language: Annotated[str | None, Query(max_length=16)] = None, cursor: Cursor = None,
) -> HTMLResponse:
    from newsdesk.web.api import run_search

    reader = reader_of(request)
    form = {"q": q, "since": since or "", "until": until or "", "source": source or "", "language": language or ""}
    context: dict[str, Any] = {"form": form, "sources": reader.source_names(), "results": [], "next": None,
                               "error": None, "searched": bool(q.strip())}
    if not q.strip():
        if any(form[k] for k in ("since", "until", "source", "language")):
            context["error"] = "Type at least one word to search for."
            return render(request, "search.html", context, status=400)
        return render(request, "search.html", context)
    try:
        since_at, until_at = parse_when(since, "since"), parse_when(until, "until", end_of_day=True)
        source_id = parse_source(source)
        make_filters(since_at, until_at, source_id, None, language)
        found, nxt = run_search(request, q, PER_PAGE, cursor, since_at, until_at, source_id, None,
                                (language or "").strip() or None, heads_only=True)
    except UserError as exc:
        context["error"] = exc.message
        return render(request, "search.html", context, status=exc.status)
    context.update(results=found, next=nxt, feed_qs=query_string({k: v for k, v in form.items()}))
    return render(request, "search.html", context)
