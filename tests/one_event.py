"""One event told two ways, written for the story-merge tests (tests/stories/test_merges.py, tests/web/
test_merged_stories.py): a flood in an invented town. The first reports tell the water and the evacuation with the
town's and the river's names; another outlet tells only the minister's relief money for "the storm", with no name
the first ones use, so the two start two stories. A later report tells both, reaching both stories: they are one
event, and merge into the older story. A last report tells the money again, after that."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from newsdesk.models import Article, StoryDoc
from newsdesk.stories.cluster import ClusterConfig

DAY = datetime(2025, 10, 14, 5, 0, tzinfo=UTC)

# Merges on, decided by the article that reaches two stories; the encoder left out, so that the words alone decide
# (these tests are about what a merge does, not which rule decides one).
MERGING = ClusterConfig(merge=True, merge_mode="article", semantic=False)

FLOOD = (
    "The river Avel burst its banks in Dunmore before dawn on Tuesday, flooding the lower town and forcing the "
    "evacuation of more than 300 homes, the Dunmore fire brigade said.\n\n"
    "Water rose above the windows of houses along Mill Street and the Avel quay, and boats carried elderly "
    "residents to the sports hall on Castle Hill, where the brigade set up beds and a kitchen.\n\n"
    "\"The Avel has never risen this fast,\" said Nora Fells, the chief of the Dunmore fire brigade. \"We moved "
    "people out street by street, and we are still checking the cellars.\"\n\n"
    "The Avel bridge in Dunmore was closed to traffic and the railway line along the river was cut."
)

FLOOD_AGAIN = (
    "Firefighters in Dunmore kept pumping water out of flooded houses on Tuesday after the river Avel overflowed "
    "overnight, and more than 300 homes in the lower town stayed empty.\n\n"
    "Nora Fells, who leads the Dunmore fire brigade, said the water along Mill Street was starting to fall but "
    "the Avel bridge would stay closed until engineers had inspected it.\n\n"
    "Evacuated families spent the day in the sports hall on Castle Hill, and volunteers brought dry clothes and "
    "hot meals. The railway line along the Avel remained cut."
)

RELIEF = (
    "Interior minister Samuel Okafor announced an emergency fund of 40 million crowns on Tuesday to compensate "
    "households and shopkeepers whose property was damaged by the storm.\n\n"
    "Payments of up to 25,000 crowns per household will be made within two weeks, Okafor told parliament, and "
    "insurers have agreed to speed up their claims.\n\n"
    "\"Nobody who lost a kitchen, a car or a shop to this storm will be left to pay alone,\" Okafor said. The "
    "opposition welcomed the fund but asked why the money for flood defences promised in the budget was never "
    "spent."
)

# Reaches both: the town, the river and the evacuation, and the minister's fund.
BRIDGE = (
    "Interior minister Samuel Okafor visited Dunmore on Tuesday, where the river Avel flooded the lower town "
    "and more than 300 homes were evacuated, and promised that his emergency fund of 40 million crowns would "
    "compensate households and shopkeepers damaged by the storm.\n\n"
    "Okafor walked along Mill Street with Nora Fells, the chief of the Dunmore fire brigade, and met evacuated "
    "families in the sports hall on Castle Hill.\n\n"
    "Payments of up to 25,000 crowns per household will be made within two weeks, the minister said, and "
    "insurers have agreed to speed up their claims. The Avel bridge stayed closed."
)

# The money again, told as the relief report told it: after the merge it belongs to the merged story.
RELIEF_LATER = (
    "The first payments from interior minister Samuel Okafor's emergency fund of 40 million crowns reached "
    "households on Thursday, two days after the storm, the ministry said.\n\n"
    "More than 1,200 households and shopkeepers have asked for compensation of up to 25,000 crowns each, and "
    "insurers said they had sped up their claims.\n\n"
    "Okafor told parliament that nobody who lost a kitchen, a car or a shop to the storm would be left to pay "
    "alone. The opposition again asked about the flood defences promised in the budget."
)

# (title, text, minutes after DAY, url, source), in the order they arrive
ARTICLES = [
    ("River Avel floods Dunmore, 300 homes evacuated", FLOOD, 0, "https://valleypost.example/dunmore-flood",
     "Valley Post"),
    ("Dunmore pumps out after the Avel overflows", FLOOD_AGAIN, 90, "https://northerntimes.example/avel",
     "Northern Times"),
    ("Minister sets up 40 million crown storm fund", RELIEF, 180, "https://capitalnews.example/storm-fund",
     "Capital News"),
    ("Okafor visits flooded Dunmore, promises compensation", BRIDGE, 300,
     "https://eveningstar.example/okafor-dunmore", "Evening Star"),
]
LATER = ("First storm fund payments reach households", RELIEF_LATER, 2 * 24 * 60,
         "https://capitalnews.example/storm-fund-payments", "Capital News")


def article(item: tuple[str, str, int, str, str]) -> tuple[Article, str]:
    """The stored form of one of the articles above, and its source's name."""
    title, text, minutes, url, source = item
    return Article(url=url, title=title, text=text, published=DAY + timedelta(minutes=minutes)), source


def doc(article_id: int | str, item: tuple[str, str, int, str, str]) -> StoryDoc:
    title, text, minutes, url, source = item
    return StoryDoc(id=article_id, title=title, text=text, published=DAY + timedelta(minutes=minutes), url=url,
                    source=source)


def record(article_id: int | str, item: tuple[str, str, int, str, str]) -> dict:
    """As a line of `newsdesk cluster`'s input."""
    title, text, minutes, url, source = item
    return {"id": article_id, "title": title, "text": text,
            "published": (DAY + timedelta(minutes=minutes)).isoformat(), "url": url, "source": source}
