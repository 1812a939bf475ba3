"""One event written for the tests, told four ways: a news report, an editorial, an op-ed and a market wrap that
leads with it before moving on to other markets. Each piece is also given as the page an outlet would serve, with
the labels that outlet would put on it (the editorial in an opinion section with a headline label, the op-ed
through its JSON-LD type only, the wrap through its headline)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

DAY = datetime(2025, 5, 6, 18, 0, tzinfo=UTC)

REPORT = (
    "The city council of Port Veyra voted 7 to 4 on Tuesday to close the Saltmarsh ferry terminal in September, "
    "ending a crossing that has carried commuters over the Veyra estuary since 1931.\n\n"
    "Mayor Ilsa Brandt said repairing the terminal's rotten piers would cost 14 million crowns, money the city "
    "does not have, and that the new Veyra bridge now carries most of the traffic the ferry once did.\n\n"
    "Residents of the Saltmarsh island district, about 3,000 people, packed the council chamber and asked for a "
    "smaller boat on weekdays until a bus line reaches the island.\n\n"
    "Saltmarsh Lines, which runs the ferry, said it would move its two boats to the northern harbour."
)

EDITORIAL = (
    "The Port Veyra city council voted on Tuesday to close the Saltmarsh ferry terminal, and Mayor Ilsa Brandt "
    "calls the 14 million crowns of pier repairs money the city does not have.\n\n"
    "The council has it backwards. The Saltmarsh ferry is the only link to the Veyra estuary's island district "
    "that does not mean a forty-minute drive to the Veyra bridge, and the 3,000 people of Saltmarsh were never "
    "offered a bus line before the vote.\n\n"
    "Port Veyra should keep a weekday boat running until the island has that bus. Closing the terminal first and "
    "planning later is how a city loses the trust of a whole district."
)

OP_ED = (
    "I have taken the Saltmarsh ferry across the Veyra estuary to my job in Port Veyra every weekday for "
    "twenty-two years, and on Tuesday the city council voted to close the terminal in September.\n\n"
    "Mayor Ilsa Brandt says the piers need 14 million crowns of repairs. Perhaps they do. But nobody on the "
    "council asked the 3,000 people of the Saltmarsh island district how they will reach work, school or the "
    "hospital once Saltmarsh Lines moves its boats to the northern harbour.\n\n"
    "The Veyra bridge is a fine bridge for people with cars. Many of my neighbours have none."
)

WRAP = (
    "Shares of Saltmarsh Lines fell 6 percent in Port Veyra on Tuesday after the city council voted 7 to 4 to close "
    "the Saltmarsh ferry terminal in September, the ferry operator's main crossing over the Veyra estuary.\n\n"
    "Mayor Ilsa Brandt said the terminal's piers would cost 14 million crowns to repair; Saltmarsh Lines said it "
    "would move its two boats to the northern harbour.\n\n"
    "The Austrand crown rose 0.4 percent against the euro after the central bank in Linden kept its rate at 3.25 "
    "percent, and brent crude climbed 1.2 percent to 84 dollars a barrel on supply worries.\n\n"
    "Technology stocks led the Linden exchange higher, with chipmaker Orvanta up 3.1 percent on a record "
    "quarter, while miners slipped as copper prices eased for a third day."
)


def html_page(title: str, text: str, *, ld_type: str = "NewsArticle", site: str = "The Courier",
              url: str | None = None) -> str:
    ld = json.dumps({"@context": "https://schema.org", "@type": ld_type, "headline": title,
                     "datePublished": DAY.isoformat(), "publisher": {"@type": "Organization", "name": site}})
    paragraphs = "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
    return (f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{title} | {site}</title>"
            f"<meta property='og:title' content='{title}'><meta property='og:site_name' content='{site}'>"
            + (f"<link rel='canonical' href='{url}'>" if url else "") +
            f"<script type='application/ld+json'>{ld}</script></head>"
            f"<body><article><h1>{title}</h1>{paragraphs}</article></body></html>")


# (name, url, outlet, title, text, JSON-LD type, hours after DAY)
PIECES = [
    ("report", "https://veyrapost.example/news/2025/05/06/council-votes-to-close-saltmarsh-ferry", "Veyra Post",
     "Port Veyra council votes to close Saltmarsh ferry terminal", REPORT, "NewsArticle", 0),
    ("editorial", "https://estuarycourier.example/opinion/editorials/2025/05/07/keep-the-saltmarsh-ferry",
     "Estuary Courier", "Editorial: Port Veyra is wrong to close the Saltmarsh ferry", EDITORIAL, "NewsArticle", 6),
    ("op-ed", "https://islandherald.example/2025/05/07/twenty-two-years-on-the-saltmarsh-ferry", "Island Herald",
     "Twenty-two years on the Saltmarsh ferry, and no one asked us", OP_ED, "OpinionNewsArticle", 9),
    ("wrap", "https://lindenmarkets.example/2025/05/06/saltmarsh-lines-slides-crown-firms", "Linden Markets",
     "Markets wrap: Saltmarsh Lines slides, crown firms after rate hold", WRAP, "NewsArticle", 2),
]


def cluster_records(*, genre_field: bool | None = None) -> list[dict]:
    """The pieces as `newsdesk cluster` records (report first). genre_field: None leaves the field out (read
    from the URL and title), True gives each piece's genre, False says null (reporting) for every piece."""
    genres = {"report": None, "editorial": "opinion", "op-ed": "opinion", "wrap": "roundup"}
    out = []
    for name, url, outlet, title, text, _, hours in PIECES:
        rec = {"id": name, "title": title, "text": text, "url": url, "source": outlet,
               "published": (DAY + timedelta(hours=hours)).isoformat()}
        if genre_field is not None:
            rec["genre"] = genres[name] if genre_field else None
        out.append(rec)
    return out
