"""A story that names many people and places, read in a real browser: the most salient are listed, the rest
open from "All people and places" (a <details>: no JavaScript needed), each a link to its page."""

from __future__ import annotations

import pytest

from newsdesk.keys import entity_key, name_key
from newsdesk.store import Store
from newsdesk.store.repository import StoryAnalysis

# Invented names, in the salience order the aggregate would have stored them.
NAMES = ["Mara Quill", "Odile Ferrant", "Piet Hallam", "Rosa Indergaard", "Sami Okoro", "Talia Brenn",
         "Ugo Marchetti", "Vera Lindqvist", "Wim Osterhout", "Yara Demir", "Anton Feld", "Bea Korhonen",
         "Cato Ruiz", "Dana Whitfield", "Emil Sauer", "Frida Nyberg", "Gus Amari", "Hana Pohl"]


@pytest.fixture(scope="module")
def crowded_story(site) -> int:
    store = Store(site.db)
    try:
        story = store.create_story()
        entities = [{"name": n, "type": "PERSON", "mentions": 1, "key": entity_key(n, "PERSON")} for n in NAMES]
        index = [{"entity_key": e["key"], "name_key": name_key(e["name"]), "name": e["name"], "type": "PERSON",
                  "role": None, "mentions": 1} for e in entities]
        store.update_story(story, headline="Ferry line reopens after storm", article_count=1,
                           analysis=StoryAnalysis(entities, [], index))
    finally:
        store.close()
    return story


@pytest.mark.parametrize("javascript", [True, False])
def test_all_people_and_places_open_from_the_story_page(page, nojs_page, site, crowded_story, screenshot,
                                                        javascript):
    tab = page if javascript else nojs_page
    tab.goto(f"{site.url}/stories/{crowded_story}")
    who = tab.locator("section[aria-labelledby=entities-h]")
    for name in NAMES[:15]:
        assert who.get_by_role("link", name=name).is_visible(), name
    later = who.get_by_role("link", name=NAMES[-1])
    assert not later.is_visible()
    summary = who.locator("summary")
    assert summary.inner_text().strip() == "All people and places (3 more)"
    summary.click()
    assert later.is_visible()
    screenshot(tab, "story-all-entities" + ("" if javascript else "-nojs"))
    later.click()
    tab.wait_for_url(f"{site.url}/entities/person:hana%20pohl")
    assert tab.locator("h1").inner_text().strip() == "Hana Pohl"
