"""One bad article never stops the story stage: its failure is recorded on it, the others are grouped, it is tried
again on the next passes and set aside after three, until the software changes (SQLite and PostgreSQL).

The bad article is real: a 2 MB text, which the stage cannot fold and group within the one-second budget these
tests give each article (`article_time_budget`; 20 s by default), so its work stops with TimeBudgetError."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from corpus import records
from sqlalchemy import text

from newsdesk.config import Settings
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.repository import STORIES_STAGE
from newsdesk.store.schema import MAX_STAGE_ATTEMPTS
from newsdesk.stories.engine import STORIES_SOFTWARE, StoryEngine

pytestmark = pytest.mark.both_engines

BUDGET = 1.0


def huge_text() -> str:
    # Sentences that differ (numbers, places): no copy of anything, 4 MB to featurise, sign and split.
    return "\n\n".join(f"Council meeting {i} in district {i % 97} counted {i * 7} votes for the plan {i % 13}."
                       for i in range(27_000))


def save(store: Store, source_id: int, url: str, title: str, body: str, when: datetime | None) -> int:
    article_id, created = store.save_article(Article(url=url, title=title, text=body, published=when),
                                             source_id=source_id, source_name="Gazette")
    assert created
    return article_id


def failure_of(store: Store, article_id: int):
    found = [f for f in store.stage_failures(STORIES_STAGE) if f.article_id == article_id]
    return found[0] if found else None


def test_a_failing_article_is_recorded_retried_set_aside_and_retried_after_a_new_version(store, db_url):
    settings = Settings(database_url=db_url, article_time_budget=BUDGET)
    source, _ = store.add_source("https://gazette.example/feed.xml", interval=900)
    recs = [records()[i] for i in (0, 1, 3)]  # the quake wire story, a reprint, an independent report of it
    ids = [save(store, source.id, r["url"], r["title"], r["text"],
                datetime.fromisoformat(r["published"]) if r.get("published") else None) for r in recs[:2]]
    bad = save(store, source.id, "https://gazette.example/minutes", "Council minutes", huge_text(),
               datetime(2025, 9, 1, tzinfo=UTC))
    ids.append(save(store, source.id, recs[2]["url"], recs[2]["title"], recs[2]["text"],
                    datetime.fromisoformat(recs[2]["published"]) if recs[2].get("published") else None))

    engine = StoryEngine(store, settings=settings)
    assert engine.process_pending() == 3 and engine.failed == 1  # the others are grouped, after it too
    placed = {a.id: a.story_id for a in store.iter_articles()}
    assert placed[bad] is None and len({placed[i] for i in ids}) == 1  # one quake, one story
    story = store.get_story(placed[ids[0]])
    assert story.article_count == 3 and story.brief
    failure = failure_of(store, bad)
    assert failure.attempts == 1 and failure.software == STORIES_SOFTWARE and not failure.set_aside
    assert failure.error.startswith("TimeBudgetError: article") and f"{BUDGET:g} s" in failure.error
    assert failure.source_id == source.id

    for attempt in range(2, MAX_STAGE_ATTEMPTS + 1):  # the next passes try it again (a restart each time)
        engine = StoryEngine(store, settings=settings)
        assert engine.process_pending() == 0 and engine.failed == 1
        assert failure_of(store, bad).attempts == attempt
    assert failure_of(store, bad).set_aside

    # Set aside: not tried again, while new articles still go through.
    tried = failure_of(store, bad).last_at
    late = save(store, source.id, "https://gazette.example/late", "Orchestra names new conductor",
                "The city orchestra appointed a conductor from its own violin section on Friday.", None)
    engine = StoryEngine(store, settings=settings)
    assert engine.process_pending() == 1 and engine.failed == 0
    assert failure_of(store, bad).last_at == tried and failure_of(store, bad).attempts == MAX_STAGE_ATTEMPTS
    assert store.pending_articles(software=STORIES_SOFTWARE) == []
    assert [a.id for a in store.pending_articles()] == [bad]  # still waiting for a story, only set aside
    assert next(a.story_id for a in store.iter_articles() if a.id == late) is not None

    # Visible per source: `sources list`.
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db_url}
    listed = subprocess.run([sys.executable, "-m", "newsdesk.cli", "sources", "list", "--json"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    row = json.loads(listed.stdout.splitlines()[0])
    assert row["articles_failed"] == 1 and row["articles_set_aside"] == 1
    assert row["last_article_error"].startswith("stories: TimeBudgetError: article")
    table = subprocess.run([sys.executable, "-m", "newsdesk.cli", "sources", "list", "--wide"], capture_output=True,
                           text=True, timeout=120, env={**env, "COLUMNS": "250"})
    assert "1 (1 set aside)" in table.stdout and "article: stories: TimeBudgetError" in table.stdout

    # A new version of the software (here: failures recorded by an older one) tries it again, from attempt one.
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE article_failures SET software = 'newsdesk-stories/0 newsdesk/0.0.0'"))
    engine = StoryEngine(store, settings=settings)
    assert engine.process_pending() == 0 and engine.failed == 1
    assert failure_of(store, bad).attempts == 1 and failure_of(store, bad).software == STORIES_SOFTWARE
    # ... and with time enough (the default budget) it joins a story, and its failure is forgotten.
    engine = StoryEngine(store, settings=Settings(database_url=db_url))
    assert engine.process_pending() == 1 and engine.failed == 0
    assert next(a.story_id for a in store.iter_articles() if a.id == bad) is not None
    assert failure_of(store, bad) is None and store.source_failures() == {}
