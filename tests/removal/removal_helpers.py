"""Pages, feeds, WARC files and submissions written for the removal tests (no third-party text)."""

from __future__ import annotations

import io
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.removal import RemovalSubmission

HTML = {"Content-Type": "text/html; charset=utf-8"}
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}

# A wire story written for these tests. "Quillfeather" appears in no other text here (search tests look for it).
WIRE = [
    "The regional ferry operator said on Monday that its new electric vessel completed a first crossing of the "
    "northern strait carrying two hundred passengers and forty cars without recharging.",
    "Engineers from the shipyard travelled on board to monitor the batteries, which were built in a plant on "
    "the eastern shore and installed over the winter months.",
    "The operator plans to replace three diesel ferries on the route by the end of next year if the trials "
    "continue to go well through the stormy autumn season.",
    "Harbour officials in both towns have widened the loading ramps and installed charging masts that can "
    "refill the vessel in the twenty minutes it spends at each quay.",
    "Passengers interviewed on the deck praised the quiet engines, although several complained that the "
    "cafeteria had not yet opened for the season.",
]
UNIQUE = "The captain named the vessel Quillfeather after a seabird that nests on the cliffs of the strait."
OTHER = [
    "The county library announced on Monday that it will open a second reading room in the old post office "
    "building, after residents collected more than four thousand signatures.",
    "Volunteers will help catalogue the collection of local maps and photographs that was donated by a "
    "family of surveyors who lived in the valley for five generations.",
    "The librarians expect the room to open in the spring, once the heating and the wiring of the building "
    "have been replaced by contractors chosen at the council meeting.",
    "Children's story hours will move to the new room on Saturday mornings, and the old room will be kept for "
    "quiet study during the examination season.",
]


def page(title: str, paragraphs: list[str], *, outlet: str = "Test Gazette", extra: str = "",
         published: str = "2025-09-01T08:00:00Z") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} - {outlet}</title>
<meta property="og:title" content="{title}"><meta property="article:published_time" content="{published}">
</head><body><header><nav><a href="/">Home</a></nav></header>
<article><h1>{title}</h1>{body}{extra}</article>
<footer><p>Copyright {outlet}. All rights reserved.</p></footer></body></html>"""


def rss(base: str, paths: list[str]) -> str:
    items = "".join(f"<item><title>Item {i}</title><link>{base}{p}</link><guid>{base}{p}</guid>"
                    f"<pubDate>Mon, 01 Sep 2025 0{len(paths) - i}:00:00 GMT</pubDate></item>"
                    for i, p in enumerate(paths))  # the first path is the newest: collected (stored) first
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Test Gazette</title>'
            f"<link>{base}/</link><description>test</description>{items}</channel></rss>")


def write_warc(path: Path, pages: list[tuple[str, str]]) -> Path:
    """A WARC file with one response record per (url, html)."""
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=True)
        for url, html in pages:
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                          http_headers=headers))
    return path


def submission(**overrides: object) -> RemovalSubmission:
    values: dict = dict(name="Ada Example", email="ada@example.com", relationship="owner", reason="copyright",
                        good_faith=True, urls=[], details="We own this report.")
    values.update(overrides)
    return RemovalSubmission(**values)
