"""The pass as every caller runs it (newsdesk.passes): the story engine it makes writes the analysis roll-up with a
story, a store failure while grouping drops the engine's memory (the next pass rebuilds it from the store), analysis
switched off by a configuration error is told once through the caller's hook, and `work_waiting` says when a
grouping or analysis run is due (the scheduler asks for one)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import OperationalError

from newsdesk.analyze.nlp import ModelMissingError
from newsdesk.analyze.stage import AnalysisStage
from newsdesk.config import Settings
from newsdesk.models import Article
from newsdesk.passes import Passes, work_waiting
from newsdesk.stories.engine import StoryEngine

pytestmark = pytest.mark.both_engines


def save(store, n: int) -> int:
    article_id, _ = store.save_article(Article(
        url=f"https://valleytimes.example/{n}", title=f"Footbridge {n} opens in Ashcombe",
        text=f"Regional governor Lena Vogt opened footbridge {n} in Ashcombe on Tuesday.",
        published=datetime(2024, 6, 5, tzinfo=UTC)), source_name="Valley Times")
    return article_id


def test_the_engine_of_a_pass_rolls_up_the_analysis(store, db_url):
    passes = Passes(Settings(database_url=db_url), store, "a test")
    assert passes.stories.roll_up is not None
    assert StoryEngine(store).roll_up is None  # a bare engine leaves a story's analysis to the analysis stage


def test_a_store_failure_while_grouping_drops_the_engine(store, db_url, monkeypatch):
    passes = Passes(Settings(database_url=db_url), store, "a test")
    first = passes.stories

    def unreachable(self, **_):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(StoryEngine, "process_pending", unreachable)
    with pytest.raises(OperationalError):
        passes.group()
    monkeypatch.undo()
    save(store, 1)
    assert passes.group() == 1 and passes.stories is not first


def test_grouping_beside_a_fetch_leaves_what_arrives_meanwhile_for_the_next_call(store, db_url, monkeypatch):
    """`serve` groups while its fetch stores (BackgroundFetcher): such a call takes what waited when it began, not
    each article stored while it works (each would write its story again), which the next call takes."""
    passes = Passes(Settings(database_url=db_url, analysis_batch=0), store, "a test")
    save(store, 1)
    read, arrivals = store.pending_articles, iter(range(2, 5))

    def a_fetch_stores_meanwhile(*args, **kwargs):
        batch = read(*args, **kwargs)
        if (n := next(arrivals, None)) is not None:
            save(store, n)
        return batch

    monkeypatch.setattr(store, "pending_articles", a_fetch_stores_meanwhile)
    assert passes.group(chase=False) == 1 and len(read()) == 1
    assert passes.group() == 3 and read() == []  # the end of a pass chases: what arrived is placed


def test_analysis_switched_off_is_told_once_through_the_hook(store, db_url, monkeypatch):
    told = []

    def missing(self, *args, **kwargs):
        raise ModelMissingError("spaCy model 'x' is not installed")

    monkeypatch.setattr(AnalysisStage, "process_pending", missing)
    passes = Passes(Settings(database_url=db_url, analysis_batch=5), store, "a test", on_analysis_off=told.append)
    assert passes.analyse() == 0 and passes.analyse() == 0
    assert [str(e) for e in told] == ["spaCy model 'x' is not installed"] and passes.analysis.off


def test_work_waiting_for_grouping_then_for_analysis_unless_it_is_off(store, db_url):
    on, off = Settings(database_url=db_url, analysis_batch=5), Settings(database_url=db_url, analysis_batch=0)
    assert not work_waiting(store, on)
    save(store, 1)
    assert work_waiting(store, on) and work_waiting(store, off)
    Passes(off, store, "a test").group()
    assert work_waiting(store, on) and not work_waiting(store, off)
