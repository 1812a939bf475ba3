"""Feeds and article pages written for the tests (no third-party text)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

TOPICS = [
    ("Harbour bridge reopens after repairs",
     "Engineers finished replacing the cables of the old harbour bridge",
     "Ferry captains said traffic on the water had doubled while the bridge was shut for repairs.",
     "The steel cables were made in a foundry upriver and shipped on barges during the night.",
     "Cyclists will get a separate lane on the eastern side once the paint has dried."),
    ("City council approves new tram line",
     "The council voted to extend the tram network to the northern districts",
     "Shop owners on the main avenue worry that months of digging will keep their customers away.",
     "Twelve new stops are planned, including one beside the university hospital and the stadium.",
     "The opposition group argued that electric buses would have cost far less to run."),
    ("Flood defences tested along the river",
     "Emergency teams ran a full-scale test of the river flood barriers",
     "Volunteers filled sandbags at the fire station while sirens sounded across the lower town.",
     "The barriers rose within forty minutes, faster than the engineers had planned for.",
     "Insurers have raised premiums for homes near the water after two wet winters."),
    ("Library opens late on weekdays",
     "The central library will stay open until ten in the evening",
     "Students had petitioned for longer hours during the exam season for three years in a row.",
     "The reading room on the top floor will be staffed by librarians from the university.",
     "A new cafe in the lobby is expected to open when the evening hours begin."),
    ("Farmers report early harvest",
     "Growers across the valley started picking apples two weeks early",
     "A warm spring and little frost meant the trees flowered almost a month ahead of time.",
     "Pickers from neighbouring villages were hired at short notice to bring the fruit in.",
     "Cider makers expect a sweeter vintage but worry about storage space in their cellars."),
    ("Orchestra names new conductor",
     "The city orchestra appointed a conductor from its own violin section",
     "She has played with the orchestra for fifteen years and led its youth programme since 2019.",
     "Her first season will open with a symphony written by a composer born in the city.",
     "Ticket sales for the autumn concerts rose sharply after the announcement on the radio."),
]


def article_html(n: int, *, title: str | None = None, canonical: str | None = None) -> str:
    head, lead, *details = TOPICS[n % len(TOPICS)]
    title = title or f"{head} ({n})"
    paragraphs = [f"{lead}, officials said on Tuesday, in a statement numbered {n}.", *details,
                  f"The project office said {n * 7 + 11} people had worked on it over {n + 3} months."]
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    canon = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} - Test Gazette</title>
{canon}<meta property="og:title" content="{title}">
<meta name="author" content="Reporter {n}">
<meta property="article:published_time" content="2025-09-0{1 + n % 8}T08:00:00Z">
</head><body><header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<article><h1>{title}</h1><p class="byline">By Reporter {n}</p>{body}</article>
<footer><p>Copyright Test Gazette. All rights reserved.</p></footer></body></html>"""


def _date(n: int) -> datetime:
    return datetime(2025, 9, 1, tzinfo=UTC) + timedelta(hours=n)


def rss(base: str, ids: list[int], title: str = "Test Gazette") -> str:
    items = "".join(
        f"<item><title>Item {i}</title><link>{base}/articles/{i}.html</link>"
        f"<guid>{base}/articles/{i}.html</guid><pubDate>{format_datetime(_date(i))}</pubDate></item>"
        for i in ids
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"<link>{base}/</link><description>test</description>{items}</channel></rss>")


def atom(base: str, ids: list[int]) -> str:
    entries = "".join(
        f'<entry><title>Item {i}</title><link href="{base}/articles/{i}.html"/><id>urn:test:{i}</id>'
        f"<updated>{_date(i).isoformat()}</updated></entry>"
        for i in ids
    )
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Atom Gazette</title><id>urn:test</id><updated>2025-09-01T00:00:00Z</updated>{entries}</feed>")


def rss1(base: str, ids: list[int]) -> str:
    items = "".join(
        f'<item rdf:about="{base}/articles/{i}.html"><title>Item {i}</title>'
        f"<link>{base}/articles/{i}.html</link></item>"
        for i in ids
    )
    return ('<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            f'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="{base}/"><title>RDF Gazette</title>'
            f"<link>{base}/</link><description>t</description></channel>{items}</rdf:RDF>")


def jsonfeed(base: str, ids: list[int]) -> str:
    import json

    return json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON Gazette",
        "items": [{"id": str(i), "url": f"{base}/articles/{i}.html", "title": f"Item {i}",
                   "date_published": _date(i).isoformat()} for i in ids],
    })


def news_sitemap(base: str, ids: list[int]) -> str:
    urls = "".join(
        f"<url><loc>{base}/articles/{i}.html</loc><news:news><news:publication><news:name>Map Gazette</news:name>"
        f"<news:language>en</news:language></news:publication><news:publication_date>{_date(i).isoformat()}"
        f"</news:publication_date><news:title>Item {i}</news:title></news:news></url>"
        for i in ids
    )
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>')


def sitemap_index(children: list[str]) -> str:
    maps = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
    return ('<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"{maps}</sitemapindex>")
