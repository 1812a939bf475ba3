"""canonicalize_url: one address per article, predictable and idempotent; url_key: one key for every spelling."""

from __future__ import annotations

import pytest

from newsdesk.urls import canonicalize_url, key_host, key_spellings, registered_domain, url_key


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


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # escapes of unreserved characters are the characters themselves; reserved ones stay escaped
        ("https://news.example/r%75les/%7Eeditor?q=%61%2Fb", "https://news.example/rules/~editor?q=a%2Fb"),
        ("https://news.example/a/%2E%2E/b", "https://news.example/b"),
        # a run of slashes in the path is one slash
        ("https://news.example//news///rules/", "https://news.example/news/rules/"),
        # the host in its IDNA form, without a trailing dot
        ("https://Bücher.Example./a", "https://xn--bcher-kva.example/a"),
    ],
)
def test_canonical_form_of_equivalent_spellings(url, expected):
    assert canonicalize_url(url) == expected
    assert canonicalize_url(expected) == expected


SAME_PAGE = [
    "http://news.example/news/rules/ferry.html",
    "https://news.example/news/rules/ferry.html",
    "http://news.example:80/news/rules/ferry.html",
    "https://news.example:443/news/rules/ferry.html",
    "http://news.example/news/rules/ferry.html/",
    "http://news.example/news/r%75les/ferry.html",
    "http://news.example/news//rules/ferry.html",
    "http://news.example/news/x/../rules/./ferry.html",
    "http://NEWS.example./news/rules/ferry.html?utm_source=rss&fbclid=1#comments",
    "http://editor@news.example/news/rules/ferry.html",
]


@pytest.mark.parametrize("url", SAME_PAGE)
def test_one_key_for_every_spelling_of_a_page(url):
    assert url_key(url) == "//news.example/news/rules/ferry.html"
    # "already stored" finds a page stored under any spelling with this key
    assert url_key(url) in {url_key(s) for s in key_spellings(url)}
    assert set(key_spellings("http://news.example/news/rules/ferry.html")) >= {
        "http://news.example/news/rules/ferry.html", "https://news.example/news/rules/ferry.html/"}


@pytest.mark.parametrize("other", [
    "http://news.example/news/rules/ferry.HTML",  # the path's case counts
    "http://news.example:8080/news/rules/ferry.html",  # another port
    "http://news.example/news/rules/ferry.html?id=2",  # a real parameter
    "http://sport.news.example/news/rules/ferry.html",  # another host
])
def test_other_pages_have_other_keys(other):
    assert url_key(other) != url_key(SAME_PAGE[0])


def test_key_host_splits_the_host_off():
    assert key_host(url_key("http://127.0.0.1:8080/a?b=1")) == ("127.0.0.1", ":8080/a?b=1")
    assert key_host(url_key("http://[::1]:8080/a")) == ("::1", ":8080/a")
    assert key_host(url_key("https://news.example")) == ("news.example", "")


@pytest.mark.parametrize(("value", "domain"), [
    ("https://text.npr.org/nx-s1-1", "npr.org"),
    ("www.bbc.co.uk", "bbc.co.uk"),
    ("https://news.example.com/a", "example.com"),
    ("http://127.0.0.1:8080/a", "127.0.0.1"),
    ("[::1]:80", "::1"),
    ("localhost", "localhost"),
])
def test_registered_domain_uses_the_public_suffix_list(value, domain):
    assert registered_domain(value) == domain


@pytest.mark.parametrize(("url", "page_canonical", "chosen"), [
    # the same site by the public suffix list: text.npr.org and www.npr.org are both npr.org
    ("https://text.npr.org/nx-s1-5", "https://www.npr.org/2025/09/01/nx-s1-5/story",
     "https://www.npr.org/2025/09/01/nx-s1-5/story"),
    # another outlet's page (a syndicated copy pointing at the original) keeps its own address
    ("https://partner.example/ferry", "https://wire.example/ferry", "https://partner.example/ferry"),
    # a canonical that names the home page is not taken for an article
    ("https://news.example/2025/ferry", "https://news.example/", "https://news.example/2025/ferry"),
    # another spelling of the same page: the publisher's
    ("http://news.example/ferry/", "https://news.example/ferry", "https://news.example/ferry"),
])
def test_choose_canonical_compares_sites_and_pages_as_the_blocklist_does(url, page_canonical, chosen):
    from newsdesk.collect import choose_canonical

    assert choose_canonical(url, page_canonical) == chosen
