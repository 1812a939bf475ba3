"""A feed's dates cannot stop the service: an Atom feed from a real local server whose entries carry year 1 and
other bad dates, through the real collector, story engine and `newsdesk fetch`, on SQLite and PostgreSQL.

Before newsdesk.dates, the year-1 entry was stored as published 0001-01-01 and story grouping raised
OverflowError on that pass and on every later one (`newsdesk fetch` exited 1 from then on)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from localserver import LocalServer, Response
from pages import TOPICS
from sqlalchemy import text

from newsdesk.collect import Collector
from newsdesk.config import Settings
from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines

ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
HTML = {"Content-Type": "text/html; charset=utf-8"}
GOOD = "2025-09-01T09:00:00Z"
# entry number -> its date in the feed; the pages carry no date of their own, so the feed's is the one offered
DATES = {0: "0001-01-01T00:00:00Z", 1: "99999-01-01T00:00:00Z", 2: "2025-09-01T10:00:00+9999",
         3: "Sat, 01 Jan 0000 00:00:00 GMT", 4: "2999-01-01T00:00:00Z", 5: "1989-12-31T00:00:00Z", 6: GOOD}


# Other outlets' reports of the event of entry 0 (the harbour bridge), in their own words: not copies, so each
# is compared with entry 0's story, and that comparison is what did date arithmetic with year 1.
RETOLD = {
    6: ("Harbour bridge open again after cable repairs",
        ["The old harbour bridge opened to traffic again on Tuesday after engineers replaced its cables.",
         "Ferry crews had carried twice the usual number of passengers while the bridge was closed.",
         "A separate lane for cyclists will be painted on the eastern side of the harbour bridge."]),
    8: ("Cyclists get their own lane as harbour bridge reopens",
        ["Engineers have finished the cable work on the harbour bridge, which reopened on Tuesday.",
         "New cables for the harbour bridge came by barge from a foundry upriver, the engineers said.",
         "The bridge's eastern side will get a cycle lane, and ferry traffic is expected to fall back."]),
}


def page(n: int) -> str:
    head, lead, *details = TOPICS[n % len(TOPICS)]
    paragraphs = [f"{lead}, officials said in statement number {n}.", *details]
    head, paragraphs = RETOLD.get(n, (head, paragraphs))
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{head} ({n})</title></head>'
            f"<body><article><h1>{head} ({n})</h1>{body}</article></body></html>")


def atom(base: str, dates: dict[int, str]) -> str:
    entries = "".join(f'<entry><title>Entry {n}</title><link href="{base}/a/{n}.html"/><id>urn:e:{n}</id>'
                      f"<published>{when}</published></entry>" for n, when in dates.items())
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Gazette</title>'
            f"<id>urn:g</id><updated>{GOOD}</updated>{entries}</feed>")


def serve(server: LocalServer, dates: dict[int, str]) -> str:
    base = server.url("").rstrip("/")
    for n in dates:
        server.route(f"/a/{n}.html", Response(200, page(n), HTML))
    server.route("/feed.xml", Response(200, atom(base, dates), ATOM))
    return base


def test_bad_feed_dates_are_dropped_and_every_pass_goes_on(db_url, server, caplog):
    settings = Settings(database_url=db_url, allow_private_hosts=True, min_host_delay=0.0, request_timeout=5.0,
                        analysis_batch=0)
    store = Store(db_url)
    store.migrate()
    base = serve(server, DATES)
    collector = Collector(settings, store)
    try:
        collector.add_source(f"{base}/feed.xml", discover=False)
        with caplog.at_level(logging.INFO, logger="newsdesk.dates"):
            (report,) = collector.fetch_due(include_not_due=True)
        assert report.status == "ok" and report.new_articles == len(DATES), report.error
        assert StoryEngine(store).process_pending() == len(DATES)
        published = {a.url: a.published for a in store.iter_articles()}
        assert published == {f"{base}/a/{n}.html": (datetime(2025, 9, 1, 9, tzinfo=UTC) if n == 6 else None)
                             for n in DATES}
        stories = {a.url: a.story_id for a in store.iter_articles()}
        assert None not in stories.values()
        assert stories[f"{base}/a/6.html"] == stories[f"{base}/a/0.html"]  # one event, whatever entry 0's date
        for n, reason in [(0, "before 1990-01-01"), (2, "no such zone +9999"), (3, "its year was read as 2000"),
                          (4, "more than 2 days ahead")]:
            assert f"{base}/a/{n}.html: feed date {DATES[n]!r} dropped: {reason}" in caplog.text

        # A store written before the check may hold such a date already: the engine must not fail on it either.
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE articles SET published = :y1 WHERE url = :url"),
                         {"y1": datetime(1, 1, 1, tzinfo=UTC), "url": f"{base}/a/0.html"})
        assert StoryEngine(store).process_pending() == 0
    finally:
        collector.close()

    # The next passes, as a user runs them: more year-1 entries arrive, the command succeeds and places them.
    serve(server, {**DATES, 7: DATES[0], 8: GOOD})
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url, "NEWSDESK_ALLOW_PRIVATE_HOSTS": "1",
           "NEWSDESK_MIN_HOST_DELAY": "0", "NEWSDESK_ANALYSIS_BATCH": "0"}
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "fetch", "--all"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "2 new article(s), 0 source error(s), 2 article(s) placed in stories" in proc.stdout
    articles = {a.url: a for a in store.iter_articles()}
    assert articles[f"{base}/a/7.html"].published is None and articles[f"{base}/a/7.html"].story_id is not None
    assert articles[f"{base}/a/8.html"].published == datetime(2025, 9, 1, 9, tzinfo=UTC)
    assert articles[f"{base}/a/8.html"].story_id == articles[f"{base}/a/0.html"].story_id
    store.close()
