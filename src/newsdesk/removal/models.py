"""What goes in and out of the removal desk: the submission and its validation, views, reports, errors.

The views of stored requests (RequestView, Target, AuditEntry, AdminSessionView) are storage's records:
newsdesk.store.removals."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from newsdesk.errors import NewsdeskError

RELATIONSHIPS = ("owner", "agent", "subject")
REASONS = ("copyright", "privacy", "defamation", "other")
SCOPES = ("article", "copies", "story", "domain")
STATUSES = ("received", "needs_info", "accepted", "rejected")
OPEN_STATUSES = ("received", "needs_info")  # a decision can still be taken
MAX_URLS = 50
MAX_STORY_IDS = 50
MAX_NAME = 200
MAX_EMAIL = 320
MAX_DETAILS = 10_000
MAX_URL_LENGTH = 2048

# Deliberately plain: one @, a dotted domain, no spaces. Deliverability is the requester's concern; this only
# catches typing mistakes, and a stricter pattern would refuse real addresses.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_EMAIL = re.compile(rf"^[^@\s<>\"(),;:]+@{_LABEL}(?:\.{_LABEL})+$")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RemovalError(NewsdeskError):
    """Base of the removal desk's errors."""

    reason = "removal_error"


class RemovalValidationError(RemovalError):
    """A submission with mistakes; `errors` maps each wrong field to what is wrong with it."""

    reason = "invalid_removal_request"

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class RateLimited(RemovalError):
    """Too many requests from one client within the window; try again after `retry_after_seconds`."""

    reason = "rate_limited"

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many removal requests from this address; try again in {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


class UnknownRequest(RemovalError):
    reason = "unknown_removal_request"


class InvalidTransition(RemovalError):
    """A decision that the request's status does not allow (e.g. rejecting an accepted request)."""

    reason = "invalid_transition"


class AdminError(RemovalError):
    """An administrator account that cannot be created (name taken, weak password...)."""

    reason = "admin_error"


@dataclass
class RemovalSubmission:
    """A request as a requester fills it in (the web form and POST /api/removal-requests).

    Targets: `urls` (http/https, at most 50) read with `scope` ("article": those articles; "copies": those
    articles and every copy of them; "story": the whole stories they are in; "domain": every article of
    their registered domains and no more fetching there), `story_ids` (whole stories), `domain` (a publisher's
    opt-out: a domain such as example.com; its subdomains are included). At least one target.
    """

    name: str
    email: str
    relationship: str  # owner, agent, subject
    reason: str  # copyright, privacy, defamation, other
    good_faith: bool
    urls: list[str] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)
    domain: str | None = None
    scope: str = "article"  # how `urls` are read
    details: str = ""


@dataclass
class Receipt:
    """What the requester gets back: `public_id` is the key of the status page and the only reference."""

    public_id: str
    status: str
    received_at: datetime
    provisional: bool  # the content is already hidden while the request is reviewed


@dataclass
class SuppressionReport:
    """What a suppression (acceptance, or provisional suppression on receipt) did."""

    request_id: int
    public_id: str
    status: str
    article_ids: list[int] = field(default_factory=list)  # removed now
    story_ids: list[int] = field(default_factory=list)  # stories recomputed
    stories_emptied: list[int] = field(default_factory=list)  # now shown as "removed following a request"
    blocked: int = 0  # blocklist entries added
    sources_deactivated: list[int] = field(default_factory=list)
    restored: list[int] = field(default_factory=list)  # article ids put back (rejection of a provisional one)
    seconds: float = 0.0


# ---- validation ---------------------------------------------------------------------------------------


_SURROGATE = re.compile("[\ud800-\udfff]")  # lone halves from JSON "\\ud800": no database can store them


def _clean(value: object) -> str:
    return _SURROGATE.sub("", _CONTROL.sub("", value)).strip() if isinstance(value, str) else ""


def _http_host(url: str) -> str | None:
    """The host of an http(s) URL, or None (also for what urlsplit cannot read, e.g. "https://[::1/x")."""
    try:
        parts = urlsplit(url)
        return parts.hostname if parts.scheme in ("http", "https") else None
    except ValueError:
        return None


def normalize_domain(value: str) -> str:
    """A domain as typed (maybe with a scheme, a path or www.) as a lowercase host name, or ValueError."""
    raw = value.strip().lower()
    try:
        host = urlsplit(raw).hostname if "://" in raw else raw.split("/")[0].split(":")[0]
    except ValueError as exc:
        raise ValueError(f"{_quoted(value.strip())} is not a domain name") from exc
    host = (host or "").strip(".").removeprefix("www.")
    try:
        host = host.encode("idna").decode("ascii") if host else host
    except UnicodeError as exc:
        raise ValueError(f"{_quoted(value.strip())} is not a domain name") from exc
    if not _DOMAIN.match(host):
        raise ValueError(f"{_quoted(value.strip())} is not a domain name such as example.com")
    return host


def _quoted(value: str, most: int = 80) -> str:
    """A value in a message, quoted: an excerpt of a long one (a message never gives back a whole huge value)."""
    return repr(value if len(value) <= most else value[:most] + "…")


def validate(sub: RemovalSubmission) -> RemovalSubmission:
    """The submission cleaned (trimmed, deduplicated, domain normalised), or RemovalValidationError naming
    every wrong field. Story ids are checked for existence by the desk, not here."""
    errors: dict[str, str] = {}
    name = _clean(sub.name)
    if not name:
        errors["name"] = "give your name (or your organisation's)"
    elif len(name) > MAX_NAME:
        errors["name"] = f"at most {MAX_NAME} characters"
    email = _clean(sub.email)
    if not email:
        errors["email"] = "give an email address so that we can reach you about this request"
    elif len(email) > MAX_EMAIL or not _EMAIL.match(email):
        errors["email"] = f"{_quoted(email)} is not an email address (name@example.com)"
    relationship = _clean(sub.relationship).lower()
    if relationship not in RELATIONSHIPS:
        errors["relationship"] = f"must be one of {', '.join(RELATIONSHIPS)}"
    reason = _clean(sub.reason).lower()
    if reason not in REASONS:
        errors["reason"] = f"must be one of {', '.join(REASONS)}"
    scope = _clean(sub.scope).lower() or "article"
    if scope not in SCOPES:
        errors["scope"] = f"must be one of {', '.join(SCOPES)}"
    details = sub.details if isinstance(sub.details, str) else ""
    details = _SURROGATE.sub("", details.replace("\x00", "")).strip()
    if len(details) > MAX_DETAILS:
        errors["details"] = f"at most {MAX_DETAILS} characters (it has {len(details)})"
    if sub.good_faith is not True:
        errors["good_faith"] = "confirm the statement of good faith"

    urls: list[str] = []
    url_problems: list[str] = []
    raw_urls = [u for u in (sub.urls or []) if not (isinstance(u, str) and not u.strip())]
    for position, raw in enumerate(raw_urls, 1):
        url = _clean(raw)
        if not _http_host(url):
            url_problems.append(f"URL {position} ({url[:80]!r}) is not an http(s) address")
        elif len(url) > MAX_URL_LENGTH:
            url_problems.append(f"URL {position} is longer than {MAX_URL_LENGTH} characters")
        elif url not in urls:
            urls.append(url)
    if len(urls) > MAX_URLS:
        url_problems.insert(0, f"at most {MAX_URLS} URLs in one request (it has {len(urls)})")
    if url_problems:
        errors["urls"] = "; ".join(url_problems[:5]) + (f" (and {len(url_problems) - 5} more)"
                                                         if len(url_problems) > 5 else "")
    story_ids: list[int] = []
    for raw in sub.story_ids or []:
        try:
            sid = int(raw)
        except (TypeError, ValueError):
            errors["story_ids"] = f"{str(raw)[:40]!r} is not a story id (a whole number)"
            break
        if sid <= 0:
            errors["story_ids"] = f"{sid} is not a story id (a positive number)"
            break
        if sid not in story_ids:
            story_ids.append(sid)
    if len(story_ids) > MAX_STORY_IDS:
        errors["story_ids"] = f"at most {MAX_STORY_IDS} stories in one request"
    domain: str | None = None
    if sub.domain is not None and _clean(sub.domain):
        try:
            domain = normalize_domain(_clean(sub.domain))
        except ValueError as exc:
            errors["domain"] = str(exc)
    if not urls and not story_ids and domain is None and not {"urls", "story_ids", "domain"} & set(errors):
        errors["targets"] = "name at least one URL, story id or domain to remove"
    if errors:
        raise RemovalValidationError(errors)
    return RemovalSubmission(name=name, email=email, relationship=relationship, reason=reason, good_faith=True,
                             urls=urls, story_ids=story_ids, domain=domain, scope=scope, details=details)
