"""The site against the real server: every page, its links, escaping, accessibility basics, errors."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

EVIL_TITLE = '<script>alert("title")</script> Harbour volcano erupts'  # as tests/web/conftest.py stores it

pytestmark = pytest.mark.both_engines


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[dict[str, str | None]] = []
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "a":
            self.anchors.append(dict(attrs))

    def handle_data(self, data):
        self.text.append(data)


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def test_front_page_lists_ranked_stories_with_their_facts(site):
    r = site.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    ranked = site.get("/api/stories?limit=20").json()["stories"]
    page = parse(r.text)
    story_links = [a["href"] for a in page.anchors if re.fullmatch(r"/stories/\d+", a.get("href") or "")]
    assert story_links == [f"/stories/{s['id']}" for s in ranked]
    # the quake of 2025, stored today, is old news: after today's stories, not on the first page
    assert f'<a href="/stories/{site.story_of[site.ids["wire"]]}">' not in r.text
    assert "1 source" in r.text and "Local Gazette" in r.text
    # each story placed by its latest report's publication time, said so
    first = ranked[0]
    assert f'reported <time datetime="{first["last_published"]}'.replace("Z", "+00:00") in r.text
    assert "updated <time" not in r.text
    assert '<form role="search" action="/search" method="get"' in r.text and 'name="q"' in r.text


def test_front_page_paginates(site):
    first = site.get("/").text
    nxt = re.search(r'rel="next" href="(/\?cursor=[^"]+)"', first)
    assert nxt, "the first page links to the next one"
    second = site.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200
    ids1 = set(re.findall(r'<a href="/stories/(\d+)">', first))
    ids2 = set(re.findall(r'<a href="/stories/(\d+)">', second.text))
    assert ids2 and not ids1 & ids2
    assert len(ids1 | ids2) == len(site.get("/api/stories?limit=200").json()["stories"])
    assert site.get("/?cursor=bogus").status_code == 400


def test_story_page(site):
    sid = site.story_of[site.ids["wire"]]
    r = site.get(f"/stories/{sid}")
    assert r.status_code == 200
    story = site.get(f"/api/stories/{sid}").json()
    headings = re.findall(r"<h\d[^>]*>([^<]*)</h\d>", r.text)
    assert headings.count(story["headline"]) == 1  # the headline is printed once, as the page's one <h1>
    assert re.findall(r"<h1>([^<]*)</h1>", r.text) == [story["headline"]]
    urls = {a["url"] for a in story["articles"]}
    citations = re.findall(r'<a class="citation" href="([^"]+)"[^>]*>\[(\d+)\]</a>', r.text)
    assert citations and all(u in urls for u, _ in citations)
    assert {n for _, n in citations} == {str(i) for i in range(1, len({u for u, _ in citations}) + 1)}
    api_citations = [(c["url"], str(c["number"])) for b in story["brief"] for c in b["citations"]]
    assert api_citations == citations  # the API numbers its citations as the page does
    for heading in ("Summary", "Timeline"):
        assert f">{heading}</h2>" in r.text
    # One list of the articles, not three: each article's link once in the timeline (reprints folded under
    # their origin), the brief's citations apart.
    assert "Coverage by origin" not in r.text and "Cited reporting" not in r.text
    timeline = r.text[r.text.index('id="timeline-h"'):r.text.index("</section>", r.text.index('id="timeline-h"'))]
    for url in urls:
        assert timeline.count(f'<a href="{url}" rel="noopener">') == 1, url
    for u, n in citations:  # a citation's number is the article's number in the timeline
        assert re.search(rf'id="cite-{n}">[^<]*(<time[^>]*>[^<]*</time>:\s*)?<span class="citation-number">\[{n}\]'
                         rf'</span>[^\n]*\n?[^\n]*<a href="{re.escape(u)}"', timeline), (u, n)
    assert "Who and where" not in r.text and "Statements</h2>" not in r.text  # nothing to show yet
    groups = r.text.split('class="origin"')[1:]
    wire_group = next(g for g in groups if '<span class="outlet">Wire Agency</span>' in g.split("</a>")[0])
    for outlet in ("The Example Herald", "Daily Sample", "Evening Example"):
        assert outlet in wire_group.split('<li class="origin"')[0]
    assert r.text.count(story["disclaimer"]) == 1  # the story's disclaimer, once (not again in the footer)
    assert f'href="/removal?story={sid}"' in r.text


def test_pages_other_than_a_story_carry_a_site_notice_not_the_story_disclaimer(site):
    front = site.get("/")
    assert "verify information independently" in front.text
    assert "This story" not in front.text.split("<footer")[1]


def test_the_search_page_has_one_search_box(site):
    page = site.get("/search?q=bridge").text
    assert page.count('role="search"') == 1 and page.count('type="search"') == 1
    assert site.get("/").text.count('role="search"') == 1  # other pages keep the header's quick search


@pytest.mark.parametrize("path", ["/stories/424242", "/stories/abc", "/stories/0", "/sources/424242",
                                  "/sources/x", "/no/such/page",
                                  "/stories/2147483648", "/sources/2147483648"])  # past PostgreSQL's INTEGER
def test_unknown_pages_are_404_pages(site, path):
    r = site.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "Not found" in r.text and "<main" in r.text


def test_sources_pages(site):
    r = site.get("/sources")
    assert r.status_code == 200
    for name, sid in site.sources.items():
        assert f'<a href="/sources/{sid}">{name}</a>' in r.text
    assert "connection refused &lt;b&gt;bold&lt;/b&gt;" in r.text
    gazette = site.get(f"/sources/{site.sources['Local Gazette']}")
    assert gazette.status_code == 200
    assert "Fetch health" in gazette.text and "error" in gazette.text and "Consecutive failures" in gazette.text
    assert "Aldermoor bridge reopens" in gazette.text
    nxt = re.search(r'rel="next" href="([^"]+)"', gazette.text)
    assert nxt is None  # 22 articles fit one page of 50


def test_search_page(site):
    r = site.get("/search?q=Marrask")
    assert r.status_code == 200
    quake = site.story_of[site.ids["wire"]]
    assert f'<a href="/stories/{quake}">' in r.text
    assert "<mark>Marrask</mark>" in r.text
    empty = site.get("/search")
    assert empty.status_code == 200 and 'name="q"' in empty.text and 'type="date"' in empty.text
    assert 'name="source"' in empty.text and 'name="language"' in empty.text
    for label in ('for="q"', 'for="since"', 'for="until"', 'for="source"', 'for="language"'):
        assert label in empty.text
    filtered = site.get(f"/search?q=Marrask&source={site.sources['Coast Post']}&since=2025-03-01&until=2025-03-31")
    assert filtered.status_code == 200 and f'<a href="/stories/{quake}">' in filtered.text
    none = site.get("/search?q=quake&language=fr")
    assert none.status_code == 200 and "No stories match" in none.text
    bad = site.get("/search?q=%22unclosed")
    assert bad.status_code == 400 and "unclosed quotation mark" in bad.text
    assert site.get("/search?q=quake&since=not-a-date").status_code == 400
    assert site.get("/search?q=quake&source=abc").status_code == 400


def test_removal_page_explains_and_is_the_form(site):
    sid = site.story_of[site.ids["wire"]]
    r = site.get(f"/removal?story={sid}")
    assert r.status_code == 200 and "Request removal" in r.text and f'href="/stories/{sid}"' in r.text
    main = r.text.split("<main")[1].split("</main>")[0]
    assert '<form method="post" action="/removal"' in main  # the form itself: tests/web/test_removal_web.py


@pytest.mark.parametrize("path", ["/", "/stories/{evil}", "/sources", "/sources/{gazette}", "/search?q=volcano",
                                  "/search?q=%3Cscript%3E"])
def test_publisher_markup_is_escaped_everywhere(site, path):
    path = path.format(evil=site.story_of[site.ids["evil"]], gazette=site.sources["Local Gazette"])
    r = site.get(path)
    assert r.status_code == 200
    assert "<script" not in r.text.lower()
    assert "onerror=alert" not in r.text.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "<i>Outlet</i>" not in r.text


def test_escaped_title_is_shown_as_text(site):
    r = site.get(f"/stories/{site.story_of[site.ids['evil']]}")
    assert "&lt;script&gt;" in r.text
    assert "".join(parse(r.text).text).count(EVIL_TITLE) >= 1


def test_only_http_links_and_security_headers(site):
    r = site.get(f"/stories/{site.story_of[site.ids['wire']]}")
    for a in parse(r.text).anchors:
        href = a.get("href") or ""
        assert href.startswith(("/", "http://", "https://", "#")), href
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"


def test_accessible_layout(site):
    html = site.get("/").text
    assert '<html lang="en">' in html and 'name="viewport"' in html
    assert '<a class="skip" href="#main">' in html and 'id="main"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'for="site-q"' in html  # the header's search box has a label
    assert "<style" not in html and "<script" not in html  # no inline style or script: CSP stays strict
    css = site.get("/static/site.css")
    assert css.status_code == 200 and "focus-visible" in css.text and "@media" in css.text
    levels = [int(h) for h in re.findall(r"<h([1-6])", site.get(f"/stories/{site.story_of[site.ids['wire']]}").text)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


WORDS = ("amber basalt cobalt dune ember fjord garnet harbour indigo juniper kelp lagoon meadow nectar obsidian "
         "pumice quartz russet saffron tundra umber velvet willow xenon yarrow zephyr").split()


def _grow_wire_story(db: str) -> None:
    """Sixty more articles in the wire story, published after its first ones."""
    from datetime import UTC, datetime, timedelta

    from newsdesk.keys import utcnow
    from newsdesk.models import Article
    from newsdesk.store import Store
    from newsdesk.stories.engine import StoryEngine

    store = Store(db)
    wire = next(a for a in store.iter_articles() if a.url == "https://wireagency.example/news/1")
    start = datetime.now(UTC) + timedelta(minutes=5)
    for i in range(60):
        aid, _ = store.save_article(Article(
            url=f"https://regional{i}.example/quake-follow-up", title=f"Quake follow-up number {i}",
            text=f"Notice {i}: " + " ".join(WORDS[(i * 7 + k) % len(WORDS)] for k in range(12)) + ".",
            published=start + timedelta(minutes=i)), source_name=f"Regional {i}")
        store.assign_story(aid, wire.story_id, duplicate_of=None, minhash=None, joined_at=utcnow())
    StoryEngine(store).refresh(wire.story_id)
    store.close()


def test_a_large_story_page_lists_its_first_articles_and_pages_through_the_rest(start_site):
    site = start_site(prepare=_grow_wire_story)
    sid = site.story_of[site.ids["wire"]]
    story = site.get(f"/api/stories/{sid}").json()
    total = story["articles_count"] if "articles_count" in story else len(story["articles"])
    assert total > 60
    page = site.get(f"/stories/{sid}").text
    assert re.search(rf"Showing the first \d+ of {total} articles", page)
    assert f'href="/stories/{sid}/articles"' in page
    shown = re.findall(r'<li class="origin"[ >]', page) + re.findall(r"\(copy\):", page)
    assert 50 <= len(shown) < total
    # every article the brief cites is named on the page, wherever it falls in the story
    for sentence in story["brief"]:
        for c in sentence["citations"]:
            assert f'href="{c["url"]}"' in page
    first = site.get(f"/stories/{sid}/articles")
    assert first.status_code == 200
    urls = re.findall(r'<a href="(https://[^"]+)" rel="noopener">', first.text)
    assert len(urls) == 50 and "Quake follow-up number 59" in first.text  # newest first
    nxt = re.search(r'rel="next" href="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    second = site.get(nxt)
    rest = re.findall(r'<a href="(https://[^"]+)" rel="noopener">', second.text)
    assert len(rest) == total - 50 and not set(rest) & set(urls)
    assert site.get("/stories/424242/articles").status_code == 404
    assert site.get(f"/stories/{sid}/articles?cursor=bogus").status_code == 400
