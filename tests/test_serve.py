"""`newsdesk serve` as a user starts it: a real uvicorn process, real HTTP."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest
from localserver import Response
from pages import article_html, rss
from serveprocess import serving

from newsdesk.models import Article
from newsdesk.store import Store


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("workers", "access_log"), [(1, False), (2, True)])
def test_serve_answers_healthz_and_escapes_publisher_text(tmp_path, workers, access_log):
    """One process, or two answering while the parent alone fetches and groups stories; a line per request
    only when asked for (--access-log)."""
    db = f"sqlite:///{tmp_path / 'n.db'}"
    store = Store(db)
    store.migrate()
    store.save_article(Article(url="https://evil.example/1", title="<script>alert(1)</script> Headline",
                               text="Mayor Lena Vogt of Brisvale said the harbour would reopen on Monday."))
    store.add_source("http://127.0.0.1:9/unreachable.xml", interval=900)  # offline source: must not stop serving
    store.close()
    port = free_port()
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db, "NEWSDESK_ALLOW_PRIVATE_HOSTS": "1",
           "NEWSDESK_SERVE_FETCH_INTERVAL": "1"}
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115 (closed in finally; a pipe could fill up and block)
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(port),
                             "--workers", str(workers)] + (["--access-log"] if access_log else []), env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        for _ in range(100):
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health.status_code == 200 and health.json()["articles"] == 1
        for _ in range(100):  # the background pass puts the article in a story, then the front page shows it
            page = httpx.get(f"http://127.0.0.1:{port}/").text
            if "Headline" in page:
                break
            time.sleep(0.1)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; Headline" in page
        assert "<script>alert(1)" not in page
        for _ in range(300):  # then the analysis stage gives the story its entities (the model loads first)
            stories = httpx.get(f"http://127.0.0.1:{port}/api/stories").json()["stories"]
            if stories and stories[0]["entities"]:
                break
            time.sleep(0.1)
        assert "person:lena vogt" in {e["key"] for e in stories[0]["entities"]}
        time.sleep(1.5)  # let the background pass hit the unreachable source
        sources = httpx.get(f"http://127.0.0.1:{port}/sources").text
        assert "error" in sources
        assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/?cursor=bogus").status_code == 400
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()
    output = (tmp_path / "serve.log").read_text()
    assert ('"GET /?cursor=bogus HTTP/1.1" 400' in output) is access_log, output[-2000:]
    # The process that fetches (the only one, or the parent of two) logs its passes: the first placed the article.
    assert PASS_LINE.search(output) and PASS_LINE.search(output).group(4) == "1", output[-2000:]


# ---- several server processes (newsdesk.web.processes) --------------------------------------------------

def _children(pid: int) -> set[int]:
    """The server processes `pid` started (not multiprocessing's resource tracker)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z" and _is_worker(int(entry)):
                found.add(int(entry))
    return found


def _is_worker(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"spawn_main" in fh.read()
    except OSError:
        return False


def _connections_held(pid: int, port: int) -> int:
    """Established TCP connections to `port` whose socket the process `pid` holds."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    held = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as fh:
            for line in fh.readlines()[1:]:
                cols = line.split()
                if int(cols[1].rsplit(":", 1)[1], 16) == port and cols[3] == "01" and cols[9] in inodes:
                    held += 1
    return held


def _start_workers(tmp_path, workers: int) -> tuple[subprocess.Popen, int]:
    db = f"sqlite:///{tmp_path / 'n.db'}"
    Store(db).migrate()
    port = free_port()
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db}
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(port), "--workers",
                             str(workers), "--no-background-fetch", "--no-default-sources"], env=env,
                            stdout=open(tmp_path / "serve.log", "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
    for _ in range(200):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            time.sleep(0.1)
    return proc, port


def _keep_alive_get(conn: socket.socket, port: int) -> bytes:
    conn.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def test_workers_share_a_burst_of_keep_alive_connections_evenly(tmp_path):
    """Twelve connections opened at once land four on each of three processes (uvicorn's own workers let the
    first process to wake take most of them), and every connection is answered."""
    proc, port = _start_workers(tmp_path, 3)
    conns = []
    try:
        workers = _children(proc.pid)
        assert len(workers) == 3
        conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(12)]
        for c in conns:
            assert _keep_alive_get(c, port).startswith(b"HTTP/1.1 200")
        assert sorted(_connections_held(pid, port) for pid in workers) == [4, 4, 4]
    finally:
        for c in conns:
            c.close()
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def test_a_dead_worker_is_replaced_and_a_dead_parent_takes_its_workers_along(tmp_path):
    proc, port = _start_workers(tmp_path, 2)
    try:
        first = _children(proc.pid)
        assert len(first) == 2
        victim = min(first)
        os.kill(victim, 9)
        while _is_worker(victim):  # dead (a connection handed over at the instant it dies is lost with it)
            time.sleep(0.01)
        # New connections go to the live worker meanwhile, none is lost. The live one may still be starting (the
        # first answer above may have come from the victim): on a loaded machine that takes seconds, hence 30 s.
        for _ in range(20):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200
        for _ in range(100):
            now = _children(proc.pid)
            if len(now) == 2 and victim not in now:
                break
            time.sleep(0.1)
        assert len(now) == 2 and victim not in now and (first - {victim}) <= now
        for _ in range(20):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
        proc.kill()  # no chance to stop its workers: they must notice and go
        proc.wait(timeout=10)
        for _ in range(100):
            alive = [pid for pid in now if _is_worker(pid)]
            if not alive:
                break
            time.sleep(0.1)
        assert alive == [], (tmp_path / "serve.log").read_text()[-2000:]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_metrics_count_the_requests_of_every_worker(tmp_path):
    """A scrape reaches one process; its counters are the whole server's (each process shares its counts)."""
    proc, port = _start_workers(tmp_path, 2)
    try:
        for _ in range(10):  # new connections: dealt to both processes in turn
            assert httpx.get(f"http://127.0.0.1:{port}/api/stories").status_code == 200
        time.sleep(2.5)  # each process writes its counts at least once a second

        def served() -> float:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
            wanted = 'newsdesk_http_requests_total{method="GET",route="/api/stories",status="200"}'
            line = next(li for li in text.splitlines() if li.startswith(wanted))
            return float(line.rsplit(" ", 1)[1])

        assert served() == served() == 10  # two scrapes, one from each process
        victim = min(_children(proc.pid))
        os.kill(victim, 15)  # a worker that stops keeps counting in the totals
        while _is_worker(victim):
            time.sleep(0.01)
        assert served() == 10
    finally:
        proc.terminate()
        proc.wait(timeout=30)


# ---- the background pass: one log line each, stories as articles arrive -----------------------------------------

PASS_LINE = re.compile(r"INFO pass: fetched=(\d+) new=(\d+) failed=(\d+) grouped=(\d+) analysed=(\d+) "
                       r"seconds=(\d+\.\d)$", re.MULTILINE)


def test_serve_logs_a_line_per_pass_and_shows_stories_before_a_slow_pass_ends(tmp_path, server):
    """Three sources on one host, fetched one after another: two articles, then a feed that answers 404, then a
    feed whose one page hangs until the test lets it go. The first two articles are a story on the API while that
    page still hangs, before the pass has logged its line; the line then counts the whole pass."""
    rss_type, html_type = {"Content-Type": "application/rss+xml"}, {"Content-Type": "text/html; charset=utf-8"}
    base = server.url("").rstrip("/")
    server.route("/fast.xml", Response(200, rss(base, [0, 6], title="Fast Gazette"), rss_type))
    server.route("/slow.xml", Response(200, rss(base, [1], title="Slow Gazette"), rss_type))
    for n in (0, 6):
        server.route(f"/articles/{n}.html", Response(200, article_html(n), html_type))
    released = threading.Event()

    def hanging_page(_: object) -> Response:
        released.wait(90)
        return Response(200, article_html(1), html_type)

    server.route("/articles/1.html", hanging_page)
    db = f"sqlite:///{tmp_path / 'n.db'}"
    store = Store(db)
    store.migrate()
    for path in ("/fast.xml", "/gone.xml", "/slow.xml"):  # added in this order: due, and fetched, in this order
        store.add_source(server.url(path), interval=3600, kind="rss")
    store.close()
    try:
        with serving(db, tmp_path, allow_private_hosts="1", min_host_delay="0", request_timeout="120",
                     serve_fetch_interval="1", serve_group_interval="0.2", analysis_batch="0") as serve:
            deadline = time.monotonic() + 60
            while not (stories := httpx.get(serve.url + "/api/stories").json()["stories"]):
                assert time.monotonic() < deadline, serve.log_text()[-3000:]
                time.sleep(0.1)
            assert not PASS_LINE.search(serve.log_text()), "the pass ended before its first story showed"
            assert server.hits("/articles/1.html") and not released.is_set()
            assert sum(s["article_count"] for s in stories) == 2  # the fast feed's, grouped before the pass ended
            released.set()
            while len(lines := PASS_LINE.findall(serve.log_text())) < 2:
                assert time.monotonic() < deadline + 60, serve.log_text()[-3000:]
                time.sleep(0.1)
            log = serve.log_text()
    finally:
        released.set()
    first, *later = ([int(n) for n in line[:5]] for line in lines)
    assert first == [3, 3, 1, 3, 0], log[-3000:]  # fetched, new, failed (the 404), grouped, analysed
    assert all(counts == [0, 0, 0, 0, 0] for counts in later)  # nothing is due again within the hour
    assert "source failed" in log and "gone.xml" in log  # the failing source has its own warning, as before
    assert all(float(line[5]) < 120 for line in lines)
