"""The OpenAPI document checked with schemathesis against the live server: every GET endpoint, a bounded
number of generated requests each; no answer may be a 5xx, and every answer must match its schema and be
a documented status code."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance


@pytest.fixture(scope="session")
def api_schema(site):
    return schemathesis.openapi.from_url(f"{site.url}/openapi.json")


ENDPOINTS = ["/api/stories", "/api/stories/{story_id}", "/api/articles", "/api/articles/{article_id}",
             "/api/sources", "/api/sources/{source_id}", "/api/search"]


def test_openapi_document_describes_every_endpoint(site):
    doc = site.get("/openapi.json").json()
    assert sorted(doc["paths"]) == sorted(ENDPOINTS)
    for path in ENDPOINTS:
        op = doc["paths"][path]["get"]
        assert "$ref" in op["responses"]["200"]["content"]["application/json"]["schema"]
    story = doc["components"]["schemas"]["StoryOut"]["properties"]
    for field in ("id", "headline", "brief", "articles", "sources_count", "independent_sources_count",
                  "entities", "statements", "updated", "disclaimer"):
        assert field in story


@pytest.mark.parametrize("path", ENDPOINTS)
def test_api_conforms(api_schema, path):
    operation = api_schema[path]["GET"]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, status_code_conformance])

    check()
