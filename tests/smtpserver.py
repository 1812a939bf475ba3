"""A real SMTP server for tests (aiosmtpd on a free loopback port) that keeps every message it is given."""

from __future__ import annotations

import email
import email.policy
import socket
import time
from email.message import EmailMessage

from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd's handler: every message it is given, with its envelope (sender, recipients)."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(envelope)
        return "250 OK: queued"

    def messages(self) -> list[EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default) for e in self.envelopes]

    def wait_for(self, count: int, timeout: float = 15.0) -> list[EmailMessage]:
        """The messages once there are `count` of them (AssertionError at `timeout`)."""
        end = time.monotonic() + timeout
        while len(self.envelopes) < count:
            assert time.monotonic() < end, f"{len(self.envelopes)} message(s) after {timeout} s, not {count}"
            time.sleep(0.05)
        return self.messages()


def body_of(message: EmailMessage) -> str:
    return message.get_content().replace("\r\n", "\n")  # as the requester reads it (SMTP sends CRLF)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_smtp(port: int | None = None, **kwargs: object) -> tuple[Controller, Inbox]:
    """A started server (stop it with `.stop()`) and its inbox; `kwargs` go to aiosmtpd's Controller (TLS,
    authentication)."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port or free_port(), **kwargs)
    controller.start()
    return controller, inbox
