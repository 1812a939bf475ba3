"""Per-site templates in the service: the collector learns each site's template as its pages arrive (a real local
HTTP server, a real store on SQLite and PostgreSQL), drops the site's furniture once it has seen enough pages, and
keeps what it learned across a restart."""

from __future__ import annotations

from email.utils import format_datetime

import pytest
from localserver import LocalServer, Response
from template_site import APPEAL, DECORATION, headline, page

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.extract import HostTemplate
from newsdesk.keys import utcnow
from newsdesk.store import Store

pytestmark = pytest.mark.both_engines

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


def feed(server: LocalServer, ids: list[int]) -> None:
    items = "".join(f"<item><title>Story {i}</title><link>{server.url(f'/news/story-{i}')}</link>"
                    f"<pubDate>{format_datetime(utcnow())}</pubDate></item>" for i in ids)
    server.route("/feed.xml", Response(200, '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                                            f"<title>Harbour Times</title>{items}</channel></rss>", RSS))


def serve_pages(server: LocalServer, ids: range) -> None:
    for i in ids:
        server.route(f"/news/story-{i}", Response(200, page(i), HTML))


def settings_for(db_url: str, **values: object) -> Settings:
    return Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0, request_timeout=3.0,
                    connect_timeout=2.0, **values)


def collect_pass(settings: Settings, server: LocalServer, ids: list[int]) -> dict[str, object]:
    """One fetch pass of a fresh process (its own store connection and collector) over a feed listing `ids`."""
    feed(server, ids)
    store = Store(settings.database_url)
    store.migrate()
    collector = Collector(settings, store)
    try:
        collector.add_source(server.url("/feed.xml"), discover=False)
        (report,) = collector.fetch_due(include_not_due=True)
        assert report.status == "ok", report.error
        return {a.url.rsplit("-", 1)[1]: a for a in store.iter_articles()}
    finally:
        collector.close()
        store.close()


def test_furniture_disappears_once_the_site_is_known_and_the_template_survives_a_restart(db_url, server):
    settings = settings_for(db_url)
    serve_pages(server, range(4))
    first = collect_pass(settings, server, [0])["0"]
    assert APPEAL in first.text and first.title == headline(0) + DECORATION  # a site seen once: as before
    second = collect_pass(settings, server, [0, 1])["1"]  # the site's second page: what it shares with the first goes
    assert APPEAL not in second.text and second.title == headline(1)
    assert second.text.startswith("The fish market plan")
    # a new process: the template comes from the store
    store = Store(db_url)
    try:
        stored = store.host_template("127.0.0.1")
    finally:
        store.close()
    assert stored is not None and HostTemplate.from_json(stored).pages == 2
    assert "Harbour" not in str(stored) and "members" not in str(stored)  # fingerprints, never the site's text
    third = collect_pass(settings, server, [0, 1, 2])["2"]
    assert APPEAL not in third.text and third.title == headline(2)
    assert first.text == collect_pass(settings, server, [0, 1, 2])["0"].text  # what is stored is left as it was


def test_nothing_is_learned_with_the_setting_at_zero(db_url, server):
    settings = settings_for(db_url, template_min_pages=0)
    serve_pages(server, range(2))
    articles = collect_pass(settings, server, [0, 1])
    assert all(APPEAL in a.text for a in articles.values())
    store = Store(db_url)
    try:
        assert store.host_template("127.0.0.1") is None
    finally:
        store.close()


def test_two_learners_of_one_site_both_count(db_url):
    from concurrent.futures import ThreadPoolExecutor

    from newsdesk.extract import observe_page

    store = Store(db_url)
    store.migrate()
    pages = [observe_page(page(i)) for i in range(8)]
    try:
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda p: store.update_host_template(
                "harbourtimes.example", lambda stored: HostTemplate.from_json(stored).learned(p).to_json()), pages))
        assert HostTemplate.from_json(store.host_template("harbourtimes.example")).pages == 8
    finally:
        store.close()


def test_imported_pages_teach_their_site_too(db_url, tmp_path):
    import gzip

    settings = settings_for(db_url)
    store = Store(db_url)
    store.migrate()
    collector = Collector(settings, store)
    try:
        files = []
        for i in range(3):  # saved pages that name their address (rel=canonical) only
            path = tmp_path / f"saved-{i}.html.gz"
            path.write_bytes(gzip.compress(page(i).encode()))
            files.append(path)
        for path in files:  # one import each, as pages arrive over time
            assert collector.import_paths([path]).stored == 1
        stored = {a.url.rsplit("-", 1)[1]: a for a in store.iter_articles()}
        assert APPEAL in stored["0"].text and APPEAL not in stored["1"].text and APPEAL not in stored["2"].text
        assert stored["2"].title == headline(2)
        assert HostTemplate.from_json(store.host_template("harbourtimes.example")).pages == 3
    finally:
        collector.close()
        store.close()
