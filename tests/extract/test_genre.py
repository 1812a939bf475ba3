"""Opinion and round-up pieces recognised from the labels a page puts on itself, each signal alone on a page written
for these tests, and the near-misses that must stay reporting (newsdesk.genre, through extract_article)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from newsdesk.extract import article_to_contract, extract_article
from newsdesk.genre import OPINION, ROUNDUP, detect_genre

BODY = (
    "<p>The city council voted on Tuesday night to close the old ferry terminal at the end of the summer, ending "
    "a service that has carried commuters across the river for more than ninety years.</p>"
    "<p>Council members said the terminal needed repairs that the city could not afford, and that the new bridge "
    "upstream now carries most of the traffic the ferry once did.</p>"
    "<p>Residents of the island district, who rely on the ferry to reach the market, asked the council to keep a "
    "smaller boat running on weekdays until a bus route is in place.</p>"
)


def page(title: str = "Council votes to close the ferry terminal", *, section: str | None = None,
         ld: dict | None = None, title_tag: str | None = None) -> str:
    head = [f"<title>{title_tag or title}</title>", f'<meta property="og:title" content="{title}">']
    if section is not None:
        head.append(f'<meta property="article:section" content="{section}">')
    if ld is not None:
        head.append(f'<script type="application/ld+json">{json.dumps({"@context": "https://schema.org", **ld})}'
                    "</script>")
    return (f"<!DOCTYPE html><html lang='en'><head>{''.join(head)}</head><body><article><h1>{title}</h1>{BODY}"
            "</article></body></html>")


NEWS_URL = "https://river.example/news/2025/05/06/council-votes-to-close-the-ferry-terminal"


@pytest.mark.parametrize("url", [
    "https://river.example/opinion/2025/05/06/the-ferry-deserves-better",
    "https://river.example/news/editorials/the-ferry-deserves-better",
    "https://river.example/op-ed/the-ferry-deserves-better",
    "https://river.example/commentisfree/2025/may/06/the-ferry-deserves-better",
    "https://river.example/columnists/jane-doe/the-ferry-deserves-better",
    "https://river.example/letters/readers-on-the-ferry",
    "https://river.example/meinung/kommentar-die-faehre-verdient-mehr",
    "https://river.example/opini%C3%B3n/el-transbordador-merece-mas",
    "https://river.example/tribune/le-bac-merite-mieux/",
    "https://opinion.river.example/2025/05/06/the-ferry-deserves-better",
])
def test_an_opinion_section_in_the_url_marks_opinion(url):
    assert extract_article(page(), url).genre == OPINION


@pytest.mark.parametrize("url", [
    NEWS_URL,
    "https://river.example/news/opinion-poll-shows-most-want-the-ferry-kept",  # a word of the slug, not a section
    "https://river.example/politics/editorial-staff-walk-out-over-ferry-coverage",
    "https://river.example/comments/2025/ferry",  # readers' comments, not commentary
    "https://river.example/news/column-of-smoke-seen-over-ferry-terminal",
])
def test_near_misses_in_the_url_stay_reporting(url):
    assert extract_article(page(), url).genre is None


@pytest.mark.parametrize("ld", [
    {"@type": "OpinionNewsArticle", "headline": "Council votes to close the ferry terminal"},
    {"@type": "ReviewNewsArticle", "headline": "Council votes to close the ferry terminal"},
    {"@type": "NewsArticle", "articleSection": "Opinion"},
    {"@type": "NewsArticle", "articleSection": ["Local", "Columns"]},
    {"@type": "NewsArticle", "genre": "Commentary"},
    {"@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "articleSection": "Meinung"}]},
])
def test_json_ld_type_section_or_genre_marks_opinion(ld):
    assert extract_article(page(ld=ld), NEWS_URL).genre == OPINION


@pytest.mark.parametrize("ld", [
    {"@type": "AnalysisNewsArticle"},  # analysis reports what people said about the event: coverage
    {"@type": "BackgroundNewsArticle"},
    {"@type": "ReportageNewsArticle", "articleSection": "Opinion polls"},
    {"@type": "WebSite", "genre": "Opinion"},  # not the article's own object
])
def test_json_ld_that_is_not_an_opinion_label_stays_reporting(ld):
    assert extract_article(page(ld=ld), NEWS_URL).genre is None


@pytest.mark.parametrize("section", ["Opinion", "Editorials", "Op-Ed", "Letters to the Editor", "News > Opinion",
                                     "Kommentar", "Opinión"])
def test_article_section_marks_opinion(section):
    assert extract_article(page(section=section), NEWS_URL).genre == OPINION


@pytest.mark.parametrize("section", ["News", "Politics", "Opinion Polls", "Comments policy"])
def test_other_sections_stay_reporting(section):
    assert extract_article(page(section=section), NEWS_URL).genre is None


@pytest.mark.parametrize("title, title_tag", [
    ("Opinion: The ferry deserves better than this", None),
    ("Opinion | The ferry deserves better than this", None),
    ("Editorial: Keep the ferry running", None),
    ("Op-Ed: Keep the ferry running", None),
    ("Column: What the ferry taught me", None),
    ("Commentary: A city that forgets its river", None),
    ("Letters: Readers on the ferry vote", None),
    ("Kommentar: Die Fähre verdient mehr", None),
    ("The River Gazette view on the ferry: a vote too soon", None),
    ("The ferry deserves better than this", "The ferry deserves better than this | Opinion | River Gazette"),
    ("Keep the ferry running", "Keep the ferry running - Editorial - River Gazette"),
])
def test_headline_labels_mark_opinion(title, title_tag):
    assert extract_article(page(title, title_tag=title_tag), NEWS_URL).genre == OPINION


@pytest.mark.parametrize("title", [
    "Council votes to close the ferry terminal",
    "Opinion poll: most residents want the ferry kept",
    "Analysis: what the ferry vote means for the island district",  # analysis is coverage
    "Mayor's letter to ferry staff leaked",
    "Commentator arrested after ferry protest",
    "Ferry terminal to close - The Tribune",  # a paper's name, not a label
    "Kommentar zu Fährplänen sorgt für Empörung",  # news about a comment: no label
    "The Latest: Ferry terminal closes after council vote",  # live updates on one event
    "Live updates: council votes on the ferry terminal",
    "Bayer settles Roundup lawsuits as ferry town sues",
    "White House holds daily briefing on ferry safety",
])
def test_headline_near_misses_stay_reporting(title):
    assert extract_article(page(title), NEWS_URL).genre is None


@pytest.mark.parametrize("title, url", [
    ("Markets wrap: stocks slip as ferry operator warns on profits", NEWS_URL),
    ("Stock market today: Wall Street drifts after ferry operator's warning", NEWS_URL),
    ("Stocks making the biggest moves midday: ferry operator, bank, airline", NEWS_URL),
    ("Morning briefing: the ferry vote, a heat record and the cup final", NEWS_URL),
    ("Your Wednesday Evening Briefing", NEWS_URL),
    ("10 things you need to know today", NEWS_URL),
    ("HS roundup: Riverside wins again", NEWS_URL),
    ("News round-up: ferry, floods and a royal visit", NEWS_URL),
    ("Investors shrug off the ferry vote", "https://river.example/2025/05/06/investing/asian-market-latest/"),
    ("Ferry vote and more", "https://river.example/2025/05/06/week-in-review-ferry-vote-and-more"),
])
def test_market_wraps_and_briefings_mark_roundup(title, url):
    assert extract_article(page(title), url).genre == ROUNDUP


def test_an_opinion_label_wins_over_a_roundup_phrase():
    assert extract_article(page("Opinion | Morning briefing"), NEWS_URL).genre == OPINION


def test_extract_output_carries_the_genre(tmp_path):
    opinion = tmp_path / "opinion.html"
    opinion.write_text(page("Editorial: Keep the ferry running"), encoding="utf-8")
    news = tmp_path / "news.html"
    news.write_text(page(), encoding="utf-8")
    assert article_to_contract("x", extract_article(page(), NEWS_URL))["genre"] is None
    done = subprocess.run([sys.executable, "-m", "newsdesk.cli", "extract", str(opinion), str(news), str(tmp_path /
                           "missing.html"), "--url", NEWS_URL], capture_output=True, text=True, timeout=120)
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["genre"] for r in records] == [OPINION, None, None]  # a failed file still has the field


def test_detect_genre_takes_what_a_record_has():
    """`newsdesk cluster` records have a URL and a title only; missing or odd values are no label."""
    assert detect_genre(["https://river.example/opinion/x"], [None]) == OPINION
    assert detect_genre([None, ""], ["Markets wrap: stocks slip"]) == ROUNDUP
    assert detect_genre([], []) is None
    assert detect_genre(["not a url ["], [42], sections=[None, 7, {"a": 1}, ["Opinion"]]) == OPINION
