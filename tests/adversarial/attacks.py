"""The attacks of issue 13, one function each, as an attacker and a careless operator would make them: against real
`newsdesk` processes and hostile local servers (harness.py). Each returns (got, passed): what happened, in a few
words, and whether the defence held as the issue says it must. `ATTACKS` lists them in the issue's order.

Where the issue leaves a detail open (a setting's name, a status code), the attack follows what the implementation
chose, or the issue's words where nothing was chosen yet (those lines say "check against the implementation").
"""

from __future__ import annotations

import html
import json
import os
import re
import select
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import (
    ATOM,
    HTML,
    RSS,
    SHARED_DATA,
    DripServer,
    Lab,
    Live,
    Publisher,
    add_source,
    atom_feed,
    cli_env,
    client,
    export,
    newsdesk,
    normal_path,
    now_iso,
    page,
    prose,
    rss_feed,
    serve,
    sqlite_path,
    submit_removal,
)
from localserver import LocalServer, Response

Outcome = tuple[str, bool]


class Skip(Exception):  # noqa: N818 (what pytest.skip is called)
    """The attack cannot be made here (missing third-party data, no way to mount a small filesystem)."""


@dataclass(frozen=True)
class Attack:
    item: int
    name: str
    expected: str
    run: Callable[[Lab], Outcome]

    @property
    def id(self) -> str:
        return f"{self.item}-{re.sub(r'[^a-z0-9]+', '-', self.name.lower()).strip('-')}"


ATTACKS: list[Attack] = []


def attack(item: int, name: str, expected: str) -> Callable[[Callable[[Lab], Outcome]], Callable[[Lab], Outcome]]:
    def register(fn: Callable[[Lab], Outcome]) -> Callable[[Lab], Outcome]:
        ATTACKS.append(Attack(item, name, expected, fn))
        return fn
    return register


def _status_line(answer: bytes) -> int:
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    return int(match.group(1)) if match else 0


# ---- 1. dates -------------------------------------------------------------------------------------------


def _event_pages(server: LocalServer, base: str, names: list[str], seed: int) -> list[str]:
    """Pages about one event (the harbour bridge of Brisvale), each in its own words, without a date of their own."""
    links = []
    for i, name in enumerate(names):
        paragraphs = [f"The harbour bridge of Brisvale reopened on Monday after eleven weeks of repairs, the city "
                      f"engineer Lena Vogt said, report {seed + i}."] + prose(seed + i, 5)
        server.route(f"/news/{name}", Response(200, page(f"Brisvale harbour bridge reopens ({name})", paragraphs),
                                               HTML))
        links.append(f"{base}/news/{name}")
    return links


@attack(1, "Atom entry dated year 1, then a normal pass",
        "both fetch passes exit 0; the new articles of the second pass join stories")
def year_one_entry(lab: Lab) -> Outcome:
    db = lab.db("dates-year1")
    with LocalServer() as server:
        base = server.url("")
        old = _event_pages(server, base, ["ancient"], seed=100)
        server.route("/feed.atom", Response(200, atom_feed([("Ancient", old[0], "0001-01-01T00:00:00Z")]), ATOM))
        add_source(db, server.url("/feed.atom"))
        first = newsdesk(["fetch", "--all"], db=db, timeout=90)
        new = _event_pages(server, base, ["monday-1", "monday-2"], seed=200)
        server.route("/feed.atom", Response(200, atom_feed(
            [("Ancient", old[0], "0001-01-01T00:00:00Z")] + [("Reopened", u, now_iso()) for u in new]), ATOM))
        second = newsdesk(["fetch", "--all"], db=db, timeout=90)
    stored = {a["url"]: a for a in export(db)}
    placed = [u for u in new if stored.get(u, {}).get("story_id") is not None]
    got = (f"pass 1 exit {first.rc}, pass 2 exit {second.rc}; {len(placed)} of {len(new)} new articles in a story"
           + ("" if second.rc == 0 else f" ({second.tail(100)})"))
    return got, first.rc == 0 and second.rc == 0 and len(placed) == len(new)


@attack(1, "newsdesk cluster: first record dated year 1",
        "exit 0 with two lines")
def cluster_year_one(lab: Lab) -> Outcome:
    folder = lab.folder("dates-cluster")
    text = "The harbour bridge of Brisvale reopened on Monday after eleven weeks of repairs, the city engineer said."
    records = [{"id": "a", "title": "Brisvale bridge reopens", "text": text, "published": "0001-01-01T00:00:00Z"},
               {"id": "b", "title": "Brisvale harbour bridge open again", "text": text + " Traffic resumed.",
                "published": now_iso()}]
    path = folder / "two.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    run = newsdesk(["cluster", str(path)], timeout=60)
    lines = [line for line in run.out.splitlines() if line.strip()]
    got = f"exit {run.rc}, {len(lines)} line(s)" + ("" if run.rc == 0 else f": {run.tail(100)}")
    return got, run.rc == 0 and len(lines) == 2


@attack(1, "impossible dates in a feed (year 0, 99999, +9999 zone, 1900, 2999)",
        "each date is a sane instant or absent: out of 1990..now+2 days it is dropped and the fetch time used")
def impossible_dates(lab: Lab) -> Outcome:
    db = lab.db("dates-impossible")
    dates = {"year-0": "0000-01-01T00:00:00Z", "year-99999": "99999-01-01T00:00:00Z",
             "zone-9999": "2024-05-01T12:00:00+9999", "year-1900": "1900-01-01T00:00:00Z",
             "year-2999": "2999-01-01T00:00:00Z"}
    with LocalServer() as server:
        links = _event_pages(server, server.url(""), list(dates), seed=300)
        server.route("/feed.atom", Response(200, atom_feed(
            [(name, link, dates[name]) for name, link in zip(dates, links, strict=True)]), ATOM))
        add_source(db, server.url("/feed.atom"))
        run = newsdesk(["fetch", "--all"], db=db, timeout=90)
    stored = {a["url"].rsplit("/", 1)[1]: a for a in export(db)}
    wrong = []
    for name in dates:
        article = stored.get(name)
        if article is None:
            wrong.append(f"{name} not stored")
            continue
        published = article["published"] and datetime.fromisoformat(article["published"])
        fetched = datetime.fromisoformat(article["fetched"])
        fine = (not published or abs(published - fetched) < timedelta(days=1)
                or (name == "zone-9999" and published == datetime(2024, 5, 1, 12, tzinfo=UTC)))
        if not fine:
            wrong.append(f"{name} -> {article['published']}")
    got = f"fetch exit {run.rc}; " + ("; ".join(wrong) if wrong else f"all {len(dates)} dates sane or absent")
    return got, run.rc == 0 and not wrong


# ---- 2. analysis time -----------------------------------------------------------------------------------

ANALYSIS_BOUND = 25.0  # seconds for `newsdesk analyze` of one paragraph, loading the language model included
# The shape of the paragraph, in words written here: capitalised names, a quote framed "Said X: ...",
# colons, several quotes (what made the fallback speaker search spin at a sentence root that was the name).
HOSTILE_PARAGRAPH = (
    "What’s more, Halvorsen has largely ignored the issue of Harbour Authority reform. If anything, engineers say "
    "her plans to raise a host of fees on the Northern Shipping Lines and give several targeted grants to the "
    "Fishing Fleet would make the budget more complicated. Said Okafor: “I don’t get the sense she’s the least bit "
    "interested in harbour reform.” Said Mitchell: “Not at all: the Port Board, the Treasury and the Council "
    "never asked.” Note: “Reform” was, in the words of the Harbour Master: “a Promise, a Plan: a Pretext.”")


def _analyze_within_bound(folder: Path, record: dict[str, str]) -> Outcome:
    path = folder / f"{record['id'][:40].replace('/', '_')}.jsonl"
    path.write_text(json.dumps(record) + "\n")
    run = newsdesk(["analyze", str(path)], timeout=ANALYSIS_BOUND, env=cli_env(article_time_budget=5))
    lines = [json.loads(line) for line in run.out.splitlines() if line.startswith("{")]
    if run.timed_out:
        return f"still running after {ANALYSIS_BOUND:.0f} s (killed)", False
    crashed = "Traceback" in run.err
    got = f"finished in {run.seconds:.1f} s, exit {run.rc}, {len(lines)} line(s)" + (
        f", traceback: {run.tail(100)}" if crashed else "")
    return got, not crashed and run.rc in (0, 1) and run.seconds <= ANALYSIS_BOUND


@attack(2, "newsdesk analyze: a paragraph of quotes, colons and capitalised words",
        f"finishes within {ANALYSIS_BOUND:.0f} s (per-article time budget 5 s)")
def analysis_paragraph(lab: Lab) -> Outcome:
    return _analyze_within_bound(lab.folder("analysis"), {"id": "hostile-paragraph", "title": "Harbour reform",
                                                         "text": HOSTILE_PARAGRAPH})


POLNEAR_ID = "politico_2016-10-04_trump-not-walking-the-walk-on-hi"


@attack(2, "newsdesk analyze: the PolNeAR dev article of the issue (shared data)",
        f"finishes within {ANALYSIS_BOUND:.0f} s (per-article time budget 5 s)")
def analysis_polnear(lab: Lab) -> Outcome:
    dev = SHARED_DATA / "polnear" / "dev.jsonl"
    if not dev.is_file():
        raise Skip(f"{dev} not found: the real article of the issue cannot be analysed here")
    for line in dev.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("id") == POLNEAR_ID:
            return _analyze_within_bound(lab.folder("analysis"), {"id": POLNEAR_ID, "title": record.get("title") or "",
                                                                 "text": record["text"]})
    raise Skip(f"{POLNEAR_ID} is not in {dev}")


# ---- 3. request bodies ----------------------------------------------------------------------------------

CHUNKED_TOTAL = 64 * 1024 * 1024
RSS_BOUND_KIB = 32 * 1024
SMALL_ANSWER = 64 * 1024


def _chunked_post(live: Live, path: str, content_type: str, head: bytes, total: int) -> tuple[bytes, int, float]:
    """POST `head` then filler up to `total` bytes, chunked (no Content-Length), stopping when the server answers
    or hangs up. Returns (answer, bytes sent, seconds)."""
    started = time.monotonic()
    conn = socket.create_connection(("127.0.0.1", live.port), timeout=30)
    sent = 0
    try:
        conn.sendall(f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{live.port}\r\nContent-Type: {content_type}\r\n"
                     "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n".encode())
        block = b"A" * 65536
        while sent < total:
            piece = head if sent == 0 else block[:total - sent]
            try:
                conn.sendall(b"%x\r\n%s\r\n" % (len(piece), piece))
            except OSError:  # the server stopped reading and closed: its answer may be waiting
                break
            sent += len(piece)
            if select.select([conn], [], [], 0)[0]:
                break
        else:
            try:
                conn.sendall(b"0\r\n\r\n")
            except OSError:
                pass
        answer = b""
        while len(answer) < 32 * 1024 * 1024:
            try:
                chunk = conn.recv(1 << 20)
            except OSError:
                break
            if not chunk:
                break
            answer += chunk
        return answer, sent, time.monotonic() - started
    finally:
        conn.close()


@attack(3, "64 MB chunked POST to /admin/login",
        f"413; the server's resident memory grows by less than {RSS_BOUND_KIB // 1024} MB")
def chunked_login(lab: Lab) -> Outcome:
    live = lab.main()
    before = peak = live.rss_kib()
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.02):
            peak = max(peak, live.rss_kib())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        answer, sent, seconds = _chunked_post(live, "/admin/login", "application/x-www-form-urlencoded",
                                              b"name=editor&password=", CHUNKED_TOTAL)
        time.sleep(0.3)  # the parse of a body read whole comes after the last byte
    finally:
        done.set()
        sampler.join()
    status, grew = _status_line(answer), peak - before
    got = f"{status or 'no answer'} after {sent / 2**20:.0f} MB sent in {seconds:.1f} s; RSS +{grew / 1024:.0f} MB"
    return got, status == 413 and grew < RSS_BOUND_KIB


@attack(3, "10 MB form field to /removal, chunked",
        f"a small answer (under {SMALL_ANSWER // 1024} KB), 4xx")
def removal_big_field_chunked(lab: Lab) -> Outcome:
    live = lab.main()
    answer, sent, seconds = _chunked_post(live, "/removal", "application/x-www-form-urlencoded",
                                          b"email=a%40example.org&name=", 10 * 1024 * 1024)
    status = _status_line(answer)
    got = f"{status or 'no answer'}, answer of {len(answer):,} bytes ({sent / 2**20:.1f} MB sent)"
    return got, 400 <= status < 500 and len(answer) < SMALL_ANSWER


@attack(3, "900 KB form field under the body cap to /removal",
        f"a small answer (under {SMALL_ANSWER // 1024} KB): every field capped, no more than an excerpt echoed")
def removal_big_field(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        form = http.get(live.url + "/removal").text
        token = re.search(r'name="form_token" value="([^"]+)"', form)
        body = {"form_token": token.group(1) if token else "", "name": "N" * 900_000, "email": "a@example.org",
                "relationship": "owner", "reason": "copyright", "urls": "https://hostile.example/news/1",
                "good_faith": "yes"}
        answer = http.post(live.url + "/removal", data=body)
    got = f"{answer.status_code}, answer of {len(answer.content):,} bytes"
    return got, 400 <= answer.status_code < 500 and len(answer.content) < SMALL_ANSWER


@attack(3, "900 KB email in JSON to /api/removal-requests",
        f"a 4xx answer under {SMALL_ANSWER // 1024} KB: no more than an excerpt of the value echoed")
def api_big_field(lab: Lab) -> Outcome:
    live = lab.main()
    body = {"name": "Rights Holder", "email": "x" * 900_000, "relationship": "owner", "reason": "copyright",
            "urls": ["https://hostile.example/news/1"], "statement": "s", "good_faith": True}
    with client(timeout=30) as http:
        answer = http.post(live.url + "/api/removal-requests", json=body)
    got = f"{answer.status_code}, answer of {len(answer.content):,} bytes"
    return got, 400 <= answer.status_code < 500 and len(answer.content) < SMALL_ANSWER


# ---- 4. search cost -------------------------------------------------------------------------------------

ALPHABET_QUERY = " OR ".join(f"{c}*" for c in "abcdefghijklmnopqrstuvwxyz")  # 152 characters, as in the issue
QUICK = 5.0  # seconds: a refusal (400) is immediate; a query stopped by its time limit (503) comes within it


@attack(4, "a* OR b* OR ... OR z* (152 characters)",
        f"400 or 503 saying why, within {QUICK:.0f} s")
def alphabet_query(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=60) as http:
        started = time.monotonic()
        answer = http.get(live.url + "/api/search", params={"q": ALPHABET_QUERY})
        seconds = time.monotonic() - started
    try:
        why = str(answer.json().get("message", ""))[:80]
    except ValueError:
        why = answer.text[:80]
    got = f"{answer.status_code} in {seconds:.2f} s" + (f": {why}" if answer.status_code != 200 else "")
    return got, answer.status_code in (400, 503) and seconds <= QUICK and bool(why)


@attack(4, "/healthz while eight costly searches run",
        "/healthz answers 200 within 1 s")
def healthz_under_search(lab: Lab) -> Outcome:
    live = lab.main()
    letters = "abcdefghijklmnopqrstuvwxyz"
    # Distinct queries (the response cache must not answer them): the issue's, rotated, and a costly shape that the
    # cost limits let through (four three-letter prefixes, each the start of hundreds of the store's words, OR'ed
    # with common words): about a second each on this store, so they are still running when /healthz is asked.
    queries = [" OR ".join(f"{c}*" for c in letters[i:] + letters[:i]) for i in range(4)]
    for prefixes in (("ber", "dor", "gan", "lum"), ("nor", "quil", "sen", "tor"), ("ven", "yor", "zel", "ber"),
                     ("dor", "nor", "sen", "zel")):
        queries.append(" OR ".join([f"{p}*" for p in prefixes] + ["harbour", "council", "budget", "minister"]))
    results: list[str] = []

    def search(q: str) -> None:
        started = time.monotonic()
        try:
            with client(timeout=90) as http:
                status = http.get(live.url + "/api/search", params={"q": q}).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        results.append(f"{status}/{time.monotonic() - started:.1f}s")

    threads = [threading.Thread(target=search, args=(q,), daemon=True) for q in queries]
    for t in threads:
        t.start()
    time.sleep(0.3)
    started = time.monotonic()
    try:
        with client(timeout=30) as http:
            health = http.get(live.url + "/healthz").status_code
    except httpx.HTTPError as exc:
        health = type(exc).__name__
    waited = time.monotonic() - started
    for t in threads:
        t.join(timeout=90)
    got = f"/healthz {health} in {waited:.2f} s; searches: {', '.join(sorted(results))}"
    return got, health == 200 and waited <= 1.0


# ---- 5. a busy store ------------------------------------------------------------------------------------

BUSY_ANSWER = 6.0  # "within a few seconds"


def _removal_body(email: str, url: str = "https://hostile.example/news/1") -> dict[str, object]:
    return {"name": "Rights Holder", "email": email, "relationship": "owner", "reason": "copyright",
            "urls": [url], "statement": "reproduced without permission", "good_faith": True}


@attack(5, "POST /api/removal-requests while another connection holds the write lock",
        f"503 JSON with Retry-After within {BUSY_ANSWER:.0f} s; the same request after release stored once")
def busy_store(lab: Lab) -> Outcome:
    db = lab.db("busy")
    body = _removal_body("busy-store@example.org")
    with serve(db, lab.folder("busy"), "--no-background-fetch") as live:
        lock = sqlite3.connect(sqlite_path(db), timeout=5, isolation_level=None)
        try:
            lock.execute("BEGIN IMMEDIATE")
            started = time.monotonic()
            try:
                with client(timeout=BUSY_ANSWER + 4) as http:
                    held = http.post(live.url + "/api/removal-requests", json=body)
                first = (f"{held.status_code} {held.headers.get('content-type', '').split(';')[0]} "
                         f"Retry-After={held.headers.get('retry-after')}")
                ok_first = (held.status_code == 503 and held.headers.get("content-type", "").startswith(
                    "application/json") and held.headers.get("retry-after") is not None)
            except httpx.TimeoutException:
                first, ok_first = "no answer", False
            waited = time.monotonic() - started
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        with client(timeout=30) as http:
            again = http.post(live.url + "/api/removal-requests", json=body)
        time.sleep(1.0)  # a request still waiting in the server when we gave up would land now
        with sqlite3.connect(sqlite_path(db), timeout=10) as check:
            stored = check.execute("SELECT count(*) FROM removal_requests WHERE email = ?",
                                   ("busy-store@example.org",)).fetchone()[0]
    got = f"while locked: {first} after {waited:.1f} s; after release: {again.status_code}; stored {stored} time(s)"
    return got, ok_first and waited <= BUSY_ANSWER and again.status_code == 201 and stored == 1


FULL_DISK_SCRIPT = r"""
set -u
mount -t tmpfs -o size=8m tmpfs "$MNT" || exit 1
cp "$SRC/newsdesk.db" "$MNT/newsdesk.db"
"$PY" -c 'import os, sys; st = os.statvfs(sys.argv[1]); free = st.f_bavail * st.f_frsize
open(sys.argv[1] + "/filler", "wb").write(b"\0" * max(0, free - 96 * 1024))' "$MNT"
"$PY" -m newsdesk.cli --db "sqlite:///$MNT/newsdesk.db" fetch --all > "$OUT/out" 2> "$OUT/err"
echo $? > "$OUT/rc"
rm -f "$MNT/filler"
"$PY" -c 'import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' \
  "$MNT/newsdesk.db" > "$OUT/integrity" 2>&1
"""


@attack(5, "newsdesk fetch on a full disk",
        "non-zero exit with one clear line (disk full), no traceback; the store stays whole")
def full_disk(lab: Lab) -> Outcome:
    import shutil

    folder = lab.folder("full-disk")
    src, mnt, out = folder / "src", folder / "mnt", folder / "out"
    for f in (src, mnt, out):
        f.mkdir(exist_ok=True)
    db = f"sqlite:///{src / 'newsdesk.db'}"
    with LocalServer() as server:
        links = []
        for i in range(40):  # ~1.2 MB of text to store, on a disk with 96 KB left
            paragraphs = prose(500 + i, 60)
            server.route(f"/big/{i}", Response(200, page(f"Long report {i} from Oakmere", paragraphs), HTML))
            links.append(server.url(f"/big/{i}"))
        server.route("/feed.xml", Response(200, rss_feed(links), RSS))
        add_source(db, server.url("/feed.xml"))
        env = {**cli_env(), "MNT": str(mnt), "SRC": str(src), "OUT": str(out), "PY": sys.executable}
        # A tmpfs of its own: in a user and mount namespace (no root needed, gone with the process), else as root.
        commands = []
        if shutil.which("unshare"):
            commands.append(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", FULL_DISK_SCRIPT])
        if os.geteuid() == 0:
            commands.append(["sh", "-c", "trap 'umount \"$MNT\"' EXIT\n" + FULL_DISK_SCRIPT])
        why = "no unshare, not root"
        for command in commands:
            try:
                done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            except subprocess.TimeoutExpired:
                return "newsdesk fetch still running after 120 s (killed)", False
            if (out / "rc").exists():
                break
            why = (done.stderr or done.stdout).strip()[-200:]
        else:
            raise Skip(f"cannot mount a small filesystem here: {why}")
    rc = int((out / "rc").read_text().strip() or -1)
    text = (out / "out").read_text(errors="replace") + (out / "err").read_text(errors="replace")
    integrity = (out / "integrity").read_text().strip()
    clear = [line for line in text.splitlines() if re.search(r"(?i)\b(full|no space)\b", line)]
    traceback = "Traceback" in text
    got = (f"exit {rc}, {'a traceback' if traceback else 'no traceback'}, "
           + (f"said: {clear[0].strip()[:90]!r}" if clear else "no line says the disk is full")
           + f"; integrity_check: {integrity[:40]}")
    return got, rc != 0 and not traceback and bool(clear) and integrity == "ok"


# ---- 6. ids ---------------------------------------------------------------------------------------------


@attack(6, "remove the newest article, then fetch a new one",
        "the new article's id differs from the removed one's")
def ids_not_reused(lab: Lab) -> Outcome:
    db = lab.db("ids")
    with LocalServer() as server:
        links = _event_pages(server, server.url(""), ["one", "two", "three"], seed=600)
        server.route("/feed.xml", Response(200, rss_feed(links), RSS))
        add_source(db, server.url("/feed.xml"))
        newsdesk(["fetch", "--all"], db=db, timeout=90)
        newest = max(export(db), key=lambda a: a["id"])
        request_id = submit_removal(db, newest["url"])
        accepted = newsdesk(["removals", "accept", str(request_id), "--reason", "rights holder"], db=db, timeout=60)
        links += _event_pages(server, server.url(""), ["four"], seed=700)
        server.route("/feed.xml", Response(200, rss_feed(links), RSS))
        newsdesk(["fetch", "--all"], db=db, timeout=90)
    stored = {a["url"]: a for a in export(db)}
    fresh = stored.get(links[-1])
    if accepted.rc != 0 or fresh is None:
        return f"accept exit {accepted.rc}; new article stored: {fresh is not None} ({accepted.tail(80)})", False
    got = f"removed article {newest['id']}; the new article got id {fresh['id']}"
    return got, fresh["id"] != newest["id"]


# ---- 7. slow publishers ---------------------------------------------------------------------------------

REQUEST_TIMEOUT = 5
HOST_BUDGET = 4
SLOW_MARGIN = 10


@attack(7, "four article links that drip one byte a second",
        f"the pass ends within the host budget ({HOST_BUDGET} s) + {SLOW_MARGIN} s; the other host's articles "
        "are stored; the links that were slow are not requested again on the next pass")
def drip_links(lab: Lab) -> Outcome:
    db = lab.db("slow")
    env = cli_env(request_timeout=REQUEST_TIMEOUT, host_time_budget=HOST_BUDGET)
    with DripServer("127.0.0.3") as drip, LocalServer("127.0.0.1") as feeds, LocalServer("127.0.0.4") as normal:
        slow = [drip.url(f"/slow/{i}") for i in range(4)]
        feeds.route("/slow.xml", Response(200, rss_feed(slow, "Slow Wire"), RSS))
        quick = _event_pages(normal, normal.url(""), ["q1", "q2", "q3"], seed=800)
        normal.route("/feed.xml", Response(200, rss_feed(quick, "Quick Wire"), RSS))
        add_source(db, feeds.url("/slow.xml"))
        add_source(db, normal.url("/feed.xml"))
        first = newsdesk(["fetch", "--all"], db=db, timeout=120, env=env)
        # The pass: from its first request to the end of the process (the start-up of Python is not the pass's).
        pass_seconds = time.time() - min(r.time for r in feeds.requests + normal.requests)
        stored = {a["url"] for a in export(db)}
        asked = len(drip.paths)
        slow_seen = [p for p in drip.paths if p.startswith("/slow/")]
        second = newsdesk(["fetch", "--all"], db=db, timeout=120, env=env)
        again = [p for p in drip.paths[asked:] if p.startswith("/slow/")]
    quick_stored = len(set(quick) & stored)
    # "Retried every pass": a link that held the first pass is asked again. A link the budget left untried may be
    # tried on the next pass (once).
    retried = [p for p in again if p in slow_seen]
    got = (f"pass 1: {pass_seconds:.1f} s (exit {first.rc}), {quick_stored}/3 of the quick host stored, "
           f"{len(slow_seen)} slow link(s) asked; pass 2 ({second.seconds:.1f} s): {len(retried)} of them asked "
           f"again, {len(again) - len(retried)} untried one(s) asked")
    return got, (not first.timed_out and pass_seconds <= HOST_BUDGET + SLOW_MARGIN and quick_stored == 3
                 and not retried)


# ---- 8. who the client is -------------------------------------------------------------------------------

RATE_LIMIT = 5


@attack(8, "rotating X-Forwarded-For from loopback: 12 removal requests and 12 login guesses",
        f"at most {RATE_LIMIT} removal requests accepted and at most 5 login guesses checked")
def rotating_forwarded_for(lab: Lab) -> Outcome:
    db = lab.db("forwarded")
    with serve(db, lab.folder("forwarded"), "--no-background-fetch", removal_rate_limit=RATE_LIMIT) as live:
        accepted = guessed = 0
        with client(local_address="127.0.0.1", timeout=30) as http:
            for i in range(12):
                answer = http.post(live.url + "/api/removal-requests", headers={"X-Forwarded-For": f"203.0.113.{i}"},
                                   json=_removal_body(f"xff{i}@example.org", f"https://hostile.example/xff/{i}"))
                accepted += answer.status_code == 201
            for i in range(12):
                answer = http.post(live.url + "/admin/login", headers={"X-Forwarded-For": f"198.51.100.{i}"},
                                   data={"name": "editor", "password": f"guess-{i}"})
                guessed += answer.status_code == 401
    got = f"{accepted} of 12 removal requests accepted, {guessed} of 12 login guesses checked (401)"
    return got, accepted <= RATE_LIMIT and guessed <= 5


@attack(8, "7 concurrent removal requests with limit 5",
        f"exactly {RATE_LIMIT} accepted")
def concurrent_removals(lab: Lab) -> Outcome:
    db = lab.db("concurrent")
    # Two server processes with eight threads each, as a production server runs: the seven requests are checked
    # against the limit at the same moment.
    with serve(db, lab.folder("concurrent"), "--no-background-fetch", "--workers", "2",
               removal_rate_limit=RATE_LIMIT, serve_threads=8) as live:
        gate = threading.Barrier(7, timeout=30)
        statuses: list[int | str] = []

        def one(i: int) -> None:
            with client(local_address="127.0.0.6", timeout=60) as http:
                gate.wait()
                try:
                    statuses.append(http.post(live.url + "/api/removal-requests", json=_removal_body(
                        f"c{i}@example.org", f"https://hostile.example/concurrent/{i}")).status_code)
                except httpx.HTTPError as exc:
                    statuses.append(type(exc).__name__)

        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(7)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=90)
    counts = Counter(statuses)
    got = ", ".join(f"{n} x {s}" for s, n in sorted(counts.items(), key=str))
    return got, counts[201] == RATE_LIMIT


# ---- 9. removed means removed ---------------------------------------------------------------------------

REMOVED_PATH = "/world/update-story"


@attack(9, "six spellings of a removed URL in a feed",
        "no request of the removed page at the publisher (https, trailing /, %75, //, the IP, a redirect)")
def removed_variants(lab: Lab) -> Outcome:
    folder = lab.folder("removed")
    db = lab.db("removed")
    with Publisher(folder) as publisher:
        port = publisher.port
        removed = f"http://localhost:{port}{REMOVED_PATH}"
        text = ["The update story of Valdoria: the harbour council met on Friday and agreed a new budget, the "
                "chair said."] + prose(900, 5)
        publisher.route(REMOVED_PATH, lambda req: Response(200, page("Valdoria update story", text), HTML))
        publisher.route("/go-to-it", Response(302, b"", {"Location": removed}))
        other = _event_pages(publisher, f"http://localhost:{port}", ["kept"], seed=901)
        publisher.route("/feed.xml", Response(200, rss_feed([removed] + other), RSS))
        env = cli_env()
        if publisher.cafile:
            env["SSL_CERT_FILE"] = str(publisher.cafile)
        add_source(db, f"http://localhost:{port}/feed.xml")
        newsdesk(["fetch", "--all"], db=db, timeout=90, env=env)
        if removed not in {a["url"] for a in export(db)}:
            return "setup: the article to remove was not stored by the first pass", False
        request_id = submit_removal(db, removed)
        accepted = newsdesk(["removals", "accept", str(request_id), "--reason", "rights holder"], db=db, timeout=60,
                            env=env)
        if accepted.rc != 0:
            return f"setup: removals accept exit {accepted.rc}: {accepted.tail(80)}", False
        variants = {
            "https": f"https://localhost:{port}{REMOVED_PATH}",
            "trailing /": f"http://localhost:{port}{REMOVED_PATH}/",
            "%75": f"http://localhost:{port}{REMOVED_PATH.replace('u', '%75')}",
            "//": f"http://localhost:{port}{REMOVED_PATH.replace('/', '//', 2)}",
            "IP": f"http://127.0.0.1:{port}{REMOVED_PATH}",
            "redirect": f"http://127.0.0.1:{port}/go-to-it",
        }
        requested_before, tls_before = len(publisher.requests), publisher.tls_attempts
        publisher.route("/feed.xml", Response(200, rss_feed(list(variants.values())), RSS))
        second = newsdesk(["fetch", "--all"], db=db, timeout=90, env=env)
        asked = [r.path for r in publisher.requests[requested_before:] if normal_path(r.path) == REMOVED_PATH]
        handshakes = publisher.tls_attempts - tls_before
    tls_note = "" if publisher.cafile else f"; {handshakes} TLS handshake(s) (no openssl: page not served)"
    got = (f"second pass exit {second.rc}; removed page requested {len(asked)} time(s)"
           + (f" as {', '.join(sorted(set(asked)))}" if asked else "") + tls_note)
    return got, second.rc == 0 and not asked and (publisher.cafile is not None or handshakes == 0)


# ---- 10. feeds and HTTP ---------------------------------------------------------------------------------


def _script_in(text: str | None) -> bool:
    value = (text or "").lower()
    return "<script" in value or "<script" in html.unescape(value)


@attack(10, "RSS title of a '<script>' headline and a search feed's channel description",
        "no '<script' in them, even after HTML-unescaping once")
def rss_markup(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        front = http.get(live.url + "/feed.rss")
        search = http.get(live.url + "/search/feed.rss", params={"q": "<script>alert(1)</script> harbour"})
    bad = []
    titles = [t.text or "" for t in ET.fromstring(front.content).iter("title")] if front.status_code == 200 else []
    story = [t for t in titles if "Harbour bridge reopens" in t]
    if not story:
        bad.append(f"front feed {front.status_code}: no item for the story")
    elif _script_in(story[0]):
        bad.append(f"item title {story[0][:60]!r}")
    if search.status_code == 200:
        description = ET.fromstring(search.content).find("channel/description")
        if description is not None and _script_in(description.text):
            bad.append(f"channel description {(description.text or '')[:60]!r}")
    else:
        bad.append(f"search feed answered {search.status_code}")
    return ("; ".join(bad) if bad else f"item title {story[0][:50]!r}; channel description clean"), not bad


@attack(10, "HEAD on /, /healthz and /api/stories",
        "200 on each")
def head_requests(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        statuses = {path: http.head(live.url + path).status_code for path in ("/", "/healthz", "/api/stories")}
    return ", ".join(f"HEAD {p} {s}" for p, s in statuses.items()), all(s == 200 for s in statuses.values())


def _entry_ids(http: httpx.Client, url: str, host: str) -> list[str]:
    answer = http.get(url, headers={"Host": host})
    if answer.status_code != 200:
        return [f"HTTP {answer.status_code}"]
    root = ET.fromstring(answer.content)
    return [e.text or "" for e in root.iter("{http://www.w3.org/2005/Atom}id")]


@attack(10, "feed entry ids under two Host headers",
        "identical ids (front page and story feeds), NEWSDESK_PUBLIC_URL unset")
def ids_and_host(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        story_id = http.get(live.url + "/api/stories").json()["stories"][0]["id"]
        differ = []
        for path in ("/feed.atom", f"/stories/{story_id}/feed.atom"):
            a = _entry_ids(http, live.url + path, "news-a.example")
            b = _entry_ids(http, live.url + path, "news-b.example")
            if a != b or not a:
                differ.append(f"{path}: {a[-1][:45] if a else '-'} vs {b[-1][:45] if b else '-'}")
    return ("; ".join(differ) if differ else "identical on both feeds"), not differ


@attack(10, "requests without NEWSDESK_PUBLIC_URL",
        "the server logs one warning naming NEWSDESK_PUBLIC_URL, once")
def public_url_warning(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        for path in ("/feed.atom", "/api/stories", "/feed.rss"):
            http.get(live.url + path, headers={"Host": "news-c.example"})
    time.sleep(0.3)
    lines = [line for line in live.log_text().splitlines() if "public_url" in line.lower()]
    got = f"{len(lines)} log line(s) name it" + (f": {lines[0].strip()[:80]!r}" if lines else "")
    return got, len(lines) == 1


# ---- 11. two fetchers -----------------------------------------------------------------------------------


@attack(11, "two newsdesk fetch --all at once on one SQLite store, 200 article URLs",
        "each article URL requested once")
def two_fetchers(lab: Lab) -> Outcome:
    db = lab.db("two-fetchers")
    with LocalServer() as server:
        links = []
        for i in range(200):
            paragraphs = [f"Report {i} from the Oakmere wire about the ferry timetable."] + prose(1100 + i, 3)
            server.route(f"/wire/{i}", Response(200, page(f"Oakmere ferry report {i}", paragraphs), HTML))
            links.append(server.url(f"/wire/{i}"))
        server.route("/feed.xml", Response(200, rss_feed(links, "Oakmere Wire"), RSS))
        add_source(db, server.url("/feed.xml"))
        command = [sys.executable, "-m", "newsdesk.cli", "--db", db, "fetch", "--all"]
        folder = lab.folder("two-fetchers")
        procs = []
        for n in range(2):  # their output goes to files: a pipe left unread while waiting for the other could fill
            with open(folder / f"fetch-{n}.log", "w") as log:
                procs.append(subprocess.Popen(command, env=cli_env(), stdout=log, stderr=subprocess.STDOUT,
                                              cwd=folder))
        codes: list[int | None] = []
        ends = time.monotonic() + 180
        for proc in procs:
            try:
                codes.append(proc.wait(timeout=max(1.0, ends - time.monotonic())))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=30)
                codes.append(None)
        hits = Counter(r.path for r in server.requests if r.path.startswith("/wire/"))
    twice = sum(1 for n in hits.values() if n > 1)
    got = (f"exits {codes}; {sum(hits.values())} GETs of {len(hits)} article URLs, {twice} fetched more than "
           "once")
    return got, codes == [0, 0] and len(hits) == 200 and twice == 0


# ---- 12. errors a person can act on ---------------------------------------------------------------------

FORM_MESSAGES = {"name": "give your name", "email": "is not an email address", "relationship": "relationship",
                 "reason": "reason", "good_faith": "good faith", "targets": "at least one URL"}


@attack(12, "removal form with six wrong fields",
        "all of them reported at once (the page, and no browser check that stops at the first)")
def form_all_errors(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        form = http.get(live.url + "/removal").text
        token = re.search(r'name="form_token" value="([^"]+)"', form)
        answer = http.post(live.url + "/removal", data={
            "form_token": token.group(1) if token else "", "name": "", "email": "not-an-address",
            "relationship": "", "reason": "", "urls": ""})
    summary = answer.text.split('class="removal-form"')[0].lower()  # the error summary above the form
    missing = [field for field, words in FORM_MESSAGES.items() if words.lower() not in summary]
    tag = re.search(r"<form[^>]*removal-form[^>]*>", form)
    stops_at_first = bool(tag) and "novalidate" not in tag.group(0) and " required" in form
    got = (f"{answer.status_code}; " + (f"not reported: {', '.join(missing)}" if missing else "all six reported")
           + ("; the form's `required` fields make a browser report only the first" if stops_at_first else ""))
    return got, answer.status_code == 422 and not missing and not stops_at_first


@attack(12, "removal API: a missing field and three wrong ones",
        "422 naming every one of them (name, email, relationship, reason)")
def api_all_errors(lab: Lab) -> Outcome:
    live = lab.main()
    with client(timeout=30) as http:
        answer = http.post(live.url + "/api/removal-requests", json={
            "email": "not-an-address", "relationship": "cousin", "reason": "because",
            "urls": ["https://hostile.example/news/1"], "good_faith": True})
    try:
        detail = answer.json().get("detail")
    except ValueError:
        detail = None
    named = sorted(detail) if isinstance(detail, dict) else []
    wanted = {"name", "email", "relationship", "reason"}
    got = f"{answer.status_code}, fields named: {', '.join(named) or '-'}"
    return got, answer.status_code == 422 and wanted <= set(named)


@attack(12, "sources add of a private address without NEWSDESK_ALLOW_PRIVATE_HOSTS",
        "non-zero exit naming NEWSDESK_ALLOW_PRIVATE_HOSTS")
def add_private_source(lab: Lab) -> Outcome:
    db = lab.db("add-private")
    with LocalServer() as server:
        server.route("/feed.xml", Response(200, rss_feed([server.url("/a")]), RSS))
        run = newsdesk(["sources", "add", server.url("/feed.xml")], db=db, timeout=60,
                       env=cli_env(allow_private_hosts=None))
    said = (run.out + run.err).replace("\n", " ")
    names = "NEWSDESK_ALLOW_PRIVATE_HOSTS" in said
    got = f"exit {run.rc}; {'names' if names else 'does not name'} NEWSDESK_ALLOW_PRIVATE_HOSTS: {said.strip()[:110]!r}"
    return got, run.rc not in (0, None) and names


@attack(12, "sources add of a URL that answers 404",
        "non-zero exit")
def add_missing_source(lab: Lab) -> Outcome:
    db = lab.db("add-404")
    with LocalServer() as server:
        run = newsdesk(["sources", "add", server.url("/no-such-feed.xml")], db=db, timeout=60)
    said = (run.out + run.err).replace("\n", " ").strip()
    return f"exit {run.rc}: {said[:110]!r}", run.rc not in (0, None)


def by_item(item: int | None = None) -> list[Attack]:
    return [a for a in ATTACKS if item is None or a.item == item]


__all__ = ["ATTACKS", "Attack", "Outcome", "Skip", "by_item"]
