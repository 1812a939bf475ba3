"""Browser tests: the real `newsdesk serve` process over a store of real stories, driven by Playwright in
Debian's Chromium (installed by `scripts/install-system-deps.sh`, which `make test` runs first).

The stories come from the hand-written corpus of tests/stories/corpus.py. Each article's URL points at a
local HTTP server that serves an article page for it, so a citation link on a story page can be followed
to the "original" article. One extra story carries a script in its title and body: it must never run.

Screenshots of every page, at phone and desktop widths, go to test-artifacts/screenshots/.
"""

from __future__ import annotations

import html
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stories"))

from corpus import records  # noqa: E402
from localserver import LocalServer, Response  # noqa: E402
from served_site import SCREENSHOTS, TIMEOUT_MS, serve  # noqa: E402
from who_said_what_story import BRIDGE, BRIDGE_DAY, BRIDGE_IDS  # noqa: E402

from newsdesk.analyze.stage import AnalysisStage  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.models import Article  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402

CHROMIUM = Path(os.environ.get("NEWSDESK_CHROMIUM", "/usr/bin/chromium"))
# As root, in a container with a closed network: no sandbox, no GPU, no background calls to Google.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}

# A story whose publisher text tries to run script in the reader's browser (title and body).
XSS_TITLE = 'Harbour festival <script>window.__xss = "title"</script> draws <img src=x onerror="window.__xss=1"> crowds'
XSS_TEXT = (
    "Thousands of visitors came to the harbour festival in the coastal town of Brenmoor on Saturday, "
    "the organisers said, the largest crowd since the festival began.\n\n"
    'Stalls sold smoked fish and <script>window.__xss = "body"</script> local cider along the quay while '
    "brass bands played until late in the evening.\n\n"
    "The town council said it would add extra buses next year after long queues at the station."
)
XSS_DAY = datetime(2025, 3, 8, 12, 0, tzinfo=UTC)


@dataclass
class Site:
    """The running server and what was put in its store."""

    url: str
    db: str = ""  # the store's SQLAlchemy URL (tests may add to it, e.g. an administrator)
    articles: dict[str, dict] = field(default_factory=dict)  # local article URL -> corpus record
    stories: dict[int, str] = field(default_factory=dict)  # story id -> headline
    story_of: dict[int, int] = field(default_factory=dict)  # corpus id -> story id
    log: Path | None = None

    def story_with(self, corpus_id: int) -> int:
        return self.story_of[corpus_id]

    def status(self, path: str) -> int:
        return httpx.get(self.url + path, timeout=10).status_code

    def require(self, path: str, what: str) -> None:
        """Skip while the page this test needs is not built yet (a 404 on its route); any other answer runs it."""
        if self.status(path) == 404:
            pytest.skip(f"{what} not built yet: GET {path} is 404 (issue 4)")


def _article_page(rec: dict) -> str:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in rec["text"].split("\n\n"))
    title = html.escape(rec["title"])
    return (f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head>"
            f"<body><article><h1>{title}</h1><p class=source>{html.escape(rec['source'])}</p>{paragraphs}"
            "</article></body></html>")


@pytest.fixture(scope="session")
def article_server() -> Iterator[LocalServer]:
    with LocalServer() as server:
        yield server


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, article_server: LocalServer) -> Iterator[Site]:
    tmp = tmp_path_factory.mktemp("browser-site")
    db = f"sqlite:///{tmp / 'newsdesk.db'}"
    corpus = records()
    corpus.append({"id": len(corpus) + 1, "title": XSS_TITLE, "text": XSS_TEXT, "published": XSS_DAY.isoformat(),
                   "url": "", "source": "Brenmoor Gazette"})
    for (source, title, text), cid in zip(BRIDGE, BRIDGE_IDS, strict=True):
        assert cid == len(corpus) + 1
        corpus.append({"id": cid, "title": title, "text": text, "url": "", "source": source,
                       "published": (BRIDGE_DAY + timedelta(hours=2 * len(corpus))).isoformat()})
    store = Store(db)
    store.migrate()
    site = Site(url="", db=db)
    ids: dict[int, int] = {}
    for rec in corpus:
        slug = rec["source"].lower().replace(" ", "")
        path = f"/{slug}/news/{rec['id']}"
        rec = {**rec, "url": article_server.url(path)}
        article_server.route(path, Response(200, _article_page(rec), {"Content-Type": "text/html; charset=utf-8"}))
        site.articles[rec["url"]] = rec
        published = datetime.fromisoformat(rec["published"]) if rec["published"] else None
        ids[rec["id"]], _ = store.save_article(
            Article(url=rec["url"], title=rec["title"], text=rec["text"], published=published, language="en"),
            source_name=rec["source"])
    StoryEngine(store).process_pending()
    # Who and where, who said what: the story pages link their people and places to entity pages.
    AnalysisStage(store, Settings(database_url=db)).process_pending()
    by_article = {a.id: a.story_id for a in store.iter_articles()}
    site.story_of = {cid: by_article[aid] for cid, aid in ids.items()}
    site.stories = {s.id: s.headline or "" for s in store.list_stories(limit=100)}
    store.close()

    with serve(db, tmp) as (site.url, site.log):
        yield site


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: run `make install` (pip install -e '.[test]')")
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        found = shutil.which("chromium")
        pytest.fail(f"Chromium not found at {CHROMIUM}{f' (there is one at {found})' if found else ''}: "
                    "run scripts/install-system-deps.sh (as root, or with sudo) to install Debian's chromium, "
                    "or set NEWSDESK_CHROMIUM to its path")
    with sync_playwright() as pw:
        # Playwright starts Chromium with a fresh temporary user-data dir of its own.
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


class Problems:
    """Console errors and uncaught page errors seen on the site's own pages."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.items: list[str] = []

    def console(self, msg: object) -> None:
        url = (msg.location or {}).get("url", "")
        # Chromium asks for /favicon.ico once per browser, so which test would see its 404 depends on the
        # order: test_site.py::test_pages_declare_or_serve_an_icon checks it on every page instead.
        if msg.type == "error" and url.startswith(self.origin) and not url.endswith("/favicon.ico"):
            self.items.append(f"console error on {msg.location.get('url')}: {msg.text}")

    def page_error(self, error: object) -> None:
        self.items.append(f"uncaught page error: {error}")


def _new_page(browser: object, site: Site, **context_args: object) -> Iterator[object]:
    context = browser.new_context(viewport=VIEWPORTS["desktop"], **context_args)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = Problems(site.url)
    page.on("console", problems.console)
    page.on("pageerror", problems.page_error)
    page.problems = problems
    try:
        yield page
        assert not problems.items, "\n".join(problems.items)
    finally:
        context.close()


@pytest.fixture
def page(browser: object, site: Site) -> Iterator[object]:
    """A desktop-sized page with JavaScript on; the test fails on any console error of the site."""
    yield from _new_page(browser, site)


@pytest.fixture
def nojs_page(browser: object, site: Site) -> Iterator[object]:
    """The same with JavaScript disabled: the site must work without it."""
    yield from _new_page(browser, site, java_script_enabled=False)


@pytest.fixture
def screenshot() -> object:
    """`screenshot(page, "front")`: see `take_screenshots`."""
    return take_screenshots


def take_screenshots(page: object, name: str) -> list[Path]:
    """The current page at phone and desktop width (full page), as test-artifacts/screenshots/NAME-WIDTH.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    before = page.viewport_size
    paths = []
    for label, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        path = SCREENSHOTS / f"{name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        paths.append(path)
    page.set_viewport_size(before)
    return paths
