"""Opinion joins its event's story; a round-up joins none and is joined by none: the live engine on a real store
(SQLite and PostgreSQL) with pages extracted as fetched, the decider alone in every arrival order, and
`newsdesk cluster` with and without a `genre` field."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from genre_corpus import DAY, PIECES, WRAP, cluster_records, html_page

from newsdesk.extract import extract_article
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.stories.engine import StoryDecider, StoryEngine
from newsdesk.stories.records import read_records

pytestmark = pytest.mark.both_engines


def save_pages(store: Store) -> dict[str, int]:
    """Each piece as its outlet serves it, extracted and stored as the collector does."""
    ids = {}
    for name, url, outlet, title, text, ld_type, _ in PIECES:
        article = extract_article(html_page(title, text, ld_type=ld_type, site=outlet), url)
        ids[name], created = store.save_article(article, source_name=outlet)
        assert created
    return ids


def test_opinion_joins_its_story_and_a_roundup_stays_apart(store):
    ids = save_pages(store)
    engine = StoryEngine(store)
    assert engine.process_pending() == 4
    stored = {a.id: a for a in store.iter_articles()}
    assert {name: stored[i].genre for name, i in ids.items()} == {
        "report": None, "editorial": "opinion", "op-ed": "opinion", "wrap": "roundup"}
    story = {name: stored[i].story_id for name, i in ids.items()}
    assert story["editorial"] == story["op-ed"] == story["report"]
    assert story["wrap"] != story["report"]
    event = store.get_story(story["report"])
    assert event.article_count == 3 and event.sources_count == 3  # opinion counts among the outlets
    assert store.get_story(story["wrap"]).article_count == 1
    detail = Reader(store).story(story["report"])
    assert [g.origin.id for g in detail.opinion] == [ids["editorial"], ids["op-ed"]]  # in time order
    assert [g.origin.id for g in detail.timeline] == [ids["report"]]

    # After a restart the round-up's story is still outside the index, and new reporting joins the event.
    restarted = StoryEngine(store)
    assert story["wrap"] in restarted.decider.apart and not restarted.decider.clusterer.holds(story["wrap"])
    assert restarted.decider.clusterer.holds(story["report"])
    later, _ = store.save_article(Article(
        url="https://veyrapost.example/news/2025/05/07/saltmarsh-residents-petition",
        title="Saltmarsh residents petition Port Veyra to keep a weekday ferry",
        text=("More than 1,200 residents of the Saltmarsh island district signed a petition on Wednesday asking "
              "the Port Veyra city council to keep a weekday ferry across the Veyra estuary after it voted to "
              "close the Saltmarsh terminal.\n\nMayor Ilsa Brandt said she would meet the petitioners but that "
              "the 14 million crowns the piers need were not in the budget."),
        published=DAY), source_name="Estuary Courier")
    assert restarted.process_pending() == 1
    assert next(a for a in store.iter_articles() if a.id == later).story_id == story["report"]


def docs(order: tuple[str, ...], genre_field: bool | None):
    by_name = {r["id"]: json.dumps(r) for r in cluster_records(genre_field=genre_field)}
    return list(read_records([by_name[name] for name in order]))


@pytest.mark.parametrize("order", list(itertools.permutations(["report", "editorial", "op-ed", "wrap"])))
def test_in_any_arrival_order_the_wrap_is_alone_and_the_opinion_with_the_report(order):
    decider = StoryDecider()
    story = {d.id: decider.assign(d).story_id for d in docs(order, genre_field=True)}
    assert story["editorial"] == story["op-ed"] == story["report"] != story["wrap"]


def test_without_its_label_the_wrap_would_join_the_story():
    """The control: the same texts, all told as reporting, group the wrap with the event (as the issue saw)."""
    for order in (("report", "editorial", "op-ed", "wrap"), ("wrap", "report", "editorial", "op-ed")):
        decider = StoryDecider()
        story = {d.id: decider.assign(d).story_id for d in docs(order, genre_field=False)}
        assert story["wrap"] == story["report"]


def test_a_reprint_of_a_roundup_goes_into_the_roundups_story():
    decider = StoryDecider()
    wrap, report = docs(("wrap", "report"), genre_field=True)
    reprint = next(read_records([json.dumps({"id": "reprint", "title": "Saltmarsh Lines slides", "text": WRAP,
                                             "url": "https://another.example/business/saltmarsh-lines-slides",
                                             "published": DAY.isoformat()})]))
    assert reprint.genre is None  # its headline carries no label; its text is the wrap's
    story = {d.id: decider.assign(d).story_id for d in (wrap, report, reprint)}
    assert story["reprint"] == story["wrap"] != story["report"]
    assert decider.clusterer.holds(story["report"]) and not decider.clusterer.holds(story["wrap"])


ROOT = Path(__file__).resolve().parents[2]


def run_cluster(tmp_path: Path, records: list[dict], extra_lines: tuple[str, ...] = ()) -> tuple[dict, str, int]:
    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join([*(json.dumps(r) for r in records), *extra_lines]) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "cluster", str(path)], capture_output=True,
                          text=True, timeout=300, env=env)
    lines = dict(line.split("\t") for line in done.stdout.splitlines())
    return lines, done.stderr, done.returncode


def test_newsdesk_cluster_reads_the_genre_field_or_the_labels_of_url_and_title(tmp_path):
    bad = json.dumps({"id": "bad", "title": "Saltmarsh", "text": "Ferry.", "genre": "satire"})
    found, err, code = run_cluster(tmp_path, cluster_records(genre_field=None), (bad,))
    assert code == 1 and "'genre' must be one of opinion, roundup or null, not 'satire'" in err
    assert list(found) == ["report", "editorial", "op-ed", "wrap"]  # the bad line skipped, the others go on
    assert found["editorial"] == found["op-ed"] == found["report"] != found["wrap"]
    given, _, code = run_cluster(tmp_path, cluster_records(genre_field=True))
    assert code == 0 and given == found
    null, _, code = run_cluster(tmp_path, cluster_records(genre_field=False))  # "genre": null says reporting
    assert code == 0 and null["wrap"] == null["report"]


def test_newsdesk_import_stores_the_genre_and_stories_show_marks_opinion(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    for name, url, outlet, title, text, ld_type, _ in PIECES:
        (pages / f"{name}.html").write_text(html_page(title, text, ld_type=ld_type, site=outlet, url=url),
                                            encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}",
           "NEWSDESK_ANALYSIS_BATCH": "0", "COLUMNS": "200"}

    def newsdesk(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "newsdesk.cli", *args], capture_output=True, text=True,
                              timeout=300, env=env)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "4 stored" in newsdesk("import", str(pages))
    exported = {r["url"]: r for r in map(json.loads, newsdesk("export").splitlines())}
    genre = {name: exported[url]["genre"] for name, url, *_ in PIECES}
    assert genre == {"report": None, "editorial": "opinion", "op-ed": "opinion", "wrap": "roundup"}
    report = exported[PIECES[0][1]]["story_id"]
    shown = newsdesk("stories", "show", str(report))
    assert shown.count("(opinion)") == 2 and "Markets wrap" not in shown
