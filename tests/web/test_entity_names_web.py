"""Entities on the real server (issue 16 item 6): a story page shows its most salient entities and the rest behind
"All people and places"; an entity page is one person under all their names; the look-up finds a name by any of
its words. The stories' analyses are written here (what the analysis stage stores), so no model runs."""

from __future__ import annotations

import re
from urllib.parse import quote

import httpx
import pytest

from newsdesk.keys import entity_key, name_key
from newsdesk.store import Store
from newsdesk.store.repository import StoryAnalysis

pytestmark = pytest.mark.both_engines

# Invented people and places, in the salience order the aggregate would have stored them.
CROWD = [(f"{first} {last}", "PERSON") for first, last in (
    ("Mara", "Quill"), ("Odile", "Ferrant"), ("Piet", "Hallam"), ("Rosa", "Indergaard"), ("Sami", "Okoro"),
    ("Talia", "Brenn"), ("Ugo", "Marchetti"), ("Vera", "Lindqvist"), ("Wim", "Osterhout"), ("Yara", "Demir"))]
CROWD += [(n, "GPE") for n in ("Brisvale", "Ashcombe", "Dunmore", "Elkwater", "Fennick", "Glenhollow",
                               "Harrowgate", "Islay Cross")]
CROWD += [(n, "ORG") for n in ("Brisvale Harbour Board", "Fennick Rowing Club", "Glenhollow Ferry Company",
                               "Dunmore Lifeboat Trust")]


def index_row(name: str, type_: str, mentions: int = 1) -> dict:
    return {"entity_key": entity_key(name, type_), "name_key": name_key(name), "name": name, "type": type_,
            "role": None, "mentions": mentions}


def entity_dict(name: str, type_: str, mentions: int = 1) -> dict:
    return {"name": name, "type": type_, "mentions": mentions, "key": entity_key(name, type_)}


def write_analyses(db: str) -> None:
    """Story 1 of the fixture store gets the crowd; three others name Trump: once as "Trump" only."""
    store = Store(db)
    try:
        stories = sorted({a.story_id for a in store.iter_articles() if a.story_id is not None})
        crowd = [(n, t, len(CROWD) - i) for i, (n, t) in enumerate(CROWD)]
        store.update_story(stories[0], analysis=StoryAnalysis(
            [entity_dict(*c) for c in crowd], [], [index_row(*c) for c in crowd]))
        for sid, name in zip(stories[1:4], ("Trump", "Donald Trump", "Donald Trump"), strict=True):
            store.update_story(sid, analysis=StoryAnalysis([entity_dict(name, "PERSON", 3)], [],
                                                           [index_row(name, "PERSON", 3)]))
    finally:
        store.close()


@pytest.fixture(scope="module")
def named_site(start_site):
    site = start_site(write_analyses)
    store = Store(site.db)
    try:
        site.crowd, *site.trump = sorted({a.story_id for a in store.iter_articles() if a.story_id is not None})[:4]
    finally:
        store.close()
    return site


def get(site, path: str, **params) -> httpx.Response:
    return httpx.get(site.url + path, params=params, timeout=30, follow_redirects=False)


def test_story_page_shows_the_most_salient_and_the_rest_behind_a_details(named_site):
    html = get(named_site, f"/stories/{named_site.crowd}").text
    who = html[html.index('id="entities-h"'):]
    who = who[:who.index("</section>")]
    shown, _, rest = who.partition('<details class="all-entities">')
    names = [n for n, _ in CROWD]
    linked = re.findall(r'<li><a href="/entities/[^"]+">([^<]+)</a>', shown)
    assert sorted(linked) == sorted(names[:15])  # the first 15, grouped by kind
    assert "<summary>All people and places (7 more)</summary>" in rest
    assert sorted(re.findall(r'<li><a href="/entities/[^"]+">([^<]+)</a>', rest)) == sorted(names[15:])
    ids = re.findall(r'id="(entities-[^"]+)"', who)
    assert len(ids) == len(set(ids))  # the second list's headings have ids of their own
    api = get(named_site, f"/api/stories/{named_site.crowd}").json()
    assert [e["name"] for e in api["entities"]] == names  # the API keeps the whole list, in salience order


def test_a_surname_page_is_the_full_name_page_with_every_story(named_site):
    short, *full = named_site.trump
    r = get(named_site, "/entities/person:trump")
    assert r.status_code == 302 and r.headers["location"].endswith("/entities/person:donald%20trump")
    page = get(named_site, "/entities/person:donald%20trump")
    assert page.status_code == 200 and re.findall(r"<h1>([^<]*)</h1>", page.text) == ["Donald Trump"]
    assert "in 3 stories" in page.text and "Also named: Trump" in page.text
    linked = {int(i) for i in re.findall(r'<a href="/stories/(\d+)">', page.text)}
    assert linked == {short, *full}
    api = get(named_site, "/api/entities/person:trump").json()
    assert api["entity"]["key"] == "person:donald trump" and api["entity"]["stories"] == 3
    assert set(api["entity"]["names"]) == {"Trump", "Donald Trump"}
    assert {s["id"] for s in api["stories"]} == {short, *full}


def test_the_look_up_matches_any_word_of_a_name(named_site):
    found = get(named_site, "/api/entities", q="trump").json()["entities"]
    assert [(e["key"], e["stories"]) for e in found] == [("person:donald trump", 3)]
    page = get(named_site, "/entities", q="lindq").text
    assert f'<a href="/entities/{quote(entity_key("Vera Lindqvist", "PERSON"), safe=":")}">Vera Lindqvist</a>' in page
    assert "Rowing Club" in get(named_site, "/entities", q="rowing").text
