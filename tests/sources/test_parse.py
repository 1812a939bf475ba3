"""parse_source over invented documents: every format, URL resolution, dates, encodings, safety."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime

import pytest

from newsdesk.errors import ParseError
from newsdesk.models import ParsedSource
from newsdesk.sources import parse as parse_module
from newsdesk.sources.parse import parse_source

FEED_URL = "https://news.example.org/feeds/main.xml"


def urls(parsed: ParsedSource) -> list[str]:
    return [entry.url for entry in parsed.entries]


# ------------------------------------------------------------------------------------------------- RSS / Atom

RSS_091 = b"""<?xml version="1.0" encoding="ISO-8859-1"?>
<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"
  "http://my.netscape.com/publish/formats/rss-0.91.dtd">
<rss version="0.91">
  <channel>
    <title>Harbour Town Gazette</title>
    <link>https://gazette.example.com/</link>
    <description>Local news</description>
    <language>en-us</language>
    <item>
      <title>Ferry timetable changes for winter</title>
      <link>https://gazette.example.com/ferry-winter</link>
      <description>The crossing runs hourly from November.</description>
    </item>
    <item>
      <title>Lighthouse repainted</title>
      <link>https://gazette.example.com/lighthouse</link>
    </item>
  </channel>
</rss>
"""

RSS_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://valley.example.net/">
    <title>Valley Observer</title>
    <link>https://valley.example.net/</link>
    <description>Observations</description>
    <dc:language>de</dc:language>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://valley.example.net/a/river-levels"/>
      <rdf:li rdf:resource="https://valley.example.net/a/orchard"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="https://valley.example.net/a/river-levels">
    <title>River levels rise after storm</title>
    <link>https://valley.example.net/a/river-levels</link>
    <dc:date>2023-04-05T06:07:08+02:00</dc:date>
    <dc:creator>Mara Quell</dc:creator>
  </item>
  <item rdf:about="https://valley.example.net/a/orchard">
    <title>Orchard harvest begins</title>
    <link>https://valley.example.net/a/orchard</link>
  </item>
</rdf:RDF>
"""

RSS_20 = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>The Daily Lantern</title>
    <link>https://lantern.example.com/</link>
    <description>News from the lantern</description>
    <language>en-gb</language>
    <item>
      <title>  Council   approves
         new bridge </title>
      <link>/2024/01/bridge</link>
      <guid isPermaLink="false">lantern-1001</guid>
      <pubDate>Tue, 02 Jan 2024 09:30:00 +0100</pubDate>
      <dc:creator>Ines Farrow</dc:creator>
      <description>&lt;p&gt;The vote was &lt;b&gt;7 to 2&lt;/b&gt; &amp;amp; final.&lt;/p&gt;</description>
      <media:content url="https://img.example.com/bridge-small.jpg" medium="image" width="120"/>
      <media:content url="https://img.example.com/bridge-large.jpg" medium="image" width="800"/>
    </item>
    <item>
      <title>Permalink guid only</title>
      <guid>https://lantern.example.com/2024/01/guid-link</guid>
      <pubDate>not a date at all</pubDate>
      <enclosure url="https://img.example.com/photo.png" type="image/png" length="100"/>
    </item>
    <item>
      <title>Opaque guid, no link</title>
      <guid>lantern-1003</guid>
    </item>
    <item>
      <title>Duplicate of the first</title>
      <link>https://news.example.org/2024/01/bridge</link>
    </item>
    <item>
      <title>Not a web link</title>
      <link>mailto:desk@lantern.example.com</link>
    </item>
    <item>
      <title>Naive date</title>
      <link>https://lantern.example.com/2024/01/naive</link>
      <pubDate>Wed, 03 Jan 2024 10:00:00</pubDate>
      <media:thumbnail url="thumbs/naive.jpg"/>
    </item>
  </channel>
</rss>
"""

ATOM_03 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed version="0.3" xmlns="http://purl.org/atom/ns#" xml:lang="fr">
  <title>Journal du Port</title>
  <link rel="alternate" type="text/html" href="https://port.example.fr/"/>
  <modified>2022-06-01T12:00:00Z</modified>
  <entry>
    <title>Les quais refaits</title>
    <link rel="alternate" type="text/html" href="https://port.example.fr/quais"/>
    <id>tag:port.example.fr,2022:quais</id>
    <issued>2022-06-01T10:00:00+02:00</issued>
    <modified>2022-06-01T10:00:00+02:00</modified>
    <author><name>Jeanne Mar</name></author>
  </entry>
</feed>
"""

ATOM_10 = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="nl" xml:base="https://polder.example.nl/blog/">
  <title type="html">Polder &lt;em&gt;Nieuws&lt;/em&gt;</title>
  <id>tag:polder.example.nl,2021:feed</id>
  <updated>2021-03-04T05:06:07Z</updated>
  <entry>
    <title type="html">Dijk &lt;b&gt;versterkt&lt;/b&gt; &amp;amp; klaar</title>
    <link href="posts/dijk"/>
    <link rel="enclosure" type="image/jpeg" href="/media/dijk.jpg"/>
    <id>tag:polder.example.nl,2021:dijk</id>
    <published>2021-03-04T05:06:07+01:00</published>
    <updated>2021-03-05T00:00:00Z</updated>
    <author><name>Piet Veen</name></author>
    <author><name>Anna Klei</name></author>
    <summary type="html">&lt;p&gt;Eerste alinea.&lt;/p&gt;&lt;p&gt;Tweede.&lt;/p&gt;</summary>
  </entry>
  <entry xml:base="/elders/">
    <title>Molen</title>
    <link href="molen"/>
    <id>tag:polder.example.nl,2021:molen</id>
    <updated>2021-13-45T99:00:00Z</updated>
    <content type="text">Alleen inhoud.</content>
  </entry>
  <entry>
    <title>Geen link</title>
    <id>tag:polder.example.nl,2021:geen</id>
  </entry>
</feed>
"""


def test_rss_091_with_public_doctype_parses() -> None:
    parsed = parse_source(RSS_091, "https://gazette.example.com/rss.xml")
    assert parsed.kind == "rss"
    assert parsed.title == "Harbour Town Gazette"
    assert urls(parsed) == [
        "https://gazette.example.com/ferry-winter",
        "https://gazette.example.com/lighthouse",
    ]
    assert parsed.entries[0].summary == "The crossing runs hourly from November."
    assert parsed.language == "en-us"
    assert all(entry.language == "en-us" for entry in parsed.entries)


def test_rss_10_rdf() -> None:
    parsed = parse_source(RSS_10, "https://valley.example.net/index.rdf")
    assert parsed.kind == "rss"
    first, second = parsed.entries
    assert first.url == "https://valley.example.net/a/river-levels"
    assert first.title == "River levels rise after storm"
    assert first.published == datetime(2023, 4, 5, 4, 7, 8, tzinfo=UTC)
    assert first.authors == ["Mara Quell"]
    assert first.language == "de"
    assert second.published is None


def test_rss_20_fields() -> None:
    parsed = parse_source(RSS_20, FEED_URL, "application/rss+xml; charset=utf-8")
    assert parsed.kind == "rss"
    assert parsed.title == "The Daily Lantern"
    assert urls(parsed) == [
        "https://news.example.org/2024/01/bridge",  # relative link resolved against the feed URL
        "https://lantern.example.com/2024/01/guid-link",  # permalink guid used as the link
        "https://lantern.example.com/2024/01/naive",
    ]  # opaque guid and mailto: skipped; the duplicate URL keeps the first entry
    bridge, guid_link, naive = parsed.entries
    assert bridge.title == "Council approves new bridge"
    assert bridge.guid == "lantern-1001"
    assert bridge.published == datetime(2024, 1, 2, 8, 30, tzinfo=UTC)
    assert bridge.published.tzinfo is not None
    assert bridge.authors == ["Ines Farrow"]
    assert bridge.summary == "The vote was 7 to 2 & final."
    assert bridge.image == "https://img.example.com/bridge-large.jpg"  # widest media:content
    assert bridge.language == "en-gb"
    assert guid_link.published is None  # bad date
    assert guid_link.image == "https://img.example.com/photo.png"  # image enclosure
    assert naive.published == datetime(2024, 1, 3, 10, 0, tzinfo=UTC)  # naive date taken as UTC
    assert naive.image == "https://news.example.org/feeds/thumbs/naive.jpg"


def test_atom_03() -> None:
    parsed = parse_source(ATOM_03, "https://port.example.fr/atom.xml")
    assert parsed.kind == "atom"
    (entry,) = parsed.entries
    assert entry.url == "https://port.example.fr/quais"
    assert entry.title == "Les quais refaits"
    assert entry.published == datetime(2022, 6, 1, 8, 0, tzinfo=UTC)
    assert entry.authors == ["Jeanne Mar"]
    assert entry.language == "fr"
    assert entry.guid == "tag:port.example.fr,2022:quais"


def test_atom_10_xml_base_html_titles_and_bad_dates() -> None:
    parsed = parse_source(ATOM_10, "https://polder.example.nl/feed.atom", "application/atom+xml")
    assert parsed.kind == "atom"
    assert parsed.title == "Polder Nieuws"
    assert parsed.language == "nl"
    assert urls(parsed) == [
        "https://polder.example.nl/blog/posts/dijk",
        "https://polder.example.nl/elders/molen",
    ]
    dijk, molen = parsed.entries
    assert dijk.title == "Dijk versterkt & klaar"
    assert dijk.published == datetime(2021, 3, 4, 4, 6, 7, tzinfo=UTC)
    assert dijk.authors == ["Piet Veen", "Anna Klei"]
    assert dijk.summary == "Eerste alinea. Tweede."
    assert dijk.image == "https://polder.example.nl/media/dijk.jpg"
    assert dijk.language == "nl"
    assert molen.published is None  # month 13 is no date
    assert molen.summary == "Alleen inhoud."


def test_title_html_is_stripped_and_entities_decoded() -> None:
    feed = b"""<rss version="2.0"><channel><title>T</title>
      <item><title><![CDATA[<strong>Storm</strong> warning &amp; <a href="/x">advice</a>&nbsp;now]]></title>
      <link>https://w.example.com/storm</link></item></channel></rss>"""
    (entry,) = parse_source(feed, "https://w.example.com/rss").entries
    assert entry.title == "Storm warning & advice now"


def test_slightly_malformed_feed_with_entries_is_accepted() -> None:
    feed = b"""<rss version="2.0"><channel><title>Sloppy &nbsp; feed</title>
      <item><title>One &eacute;t&eacute;</title><link>https://s.example.com/1</link></item>
      <item><title>Two</title><link>https://s.example.com/2</link>
    </channel></rss>"""
    parsed = parse_source(feed, "https://s.example.com/rss")
    assert "https://s.example.com/1" in urls(parsed)
    assert parsed.entries[0].title == "One \u00e9t\u00e9"


def test_valid_feed_with_no_items_is_empty_not_an_error() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Quiet</title></channel></rss>"""
    parsed = parse_source(feed, FEED_URL)
    assert parsed.kind == "rss"
    assert parsed.entries == []
    assert parse_source(feed, FEED_URL, "text/plain").entries == []  # feedparser: bozo, but not fatal


# ------------------------------------------------------------------------------------------------- encodings


def test_windows_1252_declared_in_xml() -> None:
    feed = (
        '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>Caf\u00e9</title>'
        "<item><title>D\u00e9j\u00e0 vu \u2013 \u00e9t\u00e9 \u20ac5</title><link>https://c.example.com/1</link>"
        "</item></channel></rss>"
    ).encode("windows-1252")
    parsed = parse_source(feed, "https://c.example.com/rss")
    assert parsed.title == "Caf\u00e9"
    assert parsed.entries[0].title == "D\u00e9j\u00e0 vu \u2013 \u00e9t\u00e9 \u20ac5"


def test_iso_8859_1_from_http_charset() -> None:
    feed = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Not\u00edcias</title>'
        "<item><title>\u00daltima edi\u00e7\u00e3o</title><link>https://n.example.pt/1</link></item>"
        "</channel></rss>"
    ).encode("iso-8859-1")
    parsed = parse_source(feed, "https://n.example.pt/rss", "application/xml; charset=ISO-8859-1")
    assert parsed.entries[0].title == "\u00daltima edi\u00e7\u00e3o"


def test_wrong_declared_encoding_does_not_crash() -> None:
    body = (
        "<rss version='2.0'><channel><title>Not\u00edcias</title>"
        "<item><title>Elei\u00e7\u00f5es \u00e0 vista</title><link>https://u.example.br/1</link></item>"
        "<item><title>Segunda</title><link>https://u.example.br/2</link></item></channel></rss>"
    )
    feed = b'<?xml version="1.0" encoding="utf-8"?>' + body.encode("windows-1252")
    parsed = parse_source(feed, "https://u.example.br/rss")
    assert urls(parsed) == ["https://u.example.br/1", "https://u.example.br/2"]
    assert parsed.entries[0].title == "Elei\u00e7\u00f5es \u00e0 vista"  # feedparser's fallback decodes right


def test_utf16_feed_with_bom() -> None:
    feed = (
        '<?xml version="1.0" encoding="utf-16"?><rss version="2.0"><channel><title>W</title>'
        "<item><title>\u00c5ngstr\u00f6m</title><link>https://w.example.se/1</link></item></channel></rss>"
    ).encode("utf-16")
    assert parse_source(feed, "https://w.example.se/rss").entries[0].title == "\u00c5ngstr\u00f6m"


# ------------------------------------------------------------------------------------------------- JSON Feed

JSON_FEED_11 = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Kettle Notes",
    "home_page_url": "https://kettle.example.io/",
    "language": "en",
    "authors": [{"name": "Feed Author"}],
    "items": [
        {
            "id": "k-1",
            "url": "https://kettle.example.io/posts/steam",
            "title": "Steam &amp; <i>pressure</i>",
            "content_html": "<p>Long body</p>",
            "summary": "Short summary",
            "date_published": "2024-05-06T07:08:09-04:00",
            "authors": [{"name": "Lee Brew"}],
            "image": "/images/steam.png",
            "language": "en-CA",
        },
        {"id": 2, "url": "posts/relative", "content_text": "Only text", "date_published": "yesterday"},
        {"id": "k-3", "content_text": "no url, skipped"},
        {"id": "k-4", "url": "https://kettle.example.io/posts/steam", "title": "duplicate"},
    ],
}


def test_json_feed_11() -> None:
    parsed = parse_source(json.dumps(JSON_FEED_11).encode(), "https://kettle.example.io/feed.json")
    assert parsed.kind == "jsonfeed"
    assert parsed.title == "Kettle Notes"
    assert parsed.language == "en"
    assert urls(parsed) == [
        "https://kettle.example.io/posts/steam",
        "https://kettle.example.io/posts/relative",
    ]
    steam, relative = parsed.entries
    assert steam.title == "Steam & pressure"
    assert steam.summary == "Short summary"
    assert steam.published == datetime(2024, 5, 6, 11, 8, 9, tzinfo=UTC)
    assert steam.authors == ["Lee Brew"]
    assert steam.image == "https://kettle.example.io/images/steam.png"
    assert steam.language == "en-CA"
    assert steam.guid == "k-1"
    assert relative.guid == "2"
    assert relative.published is None
    assert relative.summary == "Only text"
    assert relative.authors == ["Feed Author"]  # items inherit the feed's authors
    assert relative.language == "en"


def test_json_feed_10() -> None:
    doc = {
        "version": "https://jsonfeed.org/version/1",
        "title": "Old style",
        "author": {"name": "Solo Writer"},
        "items": [
            {
                "id": "a",
                "url": "https://old.example.com/a",
                "title": "First",
                "content_html": "<p>Hello <b>there</b></p>",
                "date_modified": "2020-01-02T03:04:05Z",
                "author": {"name": "Item Writer"},
                "banner_image": "https://old.example.com/banner.jpg",
            }
        ],
    }
    parsed = parse_source(
        json.dumps(doc).encode(), "https://old.example.com/feed.json", "application/feed+json"
    )
    (entry,) = parsed.entries
    assert parsed.kind == "jsonfeed"
    assert entry.authors == ["Item Writer"]
    assert entry.summary == "Hello there"
    assert entry.published == datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert entry.image == "https://old.example.com/banner.jpg"


def test_json_feed_errors() -> None:
    with pytest.raises(ParseError, match=r"invalid JSON at line 1, column \d+"):
        parse_source(b'{"version": "https://jsonfeed.org/version/1.1", "items": [', FEED_URL)
    with pytest.raises(ParseError, match="JSON Feed missing 'items'"):
        parse_source(b'{"version": "https://jsonfeed.org/version/1.1", "title": "x"}', FEED_URL)
    with pytest.raises(ParseError, match="not a JSON Feed"):
        parse_source(b'{"hello": "world"}', FEED_URL)
    with pytest.raises(ParseError, match="not a JSON Feed: the top level is a JSON list"):
        parse_source(b"[1, 2, 3]", FEED_URL)
    with pytest.raises(ParseError, match="'items' is a dict, not a list"):
        parse_source(b'{"version": "https://jsonfeed.org/version/1", "items": {}}', FEED_URL)


# ------------------------------------------------------------------------------------------------- sitemaps

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://tide.example.com/2024/03/harbour-dredging</loc>
    <lastmod>2024-03-09</lastmod>
    <news:news>
      <news:publication><news:name>Tide Times</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2024-03-08T18:30:00+01:00</news:publication_date>
      <news:title>Harbour dredging &amp; what it means</news:title>
    </news:news>
    <image:image><image:loc>https://tide.example.com/img/dredge.jpg</image:loc></image:image>
  </url>
  <url>
    <loc> /2024/03/relative-loc </loc>
    <lastmod>2024-03-07T10:00:00Z</lastmod>
  </url>
  <url><loc>ftp://tide.example.com/file</loc></url>
  <url><lastmod>2024-01-01</lastmod></url>
</urlset>
"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://tide.example.com/sitemap-news.xml</loc><lastmod>2024-03-09</lastmod></sitemap>
  <sitemap><loc>/sitemap-2024-02.xml.gz</loc></sitemap>
  <sitemap><loc>https://tide.example.com/sitemap-news.xml</loc></sitemap>
</sitemapindex>
"""


def test_news_sitemap() -> None:
    parsed = parse_source(NEWS_SITEMAP, "https://tide.example.com/sitemap-news.xml", "application/xml")
    assert parsed.kind == "sitemap"
    assert urls(parsed) == [
        "https://tide.example.com/2024/03/harbour-dredging",
        "https://tide.example.com/2024/03/relative-loc",
    ]
    news, plain = parsed.entries
    assert news.title == "Harbour dredging & what it means"
    assert news.published == datetime(2024, 3, 8, 17, 30, tzinfo=UTC)  # publication_date wins over lastmod
    assert news.language == "en"
    assert news.image == "https://tide.example.com/img/dredge.jpg"
    assert plain.title is None
    assert plain.published == datetime(2024, 3, 7, 10, 0, tzinfo=UTC)


def test_sitemap_index() -> None:
    parsed = parse_source(SITEMAP_INDEX, "https://tide.example.com/sitemap.xml")
    assert parsed.kind == "sitemapindex"
    assert parsed.entries == []
    assert parsed.sitemaps == [
        "https://tide.example.com/sitemap-news.xml",
        "https://tide.example.com/sitemap-2024-02.xml.gz",
    ]


def test_gzipped_sitemap() -> None:
    parsed = parse_source(
        gzip.compress(NEWS_SITEMAP), "https://tide.example.com/s.xml.gz", "application/x-gzip"
    )
    assert parsed.kind == "sitemap"
    assert len(parsed.entries) == 2


def test_gzip_bomb_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "MAX_DECOMPRESSED_SIZE", 1000)
    with pytest.raises(ParseError, match="larger than .* when decompressed"):
        parse_source(gzip.compress(b"<urlset>" + b" " * 5000 + b"</urlset>"), FEED_URL)


def test_corrupt_and_truncated_gzip_are_refused() -> None:
    data = gzip.compress(NEWS_SITEMAP)
    with pytest.raises(ParseError, match="truncated gzip"):
        parse_source(data[: len(data) // 2], FEED_URL)
    with pytest.raises(ParseError, match="corrupt gzip"):
        parse_source(data[:10] + b"\xff" * 40, FEED_URL)


def test_sitemap_malformed() -> None:
    with pytest.raises(ParseError, match=r"malformed sitemap XML at line 3, column \d+: mismatched tag"):
        parse_source(b"<urlset>\n<url><loc>https://a.example/</loc>\n</urlset>", FEED_URL)


def test_text_sitemap() -> None:
    parsed = parse_source(b"https://t.example.com/a\nhttps://t.example.com/b\n", FEED_URL, "text/plain")
    assert parsed.kind == "sitemap"
    assert urls(parsed) == ["https://t.example.com/a", "https://t.example.com/b"]


# ------------------------------------------------------------------------------------------------- HTML

HTML_PAGE = b"""<!DOCTYPE html>
<html><head>
  <meta charset="utf-8">
  <title>  The   Meadow Post </title>
  <link rel="stylesheet" href="/style.css">
  <link rel="alternate" type="application/rss+xml" title="RSS" href="/feeds/rss.xml">
  <link rel="Alternate" type="application/atom+xml" href="feeds/atom.xml">
  <link rel="alternate" type="application/feed+json" href="https://cdn.example.net/meadow.json">
  <link rel="alternate" type="application/json" href="/wp-json/">
  <link rel="alternate" hreflang="fr" href="/fr/">
  <link rel="alternate" type="application/rss+xml" href="/feeds/rss.xml">
  <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
</head><body><p>Hello</p></body></html>
"""


def test_html_autodiscovery() -> None:
    parsed = parse_source(HTML_PAGE, "https://meadow.example.com/section/page.html", "text/html")
    assert parsed.kind == "html"
    assert parsed.title == "The Meadow Post"
    assert parsed.entries == []
    assert parsed.feed_links == [
        "https://meadow.example.com/feeds/rss.xml",
        "https://meadow.example.com/section/feeds/atom.xml",
        "https://cdn.example.net/meadow.json",
        "https://meadow.example.com/wp-json/",
    ]


def test_html_autodiscovery_with_base() -> None:
    page = b"""<html><head><base href="/blog/"><title>B</title>
      <link rel="alternate" type="application/atom+xml" href="atom.xml"></head><body></body></html>"""
    parsed = parse_source(page, "https://base.example.com/deep/page")
    assert parsed.feed_links == ["https://base.example.com/blog/atom.xml"]


def test_html_without_feeds() -> None:
    parsed = parse_source(b"<html><head><title>x</title></head><body>Nothing</body></html>", FEED_URL)
    assert parsed.kind == "html"
    assert parsed.feed_links == []


# ------------------------------------------------------------------------------------------------- refusals

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<rss version="2.0"><channel><title>&lol3;</title>
<item><title>&lol3;</title><link>https://x.example.com/1</link></item></channel></rss>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&secret;</title>
<entry><title>x</title><link href="https://x.example.com/2"/><id>x</id></entry></feed>
"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion-laughs", "xxe"])
def test_entity_declarations_are_refused(document: bytes) -> None:
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_source(document, FEED_URL)


def test_entity_declarations_refused_in_sitemaps() -> None:
    sitemap = b"""<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaa">]>
      <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://x.example/&a;</loc></url></urlset>"""
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_source(sitemap, FEED_URL)
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_source(gzip.compress(sitemap), FEED_URL)


def test_entity_declaration_after_leading_junk_is_refused() -> None:
    with pytest.raises(ParseError, match="declares XML entities"):
        parse_source(b"Warning: junk output\n" + BILLION_LAUGHS, FEED_URL)


def test_utf7_is_refused() -> None:
    doc = (
        b'<?xml version="1.0" encoding="UTF-7"?>+ADw-!DOCTYPE x +AFs-+ADw-!ENTITY a "b"+AD4-+AF0-+AD4-<rss/>'
    )
    with pytest.raises(ParseError, match="not ASCII-compatible"):
        parse_source(doc, FEED_URL)


def test_entity_text_inside_cdata_is_not_a_declaration() -> None:
    feed = b"""<rss version="2.0"><channel><title>Sec</title><item><title>XXE explained</title>
      <link>https://sec.example.com/xxe</link>
      <description><![CDATA[Example: <!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>]]></description>
      </item></channel></rss>"""
    assert urls(parse_source(feed, FEED_URL)) == ["https://sec.example.com/xxe"]


PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
)


def test_binary_is_refused() -> None:
    with pytest.raises(ParseError, match=r"looks like binary data \(image/png\)"):
        parse_source(PNG, FEED_URL)
    with pytest.raises(ParseError, match=r"looks like binary data \(image/png\)"):
        parse_source(PNG, FEED_URL, "image/png")
    with pytest.raises(ParseError, match=r"binary data \(application/pdf\)"):
        parse_source(b"<rss version='2.0'></rss>", FEED_URL, "application/pdf")
    with pytest.raises(ParseError, match=r"binary data \(contains NUL bytes\)"):
        parse_source(b"<rss>\x00\x01\x02</rss>", FEED_URL, "text/xml")
    with pytest.raises(ParseError, match=r"binary data \(application/octet-stream\)"):
        parse_source(b"\x01\x02\x03 random", FEED_URL, "application/octet-stream")


def test_octet_stream_that_is_a_feed_is_read() -> None:
    assert parse_source(RSS_091, "https://gazette.example.com/rss", "application/octet-stream").kind == "rss"


@pytest.mark.parametrize("body", [b"", b"   \n\t  "])
def test_empty_is_refused(body: bytes) -> None:
    with pytest.raises(ParseError, match="empty"):
        parse_source(body, FEED_URL)


def test_malformed_xml_without_entries_is_refused() -> None:
    with pytest.raises(ParseError, match=r"malformed XML at line 3, column \d+: mismatched tag"):
        parse_source(b"<?xml version='1.0'?>\n<rss version='2.0'><channel><title>x</title>\n</rss>", FEED_URL)


def test_unknown_xml_and_plain_text_are_refused() -> None:
    with pytest.raises(ParseError, match="unrecognised XML root element <catalog>"):
        parse_source(b"<?xml version='1.0'?><catalog><book>x</book></catalog>", FEED_URL)
    with pytest.raises(ParseError, match="no markup or JSON found"):
        parse_source(b"just some words", FEED_URL, "text/plain")
    with pytest.raises(ParseError, match="OPML"):
        parse_source(b"<opml version='2.0'><body/></opml>", FEED_URL)


def test_autodiscovery_puts_bare_json_links_last():
    page = (b'<html><head><link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts/1">'
            b'<link rel="alternate" type="application/rss+xml" href="/feed/"></head><body>x</body></html>')
    parsed = parse_source(page, "https://blog.example/post", "text/html")
    assert parsed.feed_links == ["https://blog.example/feed/", "https://blog.example/wp-json/wp/v2/posts/1"]


def test_broken_xml_whose_items_have_no_links_is_an_error():
    doc = b"<rss version='2.0'><channel><title>x</title><item><title>a</titl></item></chan"
    with pytest.raises(ParseError, match=r"malformed XML at line \d+, column \d+: mismatched tag"):
        parse_source(doc, "https://news.example/feed.xml", "application/rss+xml")


def test_an_atom_entry_with_only_html_content_gets_its_text_as_summary() -> None:
    # feedparser copies the only <content> into `summary` without saying its type: its markup was kept as text.
    feed = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Haven</title>
      <entry><title>Kade open</title><link href="https://haven.example.nl/kade"/><id>k1</id>
        <updated>2024-05-01T08:00:00Z</updated>
        <content type="html">&lt;p&gt;De kade is &lt;b&gt;weer&lt;/b&gt; open.&lt;/p&gt;</content></entry>
      <entry><title>Sluis dicht</title><link href="https://haven.example.nl/sluis"/><id>s1</id>
        <updated>2024-05-02T08:00:00Z</updated>
        <content type="text">Wie &lt;b&gt; typt, ziet &lt;b&gt;.</content></entry></feed>"""
    kade, sluis = parse_source(feed, "https://haven.example.nl/atom").entries
    assert kade.summary == "De kade is weer open."
    assert sluis.summary == "Wie <b> typt, ziet <b>."  # text content stays text, angle brackets and all


# ---- an item's full text (issue 17 item 5) ----------------------------------------------------------------


def test_rss_content_encoded_is_the_full_text_and_description_is_not() -> None:
    feed = b"""<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>t</title>
<item><title>A</title><link>https://news.example/a</link><description>A teaser.</description>
<content:encoded><![CDATA[<p>The whole <b>story</b>.</p><script>steal()</script>]]></content:encoded></item>
<item><title>B</title><link>https://news.example/b</link><description>Only a teaser.</description></item>
</channel></rss>"""
    a, b = parse_source(feed, "https://news.example/feed").entries
    assert (a.summary, a.content) == ("A teaser.", "<p>The whole <b>story</b>.</p><script>steal()</script>")
    assert (b.summary, b.content) == ("Only a teaser.", None)  # a description is a summary, not the article


def test_atom_content_of_each_type_is_kept_as_html() -> None:
    feed = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>u</id>
<updated>2025-01-01T00:00:00Z</updated>
<entry><title>H</title><link href="https://news.example/h"/><id>1</id><updated>2025-01-01T00:00:00Z</updated>
<content type="html">&lt;p&gt;Escaped &amp;amp; markup&lt;/p&gt;</content></entry>
<entry><title>T</title><link href="https://news.example/t"/><id>2</id><updated>2025-01-01T00:00:00Z</updated>
<summary>s</summary><content type="text">First &lt;line&gt;.

Second   paragraph.</content></entry>
<entry><title>X</title><link href="https://news.example/x"/><id>3</id><updated>2025-01-01T00:00:00Z</updated>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Inline <em>XHTML</em></p></div></content></entry>
<entry><title>S</title><link href="https://news.example/s"/><id>4</id><updated>2025-01-01T00:00:00Z</updated>
<summary>Only a summary.</summary></entry>
</feed>"""
    h, t, x, s = parse_source(feed, "https://news.example/feed").entries
    assert h.content == "<p>Escaped &amp; markup</p>"
    assert t.content == "<p>First &lt;line&gt;.</p><p>Second paragraph.</p>"  # plain text: escaped, paragraphs
    assert x.content == "<p>Inline <em>XHTML</em></p>"
    assert s.content is None


def test_json_feed_content_html_then_content_text() -> None:
    feed = json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": [
        {"id": "1", "url": "https://news.example/1", "content_html": "<p>Rich</p>", "content_text": "Plain"},
        {"id": "2", "url": "https://news.example/2", "content_text": "One <two>\n\nThree"},
        {"id": "3", "url": "https://news.example/3", "summary": "s", "content_html": 42},
    ]}).encode()
    one, two, three = parse_source(feed, "https://news.example/feed.json").entries
    assert (one.content, two.content, three.content) == ("<p>Rich</p>", "<p>One &lt;two&gt;</p><p>Three</p>", None)
