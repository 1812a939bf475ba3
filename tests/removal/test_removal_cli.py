"""`newsdesk removals ...` and `newsdesk admin add` through typer's CliRunner on a real store (both engines)."""

from __future__ import annotations

import json

import pytest
from removal_helpers import submission
from typer.testing import CliRunner

from newsdesk.cli import app
from newsdesk.removal import RemovalDesk

runner = CliRunner()


pytestmark = pytest.mark.both_engines


def run(settings, *args: str, stdin: str | None = None):
    return runner.invoke(app, ["--db", settings.database_url, *args], input=stdin)


def test_list_show_accept_reject_export(store, settings, tmp_path):
    desk = RemovalDesk(store, settings)
    one = desk.submit(submission(urls=["https://a.example.com/1"]), client="c1")
    two = desk.submit(submission(reason="privacy", domain="example.org"), client="c2")

    listed = run(settings, "removals", "list")
    assert listed.exit_code == 0, listed.output
    assert one.public_id in listed.output and two.public_id in listed.output
    shown = run(settings, "removals", "show", one.public_id)
    assert shown.exit_code == 0 and "article: https://a.example.com/1" in shown.output
    assert "ada@example.com" in shown.output  # the administrator sees who asked
    assert "mail to the requester: none (no SMTP server was set)" in shown.output

    accepted = run(settings, "removals", "accept", one.public_id, "--reason", "Owner confirmed.", "--by", "eve")
    assert accepted.exit_code == 0, accepted.output
    assert "accepted request" in accepted.output
    assert desk.get(one.public_id).decided_by == "cli:eve"
    again = run(settings, "removals", "accept", one.public_id, "--reason", "twice")
    assert again.exit_code == 1 and "already accepted" in again.output
    info = run(settings, "removals", "info", str(desk.get(two.public_id).id), "--reason", "Proof of ownership?")
    assert info.exit_code == 0 and "needs information" in info.output
    rejected = run(settings, "removals", "reject", two.public_id, "--reason", "No proof given.")
    assert rejected.exit_code == 0 and desk.get(two.public_id).status == "rejected"
    missing = run(settings, "removals", "show", "999")
    assert missing.exit_code == 1 and "no removal request 999" in missing.output

    filtered = run(settings, "removals", "list", "--status", "rejected")
    assert two.public_id in filtered.output and one.public_id not in filtered.output
    bad = run(settings, "removals", "list", "--status", "pending")
    assert bad.exit_code == 1 and "received, needs_info, accepted, rejected" in bad.output

    target = tmp_path / "report.json"
    exported = run(settings, "removals", "export", "--output", str(target))
    assert exported.exit_code == 0
    report = json.loads(target.read_text())
    assert report["by_outcome"] == {"accepted": 1, "rejected": 1} and report["requests"] == 2
    assert "ada@example.com" not in target.read_text()
    to_stdout = run(settings, "removals", "export")
    assert json.loads(to_stdout.stdout)["requests"] == 2


def test_admin_add_prompts_twice_or_reads_stdin(store, settings):
    prompted = run(settings, "admin", "add", "eve", stdin="correct horse battery\ncorrect horse battery\n")
    assert prompted.exit_code == 0, prompted.output
    piped = run(settings, "admin", "add", "frank", "--password-stdin", stdin="another long secret\n")
    assert piped.exit_code == 0, piped.output
    desk = RemovalDesk(store, settings)
    assert desk.verify_admin("eve", "correct horse battery") is not None
    assert desk.verify_admin("frank", "another long secret") is not None
    short = run(settings, "admin", "add", "grace", "--password-stdin", stdin="short\n")
    assert short.exit_code == 1 and "at least 10 characters" in short.output
    taken = run(settings, "admin", "add", "eve", "--password-stdin", stdin="yet another password\n")
    assert taken.exit_code == 1 and "exists already" in taken.output


def test_a_decision_on_the_command_line_mails_the_requester_before_it_returns(store, settings, monkeypatch):
    from smtpserver import body_of, start_smtp

    controller, inbox = start_smtp()
    try:
        for name, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(controller.port), "SMTP_TLS": "none",
                            "SMTP_SENDER": "removals@news.example.org"}.items():
            monkeypatch.setenv(f"NEWSDESK_{name}", value)
        receipt = RemovalDesk(store, settings).submit(submission(urls=["https://a.example.com/9"]), client="c9")
        rejected = run(settings, "removals", "reject", receipt.public_id, "--reason", "Not yours.")
        assert rejected.exit_code == 0, rejected.output
        assert len(inbox.envelopes) == 1  # sent before the command returned (no SMTP in `settings`: no ack)
        assert "    Not yours." in body_of(inbox.messages()[0])
        shown = run(settings, "removals", "show", receipt.public_id)
        assert "mail to the requester: sent, telling rejected, 1 attempt(s)" in shown.output
        bad = run(settings, "removals", "list")
        assert bad.exit_code == 0
        monkeypatch.setenv("NEWSDESK_SMTP_TLS", "tls")
        wrong = run(settings, "removals", "list")
        assert wrong.exit_code == 1 and "error: smtp_tls is 'tls'" in wrong.output and "Traceback" not in wrong.output
    finally:
        controller.stop()


def test_serve_refuses_to_start_with_mail_settings_that_cannot_work(settings, monkeypatch):
    monkeypatch.setenv("NEWSDESK_SMTP_HOST", "127.0.0.1")  # and no sender
    for workers in ("1", "2"):  # checked before any server process starts
        refused = run(settings, "serve", "--workers", workers, "--port", "1")
        assert refused.exit_code == 2, refused.output
        assert "configuration error: smtp_sender is empty" in refused.output and "Traceback" not in refused.output
