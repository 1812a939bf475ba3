"""Removal requests in the database: requests and their targets, the audit log, suppression's rows (proof,
quarantine, blocklist, re-pointed copies), administrators and their sessions, and the transparency counts.

The removal desk (newsdesk.removal) decides what to remove; this module only reads and writes. Functions taking
a Session write in the caller's transaction, which commits (a request is never stored without its suppression,
a decision never without what it does); functions taking a Store are one transaction each.
"""

from __future__ import annotations

import base64
import secrets
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.keys import utcnow
from newsdesk.store import search
from newsdesk.store.repository import BLOCKLIST_VERSION, Store, final_story_in
from newsdesk.store.schema import (
    MAX_ID,
    Admin,
    AdminSession,
    ArticleRow,
    BlockEntry,
    Meta,
    QuarantineRow,
    RemovalAudit,
    RemovalRequest,
    RemovalTarget,
    RemovedItem,
    Source,
    StoryRow,
)

CHUNK = 500  # ids per IN (...): well under every engine's limit on bound parameters
_ARTICLE_COLUMNS = [c.name for c in ArticleRow.__table__.columns]
_DATETIME_COLUMNS = {"published", "fetched", "story_joined_at"}


# ---- records --------------------------------------------------------------------------------------------


@dataclass
class Target:
    scope: str  # article, copies, story, domain
    value: str  # a URL, a story id (as text) or a registered domain
    resolved: list[int] | None = None  # article ids it named when suppressed (None: not yet)
    id: int | None = None  # its row (None until stored)


@dataclass
class AuditEntry:
    id: int
    at: datetime
    request_id: int | None
    actor: str
    action: str
    detail: dict


@dataclass
class RequestView:
    """One request. `name` and `email` are for administrators only: never show them on the public status
    page (`public()` gives what the requester's status page may show)."""

    id: int
    public_id: str
    status: str
    relationship: str
    reason: str
    details: str
    good_faith: bool
    provisional: bool
    received_at: datetime
    decided_at: datetime | None
    decision_reason: str | None
    decided_by: str | None
    name: str
    email: str
    targets: list[Target] = field(default_factory=list)
    mail: MailState | None = None  # the mail about its latest news; None: no mail (no SMTP server then)

    def public(self) -> dict:
        """The requester's status page: status, reason, targets, times, the decision's reason, and whether the
        mail about the latest news was sent (never the server's reason for a failure: that is the admins')."""
        return {
            "id": self.public_id, "status": self.status, "reason": self.reason, "relationship": self.relationship,
            "provisional": self.provisional, "received_at": self.received_at.isoformat(),
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "decision_reason": self.decision_reason,
            "targets": [{"scope": t.scope, "value": t.value} for t in self.targets],
            "mail": None if self.mail is None else {
                "about": self.mail.about, "status": self.mail.status,
                "at": self.mail.at.isoformat() if self.mail.at else None},
        }


@dataclass
class MailState:
    """The mail that tells a requester the latest news of their request (newsdesk.removal.mail)."""

    about: str  # received, needs_info, accepted, rejected: the status it tells
    status: str  # pending (not tried yet), sent, failed (`error` says why; tried again while `next_at` is set)
    error: str | None
    attempts: int
    at: datetime | None  # the last attempt
    next_at: datetime | None  # when it is tried (again); None: never again


@dataclass
class AdminSessionView:
    admin_id: int
    name: str
    csrf_token: str
    expires_at: datetime


@dataclass
class TakenArticle:
    """What an article taken out of the store leaves behind for the blocklist."""

    id: int
    url: str
    canonical_url: str
    content_hash: str
    text: str | None
    minhash: bytes | None
    story_id: int | None


@dataclass
class QuarantinedArticle:
    """An article set aside by a provisional suppression: `article` is its whole row (as JSON)."""

    article_id: int
    story_id: int | None
    article: dict[str, Any]


@dataclass
class TransparencyCounts:
    requests: list[tuple[int, datetime, str, str]]  # id, received_at, reason, status
    scopes: list[tuple[int, str]]  # request id, target scope
    articles_removed: int
    domains_opted_out: int
    refused: dict[str, int]  # blocked_fetch / blocked_store -> count


# ---- helpers ----------------------------------------------------------------------------------------------


def chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    items = sorted(set(ids))
    for i in range(0, len(items), CHUNK):
        yield items[i:i + CHUNK]


def _row_json(row: ArticleRow) -> dict[str, Any]:
    """An article row as JSON, every column, so that it can be written back exactly."""
    out: dict[str, Any] = {}
    for name in _ARTICLE_COLUMNS:
        value = getattr(row, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, bytes):
            value = base64.b64encode(value).decode("ascii")
        out[name] = value
    return out


def _row_from_json(data: dict[str, Any]) -> dict[str, Any]:
    values = {k: data.get(k) for k in _ARTICLE_COLUMNS}
    for name in _DATETIME_COLUMNS:
        if values.get(name):
            values[name] = datetime.fromisoformat(values[name])
    if values.get("minhash"):
        values["minhash"] = base64.b64decode(values["minhash"])
    return values


def shared_secret(s: Session) -> str:
    """The random key kept in `meta` (made here, once, by the first process that asks; committed)."""
    value = s.scalar(select(Meta.value).where(Meta.key == "secret_key"))
    if value is None:
        s.add(Meta(key="secret_key", value=secrets.token_urlsafe(48)))
        try:
            s.commit()
        except IntegrityError:  # another process made it first: use theirs
            s.rollback()
        value = s.scalar(select(Meta.value).where(Meta.key == "secret_key"))
    assert value is not None
    return value


# ---- requests ---------------------------------------------------------------------------------------------


def recent_requests(s: Session, client_hash: str, since: datetime) -> tuple[int, datetime | None]:
    """How many requests the client made after `since`, and when the oldest of them was received."""
    count, oldest = s.execute(select(func.count(), func.min(RemovalRequest.received_at)).where(
        RemovalRequest.client_hash == client_hash, RemovalRequest.received_at > since)).one()
    return count, oldest


def unknown_stories(s: Session, ids: list[int]) -> list[int]:
    """The ids among `ids` that name no story."""
    # Ids beyond MAX_ID name no story (and PostgreSQL refuses to look them up).
    known = set(s.scalars(select(StoryRow.id).where(StoryRow.id.in_([i for i in ids if 0 < i <= MAX_ID]))))
    return [i for i in ids if i not in known]


def add_request(s: Session, *, public_id: str, name: str, email: str, relationship: str, reason: str,
                details: str, received_at: datetime, client_hash: str, targets: list[Target]) -> int:
    """A new request (status received) and its targets; its id."""
    req = RemovalRequest(public_id=public_id, name=name, email=email, relationship=relationship, reason=reason,
                         details=details, good_faith=True, status="received", provisional=False,
                         received_at=received_at, client_hash=client_hash)
    s.add(req)
    s.flush()
    for t in targets:
        s.add(RemovalTarget(request_id=req.id, scope=t.scope, value=t.value))
    return req.id


def _request_row(s: Session, key: int | str) -> RemovalRequest | None:
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        # No id is beyond MAX_ID, and PostgreSQL refuses to look one up.
        return s.get(RemovalRequest, int(key)) if int(key) <= MAX_ID else None
    return s.scalar(select(RemovalRequest).where(RemovalRequest.public_id == key))


def find_request(s: Session, key: int | str, *, with_targets: bool = True, lock: bool = False) -> RequestView | None:
    """One request by its id (int or digits) or its public id, or None. `lock`: hold its row until the
    transaction ends (PostgreSQL: a second decision at once waits, then finds the first)."""
    req = _request_row(s, key)
    if req is None:
        return None
    if lock:
        s.refresh(req, with_for_update=True)
    return _view(s, req, with_targets)


def _view(s: Session, req: RemovalRequest, with_targets: bool = True) -> RequestView:
    return RequestView(
        id=req.id, public_id=req.public_id, status=req.status, relationship=req.relationship, reason=req.reason,
        details=req.details, good_faith=req.good_faith, provisional=req.provisional, received_at=req.received_at,
        decided_at=req.decided_at, decision_reason=req.decision_reason, decided_by=req.decided_by,
        name=req.name, email=req.email, targets=targets(s, req.id) if with_targets else [],
        mail=None if req.mail_status is None else MailState(
            about=req.mail_about or req.status, status=req.mail_status, error=req.mail_error,
            attempts=req.mail_attempts or 0, at=req.mail_at, next_at=req.mail_next_at),
    )


def targets(s: Session, request_id: int) -> list[Target]:
    rows = s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == request_id).order_by(RemovalTarget.id))
    return [Target(t.scope, t.value, t.resolved, t.id) for t in rows]


def list_requests(s: Session, status: str | None, limit: int, offset: int) -> list[RequestView]:
    """Requests, newest first; of one status when given."""
    q = (select(RemovalRequest).order_by(RemovalRequest.received_at.desc(), RemovalRequest.id.desc())
         .limit(limit).offset(offset))
    if status is not None:
        q = q.where(RemovalRequest.status == status)
    return [_view(s, r) for r in s.scalars(q).all()]


def set_status(s: Session, request_id: int, status: str, reason: str, actor: str,
               decided_at: datetime | None = None) -> None:
    """A decision (`decided_at` given) or a question to the requester (needs_info: no decision time)."""
    req = s.get(RemovalRequest, request_id)
    assert req is not None
    req.status, req.decision_reason, req.decided_by = status, reason, actor
    if decided_at is not None:
        req.decided_at = decided_at


def mark_provisional(s: Session, request_id: int) -> None:
    req = s.get(RemovalRequest, request_id)
    assert req is not None
    req.provisional = True


# ---- mail to requesters (newsdesk.removal.mail) -------------------------------------------------------------


def queue_mail(s: Session, request_id: int, about: str, at: datetime) -> None:
    """The requester is to be told `about` (the request's new status) from `at` on: the mail about the news
    before, sent or not, is replaced (the new one carries the reference and the status page too)."""
    s.execute(update(RemovalRequest).where(RemovalRequest.id == request_id).values(
        mail_about=about, mail_status="pending", mail_error=None, mail_attempts=0, mail_at=None, mail_next_at=at))


def due_mail(store: Store, now: datetime, limit: int = 50) -> list[int]:
    """The requests whose mail is due at `now`, the longest waiting first."""
    with store.session() as s:
        return list(s.scalars(select(RemovalRequest.id).where(RemovalRequest.mail_next_at <= now)
                              .order_by(RemovalRequest.mail_next_at, RemovalRequest.id).limit(limit)))


def claim_mail(store: Store, request_id: int, now: datetime, lease_until: datetime) -> RequestView | None:
    """Take the request's due mail for one attempt (counted now: an attempt cut short by a crash counts too),
    or None when it is not due (any more): another thread or process took it, or it was sent. Nobody else takes
    it before `lease_until`. One UPDATE with its condition, so two takers never both win."""
    with store.session() as s:
        taken = s.execute(update(RemovalRequest).where(
            RemovalRequest.id == request_id, RemovalRequest.mail_next_at <= now).values(
            mail_next_at=lease_until, mail_at=now, mail_attempts=RemovalRequest.mail_attempts + 1))
        s.commit()
        if taken.rowcount != 1:
            return None
        return find_request(s, request_id)


def record_mail(store: Store, claimed: RequestView, error: str | None, next_at: datetime | None) -> bool:
    """The outcome of the attempt `claimed` (claim_mail's answer; `error` None: sent) and the audit entry
    mail_sent / mail_failed; `next_at`: when to try again. False, and nothing written, when news was queued
    meanwhile (its own mail goes out): the claim's time is the token."""
    assert claimed.mail is not None
    request_id, about = claimed.id, claimed.mail.about
    with store.session() as s:
        done = s.execute(update(RemovalRequest).where(
            RemovalRequest.id == request_id, RemovalRequest.mail_about == about,
            RemovalRequest.mail_at == claimed.mail.at).values(
            mail_status="sent" if error is None else "failed", mail_error=error,
            mail_next_at=None if error is None else next_at))
        if done.rowcount != 1:
            s.rollback()
            return False
        add_audit(s, request_id, "mail", "mail_sent" if error is None else "mail_failed",
                  {"about": about} | ({} if error is None else {"error": error, "retry": next_at is not None}))
        s.commit()
        return True


def story_removal(s: Session, story_id: int) -> int | None:
    """The id of the request that removed every article of this story, or None."""
    return s.scalar(select(StoryRow.removal_request_id).where(StoryRow.id == story_id))


def add_audit(s: Session, request_id: int | None, actor: str, action: str, detail: dict[str, Any]) -> None:
    s.add(RemovalAudit(at=utcnow(), request_id=request_id, actor=actor, action=action, detail=detail))


def audit_entries(s: Session, request_id: int | None, limit: int) -> list[AuditEntry]:
    """Audit entries, newest first; of one request when `request_id` is given."""
    q = select(RemovalAudit).order_by(RemovalAudit.id.desc()).limit(limit)
    if request_id is not None:
        q = q.where(RemovalAudit.request_id == request_id)
    return [AuditEntry(a.id, a.at, a.request_id, a.actor, a.action, dict(a.detail or {})) for a in s.scalars(q)]


def accepted_targets(s: Session, except_request: int) -> list[tuple[str, str, int]]:
    """(scope, value, request id) of every target of an accepted request other than `except_request`."""
    rows = s.execute(select(RemovalTarget.scope, RemovalTarget.value, RemovalTarget.request_id)
                     .join(RemovalRequest, RemovalRequest.id == RemovalTarget.request_id)
                     .where(RemovalRequest.status == "accepted", RemovalRequest.id != except_request)
                     .order_by(RemovalTarget.id))
    return [tuple(r) for r in rows]


def record_resolved(s: Session, found: dict[int, set[int]], sources: Iterable[int] = ()) -> None:
    """Add to what targets (by id) named when suppressed: articles, and the sources a domain target deactivated."""
    for t in s.scalars(select(RemovalTarget).where(RemovalTarget.id.in_(list(found))).order_by(RemovalTarget.id)):
        t.resolved = sorted(set(t.resolved or []) | found[t.id])
        if t.scope == "domain":
            t.sources = sorted(set(t.sources or []) | set(sources))


# ---- what a target names ----------------------------------------------------------------------------------


def articles_at(s: Session, spellings: Iterable[str]) -> set[int]:
    """Articles stored under one of these URLs (as url or canonical URL)."""
    keys = set(spellings)
    return set(s.scalars(select(ArticleRow.id).where(
        or_(ArticleRow.url.in_(keys), ArticleRow.canonical_url.in_(keys)))))


def final_stories(s: Session, story_ids: Iterable[int]) -> set[int]:
    """The stories these are now: a story merged into another is the one it was merged into."""
    return {final_story_in(s, i) for i in story_ids}


def story_articles(s: Session, story_ids: Iterable[int]) -> set[int]:
    """The articles of these stories; a story merged into another names the articles of the one it went into."""
    return set(s.scalars(select(ArticleRow.id).where(ArticleRow.story_id.in_(list(final_stories(s, story_ids))))))


def stories_of(s: Session, article_ids: Iterable[int]) -> set[int]:
    return set(s.scalars(select(ArticleRow.story_id).where(ArticleRow.id.in_(list(article_ids))))) - {None}


def copies_closure(s: Session, seeds: set[int]) -> set[int]:
    """The articles and every article linked to them by duplicate_of, either way and transitively, and
    every exact copy (same content hash)."""
    seen, frontier = set(seeds), set(seeds)
    while frontier:
        new: set[int] = set()
        for chunk in chunks(frontier):
            new |= {p for p in s.scalars(select(ArticleRow.duplicate_of).where(ArticleRow.id.in_(chunk))) if p}
            new |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.duplicate_of.in_(chunk))))
        hashes: set[str] = set()
        for chunk in chunks(new | frontier):
            hashes |= set(s.scalars(select(ArticleRow.content_hash).where(ArticleRow.id.in_(chunk))))
        for i in range(0, len(hashes), CHUNK):
            part = sorted(hashes)[i:i + CHUNK]
            new |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.content_hash.in_(part))))
        frontier = new - seen
        seen |= frontier
    return seen


def articles_mentioning(s: Session, domain: str) -> list[tuple[int, str, str]]:
    """(id, url, canonical URL) of the articles whose addresses may be on `domain` or a subdomain of it: a
    superset (no column holds the domain, a LIKE narrows the scan); the caller decides by registered domain."""
    pattern_host, pattern_sub = f"%://{domain}%", f"%.{domain}%"
    rows = s.execute(select(ArticleRow.id, ArticleRow.url, ArticleRow.canonical_url).where(or_(
        ArticleRow.url.like(pattern_host), ArticleRow.url.like(pattern_sub),
        ArticleRow.canonical_url.like(pattern_host), ArticleRow.canonical_url.like(pattern_sub))))
    return [tuple(r) for r in rows]


def source_addresses(s: Session) -> list[tuple[int, str, str | None, bool]]:
    """(id, url, site URL, active) of every source, by id."""
    return [tuple(r) for r in s.execute(select(Source.id, Source.url, Source.site_url, Source.active)
                                        .order_by(Source.id))]


def deactivate_sources(s: Session, source_ids: Iterable[int]) -> None:
    for chunk in chunks(source_ids):
        s.execute(update(Source).where(Source.id.in_(chunk)).values(active=False))


# ---- suppression ------------------------------------------------------------------------------------------


def quarantined(s: Session, request_id: int) -> list[QuarantinedArticle]:
    """The articles this request set aside, by article id."""
    rows = s.scalars(select(QuarantineRow).where(QuarantineRow.request_id == request_id)
                     .order_by(QuarantineRow.article_id))
    return [QuarantinedArticle(q.article_id, q.story_id, q.article) for q in rows]


def prove_quarantined(s: Session, items: list[QuarantinedArticle], request_id: int, at: datetime) -> None:
    """The proof (`removed_items`) of set-aside articles purged for good, under `request_id`."""
    for q in items:
        data = q.article
        s.add(RemovedItem(request_id=request_id, article_id=q.article_id, url=data["url"],
                          canonical_url=data["canonical_url"], content_hash=data["content_hash"],
                          story_id=q.story_id, removed_at=at))


def take_out(s: Session, request_id: int, ids: set[int], provisional: bool, at: datetime) -> list[TakenArticle]:
    """Delete these articles (those that still exist), keeping either their proof (`removed_items`) or, when
    `provisional`, their whole rows in `quarantine` so that a rejection can put them back. Copies that stay but
    pointed at a removed article get a new origin: the nearest remaining ancestor, else the first of them
    becomes the original and the others its copies."""
    rows: list[ArticleRow] = []
    for chunk in chunks(ids):
        rows += list(s.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk))))
    removed = {r.id for r in rows}
    parent = {r.id: r.duplicate_of for r in rows}
    repointed: dict[int, int | None] = {}
    orphans: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for chunk in chunks(removed):
        for cid, dup in s.execute(select(ArticleRow.id, ArticleRow.duplicate_of)
                                  .where(ArticleRow.duplicate_of.in_(chunk))):
            if cid in removed:
                continue
            top, seen = dup, set()
            while top in removed and parent.get(top) is not None and top not in seen:
                seen.add(top)
                top = parent[top]
            if top in removed:
                orphans[top].append((cid, dup))
            else:
                repointed[cid] = top
    new_origin: dict[int, int | None] = dict(repointed)
    for group in orphans.values():
        group.sort()
        first = group[0][0]
        new_origin[first] = None
        for cid, _ in group[1:]:
            new_origin[cid] = first
    old_parent: dict[int, int] = {}
    for chunk in chunks(new_origin):
        old_parent.update(dict(s.execute(select(ArticleRow.id, ArticleRow.duplicate_of)
                                         .where(ArticleRow.id.in_(chunk))).all()))
    for cid, origin in new_origin.items():
        s.execute(update(ArticleRow).where(ArticleRow.id == cid).values(duplicate_of=origin))

    taken: list[TakenArticle] = []
    for r in rows:
        taken.append(TakenArticle(r.id, r.url, r.canonical_url, r.content_hash, r.text, r.minhash, r.story_id))
        if provisional:
            data = _row_json(r)
            data["_copies"] = {str(c): old_parent.get(c) for c in new_origin if old_parent.get(c) == r.id}
            s.add(QuarantineRow(request_id=request_id, article_id=r.id, article=data, story_id=r.story_id))
        else:
            s.add(RemovedItem(request_id=request_id, article_id=r.id, url=r.url, canonical_url=r.canonical_url,
                              content_hash=r.content_hash, story_id=r.story_id, removed_at=at))
    for chunk in chunks(removed):
        s.execute(delete(ArticleRow).where(ArticleRow.id.in_(chunk)))
    return taken


def put_back(s: Session, items: list[QuarantinedArticle]) -> tuple[list[int], dict[int, int], set[int]]:
    """Set-aside articles written back whole, with their ids, and their copies re-pointed at them again: the
    ids they have now, {old id: new id} for those whose id was taken, and the stories they are back in."""
    restored: list[int] = []
    moved: dict[int, int] = {}
    stories: set[int] = set()
    for q in items:
        values = _row_from_json(q.article)
        if s.get(ArticleRow, values["id"]) is not None:
            # Only a quarantine older than migration 0009 can find its id taken (SQLite then gave a
            # removed article's id to the next one): the restored article takes a new id.
            moved[values["id"]] = -1
            values.pop("id")
        if values.get("story_id") is not None:
            if s.get(StoryRow, values["story_id"]) is None:
                values["story_id"] = None
            else:  # merged meanwhile into another story: it comes back there
                values["story_id"] = final_story_in(s, values["story_id"])
        if values.get("source_id") is not None and s.get(Source, values["source_id"]) is None:
            values["source_id"] = None  # the source was removed meanwhile (as its FK would have done)
        values["duplicate_of"] = None  # set below, once every restored row exists again
        row = ArticleRow(**values)
        s.add(row)
        s.flush()
        if q.article_id in moved:
            moved[q.article_id] = row.id
        restored.append(row.id)
        if row.story_id is not None:
            stories.add(row.story_id)
    for q in items:
        new_id = moved.get(q.article_id, q.article_id)
        dup = q.article.get("duplicate_of")
        dup = moved.get(dup, dup) if dup is not None else None
        if dup is not None and s.get(ArticleRow, dup) is not None:
            s.execute(update(ArticleRow).where(ArticleRow.id == new_id).values(duplicate_of=dup))
        for copy_id, _ in (q.article.get("_copies") or {}).items():
            if s.get(ArticleRow, int(copy_id)) is not None:
                s.execute(update(ArticleRow).where(ArticleRow.id == int(copy_id)).values(duplicate_of=new_id))
    return restored, moved, stories


def clear_quarantine(s: Session, request_id: int) -> None:
    s.execute(delete(QuarantineRow).where(QuarantineRow.request_id == request_id))


def reactivate_sources(s: Session, request_id: int) -> None:
    """Sources the request's domain targets deactivated, active again."""
    for t in s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == request_id)):
        for src_id in t.sources or []:
            s.execute(update(Source).where(Source.id == src_id).values(active=True))


def update_story(s: Session, story_id: int, values: dict[str, Any]) -> None:
    s.execute(update(StoryRow).where(StoryRow.id == story_id).values(**values))


def empty_story(s: Session, story_id: int, request_id: int | None) -> None:
    """A story left without articles: no headline, brief, dates or counts; `request_id` removed it."""
    update_story(s, story_id, dict(headline=None, brief=[], article_count=0, sources_count=0,
                                   independent_sources_count=0, first_published=None, last_published=None,
                                   removal_request_id=request_id))


@contextmanager
def secure_delete(s: Session) -> Iterator[None]:
    """SQLite otherwise leaves deleted rows' bytes in free pages of the file until they are reused: on for
    the block, on the connection of `s`. Set through the driver's own connection, so that it is set back
    even after a failed write (a busy store), when the session refuses every statement until rolled back."""
    if s.get_bind().dialect.name != "sqlite":
        yield
        return
    raw = s.connection().connection.dbapi_connection
    assert raw is not None
    raw.execute("PRAGMA secure_delete = ON")
    try:
        yield
    finally:
        raw.execute("PRAGMA secure_delete = OFF")


def purge_search_index(s: Session) -> None:
    """A deleted row leaves its terms in older FTS5 segments (only marked deleted) until a merge: merge
    everything now, so that no term of the removed text stays in the index."""
    search.purge_deleted(s.connection())


# ---- blocklist --------------------------------------------------------------------------------------------


def add_block_entries(s: Session, request_id: int, entries: list[tuple[str, str, bytes | None]]) -> int:
    """Add blocklist entries (kind, value, MinHash signature) not present yet (the first request that blocked a
    value keeps it); how many were added."""
    wanted: dict[tuple[str, str], bytes | None] = {}
    for kind, value, sig in entries:
        if value:
            wanted.setdefault((kind, value), sig)
    present: set[tuple[str, str]] = set()
    by_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in wanted:
        by_kind[kind].append(value)
    for kind, values in by_kind.items():
        for i in range(0, len(values), CHUNK):
            part = values[i:i + CHUNK]
            present |= {(kind, v) for v in s.scalars(select(BlockEntry.value).where(
                BlockEntry.kind == kind, BlockEntry.value.in_(part)))}
    now = utcnow()
    rows = [{"kind": k, "value": v, "signature": sig, "request_id": request_id, "added_at": now}
            for (k, v), sig in wanted.items() if (k, v) not in present]
    if rows:
        s.execute(insert(BlockEntry), rows)
    return len(rows)


def hand_over_block_entries(s: Session, request_id: int, values: list[str], to_request: int) -> None:
    """Entries of `request_id` with one of these values now belong to `to_request`."""
    s.execute(update(BlockEntry).where(BlockEntry.request_id == request_id, BlockEntry.value.in_(values))
              .values(request_id=to_request))


def address_block_entries(s: Session, request_id: int) -> list[tuple[int, str, str]]:
    """(id, kind, value) of the request's url, canonical and domain entries."""
    return [tuple(r) for r in s.execute(select(BlockEntry.id, BlockEntry.kind, BlockEntry.value).where(
        BlockEntry.request_id == request_id, BlockEntry.kind.in_(("url", "canonical", "domain"))))]


def reassign_block_entry(s: Session, entry_id: int, to_request: int) -> None:
    s.execute(update(BlockEntry).where(BlockEntry.id == entry_id).values(request_id=to_request))


def drop_block_entries(s: Session, request_id: int) -> None:
    s.execute(delete(BlockEntry).where(BlockEntry.request_id == request_id))


def blocklist_version(store: Store) -> str | None:
    with store.session() as s:
        return s.scalar(select(Meta.value).where(Meta.key == BLOCKLIST_VERSION))


def block_entries(store: Store) -> list[tuple[str, str, bytes | None, int | None]]:
    """(kind, value, signature, request id) of every blocklist entry."""
    with store.session() as s:
        return [tuple(r) for r in s.execute(select(BlockEntry.kind, BlockEntry.value, BlockEntry.signature,
                                                   BlockEntry.request_id))]


# ---- one-transaction operations ---------------------------------------------------------------------------


def log(store: Store, action: str, detail: dict[str, Any], actor: str) -> None:
    """One audit entry outside a request."""
    with store.session() as s:
        add_audit(s, None, actor, action, detail)
        s.commit()


def admin_password(store: Store, name: str) -> tuple[int, str] | None:
    """(id, password hash) of the administrator named so, or None."""
    with store.session() as s:
        row = s.execute(select(Admin.id, Admin.password_hash).where(Admin.name == name)).first()
    return (row[0], row[1]) if row else None


def add_admin(store: Store, name: str, password_hash: str) -> int | None:
    """The new administrator's id, or None when the name is taken."""
    with store.session() as s:
        if s.scalar(select(Admin.id).where(Admin.name == name)) is not None:
            return None
        admin = Admin(name=name, password_hash=password_hash, created_at=utcnow())
        s.add(admin)
        try:
            s.commit()
        except IntegrityError:
            return None
        return admin.id


def add_admin_session(store: Store, token_hash: str, admin_id: int, csrf_token: str, created_at: datetime,
                      expires_at: datetime) -> None:
    """A new session; expired ones are cleared on the way."""
    with store.session() as s:
        s.execute(delete(AdminSession).where(AdminSession.expires_at <= created_at))
        s.add(AdminSession(token_hash=token_hash, admin_id=admin_id, csrf_token=csrf_token, created_at=created_at,
                           expires_at=expires_at))
        s.commit()


def admin_session(store: Store, token_hash: str) -> AdminSessionView | None:
    """The session stored under this token hash (expired or not), or None."""
    with store.session() as s:
        row = s.execute(select(AdminSession, Admin.name).join(Admin, Admin.id == AdminSession.admin_id)
                        .where(AdminSession.token_hash == token_hash)).first()
    if row is None:
        return None
    sess, name = row
    return AdminSessionView(admin_id=sess.admin_id, name=name, csrf_token=sess.csrf_token,
                            expires_at=sess.expires_at)


def end_admin_session(store: Store, token_hash: str) -> None:
    with store.session() as s:
        s.execute(delete(AdminSession).where(AdminSession.token_hash == token_hash))
        s.commit()


def transparency_counts(store: Store) -> TransparencyCounts:
    """Requests (no name, email or address), target scopes, articles removed, domains opted out, refusals."""
    with store.session() as s:
        reqs = s.execute(select(RemovalRequest.id, RemovalRequest.received_at, RemovalRequest.reason,
                                RemovalRequest.status)).all()
        scopes = s.execute(select(RemovalTarget.request_id, RemovalTarget.scope)).all()
        removed = s.scalar(select(func.count()).select_from(RemovedItem)) or 0
        domains = s.scalar(select(func.count()).select_from(BlockEntry).where(BlockEntry.kind == "domain")) or 0
        refused = dict(s.execute(select(RemovalAudit.action, func.count()).where(
            RemovalAudit.action.in_(("blocked_fetch", "blocked_store"))).group_by(RemovalAudit.action)).all())
    return TransparencyCounts([tuple(r) for r in reqs], [tuple(r) for r in scopes], removed, domains, refused)
