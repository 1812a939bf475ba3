"""Pages of one made-up site, the Harbour Times, for the tests of per-site templates (newsdesk.extract.template).

Every page has its own article, and the site's furniture around it: a membership appeal inside the article body
(long enough that no general rule takes it for a call to action), a "more from the desk" box of teasers, and a
title decorated with the site's name and its motto, longer than the headlines (so that the general title rules,
which strip a site's name or take the bare form another source gives only when the headline is most of the title,
leave it; only the site's template removes it).
"""

from __future__ import annotations

import html
import json

SITE = "https://www.harbourtimes.example"
APPEAL = ("The Harbour Times is owned by the people who read it, and every report on this site is paid for by "
          "members who give what they can each month to keep local reporting free for all.")
DECORATION = " | Harbour Times: local news from the quay, the harbour, the island ferries and the old town since 1901"
DESK = "More from the harbour desk this week, picked by our editors for readers of this story"

TOPICS = [
    ("Ferry timetable changes before the summer", "ferry", "the ferry operator", "timetable"),
    ("Fish market moves to the old rail depot", "fish market", "the traders' association", "move"),
    ("Lighthouse keepers' cottage becomes a museum", "cottage", "the heritage trust", "museum"),
    ("Dredging of the inner basin starts in May", "dredging", "the port authority", "works"),
    ("Sailing school doubles its places for children", "sailing school", "the club's board", "places"),
]


def article_paragraphs(i: int) -> list[str]:
    """Paragraphs of article `i`, none shared with another article."""
    headline, thing, who, what = TOPICS[i % len(TOPICS)]
    n = i + 3
    return [
        f"The {thing} plan announced by {who} on day {n} of the month drew a full hall of residents, "
        f"several of whom said the {what} had been discussed for far too long without a decision.",
        f"According to {who}, about {n * 40} households along the waterfront will notice the {what} first, "
        f"and letters explaining the details are due to arrive before the end of week {n}.",
        f"Critics at the meeting asked why the {what} could not wait another season, and {who} promised a "
        f"written answer to each of the {n + 7} questions raised from the floor that evening.",
        f"A second public meeting about the {thing} is planned for the autumn, when the first results of the "
        f"{what} will be known and residents can judge them for themselves, {who} said.",
    ]


def headline(i: int) -> str:
    return f"{TOPICS[i % len(TOPICS)][0]} ({i})"


def teasers(skip: int) -> list[str]:
    """The teaser box: other articles' first paragraphs (they change from page to page)."""
    return [article_paragraphs(j)[0] for j in range(len(TOPICS)) if j != skip][:2]


def page(i: int, *, decorate: str = DECORATION, kicker: str = "", appeal: bool = True,
         body: list[str] | None = None, slug: str | None = None) -> str:
    """Article `i` of the site as its server would send it (`kicker` and `decorate` around its title)."""
    url = f"{SITE}/news/{slug or f'story-{i}'}"
    title = headline(i)
    paragraphs = article_paragraphs(i) if body is None else body
    ld = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
          "datePublished": f"2025-04-{i % 27 + 1:02d}T08:00:00Z",
          "author": {"@type": "Person", "name": "Morgan Vale"}}
    text = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    box = "".join(f'<li class="teaser-item-{j}"><p>{html.escape(t)}</p></li>' for j, t in enumerate(teasers(i)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{html.escape(kicker + title + decorate)}</title>
<link rel="canonical" href="{url}">
<meta property="og:title" content="{html.escape(kicker + title + decorate)}">
<script type="application/ld+json">{json.dumps(ld)}</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a></nav></header>
<main><article class="story story-{i}">
<h1>{html.escape(title)}</h1>
<div class="story-body">
{text}
{f'<p class="member-appeal">{html.escape(APPEAL)}</p>' if appeal else ""}
</div>
</article>
<section class="more-desk"><h2>{DESK}</h2><ul>{box}</ul></section>
</main>
<footer><p>Harbour Times, Quay Street 1</p></footer>
</body></html>"""
