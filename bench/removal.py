"""Removal speed on a large store: accepting the removal of one article, and the blocklist check.

    .venv/bin/python bench/removal.py [--db PATH] [--articles 100000] [--samples 5]

Store. A copy (SQLite backup API, into a temporary directory) of the store bench/web.py builds and caches
(``/tmp/newsdesk-bench-web-<articles>.db``; ``--db`` names another); when there is none it is built first with
bench/web.py's ``build_store`` (which needs ``../shared/data``). The copy is migrated to the newest schema; the
cached store is never changed.

Removal. ``--samples`` articles (default 5), one from each of the largest stories (a story page and brief to
rebuild), each submitted as a removal request (scope "article", by URL) and accepted, one after another on the
same copy. The figure is the wall time of ``RemovalDesk.accept``: resolving the target, the proof rows, the
blocklist entries, deleting the row, re-pointing its copies, rebuilding the story's headline, brief and counts,
merging the full-text indexes so that no term of the removed text stays in them, and the commit. Median and
worst against the target of issue 5: under one second.

Blocklist. ``RemovalDesk.is_blocked`` per call, after the removals (so the blocklist holds their URLs, hashes
and MinHash signatures): by URL only (what the collector asks before fetching) and with the text (before
storing: exact hash, then near copy, a MinHash of the text). 2,000 stored articles are asked; none is blocked.

Exit status 1 when the median or the worst removal misses the target, 2 when no store could be had.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET_S = 1.0


def _bench_web():
    spec = importlib.util.spec_from_file_location("bench_web", ROOT / "bench" / "web.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


def cached_store(args: argparse.Namespace) -> Path | None:
    path = (args.db or Path(tempfile.gettempdir()) / f"newsdesk-bench-web-{args.articles}.db").resolve()
    usable = path.exists() and not Path(f"{path}.building").exists()
    if usable:
        with sqlite3.connect(path) as conn:
            usable = conn.execute("SELECT count(*) FROM articles").fetchone()[0] > 0
    if usable:
        print(f"store: copying {path}")
        return path
    web = _bench_web()
    missing = [p for p in (web.DATA / web.ECB, web.DATA / web.GOOGLENEWS) if not p.is_file()]
    if missing:
        print(f"no cached store at {path} and no data to build one (missing: {', '.join(map(str, missing))})",
              file=sys.stderr)
        return None
    print(f"store: building {path} with bench/web.py (once; cached for later runs)")
    web.build_store(path, args.articles)
    return path


def copy_store(src: Path, dst: Path) -> None:
    # The backup API copies a consistent snapshot, WAL included, whatever state the cached file is in.
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="the cached store to copy (default: bench/web.py's)")
    parser.add_argument("--articles", type=int, default=100_000, help="articles of the store (default 100,000)")
    parser.add_argument("--samples", type=int, default=5, help="removals timed (default 5)")
    args = parser.parse_args(argv)

    from newsdesk.config import Settings
    from newsdesk.removal import RemovalDesk, RemovalSubmission
    from newsdesk.store import Store

    source = cached_store(args)
    if source is None:
        return 2
    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-removal-") as tmp:
        db = Path(tmp) / "store.db"
        t0 = time.perf_counter()
        copy_store(source, db)
        store = Store(f"sqlite:///{db}")
        store.migrate()
        print(f"store: copied and migrated in {time.perf_counter() - t0:.1f} s")
        settings = Settings(database_url=store.url, removal_rate_limit=10**6)
        desk = RemovalDesk(store, settings)
        with store.engine.connect() as conn:
            articles = conn.exec_driver_sql("SELECT count(*) FROM articles").scalar()
            picks = conn.exec_driver_sql(
                "SELECT s.id, s.article_count, (SELECT a.url FROM articles a WHERE a.story_id = s.id "
                "ORDER BY a.id LIMIT 1) FROM stories s ORDER BY s.article_count DESC, s.id LIMIT ?",
                (args.samples,)).all()
            probes = conn.exec_driver_sql(
                "SELECT url, canonical_url, content_hash, text FROM articles ORDER BY id DESC LIMIT 2000").all()
        print(f"store: {articles:,} articles; removing one article from each of the {len(picks)} largest stories "
              f"({', '.join(str(p[1]) for p in picks)} articles)")

        times: list[float] = []
        for story_id, size, url in picks:
            receipt = desk.submit(RemovalSubmission(
                name="Bench", email="bench@example.com", relationship="owner", reason="copyright", good_faith=True,
                urls=[url], scope="article"), client="bench")
            t = time.perf_counter()
            report = desk.accept(receipt.public_id, actor="cli", reason="benchmark")
            took = time.perf_counter() - t
            times.append(took)
            after = store.get_story(story_id)
            assert report.article_ids and after is not None and after.article_count == size - len(report.article_ids)
            print(f"  story {story_id} ({size} articles): accept {took * 1000:.0f} ms, "
                  f"{len(report.article_ids)} article(s) removed")

        url_times: list[float] = []
        full_times: list[float] = []
        for url, canonical, digest, text in probes:
            t = time.perf_counter()
            assert desk.is_blocked(url=url) is None
            url_times.append(time.perf_counter() - t)
            t = time.perf_counter()
            assert desk.is_blocked(url=url, canonical=canonical, content_hash=digest, text=text) is None
            full_times.append(time.perf_counter() - t)
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)

    median, worst = statistics.median(times), max(times)
    ok = median < TARGET_S and worst < TARGET_S
    print(f"\nremoval of one article from {articles:,} (accept, {len(times)} samples): median {median * 1000:.0f} ms, "
          f"worst {worst * 1000:.0f} ms; target < {TARGET_S * 1000:.0f} ms: {'ok' if ok else 'MISSED'}")
    print(f"is_blocked, URL only: median {statistics.median(url_times) * 1e6:.0f} us, "
          f"p99 {sorted(url_times)[int(len(url_times) * 0.99) - 1] * 1e6:.0f} us ({len(url_times)} calls)")
    print(f"is_blocked, URL + canonical + hash + text: median {statistics.median(full_times) * 1e6:.0f} us, "
          f"p99 {sorted(full_times)[int(len(full_times) * 0.99) - 1] * 1e6:.0f} us")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
