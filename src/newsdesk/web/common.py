"""What the pages, the API and the feeds share: settings and readers on the app, absolute URLs, filters read
from the query string, safe links, and the error type that turns a user's mistake into a 4xx."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request

from newsdesk.config import Settings
from newsdesk.store.queries import Filters, Reader
from newsdesk.stories.brief import DEFAULT_DISCLAIMER

MAX_LIMIT = 200


class UserError(Exception):
    """A request that cannot be answered as asked: a 4xx with a precise message (HTML or JSON by route)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def reader_of(request: Request) -> Reader:
    return request.app.state.reader


def disclaimer(settings: Settings) -> str:
    return settings.disclaimer or DEFAULT_DISCLAIMER


def base_url(request: Request) -> str:
    """Settings.public_url when set, else the address this request came to (no trailing slash)."""
    configured = settings_of(request).public_url
    return (configured or str(request.base_url)).rstrip("/")


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
    return Filters(since=since, until=until, source_id=source, outlet=outlet or None,
                   language=(language or "").strip().lower() or None)


def parse_source(value: str | None) -> int | None:
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 15:
        raise UserError(400, f"source: {value!r} is not a source id (a whole number, see /sources)")
    return int(value)


def parse_id(value: str, what: str) -> int:
    """An id from a page's path: anything but a plausible number is a 404 (there is no such page)."""
    if not value.isdigit() or len(value) > 15 or int(value) < 1:
        raise UserError(404, f"there is no {what} {value!r}")
    return int(value)


def query_string(params: dict[str, Any]) -> str:
    from urllib.parse import urlencode

    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
