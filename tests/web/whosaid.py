"""Articles for the who-said-what web tests (tests/web/test_entities_web.py, and the analysed store that
tests/web/test_openapi.py checks the API against), written for these tests: invented events (public figures in
invented sentences), a wire report and a newspaper's reprint of it, a state-controlled outlet's report
(english.news.cn is labelled state-controlled in src/newsdesk/data/source-labels.toml), a quote that carries
markup, and one regional governor in more stories than a page holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from beijing_visit import COPY, COPY_URL, ORIGIN, ORIGIN_URL, STATE, STATE_URL

from newsdesk.analyze.stage import AnalysisStage
from newsdesk.config import Settings
from newsdesk.keys import entity_key
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.stories.engine import StoryEngine

VOGT = entity_key("Lena Vogt", "PERSON")

SCRIPT_QUOTE = "We will <script>alert('quote')</script> never let the sea take this town again"
HARBOUR_URL = "https://brisvalecourier.example/harbour-wall"
HARBOUR = (
    "Mayor Lena Vogt of Brisvale opened the rebuilt harbour wall on Friday.\n\n"
    f"\u201c{SCRIPT_QUOTE},\u201d Vogt said at the ceremony.\n\n"
    "Engineers said the wall could fail within a decade if storms grow stronger."
)
# Invented towns, one story each, years apart: Lena Vogt is in more stories than one page shows.
TOWNS = ["Ashcombe", "Bramleigh", "Cindermoor", "Dovecote", "Elmstead", "Foxhollow", "Gorsebrook", "Hazelmere",
         "Ironbridge", "Juniper Vale", "Kettlewick", "Larkspur", "Millhaven", "Nettlecombe", "Oakhurst",
         "Pebblesby", "Quarrington", "Ravensholt", "Saltmarsh", "Thornbury", "Umberleigh"]


def town_text(town: str, i: int) -> str:
    return (f"Regional governor Lena Vogt opened a new footbridge over the river in {town} on Tuesday, the town "
            f"council said.\n\n"
            f"\u201cThe people of {town} waited {i + 3} years for this crossing,\u201d Vogt said.\n\n"
            f"The footbridge in {town} is {40 + i} metres long and cost {i + 2} million crowns, council records show.")


def add_analysed_articles(db: str) -> None:
    """Adds these articles to the store at `db` (the filled web store), groups them into stories and
    analyses every article of the store."""
    store = Store(db)
    try:
        first = datetime(2001, 6, 5, 9, 0, tzinfo=UTC)
        for i, town in enumerate(TOWNS):  # oldest first: story ids grow with time, as in the live service
            store.save_article(Article(url=f"https://valleytimes.example/{i}", title=f"{town} footbridge opens",
                                       text=town_text(town, i), published=first + timedelta(days=400 * i),
                                       language="en"), source_name="Valley Times")
        day = datetime(2025, 9, 2, 8, 0, tzinfo=UTC)
        store.save_article(Article(url=HARBOUR_URL, title="Brisvale harbour wall reopens", text=HARBOUR,
                                   published=day - timedelta(days=30), language="en"), source_name="Brisvale Courier")
        for url, title, text, hours, outlet in (
                (ORIGIN_URL, "Kim Jong Un arrives in Beijing for talks with Xi", ORIGIN, 0, "Associated Press"),
                (COPY_URL, "Kim's armoured train pulls into Beijing", COPY, 1, "Harbor Daily"),
                (STATE_URL, "Kim Jong Un and Xi Jinping hold talks in Beijing", STATE, 2, "Xinhua")):
            store.save_article(Article(url=url, title=title, text=text, published=day + timedelta(hours=hours),
                                       language="en"), source_name=outlet)
        StoryEngine(store).process_pending()
        AnalysisStage(store, Settings(database_url=db)).process_pending()
    finally:
        store.close()
