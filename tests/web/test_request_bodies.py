"""Request bodies against a real `newsdesk serve` process: a body is capped where it is received, chunked or
not (413, JSON on the API, a page on forms), every form field has its own maximum with its own message, and no
answer echoes more than a short excerpt of what was sent (issue 13, item 3)."""

from __future__ import annotations

import json
import re
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serveprocess import ServeProcess, serving

from newsdesk.config import Settings
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store
from newsdesk.web.app import MAX_POST_BODY

ADMIN, PASSWORD = "editor", "correct horse battery staple"
EXCERPT = 200  # the most of one sent value an answer may hold
SMALL_ANSWER = 64 * 1024


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    folder = tmp_path_factory.mktemp("bodies")
    db = f"sqlite:///{folder / 'n.db'}"
    store = Store(db)
    store.migrate()
    RemovalDesk(store, Settings(database_url=db)).create_admin(ADMIN, PASSWORD)
    store.close()
    with serving(db, folder, "--no-background-fetch") as proc:
        yield proc


def send_chunked(server: ServeProcess, path: str, content_type: str, head: bytes, total: int,
                 filler: bytes = b"x") -> tuple[bytes, float, int]:
    """POST `head` then `filler` up to `total` bytes as Transfer-Encoding: chunked (no Content-Length), in 64 KiB
    chunks, reading the answer as soon as one comes. Returns (answer, seconds until it came, bytes sent)."""
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    conn.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Type: {content_type}\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    started, sent, answer = time.monotonic(), 0, b""
    block = filler * (65536 // len(filler))
    try:
        while sent < total:
            piece = head if sent == 0 else block[:min(len(block), total - sent)]
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(piece)
            if select.select([conn], [], [], 0)[0]:  # the server answered before the body ended
                break
        else:
            conn.sendall(b"0\r\n\r\n")
        answer = _read_answer(conn)
        return answer, time.monotonic() - started, sent
    finally:
        conn.close()


def _read_answer(conn: socket.socket) -> bytes:
    data = b""
    while True:
        try:
            chunk = conn.recv(1 << 20)
        except (ConnectionResetError, TimeoutError):
            return data
        if not chunk:
            return data
        data += chunk
        head, sep, body = data.partition(b"\r\n\r\n")
        if sep:
            length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
            if length and len(body) >= int(length.group(1)):
                return data


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0


def body_of(answer: bytes) -> bytes:
    return answer.partition(b"\r\n\r\n")[2]


def longest_run(text: str, char: str = "x") -> int:
    return max((len(m) for m in re.findall(f"{re.escape(char)}+", text)), default=0)


def test_a_chunked_body_far_over_the_cap_is_refused_at_once_and_never_held(server):
    """64 MiB sent chunked (no Content-Length to refuse up front) to the login form: the server answers 413 as
    soon as the cap is passed, and its memory does not grow with what was sent."""
    total = 64 * 1024 * 1024
    assert httpx.get(server.url + "/admin/login").status_code == 200  # templates loaded before measuring
    with server.growth() as grown:
        answer, seconds, sent = send_chunked(server, "/admin/login", "application/x-www-form-urlencoded",
                                             b"name=editor&password=", total)
    assert status_of(answer) == 413, answer[:300]
    assert b"larger than" in body_of(answer) and b"<html" in body_of(answer).lower()
    assert seconds < 5 and sent < total / 4, (seconds, sent)
    assert grown[0] < 16 * 1024, f"the server grew by {grown[0]} KiB"


def test_the_cap_holds_on_every_route_and_says_why_in_the_route_s_language(server):
    answer, _, _ = send_chunked(server, "/api/removal-requests", "application/json", b'{"name": "', 8 * MAX_POST_BODY)
    assert status_of(answer) == 413
    message = json.loads(body_of(answer))
    assert set(message) == {"detail", "message"} and "larger than" in message["message"]
    declared = httpx.post(server.url + "/api/removal-requests", content=b"{" + b" " * (MAX_POST_BODY + 10) + b"}",
                          headers={"Content-Type": "application/json"})
    assert declared.status_code == 413 and "larger than" in declared.json()["message"]
    # A route that reads no body at all is no way around it either.
    answer, _, _ = send_chunked(server, "/nowhere", "text/plain", b"a", 4 * MAX_POST_BODY)
    assert status_of(answer) == 413


def test_a_10_mb_field_sent_to_the_removal_form_is_not_echoed(server):
    token = re.search(r'name="form_token" value="([^"]+)"', httpx.get(server.url + "/removal").text).group(1)
    answer, _, _ = send_chunked(server, "/removal", "application/x-www-form-urlencoded",
                                f"form_token={token}&good_faith=yes&name=".encode(), 10 * 1024 * 1024)
    assert status_of(answer) == 413 and b"<html" in body_of(answer).lower()
    assert len(answer) < SMALL_ANSWER and longest_run(answer.decode("utf-8", "replace")) <= EXCERPT


def _form(server: ServeProcess, **fields: str) -> httpx.Response:
    with httpx.Client(base_url=server.url, timeout=30) as c:
        token = re.search(r'name="form_token" value="([^"]+)"', c.get("/removal").text).group(1)
        base = {"name": "Ada Requester", "email": "ada@example.org", "relationship": "owner", "reason": "copyright",
                "scope": "article", "urls": "https://coastpost.example/news/4", "story_ids": "", "domain": "",
                "details": "Mine.", "good_faith": "yes", "form_token": token}
        return c.post("/removal", data={**base, **fields})


@pytest.mark.parametrize(("field", "size", "label", "limit"), [
    ("name", 600_000, "Name", "200"), ("email", 300_000, "Email", "320"), ("details", 20_001, "Statement", "10000"),
    ("domain", 500_000, "Domain", "2048"), ("story_ids", 900_000, "Story ids", "10000"),
    ("relationship", 100_000, "Relationship", "20"),
])
def test_each_form_field_has_its_own_maximum_and_only_an_excerpt_comes_back(server, field, size, label, limit):
    r = _form(server, **{field: "x" * size})
    assert r.status_code == 422, r.text[:500]
    assert f"{label}: at most {limit} characters" in r.text
    assert len(r.content) < SMALL_ANSWER and longest_run(r.text) <= EXCERPT


def test_every_field_too_long_is_reported_at_once_with_the_other_mistakes(server):
    r = _form(server, name="x" * 50_000, email="y" * 50_000, reason="")
    assert r.status_code == 422
    assert "Name: at most 200 characters" in r.text and "Email: at most 320 characters" in r.text
    assert "Reason: must be one of" in r.text


def test_a_field_within_its_maximum_is_kept_whole(server):
    r = _form(server, details="z" * 10_000, name="")  # the name is missing: the form comes back with the text
    assert r.status_code == 422 and longest_run(r.text, "z") == 10_000


def test_admin_forms_cap_their_fields_too(server):
    with httpx.Client(base_url=server.url, timeout=30) as c:
        r = c.post("/admin/login", data={"name": ADMIN, "password": "p" * 500_000})
        assert r.status_code == 422 and "password: at most 1024 characters" in r.text
        assert len(r.content) < SMALL_ANSWER and longest_run(r.text, "p") <= EXCERPT
        r = c.post("/admin/login", data={"name": "n" * 500_000, "password": "whatever"})
        assert r.status_code == 422 and len(r.content) < SMALL_ANSWER and longest_run(r.text, "n") <= EXCERPT


def test_the_api_never_echoes_more_than_an_excerpt(server):
    body = {"name": "Ada", "email": "e" * 900_000, "relationship": "owner", "reason": "copyright",
            "urls": [], "domain": "d" * 10_000 + ".example", "good_faith": True}
    r = httpx.post(server.url + "/api/removal-requests", json=body, timeout=30)
    assert r.status_code == 422 and set(r.json()["detail"]) >= {"email", "domain"}
    assert len(r.content) < SMALL_ANSWER
    assert longest_run(r.text, "e") <= EXCERPT and longest_run(r.text, "d") <= EXCERPT


def test_the_log_holds_no_traceback(server):
    assert "Traceback" not in Path(server.log).read_text()
