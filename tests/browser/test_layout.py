"""A layout that holds (issue 18 item 1): every page, at 360, 390 and 1280 px, over a store built to stress it
(50 sources with long names, long addresses and long errors, outlets with long names, long words and URLs in
headlines, a story with many statements and entities, a removal request and an administrator):

- the page is never wider than the screen (`document.documentElement.scrollWidth` <= the viewport): a wide table
  scrolls inside its own box;
- no word of a table cell, label, button, legend or summary is split across lines (a Range over each word's text:
  client rects on more than one line are a split); long unbreakable tokens (addresses) may break, and only there;
- every image has alt text.

Screenshots of each page at each width land in test-artifacts/screenshots/layout-NAME-WIDTH.png.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "stories"))

from corpus import records  # noqa: E402
from served_site import SCREENSHOTS, TIMEOUT_MS, serve  # noqa: E402

from newsdesk.analyze.stage import AnalysisStage  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.models import Article  # noqa: E402
from newsdesk.removal import RemovalDesk  # noqa: E402
from newsdesk.removal.models import RemovalSubmission  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402

WIDTHS = (360, 390, 1280)
ADMIN, PASSWORD = "layout-admin", "a long enough password"
LONG_OUTLET = "The Extraordinarily Long-Named Metropolitan Evening Chronicle and Commercial Advertiser"
LONG_WORD = "Donaudampfschifffahrtsgesellschaftskapitänswitwe"
LONG_URL = ("https://www.an-outlet-with-a-very-long-domain-name-indeed.example/news/2025/03/08/"
            + "a-headline-slug-that-goes-on-and-on-" * 4 + "index.html")
STATUSES = (None, "ok", "not_modified", "error", "warning", "ok", "not_modified")

# One report that quotes many people in many places: a story with many statements and entities.
FIRST = ["Elena", "Marco", "Ingrid", "Tomasz", "Amira", "Jonas", "Lucia", "Pavel", "Sofia", "Henrik", "Nadia",
         "Oskar", "Irene", "Viktor", "Clara", "Dmitri", "Helena", "Rafael", "Greta", "Anton"]
LAST = ["Varga", "Rossi", "Lindqvist", "Nowak", "Haddad", "Becker", "Moreno", "Horak", "Petrova", "Dahl",
        "Karimi", "Berg", "Costa", "Sokolov", "Weber", "Ivanov", "Novak", "Torres", "Olsen", "Fischer"]
TOWNS = ["Brenmoor", "Karvik", "Ostrava", "Lindholm", "Port Selin", "Dravena", "Marrask", "Velden", "Torvik",
         "Halden"]
ROLES = ["the mayor of", "a fisherman from", "the harbour master of", "a councillor in", "a teacher in"]


def many_voices_text() -> str:
    lines = ["Storms flooded the harbour towns of the northern coast on Tuesday, and officials across the region "
             "said the damage would take months to repair."]
    for i in range(20):
        name, town, role = f"{FIRST[i]} {LAST[i]}", TOWNS[i % len(TOWNS)], ROLES[i % len(ROLES)]
        lines.append(f'"The water reached the second floor of the houses on the quay in {town}," said {name}, '
                     f"{role} {town}.")
        lines.append(f"{name} said the council of {town} would ask the government for emergency funds this week.")
    lines.append(f"A reader wrote to the paper about the {LONG_WORD} and gave the address {LONG_URL} for help.")
    return "\n\n".join(lines)


@dataclass
class StressSite:
    url: str = ""
    db: str = ""
    stories: list[int] = field(default_factory=list)
    voices_story: int = 0
    outlet_source: int = 0
    sources: list[int] = field(default_factory=list)
    error_source: int = 0
    receipt: str = ""
    request_id: int = 0
    entity_path: str = ""
    removed_story: int = 0


@pytest.fixture(scope="module")
def stress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StressSite]:
    tmp = tmp_path_factory.mktemp("layout-site")
    site = StressSite(db=f"sqlite:///{tmp / 'newsdesk.db'}")
    store = Store(site.db)
    store.migrate()
    day = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
    # One outlet with a long name publishes a third of the stories and the many-voices report: its source page lists
    # long headlines and addresses.
    outlet, _ = store.add_source(LONG_URL.rsplit("/", 1)[0] + "/feed.xml", interval=900, title=LONG_OUTLET)
    site.outlet_source = outlet.id
    for n, rec in enumerate(records()):
        published = datetime.fromisoformat(rec["published"]) if rec["published"] else None
        article = Article(url=f"https://{rec['source'].lower().replace(' ', '')}.example/news/{rec['id']}",
                          title=rec["title"], text=rec["text"], published=published, language="en")
        if n % 3 == 0:
            store.save_article(article, source_id=outlet.id, source_name=LONG_OUTLET)
        else:
            store.save_article(article, source_name=rec["source"])
    voices, _ = store.save_article(
        Article(url=LONG_URL, title=f"Storm floods harbour towns: {LONG_WORD} and twenty voices from the coast",
                text=many_voices_text(), published=day, language="en"), source_id=outlet.id, source_name=LONG_OUTLET)
    StoryEngine(store).process_pending()
    AnalysisStage(store, Settings(database_url=site.db)).process_pending()
    story_of = {a.id: a.story_id for a in store.iter_articles()}
    site.voices_story = story_of[voices]
    site.stories = sorted({sid for sid in story_of.values() if sid and sid != site.voices_story})

    for i in range(50):
        long = i % 5 == 0
        url = (f"https://feeds.{'a-publisher-with-a-very-long-hostname-' if long else ''}outlet-{i}.example"
               f"/rss/{'section/' * (6 if long else 1)}feed.xml")
        title = f"{LONG_OUTLET} number {i}" if long else (None if i % 7 == 3 else f"Outlet {i} News")
        src, _ = store.add_source(url, interval=900, title=title)
        status = STATUSES[i % len(STATUSES)]
        values: dict = {"last_status": status, "articles_found": i * 37}
        if status:
            values.update(last_fetch_at=day + timedelta(hours=i), last_success_at=day + timedelta(hours=i))
        if status == "error":
            values.update(last_error=f"could not fetch {url}{'?page=' + 'x' * 80 if long else ''}: HTTP 503 "
                                     "Service Unavailable after three attempts", last_error_reason="http_status",
                          consecutive_failures=3)
        if status == "warning":
            values.update(last_error="12 of 12 entries failed and none was stored", last_pass={
                "at": day.isoformat(), "found": 12, "stored": 0, "from_feed": 0, "failed": 12,
                "reasons": [{"reason": "http_status", "count": 8, "message": f"HTTP 404 for {url}"},
                            {"reason": "not_html", "count": 4, "message": "not an HTML page (application/pdf)"}]})
        store.update_source(src.id, **values)
        site.sources.append(src.id)
        if status == "error" and long:
            site.error_source = src.id
    site.error_source = site.error_source or site.sources[3]

    desk = RemovalDesk(store, Settings(database_url=site.db))
    receipt = desk.submit(RemovalSubmission(
        name=f"Ada {LONG_WORD} Example", email="ada.with.a.long.address@an-organisation-with-a-long-name.example",
        relationship="owner", reason="copyright", good_faith=True, urls=[LONG_URL],
        details=f"This report copies our text word for word. {LONG_URL}"), client="198.51.100.7")
    site.receipt = receipt.public_id
    site.request_id = desk.get(receipt.public_id).id
    desk.create_admin(ADMIN, PASSWORD)
    site.removed_story = site.stories[-1]  # a story removed on request: the page that says so
    gone = desk.submit(RemovalSubmission(name="Bo", email="bo@example.org", relationship="subject", reason="privacy",
                                         good_faith=True, story_ids=[site.removed_story]), client="198.51.100.8")
    desk.accept(gone.public_id, ADMIN, "It names a private person.")
    store.close()

    with serve(site.db, tmp) as (site.url, _log):
        yield site


# Every word of the elements a reader must read whole (a date such as 2025-03-04 is one word); a token with no
# space that is long (an address) may break.
SPLIT_WORDS = r"""
() => {
  const lineOf = r => Math.round(r.top + r.height / 2);
  const split = [];
  for (const el of document.querySelectorAll('th, td, label, button, legend, summary, .tabs a, dt')) {
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.textContent;
      for (const token of text.matchAll(/\S+/g)) {
        if (token[0].length > 30 || token[0].includes('/') || token[0].includes('@')) continue;
        for (const word of token[0].matchAll(/\d{4}-\d\d-\d\d|[\p{L}\p{N}_]{2,}/gu)) {
          const range = document.createRange();
          const start = token.index + word.index;
          range.setStart(node, start);
          range.setEnd(node, start + word[0].length);
          const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(lineOf));
          if (lines.size > 1) split.push(`${el.tagName.toLowerCase()}: "${word[0]}"`);
        }
      }
    }
  }
  return split;
}
"""
WIDE = """() => ({scroll: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,
  wide: [...document.querySelectorAll('body *')].filter(e => {
      const r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 1 && r.width > 0
        && !e.closest('.table-wrap'); }).slice(0, 5).map(e => e.tagName + '.' + e.className),
  cards: [...document.querySelectorAll('.table-wrap')].filter(w => w.querySelector('table.cards')
      && w.scrollWidth > w.clientWidth).length,
  tables: [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth).length})"""
NO_ALT = "() => [...document.images].filter(i => !(i.getAttribute('alt') || '').trim()).map(i => i.src)"


def check(page, name: str, width: int) -> list[str]:
    """What is wrong with the layout of the page shown (at `width`); its screenshot is saved either way."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"layout-{name}-{width}.png"), full_page=True)
    problems = []
    wide = page.evaluate(WIDE)
    if wide["scroll"] > wide["viewport"]:
        problems.append(f"{name} at {width} px is {wide['scroll']} px wide: {wide['wide']}")
    if width < 640 and wide["cards"]:  # a table shown as cards on a phone fits without scrolling
        problems.append(f"{name} at {width} px: a table of cards scrolls sideways")
    if width >= 1024 and wide["tables"]:  # on a desktop a table fits the page: long addresses break in their cell
        problems.append(f"{name} at {width} px: a table scrolls sideways")
    problems += [f"{name} at {width} px splits {w}" for w in page.evaluate(SPLIT_WORDS)]
    problems += [f"{name} at {width} px: image without alt text {src}" for src in page.evaluate(NO_ALT)]
    return problems


def pages(site: StressSite) -> dict[str, str]:
    """Every page of the site a reader or an administrator reaches, by name."""
    return {
        "home": "/",
        "story-voices": f"/stories/{site.voices_story}",
        "story-first": f"/stories/{site.stories[0]}",
        "story-articles": f"/stories/{site.voices_story}/articles",
        "story-statements": f"/stories/{site.voices_story}/statements",
        "search": "/search",
        "search-filters": f"/search?q=storm&since=2020-01-01&until=2026-12-31&source={site.sources[0]}&language=en",
        "search-results": "/search?q=harbour",
        "sources": "/sources",
        "source-error": f"/sources/{site.error_source}",
        "source-articles": f"/sources/{site.outlet_source}",
        "entities": "/entities",
        "entities-search": "/entities?q=e",
        "entity": site.entity_path,
        "removal-form": "/removal?" + f"url={LONG_URL}",
        "removal-receipt": f"/removal/requests/{site.receipt}",
        "admin-queue": "/admin/removals",
        "admin-request": f"/admin/removals/{site.request_id}",
        "story-removed": f"/stories/{site.removed_story}",
        "not-found": "/stories/999999",
    }


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_fits_the_screen_and_splits_no_word(browser, stress, width):
    context = browser.new_context(viewport={"width": width, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        page.goto(f"{stress.url}/stories/{stress.voices_story}")
        hrefs = page.locator('a[href^="/entities/"]').evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert len(hrefs) >= 10, f"the stress story names few entities: {hrefs}"
        assert page.locator("li.said").count() >= 8, "the stress story leads with few statements"
        page.goto(f"{stress.url}/stories/{stress.voices_story}/statements")
        assert page.locator("li.said").count() >= 10, "the stress story carries few statements"
        stress.entity_path = hrefs[0]
        page.goto(f"{stress.url}/admin/login")
        problems = check(page, "admin-login", width)
        page.get_by_label("Name").fill(ADMIN)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/admin/removals$"))
        for name, path in pages(stress).items():
            response = page.goto(stress.url + path)
            assert response.status == {"not-found": 404, "story-removed": 410}.get(name, 200), f"{name}: GET {path}"
            problems += check(page, name, width)
        page.goto(f"{stress.url}/removal")  # the form sent empty: every mistake listed, each by its field
        page.get_by_role("button", name="Send the request").click()
        page.wait_for_load_state("load")
        assert page.locator(".error-summary").is_visible()
        problems += check(page, "removal-form-errors", width)
        assert not problems, "\n".join(problems)
    finally:
        context.close()
