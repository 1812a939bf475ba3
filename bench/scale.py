"""Articles per second through the whole collect path (feed, page, extraction, store, stories) on PostgreSQL:
in-process (`newsdesk fetch`) against 1 and 2 Celery fetch workers (`newsdesk worker --queues fetch`, plus the one
stories worker and the scheduler), on feeds served from a local HTTP server.

    .venv/bin/python bench/scale.py [--feeds 20] [--per-feed 50] [--concurrency 2] [--delay 0.0] [--analysis]
    .venv/bin/python bench/scale.py --growth [--sizes 10000,100000,300000] [--fresh 800]

Each run gets a fresh database on one throwaway PostgreSQL and a flushed throwaway Redis (tests/pg.py,
tests/redisserver.py: Debian's packages). Worker runs are timed from the scheduler's start (workers already up)
until every article is stored and in a story, so worker start-up is not counted. `--delay` adds latency to each
page (a slow publisher), where more workers help most; `--analysis` runs the analysis stage too (on the stories
worker, after each assignment run).

The local feeds are all on one host: the in-process pass fetches them one after another (one request at a time
per host), while each worker process keeps its own per-host pacing, so part of the workers' gain here is that.

`--growth`: the cost per article as the PostgreSQL store grows (default 10k, 100k, 300k articles). The store is
filled with articles replayed from ../shared/data as bench/web.py makes them (ECB+ articles and GoogleNews
title+snippet, each replay a 30-day period with about a quarter of its words swapped, periods going back from
yesterday), newest first, as a backfill would: every size holds the same newest month, so the stories the live
clusterer keeps in memory are alike at every size and only the store's size differs. They are written in bulk
(SQLAlchemy core, the search triggers firing), each replayed event as one story, then ANALYZE. At each size the
same fresh articles (the ECB+ articles, dated within the last day, on new sources: a local feed per 40) go through
the real path in one process (Collector: feed, page, extraction, duplicate checks, store; StoryEngine: copies,
stories, briefs), timed; then they, their stories and sources are deleted, so every size measures the same work.
The figure is milliseconds per fresh article and its ratio to the smallest store.
"""

from __future__ import annotations

import argparse
import html
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from localserver import LocalServer, Response  # noqa: E402
from pages import article_html, rss  # noqa: E402
from pg import PostgresServer, find_bin_dir  # noqa: E402
from redisserver import RedisServer, find_redis_server  # noqa: E402

from newsdesk.collect import Collector  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.passes import story_engine  # noqa: E402
from newsdesk.store import Store  # noqa: E402


def serve(server: LocalServer, feeds: int, per_feed: int, delay: float) -> int:
    server.httpd.RequestHandlerClass.disable_nagle_algorithm = True  # no 40 ms delayed-ACK stall per page
    base = server.url("").rstrip("/")
    for f in range(feeds):
        ids = list(range(f * per_feed, (f + 1) * per_feed))
        server.route(f"/feed{f}.xml", Response(200, rss(base, ids), {"Content-Type": "application/rss+xml"}))
        for i in ids:
            server.route(f"/articles/{i}.html", Response(200, article_html(i), {"Content-Type": "text/html"},
                                                         delay=delay))
    return feeds * per_feed


def new_store(pg: PostgresServer, server: LocalServer, feeds: int) -> tuple[str, Store]:
    url = pg.create_database()
    store = Store(url)
    store.migrate()
    for f in range(feeds):
        store.add_source(server.url(f"/feed{f}.xml"), interval=3600, kind="rss")
    return url, store


def in_process(pg: PostgresServer, server: LocalServer, feeds: int, analysis: bool) -> float:
    url, store = new_store(pg, server, feeds)
    # No host time budget: the figure is the time one pass takes to collect everything (one host here).
    settings = Settings(database_url=url, allow_private_hosts=True, min_host_delay=0.0, host_time_budget=0.0)
    collector = Collector(settings, store)
    started = time.perf_counter()
    collector.fetch_due(include_not_due=True)
    story_engine(store).process_pending()
    if analysis:
        from newsdesk.analyze.stage import AnalysisStage

        AnalysisStage(store, settings).process_pending()
    took = time.perf_counter() - started
    collector.close()
    store.close()
    return took


def with_workers(pg: PostgresServer, broker: RedisServer, server: LocalServer, feeds: int, total: int,
                 workers: int, concurrency: int, analysis: bool, logs: Path) -> float:
    broker.flush()
    url, store = new_store(pg, server, feeds)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env.update(NEWSDESK_DATABASE_URL=url, NEWSDESK_BROKER_URL=broker.url(), NEWSDESK_ALLOW_PRIVATE_HOSTS="1",
               NEWSDESK_MIN_HOST_DELAY="0", NEWSDESK_ANALYSIS_BATCH="200" if analysis else "0")
    procs: list[subprocess.Popen[bytes]] = []

    def start(name: str, *args: str) -> Path:
        log = logs / f"{name}-{workers}.log"
        procs.append(subprocess.Popen([sys.executable, "-m", "newsdesk.cli", *args], env=env,
                                      stdout=log.open("wb"), stderr=subprocess.STDOUT, start_new_session=True))
        return log

    try:
        ready = [start("stories", "worker", "--queues", "stories")]
        ready += [start(f"fetch{i}", "worker", "--queues", "fetch", "--concurrency", str(concurrency))
                  for i in range(workers)]
        deadline = time.monotonic() + 120
        while not all(b" ready." in p.read_bytes() for p in ready):
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers did not start; see {logs}")
            time.sleep(0.1)
        started = time.perf_counter()
        start("scheduler", "scheduler", "--interval", "0.5")
        while (store.count_articles() < total or store.pending_articles(limit=1)
               or (analysis and store.pending_analysis(1))):
            if time.monotonic() > deadline + 600:
                raise RuntimeError(f"run did not finish; see {logs}")
            time.sleep(0.1)
        return time.perf_counter() - started
    finally:
        for p in procs:
            os.killpg(p.pid, signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        store.close()


# ---- --growth: the cost per article as the PostgreSQL store grows -------------------------------------------


def _event_of(base: list[dict]) -> dict[str, str]:
    return {r["key"]: r["event"] for r in base}


def fill_background(store: Store, rows: list[dict], events: dict[str, str], story_of: dict[str, int]) -> None:
    """Write `rows` (bench/web.py's generated articles) in bulk, each replayed event one story."""
    from sqlalchemy import insert

    from newsdesk.keys import content_hash
    from newsdesk.store.schema import ArticleRow, StoryRow

    def key(r: dict) -> str:  # the replay (url path) and the gold event: one story
        replay, article_key = r["url"].rsplit("/", 2)[-2:]
        return f"{replay}/{events[article_key]}"

    hour = timedelta(hours=1)  # fetched and grouped an hour after publication, long before the measured articles
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(key(r), []).append(r)
    new = [k for k in groups if k not in story_of]
    with store.engine.begin() as conn:
        for i in range(0, len(new), 5000):
            part = new[i : i + 5000]
            ids = conn.scalars(insert(StoryRow.__table__).returning(StoryRow.__table__.c.id,
                                                                     sort_by_parameter_order=True),
                               [story_row(groups[k], hour) for k in part]).all()
            story_of.update(zip(part, ids, strict=True))
        for i in range(0, len(rows), 5000):
            conn.execute(insert(ArticleRow.__table__), [
                {"url": r["url"], "canonical_url": r["url"], "source_name": r["source"], "title": r["title"],
                 "text": r["text"], "authors": [], "published": r["published"], "language": "en",
                 "fetched": r["published"] + hour, "content_hash": content_hash(r["text"]),
                 "story_id": story_of[key(r)], "story_joined_at": r["published"] + hour}
                for r in rows[i : i + 5000]])
    with store.engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def story_row(members: list[dict], delay: timedelta) -> dict:
    """The stories row of one replayed event, as the engine would leave it (no brief: not read here)."""
    times = [r["published"] for r in members]
    return {"headline": members[0]["title"], "brief": [], "created_at": members[0]["published"] + delay,
            "updated_at": max(times), "first_published": min(times), "last_published": max(times),
            "article_count": len(members), "sources_count": len({r["source"] for r in members}),
            "independent_sources_count": len(members), "entities": [], "statements": []}


def fresh_articles(base: list[dict], vocab: list[str], count: int) -> list[dict]:
    """The measured articles: ECB+ articles (full bodies) with their words varied as a new replay, so that no
    stored article is their exact copy, dated within the last day."""
    from web import vary

    rng = random.Random(99)
    now = datetime.now(UTC)
    ecb = [r for r in base if r["key"].startswith("ecb-")][:count]
    return [{"title": vary(r["title"], rng, vocab), "text": vary(r["text"], rng, vocab),
             "published": now - timedelta(minutes=rng.randrange(20 * 60))} for r in ecb]


def serve_fresh(server: LocalServer, step: int, fresh: list[dict], per_feed: int = 40) -> int:
    base = server.url(f"/g{step}").rstrip("/")
    feeds = 0
    for f in range(0, len(fresh), per_feed):
        items = []
        for j in range(f, min(f + per_feed, len(fresh))):
            r, url = fresh[j], f"{base}/a/{j}.html"
            paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in r["text"].split("\n") if p.strip())
            title = html.escape(r["title"])
            server.route(f"/g{step}/a/{j}.html", Response(200, (
                f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
                f'<meta property="article:published_time" content="{r["published"].isoformat()}"></head>'
                f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>"),
                {"Content-Type": "text/html; charset=utf-8"}))
            items.append(f"<item><title>{title}</title><link>{url}</link><guid>{url}</guid>"
                         f"<pubDate>{format_datetime(r['published'])}</pubDate></item>")
        server.route(f"/g{step}/feed{feeds}.xml", Response(200, (
            f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Fresh {feeds}</title>'
            f"<link>{base}/</link><description>bench</description>{''.join(items)}</channel></rss>"),
            {"Content-Type": "application/rss+xml"}))
        feeds += 1
    return feeds


def measure_fresh(url: str, server: LocalServer, step: int, fresh: list[dict]) -> dict[str, float]:
    """Seconds to collect and to group the fresh articles, and how many were stored; then they are deleted."""
    store = Store(url)
    with store.engine.connect() as conn:
        article_max = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM articles").scalar()
        story_max = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM stories").scalar()
    for f in range(serve_fresh(server, step, fresh)):
        store.add_source(server.url(f"/g{step}/feed{f}.xml"), interval=3600, kind="rss")
    settings = Settings(database_url=url, allow_private_hosts=True, min_host_delay=0.0, host_time_budget=0.0)
    collector = Collector(settings, store)
    t0 = time.perf_counter()
    engine = story_engine(store)  # a long-running stories worker has done this once, at its start
    t1 = time.perf_counter()
    collector.fetch_due(include_not_due=True)
    t2 = time.perf_counter()
    engine.process_pending()
    t3 = time.perf_counter()
    collector.close()
    with store.engine.begin() as conn:
        stored = conn.exec_driver_sql(f"SELECT count(*) FROM articles WHERE id > {article_max}").scalar()
        conn.exec_driver_sql(f"DELETE FROM articles WHERE id > {article_max}")
        conn.exec_driver_sql(f"DELETE FROM stories WHERE id > {story_max}")
        conn.exec_driver_sql("DELETE FROM url_failures")
        conn.exec_driver_sql("DELETE FROM sources")
    store.close()
    return {"restore": t1 - t0, "collect": t2 - t1, "stories": t3 - t2, "stored": stored}


def growth(pg: PostgresServer, sizes: list[int], fresh_count: int) -> None:
    from web import _LOWER_WORD, DATA, generate, load_base

    base = load_base(DATA)
    events = _event_of(base)
    vocab = sorted({w for r in base if r["key"].startswith("gn-") for w in _LOWER_WORD.findall(r["text"])})
    t0 = time.perf_counter()
    rows = generate(base, max(sizes))[::-1]  # newest first: a backfill going back in time
    fresh = fresh_articles(base, vocab, fresh_count)
    print(f"{len(rows):,} background articles generated in {time.perf_counter() - t0:.0f} s; "
          f"{len(fresh)} fresh articles measured at each size ({sum(len(r['text'].split()) for r in fresh):,} "
          f"words), {os.cpu_count()} CPUs")
    url = pg.create_database()
    Store(url).migrate()
    story_of: dict[str, int] = {}
    done = 0
    results: list[tuple[int, dict[str, float]]] = []
    print(f"{'store articles':>14} {'fill s':>7} {'stored':>6} {'restore s':>9} {'collect ms/art':>14} "
          f"{'stories ms/art':>14} {'total ms/art':>12} {'ratio':>6}")
    with LocalServer() as server:
        for step, size in enumerate(sorted(sizes)):
            t0 = time.perf_counter()
            store = Store(url)
            fill_background(store, rows[done:size], events, story_of)
            store.close()
            fill = time.perf_counter() - t0
            done = size
            took = measure_fresh(url, server, step, fresh)
            results.append((size, took))
            # Per stored article (a fresh article whose text is already stored, from the one fresh set, is
            # recognised as that copy and not stored again: the same few at every size).
            per = {k: 1000 * took[k] / took["stored"] for k in ("collect", "stories")}
            total = per["collect"] + per["stories"]
            first = results[0][1]
            ratio = total / (1000 * (first["collect"] + first["stories"]) / first["stored"])
            print(f"{size:>14,} {fill:>7.0f} {took['stored']:>6.0f} {took['restore']:>9.1f} {per['collect']:>14.1f} "
                  f"{per['stories']:>14.1f} {total:>12.1f} {ratio:>6.2f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--per-feed", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=2, help="tasks at once per fetch worker")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds of latency per article page")
    ap.add_argument("--analysis", action="store_true", help="include the analysis stage")
    ap.add_argument("--growth", action="store_true", help="cost per article as the PostgreSQL store grows")
    ap.add_argument("--sizes", default="10000,100000,300000", help="store sizes for --growth")
    ap.add_argument("--fresh", type=int, default=772, help="articles measured at each size (--growth)")
    args = ap.parse_args()
    bin_dir, redis_bin = find_bin_dir(), find_redis_server()
    if bin_dir is None or redis_bin is None:
        sys.exit("needs Debian's postgresql and redis-server packages (scripts/install-system-deps.sh)")
    pg, broker = PostgresServer(bin_dir).start(), RedisServer(redis_bin).start()
    if args.growth:
        try:
            growth(pg, [int(x) for x in args.sizes.split(",")], args.fresh)
        finally:
            broker.stop()
            pg.stop()
        return
    logs = Path(tempfile.mkdtemp(prefix="newsdesk-scale-"))
    try:
        with LocalServer() as server:
            total = serve(server, args.feeds, args.per_feed, args.delay)
            print(f"{total} articles from {args.feeds} local feeds, page latency {args.delay} s, "
                  f"analysis {'on' if args.analysis else 'off'}, {os.cpu_count()} CPUs; logs in {logs}")
            print(f"{'run':<32} {'seconds':>8} {'articles/s':>11}")
            took = in_process(pg, server, args.feeds, args.analysis)
            print(f"{'in-process (newsdesk fetch)':<32} {took:>8.1f} {total / took:>11.1f}")
            for n in (1, 2):
                took = with_workers(pg, broker, server, args.feeds, total, n, args.concurrency, args.analysis, logs)
                label = f"{n} fetch worker(s) x {args.concurrency}"
                print(f"{label:<32} {took:>8.1f} {total / took:>11.1f}")
    finally:
        broker.stop()
        pg.stop()


if __name__ == "__main__":
    main()
