"""Issue 15 item 2 on the site: a story merged into another (tests/one_event.py: a flood told two ways, then a
report that tells both) answers its page, API and feed addresses with a 301 to the survivor, and no list shows
it. A real server on a store filled through the real pipeline (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs

import feedparser
import httpx
import pytest
from one_event import ARTICLES, MERGING, article

from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines


@dataclass
class Merged:
    url: str
    survivor: int
    gone: int
    relief_url: str  # the article that started the merged story


def _merge_two_stories(db: str) -> None:
    """The flood reports and the relief report in one pass (two stories), the bridging report in the next."""
    store = Store(db)
    try:
        for item in ARTICLES[:3]:
            a, source = article(item)
            store.save_article(a, source_name=source)
        StoryEngine(store, MERGING).process_pending()
        a, source = article(ARTICLES[3])
        store.save_article(a, source_name=source)
        StoryEngine(store, MERGING).process_pending()
    finally:
        store.close()


@pytest.fixture(scope="module")
def merged(start_site) -> Merged:
    site = start_site(_merge_two_stories)
    store = Store(site.db)
    try:
        by_url = {a.url: a for a in store.iter_articles()}
        survivor = by_url[ARTICLES[0][3]].story_id
        relief = by_url[ARTICLES[2][3]]
        assert relief.story_id == survivor
        gone = next(sid for sid in range(1, survivor + 100)
                    if (row := store.get_story(sid)) is not None and row.merged_into == survivor)
    finally:
        store.close()
    return Merged(site.url, survivor, gone, relief.url)


def get(m: Merged, path: str, **kw) -> httpx.Response:
    return httpx.get(m.url + path, timeout=10, **kw)


def test_the_merged_story_page_redirects_to_the_survivor(merged):
    r = get(merged, f"/stories/{merged.gone}")
    assert r.status_code == 301
    assert r.headers["location"] == f"/stories/{merged.survivor}"
    page = get(merged, f"/stories/{merged.gone}", follow_redirects=True)
    assert page.status_code == 200 and str(page.url).endswith(f"/stories/{merged.survivor}")
    assert merged.relief_url in page.text  # the merged story's reporting is on the survivor's page
    r = get(merged, f"/stories/{merged.gone}/articles?cursor=")
    assert (r.status_code, r.headers["location"]) == (301, f"/stories/{merged.survivor}/articles?cursor=")
    r = get(merged, f"/stories/{merged.gone}/statements")
    assert (r.status_code, r.headers["location"]) == (301, f"/stories/{merged.survivor}/statements")
    assert get(merged, "/stories/999999").status_code == 404  # an unknown story is still not found


def test_the_api_answers_301_with_merged_into(merged):
    r = get(merged, f"/api/stories/{merged.gone}")
    assert r.status_code == 301
    assert r.json() == {"merged_into": merged.survivor}
    assert r.headers["location"] == f"/api/stories/{merged.survivor}"
    story = get(merged, f"/api/stories/{merged.gone}", follow_redirects=True).json()
    assert story["id"] == merged.survivor and story["article_count"] == 4
    assert merged.relief_url in {a["url"] for a in story["articles"]}
    r = get(merged, f"/api/articles?story={merged.gone}&limit=10")
    path, _, query = r.headers["location"].partition("?")
    assert (r.status_code, path, parse_qs(query)) == (301, "/api/articles",
                                                      {"story": [str(merged.survivor)], "limit": ["10"]})
    assert len(get(merged, f"/api/articles?story={merged.gone}", follow_redirects=True).json()["articles"]) == 4


@pytest.mark.parametrize("fmt", ["atom", "rss", "json"])
def test_the_merged_story_s_feed_goes_on_under_the_survivor(merged, fmt):
    r = get(merged, f"/stories/{merged.gone}/feed.{fmt}")
    assert (r.status_code, r.headers["location"]) == (301, f"/stories/{merged.survivor}/feed.{fmt}")
    feed = get(merged, f"/stories/{merged.gone}/feed.{fmt}", follow_redirects=True)
    assert feed.status_code == 200
    if fmt == "json":
        links = {item["url"] for item in feed.json()["items"]}
    else:
        links = {e.link for e in feedparser.parse(feed.content).entries}
    assert links == {item[3] for item in ARTICLES}  # the merged story's reporting and the survivor's


def test_no_list_shows_the_merged_story(merged):
    ranked = [s["id"] for s in get(merged, "/api/stories?limit=200").json()["stories"]]
    latest = [s["id"] for s in get(merged, "/api/stories?limit=200&order=updated").json()["stories"]]
    for ids in (ranked, latest):
        assert ids.count(merged.survivor) == 1 and merged.gone not in ids
    linked = {int(i) for i in re.findall(r'href="/stories/(\d+)"', get(merged, "/").text)}
    assert merged.gone not in linked  # (the survivor, of 2025, comes after today's stories: on a later page)
    found = [r["story"]["id"] for r in get(merged, "/api/search?q=Okafor crowns").json()["results"]]
    assert found == [merged.survivor]
