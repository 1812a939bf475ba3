"""Who the client is, and limits that hold, against real `newsdesk serve` processes on SQLite and PostgreSQL
(issue 13, item 8): X-Forwarded-For counts only from the proxies named in NEWSDESK_TRUSTED_PROXIES (then the
right-most address that is not one of them is the client), and the per-client limits (removal requests, failed
admin logins) admit exactly their number, however many requests come at once."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from pg import new_database
from serveprocess import ServeProcess, serving

from newsdesk.config import Settings
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store
from newsdesk.web.common import trusted_proxies

pytestmark = pytest.mark.both_engines

LIMIT = 5  # removal requests per client per window, and failed logins per client (admin.LoginThrottle)
ADMIN, PASSWORD = "editor", "correct horse battery staple"
_addresses = (f"203.0.113.{i}" for i in itertools.count(1))


def removal_body(name: str) -> dict:
    return {"name": name, "email": "ada@example.org", "relationship": "owner", "reason": "copyright",
            "urls": ["https://coastpost.example/news/4"], "statement": "Mine.", "good_faith": True}


def make_store(request: pytest.FixtureRequest, engine: str, folder: Path) -> str:
    db = new_database(request, engine, folder)
    store = Store(db)
    store.migrate()
    RemovalDesk(store, Settings(database_url=db)).create_admin(ADMIN, PASSWORD)
    store.close()
    return db


@pytest.fixture(scope="module")
def untrusted(request: pytest.FixtureRequest, engine: str,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A server with no trusted proxy (the default): every client it sees is the loopback."""
    folder = tmp_path_factory.mktemp("untrusted")
    with serving(make_store(request, engine, folder), folder, "--no-background-fetch",
                 removal_rate_limit=str(LIMIT)) as proc:
        yield proc


@pytest.fixture(scope="module")
def proxied(request: pytest.FixtureRequest, engine: str,
            tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """A server behind a proxy on the loopback (NEWSDESK_TRUSTED_PROXIES=127.0.0.1)."""
    folder = tmp_path_factory.mktemp("proxied")
    with serving(make_store(request, engine, folder), folder, "--no-background-fetch",
                 removal_rate_limit=str(LIMIT), trusted_proxies="127.0.0.1") as proc:
        yield proc


def file_removal(server: ServeProcess, forwarded: str | None = None, name: str = "Ada") -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return httpx.post(server.url + "/api/removal-requests", json=removal_body(name), headers=headers,
                      timeout=30).status_code


def bad_login(server: ServeProcess, forwarded: str | None = None) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return httpx.post(server.url + "/admin/login", data={"name": ADMIN, "password": "a wrong guess"},
                      headers=headers, timeout=30).status_code


def at_once(count: int, call: Callable[[], int]) -> Counter:
    """`count` calls started together from as many threads; the statuses they got."""
    barrier, statuses, lock = threading.Barrier(count), Counter(), threading.Lock()

    def run() -> None:
        barrier.wait()
        status = call()
        with lock:
            statuses[status] += 1

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return statuses


def test_a_forwarded_address_from_an_untrusted_client_is_ignored(untrusted):
    removals = Counter(file_removal(untrusted, next(_addresses)) for _ in range(3 * LIMIT))
    assert removals == {201: LIMIT, 429: 2 * LIMIT}
    logins = Counter(bad_login(untrusted, next(_addresses)) for _ in range(LIMIT + 3))
    assert logins == {401: LIMIT, 429: 3}


def test_a_trusted_proxy_s_forwarded_address_is_the_client(proxied):
    assert Counter(file_removal(proxied, next(_addresses)) for _ in range(2 * LIMIT)) == {201: 2 * LIMIT}
    client = next(_addresses)
    # The proxy appends the address it saw; whatever the client wrote before it is not trusted.
    spoofed = Counter(file_removal(proxied, f"{next(_addresses)}, {client}") for _ in range(LIMIT + 2))
    assert spoofed == {201: LIMIT, 429: 2}
    other = next(_addresses)
    logins = Counter(bad_login(proxied, f"{next(_addresses)}, {other}, 127.0.0.1") for _ in range(LIMIT + 2))
    assert logins == {401: LIMIT, 429: 2}
    assert bad_login(proxied, next(_addresses)) == 401  # another client is not held by that one's failures


def test_concurrent_failed_logins_of_one_client_fail_exactly_the_limit(proxied):
    client = next(_addresses)
    assert at_once(4 * LIMIT, lambda: bad_login(proxied, client)) == {401: LIMIT, 429: 3 * LIMIT}


def test_concurrent_removal_requests_of_one_client_are_accepted_exactly_to_the_limit(request, engine, tmp_path):
    """Twenty requests at once from one client, dealt to two server processes: exactly LIMIT are stored."""
    with serving(make_store(request, engine, tmp_path), tmp_path, "--no-background-fetch", "--workers", "2",
                 removal_rate_limit=str(LIMIT), serve_threads="8") as server:
        statuses = at_once(4 * LIMIT, lambda: file_removal(server, name="Concurrent"))
        assert statuses == {201: LIMIT, 429: 3 * LIMIT}, server.log_text()[-3000:]
        assert "Traceback" not in server.log_text()


def test_trusted_proxies_are_addresses_or_networks_and_a_typo_stops_the_server(tmp_path):
    assert trusted_proxies("") == [] and trusted_proxies(" 127.0.0.1, 10.0.0.0/8 ,::1") == [
        "127.0.0.1/32", "10.0.0.0/8", "::1/128"]
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}",
           "NEWSDESK_TRUSTED_PROXIES": "10.0.0.0/8, proxy.local"}
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "serve", "--workers", "2", "--no-background-fetch",
                           "--no-default-sources"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "NEWSDESK_TRUSTED_PROXIES" in done.stderr and "'proxy.local' is not an IP address" in done.stderr
