"""The online story clusterer on articles written for these tests (fictional places and people)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from newsdesk.models import StoryDoc
from newsdesk.stories.cluster import ClusterConfig, StoryClusterer
from newsdesk.stories.features import article_terms, is_cased, term_counts

# ----------------------------------------------------------------------------------------------- articles

BRIDGE_WIRE = (
    "A section of the Harlow Street bridge in Port Averly collapsed into the Teme river on Wednesday evening, "
    "sending four cars into the water and injuring at least nine people, the city fire service said.\n"
    "The 140-metre bridge, built in 1962, had been closed to lorries since March after inspectors found cracks "
    "in two of its supports, according to the Averly Transport Authority.\n"
    "\"Divers pulled three drivers from the river within minutes,\" fire chief Dana Okonkwo told reporters. "
    "\"We are still searching the water for a fourth vehicle.\"\n"
    "Mayor Felix Arnaud ordered an inquiry into the collapse and closed the two other bridges of the same design.\n"
    "Traffic between the north and south of the city was diverted to the Kessel ring road."
)

BRIDGE_COPY_A = BRIDGE_WIRE.replace("Traffic between the north and south of the city was diverted to the Kessel "
                                    "ring road.", "")
BRIDGE_COPY_B = "By Staff Reporter\n" + BRIDGE_WIRE + "\nRead more local news on our website."

BRIDGE_OWN = (
    "Families waited on the riverbank in Port Averly through Wednesday night as divers searched the Teme for a "
    "car missing since the Harlow Street bridge gave way.\n"
    "Dana Okonkwo, the fire chief, said nine people had been taken to St Brendan's hospital, two of them in a "
    "serious condition.\n"
    "Residents said the 1962 bridge had shaken for months. The Averly Transport Authority banned lorries from it "
    "in March after cracks were found in its supports.\n"
    "Mayor Felix Arnaud said an independent inquiry would report within six weeks."
)

QUAKE_ONE = (
    "A magnitude 6.2 earthquake struck the mountain province of Zarandi in Qalemra early on Monday, killing at "
    "least 31 people and destroying hundreds of mud-brick homes, the Qalemra Red Crescent said.\n"
    "The quake hit near the town of Dashtavan at a depth of 10 kilometres, according to the National Seismic "
    "Centre in Qalemra.\n"
    "Governor Reza Tahmasbi said rescue teams were struggling to reach villages cut off by landslides.\n"
    "Aftershocks of magnitude 4.9 rattled the province through the morning."
)
QUAKE_ONE_B = (
    "Rescuers in Zarandi dug through rubble on Monday after an earthquake of magnitude 6.2 flattened villages "
    "around Dashtavan, killing at least 31 people.\n"
    "The Qalemra Red Crescent sent tents and blankets, and Governor Reza Tahmasbi asked the army for helicopters "
    "to reach mountain villages cut off by landslides.\n"
    "The National Seismic Centre in Qalemra said the quake struck at a depth of 10 kilometres."
)
QUAKE_TWO = (
    "A magnitude 5.7 earthquake shook the coastal region of Velmora in Ostrelia on Thursday, injuring 48 people "
    "and cracking the walls of the old harbour fort in Santa Ilde, the civil protection agency said.\n"
    "The quake struck 20 kilometres off the coast, according to the Ostrelian Geophysical Institute, and was "
    "felt in the capital Corvanna.\n"
    "Civil protection chief Lucia Marchetti said no deaths had been reported and ferries to the Velmora islands "
    "were suspended while engineers checked the piers."
)
QUAKE_TWO_B = (
    "Engineers inspected the harbour piers of Santa Ilde on Thursday after a magnitude 5.7 earthquake off the "
    "Velmora coast injured 48 people, Ostrelia's civil protection agency said.\n"
    "Lucia Marchetti, the agency chief, said ferries to the Velmora islands would stay in port until the checks "
    "were done. The Ostrelian Geophysical Institute placed the quake 20 kilometres offshore."
)

SUMMIT = (
    "President Anya Dravik of Morvania and Chancellor Otto Brenner of Aldenland met in Lisvik on {day} for "
    "their annual summit on energy and trade, agreeing to extend the Baltic power cable project.\n"
    "\"Our two countries have never been closer,\" Dravik told a joint news conference in Lisvik.\n"
    "Brenner said Aldenland would buy more Morvanian wind power and that the two governments would meet "
    "again next year. Talks on fishing quotas were left for the ministers."
)

ELECTION = (
    "Voters in the Republic of Tessaly re-elected President Marek Ivarsson on Sunday with 54 percent of the vote, "
    "the electoral commission in Korvo said.\n"
    "Ivarsson's Civic Front also kept its majority in parliament. Turnout was 61 percent.\n"
    "Opposition leader Helena Strand conceded defeat and called for talks on electoral reform."
)

TRAIN_STRIKE = (
    "Train drivers in Belvania walked out on Friday in a 48-hour strike over pay, cancelling most services "
    "between the capital Orlen and the port of Stavik, the national rail operator BelRail said.\n"
    "The drivers' union, led by Pavel Kozak, is asking for a 9 percent raise; BelRail has offered 4 percent.\n"
    "Transport minister Ilse Varga urged both sides to return to talks on Monday."
)

# Two arrests of players of one club, a few days apart: same kind of event, same club, town and wording,
# different protagonists.
ARREST_ONE = [
    ("Harbour Lions' Tomas Reyk arrested on suspicion of drink driving",
     "Harbour Lions winger Tomas Reyk was arrested on suspicion of drink driving early on Sunday, police in "
     "Calder Bay said.\nOfficers stopped Reyk's silver sports car on the coast road near Wessel Point after "
     "other drivers reported it weaving between lanes at high speed. A roadside breath test was positive, and "
     "he was taken to the central station, where a second test was carried out.\nReyk was released on bail "
     "after six hours and is due before magistrates next month. The Lions said they were aware of the arrest "
     "and would not comment further while the investigation continued.\nThe 24-year-old joined the club from "
     "Northgate two seasons ago and has scored eleven goals this season. Supporters' groups called the news "
     "embarrassing ahead of the cup semi-final against Vantor Rovers."),
    ("Lions winger Reyk held after police stop on coast road",
     "Tomas Reyk, the Harbour Lions winger, spent part of Sunday in custody after officers in Calder Bay "
     "stopped his car near Wessel Point and breath-tested him, police said.\nReyk, 24, was bailed that "
     "morning. Lions coach Ada Wren said the club would deal with the matter internally and that the player "
     "had been told to stay away from training until Wednesday.\nWitnesses described the car swerving across "
     "the coast road shortly after two o'clock. Nobody was hurt.\nThe arrest comes a week before the Lions "
     "meet Vantor Rovers in the cup semi-final, and Wren admitted the timing was awful. Reyk's agent declined "
     "to comment. Local councillors renewed calls for more patrols on the coast road at weekends."),
    ("Reyk apologises to Lions fans after drink-driving arrest",
     "Harbour Lions winger Tomas Reyk apologised to supporters on Monday, a day after his arrest on suspicion "
     "of drink driving near Wessel Point in Calder Bay.\n\"I let the club, my family and my team-mates down, "
     "and I will accept whatever punishment comes,\" Reyk said in a statement read by the club's press "
     "officer.\nPolice confirmed that Reyk had been released on bail pending a court date next month and that "
     "his licence had been suspended.\nCoach Ada Wren said the winger would be fined two weeks' wages and "
     "donate the money to a road safety charity. Whether he plays in the semi-final against Vantor Rovers "
     "will be decided later in the week, she added, after talks with the board and the captain."),
]
ARREST_TWO = [
    ("Harbour Lions' Milo Andersohn arrested on suspicion of drink driving",
     "Harbour Lions defender Milo Andersohn was arrested on suspicion of drink driving late on Friday, police "
     "in Calder Bay said.\nAndersohn was stopped at a checkpoint outside the old harbour market and failed a "
     "breath test, according to a police spokesman. His black pick-up truck was impounded.\nThe 29-year-old "
     "spent the night in a cell at the central station and was released on bail on Saturday afternoon. "
     "Prosecutors will decide within a fortnight whether to charge him.\nThe Lions said they were aware of "
     "the arrest and were gathering information. Andersohn, the club's longest-serving player, has made more "
     "than three hundred appearances since arriving from Ostermark as a teenager and captained the side in "
     "the league final."),
    ("Lions defender Andersohn faces drink-driving charge",
     "Milo Andersohn, the Harbour Lions defender, could be charged with drink driving after his arrest at a "
     "police checkpoint by the old harbour market in Calder Bay on Friday night, prosecutors said.\n"
     "Andersohn, 29, was bailed on Saturday. Lions coach Ada Wren said the club was disappointed and that the "
     "veteran had apologised to his team-mates in the dressing room.\nA spokesman for the prosecution service "
     "said the decision on charges would follow laboratory results from a blood sample.\nIt is the second "
     "time this season that a Lions player has been arrested, and the board is expected to review the club's "
     "code of conduct when it meets in the spring. Andersohn's former club Ostermark offered him support."),
    ("Andersohn to miss Lions game after checkpoint arrest",
     "Harbour Lions defender Milo Andersohn will miss Sunday's home game against Pellor Athletic after his "
     "arrest on suspicion of drink driving in Calder Bay, coach Ada Wren said.\nPolice stopped Andersohn at a "
     "checkpoint near the old harbour market on Friday night; his pick-up truck was impounded and he was "
     "released on bail the following day.\n\"Milo knows he made a serious mistake and he wants to make amends "
     "to the community,\" Wren told a news conference at the training ground.\nThe veteran, who came from "
     "Ostermark as a teenager, is expected to be replaced by the young academy player Joss Keller, who has "
     "impressed in the reserve team this season."),
]

DAY = datetime(2025, 3, 12, 18, 0, tzinfo=UTC)


def doc(i: int | str, title: str, text: str, published: datetime | None = None, **kw: object) -> StoryDoc:
    return StoryDoc(id=i, title=title, text=text, published=published, **kw)


def bridge_docs(published: datetime | None = DAY) -> list[StoryDoc]:
    later = published + timedelta(hours=3) if published else None
    return [
        doc(1, "Bridge collapses in Port Averly, cars plunge into river", BRIDGE_WIRE, published),
        doc(2, "Four cars fall into the Teme as Harlow Street bridge gives way", BRIDGE_COPY_A, later),
        doc(3, "Port Averly bridge collapse: nine hurt, driver missing", BRIDGE_COPY_B, later),
        doc(4, "Divers search river through the night after bridge collapse", BRIDGE_OWN, later),
    ]


def stories_of(clusterer: StoryClusterer, docs: list[StoryDoc]) -> list[int]:
    return [clusterer.add(d) for d in docs]


# ----------------------------------------------------------------------------------------------- clustering


def test_syndicated_copies_with_different_headlines_join_one_story():
    clusterer = StoryClusterer()
    ids = stories_of(clusterer, [doc(10, "Tessaly re-elects Ivarsson", ELECTION, DAY - timedelta(hours=5))]
                     + bridge_docs())
    assert len(set(ids[1:])) == 1
    assert ids[0] != ids[1]
    assert clusterer.story_count == 2


def test_two_similar_events_in_different_places_are_kept_apart():
    clusterer = StoryClusterer()
    monday = DAY
    thursday = DAY + timedelta(days=3)
    ids = stories_of(clusterer, [
        doc(1, "Earthquake kills 31 in Qalemra's Zarandi province", QUAKE_ONE, monday),
        doc(2, "Rescuers dig through rubble after Zarandi quake", QUAKE_ONE_B, monday + timedelta(hours=4)),
        doc(3, "Quake off Velmora coast injures 48 in Ostrelia", QUAKE_TWO, thursday),
        doc(4, "Santa Ilde checks piers after offshore earthquake", QUAKE_TWO_B, thursday + timedelta(hours=2)),
    ])
    assert ids[0] == ids[1]
    assert ids[2] == ids[3]
    assert ids[0] != ids[2]


def test_same_leaders_a_year_apart_are_two_stories_but_undated_they_would_be_one():
    first = doc(1, "Dravik and Brenner meet in Lisvik", SUMMIT.format(day="Tuesday"), datetime(2024, 6, 11, tzinfo=UTC))
    second = doc(2, "Dravik, Brenner hold annual summit in Lisvik", SUMMIT.format(day="Wednesday"),
                 datetime(2025, 6, 11, tzinfo=UTC))
    dated = StoryClusterer()
    assert dated.add(first) != dated.add(second)
    undated = StoryClusterer()
    first.published = second.published = None
    assert undated.add(first) == undated.add(second)


def test_short_look_alike_articles_about_different_towns_are_different_stories():
    towns = [("Ashcombe", "library", 12), ("Brantwell", "swimming pool", 31), ("Corriden", "bus depot", 47),
             ("Dellmoor", "market hall", 58)]
    clusterer = StoryClusterer()
    ids = [
        clusterer.add(doc(i, f"{town} council approves {thing}",
                          f"The council in {town} approved the new {thing} on Tuesday by {votes} votes to 9, "
                          f"the mayor of {town} said. Work on the {thing} in {town} starts in the spring.", DAY))
        for i, (town, thing, votes) in enumerate(towns)
    ]
    assert len(set(ids)) == len(towns)


@pytest.mark.parametrize("order", ["grouped", "interleaved", "reversed"])
def test_same_kind_of_event_with_another_protagonist_is_another_story(order):
    one = [doc(f"r{i}", title, text) for i, (title, text) in enumerate(ARREST_ONE)]
    two = [doc(f"a{i}", title, text) for i, (title, text) in enumerate(ARREST_TWO)]
    ordered = {"grouped": one + two, "interleaved": [d for pair in zip(one, two, strict=True) for d in pair],
               "reversed": two + one}[order]
    clusterer = StoryClusterer()
    story = {d.id: clusterer.add(d) for d in ordered}
    assert len({story[d.id] for d in one}) == 1  # varied wording, one event: one story
    assert len({story[d.id] for d in two}) == 1
    assert story["r0"] != story["a0"]


def test_without_the_protagonist_rule_the_two_arrests_merge():
    clusterer = StoryClusterer(ClusterConfig(conflict_penalty=1.0))
    ids = [clusterer.add(doc(i, title, text)) for i, (title, text) in enumerate(ARREST_ONE + ARREST_TWO)]
    assert len(set(ids)) == 1


def test_a_late_article_joins_the_right_story_and_ids_are_stable():
    clusterer = StoryClusterer()
    bridge = bridge_docs()
    first_bridge = clusterer.add(bridge[0])
    election = clusterer.add(doc(10, "Tessaly re-elects Ivarsson", ELECTION, DAY))
    strike = clusterer.add(doc(11, "Belvania train drivers strike for 48 hours", TRAIN_STRIKE, DAY))
    for d in bridge[1:3]:
        assert clusterer.add(d) == first_bridge  # the story keeps its id as articles join
    # Published before the others, arriving last: joins the bridge story, which keeps its id.
    late = bridge[3]
    late.published = DAY - timedelta(hours=2)
    assert clusterer.add(late) == first_bridge
    assert len({first_bridge, election, strike}) == 3
    assert clusterer.story_count == 3


def test_undated_articles_cluster():
    clusterer = StoryClusterer()
    ids = stories_of(clusterer, bridge_docs(published=None) + [doc(10, "Tessaly re-elects Ivarsson", ELECTION)])
    assert len(set(ids[:4])) == 1
    assert ids[4] != ids[0]


def test_an_undated_article_joins_a_dated_story():
    clusterer = StoryClusterer()
    bridge = bridge_docs()
    bridge[3].published = None
    ids = stories_of(clusterer, bridge)
    assert len(set(ids)) == 1


def test_an_article_outside_the_time_window_starts_a_new_story():
    clusterer = StoryClusterer(ClusterConfig(window_days=7))
    bridge = bridge_docs()
    first = clusterer.add(bridge[0])
    bridge[1].published = DAY + timedelta(days=6)
    assert clusterer.add(bridge[1]) == first  # within a week of the story's newest article
    bridge[2].published = DAY + timedelta(days=20)
    assert clusterer.add(bridge[2]) != first


def test_copy_joins_its_origins_story_whatever_its_text():
    clusterer = StoryClusterer()
    bridge = clusterer.add(doc(1, "Bridge collapses", BRIDGE_WIRE, DAY))
    other = clusterer.add(doc(2, "Tessaly re-elects Ivarsson", ELECTION, DAY))
    # A copy whose extracted text came out short and unlike the origin still goes where its origin is.
    assert clusterer.add(doc(3, "Bridge collapse", "Read the full report on our partner's site.", DAY,
                             origin_id=1)) == bridge
    assert bridge != other


def test_adding_an_article_again_changes_nothing():
    clusterer = StoryClusterer()
    first = clusterer.add(doc(1, "Bridge collapses", BRIDGE_WIRE, DAY))
    clusterer.add(doc(2, "Tessaly re-elects Ivarsson", ELECTION, DAY))
    assert clusterer.add(doc(1, "Bridge collapses", BRIDGE_WIRE, DAY)) == first
    assert clusterer.article_count == 2


# ----------------------------------------------------------------------------------------------- memory


def test_forget_before_drops_old_stories():
    clusterer = StoryClusterer()
    old = stories_of(clusterer, bridge_docs(published=DAY - timedelta(days=30)))
    recent = clusterer.add(doc(10, "Tessaly re-elects Ivarsson", ELECTION, DAY))
    assert clusterer.story_count == 2
    assert clusterer.forget_before(DAY - timedelta(days=7)) == 1
    assert clusterer.story_count == 1
    assert clusterer.article_count == 1
    assert clusterer.forget_before(DAY - timedelta(days=7)) == 0
    # The forgotten story cannot attract new articles: a new one about it starts a new story.
    again = clusterer.add(doc(20, "Bridge collapses", BRIDGE_WIRE, DAY))
    assert again not in (old[0], recent)


def test_forget_before_keeps_a_story_that_was_updated_since():
    clusterer = StoryClusterer(ClusterConfig(window_days=14))
    bridge = bridge_docs(published=DAY - timedelta(days=10))
    story = clusterer.add(bridge[0])
    bridge[1].published = DAY
    assert clusterer.add(bridge[1]) == story
    assert clusterer.forget_before(DAY - timedelta(days=7)) == 0
    assert clusterer.story_count == 1


def test_undated_stories_are_forgotten_a_window_after_they_were_last_seen():
    clusterer = StoryClusterer(ClusterConfig(window_days=7))
    clusterer.add(doc(1, "Tessaly re-elects Ivarsson", ELECTION))  # no date seen at all yet
    assert clusterer.forget_before(DAY) == 0  # timed now (DAY + 7 days)
    assert clusterer.forget_before(DAY + timedelta(days=6)) == 0
    assert clusterer.forget_before(DAY + timedelta(days=8)) == 1
    # Once dates are seen, an undated story is timed by the newest date seen when it was updated.
    clusterer.add(doc(2, "Belvania train drivers strike", TRAIN_STRIKE, DAY))
    clusterer.add(doc(3, "Bridge collapses", BRIDGE_WIRE))
    assert clusterer.forget_before(DAY - timedelta(days=1)) == 0
    assert clusterer.forget_before(DAY + timedelta(hours=1)) == 2


def test_memory_stays_bounded_on_a_long_stream():
    clusterer = StoryClusterer()
    texts = [BRIDGE_WIRE, ELECTION, TRAIN_STRIKE, QUAKE_ONE, QUAKE_TWO, SUMMIT.format(day="Monday")]
    for n in range(240):
        when = DAY + timedelta(days=n)
        clusterer.add(doc(n, f"Story {n}", texts[n % len(texts)], when))
        clusterer.forget_before(when - timedelta(days=7))
    assert clusterer.story_count <= 8
    assert clusterer.article_count <= 8 * 2


# ----------------------------------------------------------------------------------------------- ids


def test_new_story_id_is_used():
    counter = itertools.count(500)
    clusterer = StoryClusterer(new_story_id=lambda: next(counter))
    ids = stories_of(clusterer, bridge_docs() + [doc(10, "Tessaly re-elects Ivarsson", ELECTION, DAY)])
    assert ids == [500, 500, 500, 500, 501]


def test_default_ids_count_from_one():
    clusterer = StoryClusterer()
    assert stories_of(clusterer, [doc(1, "Bridge collapses", BRIDGE_WIRE, DAY),
                                  doc(2, "Tessaly re-elects Ivarsson", ELECTION, DAY)]) == [1, 2]


def test_restore_reloads_members_without_deciding():
    clusterer = StoryClusterer()
    bridge = bridge_docs()
    clusterer.restore(7, bridge[0])
    clusterer.restore(7, bridge[1])
    clusterer.restore(3, doc(10, "Tessaly re-elects Ivarsson", ELECTION, DAY))
    assert clusterer.story_count == 2
    assert clusterer.add(bridge[3]) == 7  # a new article joins the restored story
    assert clusterer.add(doc(11, "Belvania train drivers strike", TRAIN_STRIKE, DAY)) == 8  # past restored ids


def test_deterministic():
    def run() -> list[int]:
        clusterer = StoryClusterer()
        docs = bridge_docs() + [
            doc(5, "Earthquake kills 31 in Zarandi", QUAKE_ONE, DAY),
            doc(6, "Quake off Velmora coast", QUAKE_TWO, DAY),
            doc(7, "Rescuers dig through rubble", QUAKE_ONE_B, DAY),
            doc(8, "Tessaly re-elects Ivarsson", ELECTION),
            doc(9, "Santa Ilde checks piers", QUAKE_TWO_B, DAY),
        ]
        return stories_of(clusterer, docs)

    assert run() == run()


def test_empty_articles_do_not_break_the_stream():
    clusterer = StoryClusterer()
    a = clusterer.add(doc(1, "", "", DAY))
    b = clusterer.add(doc(2, "", "", None))
    assert a != b  # nothing to compare: each starts its own story
    assert clusterer.add(doc(3, "Bridge collapses", BRIDGE_WIRE, DAY)) not in (a, b)


# ----------------------------------------------------------------------------------------------- features


def test_names_numbers_and_dates_are_typed():
    counts, title, lead = term_counts(
        "Officials: Harlow Street Bridge Collapses",
        "The Harlow Street bridge in Port Averly collapsed on Wednesday, March 12, 2025.\n"
        "Fire chief Dana Okonkwo said 9 people were hurt and $2.5 million of damage was done. "
        "The U. S. embassy offered help.",
    )
    assert counts["p:port averly"] == 1 and counts["e:okonkwo"] == 1
    assert counts["e:harlow"] == 2  # in the Title Case headline too, since it is a name in running text
    assert "e:bridge" not in counts and counts["w:bridg"] == 2  # capitals in a headline prove nothing
    assert counts["d:march 12"] == 1 and counts["y:2025"] == 1 and counts["m:wednesday"] == 1
    assert counts["n:2.5"] == 1 and counts["s:9"] == 1 and counts["e:us"] == 1
    assert title["w:collaps"] == 1
    assert lead["e:okonkwo"] == 1


def test_lowercase_text_has_no_names():
    assert not is_cased("bridge collapse port averly nine hurt")
    counts, _, _ = term_counts("", "bridge collapse port averly nine hurt")
    assert all(term.startswith("w:") for term in counts)


def test_names_weigh_more_than_topic_words():
    weights, _ = article_terms("", "The mayor said Felix Arnaud would visit the bridge.", ClusterConfig().weights)
    assert weights["e:arnaud"] > weights["w:bridg"]


@pytest.mark.parametrize("published", [DAY, DAY.replace(tzinfo=None), None])
def test_naive_and_aware_dates_mix(published):
    clusterer = StoryClusterer()
    first = clusterer.add(doc(1, "Bridge collapses", BRIDGE_WIRE, DAY))
    assert clusterer.add(doc(2, "Bridge collapse", BRIDGE_COPY_A, published)) == first
