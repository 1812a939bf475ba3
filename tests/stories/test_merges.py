"""Issue 15 item 2: stories merge when one article shows they are one event. A real store (SQLite and PostgreSQL),
the live engine with merges on (tests/one_event.py: one flood told two ways, then a report that tells both), the
removal desk, and `newsdesk cluster`'s path on the same articles."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest
from one_event import ARTICLES, LATER, MERGING, article, doc

from newsdesk.analyze.stage import story_analysis
from newsdesk.config import Settings
from newsdesk.keys import entity_key, utcnow
from newsdesk.passes import story_engine
from newsdesk.removal import RemovalDesk, RemovalSubmission
from newsdesk.store import Store
from newsdesk.store.queries import Reader
from newsdesk.store.repository import AnalysisRecord
from newsdesk.stories.engine import StoryEngine, cluster_stream

pytestmark = pytest.mark.both_engines

FLOOD, FLOOD_AGAIN, RELIEF, BRIDGE = range(4)


def save(store: Store, item) -> int:
    a, source = article(item)
    article_id, created = store.save_article(a, source_name=source)
    assert created
    return article_id


def story_of(store: Store) -> dict[int, int]:
    return {a.id: a.story_id for a in store.iter_articles()}


def two_stories_then_the_bridge(store: Store) -> tuple[list[int], int, int]:
    """The flood reports and the relief report in one pass (two stories), the bridging report in the next.
    Returns the article ids (in ARTICLES order), the flood's story and the relief's."""
    ids = [save(store, item) for item in ARTICLES[:3]]
    assert StoryEngine(store, MERGING).process_pending() == 3
    before = story_of(store)
    flood, relief = before[ids[FLOOD]], before[ids[RELIEF]]
    assert before[ids[FLOOD_AGAIN]] == flood and relief != flood and flood < relief
    ids.append(save(store, ARTICLES[BRIDGE]))
    return ids, flood, relief


def test_a_chain_of_merges_points_every_merged_story_at_the_last_survivor(store):
    ids = [save(store, item) for item in ARTICLES[:3]]
    first, second, third = (store.create_story() for _ in range(3))
    joined = utcnow()
    for article_id, story_id in zip(ids, (first, second, third), strict=True):
        store.assign_story(article_id, story_id, duplicate_of=None, minhash=None, joined_at=joined)
    assert store.merge_stories(second, third, [ids[1], ids[2]], analysis=None, article_count=2)
    assert store.merge_stories(first, second, ids, analysis=None, article_count=3)
    assert store.get_story(third).merged_into == first  # not a chain through `second`
    assert [store.final_story(i) for i in (first, second, third)] == [first, first, first]
    assert set(story_of(store).values()) == {first}
    assert store.get_story(first).article_count == 3
    assert sorted(store.merges_since(joined)) == [(first, second), (first, third)]
    # Merging a story again, or into one that went, or with members that are not the stories' own, writes nothing.
    assert not store.merge_stories(first, third, ids, analysis=None, article_count=0)
    assert not store.merge_stories(second, first, ids, analysis=None, article_count=0)
    fourth = store.create_story()
    assert not store.merge_stories(first, fourth, ids[:2], analysis=None, article_count=0)
    assert store.get_story(fourth).merged_into is None and store.get_story(first).article_count == 3


def test_an_article_that_reaches_two_stories_merges_them_into_the_older(store):
    ids, flood, relief = two_stories_then_the_bridge(store)
    assert StoryEngine(store, MERGING).process_pending() == 1
    assert set(story_of(store).values()) == {flood}  # every article, the relief report too, in the older story
    kept, gone = store.get_story(flood), store.get_story(relief)
    assert gone is not None and gone.merged_into == flood  # the row stays: its id is never given again
    assert (gone.article_count, gone.sources_count, gone.brief, gone.entities) == (0, 0, [], [])
    assert kept.merged_into is None
    assert (kept.article_count, kept.sources_count, kept.independent_sources_count) == (4, 4, 4)
    assert kept.first_published == article(ARTICLES[FLOOD])[0].published
    assert kept.last_published == article(ARTICLES[BRIDGE])[0].published
    cited = {c["article_id"] for sentence in kept.brief for c in sentence["citations"]}
    assert cited <= set(ids) and cited & {ids[RELIEF], ids[BRIDGE]}  # the brief is the merged story's
    reader = Reader(store)
    detail = reader.story(flood)
    assert sorted(g.origin.id for g in detail.timeline) == sorted(ids)
    assert reader.story(relief).story.merged_into == flood
    # Lists never show the merged story: one event, one story.
    assert [s.id for s in reader.front_page().items] == [flood]
    assert [s.id for s in reader.latest_stories().items] == [flood]


def test_the_survivor_s_entities_are_those_of_every_article_it_took(store):
    """With the analysis roll-up (as the service runs it): the merged story's people join the survivor's, and
    the entity index no longer lists the merged story."""
    ids, flood, relief = two_stories_then_the_bridge(store)
    people = {ids[FLOOD]: "Nora Fells", ids[FLOOD_AGAIN]: "Nora Fells", ids[RELIEF]: "Samuel Okafor"}
    store.save_analyses([AnalysisRecord(i, [{"name": name, "type": "PERSON", "mentions": 2}], [], "test")
                         for i, name in people.items()], story_analysis)
    assert [e["name"] for e in store.get_story(relief).entities] == ["Samuel Okafor"]
    assert story_engine(store, config=MERGING).process_pending() == 1
    assert {e["name"] for e in store.get_story(flood).entities} == {"Nora Fells", "Samuel Okafor"}
    assert store.get_story(relief).entities == []
    okafor = Reader(store).entity(entity_key("Samuel Okafor", "PERSON"))
    assert okafor is not None and okafor.stories == 1
    assert [s.id for s in Reader(store).entity_stories(okafor.key).items] == [flood]


def test_a_merge_within_one_pass_places_every_article_in_the_survivor(store):
    """The relief report and the bridge arrive in the same pass: the relief's story merges before either is
    written, and the relief report is written straight into the survivor."""
    ids = [save(store, item) for item in ARTICLES]
    engine = StoryEngine(store, MERGING)
    assert engine.process_pending() == 4
    stories = story_of(store)
    (survivor,) = set(stories.values())
    (into, gone), = engine.decider.clusterer.merges
    assert survivor == into == stories[ids[FLOOD]] < gone
    assert store.get_story(gone).merged_into == survivor
    assert store.get_story(survivor).article_count == 4


def test_after_a_restart_a_new_article_of_the_merged_story_joins_the_survivor(store):
    ids, flood, relief = two_stories_then_the_bridge(store)
    StoryEngine(store, MERGING).process_pending()
    restarted = StoryEngine(store, MERGING)
    assert restarted.decider.clusterer.resolve(relief) == flood  # the merge is known again after a restart
    later = save(store, LATER)
    assert restarted.process_pending() == 1
    assert story_of(store)[later] == flood
    assert store.get_story(flood).article_count == 5
    assert store.get_story(relief).article_count == 0


def test_a_merge_made_by_another_process_is_followed(store):
    """Two engines on one store (`newsdesk fetch` beside `serve`): the one that did not merge learns of it at its
    next pass, and its next article of the merged story goes to the survivor."""
    ids, flood, relief = two_stories_then_the_bridge(store)
    beside = StoryEngine(store, MERGING)  # holds the two stories apart
    StoryEngine(store, MERGING).process_pending()  # merges them
    later = save(store, LATER)
    assert beside.process_pending() == 1
    assert story_of(store)[later] == flood
    assert beside.decider.clusterer.resolve(relief) == flood
    assert store.get_story(relief).article_count == 0
    assert store.get_story(flood).article_count == 5


def test_a_removal_request_naming_a_merged_story_removes_the_survivor(store, db_url):
    ids, flood, relief = two_stories_then_the_bridge(store)
    StoryEngine(store, MERGING).process_pending()
    desk = RemovalDesk(store, Settings(database_url=db_url))
    receipt = desk.submit(RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="subject",
                                            reason="privacy", good_faith=True, story_ids=[relief],
                                            details="The story names me."), client="192.0.2.1")
    report = desk.accept(receipt.public_id, actor="cli", reason="Private person named.")
    assert sorted(report.article_ids) == sorted(ids)
    assert report.stories_emptied == [flood]
    assert store.get_story(flood).removal_request_id == report.request_id
    assert store.get_story(relief).merged_into == flood  # still leads there (where the notice is)
    assert store.count_articles() == 0


def test_an_article_set_aside_before_a_merge_comes_back_into_the_survivor(store, db_url):
    """A provisional removal sets the relief report aside; its story (a second report of the fund) then merges
    into the flood's; the request is rejected: the report comes back into the merged story, not into the story
    that went."""
    ids = [save(store, item) for item in [*ARTICLES[:3], LATER]]
    StoryEngine(store, MERGING).process_pending()
    stories = story_of(store)
    flood, relief = stories[ids[FLOOD]], stories[ids[RELIEF]]
    assert stories[ids[3]] == relief != flood
    desk = RemovalDesk(store, Settings(database_url=db_url, removal_provisional=True))
    receipt = desk.submit(RemovalSubmission(name="Ada Example", email="ada@example.com", relationship="owner",
                                            reason="copyright", good_faith=True, urls=[ARTICLES[RELIEF][3]],
                                            details="We own this report."), client="192.0.2.1")
    assert receipt.provisional and ids[RELIEF] not in story_of(store)
    save(store, ARTICLES[BRIDGE])
    StoryEngine(store, MERGING).process_pending()
    assert store.get_story(relief).merged_into == flood
    desk.reject(receipt.public_id, actor="cli", reason="Not the requester's report.")
    assert story_of(store)[ids[RELIEF]] == flood
    assert store.get_story(flood).article_count == 5
    assert store.get_story(relief).article_count == 0


def test_stories_show_names_the_survivor_of_a_merged_story(store, db_url):
    ids, flood, relief = two_stories_then_the_bridge(store)
    StoryEngine(store, MERGING).process_pending()
    shown = subprocess.run([sys.executable, "-m", "newsdesk.cli", "--db", db_url, "stories", "show", str(relief)],
                           capture_output=True, text=True, timeout=120, env={**os.environ, "COLUMNS": "200"})
    assert shown.returncode == 0, shown.stderr
    assert f"story {relief} was merged into story {flood}" in shown.stderr
    assert "4 article(s) from 4 source(s)" in shown.stdout and ARTICLES[RELIEF][0] in shown.stdout  # timeline


def test_newsdesk_cluster_prints_each_article_s_story_after_the_merges():
    docs = [doc(f"a{i}", item) for i, item in enumerate(ARTICLES)]
    merged = dict(cluster_stream(docs, config=MERGING))
    assert list(merged) == [d.id for d in docs]  # input order
    assert len(set(merged.values())) == 1  # the relief report's line names the story it ended in
    apart = dict(cluster_stream([doc(f"a{i}", item) for i, item in enumerate(ARTICLES)],
                                config=replace(MERGING, merge=False)))
    assert apart["a2"] != apart["a0"]  # without merges the relief report stays in its own story
