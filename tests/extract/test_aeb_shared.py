"""Integration: every page of the Zyte article-extraction benchmark (../shared/data/aeb) extracts, and
the body F1 with the benchmark's metric stays above a regression guard (bench/extraction.py has the
full benchmark, with timings and the plain-trafilatura baseline)."""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

import pytest

from newsdesk.extract import extract_article

pytestmark = pytest.mark.integration

F1_GUARD = 0.955  # the bench target is 0.960; the default configuration measures about 0.975

_BENCH = Path(__file__).resolve().parents[2] / "bench" / "extraction.py"


def _bench_module():
    spec = importlib.util.spec_from_file_location("newsdesk_bench_extraction", _BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_CACHE: dict[Path, tuple] = {}


@pytest.fixture
def aeb_results(shared_data):
    """One extraction pass over the benchmark, shared by the tests of this module."""
    aeb = shared_data / "aeb"
    if not (aeb / "ground-truth.json").is_file():
        pytest.skip(f"aeb benchmark not found in {aeb}")
    if aeb not in _CACHE:
        bench = _bench_module()
        logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
        pages, truth = bench.load_pages(aeb)
        articles = {key: extract_article(html, truth[key].get("url")) for key, html in pages.items()}
        _CACHE[aeb] = (bench, pages, truth, articles)
    return _CACHE[aeb]


def test_metric_matches_the_benchmark_definition():
    bench = _bench_module()
    assert bench.page_scores("a b c d e", "a b c d e") == (1.0, 0.0, 0.0)
    tp, fp, fn = bench.page_scores("one two three four five", "one two three four")
    assert (tp, fp, fn) == (1 / 2, 0.0, 1 / 2)  # shingles: {1234, 2345} against {1234}
    assert bench.page_scores("", "") == (0.0, 0.0, 0.0)
    assert bench.page_scores("short text", "short text") == (1.0, 0.0, 0.0)  # < 4 tokens: one shingle
    # an empty prediction counts 0 in recall and is left out of the precision mean
    p, r, f1 = bench.precision_recall_f1([(1.0, 0.0, 0.0), (0.0, 0.0, 1.0)])
    assert (p, r) == (1.0, 0.5) and abs(f1 - 2 / 3) < 1e-12


def test_every_page_extracts_non_empty_text(aeb_results):
    _, pages, _, articles = aeb_results
    assert len(articles) == len(pages) >= 180
    empty = [key for key, art in articles.items() if not art.text.strip()]
    assert not empty
    assert all(art.title for art in articles.values())


def test_body_f1_stays_above_the_guard(aeb_results):
    bench, pages, truth, articles = aeb_results
    scores = [bench.page_scores(truth[k].get("articleBody", ""), articles[k].text) for k in pages]
    precision, recall, f1 = bench.precision_recall_f1(scores)
    assert f1 >= F1_GUARD, f"F1 {f1:.4f} (P {precision:.4f}, R {recall:.4f}) fell below {F1_GUARD}"
