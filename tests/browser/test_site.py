"""What a reader does with a real browser: front page, a story, a citation, search, keyboard only, no
JavaScript, and publisher script that must not run. Screenshots of each page land in
test-artifacts/screenshots/ (phone and desktop widths)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

QUAKE = 1  # corpus id of the wire story of the Marrask earthquake (its story has 5 articles)
ELECTION = 6
LATER_QUAKE = 7  # corpus id of the earthquake a year later (the same head of the emergency agency speaks)
XSS = 8  # the story whose title and body carry script


def story_link(page, story_id: int):
    return page.locator(f'a[href="/stories/{story_id}"]').first


def wait_path(page, path_re: str) -> None:
    page.wait_for_url(re.compile(path_re))


def test_front_page_lists_every_story(page, site, screenshot):
    site.require(f"/stories/{site.story_with(QUAKE)}", "the story page")
    response = page.goto(site.url + "/")
    assert response.status == 200
    assert page.title().strip()
    assert page.locator("main, [role=main]").count() == 1, "the front page needs one main landmark"
    hrefs = page.locator('a[href^="/stories/"]').evaluate_all("els => els.map(e => e.getAttribute('href'))")
    linked = {int(h.rsplit("/", 1)[1]) for h in hrefs if re.fullmatch(r"/stories/\d+", h)}
    assert set(site.stories) <= linked, f"stories not linked from the front page: {set(site.stories) - linked}"
    quake = site.stories[site.story_with(QUAKE)]
    assert quake in story_link(page, site.story_with(QUAKE)).inner_text()
    screenshot(page, "front")


def test_open_a_story_and_follow_a_citation(page, site, screenshot, article_server):
    story_id = site.story_with(QUAKE)
    site.require(f"/stories/{story_id}", "the story page")
    page.goto(site.url + "/")
    story_link(page, story_id).click()
    wait_path(page, rf"/stories/{story_id}$")
    headline = site.stories[story_id]
    h1 = page.locator("h1")
    assert h1.count() == 1 and h1.inner_text().strip() == headline
    body = page.locator("body").inner_text()
    # Printed once; other occurrences may only be links (the member article that carries that title).
    outside_links = page.evaluate(
        "() => { const b = document.body.cloneNode(true); b.querySelectorAll('a').forEach(a => a.remove());"
        " return b.textContent.replace(/\\s+/g, ' '); }")
    assert outside_links.count(headline) == 1, "the headline is printed more than once"
    citations = page.locator("a.citation")
    assert citations.count() >= 3, "every sentence of the brief should carry a citation link"
    hrefs = citations.evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert set(hrefs) <= set(site.articles), f"citations that are not the original articles: {hrefs}"
    assert page.locator('a[href*="remov"]').count() >= 1, "no removal link on the story page"
    api = page.request.get(f"{site.url}/api/stories/{story_id}")
    if api.ok:  # the disclaimer the API gives is the one the page shows
        disclaimer = " ".join(api.json()["disclaimer"].split())
        assert disclaimer in " ".join(body.split())
    screenshot(page, "story")

    target = hrefs[0]
    citations.first.click()
    page.wait_for_url(target)
    assert page.locator("article h1").inner_text() == site.articles[target]["title"]
    assert any(r.path == urlsplit(target).path for r in article_server.requests)


def test_open_an_entity_page_from_a_story(page, site, screenshot):
    """Who and where on the story page links each person to a page of every story that names them: the head
    of the emergency agency speaks in both earthquakes, a year apart."""
    story_id, later = site.story_with(QUAKE), site.story_with(LATER_QUAKE)
    site.require(f"/stories/{story_id}", "the story page")
    page.goto(site.url + f"/stories/{story_id}")
    who = page.locator("section[aria-labelledby=entities-h]")
    assert who.locator("h2").inner_text().strip() == "Who and where"
    said = page.locator("section[aria-labelledby=statements-h]")
    assert said.count() == 1 and "We are still pulling people from the rubble" in said.inner_text()
    screenshot(page, "story-who-said-what")
    link = who.get_by_role("link", name="Irena Kovalt")
    href = link.get_attribute("href")
    assert href and href.startswith("/entities/")
    link.click()
    wait_path(page, re.escape(href) + "$")
    assert page.locator("h1").inner_text().strip() == "Irena Kovalt"
    hrefs = page.locator('main a[href^="/stories/"]').evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs[:2] == [f"/stories/{later}", f"/stories/{story_id}"], hrefs  # newest first
    screenshot(page, "entity")
    page.get_by_role("link", name=site.stories[story_id]).click()
    wait_path(page, rf"/stories/{story_id}$")


def test_search_finds_a_story_and_opens_it(page, site, screenshot):
    story_id = site.story_with(QUAKE)
    site.require("/search?q=Marrask", "the search page")
    page.goto(site.url + "/")
    form = page.locator('form[role="search"]')
    if form.count() == 0:  # the form may live on the search page only
        page.goto(site.url + "/search")
        form = page.locator('form[role="search"]')
    assert form.count() >= 1 and form.first.get_attribute("action") == "/search"
    assert (form.first.get_attribute("method") or "get").lower() == "get"
    form.first.locator('input[name="q"]').fill("Marrask")
    form.first.locator('input[name="q"]').press("Enter")
    wait_path(page, r"/search\?(.*&)?q=Marrask")
    results = page.locator('a[href^="/stories/"]').evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert f"/stories/{story_id}" in results, f"the Marrask story is not among the results {results}"
    assert f"/stories/{site.story_with(ELECTION)}" not in results, "the election story matched 'Marrask'"
    screenshot(page, "search")
    page.locator(f'main a[href="/stories/{story_id}"], a[href="/stories/{story_id}"]').first.click()
    wait_path(page, rf"/stories/{story_id}$")
    assert page.locator("h1").inner_text().strip() == site.stories[story_id]


def test_search_without_results_says_so(page, site, screenshot):
    site.require("/search?q=Marrask", "the search page")
    response = page.goto(site.url + "/search?q=zzzyxqunknownword")
    assert response.status == 200
    assert page.locator('a[href^="/stories/"]').count() == 0 or page.locator("main").inner_text().strip()
    screenshot(page, "search-empty")


def test_pages_declare_or_serve_an_icon(page, site):
    """Without an icon link the browser fetches /favicon.ico, and a 404 there is a console error on every page."""
    site.require(f"/stories/{site.story_with(QUAKE)}", "the story page")
    served = page.request.get(site.url + "/favicon.ico").status == 200
    for path in ("/", f"/stories/{site.story_with(QUAKE)}", "/search?q=Marrask", "/sources"):
        assert page.goto(site.url + path).status == 200, path
        declared = page.locator('link[rel~="icon"]').count() > 0
        assert served or declared, f"{path} declares no icon and GET /favicon.ico is not 200 (a console error)"


def test_keyboard_only_reaches_and_opens_a_story(page, site):
    site.require(f"/stories/{site.story_with(QUAKE)}", "the story page")
    page.goto(site.url + "/")
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? {tag: e.tagName, href: e.getAttribute('href'), text: (e.innerText || '').trim()} : null; }")
        seen.append(focused)
        if focused and focused["href"] and re.fullmatch(r"/stories/\d+", focused["href"]):
            break
    else:
        pytest.fail(f"25 presses of Tab never reached a story link; focus went {seen}")
    first = seen[0]
    if first["href"] and first["href"].startswith("#"):  # a skip link: its target must exist
        target = first["href"][1:]
        assert page.locator(f'[id="{target}"]').count() == 1, f"the skip link points at a missing #{target}"
    assert len(seen) <= 12, f"{len(seen)} Tabs to reach the first story (add a skip link?): {seen}"
    href = seen[-1]["href"]
    page.keyboard.press("Enter")
    wait_path(page, re.escape(href) + "$")
    assert page.locator("h1").count() == 1


def test_the_site_works_without_javascript(nojs_page, site, screenshot):
    page = nojs_page
    story_id = site.story_with(QUAKE)
    site.require(f"/stories/{story_id}", "the story page")
    page.goto(site.url + "/")
    assert page.locator('a[href^="/stories/"]').count() >= len(site.stories)
    story_link(page, story_id).click()
    wait_path(page, rf"/stories/{story_id}$")
    assert page.locator("h1").inner_text().strip() == site.stories[story_id]
    assert page.locator("a.citation").count() >= 1
    screenshot(page, "story-nojs")
    if site.status("/search?q=Marrask") == 404:
        return
    page.goto(site.url + "/search")
    form = page.locator('form[role="search"]').first
    form.locator('input[name="q"]').fill("Marrask")
    form.locator('input[name="q"]').press("Enter")  # a plain GET form submits without script
    wait_path(page, r"/search\?(.*&)?q=Marrask")
    assert page.locator(f'a[href="/stories/{story_id}"]').count() >= 1


def test_publisher_script_never_runs(page, site, screenshot):
    story_id = site.story_with(XSS)
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    site.require(f"/stories/{story_id}", "the story page")
    for path in ("/", f"/stories/{story_id}", "/search?q=Brenmoor", "/search?q=harbour+festival"):
        response = page.goto(site.url + path)
        if response.status == 404 and path.startswith("/search"):
            continue
        assert response.status == 200, path
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss") is None, f"publisher script ran on {path}"
        injected = page.evaluate(
            "() => [...document.querySelectorAll('script, [onerror], [onload]')]"
            ".filter(e => (e.textContent + (e.getAttribute('onerror') || '')).includes('__xss')).length")
        assert injected == 0, f"publisher markup became live elements on {path}"
    assert not dialogs
    assert "Harbour festival" in page.goto(site.url + f"/stories/{story_id}").text()
    screenshot(page, "story-with-script-in-title")
