"""A story's entities from its members' stored analyses (newsdesk.analyze.aggregate): salience order, outlets
left out, the full list kept. The analyses are dicts written here, as the stage stores them; no model runs."""

from __future__ import annotations

from newsdesk.analyze.aggregate import MAX_STORY_ENTITIES, MemberAnalysis, aggregate_story


def member(article_id: int, entities: list[dict], title: str = "", origin: int | None = None,
           speakers: tuple[str, ...] = ()) -> MemberAnalysis:
    statements = [{"speaker": s, "text": f"words of {s}", "verb": "say", "kind": "other", "status": "claim",
                   "start": 0, "end": 5, "quote": False} for s in speakers]
    return MemberAnalysis(article_id, origin or article_id, f"https://news{article_id}.example/a", None, entities,
                          statements, title=title)


def ent(name: str, type_: str = "PERSON", mentions: int = 1, first: int = 2000) -> dict:
    return {"name": name, "type": type_, "mentions": mentions, "first": first}


def names(members: list[MemberAnalysis]) -> list[str]:
    return [e["name"] for e in aggregate_story(members).entities]


def test_what_many_independent_reports_name_comes_before_what_one_repeats():
    members = [member(1, [ent("Ruth Okafor"), ent("Tomas Brandt", mentions=12)]),
               member(2, [ent("Ruth Okafor"), ent("Lagos", "GPE")]),
               member(3, [ent("Ruth Okafor"), ent("Lagos", "GPE")])]
    assert names(members) == ["Ruth Okafor", "Lagos", "Tomas Brandt"]


def test_copies_of_one_report_count_once():
    members = [member(1, [ent("Tomas Brandt", mentions=2)]),
               member(2, [ent("Ruth Okafor")], origin=9), member(3, [ent("Ruth Okafor")], origin=9),
               member(4, [ent("Ruth Okafor")], origin=9), member(5, [ent("Tomas Brandt")])]
    assert names(members) == ["Tomas Brandt", "Ruth Okafor"]


def test_named_in_the_headline_or_lead_or_quoted_counts_more():
    members = [member(1, [ent("Lagos", "GPE", 5), ent("Ruth Okafor"), ent("Elena Voss", first=10),
                          ent("Tomas Brandt")], title="Okafor reopens the port", speakers=("Tomas Brandt",)),
               member(2, [ent("Lagos", "GPE", 5), ent("Ruth Okafor", "PERSON"), ent("Elena Voss"),
                          ent("Tomas Brandt")])]
    order = names(members)
    # Each is named by both reports; Okafor heads one, Voss leads one, Brandt speaks in one: each ahead of
    # Lagos, named most often but nowhere prominent.
    assert order[-1] == "Lagos" and set(order[:3]) == {"Ruth Okafor", "Elena Voss", "Tomas Brandt"}


def test_outlets_are_left_out_and_the_whole_list_is_kept_in_order():
    many = [ent(f"Person{i} Surname{i}", mentions=1 + i % 3) for i in range(80)]
    members = [member(1, [*many, ent("Reuters", "ORG", 9), ent("Associated Press", "ORG", 9)])]
    story = aggregate_story(members)
    assert len(story.entities) == 80 <= MAX_STORY_ENTITIES and len(story.index) == 80
    assert not {"Reuters", "Associated Press"} & {e["name"] for e in story.entities}
    mentions = [e["mentions"] for e in story.entities]
    assert mentions == sorted(mentions, reverse=True)  # one report: ties on reports go to mentions
