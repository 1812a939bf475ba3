"""Articles per second through the whole collect path (feed, page, extraction, store, stories) on PostgreSQL:
in-process (`newsdesk fetch`) against 1 and 2 Celery fetch workers (`newsdesk worker --queues fetch`, plus the one
stories worker and the scheduler), on feeds served from a local HTTP server.

    .venv/bin/python bench/scale.py [--feeds 20] [--per-feed 50] [--concurrency 2] [--delay 0.0] [--analysis]

Each run gets a fresh database on one throwaway PostgreSQL and a flushed throwaway Redis (tests/pg.py,
tests/redisserver.py: Debian's packages). Worker runs are timed from the scheduler's start (workers already up)
until every article is stored and in a story, so worker start-up is not counted. `--delay` adds latency to each
page (a slow publisher), where more workers help most; `--analysis` runs the analysis stage too (on the stories
worker, after each assignment run).

The local feeds are all on one host: the in-process pass fetches them one after another (one request at a time
per host), while each worker process keeps its own per-host pacing, so part of the workers' gain here is that.

Not done yet (issue 7): the cost per article as the PostgreSQL store grows from 10k to 300k articles.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from localserver import LocalServer, Response  # noqa: E402
from pages import article_html, rss  # noqa: E402
from pg import PostgresServer, find_bin_dir  # noqa: E402
from redisserver import RedisServer, find_redis_server  # noqa: E402

from newsdesk.config import Settings  # noqa: E402
from newsdesk.pipeline import Collector  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402


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
    settings = Settings(database_url=url, allow_private_hosts=True, min_host_delay=0.0)
    collector = Collector(settings, store)
    started = time.perf_counter()
    collector.fetch_due(include_not_due=True)
    StoryEngine(store).process_pending()
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=20)
    ap.add_argument("--per-feed", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=2, help="tasks at once per fetch worker")
    ap.add_argument("--delay", type=float, default=0.0, help="seconds of latency per article page")
    ap.add_argument("--analysis", action="store_true", help="include the analysis stage")
    args = ap.parse_args()
    bin_dir, redis_bin = find_bin_dir(), find_redis_server()
    if bin_dir is None or redis_bin is None:
        sys.exit("needs Debian's postgresql and redis-server packages (scripts/install-system-deps.sh)")
    pg, broker = PostgresServer(bin_dir).start(), RedisServer(redis_bin).start()
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
