"""Web latency and throughput under load: `newsdesk serve` over a store of 100,000+ articles, 32 clients.

    .venv/bin/python bench/web.py [--db PATH] [--articles 100000] [--clients 32] [--requests 2000] [--quick]
                                  [--pictures]

Store. Built once and cached (default ``/tmp/newsdesk-bench-web-<articles>.db``; ``--db PATH`` names the SQLite
file: reused when it already holds articles, built there when it is missing or empty; ``--rebuild`` starts it
again). The articles are replayed from ``../shared/data``: the 772 ECB+ articles (title, body) and the 11,109
GoogleNews titles with their snippets as bodies, again and again until ``--articles`` are written. Each
replay is one "period" of 30 days, the periods end yesterday and go back in time; inside a period every
gold event (ECB+ cluster, GoogleNews story) gets its own day, and its articles fall within hours of it.
Every copy after the first has about a quarter of its lowercase words swapped for other words of the data
(names, numbers and capitalised words are kept), so that copy detection does not fold the replays together
and each replay makes its own stories. URLs are unique, outlets are assigned round-robin from a list of 24
names. The articles are bulk-inserted with SQLAlchemy core (in publication order), then the real
``StoryEngine`` groups them into stories in one pass (its time is printed: it is the live service's story
stage, one article at a time, each decision committed).

Load. ``newsdesk serve --no-background-fetch --no-default-sources --workers N`` runs in its own processes: by
default one server process per core, as the README advises for a site under load (``--workers 1``: one
process, as ``newsdesk serve`` starts by default); the load generator is another process (asyncio with a
minimal HTTP/1.1 GET client, as httpx cost 3 ms of CPU a request; ``--clients`` keep-alive connections, each
sending its next request when the previous answer is read: a closed loop; ``Accept-Encoding: gzip`` as
browsers send).
Per endpoint: a warm-up, then ``--requests`` requests or ``--duration`` seconds, whichever ends first.
Endpoints: the front page ``/``, ``/api/stories`` (one URL each: a response cache may answer them), story
pages ``/stories/{id}`` over up to 5,000 distinct stories (the 200 largest and random others) and
``/search?q=`` over up to 3,000 distinct queries (one or two words of real headlines): with the default
request count no URL of these two repeats, so they measure the uncached cost. A baseline row first: a
static file of the site (or ``/healthz``), for scale. Any answer other than 200, or a transport error, is
an error; the run must have none.

Pictures and charts. Every story page draws its coverage chart (an inline SVG of its reports per hour) whatever
the store. ``--pictures`` first gives every story a lead picture as the live pass would (one 640 x 360 WebP of
~55 KB in ``images`` for its earliest independent report; this changes the store, so run it on a copy), so that
story pages also look up and show their picture, and measures ``/images/{id}.webp`` over up to 5,000 pictures
as one more endpoint (target as pages).

Figures: p50/p99 latency (ms) and requests per second per endpoint, next to the targets of issue 4
(p99 <= 100 ms for pages and the API, <= 200 ms for search). The exit status is 1 when a target is missed
or any request failed. Everything runs on loopback on this machine, so the load generator shares its CPUs
with the server (and with whatever else runs: the figures are a floor for a server with cores of its own).
The building of a 100,000-article store took 986 s on 2 shared cores, almost all of it the story engine
(about 100 articles a second), so it is cached.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
ECB = "ecbplus/ecbplus-train-dev.jsonl"
GOOGLENEWS = "googlenews/googlenews.jsonl"

OUTLETS = [
    "Wire Service", "Morning Ledger", "Evening Courier", "Daily Observer", "The Chronicle", "Metro Times",
    "National Post Online", "Harbour Gazette", "Valley Herald", "City Journal", "Global Dispatch",
    "The Sentinel", "Northern Echo Online", "Southern Star", "Capital Report", "World Bulletin",
    "The Examiner", "Coast Tribune", "Mountain News", "River Press", "The Standard", "Union Register",
    "Independent Voice", "Weekly Review",
]
PERIOD_DAYS = 30
SWAP = 0.25  # share of lowercase words swapped in every replay after the first
SEARCH_WORDS = [
    "earthquake", "hurricane", "police", "election", "apple", "oscars", "shooting", "fire", "court",
    "tara reid", "acquisition", "obama", "ukraine", "bank", "football", "storm",
]
TARGETS_MS = {"baseline": None, "front page": 100, "story page": 100, "api stories": 100, "search": 200,
              "picture": 100}


# ---- the store ----------------------------------------------------------------------------------------

def load_base(data: Path) -> list[dict]:
    """The replayed articles: title, body, the gold event they report."""
    base = []
    with open(data / ECB, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            base.append({"key": f"ecb-{r['id']}", "title": r["title"], "text": r["text"],
                         "event": f"ecb-{r['cluster']}"})
    with open(data / GOOGLENEWS, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            base.append({"key": f"gn-{r['id']}", "title": r["title"], "text": r["snippet"],
                         "event": f"gn-{r['cluster']}"})
    return base


_LOWER_WORD = re.compile(r"\b[a-z]{3,}\b")


def vary(text: str, rng: random.Random, vocab: list[str]) -> str:
    return _LOWER_WORD.sub(lambda m: rng.choice(vocab) if rng.random() < SWAP else m.group(0), text)


def generate(base: list[dict], n: int, seed: int = 7) -> list[dict]:
    """`n` article rows, oldest first."""
    vocab = sorted({w for r in base if r["key"].startswith("gn-") for w in _LOWER_WORD.findall(r["text"])})
    replays = -(-n // len(base))
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=1)
    rows: list[dict] = []
    fetched = datetime.now(UTC)
    for k in range(replays):
        rng = random.Random(seed * 1000 + k)
        start = end - timedelta(days=PERIOD_DAYS * (replays - k))
        event_day: dict[str, datetime] = {}
        for r in base:
            if len(rows) >= n:
                break
            day = event_day.setdefault(r["event"], start + timedelta(hours=rng.randrange(PERIOD_DAYS * 24 - 48)))
            title, text = r["title"], r["text"]
            if k:
                title, text = vary(title, rng, vocab), vary(text, rng, vocab)
            outlet = OUTLETS[len(rows) % len(OUTLETS)]
            slug = re.sub(r"[^a-z]", "", outlet.lower())
            rows.append({
                "url": f"https://{slug}.example/{k}/{r['key']}", "title": title, "text": text, "source": outlet,
                "published": day + timedelta(minutes=rng.randrange(36 * 60)), "fetched": fetched,
            })
    rows.sort(key=lambda r: r["published"])
    return rows


def build_store(db_path: Path, n: int) -> None:
    from newsdesk.keys import content_hash
    from newsdesk.passes import story_engine
    from newsdesk.store import Store
    from newsdesk.store.schema import ArticleRow

    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    marker = Path(f"{db_path}.building")
    marker.write_text("incomplete: rebuilt on the next run\n")
    store = Store(f"sqlite:///{db_path}")
    store.migrate()
    t0 = time.perf_counter()
    rows = generate(load_base(DATA), n)
    table = ArticleRow.__table__
    with store.engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(table.insert(), [
                {"url": r["url"], "canonical_url": r["url"], "source_name": r["source"], "title": r["title"],
                 "text": r["text"], "authors": [], "published": r["published"], "language": "en",
                 "fetched": r["fetched"], "content_hash": content_hash(r["text"])}
                for r in rows[i : i + 5000]
            ])
    print(f"store: {len(rows):,} articles written in {time.perf_counter() - t0:.1f} s -> {db_path}", flush=True)

    pending = store.pending_articles
    t0 = last = time.perf_counter()
    done = 0

    def pending_with_progress(limit: int = 500) -> list:
        nonlocal done, last
        batch = pending(limit)
        now = time.perf_counter()
        if batch and now - last > 30:
            print(f"  stories: {done:,}/{len(rows):,} articles assigned, {done / (now - t0):.0f}/s", flush=True)
            last = now
        done += len(batch)
        return batch

    store.pending_articles = pending_with_progress
    assigned = story_engine(store).process_pending()
    took = time.perf_counter() - t0
    with store.engine.connect() as conn:
        stories = conn.exec_driver_sql("SELECT count(*) FROM stories WHERE article_count > 0").scalar()
    print(f"stories: StoryEngine assigned {assigned:,} articles to {stories:,} stories in {took:.0f} s "
          f"({assigned / took:.0f} articles/s)", flush=True)
    store.close()
    marker.unlink()


def store_summary(db_path: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db_path) as conn:
        articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        pending = conn.execute("SELECT count(*) FROM articles WHERE story_id IS NULL").fetchone()[0]
        stories = conn.execute("SELECT count(*) FROM stories WHERE article_count > 0").fetchone()[0]
    return articles, pending, stories


def add_pictures(db_path: Path) -> int:
    """Give every story a lead picture, as the live pass would (`--pictures`): one 640 x 360 WebP (a photograph's
    size, ~40 KB) stored in `images` for each story's earliest independent report; the store is migrated first,
    so that `images` exists. Returns how many stories have a picture."""
    import io

    from PIL import Image

    from newsdesk.store import Store

    store = Store(f"sqlite:///{db_path}")
    store.migrate()
    store.close()
    rng = random.Random(7)
    picture = Image.radial_gradient("L").resize((640, 360)).convert("RGB")
    picture.putdata([(r, (g + rng.randrange(40)) % 256, (b * 3) % 256) for r, g, b in picture.getdata()])
    buf = io.BytesIO()
    picture.save(buf, "WEBP", quality=80)
    data = buf.getvalue()
    with sqlite3.connect(db_path) as db:
        firsts: dict[int, int] = {}
        for story_id, article_id in db.execute(
                "SELECT story_id, id FROM articles WHERE story_id IS NOT NULL AND duplicate_of IS NULL "
                "ORDER BY story_id, published, id"):
            firsts.setdefault(story_id, article_id)
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        db.executemany("INSERT OR IGNORE INTO images (article_id, url, fetched_at, data, width, height, attempts) "
                       "VALUES (?, ?, ?, ?, 640, 360, 1)",
                       [(a, f"https://photos.example/{a}.jpg", now, data) for a in firsts.values()])
        return db.execute("SELECT COUNT(DISTINCT a.story_id) FROM images i JOIN articles a ON a.id = i.article_id "
                          "WHERE i.data IS NOT NULL").fetchone()[0]


def picture_paths(db_path: Path, count: int = 5000, seed: int = 7) -> list[str]:
    with sqlite3.connect(db_path) as db:
        ids = [r[0] for r in db.execute("SELECT article_id FROM images WHERE data IS NOT NULL")]
    random.Random(seed).shuffle(ids)
    return [f"/images/{i}.webp" for i in ids[:count]]


def story_ids(db_path: Path, count: int = 5000, seed: int = 7) -> list[int]:
    """Distinct stories, so that a response cache cannot answer them: the 200 largest, then random others."""
    with sqlite3.connect(db_path) as conn:
        big = [r[0] for r in conn.execute(
            "SELECT id FROM stories WHERE article_count > 0 ORDER BY article_count DESC, id LIMIT 200")]
        rest = sorted({r[0] for r in conn.execute("SELECT id FROM stories WHERE article_count > 0")} - set(big))
    rng = random.Random(seed)
    ids = big + rng.sample(rest, min(count - len(big), len(rest)))
    rng.shuffle(ids)
    return ids


STOP = set("about after again against also been before being between could their there these they this those "
           "through under until were what when where which while will with would from into over says said "
           "than that them then have more most other some such only very just your".split())


def search_queries(db_path: Path, count: int = 3000, seed: int = 7) -> list[str]:
    """Distinct queries of real words: one or two words of the headlines of random stories."""
    with sqlite3.connect(db_path) as conn:
        headlines = [r[0] for r in conn.execute(
            "SELECT headline FROM stories WHERE article_count > 0 AND headline IS NOT NULL")]
    rng = random.Random(seed)
    queries: dict[str, None] = {}
    for _ in range(count * 20):
        if len(queries) >= count or not headlines:
            break
        words = [w for w in re.findall(r"[A-Za-z]{4,}", rng.choice(headlines)) if w.lower() not in STOP]
        if words:
            picked = rng.sample(words, min(len(words), rng.choice((1, 1, 2))))
            queries.setdefault(" ".join(picked).lower(), None)
    return list(queries) or SEARCH_WORDS


# ---- the load generator (its own process) ---------------------------------------------------------

class _Connection:
    """One keep-alive HTTP/1.1 connection, just enough client for GET: a few microseconds of CPU per request,
    where httpx took about 3 ms (the load generator shares the machine's cores with the server)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                          "Accept: text/html,application/json\r\nAccept-Encoding: gzip\r\n\r\n".encode())
        reader = self.reader
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = None, False, False
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding":
                chunked = "chunked" in value
            elif name == "connection":
                close = value == "close"
        if chunked:
            while size := int((await reader.readline()).split(b";")[0], 16):
                await reader.readexactly(size + 2)
            while await reader.readline() not in (b"\r\n", b""):
                pass
        elif length is not None:
            await reader.readexactly(length)
        else:
            await reader.read()
            close = True
        if close:
            self.close()
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


async def _load(base_url: str, paths: list[str], clients: int, requests: int, duration: float,
                warmup: int) -> dict:
    host, port = base_url.removeprefix("http://").rsplit(":", 1)
    latencies: list[float] = []
    errors: list[str] = []
    counts = {"next": 0, "errors": 0}

    async def worker(conn: _Connection, total: int, deadline: float, record: bool) -> None:
        offset = 0 if record else requests  # the warm-up takes other URLs than the measured requests
        while counts["next"] < total and time.perf_counter() < deadline:
            path = paths[(offset + counts["next"]) % len(paths)]
            counts["next"] += 1
            t = time.perf_counter()
            try:
                status = await asyncio.wait_for(conn.get(path), timeout=30)
                ok = status == 200
                problem = f"{path}: HTTP {status}"
            except (OSError, ValueError, IndexError, asyncio.IncompleteReadError, TimeoutError) as exc:
                conn.close()
                ok, problem = False, f"{path}: {type(exc).__name__}: {exc}"
            if record:
                latencies.append(time.perf_counter() - t)
                if not ok:
                    counts["errors"] += 1
                    if len(errors) < 5:
                        errors.append(problem)

    conns = [_Connection(host, int(port)) for _ in range(clients)]
    await asyncio.gather(*(worker(c, warmup, time.perf_counter() + duration, False) for c in conns))
    counts["next"] = 0
    start = time.perf_counter()
    await asyncio.gather(*(worker(c, requests, start + duration, True) for c in conns))
    wall = time.perf_counter() - start
    for c in conns:
        c.close()
    return {"latencies": latencies, "errors": counts["errors"], "error_samples": errors, "wall": wall}


def loadgen_main(spec: str) -> int:
    job = json.loads(spec)
    result = asyncio.run(_load(**job))
    json.dump(result, sys.stdout)
    return 0


def run_load(base_url: str, paths: list[str], clients: int, requests: int, duration: float, warmup: int) -> dict:
    spec = json.dumps({"base_url": base_url, "paths": paths, "clients": clients, "requests": requests,
                       "duration": duration, "warmup": warmup})
    out = subprocess.run([sys.executable, __file__, "--loadgen", spec], capture_output=True, text=True,
                         timeout=duration * 2 + 120)
    if out.returncode != 0:
        raise SystemExit(f"load generator failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


# ---- the server ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db_path: Path, workdir: Path, workers: int = 1) -> tuple[subprocess.Popen, str, Path]:
    import httpx

    port = free_port()
    log_path = workdir / "serve.log"
    (workdir / "newsdesk.toml").write_text("")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{db_path}",
           "NEWSDESK_CONFIG": str(workdir / "newsdesk.toml")}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--no-background-fetch", "--no-default-sources", "--workers", str(workers)],
            env=env, cwd=workdir, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # the first start migrates the store
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"newsdesk serve exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=5).status_code == 200:
                return proc, url, log_path
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"newsdesk serve did not answer /healthz in 300 s:\n{log_path.read_text()[-3000:]}")


def baseline_path(url: str) -> str:
    """What the harness can do at best: the front page's stylesheet (a static file), else /healthz."""
    import httpx

    page = httpx.get(url + "/", timeout=30).text
    m = re.search(r'<link[^>]+rel="?stylesheet"?[^>]*href="(/[^"]+)"', page) or re.search(
        r'<link[^>]+href="(/[^"]+)"[^>]*rel="?stylesheet', page)
    if m and httpx.get(url + m.group(1), timeout=30).status_code == 200:
        return m.group(1)
    return "/healthz"


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, help="the SQLite store (reused when it holds articles)")
    parser.add_argument("--articles", type=int, help="articles in a built store (default 100,000; --quick 10,000)")
    parser.add_argument("--rebuild", action="store_true", help="build the store again even if cached")
    parser.add_argument("--clients", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--requests", type=int, help="measured requests per endpoint (default 2,000; --quick 300)")
    parser.add_argument("--duration", type=float, default=60.0, help="at most this many seconds per endpoint")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="server processes (newsdesk serve --workers; default one per core)")
    parser.add_argument("--quick", action="store_true", help="10,000 articles and fewer requests: a fast check")
    parser.add_argument("--pictures", action="store_true",
                        help="give every story a lead picture first (changes the store) and measure /images too")
    parser.add_argument("--loadgen", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.loadgen:
        return loadgen_main(args.loadgen)

    n = args.articles or (10_000 if args.quick else 100_000)
    requests = args.requests or (300 if args.quick else 2_000)
    db_path = (args.db or Path(tempfile.gettempdir()) / f"newsdesk-bench-web-{n}.db").resolve()
    if db_path.is_relative_to(ROOT):
        print(f"warning: {db_path} is inside the repository; keep bench stores out of it (e.g. /tmp)",
              file=sys.stderr)
    incomplete = Path(f"{db_path}.building").exists()
    have = store_summary(db_path)[0] if db_path.exists() and not incomplete else 0
    if args.rebuild or have == 0:
        missing = [p for p in (DATA / ECB, DATA / GOOGLENEWS) if not p.is_file()]
        if missing:
            print(f"bench/web.py needs the real data in {DATA} (missing: {', '.join(map(str, missing))}); "
                  "nothing was measured", file=sys.stderr)
            return 2
        build_store(db_path, n)
    else:
        print(f"store: reusing {db_path} (--rebuild to build it again)")
    articles, pending, stories = store_summary(db_path)
    print(f"store: {articles:,} articles, {stories:,} stories, {pending:,} not in a story")
    if args.pictures:
        print(f"pictures: {add_pictures(db_path):,} stories have a lead picture (a WebP stored in the database)")

    with tempfile.TemporaryDirectory(prefix="newsdesk-bench-web-") as tmp:
        t0 = time.perf_counter()
        load_before = os.getloadavg()[0]
        proc, url, log_path = start_server(db_path, Path(tmp), args.workers)
        print(f"server: {url} ready in {time.perf_counter() - t0:.1f} s (newsdesk serve, {args.workers} process(es))")
        ids = story_ids(db_path)
        endpoints = {
            "baseline": [baseline_path(url)],
            "front page": ["/"],
            "story page": [f"/stories/{i}" for i in ids],
            "api stories": ["/api/stories"],
            "search": [f"/search?q={q.replace(' ', '+')}" for q in search_queries(db_path)],
        }
        if args.pictures:
            endpoints["picture"] = picture_paths(db_path)
        results = {}
        try:
            for name, paths in endpoints.items():
                results[name] = run_load(url, paths, args.clients, requests, args.duration,
                                         warmup=min(requests // 4, 4 * args.clients))
                results[name]["path"] = paths[0]
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()

    print(f"\n{args.clients} concurrent clients on loopback, load generator in its own process; "
          f"{articles:,} articles, {stories:,} stories; {args.workers} server process(es); "
          f"load average before the run {load_before:.2f} on {os.cpu_count()} CPUs (other work skews the figures)")
    print(f"{'endpoint':<12} {'requests':>8} {'errors':>6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} "
          f"{'target p99':>10}  verdict")
    ok = True
    for name, r in results.items():
        lat = [x * 1000 for x in r["latencies"]]
        p50, p99 = percentile(lat, 50), percentile(lat, 99)
        rps = len(lat) / r["wall"] if r["wall"] else 0.0
        target = TARGETS_MS[name]
        good = r["errors"] == 0 and len(lat) > 0 and (target is None or p99 <= target)
        ok &= good
        wanted = "-" if target is None else f"<= {target} ms"
        verdict = ("ok" if good else "MISSED") if target else f"({r['path']}, for scale)"
        print(f"{name:<12} {len(lat):>8} {r['errors']:>6} {rps:>7.0f} {p50:>7.1f} {p99:>7.1f} {wanted:>10}  {verdict}")
        for sample in r["error_samples"]:
            print(f"    error: {sample}")
    if lat_all := [x for r in results.values() for x in r["latencies"]]:
        print(f"(mean over all endpoints {statistics.fmean(lat_all) * 1000:.1f} ms)")
    print("all targets met, no errors" if ok else "some target missed or some request failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
