"""/metrics in the Prometheus text format, and /healthz."""

from __future__ import annotations

import re

import pytest

from newsdesk.store import Store
from newsdesk.store.schema import MAX_STAGE_ATTEMPTS

SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+Inf]+$')

pytestmark = pytest.mark.both_engines


def test_metrics_format_and_figures(site):
    site.get("/")
    site.get("/api/stories")
    site.get("/stories/424242")
    r = site.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain; version=0.0.4")
    values = {}
    for line in r.text.splitlines():
        if line.startswith("#"):
            assert re.match(r"^# (HELP|TYPE) [a-z_]+ .+$", line), line
            continue
        assert SAMPLE.match(line), line
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    assert values["newsdesk_articles"] == len(site.story_of)
    assert values["newsdesk_stories"] == len(set(site.story_of.values()))
    assert values["newsdesk_sources"] == 3 and values["newsdesk_fetch_errors"] == 1
    assert values["newsdesk_fetch_warnings"] == 0
    assert values['newsdesk_http_requests_total{method="GET",route="/",status="200"}'] >= 1
    assert values['newsdesk_http_requests_total{method="GET",route="/stories/{story_id}",status="404"}'] >= 1
    count = values['newsdesk_http_request_duration_seconds_count{method="GET",route="/api/stories"}']
    # prometheus_client writes a series' labels in name order: `le` first.
    assert values['newsdesk_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/api/stories"}'] == count
    assert "# TYPE newsdesk_http_request_duration_seconds histogram" in r.text


def metric_values(text: str) -> dict[str, float]:
    return {line.rsplit(" ", 1)[0]: float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
            if not line.startswith("#")}


def test_metrics_count_article_failures_and_set_aside_articles_per_stage(site, start_site):
    values = metric_values(site.get("/metrics").text)
    for stage in ("stories", "analysis"):
        assert values[f'newsdesk_article_failures{{stage="{stage}"}}'] == 0
        assert values[f'newsdesk_articles_set_aside{{stage="{stage}"}}'] == 0

    def fail(db: str) -> None:  # failures as the stages record them (tests/stories, tests/analyze make them)
        store = Store(db)
        first, second = [a.id for a in store.iter_articles()][:2]
        for _ in range(MAX_STAGE_ATTEMPTS):
            store.record_stage_failure(first, "stories", software="newsdesk-stories/1", error="TimeBudgetError: x")
        store.record_stage_failure(first, "analysis", software="a/1", error="ValueError: y")
        store.record_stage_failure(second, "analysis", software="a/1", error="ValueError: y")
        store.close()

    own = start_site(fail)
    r = own.get("/metrics")
    assert "# TYPE newsdesk_articles_set_aside gauge" in r.text
    values = metric_values(r.text)
    assert values['newsdesk_article_failures{stage="stories"}'] == 1
    assert values['newsdesk_articles_set_aside{stage="stories"}'] == 1
    assert values['newsdesk_article_failures{stage="analysis"}'] == 2
    assert values['newsdesk_articles_set_aside{stage="analysis"}'] == 0
    # The source's page says so too.
    page = own.get(f"/sources/{own.sources['Wire Agency']}").text
    assert "Articles that failed" in page and "1 (1 set aside until newsdesk is updated)" in page
    # And the API: per source, the articles that failed (in any stage, once each) and those set aside.
    wire_id = own.sources["Wire Agency"]
    listed = {s["id"]: s for s in own.get("/api/sources").json()["sources"]}
    wire = own.get(f"/api/sources/{wire_id}").json()
    for shown in (listed[wire_id], wire):
        assert (shown["articles_failed"], shown["articles_set_aside"]) == (1, 1)
    assert sum(s["articles_set_aside"] for s in listed.values()) == 1


def test_healthz(site):
    r = site.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "articles": len(site.story_of)}
