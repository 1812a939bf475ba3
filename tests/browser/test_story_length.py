"""Issue 18's acceptance for the story page: a story with 60 statements and 50 entities is at most three screens
tall at 1280 px before its "all statements" and "all people and places" links (a screen: the 1280 x 900 viewport
every browser test here uses, so at most 2,700 px), and those links reach every statement and every entity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from conftest import VIEWPORTS

from newsdesk.keys import entity_key, name_key, utcnow
from newsdesk.models import Article
from newsdesk.store import Store
from newsdesk.store.repository import AnalysisRecord, StoryAnalysis
from newsdesk.stories.engine import StoryEngine

SCREENS = 3
DAY = datetime(2024, 9, 3, 6, 0, tzinfo=UTC)
# Invented outlets, people and places: a dam under strain after a week of rain.
OUTLETS = ["Valley Courier", "Northern Ledger", "Riverside Post", "Plains Herald"]
REPORT = ("Engineers opened the spillways of the Korvel dam on {day} after a week of rain raised the reservoir to "
          "its highest level in forty years, the regional water authority said.\n\n"
          "About {n} thousand residents of the towns below the dam were told to prepare to leave their homes, and "
          "schools in the valley were closed.\n\n"
          "The authority said the dam itself was sound, but that the river would rise by up to two metres in the "
          "towns downstream by the evening.\n\n"
          "Farmers along the river moved livestock to higher ground, and the regional road to the dam was closed.")
PEOPLE = [f"{first} {last}" for first, last in zip(
    ["Ilse", "Marek", "Noor", "Otto", "Pella", "Quentin", "Rhea", "Soren", "Tamsin", "Ulla", "Viktor", "Wren",
     "Xander", "Yusra", "Zofia", "Anouk", "Bram", "Cyra", "Dorian", "Elin", "Falk", "Greta", "Hugo", "Iva",
     "Jonas"],
    ["Varga", "Lindholm", "Achterberg", "Kessling", "Moravec", "Dunmore", "Castellan", "Veldhuis", "Orrin",
     "Brask", "Halloran", "Sedlak", "Quist", "Farouk", "Lenz", "Mireau", "Tolland", "Everett", "Saks", "Norwood",
     "Pietri", "Ashby", "Rennick", "Stahl", "Wexford"], strict=True)]
ORGS = [f"{name}" for name in ["Korvel Water Authority", "Valley Civil Protection Agency", "Regional Assembly",
                               "Korvel Farmers Union", "Red Cross of the Valley", "Dam Safety Board",
                               "Ministry of Infrastructure", "Riverside Town Council", "Northern Rail",
                               "Valley Hospital Trust", "Weather Office", "Korvel Hydro Company",
                               "Insurance Council", "Teachers Union of Korvel", "Army Engineers Corps"]]
PLACES = ["Korvel", "Riverside", "Lower Ashford", "Mellin", "Brackwater", "Stennis Valley", "Oster Bridge",
          "Hallam Ford", "Pike Crossing", "Wendle"]
ROLES = ["the water authority's director", "the regional governor", "a hydrologist at Mellin University",
         "the mayor of Riverside", "a spokesperson for the civil protection agency", None]
KINDS = ["official", "official", "expert", "official", "official", "other"]
STATUSES = ["claim", "claim", "reported", "speculation", "denial"]


def _statement(k: int, article_ids: list[int]) -> dict:
    speaker = PEOPLE[k % len(PEOPLE)]
    quote = k % 3 != 2
    text = (f"The spillways will stay open for at least {k % 5 + 2} more days, and every town below the dam has "
            f"a bus ready in case the river rises past the warning mark number {k}")
    return {"speaker": speaker, "speaker_role": ROLES[k % len(ROLES)], "text": text, "verb": "say",
            "kind": KINDS[k % len(KINDS)], "status": STATUSES[k % len(STATUSES)], "quote": quote,
            "context": None if quote else f"{speaker} said that {text[0].lower()}{text[1:]}.",
            "article_id": article_ids[k % len(article_ids)], "start": 0, "end": len(text),
            "article_ids": article_ids[: 1 + k % len(article_ids)], "independent_origins": 1 + (60 - k) % 4,
            "outlets": OUTLETS[: 1 + k % len(OUTLETS)], "state_media_outlets": [], "state_media_only": False}


def _entities() -> list[dict]:
    typed = ([(n, "PERSON") for n in PEOPLE] + [(n, "ORG") for n in ORGS] + [(n, "GPE") for n in PLACES])
    assert len(typed) == 50
    # salience order as the aggregate stores it: interleaved kinds, the most named first
    typed = [item for _, item in sorted(enumerate(typed), key=lambda pair: (pair[0] % 5, pair[0]))]
    return [{"name": name, "type": kind, "mentions": 50 - k, "key": entity_key(name, kind),
             "role": ROLES[k % len(ROLES)] if kind == "PERSON" else None} for k, (name, kind) in enumerate(typed)]


@pytest.fixture(scope="module")
def long_story(site) -> int:
    """Four independent reports of the dam (two reprinted by another outlet), grouped and briefed by the real
    engine, then given the analysis of a long story: 60 statements, 50 entities."""
    store = Store(site.db)
    try:
        story = store.create_story()
        origins: list[int] = []
        for k, outlet in enumerate(OUTLETS):
            slug = outlet.lower().replace(" ", "")
            aid, _ = store.save_article(Article(
                url=f"https://{slug}.example/news/korvel-dam", title=f"Korvel dam spillways opened ({outlet})",
                text=REPORT.format(day="Tuesday" if k % 2 else "Monday", n=12 + k), language="en",
                published=DAY + timedelta(hours=3 * k)), source_name=outlet)
            store.assign_story(aid, story, duplicate_of=None, minhash=None, joined_at=utcnow())
            origins.append(aid)
        copies: list[int] = []
        for k, origin in enumerate(origins[:2]):
            aid, _ = store.save_article(Article(
                url=f"https://reprints{k}.example/korvel", title="Korvel dam spillways opened", language="en",
                text=REPORT.format(day="Monday", n=12 + k), published=DAY + timedelta(hours=3 * k + 1)),
                source_name=f"Reprint Weekly {k}")
            store.assign_story(aid, story, duplicate_of=origin, minhash=None, joined_at=utcnow())
            copies.append(aid)
        StoryEngine(store).refresh(story)
        # every article analysed (their own rows stay empty: the story's analysis below is what the page reads)
        store.save_analyses([AnalysisRecord(aid, [], [], "test") for aid in (origins + copies)])
        entities = _entities()
        index = [{"entity_key": e["key"], "name_key": name_key(e["name"]), "name": e["name"], "type": e["type"],
                  "role": e["role"], "mentions": e["mentions"]} for e in entities]
        store.update_story(story, analysis=StoryAnalysis(entities, [_statement(k, origins) for k in range(60)],
                                                         index))
    finally:
        store.close()
    return story


def test_a_long_story_is_three_screens_before_its_links_to_all_statements_and_entities(page, site, long_story,
                                                                                       screenshot):
    width, height = VIEWPORTS["desktop"]["width"], VIEWPORTS["desktop"]["height"]
    assert width == 1280
    response = page.goto(f"{site.url}/stories/{long_story}")
    assert response.status == 200
    assert page.locator("section.who-said-what li.said").count() == 8
    assert page.locator("ol.timeline > li.origin").count() == len(OUTLETS)  # each report once
    assert page.locator("ol.brief a.citation").count() >= 1
    assert page.locator(".analysis-note").count() == 0  # every article analysed
    statements = page.get_by_role("link", name="All 60 statements")
    entities = page.locator("details.all-entities > summary")
    assert " ".join(entities.inner_text().split()) == "All people and places (35 more)"
    # the top of each link in the document: offsetTop through its offset parents, i.e. layout, not scrolling
    tops = {name: locator.evaluate("el => el.getBoundingClientRect().top + window.scrollY")
            for name, locator in (("statements", statements), ("entities", entities))}
    total = page.evaluate("document.documentElement.scrollHeight")
    print(f"story page at {width} x {height}: links at {tops}, page {total} px tall")
    screenshot(page, "story-long")  # before the verdict: a failure leaves the picture to look at
    for name, top in tops.items():
        assert top <= SCREENS * height, f"the 'all {name}' link is {top:.0f} px down, past {SCREENS} screens"

    statements.click()
    page.wait_for_url(f"{site.url}/stories/{long_story}/statements")
    assert page.locator("section.who-said-what li.said").count() == 60
    assert page.locator("section.who-said-what section h3").count() == 4  # under their status: all four kinds
    screenshot(page, "story-all-statements")


def test_the_long_story_fits_a_small_phone(page, site, long_story):
    """The run-on entity names, the folded reprints and the statements' legend stay within a 360 px screen."""
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto(f"{site.url}/stories/{long_story}")
    page.locator("details.copies > summary").first.click()  # a report's reprints, unfolded
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.goto(f"{site.url}/stories/{long_story}/statements")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
