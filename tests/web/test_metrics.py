"""/metrics in the Prometheus text format, and /healthz."""

from __future__ import annotations

import re

import pytest

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
    assert values['newsdesk_http_requests_total{method="GET",route="/",status="200"}'] >= 1
    assert values['newsdesk_http_requests_total{method="GET",route="/stories/{story_id}",status="404"}'] >= 1
    count = values['newsdesk_http_request_duration_seconds_count{method="GET",route="/api/stories"}']
    assert values['newsdesk_http_request_duration_seconds_bucket{method="GET",route="/api/stories",le="+Inf"}'] == count
    assert "# TYPE newsdesk_http_request_duration_seconds histogram" in r.text


def test_healthz(site):
    r = site.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok", "articles": len(site.story_of)}
