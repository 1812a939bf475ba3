"""The administrators' side of removal requests: login, the queue, one request, and the decisions.

Authentication is the removal desk's: a name and a password (scrypt) start a session whose token travels in an
HttpOnly, SameSite=Strict cookie limited to /admin (Secure over https), and every form carries the session's
CSRF token. A page asked for without a live session redirects to the login; a POST without a live session, from
another site (Origin) or without the right CSRF token is refused with a 403 that says which, and changes
nothing. Logins that fail are answered with one generic message (401) and throttled per client. Admin answers
are never stored by caches (no-store; the response cache skips /admin) nor indexed.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from newsdesk.removal import (
    STATUSES,
    AdminSessionView,
    InvalidTransition,
    RemovalValidationError,
    RequestView,
    UnknownRequest,
)
from newsdesk.removal.models import MAX_DETAILS
from newsdesk.web.common import (
    UserError,
    client_address,
    cross_site_origin,
    desk_of,
    is_https,
    is_number,
    parse_id,
    read_form,
    reader_of,
    settings_of,
)
from newsdesk.web.removal import REASON_LABELS, RELATIONSHIP_LABELS, STATUS_WORDS

router = APIRouter(prefix="/admin", include_in_schema=False)

COOKIE = "newsdesk_admin"
PER_PAGE = 25
MAX_PAGE = 400
PREVIEW_ARTICLES = 10  # articles listed per target on a request's page (all are counted)
ADMIN_HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "same-origin"}
ACTIONS = {"accept": "The request was accepted: what it names is removed and blocked.",
           "reject": "The request was rejected (anything hidden provisionally is back).",
           "info": "The request now waits for more information from the requester."}
LOGIN_FAILED = "The name or the password is wrong."  # one message: no hint whether the name exists
MAX_TOKEN = 200  # characters of a CSRF token field (auth.new_token's are 43)
LOGIN_FIELDS = {"name": 200, "password": 1024}  # a name is at most 100 (auth.ADMIN_NAME); scrypt reads the rest


class LoginThrottle:
    """At most `limit` failed logins per client address within `window` seconds; then 429 until the oldest
    failure leaves the window. An attempt counts as failed from the moment it is let through until it succeeds
    (`clear`): checked and counted in one step, so guesses sent at once cannot all pass the check before the
    first of them has failed. In memory, per server process: it slows guessing down, while scrypt's cost keeps
    each guess expensive anyway."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        times = self._failures.setdefault(client, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        return times

    def attempt(self, client: str) -> int | None:
        """Let one login attempt of `client` through, counted as failed until `clear`, and return None; or
        return the seconds until this client may try again."""
        now = time.monotonic()
        with self._lock:
            times = self._recent(client, now)
            if len(times) >= self.limit:
                return max(1, math.ceil(times[0] + self.window - now))
            times.append(now)
            if len(self._failures) > 10_000:  # forget idle clients rather than grow without bound
                for key in [k for k, v in self._failures.items() if not v][:5_000]:
                    del self._failures[key]

    def clear(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


def throttle_of(request: Request) -> LoginThrottle:
    return request.app.state.login_throttle


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    from newsdesk.web.pages import render

    response = render(request, name, context, status=status)
    response.headers.update(ADMIN_HEADERS)
    return response


def _session(request: Request) -> tuple[str, AdminSessionView] | None:
    token = request.cookies.get(COOKIE)
    sess = desk_of(request).session(token) if token else None
    return (token, sess) if token and sess else None


def _to_login() -> RedirectResponse:
    return RedirectResponse("/admin/login", status_code=303, headers=ADMIN_HEADERS)


def _authorise_post(request: Request, form: dict[str, str]) -> tuple[str, AdminSessionView]:
    """The session of a POST that may change something, or a 403 saying why not (nothing is changed)."""
    if origin := cross_site_origin(request):
        raise UserError(403, f"this form was sent from another site ({origin[:100]}); nothing was changed")
    found = _session(request)
    if found is None:
        raise UserError(403, "you are not logged in, or your session has expired: log in again at /admin/login "
                             "(nothing was changed)")
    token, sess = found
    if not form.get("csrf_token"):
        raise UserError(403, "the form has no CSRF token: reload the page and send it again (nothing was changed)")
    if not desk_of(request).check_csrf(token, form["csrf_token"]):
        raise UserError(403, "the form's CSRF token is wrong or belongs to another session: reload the page and "
                             "send it again (nothing was changed)")
    return token, sess


# ---- login, logout ------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def admin_home() -> RedirectResponse:
    return RedirectResponse("/admin/removals", status_code=303, headers=ADMIN_HEADERS)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Response:
    if _session(request) is not None:
        return RedirectResponse("/admin/removals", status_code=303, headers=ADMIN_HEADERS)
    return _render(request, "admin_login.html", {"name": "", "error": None})


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request) -> Response:
    form = await read_form(request, LOGIN_FIELDS)
    if origin := cross_site_origin(request):
        raise UserError(403, f"this form was sent from another site ({origin[:100]})")
    return await run_in_threadpool(_login, request, form)


def _login(request: Request, form: dict[str, str]) -> Response:
    client, throttle = client_address(request), throttle_of(request)
    name = form.get("name", "")
    wait = throttle.attempt(client)
    if wait is not None:
        response = _render(request, "admin_login.html", {"name": name, "error": (
            f"Too many failed logins from your address: try again in {wait} seconds.")}, status=429)
        response.headers["Retry-After"] = str(wait)
        return response
    desk = desk_of(request)
    admin_id = desk.verify_admin(name, form.get("password", ""))
    if admin_id is None:
        return _render(request, "admin_login.html", {"name": name, "error": LOGIN_FAILED}, status=401)
    throttle.clear(client)
    token, _ = desk.start_session(admin_id)
    response = RedirectResponse("/admin/removals", status_code=303, headers=ADMIN_HEADERS)
    response.set_cookie(COOKIE, token, max_age=settings_of(request).admin_session_minutes * 60, path="/admin",
                        httponly=True, samesite="strict", secure=is_https(request))
    return response


@router.post("/logout", response_class=HTMLResponse)
async def logout(request: Request) -> Response:
    form = await read_form(request, {"csrf_token": MAX_TOKEN})
    return await run_in_threadpool(_logout, request, form)


def _logout(request: Request, form: dict[str, str]) -> Response:
    token, _ = _authorise_post(request, form)
    desk_of(request).end_session(token)
    response = RedirectResponse("/admin/login", status_code=303, headers=ADMIN_HEADERS)
    response.delete_cookie(COOKIE, path="/admin", httponly=True, samesite="strict", secure=is_https(request))
    return response


# ---- the queue and one request --------------------------------------------------------------------------


@router.get("/removals", response_class=HTMLResponse)
def queue(request: Request, status: Annotated[str, Query(max_length=20)] = "",
          page: Annotated[str, Query(max_length=6)] = "1") -> Response:
    found = _session(request)
    if found is None:
        return _to_login()
    _, sess = found
    if status and status not in STATUSES:
        raise UserError(400, f"status: {status!r} is not one of {', '.join(STATUSES)}")
    if not is_number(page) or not 1 <= int(page) <= MAX_PAGE:
        raise UserError(400, f"page: {page!r} is not a page number from 1 to {MAX_PAGE}")
    number = int(page)
    offset = (number - 1) * PER_PAGE
    views = desk_of(request).list(status or None, limit=PER_PAGE + 1, offset=offset)
    shown = views[:PER_PAGE]
    return _render(request, "admin_queue.html", {
        "sess": sess, "requests": shown, "status": status, "statuses": STATUSES, "status_words": STATUS_WORDS,
        "page": number, "more": len(views) > PER_PAGE, "reasons": REASON_LABELS,
    })


def _targets(request: Request, view: RequestView) -> list[dict[str, Any]]:
    """Each target with the articles it names: those it removed once decided, else what it names now."""
    desk, reader = desk_of(request), reader_of(request)
    open_ = view.status in ("received", "needs_info")
    preview = desk.preview(view.id) if open_ else [t.resolved or [] for t in view.targets]
    out = []
    for target, ids in zip(view.targets, preview, strict=False):
        articles = []
        if open_:
            for aid in ids[:PREVIEW_ARTICLES]:
                found = reader.article(aid)
                if found is not None:
                    articles.append(found)
        out.append({"scope": target.scope, "value": target.value, "ids": ids, "articles": articles,
                    "decided": not open_})
    return out


def _request_page(request: Request, sess: AdminSessionView, request_id: int, *, errors: dict[str, str] | None = None,
                  reason: str = "", done: str = "", status: int = 200) -> HTMLResponse:
    desk = desk_of(request)
    view = desk.get(request_id)
    if view is None:
        raise UserError(404, f"there is no removal request {request_id}")
    return _render(request, "admin_request.html", {
        "sess": sess, "r": view, "targets": _targets(request, view), "audit": desk.audit(view.id),
        "status_words": STATUS_WORDS, "reasons": REASON_LABELS, "relationships": RELATIONSHIP_LABELS,
        "errors": errors or {}, "reason": reason, "done": ACTIONS.get(done, ""),
        "open": view.status in ("received", "needs_info"),
    }, status=status)


@router.get("/removals/{request_id}", response_class=HTMLResponse)
def request_page(request: Request, request_id: str, done: Annotated[str, Query(max_length=10)] = "") -> Response:
    found = _session(request)
    if found is None:
        return _to_login()
    return _request_page(request, found[1], parse_id(request_id, "removal request"), done=done)


@router.post("/removals/{request_id}/{action}", response_class=HTMLResponse)
async def decide(request: Request, request_id: str, action: str) -> Response:
    if action not in ACTIONS:
        raise UserError(404, f"there is no action {action!r} (accept, reject or info)")
    form = await read_form(request, {"csrf_token": MAX_TOKEN, "reason": MAX_DETAILS})
    return await run_in_threadpool(_decide, request, request_id, action, form)


def _decide(request: Request, request_id: str, action: str, form: dict[str, str]) -> Response:
    _, sess = _authorise_post(request, form)
    rid = parse_id(request_id, "removal request")
    desk, actor, reason = desk_of(request), f"admin:{sess.name}", form.get("reason", "")
    try:
        if action == "accept":
            desk.accept(rid, actor=actor, reason=reason)
        elif action == "reject":
            desk.reject(rid, actor=actor, reason=reason)
        else:
            desk.ask_info(rid, actor=actor, reason=reason)
    except UnknownRequest as exc:
        raise UserError(404, f"there is no removal request {rid}") from exc
    except InvalidTransition as exc:
        raise UserError(409, str(exc)) from exc
    except RemovalValidationError as exc:
        return _request_page(request, sess, rid, errors=exc.errors, reason=reason, status=422)
    # Content may have gone: this process's cached answers must not outlive it (other processes notice the new
    # data version within the cache's one-second check).
    request.app.state.cache.invalidate()
    return RedirectResponse(f"/admin/removals/{rid}?done={action}", status_code=303, headers=ADMIN_HEADERS)
