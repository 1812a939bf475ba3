"""Suppression everywhere and for good: the database, the search index, stories and briefs, caches, the
collector (feed re-fetch, WARC import, copies on other domains, domain opt-out), provisional suppression."""

from __future__ import annotations

from dataclasses import replace

import pytest
from localserver import Response
from removal_helpers import HTML, OTHER, RSS, UNIQUE, WIRE, page, rss, submission, write_warc
from sqlalchemy import text

from newsdesk.collect import BlockedSourceError, Collector
from newsdesk.keys import utcnow
from newsdesk.models import Article
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.store.search import parse_query, search_stories
from newsdesk.stories.engine import StoryEngine

ORIGIN = "/wire/ferry.html"
COPY = "/partner/ferry-reprint.html"
OTHER_PATH = "/local/library.html"

pytestmark = pytest.mark.both_engines


def serve_news(server) -> None:
    """An origin (with a paragraph only it has), a reprint of it (new headline, trimmed, own boilerplate) and an
    unrelated article, all in one feed."""
    base = server.url("").rstrip("/")
    server.route(ORIGIN, Response(200, page("Electric ferry completes first crossing", [*WIRE, UNIQUE]), HTML))
    reprint = page("Battery ferry crosses the strait", WIRE, outlet="Partner Daily",
                   extra="<p>Subscribe to our newsletter for more maritime news.</p>")
    server.route(COPY, Response(200, reprint, HTML))
    server.route(OTHER_PATH, Response(200, page("Library opens a second reading room", OTHER), HTML))
    server.route("/feed.xml", Response(200, rss(base, [ORIGIN, COPY, OTHER_PATH]), RSS))


def collect(collector: Collector, server) -> dict[str, int]:
    serve_news(server)
    collector.add_source(server.url("/feed.xml"), discover=False)
    (report,) = collector.fetch_due(include_not_due=True)
    assert report.status == "ok" and report.new_articles == 3, report
    StoryEngine(collector.store).process_pending()
    return {a.url.removeprefix(server.url("").rstrip("/")): a.id for a in collector.store.iter_articles()}


def fts_hits(store: Store, word: str) -> list[int]:
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return [r[0] for r in conn.execute(text(
                "SELECT id FROM articles_fts WHERE vector @@ plainto_tsquery('english', :q)"), {"q": word})]
        return [r[0] for r in conn.execute(text("SELECT rowid FROM articles_fts WHERE articles_fts MATCH :q"),
                                           {"q": word})]


def fts_terms(store: Store) -> set[str]:
    """Every term still present in the article index (read through an fts5vocab table, or PostgreSQL's ts_stat
    over the stored vectors)."""
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            return {r[0] for r in conn.exec_driver_sql("SELECT word FROM ts_stat('SELECT vector FROM articles_fts')")}
        conn.exec_driver_sql("CREATE VIRTUAL TABLE IF NOT EXISTS temp.art_vocab "
                             "USING fts5vocab(main, articles_fts, row)")
        return {r[0] for r in conn.exec_driver_sql("SELECT term FROM temp.art_vocab")}


def accept_url(desk: RemovalDesk, url: str, scope: str = "article") -> object:
    receipt = desk.submit(submission(urls=[url], scope=scope), client="192.0.2.1")
    return desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")


def test_accepted_article_is_gone_everywhere_and_does_not_come_back(collector, desk, server, tmp_path):
    store = collector.store
    ids = collect(collector, server)
    origin, copy = ids[ORIGIN], ids[COPY]
    story_id = next(a.story_id for a in store.iter_articles() if a.id == origin)
    assert fts_hits(store, "quillfeather") == [origin]
    reader = Reader(store)
    version = reader.data_version()

    report = accept_url(desk, server.url(ORIGIN))
    assert report.article_ids == [origin] and report.story_ids == [story_id]
    assert report.seconds < 1.0
    # The row, its text and its search entries are gone; only the proof is kept.
    assert not store.article_exists(origin)
    assert fts_hits(store, "quillfeather") == [] and "quillfeather" not in fts_terms(store)
    with store.engine.connect() as conn:
        proof = conn.execute(text("SELECT article_id, url, content_hash, story_id FROM removed_items")).all()
        assert [(p[0], p[1], p[3]) for p in proof] == [(origin, server.url(ORIGIN), story_id)]
        dump = "\n".join(str(r) for t in ("removed_items", "removal_audit", "removal_targets", "blocklist")
                         for r in conn.execute(text(f"SELECT * FROM {t}")))
    assert "Quillfeather" not in dump and "ferry operator" not in dump
    # The story is recomputed from what remains: the copy, now an original; no sentence cites the removed one.
    row = store.get_story(story_id)
    assert row.article_count == 1 and row.independent_sources_count == 1
    assert all(c["article_id"] != origin for sent in row.brief for c in sent["citations"])
    assert "Quillfeather" not in (row.headline or "") + " ".join(sent["text"] for sent in row.brief)
    assert {a.id: a.duplicate_of for a in store.story_members(story_id)} == {copy: None}
    # Caches: the data version moved on; search finds no story through the removed word.
    assert reader.data_version() != version
    with store.engine.connect() as conn:
        hits, _ = search_stories(conn, parse_query("Quillfeather"))
    assert hits == []

    # Re-fetching the feed does not fetch or store it again.
    hits_before = len(server.hits(ORIGIN))
    (again,) = collector.fetch_due(include_not_due=True)
    assert again.blocked == 1 and again.new_articles == 0
    assert len(server.hits(ORIGIN)) == hits_before
    assert not store.article_exists(origin) and store.count_articles() == 2
    # A WARC holding the same page does not bring it back either, nor a copy of it on another domain.
    original_html = page("Electric ferry completes first crossing", [*WIRE, UNIQUE])
    syndicated = page("Strait gets its first battery ferry", [*WIRE[:4], UNIQUE], outlet="Coast Wire",
                      extra="<p>Follow us on social media for updates.</p>")
    warc = write_warc(tmp_path / "crawl.warc.gz", [(server.url(ORIGIN), original_html),
                                                   ("https://coastwire.example.net/2025/ferry", syndicated)])
    imported = collector.import_paths([warc])
    assert imported.stored == 0 and imported.blocked == 2, imported
    assert store.count_articles() == 2
    actions = [e.action for e in desk.audit(limit=50)]
    assert actions.count("blocked_fetch") == 1 and actions.count("blocked_store") == 2
    # The engine keeps working with the removed id gone (nothing pending, nothing broken).
    assert StoryEngine(store).process_pending() == 0


def test_restart_keeps_the_removal(collector, desk, server, settings):
    ids = collect(collector, server)
    accept_url(desk, server.url(ORIGIN))
    collector.close()
    collector.store.close()
    store = Store(settings.database_url)
    store.migrate()
    fresh = Collector(settings, store)
    try:
        (report,) = fresh.fetch_due(include_not_due=True)
        assert report.blocked == 1 and not store.article_exists(ids[ORIGIN])
        assert fresh.removals.is_blocked(url=server.url(ORIGIN) + "?utm_source=feed") is not None
    finally:
        fresh.close()
        store.close()


def test_copies_scope_removes_the_copies(collector, desk, server):
    store = collector.store
    ids = collect(collector, server)
    members = {a.id: a.duplicate_of for a in store.iter_articles()}
    assert members[ids[COPY]] == ids[ORIGIN]  # the reprint was recognised as a copy
    report = accept_url(desk, server.url(COPY), scope="copies")
    assert sorted(report.article_ids) == sorted([ids[ORIGIN], ids[COPY]])
    assert report.stories_emptied == report.story_ids
    assert store.count_articles() == 1
    assert desk.get(report.public_id).targets[0].resolved == sorted([ids[ORIGIN], ids[COPY]])


def test_story_scope_shows_the_story_as_removed(collector, desk, server):
    store = collector.store
    ids = collect(collector, server)
    story_id = next(a.story_id for a in store.iter_articles() if a.id == ids[ORIGIN])
    receipt = desk.submit(submission(story_ids=[story_id], reason="privacy", relationship="subject"), client="c")
    report = desk.accept(receipt.public_id, actor="cli", reason="Private person named.")
    assert report.stories_emptied == [story_id]
    row = store.get_story(story_id)
    assert (row.article_count, row.headline, row.brief, row.removal_request_id) == (0, None, [], report.request_id)
    reader = Reader(store)
    (view,) = reader.stories_by_ids([story_id])
    assert view.removed and view.articles == []
    assert story_id not in [s.id for s in reader.latest_stories().items]
    with store.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            found = text("SELECT count(*) FROM stories_fts WHERE id = :i AND vector @@ to_tsquery('english', 'ferry')")
        else:
            found = text("SELECT count(*) FROM stories_fts WHERE rowid = :i AND stories_fts MATCH 'ferry'")
        assert conn.execute(found, {"i": story_id}).scalar() == 0
    # New reporting that joins the story later brings it back as an ordinary story, with only the new text.
    new_id, _ = store.save_article(Article(url="https://later.example.org/follow-up", title="Ferry inquiry opens",
                                           text="An inquiry into the ferry sinking opened on Monday in the port."))
    store.assign_story(new_id, story_id, duplicate_of=None, minhash=None, joined_at=utcnow())
    StoryEngine(store).refresh(story_id)
    row = store.get_story(story_id)
    assert (row.article_count, row.removal_request_id, row.headline) == (1, None, "Ferry inquiry opens")
    (view,) = reader.stories_by_ids([story_id])
    assert not view.removed


def test_domain_opt_out_stops_fetching_that_domain(collector, desk, server):
    store = collector.store
    collect(collector, server)
    receipt = desk.submit(submission(urls=[server.url(ORIGIN)], scope="domain"), client="c")
    report = desk.accept(receipt.public_id, actor="cli", reason="Publisher opt-out.")
    assert store.count_articles() == 0 and len(report.sources_deactivated) == 1
    feed_hits = len(server.hits("/feed.xml"))
    assert collector.fetch_due(include_not_due=True) == []
    # Even a source switched on again by hand is not fetched, and none can be added on that domain.
    store.update_source(report.sources_deactivated[0], active=True)
    assert collector.fetch_due(include_not_due=True) == []
    assert len(server.hits("/feed.xml")) == feed_hits
    with pytest.raises(BlockedSourceError, match="cannot be added: domain 127.0.0.1 is blocked"):
        collector.add_source(server.url("/another-feed.xml"), discover=False)


def test_domain_field_blocks_subdomains_on_import(collector, desk, tmp_path):
    receipt = desk.submit(submission(domain="https://www.example.org/"), client="c")
    assert desk.get(receipt.public_id).targets[0].value == "example.org"
    desk.accept(receipt.public_id, actor="cli", reason="Publisher opt-out.")
    warc = write_warc(tmp_path / "a.warc.gz", [
        ("https://news.example.org/ferry", page("Ferry", WIRE)),
        ("https://library.example.com/news", page("Library", OTHER)),
    ])
    report = collector.import_paths([warc])
    assert (report.stored, report.blocked) == (1, 1)
    assert desk.is_blocked(url="https://deep.news.example.org/x") is not None
    assert desk.is_blocked(url="https://example.org.evil.test/x") is None


def test_provisional_suppression_then_rejection_restores_exactly(collector, server, settings):
    store = collector.store
    desk = RemovalDesk(store, replace(settings, removal_provisional=True))
    collector.removals = desk
    ids = collect(collector, server)
    before = {a.id: (a.story_id, a.duplicate_of, a.text, a.minhash) for a in store.iter_articles()}
    story_id = before[ids[ORIGIN]][0]
    story_before = store.get_story(story_id)

    receipt = desk.submit(submission(urls=[server.url(ORIGIN)]), client="c")
    assert receipt.provisional
    assert not store.article_exists(ids[ORIGIN]) and fts_hits(store, "quillfeather") == []
    assert store.get_story(story_id).article_count == 1
    (report,) = collector.fetch_due(include_not_due=True)  # quarantined content is blocked meanwhile
    assert report.blocked == 1 and not store.article_exists(ids[ORIGIN])

    restored = desk.reject(receipt.public_id, actor="admin:eve", reason="The article is the outlet's own.")
    assert restored.restored == [ids[ORIGIN]]
    after = {a.id: (a.story_id, a.duplicate_of, a.text, a.minhash) for a in store.iter_articles()}
    assert after == before
    story_after = store.get_story(story_id)
    assert (story_after.article_count, story_after.headline, story_after.brief) == (
        story_before.article_count, story_before.headline, story_before.brief)
    assert story_after.removal_request_id is None
    assert fts_hits(store, "quillfeather") == [ids[ORIGIN]]
    assert desk.is_blocked(url=server.url(ORIGIN)) is None
    actions = [e.action for e in reversed(desk.audit(receipt.public_id))]
    assert actions == ["received", "provisional_suppression", "rejected", "restored"]


def test_rejecting_a_provisional_request_does_not_restore_what_another_accepted_request_names(
        collector, server, settings):
    store = collector.store
    desk = RemovalDesk(store, replace(settings, removal_provisional=True))
    collector.removals = desk
    ids = collect(collector, server)
    first = desk.submit(submission(urls=[server.url(ORIGIN)]), client="a")
    second = desk.submit(submission(urls=[server.url(ORIGIN)], reason="privacy", relationship="subject"),
                         client="b")
    assert not store.article_exists(ids[ORIGIN])  # set aside by the first request
    desk.accept(second.public_id, actor="admin:eve", reason="Private person named.")
    report = desk.reject(first.public_id, actor="admin:eve", reason="Not the rights holder.")
    assert report.restored == []
    assert not store.article_exists(ids[ORIGIN]) and fts_hits(store, "quillfeather") == []
    assert desk.is_blocked(url=server.url(ORIGIN)) is not None
    (fetch,) = collector.fetch_due(include_not_due=True)
    assert fetch.blocked == 1 and not store.article_exists(ids[ORIGIN])
    second_id = desk.get(second.public_id).id
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT request_id FROM removed_items WHERE article_id = :a"),
                            {"a": ids[ORIGIN]}).scalar() == second_id
        assert conn.execute(text("SELECT count(*) FROM quarantine")).scalar() == 0
    assert "kept_removed" in [e.action for e in desk.audit(second.public_id)]


def test_provisional_then_accept_purges_the_quarantine(collector, server, settings):
    store = collector.store
    desk = RemovalDesk(store, replace(settings, removal_provisional=True))
    ids = collect(collector, server)
    receipt = desk.submit(submission(urls=[server.url(ORIGIN)]), client="c")
    report = desk.accept(receipt.public_id, actor="cli", reason="ok")
    assert report.article_ids == [ids[ORIGIN]]
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM quarantine")).scalar() == 0
        assert conn.execute(text("SELECT article_id FROM removed_items")).scalar() == ids[ORIGIN]


def test_live_engine_survives_removed_ids(collector, desk, server):
    from newsdesk.models import Article

    store = collector.store
    ids = collect(collector, server)
    engine = StoryEngine(store)  # holds every article in memory, the removed ones included
    assert ids[OTHER_PATH] == max(ids.values())
    accept_url(desk, server.url(OTHER_PATH))
    accept_url(desk, server.url(ORIGIN))  # the origin of the reprint: the engine must not cite it again
    # A new article stored straight into the store (no collector, so no blocklist): a new id on both engines,
    # the removed newest article's included (SQLite's AUTOINCREMENT, PostgreSQL's sequences).
    new_id, _ = store.save_article(Article(url="https://elsewhere.example.com/ferry", title="Ferry again",
                                           text="\n\n".join(WIRE)), source_name="Elsewhere")
    assert new_id > max(ids.values())
    assert engine.process_pending() == 1
    row = next(a for a in store.iter_articles() if a.id == new_id)
    assert row.story_id is not None and row.duplicate_of in (None, ids[COPY])


def test_live_engine_takes_a_restored_article_back(collector, server, settings):
    from newsdesk.models import Article

    store = collector.store
    desk = RemovalDesk(store, replace(settings, removal_provisional=True))
    ids = collect(collector, server)
    engine = StoryEngine(store)  # running all along, as in `serve`
    story = next(a.story_id for a in store.iter_articles() if a.id == ids[ORIGIN])
    receipt = desk.submit(submission(urls=[server.url(ORIGIN)]), client="c")
    assert engine.process_pending() == 0  # it forgets the article set aside
    desk.reject(receipt.public_id, actor="admin:eve", reason="The article is the outlet's own.")
    # Another reprint of the restored article, its own paragraph included: the restored article is its origin
    # again, as it would have been had the request never come (its reprint does not stand in for it).
    new_id, _ = store.save_article(Article(
        url="https://elsewhere.example.com/ferry", title="Quillfeather crosses the strait",
        text="\n\n".join([*WIRE, UNIQUE, "Reporting by the elsewhere desk."])), source_name="Elsewhere")
    assert engine.process_pending() == 1
    row = next(a for a in store.iter_articles() if a.id == new_id)
    assert (row.duplicate_of, row.story_id) == (ids[ORIGIN], story)
