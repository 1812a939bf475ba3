"""Search: the query language (precise errors, nothing unquoted reaches FTS5), ranking, highlighting,
filters and escaping."""

from __future__ import annotations

import html

import pytest

from newsdesk.store.search import QuerySyntaxError, _safe_snippet, parse_query

pytestmark = pytest.mark.both_engines


@pytest.mark.parametrize("query,expected", [
    ("quake", '"quake"'),
    ("quake Marrask", '("quake" AND "Marrask")'),
    ('"state of emergency"', '"state of emergency"'),
    ("rescu*", '"rescu"*'),
    ("quake OR flood", '("quake" OR "flood")'),
    ("quake -Marrask", '("quake" NOT "Marrask")'),
    ("quake NOT Marrask", '("quake" NOT "Marrask")'),
    ("(quake OR flood) Veldoria", '(("quake" OR "flood") AND "Veldoria")'),
    ('say "hi" NEAR', '("say" AND "hi" AND "NEAR")'),
    ("col:umn ^start", '("col:umn" AND "^start")'),
    ('a"b', None),
    ("don't", '"don\'t"'),
    ("x-ray", '"x-ray"'),
    ("or and not", '("or" AND "and" AND "not")'),  # operators are capitals only
])
def test_queries_become_quoted_fts5(query, expected):
    if expected is None:
        with pytest.raises(QuerySyntaxError):
            parse_query(query)
    else:
        assert parse_query(query) == expected


@pytest.mark.parametrize("query,message", [
    ('"unclosed', "unclosed quotation mark at position 1"),
    ("AND OR", "AND at position 1 needs a search term before it"),
    ("quake OR", "OR at position 7 needs a search term after it"),
    ("-quake", "at least one word that is not excluded"),
    ("(quake", "'(' at position 1 is never closed"),
    ("quake)", "unexpected ')' at position 6"),
    ("()", "empty parentheses"),
    ("!!!", "no word to look for"),
    ("   ", "the query is empty"),
    ("x" * 501, "too long"),
])
def test_syntax_errors_are_precise(query, message):
    with pytest.raises(QuerySyntaxError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_query(query)


def test_snippets_escape_then_mark():
    raw = '<script>alert(1)</script> the \x02quake\x03 & "more" \x02open'
    out = _safe_snippet(raw)
    assert "<script" not in out and "&lt;script&gt;" in out
    assert "<mark>quake</mark>" in out and out.endswith("<mark>open</mark>") and "&amp;" in out


def test_search_ranks_and_highlights(site):
    body = site.get("/api/search?q=earthquake%20Veldoria").json()
    assert body["query"] == "earthquake Veldoria"
    ids = [r["story"]["id"] for r in body["results"]]
    assert ids[0] == site.story_of[site.ids["wire"]]
    assert site.story_of[site.ids["later"]] in ids
    assert site.story_of[site.ids["election"]] not in ids
    for result in body["results"]:
        assert "<mark>" in result["snippet"]
    scores = [r["score"] for r in body["results"]]
    assert scores == sorted(scores)


def test_search_phrases_prefixes_and_exclusions(site):
    def ids(q: str) -> set[int]:
        return {r["story"]["id"] for r in site.get("/api/search", params={"q": q}).json()["results"]}

    quake, later = site.story_of[site.ids["wire"]], site.story_of[site.ids["later"]]
    assert ids('"state of emergency"') == {quake}
    assert ids("Selvan*") == {later}
    assert quake in ids("earthquake") and later in ids("earthquake")
    assert ids("earthquake -Selvana") == {quake}
    assert ids("Quell OR Selvana") == {site.story_of[site.ids["election"]], later}
    assert ids("zzzyzzx") == set()


def test_search_filters_and_paging(site):
    def ids(**params) -> list[int]:
        return [r["story"]["id"] for r in site.get("/api/search", params=params).json()["results"]]

    quake, later = site.story_of[site.ids["wire"]], site.story_of[site.ids["later"]]
    assert ids(q="earthquake", since="2026-03-01T00:00:00Z", until="2026-03-31") == [later]
    assert ids(q="earthquake", until="2025-12-31T00:00:00Z") == [quake]
    assert ids(q="Marrask", source=site.sources["Coast Post"]) == [quake]
    assert ids(q="volcano", language="fr") == [site.story_of[site.ids["evil"]]]
    assert ids(q="volcano", language="en") == []
    seen, cursor = [], None
    while True:
        params = {"q": "council", "limit": 5, **({"cursor": cursor} if cursor else {})}
        body = site.get("/api/search", params=params).json()
        seen += [r["story"]["id"] for r in body["results"]]
        cursor = body["next"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 22


def test_hostile_text_in_snippets_is_escaped(site):
    body = site.get("/api/search?q=Zentoria").json()
    snippet = body["results"][0]["snippet"]
    assert "<script" not in snippet and "<img" not in snippet and "<mark>Zentoria</mark>" in snippet


@pytest.mark.parametrize("q", ['"', "'", "*", "-", "AND", "NOT x", "(", ")", "a OR OR b", "NEAR(a b)", "title:x",
                               "\x00", "a\x00b", "😀", "ü*", '"" quake', "{a b}", "a + b"])
def test_odd_queries_never_500(site, q):
    r = site.get("/api/search", params={"q": q})
    assert r.status_code in (200, 400, 422), (q, r.text)
    if r.status_code != 200:
        assert r.json()["message"]


# ---- what a search may cost (issue 13) -------------------------------------------------------------------

ALPHABET = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz")  # 5.7 s on a 30k-article store before


def test_a_costly_query_is_refused_everywhere_with_the_limit_named(site):
    api = site.get("/api/search", params={"q": ALPHABET})
    assert api.status_code == 400 and api.headers["content-type"].startswith("application/json")
    message = api.json()["message"]
    assert message.startswith("q: the query is too costly") and "at least 3 letters or digits" in message
    page = site.get("/search", params={"q": ALPHABET})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "the query is too costly" in html.unescape(page.text)
    assert f'value="{html.escape(ALPHABET)}"' in page.text  # the query is kept in the form, to narrow it there
    for fmt in ("atom", "rss", "json"):
        feed = site.get(f"/search/feed.{fmt}", params={"q": "abc* abd* abe* abf* abg*"})
        assert feed.status_code == 400 and "5 prefix terms (word*), at most 4" in feed.json()["message"], fmt


def test_a_search_past_its_time_limit_answers_503_with_retry_after(start_site):
    slow = start_site(search_time_limit=0.000001)  # every search runs past a microsecond
    api = slow.get("/api/search", params={"q": "earthquake"})
    assert api.status_code == 503 and int(api.headers["retry-after"]) > 0
    assert "stopped after its time limit" in api.json()["message"] and "narrow the query" in api.json()["message"]
    page = slow.get("/search", params={"q": "earthquake"})
    assert page.status_code == 503 and int(page.headers["retry-after"]) > 0
    assert "stopped after its time limit" in page.text and 'value="earthquake"' in page.text
    for fmt in ("atom", "rss", "json"):
        feed = slow.get(f"/search/feed.{fmt}", params={"q": "earthquake"})
        assert feed.status_code == 503 and int(feed.headers["retry-after"]) > 0, fmt
    assert slow.get("/api/stories").status_code == 200  # the rest of the site does not depend on it
