"""What the attacks of issue 13 run against: real `newsdesk` processes (`serve`, `fetch`, `sources add`, `cluster`,
`analyze`, `removals accept`) on real SQLite stores, and hostile local servers (slow, TLS and plain on one port,
redirecting). Every process and socket call here has a time limit, so a defence that fails shows as a failed
attack, never as a hung run.

The code under test is whatever `python -m newsdesk.cli` imports: run with `PYTHONPATH=<other checkout>/src` to
attack another version (how the baseline of the report was taken).
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

TESTS = Path(__file__).resolve().parents[1]
if str(TESTS) not in sys.path:  # localserver.py lives beside the other test helpers
    sys.path.insert(0, str(TESTS))

from localserver import LocalServer  # noqa: E402
from serveprocess import ServeProcess, serving  # noqa: E402

from newsdesk.keys import content_hash  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.store.schema import ArticleRow, StoryRow  # noqa: E402

SHARED_DATA = TESTS.parents[1] / "shared" / "data"
HTML = {"Content-Type": "text/html; charset=utf-8"}
ATOM = {"Content-Type": "application/atom+xml; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}


# ---- processes ------------------------------------------------------------------------------------------


def cli_env(**settings: object) -> dict[str, str]:
    """The environment of a `newsdesk` process: this one's without any NEWSDESK_* variable (a developer's own
    settings must not change the attack), then the attack's settings (keys in lower case, as in
    newsdesk.config.Settings). Fetching local servers needs allow_private_hosts; no politeness gap between two
    requests to one host (the attacks would wait a second per page); no analysis (loading the language model
    costs seconds and no attack but item 2's is about it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSDESK_")}
    env["NEWSDESK_CONFIG"] = os.devnull  # never ./newsdesk.toml of wherever the harness runs
    defaults: dict[str, object] = {"allow_private_hosts": "1", "min_host_delay": "0", "analysis_batch": "0",
                                   "request_timeout": "10", "connect_timeout": "3"}
    for key, value in {**defaults, **settings}.items():
        if value is None:
            env.pop(f"NEWSDESK_{key.upper()}", None)
        else:
            env[f"NEWSDESK_{key.upper()}"] = str(value)
    return env


@dataclass
class Run:
    """One finished (or killed) command."""

    args: list[str]
    rc: int | None  # None: killed at its time limit
    out: str
    err: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.rc is None

    def tail(self, n: int = 160) -> str:
        """The last line it wrote (on stderr if any): the error of a traceback, or the message."""
        lines = [line.strip() for line in (self.err.strip() or self.out.strip()).splitlines() if line.strip()]
        return lines[-1][-n:] if lines else ""


def newsdesk(args: list[str], *, db: str | None = None, timeout: float = 60, env: dict[str, str] | None = None,
             stdin: str | None = None, cwd: Path | None = None) -> Run:
    """`newsdesk ARGS` as a user runs it (the module, so that PYTHONPATH picks the code under test)."""
    cmd = [sys.executable, "-m", "newsdesk.cli"] + (["--db", db] if db else []) + args
    started = time.monotonic()
    try:
        done = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout,
                              env=env if env is not None else cli_env(), cwd=cwd or tempfile.gettempdir())
        return Run(args, done.returncode, done.stdout, done.stderr, time.monotonic() - started)
    except subprocess.TimeoutExpired as exc:
        return Run(args, None, _text(exc.stdout), _text(exc.stderr), time.monotonic() - started)


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class Live:
    """A running `newsdesk serve`."""

    url: str
    port: int
    pid: int
    log: Path
    db: str
    process: ServeProcess

    def rss_kib(self) -> int:
        """Resident memory of the server process now (KiB)."""
        return self.process.memory_kib()

    def log_text(self) -> str:
        return self.process.log_text()


@contextmanager
def serve(db: str, folder: Path, *args: str, **settings: object) -> Iterator[Live]:
    """`newsdesk serve` on a free loopback port over `db` (migrated first), answering once /healthz does."""
    with serving(db, folder, *args, environ=cli_env(**settings)) as server:
        yield Live(server.url, server.port, server.pid, server.log, db, server)


def client(local_address: str | None = None, timeout: float = 10) -> httpx.Client:
    """An HTTP client; `local_address` (e.g. 127.0.0.6) makes it another client address on the loopback."""
    transport = httpx.HTTPTransport(local_address=local_address) if local_address else None
    return httpx.Client(transport=transport, timeout=timeout, follow_redirects=False)


# ---- pages and feeds ------------------------------------------------------------------------------------

_SYLLABLES = ["ba", "ber", "ca", "dor", "el", "fa", "gan", "hu", "ir", "jo", "ka", "lum", "mi", "nor", "o", "pa",
              "quil", "ra", "sen", "tor", "u", "ven", "wa", "xa", "yor", "zel"]


def made_up_words(n: int, seed: int) -> list[str]:
    """Pronounceable made-up words (no third-party text), starting with every letter of the alphabet."""
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        words.add("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def prose(seed: int, sentences: int = 8) -> list[str]:
    """Distinct English-looking paragraphs for an article page (copy detection must not fold two of them)."""
    rng = random.Random(seed)
    vocab = made_up_words(400, seed=1)
    places = ["Brisvale", "Harrowgate", "Lindqvist Bay", "Port Emery", "Valdoria", "Oakmere"]
    out = []
    for i in range(sentences):
        words = " ".join(rng.choice(vocab) for _ in range(14))
        out.append(f"Officials in {rng.choice(places)} said on day {seed}-{i} that the {words} would continue "
                   f"for {rng.randint(2, 90)} more days, according to a statement.")
    return out


def page(title: str, paragraphs: list[str], *, published: str | None = None) -> str:
    """An article page; without `published` it carries no date of its own (the feed's date is used)."""
    meta = f'<meta property="article:published_time" content="{published}">' if published else ""
    body = "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>{meta}'
            f'</head><body><article><h1>{html.escape(title)}</h1>{body}</article></body></html>')


def atom_feed(entries: list[tuple[str, str, str]]) -> str:
    """Atom 1.0 of (title, link, date as written in <updated>/<published>)."""
    items = "".join(
        f"<entry><title>{html.escape(t)}</title><link href=\"{html.escape(link)}\"/><id>{html.escape(link)}</id>"
        f"<updated>{date}</updated><published>{date}</published></entry>"
        for t, link, date in entries)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Hostile Gazette</title><id>urn:hostile</id><updated>2025-01-01T00:00:00Z</updated>{items}</feed>")


def rss_feed(links: list[str], title: str = "Hostile Wire") -> str:
    items = "".join(f"<item><title>Item {i}</title><link>{html.escape(u)}</link></item>"
                    for i, u in enumerate(links))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>http://example.org/</link><description>d</description>{items}</channel></rss>")


def now_iso(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- hostile servers ------------------------------------------------------------------------------------


class Publisher(LocalServer):
    """A LocalServer that also speaks TLS on the same port when a client starts a TLS handshake (so that
    `https://host:port/x` and `http://host:port/x` reach the same pages), with a certificate for localhost and
    127.0.0.1 made for the occasion. `cafile` is what a client must trust (SSL_CERT_FILE)."""

    def __init__(self, folder: Path, host: str = "127.0.0.1") -> None:
        super().__init__(host)
        self.cafile: Path | None = None
        self.tls_attempts = 0  # TLS handshakes begun (counted even without openssl to answer them)
        context = self._tls(folder)
        plain = self.httpd.finish_request

        def finish_request(request: socket.socket, client_address: Any) -> None:
            request.settimeout(10)
            try:
                first = request.recv(1, socket.MSG_PEEK)
            except OSError:
                return
            if first == b"\x16":  # a TLS ClientHello
                self.tls_attempts += 1
                if context is None:
                    return
                try:
                    request = context.wrap_socket(request, server_side=True)
                except (ssl.SSLError, OSError):
                    return
            plain(request, client_address)

        self.httpd.finish_request = finish_request  # type: ignore[method-assign]

    def _tls(self, folder: Path) -> ssl.SSLContext | None:
        if shutil.which("openssl") is None:
            return None
        cert, key = folder / "publisher-cert.pem", folder / "publisher-key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                        str(cert), "-days", "2", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=30)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.cafile = cert
        return context


class DripServer:
    """Answers every request with a 200 header and then one byte of body a second, up to `seconds`: the slowest
    publisher that still never stops sending. Records each request's path."""

    def __init__(self, host: str, seconds: float = 120) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.host, self.port, self.seconds = host, self.sock.getsockname()[1], seconds
        self.paths: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        with conn:
            try:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    chunk = conn.recv(4096)
                    if not chunk:
                        return
                    head += chunk
                path = head.split(b" ", 2)[1].decode("latin-1") if head.count(b" ") >= 2 else "?"
                self.paths.append(path)
                if path == "/robots.txt":
                    conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                    return
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                             b"Content-Length: 100000\r\n\r\n<")
                ends = time.monotonic() + self.seconds
                while time.monotonic() < ends and not self._stop.wait(1.0):
                    conn.sendall(b"p")
            except OSError:
                return

    def __enter__(self) -> DripServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=5)


# ---- stores ---------------------------------------------------------------------------------------------

COMMON_WORDS = ["harbour", "council", "budget", "minister", "river", "station", "school", "market"]


def fill_search_store(db: str, n: int, *, seed: int = 5) -> None:
    """`n` articles of generated text written in bulk (the search triggers index them as for any insert), three
    to a story, dated a year back so that they stay out of the front page and of the story engine's window: a
    store on which `a* OR b* ... OR z*` reads the whole index, as on the issue's 30k-article store."""
    rng = random.Random(seed)
    vocab = made_up_words(6000, seed=seed)
    old = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=400)
    store = Store(db)
    store.migrate()
    try:
        with store.engine.begin() as conn:
            first = (conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM stories").scalar() or 0) + 1
            stories = (n + 2) // 3
            conn.execute(StoryRow.__table__.insert(), [
                {"id": first + i, "headline": " ".join(rng.choices(vocab, k=6)).capitalize(),
                 "brief": [{"text": " ".join(rng.choices(vocab, k=16)) + ".", "citations": []}],
                 "created_at": old, "updated_at": old, "first_published": old, "last_published": old,
                 "article_count": 3, "sources_count": 3, "independent_sources_count": 3, "entities": [],
                 "statements": []} for i in range(stories)])
            rows = []
            for i in range(n):
                text = " ".join(rng.choices(vocab, k=110) + rng.sample(COMMON_WORDS, 4)) + "."
                rows.append({"url": f"https://filler{i % 40}.example/a/{i}", "canonical_url":
                             f"https://filler{i % 40}.example/a/{i}", "source_name": f"Filler {i % 40}",
                             "title": " ".join(rng.choices(vocab, k=6)).capitalize(), "text": text, "authors": [],
                             "published": old, "language": "en", "fetched": old, "content_hash": content_hash(text),
                             "story_id": first + i // 3, "story_joined_at": old})
            for start in range(0, n, 1000):
                conn.execute(ArticleRow.__table__.insert(), rows[start:start + 1000])
    finally:
        store.close()


def sqlite_path(db: str) -> str:
    return db.removeprefix("sqlite:///")


def export(db: str) -> list[dict[str, Any]]:
    """Every stored article as `newsdesk export` prints it (read here: a process per look costs seconds)."""
    store = Store(db)
    try:
        return [json.loads(json.dumps(a.to_contract(), default=str)) for a in store.iter_articles()]
    finally:
        store.close()


def add_source(db: str, url: str) -> None:
    """A source in the (migrated) store, due now, as `newsdesk sources add URL --no-discover` adds it."""
    store = Store(db)
    try:
        store.migrate()
        store.add_source(url, interval=900)
    finally:
        store.close()


def submit_removal(db: str, url: str, client_address: str = "adversarial") -> int:
    """File a removal request naming `url` (the desk, as the web form does); returns its id."""
    from newsdesk.config import load_settings
    from newsdesk.removal import RemovalDesk, RemovalSubmission

    store = Store(db)
    try:
        desk = RemovalDesk(store, load_settings(database_url=db))
        receipt = desk.submit(RemovalSubmission(
            name="Rights Holder", email="rights@example.org", relationship="owner", reason="copyright",
            good_faith=True, urls=[url], details="reproduced without permission"), client_address)
        view = desk.get(receipt.public_id)
        assert view is not None
        return view.id
    finally:
        store.close()


# ---- the lab: what several attacks share ----------------------------------------------------------------

XSS_TITLE = "<script>alert(1)</script> Harbour bridge reopens in Brisvale"
MAIN_ARTICLES = 4000


@dataclass
class Lab:
    """A temporary folder and the shared live server, started on first use: a store of MAIN_ARTICLES generated
    articles (searches cost something) plus one story whose headline is a script tag, served without the
    background fetcher. Attacks that change what the server remembers (rate limits, a busy store) start their
    own server on a fresh store instead."""

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="newsdesk-adversarial-")))
    _main: Live | None = None
    _stack: list[Callable[[], None]] = field(default_factory=list)

    def folder(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def db(self, name: str) -> str:
        return f"sqlite:///{self.folder(name) / 'newsdesk.db'}"

    def main(self) -> Live:
        if self._main is None:
            db = self.db("main")
            store = Store(db)
            store.migrate()
            from newsdesk.models import Article
            from newsdesk.stories.engine import StoryEngine

            store.save_article(Article(url="https://hostile.example/news/1", title=XSS_TITLE,
                                       text=" ".join(prose(1, 6)), published=datetime.now(UTC)),
                               source_name="Hostile Gazette")
            StoryEngine(store).process_pending()
            store.close()
            fill_search_store(db, MAIN_ARTICLES)
            context = serve(db, self.folder("main"), "--no-background-fetch")
            self._main = context.__enter__()
            self._stack.append(lambda: context.__exit__(None, None, None))
        return self._main

    def close(self) -> None:
        while self._stack:
            self._stack.pop()()
        shutil.rmtree(self.root, ignore_errors=True)


def normal_path(path: str) -> str:
    """A request path as the attacks compare them: escapes decoded, runs of slashes and a trailing slash gone."""
    from urllib.parse import unquote

    p = re.sub(r"/{2,}", "/", unquote(path.split("?")[0]))
    return p.rstrip("/") or "/"

