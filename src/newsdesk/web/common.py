"""What the pages, the API and the feeds share: settings and readers on the app, absolute URLs, filters read
from the query string, safe links, and the error type that turns a user's mistake into a 4xx."""

from __future__ import annotations

import ipaddress
import logging
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse

from newsdesk.config import Settings
from newsdesk.errors import NewsdeskError
from newsdesk.keys import entity_key
from newsdesk.removal import RemovalDesk
from newsdesk.store.queries import Filters, Reader
from newsdesk.store.schema import MAX_ID

log = logging.getLogger("newsdesk.web")

MAX_LIMIT = 200


class UserError(NewsdeskError):
    """A request that cannot be answered as asked: a 4xx (or a 503 to retry) with a precise message (HTML or JSON
    by route), and headers for the answer (Retry-After)."""

    reason = "bad_request"

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


EXCERPT = 200  # characters of a refused value that an answer may show back (never the whole of a huge one)
BUSY_RETRY_AFTER = 5  # seconds a client is asked to wait when the store was too busy to take its write
BUSY_MESSAGE = ("the service is busy with other writes and could not take this one in time: nothing was changed; "
                f"send it again in {BUSY_RETRY_AFTER} seconds")


class FieldsTooLong(UserError):
    """Form fields longer than their maximum (422, every one named). `errors` maps each to its message; `form`
    holds the fields sent, each refused one cut to EXCERPT characters, for a page that shows the form again."""

    reason = "fields_too_long"

    def __init__(self, errors: dict[str, str], form: dict[str, str]) -> None:
        super().__init__(422, "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors, self.form = errors, form


def moved_address(request: Request, path: str) -> str:
    """`path` with the request's query string: where a story merged into another sends its readers."""
    query = request.url.query
    return f"{path}?{query}" if query else path


def moved_to(request: Request, path: str) -> RedirectResponse:
    """301 to `path` (with the query string): a story merged into another answers with the survivor's address (ids
    are never reused and a merge is never undone, so the move is permanent)."""
    return RedirectResponse(moved_address(request, path), status_code=301)


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def reader_of(request: Request) -> Reader:
    return request.app.state.reader


def desk_of(request: Request) -> RemovalDesk:
    return request.app.state.desk


def client_address(request: Request) -> str:
    """The client's address, used to rate-limit removal requests and admin logins: the connection's own, or the
    one a proxy named in the `trusted_proxies` setting forwarded (newsdesk.web.app puts it in the scope)."""
    return request.client.host if request.client else "unknown"


def trusted_proxies(setting: str) -> list[str]:
    """The `trusted_proxies` setting (comma-separated IPs or CIDRs) as a list of networks, or a ValueError that
    names the entry that is neither (a typo must not silently trust nobody, or everybody)."""
    proxies = []
    for entry in (e.strip() for e in setting.split(",")):
        if entry:
            try:
                proxies.append(str(ipaddress.ip_network(entry, strict=False)))
            except ValueError as exc:
                raise ValueError(f"trusted_proxies (NEWSDESK_TRUSTED_PROXIES): {entry!r} is not an IP address or "
                                 "a network such as 10.0.0.0/8") from exc
    return proxies


def is_https(request: Request) -> bool:
    """Whether the reader sees this site over https (directly, through a trusted proxy, or as configured)."""
    return request.url.scheme == "https" or settings_of(request).public_url.lower().startswith("https://")


def cross_site_origin(request: Request) -> str | None:
    """The Origin of a POST when it is another site's (a form posted from elsewhere), else None.

    Browsers send Origin with every POST; a request without one (a command-line client) is not a forged
    browser form. The host is compared without the scheme, because a proxy that terminates TLS hands the
    app plain http while the browser says https."""
    origin = request.headers.get("origin")
    if origin is None:
        return None
    ours = {(request.headers.get("host") or "").lower()}
    if settings_of(request).public_url:
        ours.add(urlsplit(settings_of(request).public_url).netloc.lower())
    try:
        theirs = urlsplit(origin.strip()).netloc.lower()
    except ValueError:
        return origin
    return None if theirs and theirs in ours else origin


async def read_form(request: Request, limits: Mapping[str, int], max_fields: int = 40) -> dict[str, str]:
    """An application/x-www-form-urlencoded body (what an HTML form without script sends) as a dict of the fields
    named in `limits`, each at most its number of characters (line breaks count one, as a browser's maxlength
    counts them), else FieldsTooLong naming every field over; a field sent twice keeps its first value, as each
    form here has each field once. The body itself is capped before this reads it (newsdesk.web.bodies)."""
    raw = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if raw and content_type != "application/x-www-form-urlencoded":  # an empty body is an empty form
        raise UserError(415, "send the form as application/x-www-form-urlencoded")
    body = raw.decode("utf-8", "replace")
    try:
        pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=max_fields)
    except ValueError as exc:
        raise UserError(400, f"the form has more than {max_fields} fields") from exc
    sent: dict[str, str] = {}
    for key, value in pairs:
        if key in limits:
            sent.setdefault(key, value.replace("\r\n", "\n"))
    too_long = {k: f"at most {limits[k]} characters (it has {len(v)})" for k, v in sent.items() if len(v) > limits[k]}
    if too_long:
        raise FieldsTooLong(too_long, {k: v[:EXCERPT] if k in too_long else v for k, v in sent.items()})
    return sent


def base_url(request: Request) -> str:
    """Settings.public_url when set, else the address this request came to (no trailing slash); the first time
    it is not set, one warning."""
    configured = settings_of(request).public_url
    if configured:
        return configured.rstrip("/")
    state = request.app.state
    if not getattr(state, "warned_no_public_url", False):
        with _warning_lock:
            first = not getattr(state, "warned_no_public_url", False)
            state.warned_no_public_url = True
        if first:
            log.warning("NEWSDESK_PUBLIC_URL is not set: the absolute links of feeds and API answers follow the "
                        "address each request came to (this one: %r); set it to the site's public address",
                        str(request.base_url))
    return str(request.base_url).rstrip("/")


_warning_lock = threading.Lock()


def safe_href(url: str | None) -> str | None:
    """The URL if it is http(s) with a host, else None: nothing else is ever put in an href."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url.strip()


def as_utc(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise UserError(400, f"{name}: {value.isoformat()} is outside the supported range of dates") from exc


def parse_when(value: str | None, name: str, *, end_of_day: bool = False) -> datetime | None:
    """A date (YYYY-MM-DD, as a date input sends it) or an ISO 8601 date-time; empty means none."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day, time.max if end_of_day else time.min, tzinfo=UTC)
        return as_utc(datetime.fromisoformat(text.replace("Z", "+00:00")), name)
    except ValueError as exc:
        raise UserError(400, f"{name}: {value!r} is not a date (YYYY-MM-DD) or an ISO 8601 date-time") from exc


def make_filters(
    since: datetime | None = None, until: datetime | None = None, source: int | None = None,
    outlet: str | None = None, language: str | None = None,
) -> Filters:
    since, until = as_utc(since, "since"), as_utc(until, "until")
    if since and until and since > until:
        raise UserError(400, f"since ({since.isoformat()}) is after until ({until.isoformat()})")
    outlet = (outlet or "").replace("\x00", "")  # dropped, as in canonical_key
    return Filters(since=since, until=until, source_id=source, outlet=outlet or None,
                   language=(language or "").strip().lower() or None)


def is_number(value: str) -> bool:
    """ASCII digits only: str.isdigit() also accepts "²" or "٣", which int() then refuses or reads otherwise."""
    return value.isascii() and value.isdigit()


def parse_source(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not is_number(value.strip()) or len(value.strip()) > 15 or int(value) > MAX_ID:
        raise UserError(400, f"source: {value!r} is not a source id (a whole number, see /sources)")
    return int(value)


def parse_id(value: str, what: str) -> int:
    """An id from a page's path: anything but a plausible number is a 404 (there is no such page)."""
    if not is_number(value) or len(value) > 15 or not 1 <= int(value) <= MAX_ID:
        raise UserError(404, f"there is no {what} {value!r}")
    return int(value)


def query_string(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v not in (None, "")})


MAX_KEY = 400  # an entity key is its type and a name folded to at most 300 characters


def canonical_key(key: str) -> str:
    """An entity key as the store writes it: "PERSON:Kim Jong-un" and "person:kim  jong un" are both
    "person:kim jong un", so that a hand-typed or differently spelt link finds the entity. A key without a
    type is returned as it is (and found nowhere)."""
    key = key.replace("\x00", "")  # as the store drops it from all it saves: PostgreSQL cannot compare text with NUL
    type_, sep, name = key.strip().partition(":")
    return entity_key(name, type_.strip()) if sep and type_.strip() else key


def entity_path(key: str) -> str:
    """The path of an entity's page (its key quoted: it holds a colon, spaces and any character of a name)."""
    return "/entities/" + quote(key, safe=":")
