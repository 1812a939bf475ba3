"""The JSON API against the real server: shapes of the contract, cursors, filters, ETags, errors."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from newsdesk.store.queries import score

CONTRACT = {"id", "headline", "brief", "articles", "sources_count", "independent_sources_count", "entities",
            "statements", "updated", "disclaimer"}

pytestmark = pytest.mark.both_engines


def pages(site, path: str, key: str, limit: int = 5) -> list[dict]:
    items, cursor, seen = [], None, 0
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = site.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body[key]) <= limit
        items += body[key]
        cursor = body["next"]
        seen += 1
        if not cursor:
            return items
        assert seen < 50


def test_stories_carry_the_contract(site):
    body = site.get("/api/stories?order=updated&limit=50").json()
    assert set(body) == {"stories", "next"}
    quake = next(s for s in body["stories"] if s["id"] == site.story_of[site.ids["wire"]])
    assert CONTRACT <= set(quake)
    assert quake["sources_count"] == 5 and quake["independent_sources_count"] == 2
    assert quake["entities"] == [] and quake["statements"] == []
    assert "verify information independently" in quake["disclaimer"]
    assert quake["url"].endswith(f"/stories/{quake['id']}")
    for sentence in quake["brief"]:
        assert sentence["text"] and sentence["citations"]
        for c in sentence["citations"]:
            assert set(c) == {"article_id", "url", "number"} and c["number"] >= 1  # number: issue 18, the page's [n]
            assert site.get(f"/api/articles/{c['article_id']}").json()["url"] == c["url"]


def test_front_ranking_weighs_breadth_against_publication_time(site):
    """Every story the site received lately is ranked (all of them here), by breadth and by the publication time
    of its latest report: the broad quake story of 2025, stored today, comes after today's stories, not as news."""
    ranked = site.get("/api/stories?limit=50").json()["stories"]
    assert {s["id"] for s in ranked} == set(site.story_of.values())
    scores = [s["score"] for s in ranked]
    assert scores == sorted(scores, reverse=True)
    newest = max(datetime.fromisoformat(s["latest_at"]) for s in ranked)
    for s in ranked:
        hours = (newest - datetime.fromisoformat(s["latest_at"])).total_seconds() / 3600
        assert s["score"] == pytest.approx(score(s["independent_sources_count"], s["sources_count"], hours), abs=1e-5)
    order = [s["id"] for s in ranked]
    today = [s["id"] for s in ranked if datetime.fromisoformat(s["latest_at"]) > newest - timedelta(days=2)]
    assert order.index(site.story_of[site.ids["wire"]]) > max(order.index(i) for i in today)
    assert site.story_of[site.ids["later"]] in order[len(today):]


@pytest.mark.parametrize("order", ["rank", "updated"])
def test_story_cursors_visit_every_story_once(site, order):
    items = pages(site, f"/api/stories?order={order}", "stories", limit=4)
    ids = [s["id"] for s in items]
    assert len(ids) == len(set(ids)) == len(set(site.story_of.values()))
    if order == "updated":  # the latest reported first, by publication time
        times = [s["latest_at"] for s in items]
        assert times == sorted(times, reverse=True)


def test_article_and_source_cursors(site):
    arts = pages(site, "/api/articles", "articles", limit=7)
    assert [a["id"] for a in arts] == sorted(site.story_of, reverse=True)
    srcs = pages(site, "/api/sources", "sources", limit=2)
    assert [s["id"] for s in srcs] == sorted(site.sources.values())


def test_story_detail_groups_copies_under_their_origin(site):
    sid = site.story_of[site.ids["wire"]]
    story = site.get(f"/api/stories/{sid}").json()
    by_id = {a["id"]: a for a in story["articles"]}
    assert len(by_id) == 5
    wire = site.ids["wire"]
    assert {by_id[site.ids[n]]["duplicate_of"] for n in ("herald", "daily", "evening")} == {wire}
    assert by_id[wire]["duplicate_of"] is None and by_id[site.ids["independent"]]["duplicate_of"] is None
    timeline = story["timeline"]
    assert {e["article_id"] for e in timeline} == {wire, site.ids["independent"]}
    assert sorted(next(e for e in timeline if e["article_id"] == wire)["copies"]) == sorted(
        site.ids[n] for n in ("herald", "daily", "evening"))
    assert story["outlets"][:2] == sorted(["Coast Post", "Wire Agency"])


def test_article_detail_has_the_export_fields(site):
    a = site.get(f"/api/articles/{site.ids['herald']}").json()
    for key in ("id", "url", "canonical_url", "source", "title", "text", "authors", "published", "language",
                "fetched", "story_id", "duplicate_of", "genre", "text_from", "agencies"):
        assert key in a
    assert a["duplicate_of"] == site.ids["wire"] and a["story_id"] == site.story_of[site.ids["wire"]]


def test_filters(site):
    gazette = site.sources["Local Gazette"]
    arts = site.get(f"/api/articles?source={gazette}&limit=200").json()["articles"]
    assert arts and all(a["source_id"] == gazette for a in arts)
    fr = site.get("/api/articles?language=fr").json()["articles"]
    assert [a["id"] for a in fr] == [site.ids["evil"]]
    outlet = site.get("/api/articles?outlet=Coast%20Post").json()["articles"]
    assert {a["id"] for a in outlet} == {site.ids["independent"], site.ids["election"]}
    old = site.get("/api/articles?until=2025-03-03T00:00:00Z").json()["articles"]
    assert [a["id"] for a in old] == [site.ids["election"]]
    window = site.get("/api/articles?since=2026-03-01&until=2026-03-31").json()["articles"]
    assert [a["id"] for a in window] == [site.ids["later"]]
    by_story = site.get(f"/api/articles?story={site.story_of[site.ids['wire']]}").json()["articles"]
    assert len(by_story) == 5
    stories = site.get("/api/stories?order=updated&language=fr").json()["stories"]
    assert [s["id"] for s in stories] == [site.story_of[site.ids["evil"]]]
    stories = site.get("/api/stories?order=updated&outlet=Wire%20Agency").json()["stories"]
    assert {s["id"] for s in stories} == {site.story_of[site.ids["wire"]], site.story_of[site.ids["later"]]}


@pytest.mark.parametrize("path", ["/api/stories", "/api/stories/1", "/api/articles", "/api/articles/1",
                                  "/api/sources", "/api/search?q=quake", "/", "/stories/1", "/feed.atom"])
def test_etag_and_304(site, path):
    first = site.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    again = site.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert site.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@pytest.mark.parametrize("path", ["/", "/stories/1", "/api/stories", "/feed.atom", "/search?q=quake"])
def test_gzip_for_clients_that_take_it_and_plain_text_for_the_others(site, path):
    """Pages, API and feeds are compressed when the client says it takes gzip; the response cache keeps the two
    representations apart (a plain client never gets gzip from it) and each has its own ETag."""
    zipped = site.get(path, headers={"Accept-Encoding": "gzip"})
    plain = site.get(path, headers={"Accept-Encoding": "identity"})
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["content-encoding"] == "gzip" and "accept-encoding" in zipped.headers["vary"].lower()
    assert "content-encoding" not in plain.headers
    assert zipped.content == plain.content  # httpx decodes the gzip body
    assert int(zipped.headers["content-length"]) < len(plain.content) / 2
    assert zipped.headers["etag"] != plain.headers["etag"]
    for headers, encoded in (({"Accept-Encoding": "identity"}, False), ({"Accept-Encoding": "gzip"}, True)):
        again = site.get(path, headers=headers)  # now from the response cache
        assert ("content-encoding" in again.headers) is encoded and again.content == plain.content
    revalidated = site.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["etag"]})
    assert revalidated.status_code == 304


@pytest.mark.parametrize("path,status,words", [
    ("/api/stories?cursor=not-a-cursor", 400, "cursor"),
    ("/api/stories?cursor=eyJrIjoiYXJ0aWNsZXMiLCJpIjoxfQ", 400, "another list"),
    ("/api/stories?order=updated&cursor=eyJrIjoicmFuayJ9", 400, "another list"),
    ("/api/articles?cursor=eyJrIjoiYXJ0aWNsZXMiLCJpIjoieCJ9", 400, "damaged"),
    ("/api/stories?limit=0", 422, "limit"),
    ("/api/stories?limit=1000000000", 422, "limit"),
    ("/api/stories?limit=abc", 422, "limit"),
    ("/api/stories?order=random", 422, "order"),
    ("/api/stories?since=yesterday", 422, "since"),
    ("/api/articles?since=2025-02-30", 422, "since"),
    ("/api/articles?since=2025-03-05&until=2025-03-01", 400, "after until"),
    ("/api/articles?language=%3Cscript%3E", 422, "language"),
    ("/api/articles?source=-1", 422, "source"),
    ("/api/stories/999999", 404, "no story"),
    ("/api/stories/0", 422, "story_id"),
    ("/api/stories/99999999999999999999999", 422, "story_id"),
    ("/api/stories/abc", 422, "story_id"),
    ("/api/articles/424242", 404, "no article"),
    ("/api/sources/424242", 404, "no source"),
    ("/api/search", 422, "q"),
    ("/api/search?q=%22unclosed", 400, "unclosed quotation mark"),
    ("/api/search?q=AND%20OR", 400, "AND at position 1"),
    ("/api/search?q=quake&cursor=xyz", 400, "cursor"),
    ("/api/nothing-here", 404, "no page"),
    # Past the largest id (PostgreSQL's INTEGER, 2**31 - 1): out of bounds on both engines, not a 500 there.
    ("/api/articles/2147483648", 422, "article_id"),
    ("/api/sources/2147483648", 422, "source_id"),
    ("/api/articles?story=2147483648", 422, "story"),
    ("/api/stories?source=2147483648", 422, "source"),
    ("/api/articles?cursor=eyJpIjoyMTQ3NDgzNjQ4LCJrIjoiYXJ0aWNsZXMifQ", 400, "damaged"),  # {"i":2**31,...}
    ("/api/sources?cursor=eyJpIjoyMTQ3NDgzNjQ4LCJrIjoic291cmNlcyJ9", 400, "damaged"),
    ("/api/entities/person:a%00b", 404, "no entity"),  # NUL: PostgreSQL text cannot hold it, nor compare it
])
def test_bad_parameters_get_a_precise_4xx(site, path, status, words):
    r = site.get(path)
    assert r.status_code == status, r.text
    body = r.json()
    assert words in body["message"] and body["detail"]


@pytest.mark.parametrize("path", ["/api/entities?q=a%00b", "/api/stories?outlet=Coast%20Post%00",
                                  "/api/articles?outlet=Coast%00%20Post", "/api/search?q=quake&outlet=%00Coast%20Post"])
def test_a_nul_character_in_a_name_is_dropped_as_in_the_store(site, path):
    """The store drops NUL from all it saves (PostgreSQL cannot hold it): a name looked up with one is the
    name without it, on both engines (not a 500 on PostgreSQL)."""
    r = site.get(path)
    assert r.status_code == 200, r.text
    body, without = r.json(), site.get(path.replace("%00", "")).json()
    assert {k: v for k, v in body.items() if k != "query"} == {k: v for k, v in without.items() if k != "query"}


def test_publisher_markup_stays_data_in_json(site):
    r = site.get(f"/api/articles/{site.ids['evil']}")
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["title"].startswith("<script>")
