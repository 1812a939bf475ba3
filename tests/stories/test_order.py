"""Issue 15 item 1: the same articles with the same publication times give the same stories, and the same
origin for a copy group, in any order of arrival. One event told by six outlets: a wire story and two reprints,
a state outlet, an analysis and an independent follow-up, each with its publication time."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from corpus import BOILERPLATE_BOTTOM, BOILERPLATE_TOP, QUAKE_DAY, WIRE_QUAKE

from newsdesk.models import StoryDoc
from newsdesk.stories.engine import StoryDecider

STATE_QUAKE = (
    "The government of Veldoria has mobilised all necessary forces after an earthquake in the northern "
    "province on Tuesday, the state news service reported.\n\n"
    "Prime Minister Tomas Brevik chaired an emergency meeting in Ostrava Nova and declared a state of "
    "emergency in the province. Army units reached Marrask within hours, the ministry of defence said.\n\n"
    "Irena Kovalt, the head of the national emergency agency, said twelve people had died and that rescue "
    "teams were working in every affected village.\n\n"
    "The Veldorian Seismological Institute recorded the magnitude 6.4 quake at 4:12 a.m. near Marrask."
)

ANALYSIS_QUAKE = (
    "Why was the Marrask earthquake so deadly? Experts point to old buildings and a shallow fault.\n\n"
    "The magnitude 6.4 quake that killed at least twelve people in northern Veldoria on Tuesday struck at a "
    "depth of only ten kilometres, the Veldorian Seismological Institute said, which made the shaking far "
    "stronger at the surface.\n\n"
    "Much of the old town of Marrask was built of unreinforced brick before the building code of 1978, "
    "engineers said. Irena Kovalt, the head of the emergency agency, said inspections had been planned for "
    "years.\n\n"
    "Seismologists warned that aftershocks could go on for weeks and that Ostrava Nova, 80 kilometres away, "
    "sits on the same fault system."
)

FOLLOW_UP_QUAKE = (
    "The death toll from Tuesday's earthquake in northern Veldoria rose to nineteen on Wednesday as rescuers "
    "reached villages in the hills around Marrask, the national emergency agency said.\n\n"
    "Irena Kovalt, who leads the agency, said more than 300 homes had been destroyed and 2,000 people were "
    "sleeping in tents and at the football stadium.\n\n"
    "Prime Minister Tomas Brevik visited Marrask and promised money to rebuild schools and the regional "
    "hospital. The magnitude 6.4 quake was followed by dozens of aftershocks, the seismological institute said."
)

WIRE, REPRINT_1, REPRINT_2, STATE, ANALYSIS, FOLLOW_UP = range(1, 7)
COPY_GROUP = (WIRE, REPRINT_1, REPRINT_2)


def docs() -> dict[int, StoryDoc]:
    """The six articles; the wire is published first, its reprints minutes to an hour later."""
    def doc(i, title, text, minutes, url, source):
        return StoryDoc(id=i, title=title, text=text, published=QUAKE_DAY + timedelta(minutes=minutes), url=url,
                        source=source)
    return {d.id: d for d in [
        doc(WIRE, "Quake kills 12 in northern Veldoria", WIRE_QUAKE, 0,
            "https://apnews.com/article/veldoria-quake", "Associated Press"),
        doc(REPRINT_1, "Deadly earthquake hits Veldoria", BOILERPLATE_TOP + WIRE_QUAKE + BOILERPLATE_BOTTOM, 25,
            "https://herald.example/world/veldoria-quake", "The Example Herald"),
        doc(REPRINT_2, "At least 12 dead as quake strikes Veldoria province", WIRE_QUAKE, 70,
            "https://gazette.example/news/quake", "Daily Gazette"),
        doc(STATE, "Government mobilises forces after northern earthquake", STATE_QUAKE, 40,
            "https://state-news.example/veldoria/quake", "Veldoria State News"),
        doc(ANALYSIS, "Why the Marrask earthquake was so deadly", ANALYSIS_QUAKE, 300,
            "https://review.example/analysis/marrask", "The Review"),
        doc(FOLLOW_UP, "Veldoria quake toll rises to 19", FOLLOW_UP_QUAKE, 60 * 26,
            "https://observer.example/veldoria-toll", "The Observer"),
    ]}


def feed(order: tuple[int, ...]) -> tuple[dict[int, int], dict[int, int | None]]:
    """Feed the articles in `order` to a fresh decider: each article's final story and final origin."""
    by_id = docs()
    decider = StoryDecider()
    for i in order:
        decider.assign(by_id[i])
    stories = {i: decider.final_story(i) for i in by_id}
    origins = {i: decider.copies.origin_of(i) for i in by_id}
    return stories, origins


def partition(stories: dict[int, int]) -> frozenset[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for article, story in stories.items():
        groups.setdefault(story, set()).add(article)
    return frozenset(frozenset(g) for g in groups.values())


WIRE_ORDERS = list(itertools.permutations(COPY_GROUP))


@pytest.mark.parametrize("order", WIRE_ORDERS, ids=["-".join(map(str, o)) for o in WIRE_ORDERS])
def test_the_wire_is_the_origin_whichever_copy_arrives_first(order):
    _, origins = feed(order + (STATE, ANALYSIS, FOLLOW_UP))
    assert origins[WIRE] is None
    assert origins[REPRINT_1] == WIRE and origins[REPRINT_2] == WIRE


@pytest.mark.parametrize("order", WIRE_ORDERS, ids=["-".join(map(str, o)) for o in WIRE_ORDERS])
def test_the_wire_is_the_origin_when_its_copies_come_after_the_rest(order):
    _, origins = feed((FOLLOW_UP, ANALYSIS, STATE) + order)
    assert origins[WIRE] is None
    assert origins[REPRINT_1] == WIRE and origins[REPRINT_2] == WIRE


def test_one_story_in_every_order_of_arrival():
    """All 720 orders of the six articles: one story, the same origins."""
    seen = {}
    for order in itertools.permutations(docs()):
        stories, origins = feed(order)
        seen.setdefault((partition(stories), tuple(sorted(origins.items()))), order)
    assert len(seen) == 1, {k[0]: v for k, v in seen.items()}
    (groups, _), = seen
    assert groups == frozenset({frozenset(docs())})


def test_a_tie_in_time_goes_to_the_wire_agency():
    by_id = docs()
    for i in (REPRINT_1, REPRINT_2):
        by_id[i].published = by_id[WIRE].published
    for order in WIRE_ORDERS:
        decider = StoryDecider()
        for i in order:
            decider.assign(by_id[i])
        assert decider.copies.origin_of(WIRE) is None, order


@pytest.mark.both_engines
def test_the_service_re_points_the_origin_when_the_wire_arrives_last(store):
    """The reprints are stored and grouped first; the wire, published before them, arrives in a later pass:
    it becomes the origin, the reprints its copies, and the story counts one independent source for the three."""
    from newsdesk.models import Article
    from newsdesk.stories.engine import StoryEngine

    by_id = docs()
    by_id[REPRINT_2].text = WIRE_QUAKE + "\n\nThe Daily Gazette will follow the story as it develops tonight."

    def save(i):
        d = by_id[i]
        return store.save_article(Article(url=d.url, title=d.title, text=d.text, published=d.published),
                                  source_name=d.source)[0]

    engine = StoryEngine(store)
    ids = {i: save(i) for i in (REPRINT_2, REPRINT_1, STATE)}
    engine.process_pending()
    ids[WIRE] = save(WIRE)
    engine.process_pending()
    rows = {a.id: a for a in store.iter_articles()}
    assert rows[ids[WIRE]].duplicate_of is None
    assert rows[ids[REPRINT_1]].duplicate_of == ids[WIRE] and rows[ids[REPRINT_2]].duplicate_of == ids[WIRE]
    assert len({rows[i].story_id for i in ids.values()}) == 1
    story = store.get_story(rows[ids[WIRE]].story_id)
    assert story.article_count == 4 and story.independent_sources_count == 2
