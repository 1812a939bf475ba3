"""Requests, validation, rate limits, decisions, administrators, the audit log and the transparency report."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from removal_helpers import submission
from sqlalchemy import text, update
from sqlalchemy.exc import DatabaseError

from newsdesk.removal import (
    AdminError,
    InvalidTransition,
    RateLimited,
    RemovalDesk,
    RemovalValidationError,
    UnknownRequest,
)
from newsdesk.removal.models import normalize_domain
from newsdesk.store import Store
from newsdesk.store.schema import AdminSession

pytestmark = pytest.mark.both_engines


def test_submit_gives_an_unguessable_receipt_and_a_status_view(desk):
    receipt = desk.submit(submission(urls=["https://news.example.com/a?utm_source=x"]), client="198.51.100.7")
    assert receipt.status == "received" and not receipt.provisional
    assert len(receipt.public_id) >= 20
    view = desk.get(receipt.public_id)
    assert view is not None and view.status == "received"
    assert [(t.scope, t.value) for t in view.targets] == [("article", "https://news.example.com/a?utm_source=x")]
    public = view.public()
    assert "email" not in json.dumps(public) and "Ada" not in json.dumps(public)
    assert desk.get("not-a-receipt") is None
    assert desk.get(view.id).public_id == receipt.public_id


def test_validation_names_every_wrong_field(desk):
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(name=" ", email="ada@", relationship="fan", reason="dislike", good_faith=False,
                               scope="everything", urls=["ftp://example.com/x", "https://ok.example.com/y"],
                               story_ids=["seven"]), client="c")
    errors = exc.value.errors
    assert set(errors) == {"name", "email", "relationship", "reason", "good_faith", "scope", "urls", "story_ids"}
    assert "owner, agent, subject" in errors["relationship"]
    assert "copyright, privacy, defamation, other" in errors["reason"]
    assert "URL 1" in errors["urls"] and "ftp://" in errors["urls"]
    assert "'seven'" in errors["story_ids"]
    assert "good faith" in errors["good_faith"]


def test_validation_needs_a_target_and_caps_urls(desk):
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(urls=["   "]), client="c")
    assert exc.value.errors == {"targets": "name at least one URL, story id or domain to remove"}
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(urls=[f"https://a.example.com/{i}" for i in range(51)]), client="c")
    assert exc.value.errors["urls"].startswith("at most 50 URLs")
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(story_ids=[424242]), client="c")
    assert exc.value.errors == {"story_ids": "no story with id 424242"}
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(domain="not a domain"), client="c")
    assert "not a domain name" in exc.value.errors["domain"]


def test_unreadable_urls_and_lone_surrogates_are_input_errors_not_crashes(desk):
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(urls=["https://[::1/x"]), client="c")
    assert "is not an http(s) address" in exc.value.errors["urls"]
    with pytest.raises(RemovalValidationError) as exc:
        desk.submit(submission(domain="https://[::1/x"), client="c")
    assert "not a domain name" in exc.value.errors["domain"]
    receipt = desk.submit(submission(name="Ada \ud800Example", details="odd \udfff text",
                                     urls=["https://a.example.com/1"]), client="c")
    view = desk.get(receipt.public_id)
    assert view.name == "Ada Example" and view.details == "odd  text"


def test_domains_are_normalised():
    assert normalize_domain("https://www.Example.COM/some/path") == "example.com"
    assert normalize_domain("news.example.co.uk") == "news.example.co.uk"
    with pytest.raises(ValueError):
        normalize_domain("example")


def test_rate_limit_per_client_with_retry_after(store, settings):
    desk = RemovalDesk(store, replace(settings, removal_rate_limit=2, removal_rate_window=600))
    for i in range(2):
        desk.submit(submission(urls=[f"https://a.example.com/{i}"]), client="203.0.113.9")
    with pytest.raises(RateLimited) as exc:
        desk.submit(submission(urls=["https://a.example.com/3"]), client="203.0.113.9")
    assert 590 <= exc.value.retry_after_seconds <= 600
    desk.submit(submission(urls=["https://a.example.com/4"]), client="203.0.113.10")  # another client is fine
    # Invalid submissions are not stored and do not count; the address itself is never stored.
    with store.engine.connect() as conn:
        hashes = [r[0] for r in conn.execute(text("SELECT client_hash FROM removal_requests"))]
    assert len(hashes) == 3 and all("203.0.113" not in h and len(h) == 64 for h in hashes)


def test_decisions_follow_the_allowed_transitions_and_need_a_reason(desk):
    first = desk.submit(submission(urls=["https://a.example.com/1"]), client="c")
    with pytest.raises(RemovalValidationError) as exc:
        desk.accept(first.public_id, actor="cli", reason=" ")
    assert "reason" in exc.value.errors
    view = desk.ask_info(first.public_id, actor="admin:eve", reason="Which paragraph is yours?")
    assert view.status == "needs_info" and view.decision_reason == "Which paragraph is yours?"
    report = desk.reject(first.public_id, actor="admin:eve", reason="Not your text.")
    assert report.status == "rejected"
    with pytest.raises(InvalidTransition, match="already rejected"):
        desk.accept(first.public_id, actor="admin:eve", reason="changed my mind")
    with pytest.raises(UnknownRequest):
        desk.accept("nope", actor="cli", reason="x")
    assert [r.status for r in desk.list()] == ["rejected"]
    assert desk.list(status="received") == []
    with pytest.raises(RemovalValidationError):
        desk.list(status="pending")


def test_audit_log_records_each_step_and_refuses_update_and_delete(desk, store):
    receipt = desk.submit(submission(urls=["https://a.example.com/1"]), client="c")
    desk.ask_info(receipt.public_id, actor="admin:eve", reason="More please.")
    desk.accept(receipt.public_id, actor="admin:eve", reason="Confirmed owner.")
    entries = desk.audit(receipt.public_id)
    assert [e.action for e in reversed(entries)] == ["received", "needs_info", "accepted", "suppressed"]
    assert [e.actor for e in reversed(entries)] == ["requester", "admin:eve", "admin:eve", "admin:eve"]
    dumped = json.dumps([e.detail for e in entries])
    assert "ada@example.com" not in dumped and "Ada Example" not in dumped
    with store.engine.connect() as conn:
        with pytest.raises(DatabaseError, match="append-only"):
            conn.execute(text("UPDATE removal_audit SET actor = 'someone else'"))
        conn.rollback()
        with pytest.raises(DatabaseError, match="append-only"):
            conn.execute(text("DELETE FROM removal_audit"))
        conn.rollback()
        if conn.dialect.name == "postgresql":  # PostgreSQL's trigger refuses TRUNCATE too
            with pytest.raises(DatabaseError, match="append-only: TRUNCATE refused"):
                conn.execute(text("TRUNCATE removal_audit"))
            conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM removal_audit")).scalar() == 4


def test_admin_accounts_passwords_and_sessions(desk, store, settings):
    admin_id = desk.create_admin("eve", "correct horse battery")
    with pytest.raises(AdminError, match="exists already"):
        desk.create_admin("eve", "another long password")
    with pytest.raises(AdminError, match="at least 10"):
        desk.create_admin("mallory", "short")
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM admins")).scalar()
    assert stored.startswith("scrypt$16384$8$1$") and "correct horse" not in stored
    assert desk.verify_admin("eve", "correct horse battery") == admin_id
    assert desk.verify_admin("eve", "wrong password!") is None
    assert desk.verify_admin("nobody", "correct horse battery") is None

    token, csrf = desk.start_session(admin_id)
    live = desk.session(token)
    assert live is not None and live.name == "eve" and live.csrf_token == csrf
    assert desk.check_csrf(token, csrf) and not desk.check_csrf(token, "forged") and not desk.check_csrf(None, csrf)
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT token_hash FROM admin_sessions")).scalar() != token  # only its hash
    assert desk.session("made-up-token") is None
    # Expiry: a session past its time is refused.
    with store.session() as s:
        s.execute(update(AdminSession).values(expires_at=live.expires_at - timedelta(hours=2)))
        s.commit()
    assert desk.session(token) is None
    token2, _ = desk.start_session(admin_id)
    desk.end_session(token2)
    assert desk.session(token2) is None


def test_secret_key_is_generated_once_and_shared(store, settings):
    one = RemovalDesk(store, settings)
    other_store = Store(settings.database_url)
    try:
        two = RemovalDesk(other_store, settings)
        assert one.secret_key == two.secret_key and len(one.secret_key) >= 32
        assert one.client_hash("192.0.2.1") == two.client_hash("192.0.2.1")
    finally:
        other_store.close()
    assert RemovalDesk(store, replace(settings, secret_key="configured")).secret_key == "configured"


def test_transparency_report_counts_without_personal_data(desk):
    a = desk.submit(submission(urls=["https://a.example.com/1"]), client="c1")
    b = desk.submit(submission(reason="privacy", urls=["https://a.example.com/2"], scope="copies"), client="c2")
    desk.submit(submission(reason="privacy", domain="example.org"), client="c3")
    desk.accept(a.public_id, actor="cli", reason="ok")
    desk.reject(b.public_id, actor="cli", reason="no")
    report = desk.transparency_report()
    assert report["requests"] == 3
    assert report["by_outcome"] == {"accepted": 1, "rejected": 1, "pending": 1}
    assert report["by_reason"] == {"copyright": {"accepted": 1}, "privacy": {"rejected": 1, "pending": 1}}
    assert report["by_scope"] == {"article": {"accepted": 1}, "copies": {"rejected": 1}, "domain": {"pending": 1}}
    (month,) = report["by_month"].values()
    assert month["received"] == 3
    dumped = json.dumps(report)
    for private in ("ada@example.com", "Ada Example", "a.example.com", "example.org"):
        assert private not in dumped


def test_everything_survives_a_restart(settings, store):
    desk = RemovalDesk(store, settings)
    receipt = desk.submit(submission(urls=["https://a.example.com/1"]), client="c")
    desk.accept(receipt.public_id, actor="cli", reason="ok")
    admin = desk.create_admin("eve", "correct horse battery")
    token, _ = desk.start_session(admin)
    store.close()
    again = Store(settings.database_url)
    again.migrate()
    try:
        desk2 = RemovalDesk(again, settings)
        assert desk2.get(receipt.public_id).status == "accepted"
        assert desk2.is_blocked(url="https://a.example.com/1") is not None
        assert desk2.session(token) is not None
        assert desk2.verify_admin("eve", "correct horse battery") == admin
    finally:
        again.close()
