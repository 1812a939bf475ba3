"""A rights holder's removal request in a real browser, with and without JavaScript: from a story page's link to
the form, a mistake reported next to its field, the request sent and its status page; then an administrator
logs in and reviews it. Nothing is accepted here (the other browser tests read every story). Screenshots of each
page, phone and desktop, land in test-artifacts/screenshots/."""

from __future__ import annotations

import re

from newsdesk.config import Settings
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store

QUAKE = 1  # corpus id of the wire story of the Marrask earthquake
ADMIN, PASSWORD = "browser-admin", "a long enough password"


def fill_form(page, url_line: str) -> None:
    page.get_by_label("Your name, or your organisation's").fill("Ada Example")
    page.get_by_label("Email address").fill("ada@example.org")
    page.get_by_label("I own the rights to this content").check()
    page.locator("#urls").fill(url_line)
    page.get_by_label("Privacy").check()
    page.get_by_label("Statement").fill("This report names me and my street.")
    page.get_by_label(re.compile("I make this request in good faith")).check()


def test_request_removal_from_a_story_to_its_status_page(page, site, screenshot):
    story_id = site.story_with(QUAKE)
    page.goto(f"{site.url}/stories/{story_id}")
    links = page.locator('a.remove-link')
    assert links.count() >= 5, "every article of the story links to the removal form"
    article_url = links.first.get_attribute("href").split("url=", 1)[1]
    links.first.click()
    page.wait_for_url(re.compile(r"/removal\?url="))
    prefilled = page.locator("#urls").input_value()
    assert prefilled.startswith("http") and prefilled.replace(":", "%3A").replace("/", "%2F") == article_url
    screenshot(page, "removal-form")
    # This site has no SMTP server: the form promises no mail, and says where the status is shown.
    help_text = page.locator("#email-help")
    assert help_text.is_visible()
    assert "the status of your request is shown on its status page only" in help_text.inner_text()
    assert "We write to you" not in page.locator("main").inner_text()

    fill_form(page, "ftp://not-a-web-address.example/x")  # passes the browser's checks, not the server's
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("load")
    assert page.locator(".error-summary").is_visible()
    urls = page.locator("#urls")
    assert urls.get_attribute("aria-invalid") == "true"
    described = urls.get_attribute("aria-describedby").split()
    assert "urls-error" in described and "is not an http(s) address" in page.locator("#urls-error").inner_text()
    assert page.get_by_label("Email address").input_value() == "ada@example.org"  # what was typed is kept
    screenshot(page, "removal-form-errors")
    # Chromium logs every non-2xx document as a console error; this 422 is the answer the form is meant to give.
    page.problems.items[:] = [p for p in page.problems.items if "status of 422" not in p]
    page.locator(".error-summary a").first.click()  # the summary's link leads to the field
    assert page.evaluate("() => document.activeElement.id") == "urls" or page.url.endswith("#urls")

    urls.fill(prefilled)
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/removal/requests/[A-Za-z0-9_-]{16,}$"))
    body = page.locator("main").inner_text()
    assert "Received: waiting for review" in body and prefilled in body
    assert "Ada Example" not in body and "ada@example.org" not in body
    assert "This site sends no email about this request: its status is shown on this page only." in body
    screenshot(page, "removal-status")


def test_every_mistake_is_reported_at_once_not_only_the_browsers_first(page, site, screenshot):
    """The browser's own checks of `required` fields stop at the first missing one (and send nothing): the form
    leaves checking to the server, which reports every mistake at once."""
    page.goto(f"{site.url}/removal")
    page.get_by_label("Email address").fill("not-an-address")
    page.locator("#urls").fill("https://coastpost.example/news/4")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_load_state("load")
    summary = page.locator(".error-summary")
    assert summary.is_visible(), "the browser stopped the form at its first missing field"
    text = summary.inner_text()
    assert "5 things to correct" in text
    for words in ("give your name", "is not an email address", "Relationship", "Reason", "good faith"):
        assert words.lower() in text.lower(), words
    screenshot(page, "removal-form-every-mistake")
    page.problems.items[:] = [p for p in page.problems.items if "status of 422" not in p]


def test_the_form_works_without_javascript_and_an_admin_reviews_it(nojs_page, site, screenshot):
    page = nojs_page
    page.goto(f"{site.url}/removal?story={site.story_with(QUAKE)}")
    fill_form(page, "")
    page.get_by_role("button", name="Send the request").click()
    page.wait_for_url(re.compile(r"/removal/requests/[A-Za-z0-9_-]{16,}$"))
    receipt = page.url.rsplit("/", 1)[1]
    assert f"story {site.story_with(QUAKE)}" in page.locator("main").inner_text()

    store = Store(site.db)
    try:
        desk = RemovalDesk(store, Settings(database_url=site.db))
        if desk.verify_admin(ADMIN, PASSWORD) is None:
            desk.create_admin(ADMIN, PASSWORD)
        request_id = desk.get(receipt).id
    finally:
        store.close()
    page.goto(f"{site.url}/admin/removals/{request_id}")
    page.wait_for_url(re.compile(r"/admin/login$"))  # not logged in: to the login
    screenshot(page, "admin-login")
    page.get_by_label("Name").fill(ADMIN)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/admin/removals$"))
    assert page.locator(f'a[href="/admin/removals/{request_id}"]').count() == 1
    screenshot(page, "admin-queue")
    page.locator(f'a[href="/admin/removals/{request_id}"]').click()
    page.wait_for_url(re.compile(rf"/admin/removals/{request_id}$"))
    main = page.locator("main").inner_text()
    assert "Ada Example" in main and "ada@example.org" in main and "Names 5 articles now." in main
    screenshot(page, "admin-request")
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/admin/login$"))
