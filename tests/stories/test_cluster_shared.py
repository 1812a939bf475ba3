"""Regression guard for the story clusterer on ECB+ dev (../shared/data/ecbplus; skipped when absent).

Figures, what was tried and why the issue's 0.95 is not reached: bench/clustering.py.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from pathlib import Path

import pytest

from newsdesk.models import StoryDoc
from newsdesk.stories.cluster import StoryClusterer

pytestmark = pytest.mark.integration

# Measured with the defaults: shuffled (seed 0) 0.823, grouped by topic 0.867 (bench/clustering.py).
# The target (0.95) is not met: it stays open, with the figures in its note, not as an xfail here.
REGRESSION_FLOOR = 0.80


def bcubed_f1(pred: list[int], gold: list[str]) -> float:
    by_pred: dict[int, set[int]] = defaultdict(set)
    by_gold: dict[str, set[int]] = defaultdict(set)
    for i, (p, g) in enumerate(zip(pred, gold, strict=True)):
        by_pred[p].add(i)
        by_gold[g].add(i)
    precision = sum(len(by_pred[p] & by_gold[g]) / len(by_pred[p]) for p, g in zip(pred, gold, strict=True))
    recall = sum(len(by_pred[p] & by_gold[g]) / len(by_gold[g]) for p, g in zip(pred, gold, strict=True))
    precision /= len(pred)
    recall /= len(pred)
    return 2 * precision * recall / (precision + recall)


def dev_scores(data: Path) -> dict[str, float]:
    path = data / "ecbplus" / "ecbplus-train-dev.jsonl"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    dev = [r for r in rows if r["split"] == "dev"]
    shuffled = dev[:]
    random.Random(0).shuffle(shuffled)
    orders = {"shuffled": shuffled, "grouped": sorted(dev, key=lambda r: int(r["topic"]))}
    scores = {}
    for name, ordered in orders.items():
        clusterer = StoryClusterer()
        pred = [clusterer.add(StoryDoc(id=r["id"], title=r["title"], text=r["text"])) for r in ordered]
        scores[name] = bcubed_f1(pred, [r["cluster"] for r in ordered])
    return scores


def test_bcubed_f1_on_ecbplus_dev_does_not_regress(shared_data):
    scores = dev_scores(shared_data)
    assert min(scores.values()) >= REGRESSION_FLOOR, scores
