"""Server-rendered pages: front page, story, sources, search (the removal form is in removal.py, the
administrators' pages in admin.py). No JavaScript; every piece of publisher text goes through Jinja's
autoescape, and only http(s) URLs are put in an href."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import Markup

from newsdesk.errors import failure_reason_words
from newsdesk.store import pictures
from newsdesk.store.queries import (
    AnalysisCoverage,
    ArticleSummary,
    Filters,
    StoryDetail,
    StoryView,
    source_status_words,
)
from newsdesk.text import language_name
from newsdesk.web.charts import coverage_chart, fetch_history_chart
from newsdesk.web.citations import citation_numbers, sentence_citations
from newsdesk.web.common import (
    MAX_KEY,
    UserError,
    canonical_key,
    desk_of,
    entity_path,
    make_filters,
    moved_address,
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
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescape is on for .html
templates.env.auto_reload = False  # templates ship with the package: no stat() of each file per request

PER_PAGE = 20
# Articles listed on a story page; a story of hundreds links to all of them (a page that size is slow to make
# and unreadable on a phone; Google News' full coverage also pages).
STORY_PAGE_ARTICLES = 50
# The footer of every page but a story's (which carries the story's own disclaimer, once).
SITE_NOTICE = ("Stories here are aggregated automatically from public sources and may contain errors; verify "
               "information independently. Rights holders can request removal of their content.")


def _fmt_time(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else ""


def _iso(value: datetime | None) -> str:
    return value.isoformat() if value else ""


# The markup below is built from datetimes written as digits and fixed words only (nothing to escape): plain
# strings marked safe once, as Markup.format's escaping of each part doubled the cost of a story page's times.


def _time_tag(value: datetime) -> str:
    return f'<time datetime="{value.isoformat()}">{value.strftime("%Y-%m-%d %H:%M UTC")}</time>'


_UNKNOWN = '<span class="date-unknown">date unknown</span>'


def article_time(a: ArticleSummary) -> Markup:
    """An article's publication time; without one, "date unknown" and when it was fetched (or imported), said
    so: never a fetch time that reads as a publication time."""
    if a.published is not None:
        return Markup(_time_tag(a.published))
    return Markup(f"{_UNKNOWN} ({a.received} {_time_tag(a.fetched)})")


def story_time(s: StoryView, short: bool = False) -> Markup:
    """A story's time by publication: its first and latest reports (`short`: the latest only, for lists); where
    none of its articles has a date, "date unknown" and when it was first seen, said so."""
    if s.first_published is None or s.last_published is None:
        return Markup(f"{_UNKNOWN} (first seen {_time_tag(s.created_at)})")
    if short or s.last_published == s.first_published:
        word = "latest report" if short and s.last_published != s.first_published else "reported"
        return Markup(f"{word} {_time_tag(s.last_published)}")
    return Markup(f"first report {_time_tag(s.first_published)} · latest report {_time_tag(s.last_published)}")


templates.env.filters["when"] = _fmt_time
templates.env.filters["iso"] = _iso
templates.env.globals["article_time"] = article_time
templates.env.globals["story_time"] = story_time
templates.env.filters["href"] = safe_href
templates.env.filters["entity_path"] = entity_path
templates.env.filters["source_status"] = source_status_words
templates.env.filters["reason_words"] = failure_reason_words
templates.env.globals["qs"] = query_string

# ---- who and where, who said what: view models of the story row's own JSON (no query per item) ----------

TYPE_LABELS = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "place", "NORP": "group",
               "EVENT": "event"}
templates.env.globals["type_labels"] = TYPE_LABELS
# (section id, heading, entity types), in the order the story page shows them.
ENTITY_SECTIONS = (("people", "People", ("PERSON",)), ("organisations", "Organisations", ("ORG",)),
                   ("places", "Places", ("GPE", "LOC")), ("groups", "Groups and nationalities", ("NORP",)),
                   ("events", "Events", ("EVENT",)))
# (status, heading, what it means): reported fact first, then what people assert, guess and deny, each under
# its own heading so that a reader never takes a claim or a guess for something established.
STATEMENT_SECTIONS = (
    ("reported", "Reported", "What outlets state themselves, attributed to them."),
    ("claim", "Claims", "What someone asserts. Attributed to them, not established by this site."),
    ("speculation", "Speculation",
     "Hedged or predictive: what someone thinks may be true or may happen. Not established fact."),
    ("denial", "Denials", "What someone rejects or denies."),
)
STATUS_LABELS = {"reported": "Reported", "claim": "Claim", "speculation": "Speculation", "denial": "Denial"}
# The same in a few words, for the story page's one list, where each statement wears its label instead of a heading.
STATUS_GLOSSES = {"reported": "stated by the outlets themselves",
                  "claim": "asserted by someone, not established here",
                  "speculation": "hedged or predictive, not established fact",
                  "denial": "what someone rejects or denies"}
KIND_LABELS = {"official": "official", "state_media": "state media", "media": "news outlet", "expert": "expert",
               "analyst": "analyst", "anonymous": "anonymous source"}  # "other" says nothing: no label
_PAST = {"say": "said", "tell": "told", "write": "wrote", "speak": "spoke", "think": "thought", "admit": "admitted",
         "quip": "quipped", "refer": "referred", "rebut": "rebutted", "read": "read", "begin": "began", "go": "went"}


def said(verb: str | None) -> str:
    """The attribution verb (stored as a lemma) in the past tense of a news report: "warn" -> "warned"."""
    verb = (verb or "say").strip().lower()
    if verb in _PAST:
        return _PAST[verb]
    if " " in verb or not verb.isalpha():  # "according to"
        return verb
    if verb.endswith("e"):
        return verb + "d"
    if verb.endswith("y") and len(verb) > 1 and verb[-2] not in "aeiou":
        return verb[:-1] + "ied"
    return verb + "ed"


@dataclass
class EntitySection:
    id: str
    heading: str
    entities: list[dict]


@dataclass
class StatementView:
    data: dict  # the stored statement
    speaker_key: str | None  # the speaker's entity in this story, for a link to its page
    kind_label: str | None
    said: str
    citing: list[ArticleSummary] = field(default_factory=list)  # its articles among those the page lists
    unlisted: int = 0  # its articles beyond those

    @property
    def status(self) -> str:
        return self.data.get("status") or "claim"

    @property
    def speaker(self) -> str:
        """The speaker as the line shows it: it starts the sentence ("The institute said") unless it follows
        "According to"."""
        name = self.data.get("speaker") or ""
        return name if self.said == "according to" else name[:1].upper() + name[1:]


@dataclass
class StatementSection:
    status: str
    heading: str
    explanation: str
    statements: list[StatementView]


STORY_PAGE_ENTITIES = 15  # shown on the story page, the most salient; the others behind "All people and places"


def entity_sections(entities: list[dict], prefix: str = "") -> list[EntitySection]:
    """Entities by kind, each kind in the story's order (the most salient first); `prefix` keeps the ids of
    a second list of sections on the page apart."""
    out = []
    for sid, heading, types in ENTITY_SECTIONS:
        chosen = [e for e in entities if e.get("type") in types and e.get("name") and e.get("key")]
        if chosen:
            out.append(EntitySection(prefix + sid, heading, chosen))
    return out


def statement_views(statements: list[dict], entities: list[dict],
                    articles: dict[int, ArticleSummary]) -> list[StatementView]:
    """The statements as the page shows them, in the order given, each with the articles that carry it taken
    from those the page already has (no query per statement)."""
    speakers = {}
    for e in entities:
        if e.get("type") in ("PERSON", "ORG") and e.get("name") and e.get("key"):
            speakers.setdefault(e["name"].casefold(), e["key"])
    views = []
    for st in statements:
        if not isinstance(st, dict) or not st.get("text"):
            continue
        ids = [i for i in st.get("article_ids") or [] if isinstance(i, int)]
        views.append(StatementView(data=st, speaker_key=speakers.get((st.get("speaker") or "").casefold()),
                                   kind_label=KIND_LABELS.get(st.get("kind") or ""), said=said(st.get("verb")),
                                   citing=[articles[i] for i in ids if i in articles],
                                   unlisted=sum(1 for i in ids if i not in articles)))
    return views


def statement_sections(statements: list[dict], entities: list[dict],
                       articles: dict[int, ArticleSummary]) -> list[StatementSection]:
    """The story's statements under their status, in the story's order (most corroborated first)."""
    by_status: dict[str, list[StatementView]] = {}
    for view in statement_views(statements, entities, articles):
        by_status.setdefault(view.status, []).append(view)
    return [StatementSection(status, heading, explanation, by_status[status])
            for status, heading, explanation in STATEMENT_SECTIONS if by_status.get(status)]


STORY_PAGE_STATEMENTS = 8  # led with on the story page; all of them on /stories/{id}/statements
STATEMENTS_PER_SPEAKER = 2  # of those, at most this many from one speaker


def _speaker_of(st: dict) -> str:
    return (st.get("speaker") or "").casefold()


def significance(st: dict) -> tuple[int, bool, bool, bool]:
    """How much a statement matters to a reader of the story, as a sort key (larger first): how many independent
    origins carry it (reprints of one report count once; a statement only state-controlled media carry counts
    none), then a denial (it says that something is contested), then an official's words (they speak for an
    institution that acts), then a named speaker before an unattributed one."""
    origins = st.get("independent_origins")
    corroboration = 0 if st.get("state_media_only") else (origins if isinstance(origins, int) else 0)
    return (corroboration, st.get("status") == "denial", st.get("kind") == "official", bool(st.get("speaker")))


def significant_statements(statements: list[dict], limit: int = STORY_PAGE_STATEMENTS) -> list[dict]:
    """The statements a story page leads with, most significant first (`significance`; ties keep the story's
    order). At most `STATEMENTS_PER_SPEAKER` from one speaker, so that one talkative spokesperson does not fill
    the list while others go unheard (unattributed statements have no such cap: each is someone else's). When the
    story has a denial and none made the list, the best denial takes the last place: a reader must see that
    something is contested without opening every statement. Fewer speakers than places: the cap gives way."""
    ranked = sorted((st for st in statements if isinstance(st, dict) and st.get("text")),
                    key=significance, reverse=True)  # stable: equal keys keep the story's order
    chosen: list[dict] = []
    skipped: list[dict] = []
    per_speaker: dict[str, int] = {}
    for st in ranked:
        who = _speaker_of(st)
        if who and per_speaker.get(who, 0) >= STATEMENTS_PER_SPEAKER:
            skipped.append(st)
            continue
        per_speaker[who] = per_speaker.get(who, 0) + 1
        chosen.append(st)
    if len(chosen) < limit:  # too few speakers to fill the list: the cap gives way
        place = {id(st): k for k, st in enumerate(ranked)}
        chosen = sorted(chosen + skipped, key=lambda st: place[id(st)])
    chosen = chosen[:limit]
    denials = [st for st in ranked if st.get("status") == "denial"]
    if chosen and denials and not any(st.get("status") == "denial" for st in chosen):
        chosen[-1] = denials[0]
    return chosen


def _articles(n: int) -> str:
    return f"{n} article{'' if n == 1 else 's'}"


def _and(words: list[str]) -> str:
    return ", ".join(words[:-1]) + (" and " if len(words) > 1 else "") + words[-1] if words else ""


def analysis_note(coverage: AnalysisCoverage) -> str | None:
    """Which of the story's articles "who said what" comes from, when not all of them: "Who said what is from
    the 3 English and French articles; 2 articles in German were not analysed (no language model for German)."
    None when every article was analysed."""
    if not coverage.not_analysed and not coverage.waiting:
        return None
    parts = []
    analysed = sum(coverage.analysed.values())
    if analysed:
        names = _and([language_name(code) for code in sorted(coverage.analysed, key=lambda c: -coverage.analysed[c])
                      if code])
        parts.append(f"Who said what is from the {analysed} {names + ' ' if names else ''}"
                     f"article{'' if analysed == 1 else 's'}")
    if coverage.not_analysed:
        unread = sorted(coverage.not_analysed.items(), key=lambda item: (-item[1], item[0]))
        total = sum(n for _code, n in unread)
        languages = _and([language_name(code) for code, _n in unread])
        parts.append(f"{_and([f'{_articles(n)} in {language_name(code)}' for code, n in unread])} "
                     f"{'was' if total == 1 else 'were'} not analysed (no language model for {languages})")
    if coverage.waiting:
        parts.append(f"{_articles(coverage.waiting)} {'is' if coverage.waiting == 1 else 'are'} waiting for analysis")
    if not analysed:
        return f"Who said what is not shown{' yet' if coverage.waiting else ''}: " + "; ".join(parts) + "."
    return "; ".join(parts) + "."


def render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    context.setdefault("disclaimer", settings_of(request).effective_disclaimer)
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


def _story_detail(request: Request, story_id: str, suffix: str = "") -> tuple[StoryDetail, Response | None]:
    """The story `story_id` for one of its pages, or the answer instead of it: 404 for no such story, 301 to the
    story it was merged into (the same page of it: `suffix`), 410 when all of it was removed."""
    sid = parse_id(story_id, "story")
    detail = reader_of(request).story(sid, limit=STORY_PAGE_ARTICLES, outlets=False, with_pictures=not suffix)
    if detail is None:
        raise UserError(404, f"there is no story {sid}")
    if detail.story.merged_into is not None:
        return detail, moved_to(request, f"/stories/{detail.story.merged_into}{suffix}")
    if is_removed(detail.story):
        # 410 Gone, not 404: the story existed and was taken down on purpose, which crawlers and caches should
        # learn (and drop it for good); the body still tells a reader why. Not 200: there is no story to index.
        return detail, render(request, "story_removed.html", {"request_id": desk_of(request).story_removal(sid)},
                              status=410)
    return detail, None


@router.get("/stories/{story_id}", response_class=HTMLResponse)
def story_page(request: Request, story_id: str) -> Response:
    """The brief with its numbered citations, one timeline (each independent report once, its copies under it),
    opinion apart, then the most salient entities and the most significant statements, each with a way to all."""
    detail, answer = _story_detail(request, story_id)
    if answer is not None:
        return answer
    story = detail.story
    numbers = citation_numbers(story.brief)
    by_id = {a.id: a for a in story.articles}
    lead = statement_views(significant_statements(story.statements), story.entities, by_id)
    all_statements = sum(1 for st in story.statements if isinstance(st, dict) and st.get("text"))
    return render(request, "story.html", {
        "lead_image": detail.lead_image, "coverage_chart": coverage_chart(detail.report_times),
        "story": story, "timeline": detail.timeline, "opinion": detail.opinion,
        "numbers": numbers, "brief_citations": [sentence_citations(b, numbers) for b in story.brief],
        "articles": by_id,
        "entity_sections": entity_sections(story.entities[:STORY_PAGE_ENTITIES]),
        "more_entity_sections": entity_sections(story.entities[STORY_PAGE_ENTITIES:], "more-"),
        "more_entities": len(story.entities[STORY_PAGE_ENTITIES:]),
        "lead_statements": lead,
        "glosses": [(STATUS_LABELS[status], STATUS_GLOSSES[status]) for status, _h, _e in STATEMENT_SECTIONS
                    if any(view.status == status for view in lead)],
        "statements_shown": len(lead), "statements_total": all_statements,
        "analysis_note": analysis_note(detail.analysis),
        "status_labels": STATUS_LABELS,
        "brief_status": [b.get("status") for b in story.brief],
        "shown": len(story.articles), "total": detail.articles_total,
    })


@router.get("/stories/{story_id}/statements", response_class=HTMLResponse)
def story_statements_page(request: Request, story_id: str) -> Response:
    """Every statement of a story under its status, most corroborated first (the story page leads with 8)."""
    detail, answer = _story_detail(request, story_id, "/statements")
    if answer is not None:
        return answer
    story = detail.story
    by_id = {a.id: a for a in story.articles}
    return render(request, "story_statements.html", {
        "story": story, "status_labels": STATUS_LABELS, "analysis_note": analysis_note(detail.analysis),
        "statement_sections": statement_sections(story.statements, story.entities, by_id)})


@router.get("/stories/{story_id}/articles", response_class=HTMLResponse)
def story_articles_page(request: Request, story_id: str, cursor: Cursor = None) -> Response:
    """Every article of a story, newest first, 50 a page (the story page shows the first ones)."""
    sid = parse_id(story_id, "story")
    reader = reader_of(request)
    found = reader.stories_by_ids([sid], articles_each=0, outlets=False)  # the page lists the articles themselves
    if not found:
        raise UserError(404, f"there is no story {sid}")
    if found[0].merged_into is not None:
        return moved_to(request, f"/stories/{found[0].merged_into}/articles")
    if is_removed(found[0]):
        return render(request, "story_removed.html", {"request_id": desk_of(request).story_removal(sid)},
                      status=410)
    page = reader.articles(50, cursor, story_id=sid)
    return render(request, "story_articles.html", {"story": found[0], "articles": page.items, "next": page.next,
                                                   "first": not cursor})


@router.get("/entities", response_class=HTMLResponse)
def entities_page(request: Request, q: Annotated[str, Query(max_length=200)] = "") -> HTMLResponse:
    """Look up a person, organisation or place by the start of its name."""
    found = reader_of(request).find_entities(q, PER_PAGE) if q.strip() else []
    return render(request, "entities.html", {"q": q, "searched": bool(q.strip()), "entities": found})


@router.get("/entities/{key:path}", response_class=HTMLResponse)
def entity_page(request: Request, key: str, cursor: Cursor = None) -> Response:
    """One entity and every story it appears in, newest first."""
    reader = reader_of(request)
    entity = reader.entity(canonical_key(key)) if len(key) <= MAX_KEY else None
    if entity is None:
        raise UserError(404, f"there is no person, organisation or place {key!r}")
    if entity.key != canonical_key(key):
        # "Trump" is Donald Trump while the index knows no other: not for ever, so not a permanent move.
        return RedirectResponse(moved_address(request, entity_path(entity.key)), status_code=302)
    page = reader.entity_stories(entity.key, PER_PAGE, cursor)
    return render(request, "entity.html", {"entity": entity, "stories": page.items, "next": page.next,
                                           "first": not cursor})


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
    return render(request, "source.html", {"source": source, "articles": page.items, "next": page.next,
                                           "failures": reader.source_failures(sid),
                                           "fetch_chart": fetch_history_chart(pictures.fetch_history(reader.store,
                                                                                                     sid))})


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
        response = render(request, "search.html", context, status=exc.status)
        response.headers.update(exc.headers)
        return response
    context.update(results=found, next=nxt, feed_qs=query_string({k: v for k, v in form.items()}))
    return render(request, "search.html", context)
