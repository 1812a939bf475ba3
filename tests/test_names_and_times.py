"""Outlets by name and times that mean something (issue 18 items 2 and 3): what extraction reads as a site's name,
what the collector stores an article under (the source's name, the page's site name, the feed's title, the host
as a last resort), `sources rename`; stories placed and shown by publication time, with fetch and import times
said as such, and the same in the store, the pages, the API, the feeds and the CLI. Real local HTTP servers, a
real store (SQLite and PostgreSQL), a real `newsdesk serve` and real CLI subprocesses."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import feedparser
import httpx
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from localserver import Response
from pages import article_html, rss
from serveprocess import serving
from sqlalchemy import insert, select

from newsdesk.collect import Collector, outlet_name
from newsdesk.config import Settings
from newsdesk.extract import extract_article
from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.repository import MIGRATIONS
from newsdesk.store.schema import ArticleRow, Base, Source, StoryRow
from newsdesk.store.search import include_name
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]
BODY = "".join(f"<p>{s}</p>" for s in (
    "The harbour authority said on Tuesday that the old ferry pier would close for repairs in the spring.",
    "Fishermen who moor beside the pier said they had been told to move their boats to the northern basin.",
    "Engineers found that the wooden piles under the pier had rotted after decades of salt water and storms.",
    "The repairs are expected to cost about four million and to take the better part of two summers."))


def page(head: str = "", title: str = "Ferry pier to close for repairs") -> str:
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><article><h1>{title}</h1>{BODY}</article></body></html>")


# ---- what a page calls its site ---------------------------------------------------------------------------


@pytest.mark.parametrize(("head", "expected"), [
    ('<meta property="og:site_name" content="  The   Harbour Times ">', "The Harbour Times"),
    ('<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Ferry pier to close", '
     '"publisher": {"@type": "Organization", "name": "Harbour Daily"}}</script>', "Harbour Daily"),
    # og:site_name first, then the publisher
    ('<meta property="og:site_name" content="Harbour Times"><script type="application/ld+json">{"@type": '
     '"NewsArticle", "publisher": {"@type": "Organization", "name": "Harbour Media Group"}}</script>',
     "Harbour Times"),
    ('<meta property="og:site_name" content="https://harbour.example/">', None),  # an address is no name
    (f'<meta property="og:site_name" content="{"A slogan that goes on " * 6}">', None),  # nor a sentence
    ("", None),
])
def test_a_page_names_its_site_by_og_site_name_else_its_publisher(head, expected):
    article = extract_article(page(head), "https://www.harbour.example/news/pier")
    assert article.site_name == expected


def test_extract_prints_site_name(tmp_path):
    named, plain = tmp_path / "named.html", tmp_path / "plain.html"
    named.write_text(page('<meta property="og:site_name" content="Harbour Times">'))
    plain.write_text(page())
    out = subprocess.run([*NEWSDESK, "extract", str(named), str(plain), "--url", "https://harbour.example/a"],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    assert [json.loads(line)["site_name"] for line in out.splitlines()] == ["Harbour Times", None]


def test_the_host_is_the_name_of_last_resort():
    assert outlet_name("Harbour Times", "Harbour Times - World news", "https://www.harbour.example/a") \
        == "Harbour Times"
    assert outlet_name(None, "Harbour Times - World news", "https://www.harbour.example/a") \
        == "Harbour Times - World news"
    assert outlet_name(None, None, "https://www.harbour.example/a") == "harbour.example"
    assert outlet_name(None, None, "https://news.harbour.example/a") == "news.harbour.example"
    assert outlet_name(None, None, "file:///tmp/saved.html") is None


# ---- what the collector stores articles under ---------------------------------------------------------------


@pytest.fixture
def collector(db_url):
    settings = Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0, request_timeout=3.0,
                        connect_timeout=2.0)
    store = Store(db_url)
    store.migrate()
    c = Collector(settings, store)
    yield c
    c.close()
    store.close()


def _names(store: Store, source_id: int | None) -> list[str | None]:
    with store.session() as s:
        return list(s.scalars(select(ArticleRow.source_name).where(ArticleRow.source_id == source_id)
                              .order_by(ArticleRow.id)))


def test_a_source_is_named_by_its_pages_else_its_feed_title(collector, server):
    base = server.url("")
    named_meta = '<meta property="og:site_name" content="The Test Gazette">'
    for i in (1, 2):  # pages that name their site
        server.route(f"/articles/{i}.html", Response(200, article_html(i).replace("</head>", named_meta + "</head>"),
                                                     HTML))
    for i in (3, 4):  # pages that do not
        server.route(f"/articles/{i}.html", Response(200, article_html(i), HTML))
    server.route("/named.xml", Response(200, rss(base, [1, 2], title="Test Gazette - World news"), RSS))
    server.route("/plain.xml", Response(200, rss(base, [3, 4], title="Plain Feed"), RSS))
    named, _, _ = collector.add_source(f"{base}/named.xml", discover=False)
    plain, _, _ = collector.add_source(f"{base}/plain.xml", discover=False)
    store = collector.store
    # an article stored before the source knew its name (under its feed's title, as older versions did)
    early, _ = store.save_article(Article(url=f"{base}/early", title="Early", text="Early text of the gazette."),
                                  source_id=named.id, source_name="Test Gazette - World news")
    collector.fetch_due(include_not_due=True)
    assert _names(store, named.id) == ["The Test Gazette"] * 3  # the early one renamed with the source
    assert store.get_source(named.id).name == "The Test Gazette"
    assert _names(store, plain.id) == ["Plain Feed"] * 2
    assert store.get_source(plain.id).name is None  # nothing named it: its feed's title stands in
    # a name set by hand stays, whatever the pages say
    assert store.name_source(named.id, "Gazette", only_if_unnamed=True) == "The Test Gazette"


def test_an_imported_page_is_named_by_its_site_else_its_host(collector, tmp_path):
    named, plain = tmp_path / "named.html", tmp_path / "plain.html"
    named.write_text(page('<meta property="og:site_name" content="Harbour Times">'))
    plain.write_text(page(title="Fishermen move boats to the northern basin"))
    collector.import_paths([named], url="https://www.harbour.example/pier")
    collector.import_paths([plain], url="https://www.quay.example/boats")
    assert _names(collector.store, None) == ["Harbour Times", "quay.example"]


def test_name_source_renames_its_articles_and_refuses_an_empty_name(store):
    src, _ = store.add_source("https://quay.example/feed.xml", interval=900, title="Quay feed")
    other, _ = store.add_source("https://pier.example/feed.xml", interval=900, title="Pier feed")
    store.save_article(Article(url="https://quay.example/1", title="One", text="One text."), source_id=src.id,
                       source_name="Quay feed")
    store.save_article(Article(url="https://pier.example/1", title="Two", text="Two text."), source_id=other.id,
                       source_name="Pier feed")
    assert store.name_source(src.id, "  The   Quay\x00 Post ") == "The Quay Post"
    assert _names(store, src.id) == ["The Quay Post"] and _names(store, other.id) == ["Pier feed"]
    with pytest.raises(ValueError, match="empty"):
        store.name_source(src.id, " \t")
    assert store.name_source(424242, "Nobody") is None


def test_a_rename_that_makes_two_names_one_outlet_counts_the_story_s_outlets_again(store):
    gazette, _ = store.add_source("https://gazette.example/feed.xml", interval=900, title="Gazette feed")
    first, second = _articles(2, "harbour crane", "Wexmouth")
    store.save_article(Article(url="https://gazette.example/crane", title="Wexmouth harbour crane collapses",
                               text=first, published=OLD_DAY), source_id=gazette.id, source_name="Gazette feed")
    store.save_article(Article(url="https://gazette.example/archive/crane", title="Harbour crane falls in Wexmouth",
                               text=second, published=OLD_DAY + timedelta(hours=1)), source_name="The Gazette")
    StoryEngine(store).process_pending()
    (story,) = store.list_stories()
    assert (story.sources_count, story.independent_sources_count) == (2, 1)  # the archive's is a copy
    store.name_source(gazette.id, "The Gazette")
    (story,) = store.list_stories()
    assert (story.sources_count, story.independent_sources_count) == (1, 1)
    assert store.get_story(story.id).sources_count == 1


# ---- migration 0019 ------------------------------------------------------------------------------------------


@pytest.fixture
def old_store(db_url):
    s = Store(db_url)
    s.migrate("0018")
    yield s
    s.close()


def test_migration_0019_places_old_stories_by_publication_and_drops_www(old_store):
    store = old_store
    now = utcnow()
    old = datetime(2019, 5, 1, 12, 0, tzinfo=UTC)
    with store.engine.begin() as conn:  # rows as the store wrote them before: the columns of 0018 only
        conn.execute(insert(StoryRow.__table__), [
            {"id": sid, "brief": [], "created_at": now, "updated_at": now, "first_published": last,
             "last_published": last, "article_count": 1, "sources_count": 1, "independent_sources_count": 1}
            for sid, last in ((1, old), (2, None), (3, now + timedelta(days=1)))])  # dated, undated, dated ahead
        conn.execute(insert(ArticleRow.__table__), [
            {"url": f"https://a.example/{n}", "canonical_url": f"https://a.example/{n}", "source_name": name,
             "text": "x", "authors": [], "fetched": now, "content_hash": f"h{n}"}
            for n, name in enumerate(("www.thesun.co.uk", "www.", "www. Gazette", "Daily www.example"), 1)])
    store.migrate()
    with store.session() as s:
        placed = dict(s.execute(select(StoryRow.id, StoryRow.latest_at)).all())
        names = list(s.scalars(select(ArticleRow.source_name).order_by(ArticleRow.id)))
        assert s.scalar(select(Source.name)) is None
    assert placed[1] == old and abs(placed[2] - now) < timedelta(seconds=1) and abs(placed[3] - now) < timedelta(
        seconds=1)
    assert names == ["thesun.co.uk", "www.", "www. Gazette", "Daily www.example"]
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_name": include_name}),
                                Base.metadata) == []
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0018")
    store.migrate()
    with store.session() as s:
        assert s.scalar(select(StoryRow.latest_at).where(StoryRow.id == 1)) == old


# ---- times: store, pages, API, feeds and CLI agree ---------------------------------------------------------


OLD_DAY = datetime(2019, 4, 2, 9, 30, tzinfo=UTC)


def _articles(n: int, topic: str, place: str) -> list[str]:
    return [f"The {topic} of {place} was the talk of the town on Tuesday, the {place} council said, after "
            f"weeks of debate among residents of {place} about the {topic} and its cost number {k}.\n\n"
            f"Residents of {place} gathered near the {topic} to follow the news of the {topic}, and the council "
            f"of {place} voted to go on with the {topic} plan." for k in range(n)]


def fill(store: Store) -> dict[str, int]:
    """Three stories: one imported from 2019 pages (two outlets), one of today, one whose article has no date."""
    gazette, _ = store.add_source("https://gazette.example/feed.xml", interval=900, title="Gazette feed")
    ids: dict[str, int] = {}
    for k, text_ in enumerate(_articles(2, "lighthouse", "Marrowby")):  # imported: no source
        ids[f"old{k}"], _ = store.save_article(
            Article(url=f"https://www.archive{k}.example/lighthouse", title="Marrowby lighthouse restored",
                    text=text_, published=OLD_DAY + timedelta(hours=k)),
            source_name=f"archive{k}.example")
    ids["today"], _ = store.save_article(
        Article(url="https://gazette.example/tram", title="Quillfield tram line opens", text=_articles(1, "tram",
                "Quillfield")[0], published=utcnow() - timedelta(hours=1)), source_id=gazette.id,
        source_name="Gazette feed")
    ids["undated"], _ = store.save_article(
        Article(url="https://gazette.example/bridge", title="Dunhollow bridge vote", text=_articles(1, "bridge",
                "Dunhollow")[0]), source_id=gazette.id, source_name="Gazette feed")
    StoryEngine(store).process_pending()
    with store.session() as s:
        for name in list(ids):
            ids[f"story_{name}"] = s.scalar(select(ArticleRow.story_id).where(ArticleRow.id == ids[name]))
    ids["gazette"] = gazette.id
    return ids


def test_stories_are_placed_by_their_latest_report(store):
    ids = fill(store)
    assert ids["story_old0"] == ids["story_old1"]
    with store.session() as s:
        old = s.get(StoryRow, ids["story_old0"])
        undated = s.get(StoryRow, ids["story_undated"])
        # placed in 2019, though stored today; the undated story by when it was seen, with no publication time
        assert (old.first_published, old.last_published, old.latest_at) == (
            OLD_DAY, OLD_DAY + timedelta(hours=1), OLD_DAY + timedelta(hours=1))
        assert old.created_at > datetime(2026, 1, 1, tzinfo=UTC)
        assert undated.first_published is None and undated.latest_at == undated.updated_at
    assert [s.id for s in store.list_stories()] == [ids["story_undated"], ids["story_today"], ids["story_old0"]]


def test_a_date_ahead_of_the_fetch_places_a_story_at_the_fetch(store):
    ahead = utcnow() + timedelta(days=1)  # sane (within two days) but later than it was fetched
    aid, _ = store.save_article(Article(url="https://clock.example/a", title="Clock tower repaired",
                                        text=_articles(1, "clock tower", "Elmsby")[0], published=ahead))
    StoryEngine(store).process_pending()
    with store.session() as s:
        row = s.get(StoryRow, s.scalar(select(ArticleRow.story_id).where(ArticleRow.id == aid)))
        fetched = s.scalar(select(ArticleRow.fetched).where(ArticleRow.id == aid))
    assert row.last_published == row.latest_at == fetched


def _cli(db: str, *args: str) -> str:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db, "COLUMNS": "200"}
    proc = subprocess.run([*NEWSDESK, *args], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_pages_api_feeds_and_cli_tell_the_same_times_and_names(db_url, tmp_path):
    store = Store(db_url)
    store.migrate()
    try:
        ids = fill(store)
    finally:
        store.close()
    assert "is now shown as 'The Gazette'" in _cli(db_url, "sources", "rename", str(ids["gazette"]), "The Gazette")
    listed = [json.loads(line) for line in _cli(db_url, "sources", "list", "--json").splitlines()]
    assert [(s["name"], s["title"]) for s in listed] == [("The Gazette", "Gazette feed")]
    assert "The Gazette" in _cli(db_url, "sources", "list")
    old, undated, today = ids["story_old0"], ids["story_undated"], ids["story_today"]

    # the CLI: publication times; the undated article marked, its fetch time said to be one
    shown = shown_old = _cli(db_url, "stories", "show", str(old))
    assert "first report 2019-04-02 09:30 UTC, latest report 2019-04-02 10:30 UTC" in shown
    assert "2019-04-02 09:30 UTC  [" in shown and "updated" not in shown and "first seen" not in shown
    shown = _cli(db_url, "stories", "show", str(undated))
    assert "date unknown (first seen " in shown and "date unknown (fetched " in shown and "The Gazette:" in shown
    listed = [int(line.split()[1]) for line in _cli(db_url, "stories", "list").splitlines()
              if re.match(r"^\S\s+\d+\s", line)]

    with serving(db_url, tmp_path, "--no-background-fetch") as site:
        api = httpx.get(f"{site.url}/api/stories?order=updated").json()["stories"]
        assert [s["id"] for s in api] == listed == [undated, today, old]  # the CLI's order is the site's
        by_id = {s["id"]: s for s in api}
        assert by_id[old]["latest_at"].startswith("2019-04-02T10:30") and by_id[old]["date_known"] is True
        assert by_id[old]["first_seen"] > "2026"  # kept, and described as when this site saw it
        assert by_id[undated]["date_known"] is False and by_id[undated]["last_published"] is None
        # the front page: today's stories first; 2019's after them, old news
        assert [s["id"] for s in httpx.get(f"{site.url}/api/stories").json()["stories"]][-1] == old

        articles = {a["id"]: a for a in httpx.get(f"{site.url}/api/articles").json()["articles"]}
        assert articles[ids["old0"]]["received"] == "imported" and articles[ids["old0"]]["date_known"] is True
        assert articles[ids["undated"]]["received"] == "fetched" and articles[ids["undated"]]["date_known"] is False
        assert articles[ids["undated"]]["source"] == articles[ids["today"]]["source"] == "The Gazette"
        assert articles[ids["old0"]]["source"] == "archive0.example"
        source = httpx.get(f"{site.url}/api/sources/{ids['gazette']}").json()
        assert source["name"] == "The Gazette" and source["title"] == "Gazette feed"

        page = httpx.get(f"{site.url}/stories/{old}").text
        assert 'first report <time datetime="2019-04-02T09:30:00+00:00">2019-04-02 09:30 UTC</time>' in page
        # the CLI's numbers [1]..[n] are the page's: the same number leads to the same article
        on_page = set(re.findall(r'<a class="citation" href="([^"]+)"[^>]*>\[(\d+)\]</a>', page))
        in_cli = set(re.findall(r"^  \[(\d+)\] (\S+)$", shown_old, flags=re.M))
        assert on_page and {(url, n) for n, url in in_cli} == on_page
        assert "first seen" not in page and "updated <time" not in page
        page = httpx.get(f"{site.url}/stories/{undated}").text
        assert '<span class="date-unknown">date unknown</span> (first seen <time' in page
        assert '<span class="date-unknown">date unknown</span> (fetched <time' in page
        assert "The Gazette" in page and "Gazette feed" not in page
        front = httpx.get(f"{site.url}/").text
        assert "The Gazette" in front and "reported <time" in front
        assert "The Gazette" in httpx.get(f"{site.url}/sources").text
        search = httpx.get(f"{site.url}/search?q=lighthouse").text
        assert 'latest report <time datetime="2019-04-02T10:30' in search

        feed = feedparser.parse(httpx.get(f"{site.url}/search/feed.atom?q=lighthouse").content)
        entry = next(e for e in feed.entries if e.link.endswith(f"/stories/{old}"))
        assert entry.published.startswith("2019-04-02T09:30") and entry.updated.startswith("2019-04-02T10:30")
        assert "first report 2019-04-02 09:30 UTC, latest report 2019-04-02 10:30 UTC" in entry.content[0].value
        story_feed = feedparser.parse(httpx.get(f"{site.url}/stories/{undated}/feed.atom").content)
        (item,) = story_feed.entries
        assert "published" not in item and "date unknown (fetched " in item.content[0].value
        assert "The Gazette reported" in item.content[0].value
        source_feed = feedparser.parse(httpx.get(f"{site.url}/sources/{ids['gazette']}/feed.atom").content)
        assert "The Gazette" in source_feed.feed.subtitle


def test_sources_rename_says_what_is_wrong(store, db_url):
    src, _ = store.add_source("https://quay.example/feed.xml", interval=900, title="Quay feed")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url, "COLUMNS": "200"}

    def rename(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([*NEWSDESK, "sources", "rename", *args], env=env, capture_output=True, text=True,
                              timeout=120)

    missing = rename("424242", "Nobody")
    assert missing.returncode == 1 and "no source with id 424242" in missing.stderr
    empty = rename(str(src.id), "  ")
    assert empty.returncode == 2 and "cannot be empty" in empty.stderr
    assert store.get_source(src.id).name is None  # nothing changed
