"""canonicalize_url: one address per article, predictable and idempotent."""

from __future__ import annotations

import pytest

from newsdesk.extract import canonicalize_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # tracking parameters go, the others are sorted by name
        ("https://news.example/a?utm_source=rss&utm_medium=feed&id=7", "https://news.example/a?id=7"),
        ("https://news.example/a?fbclid=XYZ&gclid=1&b=2&a=1", "https://news.example/a?a=1&b=2"),
        ("https://news.example/a?mc_cid=1&mc_eid=2&ocid=3&cmpid=4&_ga=5&igshid=6", "https://news.example/a"),
        ("https://news.example/a?at_medium=x&at_campaign=y&page=2", "https://news.example/a?page=2"),
        ("https://news.example/a?UTM_Campaign=Spring&q=tram", "https://news.example/a?q=tram"),
        ("https://news.example/a?msclkid=1&pk_campaign=2&mtm_source=3&yclid=4", "https://news.example/a"),
        # repeated keys keep their relative order
        ("https://news.example/s?tag=b&x=1&tag=a", "https://news.example/s?tag=b&tag=a&x=1"),
        # fragments go
        ("https://news.example/story#comments", "https://news.example/story"),
        ("https://news.example/story?p=1#top", "https://news.example/story?p=1"),
        # scheme and host lowercased, path case kept
        ("HTTPS://News.Example.COM/World/Story-One", "https://news.example.com/World/Story-One"),
        # default ports dropped, others kept
        ("http://news.example:80/a", "http://news.example/a"),
        ("https://news.example:443/a", "https://news.example/a"),
        ("https://news.example:8443/a", "https://news.example:8443/a"),
        ("http://news.example:443/a", "http://news.example:443/a"),
        # dot segments
        ("https://news.example/a/./b/../c", "https://news.example/a/c"),
        ("https://news.example/a/b/..", "https://news.example/a/"),
        ("https://news.example/../../x", "https://news.example/x"),
        # an empty path is the root
        ("https://news.example", "https://news.example/"),
        ("https://news.example?x=1", "https://news.example/?x=1"),
        # percent escapes: kept, hex made uppercase
        ("https://news.example/caf%c3%a9?q=a%2fb", "https://news.example/caf%C3%A9?q=a%2Fb"),
        ("  https://news.example/a  ", "https://news.example/a"),
    ],
)
def test_canonical_form(url, expected):
    assert canonicalize_url(url) == expected


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        ("/world/story?utm_source=x", "https://news.example/home/", "https://news.example/world/story"),
        ("story-2", "https://news.example/world/story-1", "https://news.example/world/story-2"),
        ("../sport/match", "https://news.example/world/story", "https://news.example/sport/match"),
        ("//cdn.news.example/img.jpg", "https://news.example/a", "https://cdn.news.example/img.jpg"),
        ("?page=2", "https://news.example/list?page=1", "https://news.example/list?page=2"),
        ("#frag", "https://news.example/a", "https://news.example/a"),
        ("https://other.example/x", "https://news.example/a", "https://other.example/x"),
    ],
)
def test_relative_urls_resolve_against_base(url, base, expected):
    assert canonicalize_url(url, base) == expected


IDEMPOTENCE_CASES = [
    "HTTPS://News.Example:443/a/./b/../c/?utm_source=x&z=1&a=%2f#f",
    "http://news.example:8080/p;params?b=2&a=1&b=1",
    "https://news.example/a b/c?q=a b",
    "https://news.example/?",
    "https://user:pw@News.Example/x",
    "https://[2001:DB8::1]:443/x?y=1",
    "mailto:desk@news.example",
    "not a url at all",
    "http://[::1",
    "",
    "/relative/only?utm_source=x",
]


@pytest.mark.parametrize("url", IDEMPOTENCE_CASES)
def test_idempotent(url):
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once


@pytest.mark.parametrize("url", IDEMPOTENCE_CASES)
def test_idempotent_with_base(url):
    once = canonicalize_url(url, "https://news.example/dir/page")
    assert canonicalize_url(once) == once
    assert canonicalize_url(once, "https://news.example/dir/page") == once


def test_ipv6_host_and_userinfo():
    assert canonicalize_url("https://[2001:DB8::1]:443/x") == "https://[2001:db8::1]/x"
    assert canonicalize_url("https://User@News.Example:443/x") == "https://User@news.example/x"


def test_malformed_input_never_raises():
    for url in ["http://[::1", "http://news.example:99999999/x", "\x00http://a\x7f/b", "::::", "http://"]:
        assert isinstance(canonicalize_url(url), str)
