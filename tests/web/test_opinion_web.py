"""A story's opinion shown apart under "Opinion" on its page, marked in the API, and a market wrap that mentions
the event in a story of its own: pages extracted as fetched, grouped by the live engine, read from a real
server."""

from __future__ import annotations

import re

import pytest
from genre_corpus import PIECES, html_page

from newsdesk.extract import extract_article
from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine


def add_pieces(db: str) -> None:
    store = Store(db)
    try:
        for _, url, outlet, title, text, ld_type, _ in PIECES:
            store.save_article(extract_article(html_page(title, text, ld_type=ld_type, site=outlet), url),
                               source_name=outlet)
        StoryEngine(store).process_pending()
    finally:
        store.close()


@pytest.fixture(scope="module")
def opinion_site(start_site):
    site = start_site(add_pieces)
    store = Store(site.db)
    try:
        by_url = {a.url: a for a in store.iter_articles()}
    finally:
        store.close()
    site.ids.update({name: by_url[url].id for name, url, *_ in PIECES})
    site.story_of.update({a.id: a.story_id for a in by_url.values()})
    return site


def section(html: str, heading_id: str) -> str:
    match = re.search(rf'<section aria-labelledby="{heading_id}".*?</section>', html, re.S)
    assert match, f"no section {heading_id}"
    return match.group(0)


def test_the_story_page_shows_opinion_apart_and_the_wrap_elsewhere(opinion_site):
    site = opinion_site
    story = site.story_of[site.ids["report"]]
    assert site.story_of[site.ids["editorial"]] == site.story_of[site.ids["op-ed"]] == story
    html = site.get(f"/stories/{story}").text
    opinion, timeline = (section(html, h) for h in ("opinion-h", "timeline-h"))
    assert '<h2 id="opinion-h">Opinion</h2>' in opinion
    titles = {name: title for name, _, _, title, *_ in PIECES}
    for name in ("editorial", "op-ed"):
        assert titles[name] in opinion and titles[name] not in timeline
    assert titles["report"] in timeline and titles["report"] not in opinion
    assert titles["wrap"] not in html
    assert re.search(r"\b3 sources \(3 independent\)", html)  # opinion counts among the outlets that covered it
    listing = site.get(f"/stories/{story}/articles").text
    assert listing.count("· opinion") == 2


def test_a_story_without_opinion_has_no_opinion_section(opinion_site):
    wrap_story = opinion_site.story_of[opinion_site.ids["wrap"]]
    html = opinion_site.get(f"/stories/{wrap_story}").text
    assert 'id="opinion-h"' not in html and "Markets wrap" in html


def test_the_api_marks_each_articles_genre(opinion_site):
    site = opinion_site
    story = site.get(f"/api/stories/{site.story_of[site.ids['report']]}").json()
    assert {a["id"]: a["genre"] for a in story["articles"]} == {
        site.ids["report"]: None, site.ids["editorial"]: "opinion", site.ids["op-ed"]: "opinion"}
    assert [e["article_id"] for e in story["timeline"]] == [site.ids["report"]]  # reporting in time order
    assert site.get(f"/api/articles/{site.ids['wrap']}").json()["genre"] == "roundup"
    wrap_story = site.get(f"/api/stories/{site.story_of[site.ids['wrap']]}").json()
    assert [a["genre"] for a in wrap_story["articles"]] == ["roundup"]
