"""The removal desk: requests in, decisions, suppression everywhere, the blocklist, the audit log.

Suppression works by construction: the removed articles' rows are deleted (the full-text triggers take them
out of the search index, which is then merged so that no token of them is left in it), stories are
recomputed from what remains (a brief is rebuilt from remaining text only), and every page, feed and API
answer reads those tables; the content version in `meta` changes, so caches and ETags move on. What is kept
is the proof (`removed_items`: addresses, hashes, ids, times) and the blocklist that the collector checks
before fetching and before storing.

Provisional suppression (setting `removal_provisional`) moves the rows to `quarantine` instead, whole, and
blocks them the same way; a rejection puts them back with the same ids, an acceptance purges them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
import string
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.extract import canonicalize_url
from newsdesk.extract.urls import key_spellings, url_key
from newsdesk.removal import auth
from newsdesk.removal.blocklist import (
    BLOCKLIST_VERSION,
    CONTENT_VERSION,
    BlocklistIndex,
    registered_domain,
)
from newsdesk.removal.models import (
    OPEN_STATUSES,
    STATUSES,
    AdminError,
    AdminSessionView,
    AuditEntry,
    InvalidTransition,
    RateLimited,
    Receipt,
    RemovalSubmission,
    RemovalValidationError,
    RequestView,
    SuppressionReport,
    Target,
    UnknownRequest,
    validate,
)
from newsdesk.store import Store
from newsdesk.store.locks import begin_locked
from newsdesk.store.repository import members_in, utcnow
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
from newsdesk.stories.copies import signature

CHUNK = 500  # ids per IN (...): well under every engine's limit on bound parameters
_ARTICLE_COLUMNS = [c.name for c in ArticleRow.__table__.columns]
_DATETIME_COLUMNS = {"published", "fetched", "story_joined_at"}


_PUBLIC_ID_ALPHABET = string.ascii_letters + string.digits


def new_public_id() -> str:
    """22 letters and digits (130 bits): unguessable, and safe to paste anywhere (token_urlsafe's leading '-'
    reads as an option on a command line)."""
    return "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(22))


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
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


class RemovalDesk:
    """Every removal operation. One per process is enough; safe to share between threads. Each public
    method is one transaction and writes the audit log in it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.blocklist = BlocklistIndex(store)
        self._secret: str | None = settings.secret_key or None
        self._lock = threading.Lock()

    # ---- shared secret -------------------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        """The `secret_key` setting, else a random key generated once and kept in `meta` (shared)."""
        if self._secret is None:
            with self._lock, self.store.session() as s:
                value = s.scalar(select(Meta.value).where(Meta.key == "secret_key"))
                if value is None:
                    s.add(Meta(key="secret_key", value=secrets.token_urlsafe(48)))
                    try:
                        s.commit()
                    except IntegrityError:  # another process made it first: use theirs
                        s.rollback()
                    value = s.scalar(select(Meta.value).where(Meta.key == "secret_key"))
                self._secret = value
        assert self._secret is not None
        return self._secret

    def client_hash(self, client: str) -> str:
        """Requesters' addresses are never stored: only this keyed hash, enough to count their requests."""
        return hmac.new(self.secret_key.encode(), client.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

    # ---- requests ------------------------------------------------------------------------------------

    def submit(self, submission: RemovalSubmission, client: str) -> Receipt:
        """Record a request from `client` (its address, kept only as a keyed hash).

        Raises RateLimited when this client already made `removal_rate_limit` requests within
        `removal_rate_window` seconds, then RemovalValidationError with every wrong field (story ids must exist).
        The count and the new request are one step: its transaction first takes the client's lock
        (store.locks.begin_locked), so requests sent at once never pass the limit together; a first look before
        validating keeps a flood from taking that lock. Writes the audit entry "received"; with
        `removal_provisional` on, suppresses the targets at once (quarantine), in the same transaction: a request
        is never stored without its suppression.
        """
        digest = self.client_hash(client)
        with self.store.session() as s:
            self._within_rate(s, digest)
        clean = validate(submission)
        targets = self._targets_of(clean)
        with self.store.session() as s:
            begin_locked(s, digest)
            now = self._within_rate(s, digest)
            missing = self.unknown_stories(clean.story_ids, s)
            if missing:
                raise RemovalValidationError({"story_ids": "no story with id " + ", ".join(map(str, missing))})
            req = RemovalRequest(
                public_id=new_public_id(), name=clean.name, email=clean.email,
                relationship=clean.relationship, reason=clean.reason, details=clean.details, good_faith=True,
                status="received", provisional=False, received_at=now, client_hash=digest,
            )
            s.add(req)
            s.flush()
            for t in targets:
                s.add(RemovalTarget(request_id=req.id, scope=t.scope, value=t.value))
            self._audit(s, req.id, "requester", "received", {
                "reason": req.reason, "relationship": req.relationship,
                "targets": dict(Counter(t.scope for t in targets)),
            })
            public_id, provisional = req.public_id, self.settings.removal_provisional
            if provisional:
                self._suppress(req.id, actor="system", provisional=True, s=s)  # commits
            else:
                s.commit()
        return Receipt(public_id=public_id, status="received", received_at=now, provisional=provisional)

    def _within_rate(self, s: Session, digest: str) -> datetime:
        """The time now, or RateLimited when the client `digest` made `removal_rate_limit` requests within the
        window."""
        now = utcnow()
        window = timedelta(seconds=self.settings.removal_rate_window)
        count, oldest = s.execute(select(func.count(), func.min(RemovalRequest.received_at)).where(
            RemovalRequest.client_hash == digest, RemovalRequest.received_at > now - window)).one()
        if count >= self.settings.removal_rate_limit:
            wait = (oldest + window - now).total_seconds() if oldest else window.total_seconds()
            raise RateLimited(max(1, math.ceil(wait)))
        return now

    def _session(self, s: Session | None) -> AbstractContextManager[Session]:
        """`s` itself (its owner ends it), or a new session."""
        return nullcontext(s) if s is not None else self.store.session()

    def unknown_stories(self, ids: Iterable[int], s: Session | None = None) -> list[int]:
        """The ids among `ids` that name no story, looked up in `s` (else in a session of its own)."""
        ids = list(ids)
        if not ids:
            return []
        if s is None:
            with self.store.session() as own:
                return self.unknown_stories(ids, own)
        # Ids beyond MAX_ID name no story (and PostgreSQL refuses to look them up).
        known = set(s.scalars(select(StoryRow.id).where(StoryRow.id.in_([i for i in ids if 0 < i <= MAX_ID]))))
        return [i for i in ids if i not in known]

    @staticmethod
    def _targets_of(sub: RemovalSubmission) -> list[Target]:
        targets: list[Target] = []
        for url in sub.urls:
            if sub.scope == "domain":
                domain = registered_domain(url)
                if all(t.value != domain for t in targets if t.scope == "domain"):
                    targets.append(Target("domain", domain))
            else:
                targets.append(Target(sub.scope, url))
        targets += [Target("story", str(i)) for i in sub.story_ids]
        if sub.domain:
            domain = registered_domain(sub.domain)
            if all(t.value != domain for t in targets if t.scope == "domain"):
                targets.append(Target("domain", domain))
        return targets

    def _request(self, s: Session, key: int | str) -> RemovalRequest:
        if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
            # No id is beyond MAX_ID, and PostgreSQL refuses to look one up.
            req = s.get(RemovalRequest, int(key)) if int(key) <= MAX_ID else None
        else:
            req = s.scalar(select(RemovalRequest).where(RemovalRequest.public_id == key))
        if req is None:
            raise UnknownRequest(f"no removal request {key}")
        return req

    def _view(self, s: Session, req: RemovalRequest) -> RequestView:
        rows = s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == req.id).order_by(RemovalTarget.id))
        targets = [Target(t.scope, t.value, t.resolved) for t in rows]
        return RequestView(
            id=req.id, public_id=req.public_id, status=req.status, relationship=req.relationship, reason=req.reason,
            details=req.details, good_faith=req.good_faith, provisional=req.provisional, received_at=req.received_at,
            decided_at=req.decided_at, decision_reason=req.decision_reason, decided_by=req.decided_by,
            name=req.name, email=req.email, targets=targets,
        )

    def get(self, key: int | str) -> RequestView | None:
        """One request by its id (int) or its public id (the requester's receipt), or None."""
        with self.store.session() as s:
            try:
                return self._view(s, self._request(s, key))
            except UnknownRequest:
                return None

    def list(self, status: str | None = None, limit: int = 200, offset: int = 0) -> list[RequestView]:
        """Requests, newest first; `status` one of received, needs_info, accepted, rejected (or all)."""
        if status is not None and status not in STATUSES:
            raise RemovalValidationError({"status": f"must be one of {', '.join(STATUSES)}"})
        q = (select(RemovalRequest).order_by(RemovalRequest.received_at.desc(), RemovalRequest.id.desc())
             .limit(limit).offset(offset))
        if status is not None:
            q = q.where(RemovalRequest.status == status)
        with self.store.session() as s:
            return [self._view(s, r) for r in s.scalars(q).all()]

    def audit(self, key: int | str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Audit entries, newest first; of one request when `key` is given."""
        q = select(RemovalAudit).order_by(RemovalAudit.id.desc()).limit(limit)
        with self.store.session() as s:
            if key is not None:
                q = q.where(RemovalAudit.request_id == self._request(s, key).id)
            return [AuditEntry(a.id, a.at, a.request_id, a.actor, a.action, dict(a.detail or {}))
                    for a in s.scalars(q)]

    def preview(self, key: int | str) -> list[list[int]]:
        """Read-only: the article ids each target of the request names now, in target order (what accepting
        it would remove), so that a reviewer sees the consequence before deciding. Raises UnknownRequest."""
        with self.store.session() as s:
            req = self._request(s, key)
            targets = list(s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == req.id)
                                     .order_by(RemovalTarget.id)))
            found, _, _ = self._resolve(s, targets)
            return [sorted(found.get(t.id, set())) for t in targets]

    def story_removal(self, story_id: int) -> int | None:
        """The id of the request that removed every article of this story, or None (the story's notice)."""
        with self.store.session() as s:
            return s.scalar(select(StoryRow.removal_request_id).where(StoryRow.id == story_id))

    # ---- decisions -----------------------------------------------------------------------------------

    def _decide(self, s: Session, key: int | str, actor: str, reason: str, status: str) -> tuple[int, bool]:
        """The decision, written in `s` and committed with what it does (suppression, restoring): a busy store
        refuses both or neither."""
        reason = (reason or "").strip()
        if not reason:
            raise RemovalValidationError({"reason": "give the reason for this decision (it is kept and shown "
                                                    "to the requester)"})
        req = self._request(s, key)
        s.refresh(req, with_for_update=True)  # PostgreSQL: a second decision at once waits, then finds this one
        if req.status not in OPEN_STATUSES:
            raise InvalidTransition(f"request {req.id} is already {req.status}: it cannot be {status} now")
        req.status, req.decision_reason, req.decided_by, req.decided_at = status, reason, actor, utcnow()
        self._audit(s, req.id, actor, status, {"reason": reason})
        return req.id, req.provisional

    def accept(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        """Accept a request and suppress what it names, at once and for good: resolve its targets to articles,
        keep the proof (`removed_items`), block the addresses, hashes, MinHash signatures (and domains), delete
        the rows (and purge them from the search index), recompute the stories. Audit: "accepted",
        "suppressed". Raises UnknownRequest, InvalidTransition (decided already), RemovalValidationError
        (no reason)."""
        with self.store.session() as s:
            request_id, _ = self._decide(s, key, actor, reason, "accepted")
            return self._suppress(request_id, actor=actor, provisional=False, s=s)

    def reject(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        """Reject a request; what it suppressed provisionally is restored exactly (same ids, same stories) and
        its blocklist entries are dropped. Audit: "rejected" (and "restored")."""
        with self.store.session() as s:
            request_id, provisional = self._decide(s, key, actor, reason, "rejected")
            if provisional:
                return self._restore(request_id, actor, s=s)
            s.commit()
            req = self._request(s, request_id)
            return SuppressionReport(request_id, req.public_id, req.status)

    def ask_info(self, key: int | str, actor: str, reason: str) -> RequestView:
        """Ask the requester for more information (status needs_info; `reason` says what is missing). What was
        suppressed provisionally stays suppressed meanwhile."""
        reason = (reason or "").strip()
        if not reason:
            raise RemovalValidationError({"reason": "say what information is missing"})
        with self.store.session() as s:
            req = self._request(s, key)
            if req.status not in OPEN_STATUSES:
                raise InvalidTransition(f"request {req.id} is already {req.status}: no more information needed")
            req.status, req.decision_reason, req.decided_by = "needs_info", reason, actor
            self._audit(s, req.id, actor, "needs_info", {"reason": reason})
            s.commit()
            return self._view(s, req)

    # ---- suppression ---------------------------------------------------------------------------------

    def _resolve(self, s: Session, targets: list[RemovalTarget]) -> tuple[dict[int, set[int]], set[str],
                                                                              set[str]]:
        """Article ids per target, addresses to block (URLs as given and canonical), domains to block. An address
        finds the article stored under any spelling of its URL key."""
        found: dict[int, set[int]] = {}
        addresses: set[str] = set()
        domains: set[str] = set()
        for t in targets:
            ids: set[int] = set()
            if t.scope in ("article", "copies", "story") and "://" in t.value:
                keys = set(key_spellings(t.value))
                addresses |= {t.value, canonicalize_url(t.value)}
                ids = set(s.scalars(select(ArticleRow.id).where(
                    or_(ArticleRow.url.in_(keys), ArticleRow.canonical_url.in_(keys)))))
                if t.scope == "copies":
                    ids = self._copies_closure(s, ids)
                elif t.scope == "story":
                    stories = set(s.scalars(select(ArticleRow.story_id).where(ArticleRow.id.in_(ids)))) - {None}
                    ids |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.story_id.in_(stories))))
            elif t.scope == "story":
                ids = set(s.scalars(select(ArticleRow.id).where(ArticleRow.story_id == int(t.value))))
            elif t.scope == "domain":
                domains.add(t.value)
                ids = self._domain_articles(s, t.value)
            found[t.id] = ids
        return found, addresses, domains

    @staticmethod
    def _copies_closure(s: Session, seeds: set[int]) -> set[int]:
        """The articles and every article linked to them by duplicate_of, either way and transitively, and
        every exact copy (same content hash)."""
        seen, frontier = set(seeds), set(seeds)
        while frontier:
            new: set[int] = set()
            for chunk in _chunks(frontier):
                new |= {p for p in s.scalars(select(ArticleRow.duplicate_of).where(ArticleRow.id.in_(chunk))) if p}
                new |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.duplicate_of.in_(chunk))))
            hashes: set[str] = set()
            for chunk in _chunks(new | frontier):
                hashes |= set(s.scalars(select(ArticleRow.content_hash).where(ArticleRow.id.in_(chunk))))
            for i in range(0, len(hashes), CHUNK):
                part = sorted(hashes)[i:i + CHUNK]
                new |= set(s.scalars(select(ArticleRow.id).where(ArticleRow.content_hash.in_(part))))
            frontier = new - seen
            seen |= frontier
        return seen

    @staticmethod
    def _domain_articles(s: Session, domain: str) -> set[int]:
        # No column holds the domain: a LIKE narrows the scan, the registered domain decides.
        pattern_host, pattern_sub = f"%://{domain}%", f"%.{domain}%"
        rows = s.execute(select(ArticleRow.id, ArticleRow.url, ArticleRow.canonical_url).where(or_(
            ArticleRow.url.like(pattern_host), ArticleRow.url.like(pattern_sub),
            ArticleRow.canonical_url.like(pattern_host), ArticleRow.canonical_url.like(pattern_sub))))
        return {i for i, url, canon in rows if domain in (registered_domain(url), registered_domain(canon))}

    @staticmethod
    def _domain_sources(s: Session, domain: str) -> list[Source]:
        return [src for src in s.scalars(select(Source).order_by(Source.id))
                if domain in {registered_domain(src.url), registered_domain(src.site_url or src.url)}]

    def _block(self, s: Session, request_id: int, entries: list[tuple[str, str, bytes | None]]) -> int:
        """Add blocklist entries not present yet (the first request that blocked a value keeps it)."""
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

    def _suppress(self, request_id: int, actor: str, provisional: bool, s: Session | None = None) -> SuppressionReport:
        """Suppress what the request names and commit, in `s` (with what it holds already) or a session of its
        own."""
        started = time.perf_counter()
        with self._session(s) as s, self._secure_delete(s):
            report = self._suppress_in(s, request_id, actor, provisional)
            self._purge_search_index(s)
            s.commit()
        self.blocklist.invalidate()
        report.seconds = time.perf_counter() - started
        return report

    def _suppress_in(self, s: Session, request_id: int, actor: str, provisional: bool) -> SuppressionReport:
        req = self._request(s, request_id)
        targets = list(s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == req.id)
                                 .order_by(RemovalTarget.id)))
        found, addresses, domains = self._resolve(s, targets)
        now = utcnow()
        report = SuppressionReport(req.id, req.public_id, req.status)

        # Articles quarantined on receipt: an acceptance turns them into proof and drops their content.
        quarantined = list(s.scalars(select(QuarantineRow).where(QuarantineRow.request_id == req.id)))
        block: list[tuple[str, str, bytes | None]] = [("url", a, None) for a in addresses]
        block += [("domain", d, None) for d in domains]
        touched: set[int] = set()
        if not provisional:
            for q in quarantined:
                data = q.article
                s.add(RemovedItem(request_id=req.id, article_id=q.article_id, url=data["url"],
                                  canonical_url=data["canonical_url"], content_hash=data["content_hash"],
                                  story_id=q.story_id, removed_at=now))
                report.article_ids.append(q.article_id)
            if quarantined:
                s.execute(delete(QuarantineRow).where(QuarantineRow.request_id == req.id))
                # The stories were recomputed when the articles left; an emptied one now names the decision.
                touched |= {q.story_id for q in quarantined if q.story_id is not None}

        ids = set().union(*found.values()) if found else set()
        rows: list[ArticleRow] = []
        for chunk in _chunks(ids):
            rows += list(s.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk))))
        removed = {r.id for r in rows}
        parent = {r.id: r.duplicate_of for r in rows}
        # Copies that stay but pointed at a removed article get a new origin: the nearest remaining ancestor,
        # else the first of them becomes the original and the others its copies.
        repointed: dict[int, int | None] = {}
        orphans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for chunk in _chunks(removed):
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
        for chunk in _chunks(new_origin):
            old_parent.update(dict(s.execute(select(ArticleRow.id, ArticleRow.duplicate_of)
                                             .where(ArticleRow.id.in_(chunk))).all()))
        for cid, origin in new_origin.items():
            s.execute(update(ArticleRow).where(ArticleRow.id == cid).values(duplicate_of=origin))

        for r in rows:
            sig = r.minhash or (signature(r.text) if r.text else None)
            block += [("url", r.url, None), ("canonical", r.canonical_url, None),
                      ("content_hash", r.content_hash, None)]
            if sig:
                block.append(("signature", r.content_hash, sig))
            if provisional:
                data = _row_json(r)
                data["_copies"] = {str(c): old_parent.get(c) for c in new_origin if old_parent.get(c) == r.id}
                s.add(QuarantineRow(request_id=req.id, article_id=r.id, article=data, story_id=r.story_id))
            else:
                s.add(RemovedItem(request_id=req.id, article_id=r.id, url=r.url, canonical_url=r.canonical_url,
                                  content_hash=r.content_hash, story_id=r.story_id, removed_at=now))
            if r.story_id is not None:
                touched.add(r.story_id)
        for chunk in _chunks(removed):
            s.execute(delete(ArticleRow).where(ArticleRow.id.in_(chunk)))
        report.article_ids += sorted(removed)

        for domain in sorted(domains):
            for src in self._domain_sources(s, domain):
                if src.active:
                    src.active = False
                    report.sources_deactivated.append(src.id)
        for t in targets:
            t.resolved = sorted(set(t.resolved or []) | found.get(t.id, set()))
            if t.scope == "domain":
                t.sources = sorted(set(t.sources or []) | set(report.sources_deactivated))
        report.blocked = self._block(s, req.id, block)
        s.flush()
        for sid in sorted(touched):
            if self._recompute_story(s, sid, req.id):
                report.stories_emptied.append(sid)
        report.story_ids = sorted(touched)
        if provisional:
            req.provisional = True
        self._bump(s, CONTENT_VERSION)
        self._bump(s, BLOCKLIST_VERSION)
        self._audit(s, req.id, actor, "provisional_suppression" if provisional else "suppressed", {
            "article_ids": report.article_ids, "story_ids": report.story_ids,
            "stories_emptied": report.stories_emptied, "blocklist_entries": report.blocked,
            "domains": sorted(domains), "sources_deactivated": report.sources_deactivated,
        })
        report.status = req.status
        return report

    def _recompute_story(self, s: Session, story_id: int, request_id: int | None) -> bool:
        """Headline, brief, dates and counts from the remaining members only (so no sentence of a removed
        article survives). Returns True when the story is left empty (marked as removed by `request_id`)."""
        # the stages import the store: import late
        from newsdesk.analyze.stage import refresh_story_analysis
        from newsdesk.stories.engine import story_values

        members = members_in(s, story_id)
        # Entities and statements too (the removed articles' analyses went with their rows, by cascade).
        refresh_story_analysis(s, story_id, members)
        if members:
            s.execute(update(StoryRow).where(StoryRow.id == story_id)
                      .values(**story_values(members)))
            return False
        s.execute(update(StoryRow).where(StoryRow.id == story_id).values(
            headline=None, brief=[], article_count=0, sources_count=0, independent_sources_count=0,
            first_published=None, last_published=None, removal_request_id=request_id))
        return True

    def _restore(self, request_id: int, actor: str, s: Session | None = None) -> SuppressionReport:
        """Undo a provisional suppression: rows back with their ids, copies re-pointed back, blocklist entries
        and source deactivations of this request undone, stories recomputed; committed, in `s` (with what it holds
        already) or a session of its own."""
        started = time.perf_counter()
        with self._session(s) as s:
            req = self._request(s, request_id)
            report = SuppressionReport(req.id, req.public_id, req.status)
            quarantined = list(s.scalars(select(QuarantineRow).where(QuarantineRow.request_id == req.id)
                                         .order_by(QuarantineRow.article_id)))
            touched: set[int] = set()
            moved: dict[int, int] = {}
            # An article another, accepted request also names stays removed under that request: a rejection
            # only undoes what this request alone did. (The accepted one found nothing to remove, as this one
            # had set the article aside, and its blocklist entries were this one's.)
            claims = self._accepted_claims(s, req.id)
            kept: list[QuarantineRow] = []
            for q in quarantined:
                claimer = _claimed_by(q, claims)
                if claimer is None:
                    continue
                kept.append(q)
                data = q.article
                s.add(RemovedItem(request_id=claimer, article_id=q.article_id, url=data["url"],
                                  canonical_url=data["canonical_url"], content_hash=data["content_hash"],
                                  story_id=q.story_id, removed_at=utcnow()))
                values = [v for v in (data["url"], data["canonical_url"], data["content_hash"]) if v]
                s.execute(update(BlockEntry).where(BlockEntry.request_id == req.id, BlockEntry.value.in_(values))
                          .values(request_id=claimer))
                self._audit(s, claimer, actor, "kept_removed", {"article_id": q.article_id,
                                                                "rejected_request_id": req.id})
                if q.story_id is not None:
                    touched.add(q.story_id)
            quarantined = [q for q in quarantined if q not in kept]
            for q in quarantined:
                values = _row_from_json(q.article)
                if s.get(ArticleRow, values["id"]) is not None:
                    # Only a quarantine older than migration 0009 can find its id taken (SQLite then gave a
                    # removed article's id to the next one): the restored article takes a new id.
                    moved[values["id"]] = -1
                    values.pop("id")
                if values.get("story_id") is not None and s.get(StoryRow, values["story_id"]) is None:
                    values["story_id"] = None
                if values.get("source_id") is not None and s.get(Source, values["source_id"]) is None:
                    values["source_id"] = None  # the source was removed meanwhile (as its FK would have done)
                values["duplicate_of"] = None  # set below, once every restored row exists again
                row = ArticleRow(**values)
                s.add(row)
                s.flush()
                if q.article_id in moved:
                    moved[q.article_id] = row.id
                report.restored.append(row.id)
                if row.story_id is not None:
                    touched.add(row.story_id)
            for q in quarantined:
                new_id = moved.get(q.article_id, q.article_id)
                dup = q.article.get("duplicate_of")
                dup = moved.get(dup, dup) if dup is not None else None
                if dup is not None and s.get(ArticleRow, dup) is not None:
                    s.execute(update(ArticleRow).where(ArticleRow.id == new_id).values(duplicate_of=dup))
                for copy_id, _ in (q.article.get("_copies") or {}).items():
                    if s.get(ArticleRow, int(copy_id)) is not None:
                        s.execute(update(ArticleRow).where(ArticleRow.id == int(copy_id)).values(duplicate_of=new_id))
            s.execute(delete(QuarantineRow).where(QuarantineRow.request_id == req.id))
            # Addresses and domains an accepted request also names move to it; what only this one blocked goes.
            for entry in s.scalars(select(BlockEntry).where(BlockEntry.request_id == req.id,
                                                            BlockEntry.kind.in_(("url", "canonical", "domain")))):
                claimer = (claims["domains"].get(entry.value) if entry.kind == "domain"
                           else claims["urls"].get(url_key(entry.value)))
                if claimer is not None:
                    entry.request_id = claimer
            s.flush()
            s.execute(delete(BlockEntry).where(BlockEntry.request_id == req.id))
            for t in s.scalars(select(RemovalTarget).where(RemovalTarget.request_id == req.id)):
                for src_id in t.sources or []:
                    s.execute(update(Source).where(Source.id == src_id).values(active=True))
            s.flush()
            for sid in sorted(touched):
                self._recompute_story(s, sid, None)
            report.story_ids = sorted(touched)
            self._bump(s, CONTENT_VERSION)
            self._bump(s, BLOCKLIST_VERSION)
            self._audit(s, req.id, actor, "restored", {"article_ids": report.restored, "story_ids": report.story_ids,
                                                       "new_ids": {str(k): v for k, v in moved.items()}})
            s.commit()
        self.blocklist.invalidate()
        report.seconds = time.perf_counter() - started
        return report

    @staticmethod
    def _accepted_claims(s: Session, rejected_id: int) -> dict[str, dict[Any, int]]:
        """What accepted requests (other than `rejected_id`) name: addresses (by URL key), story ids and domains,
        each with the first request that names it."""
        claims: dict[str, dict[Any, int]] = {"urls": {}, "stories": {}, "domains": {}}
        rows = s.execute(select(RemovalTarget.scope, RemovalTarget.value, RemovalTarget.request_id)
                         .join(RemovalRequest, RemovalRequest.id == RemovalTarget.request_id)
                         .where(RemovalRequest.status == "accepted", RemovalRequest.id != rejected_id)
                         .order_by(RemovalTarget.id))
        for scope, value, request_id in rows:
            if scope == "domain":
                claims["domains"].setdefault(value, request_id)
            elif "://" in value:
                claims["urls"].setdefault(url_key(value), request_id)
            elif scope == "story" and value.isdigit():
                claims["stories"].setdefault(int(value), request_id)
        return claims

    # ---- engine specifics ----------------------------------------------------------------------------

    @contextmanager
    def _secure_delete(self, s: Session) -> Iterator[None]:
        """SQLite otherwise leaves deleted rows' bytes in free pages of the file until they are reused: on for
        the block, on the connection of `s`. Set through the driver's own connection, so that it is set back
        even after a failed write (a busy store), when the session refuses every statement until rolled back."""
        if self.store.engine.dialect.name != "sqlite":
            yield
            return
        raw = s.connection().connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA secure_delete = ON")
        try:
            yield
        finally:
            raw.execute("PRAGMA secure_delete = OFF")

    def _purge_search_index(self, s: Session) -> None:
        """A deleted row leaves its terms in older FTS5 segments (only marked deleted) until a merge: merge
        everything now, so that no term of the removed text stays in the index."""
        from newsdesk.store import search

        search.purge_deleted(s.connection())

    @staticmethod
    def _bump(s: Session, key: str) -> None:
        """A new random value (no read-modify-write race between processes); readers only compare it."""
        s.execute(update(Meta).where(Meta.key == key).values(value=secrets.token_hex(8)))

    @staticmethod
    def _audit(s: Session, request_id: int | None, actor: str, action: str, detail: dict[str, Any]) -> None:
        s.add(RemovalAudit(at=utcnow(), request_id=request_id, actor=actor, action=action, detail=detail))

    def log(self, action: str, detail: dict[str, Any], actor: str = "collector") -> None:
        """One audit entry outside a request (the collector's blocked_fetch / blocked_store)."""
        with self.store.session() as s:
            self._audit(s, None, actor, action, detail)
            s.commit()

    # ---- blocklist -----------------------------------------------------------------------------------

    def is_blocked(self, url: str | None = None, canonical: str | None = None, content_hash: str | None = None,
                   text: str | None = None) -> str | None:
        """Why this may not be fetched or stored (a sentence naming the blocked address, domain or content and
        the request), or None. URL and canonical URL are compared by URL key (every spelling of a removed address,
        its IP for its host name too: BlocklistIndex); a blocked domain blocks its subdomains; `content_hash` is
        repository.content_hash of the text; `text` is checked for near copies of removed articles (MinHash, as
        copy detection)."""
        return self.blocklist.check(url, canonical, content_hash, text)

    def domain_blocked(self, url_or_host: str) -> str | None:
        """Why sources on this site may not be added or fetched, or None."""
        return self.blocklist.domain_blocked(url_or_host)

    def source_blocked(self, url: str) -> str | None:
        """Why a source at this address may not be added or fetched (its site opted out, or the address itself
        was removed), or None."""
        return self.domain_blocked(url) or self.is_blocked(url=url)

    # ---- administrators ------------------------------------------------------------------------------

    def create_admin(self, name: str, password: str) -> int:
        """A new administrator; raises AdminError when the name is taken or malformed or the password is
        shorter than 10 characters."""
        name = (name or "").strip()
        if not auth.ADMIN_NAME.match(name):
            raise AdminError("an administrator name is 1-100 letters, digits, '.', '_', '-' or '@'")
        if len(password or "") < auth.MIN_PASSWORD:
            raise AdminError(f"the password must have at least {auth.MIN_PASSWORD} characters")
        with self.store.session() as s:
            if s.scalar(select(Admin.id).where(Admin.name == name)) is not None:
                raise AdminError(f"an administrator named {name!r} exists already")
            admin = Admin(name=name, password_hash=auth.hash_password(password), created_at=utcnow())
            s.add(admin)
            try:
                s.commit()
            except IntegrityError as exc:
                raise AdminError(f"an administrator named {name!r} exists already") from exc
            return admin.id

    def verify_admin(self, name: str, password: str) -> int | None:
        """The administrator's id when the password is right, else None (same cost for an unknown name)."""
        with self.store.session() as s:
            row = s.execute(select(Admin.id, Admin.password_hash).where(Admin.name == (name or "").strip())).first()
        ok = auth.verify_password(password or "", row[1] if row else auth.DUMMY_HASH)
        return row[0] if row and ok else None

    def start_session(self, admin_id: int) -> tuple[str, str]:
        """(token, csrf token) of a new session lasting `admin_session_minutes`; only the token's hash is
        stored. Expired sessions are cleared on the way."""
        token, csrf = auth.new_token(), auth.new_token()
        now = utcnow()
        with self.store.session() as s:
            s.execute(delete(AdminSession).where(AdminSession.expires_at <= now))
            s.add(AdminSession(token_hash=auth.token_hash(token), admin_id=admin_id, csrf_token=csrf, created_at=now,
                               expires_at=now + timedelta(minutes=self.settings.admin_session_minutes)))
            s.commit()
        return token, csrf

    def session(self, token: str | None) -> AdminSessionView | None:
        """The live session of this token, or None (unknown, ended or expired)."""
        if not token:
            return None
        with self.store.session() as s:
            row = s.execute(select(AdminSession, Admin.name).join(Admin, Admin.id == AdminSession.admin_id)
                            .where(AdminSession.token_hash == auth.token_hash(token))).first()
        if row is None or row[0].expires_at <= utcnow():
            return None
        sess, name = row
        return AdminSessionView(admin_id=sess.admin_id, name=name, csrf_token=sess.csrf_token,
                                expires_at=sess.expires_at)

    def check_csrf(self, token: str | None, csrf: str | None) -> bool:
        """Whether `csrf` is the CSRF token of the live session `token` (constant-time comparison)."""
        sess = self.session(token)
        return bool(sess and csrf) and hmac.compare_digest(sess.csrf_token.encode(), (csrf or "").encode())

    def end_session(self, token: str | None) -> None:
        if not token:
            return
        with self.store.session() as s:
            s.execute(delete(AdminSession).where(AdminSession.token_hash == auth.token_hash(token)))
            s.commit()

    # ---- transparency --------------------------------------------------------------------------------

    def transparency_report(self) -> dict[str, Any]:
        """Counts only: requests by month, reason, scope and outcome, articles removed, domains opted out,
        fetches and stores refused. No name, email, address or URL of anyone."""
        with self.store.session() as s:
            reqs = s.execute(select(RemovalRequest.id, RemovalRequest.received_at, RemovalRequest.reason,
                                    RemovalRequest.status)).all()
            scopes = s.execute(select(RemovalTarget.request_id, RemovalTarget.scope)).all()
            removed = s.scalar(select(func.count()).select_from(RemovedItem)) or 0
            domains = s.scalar(select(func.count()).select_from(BlockEntry).where(BlockEntry.kind == "domain")) or 0
            refused = dict(s.execute(select(RemovalAudit.action, func.count()).where(
                RemovalAudit.action.in_(("blocked_fetch", "blocked_store"))).group_by(RemovalAudit.action)).all())
        status_of = {i: st for i, _, _, st in reqs}

        def outcome(status: str) -> str:
            return "pending" if status == "received" else status

        by_month: dict[str, dict[str, Any]] = {}
        by_reason: dict[str, Counter] = defaultdict(Counter)
        for _, at, reason, status in reqs:
            month = by_month.setdefault(at.strftime("%Y-%m"), {"received": 0, "by_reason": Counter(),
                                                                "by_outcome": Counter()})
            month["received"] += 1
            month["by_reason"][reason] += 1
            month["by_outcome"][outcome(status)] += 1
            by_reason[reason][outcome(status)] += 1
        by_scope: dict[str, Counter] = defaultdict(Counter)
        for rid, scope in scopes:
            by_scope[scope][outcome(status_of.get(rid, "received"))] += 1
        return {
            "generated_at": utcnow().isoformat(),
            "requests": len(reqs),
            "by_outcome": dict(Counter(outcome(st) for *_, st in reqs)),
            "by_reason": {k: dict(v) for k, v in sorted(by_reason.items())},
            "by_scope": {k: dict(v) for k, v in sorted(by_scope.items())},
            "by_month": {m: {"received": v["received"], "by_reason": dict(v["by_reason"]),
                             "by_outcome": dict(v["by_outcome"])} for m, v in sorted(by_month.items())},
            "articles_removed": removed,
            "domains_opted_out": domains,
            "fetches_refused": refused.get("blocked_fetch", 0),
            "stores_refused": refused.get("blocked_store", 0),
        }


def _claimed_by(q: QuarantineRow, claims: dict[str, dict[Any, int]]) -> int | None:
    """The accepted request that also names this set-aside article, or None."""
    data = q.article
    for key in (data.get("url"), data.get("canonical_url")):
        if key and url_key(key) in claims["urls"]:
            return claims["urls"][url_key(key)]
    if q.story_id is not None and q.story_id in claims["stories"]:
        return claims["stories"][q.story_id]
    for key in (data.get("url"), data.get("canonical_url")):
        if key and registered_domain(key) in claims["domains"]:
            return claims["domains"][registered_domain(key)]
    return None

