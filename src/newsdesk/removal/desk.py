"""The removal desk: the one door to removals that web pages, the API, the CLI and the collector use.

Each job has its own module: intake, decisions and the audit log (ledger), taking content out and putting it
back (suppression), the blocklist, administrators (admins), the transparency report (report) and the mail to
requesters (mail); their rows
are read and written by newsdesk.store.removals. This class only puts them together.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from newsdesk.config import Settings
from newsdesk.removal.admins import Administrators
from newsdesk.removal.blocklist import BlocklistIndex
from newsdesk.removal.ledger import RequestLedger
from newsdesk.removal.mail import Outbox
from newsdesk.removal.models import Receipt, RemovalSubmission, SuppressionReport
from newsdesk.removal.report import transparency_report
from newsdesk.removal.suppression import Suppressor
from newsdesk.store import Store
from newsdesk.store.removals import AdminSessionView, AuditEntry, RequestView


class RemovalDesk:
    """Every removal operation. One per process is enough; safe to share between threads. Each public
    method is one transaction and writes the audit log in it."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.blocklist = BlocklistIndex(store)
        self.requests = RequestLedger(store, settings, Suppressor(store, self.blocklist))
        self.admins = Administrators(store, settings)
        self.mail = Outbox(store, settings)  # MailSettingsError here for a wrong smtp_* setting

    # ---- requests and decisions (RequestLedger) ------------------------------------------------------

    @property
    def secret_key(self) -> str:
        return self.requests.secret_key

    def client_hash(self, client: str) -> str:
        return self.requests.client_hash(client)

    def submit(self, submission: RemovalSubmission, client: str) -> Receipt:
        receipt = self.requests.submit(submission, client)
        self.mail.kick()  # the acknowledgement, in the background: the request is stored whatever mail does
        return receipt

    def unknown_stories(self, ids: Iterable[int], s: Session | None = None) -> list[int]:
        return self.requests.unknown_stories(ids, s)

    def get(self, key: int | str) -> RequestView | None:
        return self.requests.get(key)

    def list(self, status: str | None = None, limit: int = 200, offset: int = 0) -> list[RequestView]:
        return self.requests.list(status, limit, offset)

    def audit(self, key: int | str | None = None, limit: int = 200) -> list[AuditEntry]:
        return self.requests.audit(key, limit)

    def preview(self, key: int | str) -> list[list[int]]:
        return self.requests.preview(key)

    def story_removal(self, story_id: int) -> int | None:
        return self.requests.story_removal(story_id)

    def accept(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        report = self.requests.accept(key, actor, reason)
        self.mail.kick()  # the decision (and any mail still due) goes out in the background
        return report

    def reject(self, key: int | str, actor: str, reason: str) -> SuppressionReport:
        report = self.requests.reject(key, actor, reason)
        self.mail.kick()
        return report

    def ask_info(self, key: int | str, actor: str, reason: str) -> RequestView:
        view = self.requests.ask_info(key, actor, reason)
        self.mail.kick()
        return view

    def log(self, action: str, detail: dict[str, Any], actor: str = "collector") -> None:
        self.requests.log(action, detail, actor)

    @property
    def mail_configured(self) -> bool:
        """Whether requesters are sent mail (an SMTP server is set); without it, only their status page tells."""
        return self.mail.configured

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

    # ---- administrators (Administrators) -------------------------------------------------------------

    def create_admin(self, name: str, password: str) -> int:
        return self.admins.create_admin(name, password)

    def verify_admin(self, name: str, password: str) -> int | None:
        return self.admins.verify_admin(name, password)

    def start_session(self, admin_id: int) -> tuple[str, str]:
        return self.admins.start_session(admin_id)

    def session(self, token: str | None) -> AdminSessionView | None:
        return self.admins.session(token)

    def check_csrf(self, token: str | None, csrf: str | None) -> bool:
        return self.admins.check_csrf(token, csrf)

    def end_session(self, token: str | None) -> None:
        self.admins.end_session(token)

    # ---- transparency --------------------------------------------------------------------------------

    def transparency_report(self) -> dict[str, Any]:
        return transparency_report(self.store)
