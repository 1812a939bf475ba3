"""The OpenAPI document checked with schemathesis against the live server: every endpoint (the GETs and
POST /api/removal-requests), a bounded number of generated requests each; no answer may be a 5xx, and every
answer must match its schema and be a documented status code.

The generated removal requests are filed in the shared test store: they are only received, never decided, so
they change nothing that other tests read, and past the rate limit they get the documented 429. The requests
go to the analysed store (tests/web/whosaid.py), where stories carry entities and statements."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance


@pytest.fixture(scope="session")
def api_schema(analysed_site):
    # The analysed store: stories carry entities and statements, so their schemas are checked against real ones.
    return schemathesis.openapi.from_url(f"{analysed_site.url}/openapi.json")


GET_ENDPOINTS = ["/api/stories", "/api/stories/{story_id}", "/api/articles", "/api/articles/{article_id}",
                 "/api/sources", "/api/sources/{source_id}", "/api/search", "/api/removal-requests/{public_id}",
                 "/api/entities", "/api/entities/{key}"]
POST_ENDPOINTS = ["/api/removal-requests"]
ENDPOINTS = sorted({*GET_ENDPOINTS, *POST_ENDPOINTS})
OPERATIONS = [(p, "GET") for p in GET_ENDPOINTS] + [(p, "POST") for p in POST_ENDPOINTS]

pytestmark = pytest.mark.both_engines


def test_openapi_document_describes_every_endpoint(site):
    doc = site.get("/openapi.json").json()
    assert sorted(doc["paths"]) == ENDPOINTS
    for path, method in OPERATIONS:
        op = doc["paths"][path][method.lower()]
        ok = "201" if method == "POST" else "200"
        assert "$ref" in op["responses"][ok]["content"]["application/json"]["schema"]
    post = doc["paths"]["/api/removal-requests"]["post"]
    assert {"201", "422", "429"} <= set(post["responses"])
    assert "Retry-After" in post["responses"]["429"]["headers"]
    request_body = doc["components"]["schemas"]["RemovalRequestIn"]
    assert set(request_body["required"]) >= {"name", "email", "relationship", "reason", "good_faith"}
    for field in ("urls", "story_ids", "statement", "domain", "scope"):
        assert field in request_body["properties"]
    story = doc["components"]["schemas"]["StoryOut"]["properties"]
    for field in ("id", "headline", "brief", "articles", "sources_count", "independent_sources_count",
                  "entities", "statements", "updated", "disclaimer"):
        assert field in story


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_api_conforms(api_schema, path, method):
    operation = api_schema[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=20, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, status_code_conformance])

    check()
