"""parse_opml / write_opml over invented subscription lists."""

from __future__ import annotations

import pytest

from newsdesk.errors import ParseError
from newsdesk.sources.opml import OpmlOutline, parse_opml, write_opml

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>My reading</title></head>
  <body>
    <outline text="Top level feed" type="rss" xmlUrl="https://top.example.com/rss" htmlUrl="https://top.example.com/"/>
    <outline text="World">
      <outline text="Europe">
        <outline text="Canal Courier" title="ignored when text is set" type="rss"
                 xmlUrl="https://canal.example.nl/feed.xml" htmlUrl="https://canal.example.nl/"/>
        <outline title="Only a title attribute" xmlurl="https://lowercase.example.eu/atom"/>
      </outline>
      <outline text="Asia &amp; Pacific">
        <outline text="Reef Report" xmlUrl="  https://reef.example.au/rss  "/>
      </outline>
      <outline text="A folder note without a feed"/>
      <outline text="Gopher feed" xmlUrl="gopher://old.example.org/feed"/>
    </outline>
    <outline text="Untitled" xmlUrl="https://untitled.example.com/rss">
      <outline xmlUrl="https://child.example.com/rss"/>
    </outline>
  </body>
</opml>
"""


def test_parse_nested_outlines() -> None:
    assert parse_opml(NESTED) == [
        OpmlOutline("https://top.example.com/rss", "Top level feed", "https://top.example.com/", None),
        OpmlOutline(
            "https://canal.example.nl/feed.xml", "Canal Courier", "https://canal.example.nl/", "World/Europe"
        ),
        OpmlOutline("https://lowercase.example.eu/atom", "Only a title attribute", None, "World/Europe"),
        OpmlOutline("https://reef.example.au/rss", "Reef Report", None, "World/Asia & Pacific"),
        OpmlOutline("https://untitled.example.com/rss", "Untitled", None, None),
        OpmlOutline("https://child.example.com/rss", None, None, "Untitled"),
    ]


def test_round_trip() -> None:
    outlines = [
        OpmlOutline(
            "https://a.example.com/feed?x=1&y=2", 'Quotes "and" <angles> & amps', "https://a.example.com/"
        ),
        OpmlOutline("https://b.example.com/rss", None, None, "Tech"),
        OpmlOutline("https://c.example.com/rss", "C\u00e9dille \u2013 \u65e5\u672c", None, "Tech/Deep dives"),
        OpmlOutline("https://d.example.com/rss", "D", "https://d.example.com/", "Sport"),
        OpmlOutline("https://e.example.com/rss", "E", None, "Tech"),  # Tech again, after Sport: order kept
        OpmlOutline("https://f.example.com/rss", "Line\nbreak", None, None),
    ]
    text = write_opml(outlines, title="Export & backup")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>')
    assert '<opml version="2.0">' in text
    assert "<title>Export &amp; backup</title>" in text
    assert parse_opml(text.encode("utf-8")) == outlines


def test_write_empty_list() -> None:
    assert parse_opml(write_opml([]).encode()) == []


@pytest.mark.parametrize(
    "document, message",
    [
        (b"", "empty"),
        (
            b"<opml version='2.0'><body><outline text='x'></body></opml>",
            r"malformed OPML at line 1, column \d+",
        ),
        (b"<rss version='2.0'><channel/></rss>", "root element is <rss>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (
            b"<?xml version='1.0'?><!DOCTYPE opml [<!ENTITY x 'xxxxxxxx'>]>"
            b"<opml version='2.0'><body><outline text='&x;' xmlUrl='https://x.example/'/></body></opml>",
            "declares XML entities",
        ),
    ],
    ids=["empty", "malformed", "not-opml", "no-body", "entities"],
)
def test_bad_opml(document: bytes, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_opml(document)
