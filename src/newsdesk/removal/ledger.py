"""Requests in, and their record: intake (rate limit, validation, receipt), the decisions on them, the audit log."""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import string
import threading
from collections import Counter
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal.mail import mail_configured
from newsdesk.removal.models import (
    OPEN_STATUSES,
    STATUSES,
    InvalidTransition,
    RateLimited,
    Receipt,
    RemovalSubmission,
    RemovalValidationError,
    SuppressionReport,
    validate,
)
from newsdesk.removal.suppression import Suppressor, request_in
from newsdesk.store import Store, removals
from newsdesk.store.locks import begin_locked
from newsdesk.store.removals import AuditEntry, RequestView, Target
from newsdesk.urls import registered_domain

_PUBLIC_ID_ALPHABET = string.ascii_letters + string.digits


def new_public_id() -> str:
    """22 letters and digits (130 bits): unguessable, and safe to paste anywhere (token_urlsafe's leading '-'
    reads as an option on a command line)."""
    return "".join(secrets.choice(_PUBLIC_ID_ALPHABET) for _ in range(22))


def targets_of(sub: RemovalSubmission) -> list[Target]:
    """What a (validated) submission names: its URLs read with its scope, its stories, its domain."""
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


class RequestLedger:
    """Requests and decisions; each public method is one transaction and writes the audit log in it."""

    def __init__(self, store: Store, settings: Settings, suppressor: Suppressor) -> None:
        self.store = store
        self.settings = settings
        self.suppressor = suppressor
        self._secret: str | None = settings.secret_key or None
        self._lock = threading.Lock()

    # ---- requesters ----------------------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        """The `secret_key` setting, else a random key generated once and kept in `meta` (shared)."""
        if self._secret is None:
            with self._lock, self.store.session() as s:
                self._secret = removals.shared_secret(s)
        return self._secret

    def client_hash(self, client: str) -> str:
        """Requesters' addresses are never stored: only this keyed hash, enough to count their requests."""
        return hmac.new(self.secret_key.encode(), client.encode("utf-8", "replace"), hashlib.sha256).hexdigest()

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
        targets = targets_of(clean)
        with self.store.session() as s:
            begin_locked(s, digest)
            now = self._within_rate(s, digest)
            missing = self.unknown_stories(clean.story_ids, s)
            if missing:
                raise RemovalValidationError({"story_ids": "no story with id " + ", ".join(map(str, missing))})
            public_id = new_public_id()
            request_id = removals.add_request(
                s, public_id=public_id, name=clean.name, email=clean.email, relationship=clean.relationship,
                reason=clean.reason, details=clean.details, received_at=now, client_hash=digest, targets=targets)
            removals.add_audit(s, request_id, "requester", "received", {
                "reason": clean.reason, "relationship": clean.relationship,
                "targets": dict(Counter(t.scope for t in targets)),
            })
            self._tell_requester(s, request_id, "received")
            provisional = self.settings.removal_provisional
            if provisional:
                self.suppressor.suppress(s, request_id, actor="system", provisional=True)  # commits
            else:
                s.commit()
        return Receipt(public_id=public_id, status="received", received_at=now, provisional=provisional)

    def _within_rate(self, s: Session, digest: str) -> datetime:
        """The time now, or RateLimited when the client `digest` made `removal_rate_limit` requests within the
        window."""
        now = utcnow()
        window = timedelta(seconds=self.settings.removal_rate_window)
        count, oldest = removals.recent_requests(s, digest, now - window)
        if count >= self.settings.removal_rate_limit:
            wait = (oldest + window - now).total_seconds() if oldest else window.total_seconds()
            raise RateLimited(max(1, math.ceil(wait)))
        return now

    def unknown_stories(self, ids: Iterable[int], s: Session | None = None) -> list[int]:
        """The ids among `ids` that name no story, looked up in `s` (else in a session of its own)."""
        ids = list(ids)
        if not ids:
            return []
        if s is None:
            with self.store.session() as own:
                return removals.unknown_stories(own, ids)
        return removals.unknown_stories(s, ids)

    # ---- the record ----------------------------------------------------------------------------------

    def get(self, key: int | str) -> RequestView | None:
        """One request by its id (int) or its public id (the requester's receipt), or None."""
        with self.store.session() as s:
            return removals.find_request(s, key)

    def list(self, status: str | None = None, limit: int = 200, offset: int = 0) -> list[RequestView]:
        """Requests, newest first; `status` one of received, needs_info, accepted, rejected (or all)."""
        if status is not None and status not in STATUSES:
            raise RemovalValidationError({"status": f"must be one of {', '.join(STATUSES)}"})
        with self.store.session() as s:
            return removals.list_requests(s, status, limit, offset)

    def audit(self, key: int | str | None = None, limit: int = 200) -> list[AuditEntry]:
        """Audit entries, newest first; of one request when `key` is given."""
        with self.store.session() as s:
            request_id = request_in(s, key, with_targets=False).id if key is not None else None
            return removals.audit_entries(s, request_id, limit)

    def preview(self, key: int | str) -> list[list[int]]:
        """Read-only: the article ids each target of the request names now, in target order (what accepting
        it would remove), so that a reviewer sees the consequence before deciding. Raises UnknownRequest."""
        with self.store.session() as s:
            targets = request_in(s, key).targets
            found, _, _ = self.suppressor.resolve(s, targets)
            return [sorted(found.get(t.id, set())) for t in targets]

    def story_removal(self, story_id: int) -> int | None:
        """The id of the request that removed every article of this story, or None (the story's notice)."""
        with self.store.session() as s:
            return removals.story_removal(s, story_id)

    def log(self, action: str, detail: dict[str, Any], actor: str = "collector") -> None:
        """One audit entry outside a request (the collector's blocked_fetch / blocked_store)."""
        removals.log(self.store, action, detail, actor)

    # ---- decisions -----------------------------------------------------------------------------------

    def _decide(self, s: Session, key: int | str, actor: str, reason: str, status: str) -> RequestView:
        """The decision, written in `s` and committed with what it does (suppression, restoring): a busy store
        refuses both or neither."""
        reason = (reason or "").strip()
        if not reason:
            raise RemovalValidationError({"reason": "give the reason for this decision (it is kept and shown "
                                                    "to the requester)"})
        # PostgreSQL: a second decision at once waits for the row, then finds this one
        req = request_in(s, key, with_targets=False, lock=True)
        if req.status not in OPEN_STATUSES:
            raise InvalidTransition(f"request {req.id} is already {req.status}: it cannot be {status} now")
        removals.set_status(s, req.id, status, reason, actor, decided_at=utcnow())
        removals.add_audit(s, req.id, actor, status, {"reason": reason})
        self._tell_requester(s, req.id, status)
        return req

    def _tell_requester(self, s: Session, request_id: int, news: str) -> None:
        """With an SMTP server set, the requester is to be told `news` (sent by newsdesk.removal.mail once this
        transaction commits: a mail never goes out about something that was not stored)."""
        if mail_configured(self.settings):
            removals.queue_mail(s, request_id, news, utcnow())

    def accept(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        """Accept a request and suppress what it names, at once and for good: resolve its targets to articles,
        keep the proof (`removed_items`), block the addresses, hashes, MinHash signatures (and domains), delete
        the rows (and purge them from the search index), recompute the stories. Audit: "accepted",
        "suppressed". Raises UnknownRequest, InvalidTransition (decided already), RemovalValidationError
        (no reason)."""
        with self.store.session() as s:
            req = self._decide(s, key, actor, reason, "accepted")
            return self.suppressor.suppress(s, req.id, actor=actor, provisional=False)

    def reject(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        """Reject a request; what it suppressed provisionally is restored exactly (same ids, same stories) and
        its blocklist entries are dropped. Audit: "rejected" (and "restored")."""
        with self.store.session() as s:
            req = self._decide(s, key, actor, reason, "rejected")
            if req.provisional:
                return self.suppressor.restore(s, req.id, actor)
            s.commit()
            return SuppressionReport(req.id, req.public_id, "rejected")

    def ask_info(self, key: int | str, actor: str, reason: str) -> RequestView:
        """Ask the requester for more information (status needs_info; `reason` says what is missing). What was
        suppressed provisionally stays suppressed meanwhile."""
        reason = (reason or "").strip()
        if not reason:
            raise RemovalValidationError({"reason": "say what information is missing"})
        with self.store.session() as s:
            req = request_in(s, key, with_targets=False)
            if req.status not in OPEN_STATUSES:
                raise InvalidTransition(f"request {req.id} is already {req.status}: no more information needed")
            removals.set_status(s, req.id, "needs_info", reason, actor)
            removals.add_audit(s, req.id, actor, "needs_info", {"reason": reason})
            self._tell_requester(s, req.id, "needs_info")
            s.commit()
            view = removals.find_request(s, req.id)
            assert view is not None
            return view

