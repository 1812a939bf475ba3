"""Removal requests on the web: the public form (`/removal`), the requester's status page
(`/removal/requests/{id}`) and the JSON API (`POST /api/removal-requests`, `GET /api/removal-requests/{id}`).

Every decision is the removal desk's (newsdesk.removal.RemovalDesk): the web only translates. Form fields and
JSON go in; a 303 to the status page (form) or a 201 receipt (API) comes out; the desk's field errors are shown
next to their fields (422); its rate limit is a 429 with Retry-After. The status page is keyed by the
requester's unguessable receipt id and shows `RequestView.public()` only: never the requester's name or email.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import replace
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool

from newsdesk.removal import (
    REASONS,
    RELATIONSHIPS,
    SCOPES,
    RateLimited,
    Receipt,
    RemovalDesk,
    RemovalSubmission,
    RemovalValidationError,
    RequestView,
)
from newsdesk.removal.models import MAX_DETAILS, MAX_EMAIL, MAX_NAME, MAX_URL_LENGTH, MAX_URLS, validate
from newsdesk.store.locks import lock_waited_out
from newsdesk.store.schema import MAX_ID
from newsdesk.web.common import (
    BUSY_RETRY_AFTER,
    FieldsTooLong,
    UserError,
    base_url,
    client_address,
    cross_site_origin,
    desk_of,
    is_number,
    read_form,
    reader_of,
    safe_href,
)

router = APIRouter(include_in_schema=False)  # the pages
api_router = APIRouter(prefix="/api", tags=["removal requests"])

FORM_TOKEN_AGE = 24 * 3600  # a form left open longer than a day is sent back to be checked and resent
MAX_FORM_FIELDS = 40
# Each form field's maximum in characters: the desk's own where it has one; the addresses are MAX_URLS lines of at
# most MAX_URL_LENGTH; a domain may be typed as an address; story ids may be pasted as story addresses.
FORM_LIMITS = {"name": MAX_NAME, "email": MAX_EMAIL, "relationship": 20, "reason": 20, "scope": 20,
               "urls": MAX_URLS * (MAX_URL_LENGTH + 1), "story_ids": 10_000, "domain": MAX_URL_LENGTH,
               "details": MAX_DETAILS, "good_faith": 10, "form_token": 100}
# The receipt is secrets.token_urlsafe(16) (22 characters). A number is never a receipt: the desk would read it
# as the internal id, and the public pages must not let anyone walk through requests by counting.
PUBLIC_ID = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# Headers of the status page: its address is the requester's receipt, so it must not leak to the sites its
# links lead to (Referer), nor be kept by shared caches or indexed.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}

RELATIONSHIP_LABELS = {
    "owner": "I own the rights to this content",
    "agent": "I act for the rights holder (an agent, a lawyer)",
    "subject": "The content is about me",
}
REASON_LABELS = {"copyright": "Copyright", "privacy": "Privacy", "defamation": "Defamation", "other": "Other"}
SCOPE_LABELS = {
    "article": "Only the articles at these addresses",
    "copies": "These articles and every copy of them, on any outlet",
    "story": "The whole stories these articles are in",
    "domain": "Every article of these sites, and no more collecting there (a publisher's opt-out)",
}
# What the status page says of the mail that tells the latest status ("sent": the page adds when).
MAIL_WORDS = {
    "pending": "Being sent to the address you gave.",
    "sent": "Sent to the address you gave",
    "failed": "Could not be sent to the address you gave yet; we try again. This page shows the status meanwhile.",
    "failed_for_good": "Could not be sent to the address you gave: this page shows the status.",
}
STATUS_WORDS = {
    "received": "Received: waiting for review",
    "needs_info": "More information needed",
    "accepted": "Accepted: the content was removed",
    "rejected": "Rejected",
}
FORM_FIELDS = ("name", "email", "relationship", "reason", "scope", "urls", "story_ids", "domain", "details",
               "good_faith")
# Where each field's message links to in the error summary (the first control of a group of radio buttons).
FIELD_ANCHORS = {"relationship": "relationship-owner", "reason": "reason-copyright", "scope": "scope-article",
                 "targets": "urls", "good_faith": "good_faith"}
FIELD_NAMES = {"name": "Name", "email": "Email", "relationship": "Relationship", "reason": "Reason",
               "scope": "How to read the addresses", "urls": "Addresses", "story_ids": "Story ids",
               "domain": "Domain", "details": "Statement", "good_faith": "Good faith", "targets": "What to remove"}

assert set(RELATIONSHIP_LABELS) == set(RELATIONSHIPS) and set(REASON_LABELS) == set(REASONS)
assert set(SCOPE_LABELS) == set(SCOPES)


# ---- shared by the form and the API -------------------------------------------------------------------


def submit(desk: RemovalDesk, sub: RemovalSubmission, client: str) -> Receipt:
    """desk.submit, after `mistakes` found nothing wrong with the submission."""
    errors = mistakes(desk, sub)
    if errors:
        raise RemovalValidationError(errors)
    return desk.submit(sub, client)


def mistakes(desk: RemovalDesk, sub: RemovalSubmission, found: dict[str, str] | None = None) -> dict[str, str]:
    """Every mistake in the submission at once, {field: message} in the desk's words: a person corrects them all
    in one go, not one per try. `found`: mistakes seen before (the JSON body's wrong types), kept over the desk's
    for the same field.

    Besides the desk's validation: the checks the desk leaves to its callers (text that is not valid Unicode, as
    JSON may carry unpaired surrogates, which the database cannot store; addresses that cannot even be parsed;
    story ids too large to be stored: inside the desk these would fail as errors instead of answers), and, when
    anything else is wrong, whether the story ids exist (the desk looks that up only for an otherwise right
    submission)."""
    errors: dict[str, str] = dict(found or {})
    clean = replace(sub)
    for name in ("name", "email", "relationship", "reason", "scope", "details", "domain"):
        if not _is_text(getattr(sub, name)):
            errors.setdefault(name, "contains characters that are not valid Unicode text")
            setattr(clean, name, "" if name != "domain" else None)
    problems, urls = [], []
    for position, url in enumerate([u for u in sub.urls if not (isinstance(u, str) and not u.strip())], 1):
        if not _is_text(url):
            problems.append(f"URL {position} contains characters that are not valid Unicode text")
            continue
        try:
            urlsplit(url.strip())
        except ValueError:
            problems.append(f"URL {position} ({url.strip()[:80]!r}) is not an http(s) address")
            continue
        urls.append(url)
    if problems:
        errors.setdefault("urls", "; ".join(problems[:5]))
        clean.urls = urls
    too_big = [str(i).strip() for i in sub.story_ids if is_number(str(i).strip()) and int(str(i).strip()) > MAX_ID]
    if too_big:
        errors.setdefault("story_ids", "no story with id " + ", ".join(too_big))
        clean.story_ids = [i for i in sub.story_ids if str(i).strip() not in too_big]
    try:
        validate(clean)
    except RemovalValidationError as exc:
        # "name at least one URL, story id or domain" would be wrong when those were given but are wrong.
        given_but_wrong = {"urls", "story_ids", "domain"} & set(errors)
        errors = {k: v for k, v in exc.errors.items() if not (k == "targets" and given_but_wrong)} | errors
    if errors and "story_ids" not in errors:
        ids = [int(str(i).strip()) for i in clean.story_ids if is_number(str(i).strip())]
        missing = desk.unknown_stories(ids) if ids else []
        if missing:
            errors["story_ids"] = "no story with id " + ", ".join(map(str, missing))
    return errors


def _is_text(value: object) -> bool:
    if not isinstance(value, str):
        return True  # not text: the desk says what is wrong with it
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def public_view(desk: RemovalDesk, public_id: str) -> RequestView | None:
    """The request whose receipt is `public_id`, or None; never looked up by its internal number."""
    if not PUBLIC_ID.match(public_id) or public_id.isdigit():
        return None
    view = desk.get(public_id)
    return view if view is not None and hmac.compare_digest(view.public_id, public_id) else None


# ---- the form -----------------------------------------------------------------------------------------


def form_token(desk: RemovalDesk, now: float | None = None) -> str:
    """A signed time stamp: a form must have been served by this site within FORM_TOKEN_AGE to be accepted.
    It needs no cookie and no script; together with the Origin check it stops blind cross-site posts."""
    stamp = str(int(now if now is not None else time.time()))
    return f"{stamp}.{_sign(desk, stamp)}"


def _sign(desk: RemovalDesk, stamp: str) -> str:
    return hmac.new(desk.secret_key.encode(), b"removal-form:" + stamp.encode(), hashlib.sha256).hexdigest()[:32]


def form_token_ok(desk: RemovalDesk, token: str) -> bool:
    stamp, _, sig = token.partition(".")
    if not is_number(stamp) or len(stamp) > 12 or not hmac.compare_digest(_sign(desk, stamp), sig):
        return False
    age = time.time() - int(stamp)
    return -300 <= age <= FORM_TOKEN_AGE


def _split_ids(text: str) -> list[str]:
    # Ids as people paste them: "12, 15", "#12", or a story's address (https://.../stories/12).
    out = []
    for token in re.split(r"[\s,;]+", text.strip()):
        if token:
            found = re.fullmatch(r"(?:\S*/stories/)?#?([0-9]+)/?", token)
            out.append(found.group(1) if found else token)
    return out


def form_submission(form: dict[str, str]) -> RemovalSubmission:
    return RemovalSubmission(
        name=form["name"], email=form["email"], relationship=form["relationship"], reason=form["reason"],
        good_faith=form["good_faith"] == "yes", urls=form["urls"].splitlines(),
        story_ids=_split_ids(form["story_ids"]),  # type: ignore[arg-type]  # the desk reads digit strings
        domain=form["domain"] or None, scope=form["scope"] or "article", details=form["details"],
    )


def _empty_form() -> dict[str, str]:
    return {f: "" for f in FORM_FIELDS} | {"scope": "article"}


def render_form(request: Request, form: dict[str, str], *, errors: dict[str, str] | None = None,
                alert: str | None = None, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    from newsdesk.web.pages import render

    story = None
    ids = _split_ids(form.get("story_ids", ""))
    if len(ids) == 1 and is_number(ids[0]) and len(ids[0]) <= 15:
        found = reader_of(request).stories_by_ids([int(ids[0])], articles_each=0)
        story = found[0] if found else None
    errors = errors or {}
    summary = [(FIELD_ANCHORS.get(k, k), FIELD_NAMES.get(k, k), v) for k, v in errors.items()]
    response = render(request, "removal.html", {
        "form": form, "errors": errors, "summary": summary, "alert": alert, "story": story,
        "token": form_token(desk_of(request)), "relationships": RELATIONSHIP_LABELS, "reasons": REASON_LABELS,
        "scopes": SCOPE_LABELS, "mail": desk_of(request).mail_configured,
    }, status=status)
    response.headers["Cache-Control"] = "no-store"  # it carries a fresh token and possibly what was typed
    response.headers.update(headers or {})
    return response


@router.get("/removal", response_class=HTMLResponse)
def removal_form(request: Request, story: Annotated[str | None, Query(max_length=20)] = None) -> HTMLResponse:
    """The form; `?story=ID` fills in a story, `?url=...` (repeatable) an article's address."""
    form = _empty_form()
    if story and is_number(story.strip()):
        form["story_ids"] = story.strip()
    urls = [u for u in request.query_params.getlist("url")[:50] if len(u) <= 2048 and safe_href(u)]
    form["urls"] = "\n".join(dict.fromkeys(u.strip() for u in urls))
    return render_form(request, form)


@router.post("/removal", response_class=HTMLResponse)
async def removal_submit(request: Request) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "application/json":
        raise UserError(415, "this is the form's address: programs send JSON to POST /api/removal-requests")
    try:
        sent, too_long = await read_form(request, FORM_LIMITS, MAX_FORM_FIELDS), {}
    except FieldsTooLong as exc:  # shown on the form with its other mistakes (only an excerpt of each)
        sent, too_long = exc.form, exc.errors
    if origin := cross_site_origin(request):
        raise UserError(403, f"this form was sent from another site ({origin[:100]}); fill it in on this site")
    # The desk and the page both read the database: off the event loop.
    return await run_in_threadpool(_submit_form, request, sent, too_long)


def _submit_form(request: Request, sent: dict[str, str], too_long: dict[str, str]) -> Response:
    form = _empty_form() | {f: sent.get(f, "") for f in FORM_FIELDS}
    form["scope"] = form["scope"] or "article"
    desk = desk_of(request)
    if not form_token_ok(desk, sent.get("form_token", "")):
        return render_form(request, form, status=400, alert=(
            "This form was open for too long, or did not come from this site. Check your answers and send it again."))
    try:
        if too_long:
            raise _with_other_mistakes(too_long, form)
        receipt = submit(desk, form_submission(form), client_address(request))
    except RateLimited as exc:
        return render_form(request, form, status=429, headers={"Retry-After": str(exc.retry_after_seconds)},
                           alert=(f"Too many removal requests were sent from your address. Your answers are kept "
                                  f"below: send the form again in {_duration(exc.retry_after_seconds)}."))
    except RemovalValidationError as exc:
        return render_form(request, form, errors=exc.errors, status=422)
    except OperationalError as exc:
        if not lock_waited_out(exc):
            raise
        return render_form(request, form, status=503, headers={"Retry-After": str(BUSY_RETRY_AFTER)}, alert=(
            f"The service is busy and could not take your request just now: nothing was stored. Your answers are "
            f"kept below: send the form again in {_duration(BUSY_RETRY_AFTER)}."))
    _hidden_now(request, receipt)
    return RedirectResponse(f"/removal/requests/{receipt.public_id}", status_code=303)


def _with_other_mistakes(too_long: dict[str, str], form: dict[str, str]) -> RemovalValidationError:
    """The fields over their maximum, and whatever else is wrong with the form."""
    try:
        validate(form_submission(form))
    except RemovalValidationError as exc:
        return RemovalValidationError(too_long | {k: v for k, v in exc.errors.items() if k not in too_long})
    return RemovalValidationError(too_long)


def _hidden_now(request: Request, receipt: Receipt) -> None:
    """With provisional suppression the content went on receipt: this process's cached answers go with it."""
    if receipt.provisional:
        request.app.state.cache.invalidate()


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    if seconds < 7200:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / 3600)} hours"


# ---- the requester's status page ----------------------------------------------------------------------


@router.get("/removal/requests/{public_id}", response_class=HTMLResponse)
def status_page(request: Request, public_id: str) -> HTMLResponse:
    from newsdesk.web.pages import render

    view = public_view(desk_of(request), public_id)
    if view is None:
        raise UserError(404, "there is no removal request with this reference (check the address you were given)")
    public = view.public()
    response = render(request, "removal_status.html", {
        "request_": public, "status_words": STATUS_WORDS.get(view.status, view.status),
        "received_at": view.received_at, "decided_at": view.decided_at,
        "reason_label": REASON_LABELS.get(view.reason, view.reason),
        "relationship_label": RELATIONSHIP_LABELS.get(view.relationship, view.relationship),
        "scope_labels": {"article": "article", "copies": "article and its copies", "story": "story",
                         "domain": "whole domain"},
        "mail_words": mail_words(view, desk_of(request).mail_configured),
        "mail_at": view.mail.at if view.mail else None,
    })
    response.headers.update(PRIVATE_HEADERS)
    return response


def mail_words(view: RequestView, sending: bool) -> str | None:
    """What the status page says of the mail about the request's latest news (None: no mail is sent). Never
    the server's reason for a failure: that is for the administrators. `sending`: whether this site sends mail
    now (mail queued before the SMTP server was unset will not go)."""
    mail = view.mail
    if mail is None:
        return None
    if mail.status != "sent" and not sending:
        return MAIL_WORDS["failed_for_good"]
    if mail.status == "failed" and mail.next_at is None:
        return MAIL_WORDS["failed_for_good"]
    return MAIL_WORDS.get(mail.status, mail.status)


# ---- the JSON API -------------------------------------------------------------------------------------


class RemovalRequestIn(BaseModel):
    """A removal request. At least one of `urls`, `story_ids` or `domain` is needed."""

    model_config = ConfigDict(extra="ignore", json_schema_extra={"examples": [{
        "name": "Ada Example", "email": "ada@example.com", "relationship": "owner",
        "urls": ["https://news.example.com/2025/01/a"], "story_ids": [], "reason": "copyright",
        "statement": "I wrote this article; it is reproduced without my permission.", "good_faith": True}]})

    name: str = Field(description="the requester's name, or their organisation's (at most 200 characters)")
    email: str = Field(description="where to reach the requester about this request")
    relationship: str = Field(description="the requester's relationship to the content",
                              json_schema_extra={"enum": list(RELATIONSHIPS)})
    urls: list[str] = Field(default_factory=list, max_length=1000,
                            description="addresses of the articles concerned (http/https, at most 50)")
    story_ids: list[int] = Field(default_factory=list, max_length=1000,
                                 description="ids of whole stories to remove (at most 50)")
    reason: str = Field(json_schema_extra={"enum": list(REASONS)})
    statement: str = Field("", description="what the content is and why it should go (at most 10,000 characters)")
    good_faith: bool = Field(strict=True, description="must be true: the request is made in good faith and is "
                                                       "accurate")
    domain: str | None = Field(None, description="a whole domain (example.com, subdomains included): a publisher's "
                                                 "opt-out")
    scope: str = Field("article", description="how `urls` are read: those articles, every copy of them, the whole "
                                              "stories they are in, or their whole domains",
                       json_schema_extra={"enum": list(SCOPES)})


class RemovalReceiptOut(BaseModel):
    id: str = Field(description="the receipt: the request's public id, key of its status page")
    status: str = Field(description="received (then needs_info, accepted or rejected)")
    status_url: str = Field(description="the requester's status page (HTML); JSON at /api/removal-requests/{id}")
    received_at: datetime
    provisional: bool = Field(description="whether the content is already hidden while the request is reviewed")


class RemovalMailOut(BaseModel):
    about: str = Field(description="the status it tells: received, needs_info, accepted or rejected")
    status: str = Field(description="pending, sent or failed (tried again a few times)")
    at: datetime | None = Field(description="its last attempt")


class RemovalTargetOut(BaseModel):
    scope: str = Field(description="article, copies, story or domain")
    value: str = Field(description="a URL, a story id or a domain")


class RemovalStatusOut(BaseModel):
    id: str
    status: str = Field(description="received, needs_info, accepted or rejected")
    reason: str
    relationship: str
    provisional: bool
    received_at: datetime
    decided_at: datetime | None
    decision_reason: str | None = Field(description="why it was decided so (or what information is missing)")
    targets: list[RemovalTargetOut]
    status_url: str
    mail: RemovalMailOut | None = Field(description="the email that tells the requester the latest status; null "
                                                    "when the site sends no email")


class RemovalErrorOut(BaseModel):
    detail: dict[str, str] = Field(description="each wrong field and what is wrong with it")
    message: str


class MessageOut(BaseModel):
    detail: str
    message: str


# The API names the free text `statement` (the public contract, ../shared/DESIGN.md); the desk calls it `details`.
_API_FIELD = {"details": "statement"}


def api_errors(errors: dict[str, str]) -> JSONResponse:
    detail = {_API_FIELD.get(k, k): v for k, v in errors.items()}
    message = "; ".join(f"{k}: {v}" for k, v in detail.items())
    return JSONResponse({"detail": detail, "message": message}, status_code=422)


def body_errors(exc: RequestValidationError, desk: RemovalDesk) -> JSONResponse:
    """FastAPI's own checks of the JSON body (types, required fields) in the same {field: message} shape as the
    desk's, so that a client reads one kind of 422 from this endpoint, together with every other mistake in the
    fields that could be read (a wrong type must not hide a wrong email address). Reads the database (story ids):
    call it off the event loop."""
    found: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = [p for p in err.get("loc", ()) if p != "body"]
        field = loc[0] if loc and isinstance(loc[0], str) else "body"
        kind = err.get("type", "")
        if kind == "json_invalid":
            message = "the body is not valid JSON"
        elif field == "body":
            message = "send one JSON object (Content-Type: application/json) with the request's fields"
        elif kind == "missing":
            message = "required"
        else:
            message = str(err.get("msg", "invalid"))
            if len(loc) > 1 and isinstance(loc[1], int):
                message = f"item {loc[1] + 1}: {message}"
        found.setdefault(_DESK_FIELD.get(field, field), []).append(message)
    detail = {k: "; ".join(v[:5]) + (f" (and {len(v) - 5} more)" if len(v) > 5 else "") for k, v in found.items()}
    if "body" not in detail and isinstance(exc.body, dict):
        detail = mistakes(desk, _readable(exc.body), detail)
    return api_errors(detail)


_DESK_FIELD = {v: k for k, v in _API_FIELD.items()}


def _readable(body: dict[str, Any]) -> RemovalSubmission:
    """The fields of a JSON body that have the right type (the others as if left empty: their type error is
    what is reported for them)."""
    def text(name: str) -> str:
        value = body.get(name)
        return value if isinstance(value, str) else ""

    def items(name: str, kind: type) -> list[Any]:
        value = body.get(name)
        return [v for v in value if isinstance(v, kind) and not isinstance(v, bool)] if isinstance(value, list) else []

    return RemovalSubmission(
        name=text("name"), email=text("email"), relationship=text("relationship"), reason=text("reason"),
        good_faith=body.get("good_faith") is True, urls=items("urls", str), story_ids=items("story_ids", int),
        domain=text("domain") or None, scope=text("scope") or "article", details=text("statement"))


def _status_out(view: RequestView, base: str) -> RemovalStatusOut:
    public = view.public()
    return RemovalStatusOut(**{k: v for k, v in public.items() if k not in ("targets", "mail")},
                            targets=[RemovalTargetOut(**t) for t in public["targets"]],
                            mail=RemovalMailOut(**public["mail"]) if public["mail"] else None,
                            status_url=f"{base}/removal/requests/{view.public_id}")


LIMITED: dict[str, Any] = {"model": MessageOut, "description": "too many requests from this client: retry after "
                           "the number of seconds in the Retry-After header",
                           "headers": {"Retry-After": {"schema": {"type": "integer"}}}}


@api_router.post("/removal-requests", status_code=201, response_model=RemovalReceiptOut, responses={
    422: {"model": RemovalErrorOut, "description": "fields with mistakes, each with its message"},
    429: LIMITED,
    413: {"model": MessageOut, "description": "a body larger than 1 MiB"},
})
def create_removal_request(request: Request, body: RemovalRequestIn) -> Response:
    """File a removal request. The answer's `id` is the receipt: the key of the request's status page."""
    sub = RemovalSubmission(name=body.name, email=body.email, relationship=body.relationship, reason=body.reason,
                            good_faith=body.good_faith, urls=body.urls, story_ids=body.story_ids, domain=body.domain,
                            scope=body.scope, details=body.statement)
    try:
        receipt = submit(desk_of(request), sub, client_address(request))
    except RateLimited as exc:
        return JSONResponse({"detail": str(exc), "message": str(exc)}, status_code=429,
                            headers={"Retry-After": str(exc.retry_after_seconds)})
    except RemovalValidationError as exc:
        return api_errors(exc.errors)
    _hidden_now(request, receipt)
    status_url = f"{base_url(request)}/removal/requests/{receipt.public_id}"
    out = RemovalReceiptOut(id=receipt.public_id, status=receipt.status, status_url=status_url,
                            received_at=receipt.received_at, provisional=receipt.provisional)
    return JSONResponse(out.model_dump(mode="json"), status_code=201,
                        headers={"Location": status_url, "Cache-Control": "no-store"})


@api_router.get("/removal-requests/{public_id}", response_model=RemovalStatusOut, responses={
    404: {"model": MessageOut, "description": "no request has this receipt"}})
def get_removal_request(request: Request, public_id: Annotated[str, Path(
        description="the receipt (`id`) given when the request was filed")]) -> Response:
    """A request as its requester may see it: status, decision and targets (never name or email)."""
    view = public_view(desk_of(request), public_id)
    if view is None:
        raise UserError(404, "there is no removal request with this reference")
    out = _status_out(view, base_url(request))
    return JSONResponse(out.model_dump(mode="json"), headers=PRIVATE_HEADERS)
