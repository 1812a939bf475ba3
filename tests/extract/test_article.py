"""extract_article, decode_html and article_to_contract on pages written for these tests."""

from __future__ import annotations

import gzip
import json
import os
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from newsdesk.encoding import decode_html
from newsdesk.errors import ExtractionError
from newsdesk.extract import article_to_contract, extract_article
from newsdesk.models import Article, FeedEntry

URL = "https://gazette.example/world/2025/harbour-bridge?utm_source=feed"

PARAGRAPHS = [
    "Engineers finished replacing the steel cables of the old harbour bridge on Monday, two weeks ahead of "
    "the schedule the port authority had published in the spring.",
    "The bridge carried about forty thousand vehicles a day before it closed, and the detour through the "
    "industrial district added half an hour to many commutes across the bay.",
    "Inspectors walked the full span on Sunday night and signed off on the load tests, according to a note "
    "the authority sent to councillors shortly after midnight.",
    "Cyclists will get a separated lane on the eastern side for the first time, a change that local groups "
    "had requested in petitions for more than a decade.",
    "The authority said the final cost came in slightly under the approved budget, thanks largely to a mild "
    "winter that let crews work through January without long interruptions.",
]


def page(
    *,
    title: str = "Harbour bridge reopens after repairs",
    head: str | None = None,
    lang: str | None = "en-GB",
    h1: str | None = "Harbour bridge reopens after repairs",
    byline: str | None = None,
    paragraphs: list[str] | None = None,
    extra_body: str = "",
    charset_meta: str = '<meta charset="utf-8">',
) -> str:
    if head is None:
        head = f"""
<title>{title} | The Gazette</title>
<link rel="canonical" href="/world/2025/harbour-bridge?utm_medium=rss&amp;ref=home#top">
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="The Gazette">
<meta property="og:image" content="/images/bridge.jpg">
<script type="application/ld+json">{json.dumps({
    "@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
    "datePublished": "2025-03-03T07:30:00+01:00", "dateModified": "2025-03-04T10:00:00+01:00",
    "author": [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "JOHN ROE"}],
    "publisher": {"@type": "Organization", "name": "The Gazette"},
})}</script>"""
    lang_attr = f' lang="{lang}"' if lang else ""
    body = "\n".join(f"<p>{p}</p>" for p in (PARAGRAPHS if paragraphs is None else paragraphs))
    return f"""<!DOCTYPE html>
<html{lang_attr}><head>{charset_meta}{head}
<style>body {{ font-family: serif; }}</style>
<script>window.tracking = {{"page": "article"}};</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav></header>
<main><article>
{f"<h1>{h1}</h1>" if h1 else ""}
{f'<p class="byline">{byline}</p>' if byline else ""}
{body}
{extra_body}
</article>
<aside><h2>Most read</h2><ul><li><a href="/a">Tram line vote delayed</a></li>
<li><a href="/b">Library opens late</a></li></ul></aside></main>
<footer><p>Copyright The Gazette. All rights reserved.</p></footer>
</body></html>"""


# ------------------------------------------------------------------------------------------- the article


def test_title_body_and_metadata():
    art = extract_article(page().encode(), URL)
    assert isinstance(art, Article)
    assert art.title == "Harbour bridge reopens after repairs"
    assert art.url == URL
    for p in PARAGRAPHS:
        assert p in art.text
    assert "Most read" not in art.text and "All rights reserved" not in art.text
    assert "tracking" not in art.text and "font-family" not in art.text
    assert art.authors == ["Jane Doe", "John Roe"]
    assert art.published == datetime(2025, 3, 3, 6, 30, tzinfo=UTC)
    assert art.published.tzinfo is not None
    assert art.language == "en"
    assert art.canonical_url == "https://gazette.example/world/2025/harbour-bridge?ref=home"
    assert art.image == "https://gazette.example/images/bridge.jpg"


def test_paragraphs_are_separated_by_one_blank_line():
    text = extract_article(page(), URL).text
    assert text.split("\n\n") == PARAGRAPHS
    assert "\n\n\n" not in text and text == text.strip()


@pytest.mark.parametrize(
    "h1",
    [
        "Harbour bridge reopens after repairs",
        "HARBOUR BRIDGE REOPENS AFTER REPAIRS!",
        "Harbour  bridge reopens — after repairs",
        "Harbour bridge re-opens after repairs",
    ],
)
def test_headline_is_not_repeated_in_the_body(h1):
    # the heading inside <article>, as a paragraph, and with a kicker line before it
    for extra_head in (f"<h1>{h1}</h1>", f"<p>{h1}</p>", f"<p>World</p><p>{h1}</p>"):
        html = page(h1=None, paragraphs=[]).replace("<article>", f"<article>{extra_head}" + "".join(
            f"<p>{p}</p>" for p in PARAGRAPHS))
        art = extract_article(html, URL)
        first = art.text.split("\n\n")[0]
        assert "reopens after repairs" not in first.lower().replace("re-opens", "reopens")
        assert art.text.count(PARAGRAPHS[0]) == 1


def test_headline_is_kept_when_it_is_not_at_the_top():
    quote = "Harbour bridge reopens after repairs"
    paras = PARAGRAPHS[:3] + [f"The notice posted at the toll booth read: {quote}."] + PARAGRAPHS[3:]
    art = extract_article(page(paragraphs=paras), URL)
    assert quote in art.text


def test_byline_line_is_not_the_first_paragraph():
    art = extract_article(page(byline="By Jane Doe and John Roe"), URL)
    assert not art.text.startswith("By ")
    assert art.text.startswith(PARAGRAPHS[0])


def test_authors_from_meta_are_split_and_cleaned():
    head = """<title>Harbour bridge reopens after repairs</title>
<meta name="author" content="By JANE DOE, Staff Writer and John Roe, Transport Correspondent">"""
    art = extract_article(page(head=head), URL)
    assert art.authors == ["Jane Doe", "John Roe"]


def test_authors_from_byline_markup():
    head = "<title>Harbour bridge reopens after repairs</title>"
    html = page(head=head).replace("<article>", '<article><a rel="author" href="/staff/jd">Jane Doe</a>')
    assert extract_article(html, URL).authors == ["Jane Doe"]


@pytest.mark.parametrize(
    ("meta", "expected"),
    [
        ('<meta property="article:published_time" content="2025-03-03T07:30:00Z">',
         datetime(2025, 3, 3, 7, 30, tzinfo=UTC)),
        ('<meta property="article:published_time" content="2025-03-03T07:30:00-0500">',
         datetime(2025, 3, 3, 7, 30, tzinfo=timezone(timedelta(hours=-5)))),
        ('<meta name="date" content="2025-03-03">', datetime(2025, 3, 3, tzinfo=UTC)),
        ('<meta itemprop="datePublished" content="2025-03-03 09:15:00">', datetime(2025, 3, 3, 9, 15, tzinfo=UTC)),
    ],
)
def test_published_is_timezone_aware(meta, expected):
    head = f"<title>Harbour bridge reopens after repairs</title>{meta}"
    published = extract_article(page(head=head), URL).published
    assert published == expected and published.tzinfo is not None


def test_published_prefers_the_original_date():
    head = """<title>Harbour bridge reopens after repairs</title>
<meta property="article:modified_time" content="2025-03-09T10:00:00Z">
<meta property="article:published_time" content="2025-03-01T08:00:00Z">"""
    assert extract_article(page(head=head), URL).published == datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def test_published_from_time_element_and_url():
    head = "<title>Harbour bridge reopens after repairs</title>"
    html = page(head=head).replace("<article>", '<article><time datetime="2025-02-11T12:00:00Z" pubdate>'
                                   "11 February</time>")
    assert extract_article(html, URL).published == datetime(2025, 2, 11, 12, 0, tzinfo=UTC)
    dated = extract_article(page(head=head), "https://gazette.example/2024/06/05/harbour-bridge")
    assert dated.published is not None and dated.published.date().isoformat() == "2024-06-05"
    assert dated.published.tzinfo is not None


@pytest.mark.parametrize(
    ("lang", "meta", "expected"),
    [
        ("en-US", "", "en"),
        ("FR", "", "fr"),
        ("pt_BR", "", "pt"),
        (None, '<meta property="og:locale" content="de_DE">', "de"),
        (None, '<meta http-equiv="content-language" content="es-ES">', "es"),
        # No usable code on the page: the language its words are in (the page is English).
        ("x-klingon", "", "en"),
        (None, "", "en"),
    ],
)
def test_language_is_a_two_letter_code(lang, meta, expected):
    head = f"<title>Harbour bridge reopens after repairs</title>{meta}"
    assert extract_article(page(head=head, lang=lang), URL).language == expected


def test_canonical_url_from_og_url_and_fallback_to_the_page_url():
    head = """<title>Harbour bridge reopens after repairs</title>
<meta property="og:url" content="HTTPS://Gazette.Example:443/world/harbour-bridge?fbclid=1">"""
    assert extract_article(page(head=head), URL).canonical_url == "https://gazette.example/world/harbour-bridge"
    bare = extract_article(page(head="<title>t</title>"), URL + "&b=2#x")
    assert bare.canonical_url == "https://gazette.example/world/2025/harbour-bridge?b=2"
    assert extract_article(page(head="<title>t</title>")).canonical_url is None


def test_image_falls_back_to_the_lead_image():
    head = "<title>Harbour bridge reopens after repairs</title>"
    html = page(head=head).replace(
        "<article>",
        '<article><img src="/pixel.gif" width="1" height="1"><figure><img src="photos/span.jpg" '
        'width="800"></figure>',
    )
    assert extract_article(html, URL).image == "https://gazette.example/world/2025/photos/span.jpg"


def test_title_from_the_title_tag_without_the_site_name():
    head = "<title>Harbour bridge reopens after repairs - The Gazette</title>"
    assert extract_article(page(head=head, h1=None), URL).title == "Harbour bridge reopens after repairs"


# ------------------------------------------------------------------------------------------- feed hints


def test_feed_hint_fills_what_the_page_lacks():
    hint = FeedEntry(
        url=URL, title="Bridge reopens (feed title)", published=datetime(2025, 3, 2, 18, 0),
        authors=["By Fiona Feed"], image="/feed/bridge.png", language="en-AU",
    )
    head = "<title></title>"
    art = extract_article(page(head=head, h1=None, lang=None), URL, hint=hint)
    assert art.title == "Bridge reopens (feed title)"
    assert art.published == datetime(2025, 3, 2, 18, 0, tzinfo=UTC)  # naive feed time read as UTC
    assert art.authors == ["Fiona Feed"]
    assert art.image == "https://gazette.example/feed/bridge.png"
    assert art.language == "en"


def test_page_wins_over_the_feed_hint():
    hint = FeedEntry(
        url=URL, title="Feed title", published=datetime(2020, 1, 1, tzinfo=UTC), authors=["Fiona Feed"],
        image="https://cdn.example/feed.png", language="fr",
    )
    art = extract_article(page(), URL, hint=hint)
    assert art.title == "Harbour bridge reopens after repairs"
    assert art.published == datetime(2025, 3, 3, 6, 30, tzinfo=UTC)
    assert art.authors == ["Jane Doe", "John Roe"]
    assert art.image == "https://gazette.example/images/bridge.jpg"
    assert art.language == "en"


def test_hint_url_is_used_when_no_url_is_given():
    hint = FeedEntry(url="https://gazette.example/from-feed")
    art = extract_article(page(head="<title>t</title>"), hint=hint)
    assert art.url == "https://gazette.example/from-feed"


def test_feed_title_is_not_repeated_in_the_body_either():
    hint = FeedEntry(url=URL, title="Bridge back in service after cable work")
    html = page(head="<title></title>", h1=None, paragraphs=["Bridge back in service after cable work"] + PARAGRAPHS)
    assert extract_article(html, URL, hint=hint).text.startswith(PARAGRAPHS[0])


# ------------------------------------------------------------------------------------------- encodings


def test_windows_1252_page_with_meta_charset():
    paras = [p.replace("old harbour bridge", "“old” harbour bridge — worth €12m") for p in PARAGRAPHS]
    html = page(paragraphs=paras, charset_meta='<meta http-equiv="Content-Type" content="text/html; '
                'charset=windows-1252">', head="<title>Café société</title>", h1="Café société")
    data = html.encode("cp1252")
    art = extract_article(data, URL)
    assert "“old” harbour bridge — worth €12m" in art.text
    assert art.title == "Café société"


@pytest.mark.parametrize("charset", ["utf-99", "x-unknown", "", "shift_jis", "utf-16", "iso-8859-1"])
def test_wrong_http_charset_does_not_crash(charset):
    html = page(paragraphs=[p + " Déjà vu, naïve café." for p in PARAGRAPHS])
    art = extract_article(html.encode("utf-8"), URL, charset=charset)
    assert "Déjà vu, naïve café." in art.text


def test_decode_html_order_of_evidence():
    text = "<html><head><meta charset='utf-8'></head><body>café</body></html>"
    assert decode_html(b"\xef\xbb\xbf" + text.encode()) == text  # BOM
    assert decode_html("\ufeff<p>é</p>".encode("utf-16")) .endswith("<p>é</p>")
    assert decode_html(text.encode("cp1252"), "windows-1252") == text  # HTTP charset beats meta
    assert decode_html(b"<meta charset=koi8-r><p>\xc1\xc2</p>") == "<meta charset=koi8-r><p>аб</p>"
    assert decode_html("<p>café</p>".encode(), "latin-1") == "<p>café</p>"  # server default on UTF-8
    assert decode_html("<p>café</p>".encode("cp1252"), "latin-1") == "<p>café</p>"
    assert decode_html("<p>café</p>".encode("cp1252")) == "<p>café</p>"  # no declaration: detector/cp1252
    assert decode_html("<p>café</p>".encode(), "text/html; charset=UTF-8") == "<p>café</p>"


def test_decode_html_never_raises():
    rng = random.Random(7)
    for charset in (None, "utf-8", "bogus", "utf-16", "ascii", "cp1252"):
        for _ in range(20):
            blob = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
            assert isinstance(decode_html(blob, charset), str)
    assert decode_html(b"") == ""


# ------------------------------------------------------------------------------------------- hostile input


def _deep(n: int) -> str:
    return "<html><body>" + "<div>" * n + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>" * n + "</body></html>"


HOSTILE = {
    "empty bytes": b"",
    "empty str": "",
    "whitespace": b" \n\t ",
    "garbage bytes": os.urandom(30_000),
    "nul bytes": b"\x00" * 5000,
    "plain text": b"This is a plain text file with no markup at all, just words.",
    "json": b'{"title": "not a page", "items": [1, 2, 3]}',
    "rss feed": b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>',
    "script only": b"<html><head><script>document.write('<p>hi</p>')</script></head><body></body></html>",
    "nav only": b"<html><body><nav>Home</nav></body></html>",
    "title only": b"<html><head><title>A title and nothing else</title></head><body></body></html>",
    "deep nesting": _deep(100_000).encode(),
    "unclosed nesting": ("<html><body>" + "<div><span><b>" * 30_000 + PARAGRAPHS[0] * 3).encode(),
    "many scripts": ("<html><body>" + "<script>var x = 1;</script>" * 20_000 + "</body></html>").encode(),
    "huge attribute": (f'<html><body><div class="{"x" * 3_000_000}">' + "".join(
        f"<p>{p}</p>" for p in PARAGRAPHS) + "</div></body></html>").encode(),
    "broken gzip": b"\x1f\x8b\x08\x00" + b"broken",
    "bad entities": b"<html><body><p>&#xD800; &#0; &#x110000; &bogus;</p></body></html>",
    "unbalanced": b"<html><body></p></div><p><b><i>" + b"text </td></tr>" * 100 + b"</html></html>",
    "xml declaration": b'<?xml version="1.0" encoding="utf-8"?><!DOCTYPE html><html><body><p>x</p></body></html>',
    "binary with tags": b"<html>" + os.urandom(20_000) + b"</html>",
    "control chars": "<html><body><p>\x01\x02\x03\x1b[31m \u0000 \ud800 \uffff</p></body></html>",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gives_extraction_error_or_a_clean_article(name):
    try:
        art = extract_article(HOSTILE[name], "https://gazette.example/x")
    except ExtractionError as exc:
        assert str(exc) and exc.reason == "extraction_failed"
    else:
        assert art.text.strip() and "\x00" not in art.text


def test_error_reasons_are_precise():
    with pytest.raises(ExtractionError, match=r"^empty document$"):
        extract_article(b"   ")
    with pytest.raises(ExtractionError, match=r"^not HTML"):
        extract_article(b'{"json": true}')
    with pytest.raises(ExtractionError, match=r"^not HTML"):
        extract_article(os.urandom(5000).replace(b"<", b""))
    with pytest.raises(ExtractionError, match=r"^no article body found \(page has 1 word of text\)$"):
        extract_article(b"<html><body><nav>Home</nav></body></html>")
    with pytest.raises(ExtractionError, match=r"^no article body found \(page has \d+ words of text\)$"):
        extract_article(b"<html><body><nav><a href=/>Home</a> <a href=/w>World news</a></nav></body></html>")


def test_deep_nesting_and_huge_attributes_are_fast():
    import time

    start = time.perf_counter()
    for name in ("deep nesting", "huge attribute", "many scripts"):
        try:
            extract_article(HOSTILE[name])
        except ExtractionError:
            pass
    assert time.perf_counter() - start < 10


def test_gzip_input_and_str_input():
    html = page()
    assert extract_article(gzip.compress(html.encode()), URL).text == extract_article(html, URL).text


def test_random_markup_fuzz():
    rng = random.Random(11)
    pieces = ["<div>", "</div>", "<p>", "</p>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "]]>",
              "<table><tr><td>", "</td>", "&amp;", "&#x0;", "<svg><path d='M0'/>", "<h1>", "</h1>",
              "<article>", "<meta charset=bogus>", "<title>", "</title>", "\x00", "\ufffd", "<<>>", "</",
              "word " * 15, PARAGRAPHS[1], "<br/>", "<ul><li>", "<img src=//x>", "<base href='javascript:x'>"]
    for _ in range(60):
        doc = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 80)))
        for data in (doc, doc.encode("utf-8", "surrogatepass")):
            try:
                art = extract_article(data, "https://gazette.example/f")
            except ExtractionError:
                continue
            assert art.text.strip()


# ------------------------------------------------------------------------------------------- contract


def test_article_to_contract():
    art = extract_article(page(), URL)
    record = article_to_contract("pages/bridge.html", art)
    assert list(record) == ["path", "url", "title", "text", "authors", "published", "language",
                            "canonical_url", "image", "genre", "agencies", "site_name"]
    assert record["path"] == "pages/bridge.html"
    assert record["published"] == "2025-03-03T07:30:00+01:00"  # the offset the page gave
    assert record["authors"] == ["Jane Doe", "John Roe"]
    json.dumps(record)  # plain JSON types only
    empty = article_to_contract("x.html", Article(url="", title=None, text="t"))
    assert empty["url"] is None and empty["published"] is None and empty["authors"] == empty["agencies"] == []


@pytest.mark.parametrize(
    ("text", "codec"),
    [
        ("Мост через залив снова открыт после ремонта, сообщили в администрации города во вторник.", "cp1251"),
        ("東京の新しい橋は火曜日に開通しました。市の当局が発表しました。", "shift_jis"),
        ("Die Straße über den Fluß wurde gestern für den Verkehr geöffnet, sagte der Bürgermeister.", "cp1252"),
        ("A informação não é pública.", "cp1252"),
    ],
)
def test_undeclared_legacy_encodings(text, codec):
    html = f"<html><body><p>{text}</p></body></html>"
    assert decode_html(html.encode(codec)) == html


def _chunked_page() -> str:
    first, second = PARAGRAPHS[:3], PARAGRAPHS[3:]
    more = [
        "Traffic engineers expect the morning queues at the southern approach to ease within a week as "
        "drivers return to their old routes.",
        "The ferry operator said it would keep its extra crossings until the end of the month in case the "
        "bridge has to close again for final adjustments.",
    ]

    def chunk(ps: list[str]) -> str:
        return '<div class="article-body__content">' + "".join(f"<p>{p}</p>" for p in ps) + "</div>"

    return f"""<html lang="en"><head><title>Harbour bridge reopens after repairs</title></head><body>
<div class="page"><div class="story"><h1>Harbour bridge reopens after repairs</h1>
<div class="grid">{chunk(first)}<div class="ad-rail"><p>Advertisement</p></div></div>
<div class="grid">{chunk(second)}<div class="ad-rail"><p>Advertisement</p></div></div>
<div class="grid">{chunk(more)}</div>
</div></div></body></html>"""


def test_article_body_split_into_chunks_is_joined():
    from newsdesk.extract import article as article_module

    art = extract_article(_chunked_page(), URL)
    for p in PARAGRAPHS:
        assert p in art.text
    assert "Traffic engineers expect" in art.text and "ferry operator" in art.text
    assert art.text.index(PARAGRAPHS[0]) < art.text.index(PARAGRAPHS[4]) < art.text.index("ferry operator")
    assert "Advertisement" not in art.text
    # without the join, the extractor keeps the first chunk only
    unjoined = article_module.BodySettings(merge_body_chunks=False)
    tree = article_module._parse(_chunked_page())
    assert "ferry operator" not in article_module.extract_body(tree, URL, settings=unjoined)


def test_call_to_action_lines_are_dropped():
    tail = [
        "Read more: Tram line vote delayed again",
        "Sign up for our free morning newsletter and get the news in your inbox.",
        "Like this story? Share it with a friend!",
        "(Reporting by Jane Doe; Editing by John Roe)",
    ]
    art = extract_article(page(paragraphs=PARAGRAPHS + tail), URL)
    assert art.text.split("\n\n") == PARAGRAPHS


def test_relative_links_follow_the_base_element():
    head = """<base href="https://static.gazette.example/world/"><title>t</title>
<link rel="canonical" href="harbour-bridge"><meta property="og:image" content="img/b.jpg">"""
    art = extract_article(page(head=head), URL)
    assert art.canonical_url == "https://static.gazette.example/world/harbour-bridge"
    assert art.image == "https://static.gazette.example/world/img/b.jpg"
    hostile = page(head='<base href="javascript:alert(1)"><title>t</title><meta property="og:image" content="/i.jpg">')
    assert extract_article(hostile, URL).image == "https://gazette.example/i.jpg"
