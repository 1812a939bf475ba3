"""Stories end to end: a real store (SQLite and PostgreSQL), the live engine, and `newsdesk cluster` on the same
articles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from corpus import INDEPENDENT_QUAKE, QUAKE_DAY, records

from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine
from newsdesk.stories.records import read_records

pytestmark = pytest.mark.both_engines


def save(store: Store, rec: dict) -> int:
    published = read_records([json.dumps(rec)]).__next__().published
    article_id, created = store.save_article(
        Article(url=rec["url"], title=rec["title"], text=rec["text"], published=published), source_name=rec["source"]
    )
    assert created
    return article_id


def stories_by_article(store: Store) -> dict[int, int]:
    return {a.id: a.story_id for a in store.iter_articles()}


def test_copies_fold_into_one_story_and_count_once(store):
    ids = [save(store, r) for r in records()]
    assert StoryEngine(store).process_pending() == len(ids)
    story = stories_by_article(store)
    quake = story[1]
    assert {story[i] for i in (1, 2, 3, 4, 5)} == {quake}
    assert len({quake, story[6], story[7]}) == 3  # the election and the quake a year later stand apart
    rows = {a.id: a for a in store.iter_articles()}
    assert [rows[i].duplicate_of for i in (1, 2, 3, 4, 5)] == [None, 1, 1, None, 1]
    row = store.get_story(quake)
    assert row.article_count == 5
    assert row.sources_count == 5
    assert row.independent_sources_count == 2  # the wire story and the independent report


def test_brief_is_cited_verbatim_and_headline_appears_once(store):
    for r in records():
        save(store, r)
    StoryEngine(store).process_pending()
    texts = {a.id: a.text for a in store.iter_articles()}
    urls = {a.id: a.url for a in store.iter_articles()}
    story = store.get_story(stories_by_article(store)[1])
    assert story.headline and " - " not in story.headline and " | " not in story.headline
    assert 3 <= len(story.brief) <= 6
    for sentence in story.brief:
        assert sentence["citations"], sentence
        assert sentence["text"] != story.headline
        # verbatim in the article it was taken from (the first citation); the others carry the same or
        # nearly the same sentence
        assert sentence["text"] in texts[sentence["citations"][0]["article_id"]]
        for c in sentence["citations"]:
            assert c["url"] == urls[c["article_id"]]
    cited = {c["article_id"] for s in story.brief for c in s["citations"]}
    assert 4 in cited  # the independent report corroborates at least one sentence


def test_ids_are_stable_and_late_articles_join_after_a_restart(store):
    for r in records():
        save(store, r)
    StoryEngine(store).process_pending()
    before = stories_by_article(store)
    late = {"id": 8, "title": "Marrask counts the cost of Tuesday's earthquake", "text": INDEPENDENT_QUAKE.replace(
        "Rescuers in Marrask worked through the night on Tuesday", "Two days on, rescuers in Marrask kept digging"),
        "published": (QUAKE_DAY + timedelta(days=2)).isoformat(), "url": "https://late.example/8", "source": "Late"}
    late_id = save(store, late)
    restarted = StoryEngine(store)  # a new process: state comes back from the store
    # every member of a story active within the window is back (article 5 is undated: its fetch time counts)
    assert {1, 2, 3, 4, 5} <= set(restarted.decider.story_of)
    assert restarted.process_pending() == 1
    after = stories_by_article(store)
    assert {k: after[k] for k in before} == before  # nobody moved
    assert after[late_id] == before[1]
    timeline = store.story_members(before[1])
    assert [a.id for a in timeline][-1] == late_id
    assert all(a.story_joined_at for a in timeline)
    assert store.get_story(before[1]).updated_at >= timeline[0].story_joined_at


def test_cluster_command_runs_the_live_path(tmp_path, store):
    path = tmp_path / "articles.jsonl"
    recs = records()
    lines = [json.dumps(r) for r in recs]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n")
    env = {**os.environ, "NEWSDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'untouched.db'}"}
    proc = subprocess.run([sys.executable, "-m", "newsdesk.cli", "cluster", str(path)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 1  # the bad line is reported ...
    assert f"{path}:4: not JSON" in proc.stderr
    pairs = [line.split("\t") for line in proc.stdout.splitlines()]  # ... and every good article is printed
    assert [p[0] for p in pairs] == [str(r["id"]) for r in recs]
    assert not (tmp_path / "untouched.db").exists()
    for r in recs:
        save(store, r)
    StoryEngine(store).process_pending()
    live = stories_by_article(store)

    def partition(assignments: dict) -> set[frozenset]:
        groups: dict = {}
        for article, story in assignments.items():
            groups.setdefault(story, set()).add(str(article))
        return {frozenset(g) for g in groups.values()}

    assert partition(dict(pairs)) == partition(live)
