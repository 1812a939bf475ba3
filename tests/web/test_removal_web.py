"""Removal requests through the web, against a real server and a real store of their own, on SQLite and on
PostgreSQL (acceptance deletes content, so the shared `site` of the other web tests is left alone): the form and
the API, their errors, the rate limit, the requester's status page, administrators' login, queue and decisions,
and the content gone from every page, answer, feed and search once a request is accepted.

The server trusts a proxy on the loopback (trusted_proxies), so each test speaks as its own client address
(X-Forwarded-For) and the per-client rate limit of one test does not reach another."""

from __future__ import annotations

import html
import itertools
import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlencode

import feedparser
import httpx
import pytest
from sqlalchemy import Engine, create_engine, text

from newsdesk.config import Settings
from newsdesk.models import Article
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.store import Store

RATE_LIMIT = 3
ADMIN, PASSWORD = "editor", "correct horse battery staple"
NAME, EMAIL = "Ada Requester", "ada.requester@example.org"
_addresses = (f"198.51.100.{i}" for i in itertools.count(1))

pytestmark = pytest.mark.both_engines


@dataclass
class RemovalSite:
    url: str
    db: str
    sources: dict[str, int]
    ids: dict[str, int]
    story_of: dict[int, int]

    @cached_property
    def engine(self) -> Engine:
        """To read the rows behind the pages, on either engine."""
        return create_engine(self.db)

    def client(self, address: str | None = None) -> httpx.Client:
        """A client of its own address (a fresh one unless given)."""
        return httpx.Client(base_url=self.url, timeout=30, follow_redirects=False,
                            headers={"X-Forwarded-For": address or next(_addresses)})

    def sql(self, statement: str, **params: object) -> list[tuple]:
        with self.engine.begin() as conn:
            result = conn.execute(text(statement), params)
            return [tuple(row) for row in result] if result.returns_rows else []


def _add_admin(db: str) -> None:
    store = Store(db)
    try:
        RemovalDesk(store, Settings(database_url=db)).create_admin(ADMIN, PASSWORD)
    finally:
        store.close()


@pytest.fixture(scope="module")
def rsite(start_site) -> Iterator[RemovalSite]:
    s = start_site(_add_admin, removal_rate_limit=RATE_LIMIT, admin_session_minutes=5, trusted_proxies="127.0.0.1")
    site = RemovalSite(url=s.url, db=s.db, sources=s.sources, ids=s.ids, story_of=s.story_of)
    yield site
    site.engine.dispose()


def token_of(page: str, name: str = "form_token") -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    assert found, f"no {name} in the page"
    return found.group(1)


def fields(**overrides: str) -> dict[str, str]:
    base = {"name": NAME, "email": EMAIL, "relationship": "owner", "reason": "copyright", "scope": "article",
            "urls": "https://coastpost.example/news/4", "story_ids": "", "domain": "",
            "details": "I wrote this report; it is reproduced without my permission.", "good_faith": "yes"}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def post_form(client: httpx.Client, **overrides: str) -> httpx.Response:
    token = token_of(client.get("/removal").text)
    return client.post("/removal", data={**fields(**overrides), "form_token": token})


def api_body(**overrides: object) -> dict:
    base = {"name": NAME, "email": EMAIL, "relationship": "owner", "urls": ["https://coastpost.example/news/4"],
            "story_ids": [], "reason": "copyright", "statement": "My report, copied.", "good_faith": True}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def login(client: httpx.Client) -> None:
    r = client.post("/admin/login", data={"name": ADMIN, "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/admin/removals", r.text


def csrf(client: httpx.Client, request_id: int) -> str:
    return token_of(client.get(f"/admin/removals/{request_id}").text, "csrf_token")


def request_id_of(rsite: RemovalSite, public_id: str) -> int:
    return rsite.sql("SELECT id FROM removal_requests WHERE public_id = :p", p=public_id)[0][0]


def status_of(rsite: RemovalSite, request_id: int) -> str:
    return rsite.sql("SELECT status FROM removal_requests WHERE id = :i", i=request_id)[0][0]


def file_request(rsite: RemovalSite, **overrides: object) -> tuple[str, int]:
    with rsite.client() as c:
        r = c.post("/api/removal-requests", json=api_body(**overrides))
    assert r.status_code == 201, r.text
    return r.json()["id"], request_id_of(rsite, r.json()["id"])


# ---- the form -------------------------------------------------------------------------------------------


def test_story_and_source_pages_link_every_article_to_the_form(rsite):
    with rsite.client() as c:
        quake = rsite.story_of[rsite.ids["wire"]]
        page = c.get(f"/stories/{quake}").text
        story = c.get(f"/api/stories/{quake}").json()
        assert f'href="/removal?story={quake}"' in page
        for a in story["articles"]:
            assert f'href="/removal?{urlencode({"url": a["url"]})}"' in page, a["url"]
        source = c.get(f"/sources/{rsite.sources['Coast Post']}").text
        assert f'href="/removal?{urlencode({"url": "https://coastpost.example/news/4"})}"' in source
        form = c.get("/removal", params={"url": "https://coastpost.example/news/4", "story": str(quake)}).text
        assert re.search(r'<textarea id="urls"[^>]*>https://coastpost.example/news/4</textarea>', form)
        assert f'name="story_ids" value="{quake}"' in form and f'href="/stories/{quake}"' in form
        # Only http(s) addresses are taken from the query string.
        assert "javascript" not in c.get("/removal", params={"url": "javascript:alert(1)"}).text


def test_form_is_accessible(rsite):
    with rsite.client() as c:
        page = c.get("/removal").text
    main = page.split("<main")[1].split("</main>")[0]
    for field in ("name", "email", "urls", "story_ids", "domain", "details", "good_faith"):
        assert f'for="{field}"' in main and f'id="{field}"' in main, field
    for group, values in (("relationship", ("owner", "agent", "subject")),
                          ("reason", ("copyright", "privacy", "defamation", "other")),
                          ("scope", ("article", "copies", "story", "domain"))):
        for value in values:
            assert f'id="{group}-{value}"' in main and f'for="{group}-{value}"' in main
    assert main.count("<legend>") >= 6 and "<script" not in page and "<style" not in page
    assert 'type="email"' in main and 'autocomplete="email"' in main


def test_a_request_through_the_form_reaches_its_status_page(rsite):
    with rsite.client() as c:
        r = post_form(c, urls="https://coastpost.example/news/6\n\n", details="Mine.")
        assert r.status_code == 303, r.text
        location = r.headers["location"]
        assert re.fullmatch(r"/removal/requests/[A-Za-z0-9_-]{16,}", location)
        status = c.get(location)
    assert status.status_code == 200
    assert "Received: waiting for review" in status.text and "https://coastpost.example/news/6" in status.text
    assert NAME not in status.text and EMAIL not in status.text and "Mine." not in status.text
    assert status.headers["cache-control"] == "no-store" and status.headers["referrer-policy"] == "no-referrer"
    assert "etag" not in status.headers
    public_id = location.rsplit("/", 1)[1]
    assert public_id in status.text  # the reference, to quote
    rid = request_id_of(rsite, public_id)
    assert rsite.sql("SELECT scope, value FROM removal_targets WHERE request_id = :i", i=rid) == [
        ("article", "https://coastpost.example/news/6")]
    assert rsite.sql("SELECT details, name, email FROM removal_requests WHERE id = :i", i=rid) == [
        ("Mine.", NAME, EMAIL)]


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"name": ""}, "name", "give your name"),
    ({"email": "not-an-address"}, "email", "is not an email address"),
    ({"relationship": "cousin"}, "relationship", "must be one of owner, agent, subject"),
    ({"relationship": None}, "relationship", "must be one of"),
    ({"reason": "whim"}, "reason", "must be one of copyright"),
    ({"scope": "galaxy"}, "scope", "must be one of article"),
    ({"urls": "ftp://coastpost.example/news/4"}, "urls", "is not an http(s) address"),
    ({"urls": "", "story_ids": "twelve"}, "story_ids", "is not a story id"),
    ({"urls": "", "story_ids": "4242"}, "story_ids", "no story with id 4242"),
    ({"urls": "", "story_ids": "99999999999999999999999"}, "story_ids", "no story with id 99999999999999999999999"),
    ({"urls": "", "domain": "not a domain"}, "domain", "is not a domain name"),
    ({"details": "x" * 10_001}, "details", "at most 10000 characters"),
    ({"good_faith": None}, "good_faith", "confirm the statement of good faith"),
    ({"urls": ""}, "targets", "name at least one URL, story id or domain"),
])
def test_form_reports_each_mistake_next_to_its_field(rsite, overrides, field, message):
    with rsite.client() as c:
        r = post_form(c, **overrides)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("text/html")
    error = re.search(rf'<span id="{field}-error" class="field-error">(.*?)</span>\s*(?:</span>)?', r.text, re.S)
    assert error and message in html.unescape(r.text.split(f'id="{field}-error"')[1].split("</span></span>")[0])
    summary = r.text.split('class="error-summary"')[1].split("</div>")[0]
    assert message in html.unescape(summary) and 'role="alert"' in r.text
    if field in ("name", "email", "urls", "story_ids", "domain", "details", "good_faith"):
        control = re.search(rf'<(?:input|textarea)[^>]*id="{field}"[^>]*>', r.text).group(0)
        assert 'aria-invalid="true"' in control and f"{field}-error" in control
    elif field == "targets":
        assert 'aria-describedby="targets-error"' in r.text
    else:  # a group of radio buttons: the fieldset is described by the message, each button marked invalid
        assert f'aria-describedby="{field}-error"' in r.text
        assert re.search(rf'<input type="radio" id="{field}-[a-z]+"[^>]*aria-invalid="true"', r.text)
    # What was typed is kept.
    if field == "email":
        assert 'value="not-an-address"' in r.text
    assert 'value="Ada Requester"' in r.text or field == "name"


def test_form_without_a_valid_token_or_from_another_site_is_refused(rsite):
    with rsite.client() as c:
        before = rsite.sql("SELECT count(*) FROM removal_requests")[0][0]
        missing = c.post("/removal", data=fields())
        assert missing.status_code == 400 and "send it again" in missing.text
        assert 'value="Ada Requester"' in missing.text  # kept, with a fresh token to resend
        forged = c.post("/removal", data={**fields(), "form_token": "1700000000.deadbeef"})
        assert forged.status_code == 400
        token = token_of(c.get("/removal").text)
        other = c.post("/removal", data={**fields(), "form_token": token}, headers={"Origin": "https://evil.example"})
        assert other.status_code == 403 and "another site" in other.text
        as_json = c.post("/removal", json=api_body())
        assert as_json.status_code == 415 and "/api/removal-requests" in as_json.text
        assert rsite.sql("SELECT count(*) FROM removal_requests")[0][0] == before
        same = c.post("/removal", data={**fields(), "form_token": token}, headers={"Origin": rsite.url})
        assert same.status_code == 303


def test_rate_limit_answers_429_with_retry_after(rsite):
    with rsite.client() as c:
        for _ in range(RATE_LIMIT):
            assert c.post("/api/removal-requests", json=api_body()).status_code == 201
        api = c.post("/api/removal-requests", json=api_body())
        assert api.status_code == 429 and api.json()["message"].startswith("too many removal requests")
        assert 0 < int(api.headers["retry-after"]) <= 3600
        page = post_form(c, name="Still Me")
        assert page.status_code == 429 and 0 < int(page.headers["retry-after"]) <= 3600
        assert "Too many removal requests" in page.text and 'value="Still Me"' in page.text
    with rsite.client() as other:  # another address is not limited by this one
        assert other.post("/api/removal-requests", json=api_body()).status_code == 201


# ---- the API --------------------------------------------------------------------------------------------


def test_a_request_through_the_api(rsite):
    with rsite.client() as c:
        r = c.post("/api/removal-requests", json=api_body(statement="Copied from my site.", scope="copies"))
        assert r.status_code == 201, r.text
        body = r.json()
        assert set(body) >= {"id", "status", "status_url"} and body["status"] == "received"
        assert body["status_url"].endswith(f"/removal/requests/{body['id']}") and r.headers["location"] == body[
            "status_url"]
        status = c.get(f"/api/removal-requests/{body['id']}")
    assert status.status_code == 200 and status.headers["cache-control"] == "no-store"
    got = status.json()
    assert got["id"] == body["id"] and got["status"] == "received" and got["decision_reason"] is None
    assert got["targets"] == [{"scope": "copies", "value": "https://coastpost.example/news/4"}]
    assert NAME not in status.text and EMAIL not in status.text and "Copied from my site" not in status.text
    rid = request_id_of(rsite, body["id"])
    assert rsite.sql("SELECT details FROM removal_requests WHERE id = :i", i=rid) == [("Copied from my site.",)]


def test_status_pages_of_unknown_requests_are_404_and_never_reachable_by_number(rsite):
    _, rid = file_request(rsite)
    with rsite.client() as c:
        for key in (str(rid), "1", "no-such-receipt-at-all", "x" * 200, "%2e%2e"):
            assert c.get(f"/removal/requests/{key}").status_code == 404, key
            r = c.get(f"/api/removal-requests/{key}")
            assert r.status_code == 404 and r.json()["message"], key


@pytest.mark.parametrize(("body", "field", "message"), [
    ({"name": None}, "name", "required"),
    ({"name": ""}, "name", "give your name"),
    ({"email": "nobody"}, "email", "is not an email address"),
    ({"relationship": "fan"}, "relationship", "must be one of owner, agent, subject"),
    ({"reason": 7}, "reason", "valid string"),
    ({"good_faith": False}, "good_faith", "confirm the statement of good faith"),
    ({"good_faith": "yes"}, "good_faith", "valid boolean"),
    ({"urls": "https://coastpost.example/news/4"}, "urls", "valid list"),
    ({"urls": ["mailto:a@b.example"]}, "urls", "is not an http(s) address"),
    ({"urls": ["https://[::1/unclosed"]}, "urls", "URL 1 ('https://[::1/unclosed') is not an http(s) address"),
    ({"urls": [], "story_ids": ["abc"]}, "story_ids", "item 1"),
    ({"urls": [], "story_ids": [2**63]}, "story_ids", "no story with id"),
    ({"urls": [], "story_ids": [-3]}, "story_ids", "positive"),
    ({"statement": "y" * 10_001}, "statement", "at most 10000 characters"),
    ({"urls": [], "domain": "???"}, "domain", "is not a domain name"),
    ({"scope": "everything"}, "scope", "must be one of article, copies, story, domain"),
    ({"urls": []}, "targets", "name at least one URL"),
])
def test_api_reports_each_mistake(rsite, body, field, message):
    with rsite.client() as c:
        r = c.post("/api/removal-requests", json=api_body(**body) if body.get("name", 1) is not None else
                   {k: v for k, v in api_body().items() if k != "name"})
    assert r.status_code == 422, r.text
    detail = r.json()["detail"]
    assert message in detail[field], detail
    assert field in r.json()["message"]


def test_form_reports_every_mistake_at_once(rsite):
    before = rsite.sql("SELECT count(*) FROM removal_requests")[0][0]
    with rsite.client() as c:
        r = post_form(c, name="", email="not-an-address", relationship=None, urls="", story_ids="4242",
                      good_faith=None)
    assert r.status_code == 422, r.text
    shown = set(re.findall(r'<span id="([a-z_]+)-error" class="field-error">', r.text))
    assert shown == {"name", "email", "relationship", "story_ids", "good_faith"}, shown
    summary = html.unescape(r.text.split('class="error-summary"')[1].split("</div>")[0])
    assert "5 things to correct" in summary and "no story with id 4242" in summary and "give your name" in summary
    assert rsite.sql("SELECT count(*) FROM removal_requests")[0][0] == before
    # A browser checking the `required` fields itself would stop at the first (tests/browser: test_every_mistake...).
    assert "novalidate" in re.search(r"<form[^>]*removal-form[^>]*>", r.text).group(0)


def test_api_reports_every_mistake_at_once(rsite):
    with rsite.client() as c:
        # Fields of the right type, several wrong: the unknown story too, not only the first mistakes.
        r = c.post("/api/removal-requests", json=api_body(name="", email="nobody", urls=[], story_ids=[4242]))
        assert r.status_code == 422
        assert set(r.json()["detail"]) == {"name", "email", "story_ids"}, r.json()
        # Wrong types (FastAPI's own checks) do not hide the mistakes in the fields that could be read.
        body = {k: v for k, v in api_body(email="nobody", relationship="fan", good_faith="yes",
                                          statement="y" * 10_001).items() if k != "name"}
        r = c.post("/api/removal-requests", json=body)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert set(detail) == {"name", "email", "relationship", "good_faith", "statement"}, detail
    assert detail["name"] == "required" and "valid boolean" in detail["good_faith"]
    assert "is not an email address" in detail["email"] and "must be one of" in detail["relationship"]
    assert "at most 10000 characters" in detail["statement"]
    assert all(field in r.json()["message"] for field in detail)


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_api_refuses_bodies_that_are_not_a_json_object(rsite, raw):
    with rsite.client() as c:
        r = c.post("/api/removal-requests", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and "body" in r.json()["detail"], r.text


def test_text_that_is_not_unicode_is_a_mistake_not_a_crash(rsite):
    raw = (b'{"name": "\\ud800", "email": "a@b.example", "relationship": "owner", "reason": "other", '
           b'"good_faith": true, "urls": ["https://x.example/\\udfff"], "statement": "ok"}')
    with rsite.client() as c:
        r = c.post("/api/removal-requests", content=raw, headers={"Content-Type": "application/json"})
        assert r.status_code == 422, r.text
        assert set(r.json()["detail"]) == {"name", "urls"} and "not valid Unicode" in r.json()["detail"]["name"]
        assert c.get("/removal?story=%C2%B2").status_code == 200  # "²" is a digit to str.isdigit, not to int()
        assert c.get("/stories/%C2%B2").status_code == 404


def test_oversized_bodies_are_refused_before_reading(rsite):
    with rsite.client() as c:
        r = c.post("/api/removal-requests", content=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and "larger than" in r.json()["message"]


# ---- administrators ---------------------------------------------------------------------------------------


def test_admin_pages_need_a_login(rsite):
    _, rid = file_request(rsite)
    with rsite.client() as c:
        for path in ("/admin", "/admin/removals", f"/admin/removals/{rid}", "/admin/removals?status=received"):
            r = c.get(path)
            assert r.status_code == 303, path
            assert r.headers["location"] in ("/admin/login", "/admin/removals"), path
        login_page = c.get("/admin/login")
    assert login_page.status_code == 200 and 'name="robots" content="noindex, nofollow"' in login_page.text
    assert login_page.headers["cache-control"] == "no-store" and 'autocomplete="current-password"' in login_page.text


def test_login_logout_and_session_cookie(rsite):
    with rsite.client() as c:
        wrong = c.post("/admin/login", data={"name": ADMIN, "password": "not the password"})
        unknown = c.post("/admin/login", data={"name": "nobody", "password": PASSWORD})
        assert wrong.status_code == unknown.status_code == 401
        assert "The name or the password is wrong." in wrong.text and "The name or the password is wrong." in \
            unknown.text
        assert "set-cookie" not in wrong.headers
        r = c.post("/admin/login", data={"name": ADMIN, "password": PASSWORD})
        assert r.status_code == 303
        cookie = r.headers["set-cookie"]
        assert cookie.startswith("newsdesk_admin=")
        attributes = {a.strip().split("=")[0].lower(): a.strip() for a in cookie.split(";")[1:]}
        assert {"httponly", "path", "samesite", "max-age"} <= set(attributes) and "secure" not in attributes
        assert attributes["path"] == "Path=/admin" and attributes["samesite"].lower() == "samesite=strict"
        assert attributes["max-age"] == "Max-Age=300"
        queue = c.get("/admin/removals")
        assert queue.status_code == 200 and f"Logged in as <strong>{ADMIN}</strong>" in queue.text
        assert queue.headers["cache-control"] == "no-store" and "etag" not in queue.headers
        assert 'content="noindex, nofollow"' in queue.text
        assert c.get("/admin/login").status_code == 303  # logged in already: on to the queue
        token = token_of(queue.text, "csrf_token")
        refused = c.post("/admin/logout", data={})
        assert refused.status_code == 403 and "CSRF" in refused.text
        assert c.get("/admin/removals").status_code == 200  # still logged in
        out = c.post("/admin/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/admin/login"
        assert 'newsdesk_admin=""' in out.headers["set-cookie"] or "Max-Age=0" in out.headers["set-cookie"]
        c.cookies.clear()
        c.cookies.set("newsdesk_admin", r.cookies["newsdesk_admin"])  # the old token: ended on the server
        assert c.get("/admin/removals").status_code == 303


def test_expired_sessions_end(rsite):
    with rsite.client() as c:
        login(c)
        assert c.get("/admin/removals").status_code == 200
        rsite.sql("UPDATE admin_sessions SET expires_at = '2000-01-01 00:00:00.000000'")
        r = c.get("/admin/removals")
        assert r.status_code == 303 and r.headers["location"] == "/admin/login"
        refused = c.post("/admin/logout", data={"csrf_token": "whatever"})
        assert refused.status_code == 403 and "session has expired" in refused.text


def test_failed_logins_are_throttled_per_client(rsite):
    with rsite.client() as c:
        for _ in range(5):
            assert c.post("/admin/login", data={"name": ADMIN, "password": "guess guess"}).status_code == 401
        r = c.post("/admin/login", data={"name": ADMIN, "password": PASSWORD})  # even the right one, for now
        assert r.status_code == 429 and 0 < int(r.headers["retry-after"]) <= 300 and "set-cookie" not in r.headers
    with rsite.client() as other:
        login(other)


def test_admin_actions_without_session_or_csrf_change_nothing(rsite):
    _, rid = file_request(rsite)
    with rsite.client() as anonymous:
        r = anonymous.post(f"/admin/removals/{rid}/accept", data={"reason": "yes"})
        assert r.status_code == 403 and "not logged in" in r.text
    with rsite.client() as c:
        login(c)
        token = csrf(c, rid)
        no_token = c.post(f"/admin/removals/{rid}/accept", data={"reason": "yes"})
        assert no_token.status_code == 403 and "no CSRF token" in no_token.text
        bad = c.post(f"/admin/removals/{rid}/reject", data={"reason": "no", "csrf_token": token[:-2] + "xx"})
        assert bad.status_code == 403 and "CSRF token is wrong" in bad.text
        elsewhere = c.post(f"/admin/removals/{rid}/info", data={"reason": "?", "csrf_token": token},
                           headers={"Origin": "https://evil.example"})
        assert elsewhere.status_code == 403 and "another site" in elsewhere.text
        with rsite.client() as other:  # another administrator's token does not work with this session
            login(other)
            foreign = c.post(f"/admin/removals/{rid}/accept", data={"reason": "yes", "csrf_token": csrf(other, rid)})
            assert foreign.status_code == 403
    assert status_of(rsite, rid) == "received"
    assert [a for (a,) in rsite.sql("SELECT action FROM removal_audit WHERE request_id = :i", i=rid)] == ["received"]


def test_queue_filters_and_pages(rsite):
    desk_store = Store(rsite.db)
    desk = RemovalDesk(desk_store, Settings(database_url=rsite.db, removal_rate_limit=1000))
    from newsdesk.removal import RemovalSubmission

    for i in range(27):
        desk.submit(RemovalSubmission(name=f"Queue {i}", email="q@example.org", relationship="agent",
                                      reason="privacy", good_faith=True, urls=[f"https://q.example/{i}"]),
                    client="203.0.113.250")
    desk.ask_info(desk.list("received")[0].id, actor="cli", reason="which article?")
    desk_store.close()
    with rsite.client() as c:
        login(c)
        first = c.get("/admin/removals?status=received")
        assert first.status_code == 200 and 'aria-current="page">Received' in first.text
        assert len(re.findall(r'<a href="/admin/removals/\d+">', first.text)) == 25
        assert "Queue 25" in first.text and "Queue 26" not in first.text  # newest first; 26 is asking for info
        nxt = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
        second = c.get(nxt)
        assert second.status_code == 200 and "Queue 0" in second.text and 'rel="prev"' in second.text
        info = c.get("/admin/removals?status=needs_info").text
        assert "Queue 26" in info and "Queue 25" not in info
        assert c.get("/admin/removals?status=lost").status_code == 400
        assert c.get("/admin/removals?page=0").status_code == 400
        assert c.get("/admin/removals/999999").status_code == 404


def test_decisions_need_a_reason_and_are_final(rsite):
    public_id, rid = file_request(rsite, urls=["https://nowhere.example/x"])
    with rsite.client() as c:
        login(c)
        token = csrf(c, rid)
        empty = c.post(f"/admin/removals/{rid}/accept", data={"reason": "  ", "csrf_token": token})
        assert empty.status_code == 422 and 'id="reason-error"' in empty.text and 'aria-invalid="true"' in empty.text
        assert status_of(rsite, rid) == "received"
        info = c.post(f"/admin/removals/{rid}/info", data={"reason": "Which article of yours?", "csrf_token": token})
        assert info.status_code == 303 and info.headers["location"] == f"/admin/removals/{rid}?done=info"
        status = c.get(f"/removal/requests/{public_id}").text
        assert "More information needed" in status and "Which article of yours?" in status
        reject = c.post(f"/admin/removals/{rid}/reject", data={"reason": "Not your content.", "csrf_token": token})
        assert reject.status_code == 303
        again = c.post(f"/admin/removals/{rid}/accept", data={"reason": "Changed my mind.", "csrf_token": token})
        assert again.status_code == 409 and "already rejected" in again.text
        assert c.post(f"/admin/removals/{rid}/delete", data={"csrf_token": token}).status_code == 404
        page = c.get(f"/admin/removals/{rid}").text
        assert "Accept and remove" not in page  # no decision form on a decided request
        actions = re.findall(r"<strong>([a-z ]+)</strong>", page.split("Audit trail")[1])
        assert actions == ["rejected", "needs info", "received"]  # in words
        assert c.get(f"/api/removal-requests/{public_id}").json()["decision_reason"] == "Not your content."


# ---- acceptance: gone from everywhere ------------------------------------------------------------------


FEEDS = ("atom", "rss", "json")


def everything(c: httpx.Client, rsite: RemovalSite, quake: int, query: str) -> dict[str, str]:
    """Every answer that could show the article: pages, API, feeds, search."""
    coast = rsite.sources["Coast Post"]
    paths = [f"/stories/{quake}", f"/api/stories/{quake}", "/api/articles?limit=200", "/api/stories?limit=200",
             f"/api/articles?story={quake}", f"/sources/{coast}", "/", f"/search?q={query}", f"/api/search?q={query}",
             "/search?q=Marrask", "/api/search?q=Marrask"]
    for fmt in FEEDS:
        paths += [f"/feed.{fmt}", f"/stories/{quake}/feed.{fmt}", f"/sources/{coast}/feed.{fmt}",
                  f"/search/feed.{fmt}?q=Marrask", f"/search/feed.{fmt}?q={query}"]
    out = {}
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, (path, r.status_code)
        out[path] = r.text
    return out


def test_accepted_request_removes_the_article_everywhere(rsite):
    aid = rsite.ids["independent"]  # Coast Post's own report of the quake, with words no other article has
    quake = rsite.story_of[aid]
    with rsite.client() as c:
        article = c.get(f"/api/articles/{aid}").json()
        url, title, text = article["url"], article["title"], article["text"]
        others = [c.get(f"/api/articles/{a['id']}").json()["text"]
                  for a in c.get(f"/api/stories/{quake}").json()["articles"] if a["id"] != aid]
        before = everything(c, rsite, quake, "blankets")
        assert any("handed out blankets" in body for body in before.values())
        for path in (f"/stories/{quake}", f"/api/stories/{quake}", "/api/articles?limit=200", f"/sources/"
                     f"{rsite.sources['Coast Post']}", "/sources/{}/feed.atom".format(rsite.sources["Coast Post"]),
                     f"/stories/{quake}/feed.json"):
            assert url in before[path], f"the test needs the article on {path} first"
        assert json.loads(before["/api/search?q=blankets"])["results"], "the test needs a search hit first"
        etag = c.get(f"/api/stories/{quake}").headers["etag"]
        page_etag = c.get(f"/stories/{quake}").headers["etag"]

        r = post_form(c, urls=url)
        public_id = r.headers["location"].rsplit("/", 1)[1]
        rid = request_id_of(rsite, public_id)
    with rsite.client() as admin:
        login(admin)
        review = admin.get(f"/admin/removals/{rid}")
        assert NAME in review.text and EMAIL in review.text and "Names 1 article now." in review.text
        assert html.escape(title) in review.text  # what the target resolves to, before deciding
        r = admin.post(f"/admin/removals/{rid}/accept", data={"reason": "The requester's own report.",
                                                             "csrf_token": token_of(review.text, "csrf_token")})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/removals/{rid}?done=accept"
        done = admin.get(r.headers["location"]).text
        assert "The request was accepted: what it names is removed and blocked." in done
        assert "Removed 1 article (former ids" in done
        assert re.findall(r"<strong>([a-z_]+)</strong>", done.split("Audit trail")[1])[:2] == ["suppressed",
                                                                                                  "accepted"]

    with rsite.client() as c:
        after = everything(c, rsite, quake, "blankets")
        for path, body in after.items():
            assert url not in body, f"the removed article's address is still on {path}"
            assert title not in body and html.escape(title) not in body, f"its title is still on {path}"
            assert "handed out blankets" not in body, f"its text is still on {path}"
        assert c.get(f"/api/articles/{aid}").status_code == 404
        story = json.loads(after[f"/api/stories/{quake}"])
        assert aid not in {a["id"] for a in story["articles"]} and story["removed"] is False
        cited = {ci["article_id"] for s in story["brief"] for ci in s["citations"]}
        assert aid not in cited
        for sentence in story["brief"]:  # every sentence of the brief is still quoted from remaining reporting
            assert any(sentence["text"] in t for t in others) or sentence["text"] not in text
        assert json.loads(after["/api/search?q=blankets"])["results"] == []
        assert "No stories match" in after["/search?q=blankets"]
        for fmt in FEEDS:
            parsed = feedparser.parse(after[f"/sources/{rsite.sources['Coast Post']}/feed.{fmt}"]) if fmt != "json" \
                else None
            if parsed is not None:
                assert not parsed.bozo and all(e.link != url for e in parsed.entries)
        assert f"/stories/{quake}" in after["/"]  # the story itself stays, from its other outlets
        fresh = c.get(f"/api/stories/{quake}", headers={"If-None-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["etag"] != etag
        assert c.get(f"/stories/{quake}", headers={"If-None-Match": page_etag}).status_code == 200
        status = c.get(f"/api/removal-requests/{public_id}").json()
        assert status["status"] == "accepted" and status["decision_reason"] == "The requester's own report."
        assert status["decided_at"]
        assert "Accepted: the content was removed" in c.get(f"/removal/requests/{public_id}").text


def test_a_story_whose_articles_are_all_removed_shows_a_notice(rsite):
    with rsite.client() as c:
        stories = c.get("/api/stories?order=updated&limit=200").json()["stories"]
        target = next(s for s in stories if s["headline"] and "Aldermoor" in s["headline"])
        sid, urls = target["id"], [a["url"] for a in target["articles"]]
        assert c.get(f"/stories/{sid}").status_code == 200
    public_id, rid = file_request(rsite, urls=[], story_ids=[sid], reason="privacy", relationship="subject")
    with rsite.client() as admin:
        login(admin)
        token = csrf(admin, rid)
        assert admin.post(f"/admin/removals/{rid}/accept", data={"reason": "About the requester.",
                                                                 "csrf_token": token}).status_code == 303
    with rsite.client() as c:
        page = c.get(f"/stories/{sid}")
        assert page.status_code == 410 and "removed following a request" in page.text
        assert f"(request id {rid})" in page.text and "Aldermoor" not in page.text
        assert public_id not in page.text  # the receipt stays the requester's
        api = c.get(f"/api/stories/{sid}")
        assert api.status_code == 410
        body = api.json()
        assert body["removed"] is True and body["headline"] is None
        assert body["articles"] == [] and body["brief"] == [] and body["timeline"] == [] and body["outlets"] == []
        assert f'href="/stories/{sid}"' not in c.get("/").text
        assert all(s["id"] != sid for s in c.get("/api/stories?order=updated&limit=200").json()["stories"])
        feed = feedparser.parse(c.get(f"/stories/{sid}/feed.atom").text)
        assert not feed.bozo and feed.entries == []
        assert c.get("/api/search?q=Aldermoor").json()["results"] == []
        for u in urls:
            assert u not in c.get("/api/articles?limit=200").text


def test_provisional_suppression_hides_on_receipt_and_a_rejection_restores(start_site):
    own = start_site(_add_admin, removal_provisional=True)
    site = RemovalSite(url=own.url, db=own.db, sources=own.sources, ids=own.ids, story_of=own.story_of)
    aid = site.ids["evening"]
    quake = site.story_of[aid]
    with site.client() as c:
        url = c.get(f"/api/articles/{aid}").json()["url"]
        assert url in c.get(f"/stories/{quake}").text  # cached now
        r = c.post("/api/removal-requests", json=api_body(urls=[url]))
        assert r.status_code == 201 and r.json()["provisional"] is True
        assert c.get(f"/api/articles/{aid}").status_code == 404
        assert url not in c.get(f"/stories/{quake}").text  # at once, not from the cache
        assert "hidden while the request is reviewed" in c.get(f"/removal/requests/{r.json()['id']}").text
        rid = request_id_of(site, r.json()["id"])
    with site.client() as admin:
        login(admin)
        token = csrf(admin, rid)
        assert admin.post(f"/admin/removals/{rid}/reject", data={"reason": "Not the requester's.",
                                                                 "csrf_token": token}).status_code == 303
    with site.client() as c:
        assert c.get(f"/api/articles/{aid}").json()["url"] == url  # back, with its id
        assert url in c.get(f"/stories/{quake}").text
    site.engine.dispose()


def test_a_rejection_gives_the_newest_article_back_its_id_though_a_new_one_came_meanwhile(start_site):
    own = start_site(removal_provisional=True)
    store = Store(own.db)

    def settled() -> None:  # changed from this process: the server checks the data version once a second
        time.sleep(1.2)

    try:
        desk = RemovalDesk(store, Settings(database_url=own.db, removal_provisional=True))
        newest = max(a.id for a in store.iter_articles())
        with httpx.Client(base_url=own.url, timeout=30) as c:
            url = c.get(f"/api/articles/{newest}").json()["url"]
            receipt = desk.submit(RemovalSubmission(name=NAME, email=EMAIL, relationship="owner", reason="copyright",
                                                    good_faith=True, urls=[url]), client="192.0.2.60")
            later = Article(url="https://late.example.com/report", title="A later report",
                            text="A later report on the harbour, in words of its own.")
            later_id, _ = store.save_article(later)
            assert later_id > newest  # SQLite gave it the id of the article set aside
            settled()
            assert c.get(f"/api/articles/{newest}").status_code == 404  # and this answered the later article
            assert desk.reject(receipt.public_id, actor="cli", reason="Not theirs.").restored == [newest]
            settled()
            assert c.get(f"/api/articles/{newest}").json()["url"] == url
            assert c.get(f"/api/articles/{later_id}").json()["url"] == later.url
    finally:
        store.close()


# ---- mail to the requester ------------------------------------------------------------------------------


def test_without_smtp_the_form_promises_no_mail(rsite):
    with rsite.client() as c:
        form = c.get("/removal").text
        assert "This site sends no email: the status of your request is shown on its status page only" in form
        assert "We write to you" not in form
        r = post_form(c, urls="https://coastpost.example/news/7")
        status = c.get(r.headers["location"]).text
        api = c.get("/api/removal-requests/" + r.headers["location"].rsplit("/", 1)[1]).json()
    assert "This site sends no email about this request: its status is shown on this page only." in status
    assert "<dt>Email</dt>" not in status and api["mail"] is None
    # Mail queued while an SMTP server was set, which was unset since: never promised as on its way.
    rid = request_id_of(rsite, api["id"])
    rsite.sql("UPDATE removal_requests SET mail_about = 'received', mail_status = 'pending' WHERE id = :i", i=rid)
    with rsite.client() as c:
        status = c.get(r.headers["location"]).text
    assert "Could not be sent to the address you gave: this page shows the status." in status


@pytest.fixture(scope="module")
def mailing_site(start_site):
    from smtpserver import start_smtp

    controller, inbox = start_smtp()
    own = start_site(_add_admin, trusted_proxies="127.0.0.1", smtp_host="127.0.0.1", smtp_port=controller.port,
                     smtp_tls="none", smtp_sender="removals@news.example.org", public_url="http://news.example.org")
    site = RemovalSite(url=own.url, db=own.db, sources=own.sources, ids=own.ids, story_of=own.story_of)
    yield site, inbox
    site.engine.dispose()
    controller.stop()


def test_with_smtp_the_requester_gets_the_acknowledgement_and_the_decision(mailing_site):
    from smtpserver import body_of

    site, inbox = mailing_site
    with site.client() as c:
        form = c.get("/removal").text
        assert "We write to you there when we receive this request and when it is decided" in form
        assert "sends no email" not in form
        r = post_form(c, name="Ada\r\nBcc: eve@example.net", urls="https://coastpost.example/news/8")
        assert r.status_code == 303, r.text
        public_id = r.headers["location"].rsplit("/", 1)[1]
        ack = inbox.wait_for(1)[0]
        assert inbox.envelopes[0].rcpt_tos == [EMAIL] and ack["Bcc"] is None
        assert f"http://news.example.org/removal/requests/{public_id}" in body_of(ack)
        status = c.get(r.headers["location"]).text
        assert "Sent to the address you gave on" in status and EMAIL not in status
        assert c.get(f"/api/removal-requests/{public_id}").json()["mail"]["status"] == "sent"
    rid = request_id_of(site, public_id)
    with site.client() as admin:
        login(admin)
        assert "<strong>mail sent</strong>" in admin.get(f"/admin/removals/{rid}").text
        r = admin.post(f"/admin/removals/{rid}/accept", data={"reason": "It is your report.",
                                                              "csrf_token": csrf(admin, rid)})
        assert r.status_code == 303, r.text
        decision = inbox.wait_for(2)[1]
        assert decision["Subject"] == f"Your removal request {public_id} was accepted"
        assert "    It is your report." in body_of(decision)
        page = admin.get(f"/admin/removals/{rid}").text
        assert "sent, telling “Accepted" in page
