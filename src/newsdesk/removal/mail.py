"""Mail to removal requesters: an acknowledgement when a request is received, then its decision (or the question
of a reviewer who needs more information), through the SMTP server the settings name (`smtp_*`).

Mail never holds up nor fails a request or a decision. Their transaction only marks the news to be told
(`store.removals.queue_mail`); after it commits, `Outbox.kick` sends in a thread of its own, each message within
`smtp_timeout`. A send that fails is kept on the request as failed with its reason (shown to the admins; the
requester's status page says only that the mail could not be sent), and tried again after a growing wait,
`MAIL_ATTEMPTS` times in all, by any process that kicks the outbox: the service every minute
(`Outbox.start_retrying`), any later request or decision. Newer news replaces older news not yet told.

Everything the requester typed is hostile, and anyone may type anyone's address: the message is plain text, and
holds nothing the requester typed (no name, no addresses: only the reference, the status page's link, counts and
the reviewer's words), so the form cannot make this site send chosen text or links to a stranger; the one
recipient is the address stored with the request, and nothing of the request but its letters-and-digits
reference goes in a header.
"""

from __future__ import annotations

import logging
import re
import smtplib
import socket
import ssl
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from urllib.parse import urlsplit

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal.models import RemovalError
from newsdesk.store import Store, removals
from newsdesk.store.removals import RequestView

log = logging.getLogger("newsdesk.removal.mail")

TLS_MODES = ("none", "starttls", "ssl")
MAIL_ATTEMPTS = 6  # then the mail stays failed, with its reason, for the admins to see
RETRY_FIRST = 60.0  # seconds before the second attempt; each wait after is five times the one before
RETRY_FACTOR = 5  # 1 min, 5 min, 25 min, about 2 h and 10 h: a server down for half a day loses nothing
RETRY_EVERY = 60.0  # seconds between two looks for due mail in the service
MAX_REASON = 5000

_SPACE = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def mail_configured(settings: Settings) -> bool:
    """Whether mail is sent to requesters at all (an SMTP server is set)."""
    return bool(settings.smtp_host.strip())


class MailSettingsError(RemovalError, ValueError):
    """An `smtp_*` setting that cannot work; the message names it."""

    reason = "mail_settings"


class PermanentFailure(RemovalError):
    """A send that trying again cannot mend (an address the server refuses for good, a message that cannot be
    written): recorded as failed without a retry."""

    reason = "mail_refused"


@dataclass(frozen=True)
class SmtpServer:
    """The `smtp_*` settings, checked: a mistyped one stops the service when it starts, not at the first mail."""

    host: str
    port: int
    tls: str
    user: str
    password: str
    sender: Address
    timeout: float

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpServer | None:
        """The server, or None when `smtp_host` is empty; MailSettingsError naming the setting that is wrong."""
        if not mail_configured(settings):
            return None
        tls = settings.smtp_tls.strip().lower()
        if tls not in TLS_MODES:
            raise MailSettingsError(f"smtp_tls is {settings.smtp_tls!r}: it must be one of {', '.join(TLS_MODES)}")
        if not 0 < settings.smtp_port < 65536:
            raise MailSettingsError(f"smtp_port is {settings.smtp_port}: it must be a port number (1-65535)")
        if not settings.smtp_timeout > 0:
            raise MailSettingsError(f"smtp_timeout is {settings.smtp_timeout}: it must be a number of seconds above 0")
        return cls(host=settings.smtp_host.strip(), port=settings.smtp_port, tls=tls, user=settings.smtp_user,
                   password=settings.smtp_password, sender=sender_address(settings.smtp_sender),
                   timeout=float(settings.smtp_timeout))


def sender_address(value: str) -> Address:
    """The `smtp_sender` setting ("removals@example.org" or "newsdesk <removals@example.org>") as an address,
    or MailSettingsError."""
    if not value.strip():
        raise MailSettingsError("smtp_sender is empty: set the From address of the mail to requesters "
                         "(e.g. removals@news.example.org) or leave smtp_host empty to send none")
    found = getaddresses([value]) if not re.search(r"[\r\n]", value) else []
    if len(found) != 1 or "@" not in found[0][1]:
        raise MailSettingsError(f"smtp_sender is {value!r}: it must be one address, e.g. removals@news.example.org")
    name, addr = found[0]
    user, _, domain = addr.rpartition("@")
    try:
        return Address(display_name=name, username=user, domain=domain)
    except (ValueError, IndexError) as exc:  # headerregistry refuses what cannot be a header
        raise MailSettingsError(f"smtp_sender is {value!r}: {exc}") from exc


# ---- the message --------------------------------------------------------------------------------------


def one_line(text: str | None, most: int = 200) -> str:
    """Hostile text on one line: every run of spaces, line breaks and control characters is one space."""
    flat = _SPACE.sub(" ", text or "").strip()
    return flat if len(flat) <= most else flat[:most - 1] + "…"


WIDTH = 72  # lines of the message, as mail is read (and no quoted-printable breaks in an ASCII one)


def _paragraph(text: str) -> str:
    return textwrap.fill(text, WIDTH, break_long_words=False, break_on_hyphens=False)


def _quoted_block(text: str) -> str:
    """A reviewer's reason, its lines kept, wrapped and indented (control characters gone)."""
    lines = (text or "")[:MAX_REASON].splitlines() or [""]
    return "\n".join(textwrap.fill(one_line(line, MAX_REASON), WIDTH, initial_indent="    ",
                                   subsequent_indent="    ", break_long_words=False, break_on_hyphens=False)
                     for line in lines)


# Each news: the subject's words, what the mail says before the reviewer's words, and after them.
_NEWS = {
    "received": ("was received", "We received your request to remove content from {site} on {when}. A person "
                 "reviews each request; we write to you again at this address when it is decided.", None),
    "needs_info": ("needs more information", "To decide on your request we need more information. What the "
                   "reviewer asks:", "Please send a new request that quotes your reference and gives it."),
    "accepted": ("was accepted", "Your request was accepted: what it names was removed from {site} (its pages, "
                 "feeds, API and search) and is not collected again. The reviewer's reason:", None),
    "rejected": ("was rejected", "Your request was rejected; nothing was removed. The reviewer's reason:", None),
}


# Targets in the mail are counted, never quoted (the requester chose them): "2 article addresses, 1 story".
_TARGET_WORDS = {"article": ("article address", "article addresses"),
                 "copies": ("article address with its copies", "article addresses with their copies"),
                 "story": ("story", "stories"), "domain": ("domain", "domains")}


def status_link(settings: Settings, public_id: str) -> str:
    """The status page of a request. Only from the `public_url` setting: a request's Host header is the
    sender's to choose, and must never become a link in mail."""
    base = settings.public_url.strip().rstrip("/")
    path = f"/removal/requests/{public_id}"
    return f"{base}{path}" if base else f"{path} on the site where you sent the request"


def site_name(settings: Settings) -> str:
    base = settings.public_url.strip()
    return (urlsplit(base).hostname if base else None) or "newsdesk"


def compose(view: RequestView, settings: Settings, sender: Address) -> EmailMessage:
    """The plain-text message that tells the requester of `view` the news in `view.mail` (PermanentFailure
    when the stored address cannot be a recipient)."""
    assert view.mail is not None
    about = view.mail.about
    subject_words, text, after_text = _NEWS.get(about, _NEWS["received"])
    site = site_name(settings)
    named = ", ".join(f"{n} {_TARGET_WORDS.get(scope, (scope, scope))[n != 1]}"
                      for scope, n in Counter(t.scope for t in view.targets).items()) or "nothing"
    lead, after = (part.format(site=site, when=view.received_at.strftime("%Y-%m-%d %H:%M UTC")) if part else part
                   for part in (text, after_text))
    paragraphs = [
        "Hello,",
        _paragraph(lead),
        *([_quoted_block(view.decision_reason or "")] if about != "received" else []),
        *([_paragraph(after)] if after else []),
        f"Your reference: {view.public_id}\nIts status page, the only way to follow the request:\n"
        f"{status_link(settings, view.public_id)}",
        _paragraph(f"The request names {named} (listed on the status page)."),
        "-- \n" + _paragraph(f"You receive this message because this address was given in a removal request on "
                             f"{site}. If you did not send it, you can ignore this message."),
    ]
    body = "\n\n".join(paragraphs) + "\n"
    msg = EmailMessage()
    try:
        user, _, domain = view.email.rpartition("@")
        if _SPACE.search(view.email):
            raise ValueError("an address with spaces or line breaks")
        msg["To"] = Address(username=user, domain=domain)
    except (ValueError, IndexError) as exc:
        raise PermanentFailure(f"the requester's address cannot be written as a recipient: {exc}") from exc
    msg["From"] = sender
    # The public id is letters and digits only (ledger.new_public_id): the one piece of the request in a header.
    msg["Subject"] = f"Your removal request {view.public_id} {subject_words}"
    msg["Date"] = format_datetime(utcnow())
    msg["Message-ID"] = make_msgid(domain=sender.domain or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, no loops
    msg.set_content(body, subtype="plain", charset="utf-8")
    return msg


# ---- sending ------------------------------------------------------------------------------------------


def deliver(server: SmtpServer, msg: EmailMessage) -> None:
    """Send `msg` to its To address only, within `server.timeout` seconds in all: each step gets what is left
    of it, and a watchdog shuts the connection at the end of it (a server that drips its answers byte by byte
    cannot hold a step). Raises smtplib's errors, OSError, ssl.SSLError, TimeoutError, PermanentFailure."""
    deadline = time.monotonic() + server.timeout

    def left() -> float:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no answer within {server.timeout:g} s (smtp_timeout)")
        return remaining

    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(context=context, timeout=left()) if server.tls == "ssl"
            else smtplib.SMTP(timeout=left()))
    watchdog = threading.Timer(server.timeout, _cut, args=(smtp,))
    watchdog.daemon = True
    watchdog.start()
    try:
        def step() -> None:
            if smtp.sock is not None:
                smtp.sock.settimeout(left())

        smtp.timeout = left()
        # The name TLS checks the certificate against: smtplib takes it only from its constructor, which would
        # connect before the watchdog is armed.
        smtp._host = server.host
        smtp.connect(server.host, server.port)
        step()
        smtp.ehlo()
        if server.tls == "starttls":
            step()
            smtp.starttls(context=context)  # SMTPNotSupportedError when the server cannot: never sent in clear
            step()
            smtp.ehlo()
        if server.user:
            step()
            smtp.login(server.user, server.password)
        step()
        refused = smtp.send_message(msg, from_addr=server.sender.addr_spec, to_addrs=[msg["To"].addresses[0]
                                                                                      .addr_spec])
        if refused:  # cannot happen with one recipient (smtplib raises), kept for certainty
            raise PermanentFailure(f"the server refused the address: {refused}")
        try:
            step()
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            pass  # the message was taken: a lost goodbye changes nothing
    except (smtplib.SMTPException, OSError) as exc:
        if time.monotonic() >= deadline:
            raise TimeoutError(f"no answer within {server.timeout:g} s (smtp_timeout)") from exc
        raise
    finally:
        watchdog.cancel()
        smtp.close()


def _cut(smtp: smtplib.SMTP) -> None:
    sock = smtp.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked read at once (a close alone may not)
        except OSError:
            pass


def failure_reason(exc: BaseException, server: SmtpServer) -> tuple[str, bool]:
    """What went wrong in words for the admins, and whether trying again may mend it."""
    where = f"{server.host}:{server.port}"
    if isinstance(exc, PermanentFailure):
        return str(exc), False
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        answer = "; ".join(f"{code} {_text(message)}" for code, message in exc.recipients.values())
        return f"{where} refused the requester's address: {answer}", any(code < 500 for code in codes)
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"{where} refused the login of {server.user!r}: {exc.smtp_code} {_text(exc.smtp_error)}", True
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{where}: {exc} (smtp_tls is {server.tls})", True
    if isinstance(exc, smtplib.SMTPResponseException):  # the sender or the message refused: the admins may mend it
        return f"{where} answered {exc.smtp_code} {_text(exc.smtp_error)}", True
    if isinstance(exc, TimeoutError):
        return f"{where}: {exc}", True
    if isinstance(exc, ssl.SSLError):
        return f"TLS with {where} failed: {exc}", True
    if isinstance(exc, OSError):
        return f"could not reach {where}: {exc.strerror or exc}", True
    return f"{where}: {type(exc).__name__}: {exc}", True


def _text(value: bytes | str) -> str:
    return one_line(value.decode("utf-8", "replace") if isinstance(value, bytes) else value, 300)


def retry_after(attempts: int) -> float | None:
    """Seconds to wait after the `attempts`-th failed attempt, or None when it was the last."""
    return None if attempts >= MAIL_ATTEMPTS else RETRY_FIRST * RETRY_FACTOR ** (attempts - 1)


# ---- the outbox ---------------------------------------------------------------------------------------


class Outbox:
    """Sends the mail that is due, in a thread of its own, one message at a time per process; processes share
    the work through the store (a message is claimed before it is sent: two never send it both)."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.server = SmtpServer.from_settings(settings)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._again = False

    @property
    def configured(self) -> bool:
        return self.server is not None

    def kick(self) -> None:
        """Send what is due now, in the background; never raises, never waits. A process ends only after that
        thread (a command-line decision's mail goes out before the command returns, within smtp_timeout)."""
        if self.server is None:
            return
        try:
            with self._lock:
                self._again = True
                if self._thread is None:
                    self._thread = threading.Thread(target=self._drain, name="removal-mail")
                    self._thread.start()
        except Exception:  # e.g. no thread can be started: the mail stays due for the next kick
            log.exception("removal mail: could not start sending")
            with self._lock:
                self._thread = None

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._again:
                    self._thread = None
                    return
                self._again = False
            try:
                self.send_due()
            except Exception:  # the store busy or gone: what is due stays due
                log.exception("removal mail: sending what is due failed")

    def wait(self, timeout: float = 60.0) -> bool:
        """Wait until the background sending is over (tests, shutdown); False if it still runs at `timeout`."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return True
            thread.join(max(0.0, end - time.monotonic()))
            if thread.is_alive():
                return False

    def start_retrying(self, every: float = RETRY_EVERY) -> threading.Event:
        """Look for due mail now and every `every` seconds (the service: failed mail is tried again even when no
        request comes); set the returned event to stop."""
        stop = threading.Event()
        if self.server is None:
            return stop

        def loop() -> None:
            self.kick()
            while not stop.wait(every):
                self.kick()

        threading.Thread(target=loop, name="removal-mail-retry", daemon=True).start()
        return stop

    def send_due(self, now: datetime | None = None) -> dict[int, str | None]:
        """Send every mail due at `now` (default: now), here and now; {request id: None when sent, else why
        not} for those this call attempted."""
        if self.server is None:
            return {}
        now = now or utcnow()
        outcomes: dict[int, str | None] = {}
        for request_id in removals.due_mail(self.store, now):
            claimed = removals.claim_mail(self.store, request_id, now,
                                          now + timedelta(seconds=self.server.timeout + 60))
            if claimed is not None:
                outcomes[request_id] = self._attempt(claimed, now)
        return outcomes

    def _attempt(self, claimed: RequestView, now: datetime) -> str | None:
        assert self.server is not None and claimed.mail is not None
        try:
            deliver(self.server, compose(claimed, self.settings, self.server.sender))
        except Exception as exc:  # every failure is recorded, whatever it is; none escapes to the request
            reason, transient = failure_reason(exc, self.server)
            wait = retry_after(claimed.mail.attempts) if transient else None
            next_at = now + timedelta(seconds=wait) if wait is not None else None
            removals.record_mail(self.store, claimed, reason, next_at)
            log.warning("removal request %s: the %s mail was not sent (attempt %d, %s): %s", claimed.id,
                        claimed.mail.about, claimed.mail.attempts,
                        f"again at {next_at:%Y-%m-%d %H:%M} UTC" if next_at else "no more attempts", reason)
            return reason
        removals.record_mail(self.store, claimed, None, None)
        log.info("removal request %s: the %s mail was sent", claimed.id, claimed.mail.about)
        return None
