"""Feeds that carry each item's full text (RSS content:encoded, Atom <content>, JSON Feed content_html and
content_text), with hostile markup in it, for the tests of issue 17 item 5. All text is made up."""

from __future__ import annotations

import json
from email.utils import format_datetime
from html import escape

from pages import TOPICS, _date

HOSTILE = ('<script>document.title = "stolen"</script><style>p { color: red }</style>'
           '<iframe src="https://tracker.invalid/x"></iframe>')


def full_text(n: int) -> list[str]:
    """About 4 KB of made-up article text, numbered n: every paragraph of every topic, the item's own first."""
    first = TOPICS[n % len(TOPICS)]
    rest = [t for t in TOPICS if t is not first]
    paragraphs = [f"{p} (item {n})" if i == 0 else p for i, p in enumerate(first[1:])]
    paragraphs += [p for t in rest for p in t[1:]]
    paragraphs += [f"Earlier this year, {p[0].lower()}{p[1:]}" for t in rest for p in t[2:]]
    return paragraphs + [f"The desk counted {n * 13 + 5} letters from readers."]


def content_html(n: int) -> str:
    body = "".join(f'<p onclick="steal()">{escape(p)}</p>' for p in full_text(n))
    return (f"{HOSTILE}<h2>{escape(TOPICS[n % len(TOPICS)][0])}</h2><p>Updated on 2 March 2019</p>{body}"
            "<p>Share this on social media</p>")


SHORT = "A short teaser of the day's news, written to bring readers to the page where the whole article is."


def rss_full(base: str, ids: list[int], short: tuple[int, ...] = ()) -> str:
    items = "".join(
        f"<item><title>Headline {i}</title><link>{base}/articles/{i}.html</link><guid>{base}/articles/{i}.html</guid>"
        f"<pubDate>{format_datetime(_date(i))}</pubDate><description>{escape(SHORT)}</description>"
        f"<content:encoded><![CDATA[{SHORT if i in short else content_html(i)}]]></content:encoded></item>"
        for i in ids)
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
            'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Full Text Gazette</title>'
            f"<link>{base}/</link><description>test</description>{items}</channel></rss>")


def atom_full(base: str, ids: list[int], short: tuple[int, ...] = ()) -> str:
    entries = "".join(
        f'<entry><title>Headline {i}</title><link href="{base}/articles/{i}.html"/><id>urn:test:{i}</id>'
        f"<updated>{_date(i).isoformat()}</updated><summary>{escape(SHORT)}</summary>"
        f'<content type="html">{escape(SHORT if i in short else content_html(i))}</content></entry>'
        for i in ids)
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom Full Text</title><id>urn:test</id><updated>2025-09-01T00:00:00Z</updated>{entries}</feed>")


def jsonfeed_full(base: str, ids: list[int], short: tuple[int, ...] = (), *, plain: bool = False) -> str:
    def item(i: int) -> dict:
        out = {"id": str(i), "url": f"{base}/articles/{i}.html", "title": f"Headline {i}",
               "date_published": _date(i).isoformat(), "summary": SHORT}
        if plain:
            out["content_text"] = SHORT if i in short else "\n\n".join(full_text(i))
        else:
            out["content_html"] = SHORT if i in short else content_html(i)
        return out

    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "JSON Full Text",
                       "items": [item(i) for i in ids]})
