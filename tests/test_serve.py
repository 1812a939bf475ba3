"""`newsdesk serve` as a user starts it: a real uvicorn process, real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

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
