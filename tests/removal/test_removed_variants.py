"""Removed means removed: no other spelling of a removed address (scheme, trailing slash, escapes, doubled
slashes, the IP for the name, tracking parameters, a redirect) reaches the publisher; and a stored article is
not fetched again under another spelling of its address. Real local servers, the real collector and desk."""

from __future__ import annotations

import pytest
from localserver import LocalServer, Response
from removal_helpers import HTML, RSS, UNIQUE, WIRE, page, rss, submission

pytestmark = pytest.mark.both_engines

PATH = "/news/rules/ferry.html"


def spellings(port: int) -> list[str]:
    """Other spellings of http://localhost:PORT/news/rules/ferry.html."""
    return [
        f"https://localhost:{port}{PATH}",  # the other scheme
        f"http://localhost:{port}{PATH}/",  # a trailing slash
        f"http://localhost:{port}/news/r%75les/ferry.html",  # an escaped unreserved character
        f"http://localhost:{port}/news//rules/ferry.html",  # a doubled slash
        f"http://127.0.0.1:{port}{PATH}",  # the IP for the name
        f"http://LocalHost.:{port}/news/x/../rules/./ferry.html?utm_source=feed#top",  # case, dots, tracking
    ]


def test_no_spelling_of_a_removed_address_is_requested(collector, desk):
    with LocalServer("127.0.0.1") as publisher, LocalServer("127.0.0.2") as aggregator:
        named = f"http://localhost:{publisher.port}{PATH}"
        publisher.route(PATH, Response(200, page("Electric ferry completes first crossing", [*WIRE, UNIQUE]), HTML))
        aggregator.route("/feed.xml", Response(200, rss("", [named]), RSS))
        collector.add_source(aggregator.url("/feed.xml"), discover=False)
        (first,) = collector.fetch_due(include_not_due=True)
        assert first.new_articles == 1, first
        receipt = desk.submit(submission(urls=[named]), client="192.0.2.1")
        desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")
        assert collector.store.count_articles() == 0

        seen = len(publisher.requests)
        variants = spellings(publisher.port)
        # Redirects into the removed page: to the address itself and to one of its other spellings.
        aggregator.route("/go/1", Response(302, b"", {"Location": named}))
        aggregator.route("/go/2", Response(301, b"", {"Location": variants[4]}))
        links = [*variants, aggregator.url("/go/1"), aggregator.url("/go/2")]
        aggregator.route("/feed.xml", Response(200, rss("", links), RSS))
        (again,) = collector.fetch_due(include_not_due=True)
        assert publisher.requests[seen:] == [], [r.path for r in publisher.requests[seen:]]
        assert again.blocked == len(links) and again.new_articles == 0, again
        assert collector.store.count_articles() == 0
        # The redirects themselves were asked once; the next pass asks nobody anything about them.
        assert len(aggregator.hits("/go/1")) == 1 and len(aggregator.hits("/go/2")) == 1
        collector.fetch_due(include_not_due=True)
        assert publisher.requests[seen:] == []
        assert len(aggregator.hits("/go/1")) == 1


def test_a_stored_article_is_not_fetched_again_under_another_spelling(collector):
    with LocalServer("127.0.0.1") as publisher, LocalServer("127.0.0.2") as aggregator:
        named = f"http://localhost:{publisher.port}{PATH}"
        publisher.route(PATH, Response(200, page("Electric ferry completes first crossing", [*WIRE, UNIQUE]), HTML))
        aggregator.route("/feed.xml", Response(200, rss("", [named]), RSS))
        collector.add_source(aggregator.url("/feed.xml"), discover=False)
        collector.fetch_due(include_not_due=True)
        assert len(publisher.hits(PATH)) == 1
        # Every spelling that keeps the host name (an IP is another host as far as storage knows).
        same_host = [v for v in spellings(publisher.port) if "127.0.0.1" not in v]
        aggregator.route("/feed.xml", Response(200, rss("", same_host), RSS))
        (again,) = collector.fetch_due(include_not_due=True)
        assert again.new_articles == 0 and again.failed == 0, again
        assert [r.path for r in publisher.requests if r.path != "/robots.txt"] == [PATH]
        assert collector.store.count_articles() == 1


def test_a_removed_address_given_by_ip_blocks_its_host_name(collector, desk):
    with LocalServer("127.0.0.1") as publisher, LocalServer("127.0.0.2") as aggregator:
        by_ip = f"http://127.0.0.1:{publisher.port}{PATH}"
        publisher.route(PATH, Response(200, page("Electric ferry completes first crossing", [*WIRE, UNIQUE]), HTML))
        aggregator.route("/feed.xml", Response(200, rss("", [by_ip]), RSS))
        collector.add_source(aggregator.url("/feed.xml"), discover=False)
        collector.fetch_due(include_not_due=True)
        receipt = desk.submit(submission(urls=[by_ip]), client="192.0.2.1")
        desk.accept(receipt.public_id, actor="admin:eve", reason="The requester owns the report.")
        seen = len(publisher.requests)
        by_name = f"http://localhost:{publisher.port}{PATH}"
        aggregator.route("/feed.xml", Response(200, rss("", [by_name]), RSS))
        (again,) = collector.fetch_due(include_not_due=True)
        assert again.blocked == 1 and publisher.requests[seen:] == []
        assert "resolves to 127.0.0.1" in desk.is_blocked(url=by_name)
        # Another port is another site: not blocked.
        assert desk.is_blocked(url=f"http://localhost:{publisher.port + 1}{PATH}") is None
