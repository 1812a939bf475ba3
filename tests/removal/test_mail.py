"""Mail to removal requesters, round trip through a real SMTP server these tests start (aiosmtpd): the
acknowledgement and the decision, hostile names, a server that is down then up, one that never answers,
STARTTLS with a login, implicit TLS, and no mail at all without an SMTP server."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from removal_helpers import submission
from smtpserver import body_of, free_port, start_smtp
from sqlalchemy import update

from newsdesk.config import Settings
from newsdesk.keys import utcnow
from newsdesk.removal import RemovalDesk
from newsdesk.removal.mail import MAIL_ATTEMPTS, SmtpServer, retry_after
from newsdesk.store.schema import RemovalRequest

pytestmark = pytest.mark.both_engines


@pytest.fixture
def smtp():
    controller, inbox = start_smtp(free_port())
    yield controller, inbox
    controller.stop()


def mail_settings(settings: Settings, port: int, **overrides) -> Settings:
    values = dict(smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none", smtp_timeout=5.0,
                  smtp_sender="newsdesk <removals@news.example.org>", public_url="https://news.example.org")
    return replace(settings, **(values | overrides))


def test_acknowledgement_and_decision_reach_the_requester_as_plain_text(store, settings, smtp):
    controller, inbox = smtp
    desk = RemovalDesk(store, mail_settings(settings, controller.port))
    receipt = desk.submit(submission(urls=["https://paper.example/a"]), client="198.51.100.1")
    assert desk.mail.wait(10)
    assert len(inbox.envelopes) == 1
    envelope = inbox.envelopes[0]
    assert envelope.rcpt_tos == ["ada@example.com"] and envelope.mail_from == "removals@news.example.org"
    ack = inbox.messages()[0]
    assert ack["To"] == "ada@example.com" and ack["Auto-Submitted"] == "auto-generated"
    assert ack["Subject"] == f"Your removal request {receipt.public_id} was received"
    assert ack.get_content_type() == "text/plain" and not ack.is_multipart()
    body = body_of(ack)
    assert f"https://news.example.org/removal/requests/{receipt.public_id}" in body
    assert "The request names 1 article address (listed on the status page)." in body
    # Nothing the requester typed (anyone may type anyone's address): no name, no address of theirs.
    assert "Ada" not in body and "paper.example" not in body
    view = desk.get(receipt.public_id)
    assert view.mail.about == "received" and view.mail.status == "sent" and view.mail.attempts == 1
    assert view.public()["mail"]["status"] == "sent"

    desk.reject(receipt.public_id, actor="admin", reason="The article quotes one sentence.\nThat is fair use.")
    assert desk.mail.wait(10)
    decision = inbox.messages()[1]
    assert decision["Subject"] == f"Your removal request {receipt.public_id} was rejected"
    text = body_of(decision)
    assert "    The article quotes one sentence.\n    That is fair use." in text
    assert inbox.envelopes[1].rcpt_tos == ["ada@example.com"]
    view = desk.get(receipt.public_id)
    assert (view.mail.about, view.mail.status, view.mail.error) == ("rejected", "sent", None)
    actions = [e.action for e in desk.audit(view.id)]
    assert actions.count("mail_sent") == 2


def test_a_name_with_line_breaks_cannot_add_headers_recipients_or_text(store, settings, smtp):
    controller, inbox = smtp
    desk = RemovalDesk(store, mail_settings(settings, controller.port))
    hostile = "Eve\r\nBcc: victim@example.net\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>"
    receipt = desk.submit(submission(name=hostile, urls=["https://paper.example/b"]), client="198.51.100.2")
    assert desk.mail.wait(10)  # else the decision, newer news, would replace the acknowledgement not yet sent
    desk.accept(receipt.public_id, actor="admin", reason="Removed.\r\nBcc: other@example.net")
    assert desk.mail.wait(10)
    assert [e.rcpt_tos for e in inbox.envelopes] == [["ada@example.com"]] * 2
    for message in inbox.messages():
        assert message["Bcc"] is None and message["Cc"] is None
        assert message.get_content_type() == "text/plain" and not message.is_multipart()
        assert sorted(message.keys()) == sorted(["To", "From", "Subject", "Date", "Message-ID", "Auto-Submitted",
                                                 "Content-Type", "Content-Transfer-Encoding", "MIME-Version"])
        body = body_of(message)
        assert "Eve" not in body and "victim" not in body and "<script>" not in body  # the name is not in it
    assert "    Bcc: other@example.net" in body_of(inbox.messages()[1])


def test_a_server_down_keeps_the_request_and_the_mail_goes_once_it_is_up(store, settings):
    port = free_port()  # nothing listens there yet
    desk = RemovalDesk(store, mail_settings(settings, port))
    started = time.monotonic()
    receipt = desk.submit(submission(urls=["https://paper.example/c"]), client="198.51.100.3")
    assert time.monotonic() - started < 2  # the request never waits for mail
    assert desk.mail.wait(10)
    view = desk.get(receipt.public_id)
    assert view.status == "received"  # stored whatever mail does
    assert view.mail.status == "failed" and view.mail.attempts == 1
    assert f"could not reach 127.0.0.1:{port}" in view.mail.error and "refused" in view.mail.error
    assert view.mail.next_at is not None
    assert view.public()["mail"] == {"about": "received", "status": "failed", "at": view.mail.at.isoformat()}
    assert "refused" not in str(view.public())  # the server's reason is for the admins only
    assert desk.mail.send_due() == {}  # not due again yet

    controller, inbox = start_smtp(port)
    try:
        later = utcnow() + timedelta(seconds=retry_after(1) + 1)
        assert desk.mail.send_due(later) == {view.id: None}
        assert len(inbox.envelopes) == 1
        view = desk.get(receipt.public_id)
        assert (view.mail.status, view.mail.error, view.mail.attempts, view.mail.next_at) == ("sent", None, 2, None)
        assert desk.mail.send_due(later + timedelta(days=1)) == {}  # sent once, never again
    finally:
        controller.stop()
    audit = [(e.action, e.detail.get("about")) for e in reversed(desk.audit(view.id))]
    assert audit[-2:] == [("mail_failed", "received"), ("mail_sent", "received")]


def test_attempts_are_bounded_and_a_decision_sends_anew(store, settings):
    port = free_port()
    desk = RemovalDesk(store, mail_settings(settings, port))
    receipt = desk.submit(submission(urls=["https://paper.example/d"]), client="198.51.100.4")
    assert desk.mail.wait(10)
    now = utcnow()
    for attempt in range(2, MAIL_ATTEMPTS + 1):
        now += timedelta(seconds=retry_after(attempt - 1) + 1)
        assert list(desk.mail.send_due(now)) == [desk.get(receipt.public_id).id]
    view = desk.get(receipt.public_id)
    assert view.mail.status == "failed" and view.mail.attempts == MAIL_ATTEMPTS and view.mail.next_at is None
    assert desk.mail.send_due(now + timedelta(days=30)) == {}  # given up: the admins see why

    controller, inbox = start_smtp(port)
    try:  # the decision is news of its own: told from a first attempt, with the reference again
        desk.ask_info(receipt.public_id, actor="admin", reason="Which paragraph is yours?")
        assert desk.mail.wait(10)
        view = desk.get(receipt.public_id)
        assert (view.mail.about, view.mail.status, view.mail.attempts) == ("needs_info", "sent", 1)
        message = inbox.messages()[0]
        assert message["Subject"].endswith("needs more information")
        assert "    Which paragraph is yours?" in body_of(message)
        assert receipt.public_id in body_of(message)
    finally:
        controller.stop()


def test_a_server_that_never_answers_is_given_up_within_the_timeout(store, settings):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # the kernel completes the connection; nobody ever answers on it
    try:
        desk = RemovalDesk(store, mail_settings(settings, listener.getsockname()[1], smtp_timeout=1.0))
        desk.submit(submission(urls=["https://paper.example/e"]), client="198.51.100.5")
        started = time.monotonic()
        assert desk.mail.wait(10)
        assert time.monotonic() - started < 3
        view = desk.get(1)
        assert view.mail.status == "failed" and "no answer within 1 s" in view.mail.error
    finally:
        listener.close()


def test_without_smtp_nothing_is_queued_nor_sent(store, settings):
    desk = RemovalDesk(store, settings)
    assert not desk.mail_configured
    receipt = desk.submit(submission(urls=["https://paper.example/f"]), client="198.51.100.6")
    desk.accept(receipt.public_id, actor="admin", reason="ok")
    assert desk.mail._thread is None
    view = desk.get(receipt.public_id)
    assert view.mail is None and view.public()["mail"] is None
    assert desk.mail.send_due() == {}


def test_wrong_smtp_settings_stop_the_desk_with_the_setting_named(settings):
    base = replace(settings, smtp_host="127.0.0.1", smtp_sender="removals@news.example.org")
    assert SmtpServer.from_settings(base) is not None
    for change, words in [({"smtp_tls": "tls"}, "smtp_tls"), ({"smtp_sender": ""}, "smtp_sender is empty"),
                          ({"smtp_sender": "a@b.example, c@d.example"}, "one address"),
                          ({"smtp_sender": "x@y.example\r\nBcc: z@w.example"}, "smtp_sender"),
                          ({"smtp_port": 0}, "smtp_port"), ({"smtp_timeout": 0.0}, "smtp_timeout")]:
        with pytest.raises(ValueError, match=words):
            SmtpServer.from_settings(replace(base, **change))


# ---- TLS ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the requester-facing client trusts it through SSL_CERT_FILE,
    as a site with a private relay would)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    return cert, key


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (b"desk", b"s3cret")
    return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself


def test_starttls_and_login(store, settings, certificate, monkeypatch):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    controller, inbox = start_smtp(free_port(), tls_context=server_tls, require_starttls=True,
                                   authenticator=_authenticator, auth_require_tls=True)
    try:
        wrong = RemovalDesk(store, mail_settings(settings, controller.port, smtp_tls="starttls", smtp_user="desk",
                                                  smtp_password="wrong"))
        monkeypatch.setenv("SSL_CERT_FILE", str(cert))
        first = wrong.submit(submission(urls=["https://paper.example/g"]), client="198.51.100.7")
        assert wrong.mail.wait(10)
        view = wrong.get(first.public_id)
        assert view.mail.status == "failed" and "refused the login of 'desk': 535" in view.mail.error
        assert inbox.envelopes == []

        right = RemovalDesk(store, mail_settings(settings, controller.port, smtp_tls="starttls", smtp_user="desk",
                                                  smtp_password="s3cret"))
        assert "s3cret" not in repr(right.settings)  # a printed Settings never shows the password
        right.submit(submission(urls=["https://paper.example/h"]), client="198.51.100.8")
        assert right.mail.wait(10)
        assert len(inbox.envelopes) == 1 and inbox.envelopes[0].rcpt_tos == ["ada@example.com"]

        monkeypatch.delenv("SSL_CERT_FILE")  # an unknown authority: refused, never sent in clear
        third = right.submit(submission(urls=["https://paper.example/i"]), client="198.51.100.9")
        assert right.mail.wait(10)
        view = right.get(third.public_id)
        assert view.mail.status == "failed" and "certificate" in view.mail.error.lower()
        assert len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_implicit_tls(store, settings, certificate, monkeypatch):
    cert, key = certificate
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    controller, inbox = start_smtp(free_port(), ssl_context=server_tls)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    try:
        desk = RemovalDesk(store, mail_settings(settings, controller.port, smtp_tls="ssl"))
        receipt = desk.submit(submission(urls=["https://paper.example/j"]), client="198.51.100.10")
        assert desk.mail.wait(10)
        assert desk.get(receipt.public_id).mail.status == "sent" and len(inbox.envelopes) == 1
    finally:
        controller.stop()


def test_a_server_that_drips_its_answer_is_cut_at_the_timeout(store, settings):
    """Each byte comes before the per-step timeout, so only the watchdog can end the send."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            while not stop.is_set():
                try:
                    conn.sendall(b"2")  # "220 ..." never ends
                except OSError:
                    return
                time.sleep(0.2)

    threading.Thread(target=drip, daemon=True).start()
    try:
        desk = RemovalDesk(store, mail_settings(settings, listener.getsockname()[1], smtp_timeout=1.5))
        started = time.monotonic()
        desk.submit(submission(urls=["https://paper.example/k"]), client="198.51.100.11")
        assert desk.mail.wait(10)
        assert time.monotonic() - started < 3.5
        view = desk.get(1)
        assert view.mail.status == "failed" and "no answer within 1.5 s" in view.mail.error
    finally:
        stop.set()
        listener.close()


def test_a_stored_address_with_a_line_break_is_never_a_recipient(store, settings, smtp):
    controller, inbox = smtp
    desk = RemovalDesk(store, mail_settings(settings, controller.port))
    receipt = desk.submit(submission(urls=["https://paper.example/l"]), client="198.51.100.12")
    assert desk.mail.wait(10) and len(inbox.envelopes) == 1
    with store.session() as s:  # as if written by an older version or by hand: validation refuses it at intake
        s.execute(update(RemovalRequest).values(email="ada@example.com\r\nBcc: eve@example.net"))
        s.commit()
    desk.accept(receipt.public_id, actor="admin", reason="ok")
    assert desk.mail.wait(10)
    view = desk.get(receipt.public_id)
    assert view.mail.status == "failed" and view.mail.next_at is None  # not tried again: it cannot mend
    assert "cannot be written as a recipient" in view.mail.error
    assert len(inbox.envelopes) == 1
