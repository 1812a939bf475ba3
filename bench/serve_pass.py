"""One background pass of `serve` (newsdesk.passes.BackgroundFetcher.run_pass), grouped only at its end against
grouped as it goes (`serve_group_interval`): when the first story reaches the store, how long the pass takes, and
how long grouping takes in all.

    .venv/bin/python bench/serve_pass.py [--articles 320] [--hosts 4] [--delay 0.1] [--intervals 0,10,30]

The articles are the ECB+ articles of ../shared/data (title and body, words varied as bench/scale.py varies its
fresh articles, dated within the last day), served as RSS feeds of 40 articles from `--hosts` local HTTP servers
(127.0.0.1, 127.0.0.2, ...: different hosts, fetched at once, each one request at a time); every page answers after
`--delay` seconds, a publisher's latency. Each interval runs on a fresh SQLite store with the same feeds; the story
engine is made (its model loaded) before the pass is timed, as in a server that has run a pass before. Analysis is
off (`analysis_batch` 0): it runs after grouping either way.

Figures per interval: seconds from the pass's start to the first story in the store, the pass's seconds and the CPU
seconds of this process meanwhile (every thread: fetching, extracting, grouping; the local servers' threads too,
the same work in every run), the seconds spent in grouping calls (wall clock: while fetching goes on they share
the CPU with it) and how many calls, and the articles stored and grouped.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from localserver import LocalServer  # noqa: E402
from scale import fresh_articles, serve_fresh  # noqa: E402
from web import _LOWER_WORD, load_base  # noqa: E402

from newsdesk.config import Settings  # noqa: E402
from newsdesk.passes import BackgroundFetcher  # noqa: E402
from newsdesk.store import Store  # noqa: E402


def one_pass(servers: list[LocalServer], interval: float, workdir: Path, run: int) -> dict[str, float]:
    url = f"sqlite:///{workdir / f'pass-{run}.db'}"
    store = Store(url)
    store.migrate()
    for server in servers:
        for f in range(server.feeds):  # type: ignore[attr-defined]
            store.add_source(server.url(f"/g0/feed{f}.xml"), interval=3600, kind="rss")
    settings = Settings(database_url=url, allow_private_hosts=True, min_host_delay=0.0, host_time_budget=0.0,
                        analysis_batch=0, serve_group_interval=interval)
    fetcher = BackgroundFetcher(settings, store)
    fetcher.passes.stories  # noqa: B018 - the engine and its model, loaded before the clock starts
    calls: list[float] = []
    group = fetcher.passes.group

    def timed_group(**kwargs: bool) -> int:
        t = time.perf_counter()
        try:
            return group(**kwargs)
        finally:
            calls.append(time.perf_counter() - t)

    fetcher.passes.group = timed_group  # type: ignore[method-assign]
    first_story: list[float] = []
    done = threading.Event()
    started, cpu = time.perf_counter(), time.process_time()

    def watch() -> None:
        with store.engine.connect() as conn:
            while not done.wait(0.1):
                if conn.exec_driver_sql("SELECT count(*) FROM stories").scalar():
                    first_story.append(time.perf_counter() - started)
                    return

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    summary = fetcher.run_pass()
    cpu = time.process_time() - cpu
    done.set()
    watcher.join()
    fetcher.passes.close()
    store.close()
    return {"first story s": first_story[0] if first_story else summary.seconds, "pass s": summary.seconds,
            "cpu s": cpu, "grouping s": sum(calls), "calls": len(calls), "new": summary.new, "grouped": summary.grouped}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=320)
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.1, help="seconds each page takes to answer")
    parser.add_argument("--intervals", default="0,10,30", help="serve_group_interval values, comma-separated")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    base = load_base(args.data)
    vocab = sorted({w for r in base if r["key"].startswith("gn-") for w in _LOWER_WORD.findall(r["text"])})
    fresh = fresh_articles(base, vocab, args.articles)
    share = -(-len(fresh) // args.hosts)
    servers = [LocalServer(host=f"127.0.0.{h + 1}").__enter__() for h in range(args.hosts)]
    try:
        for h, server in enumerate(servers):
            server.feeds = serve_fresh(server, 0, fresh[h * share:(h + 1) * share])  # type: ignore[attr-defined]
            for path, route in list(server.routes.items()):
                if "/a/" in path:
                    route.delay = args.delay  # type: ignore[union-attr]
        print(f"{len(fresh)} articles on {args.hosts} hosts, pages answering in {args.delay:g} s")
        with tempfile.TemporaryDirectory() as workdir:
            for run, interval in enumerate(float(i) for i in args.intervals.split(",")):
                r = one_pass(servers, interval, Path(workdir), run)
                print(f"serve_group_interval {interval:>4g}: first story {r['first story s']:6.1f} s, "
                      f"pass {r['pass s']:6.1f} s (CPU {r['cpu s']:5.1f} s), "
                      f"grouping {r['grouping s']:6.1f} s in {r['calls']:.0f} call(s), "
                      f"{r['new']:.0f} stored, {r['grouped']:.0f} grouped", flush=True)
    finally:
        for server in servers:
            server.__exit__(None, None, None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
