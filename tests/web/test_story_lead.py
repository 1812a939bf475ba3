"""Issue 18 items 4 and 6 as units: the one numbering of a story's citations (page and feeds), and the rule that
picks the statements a story page leads with."""

from __future__ import annotations

from newsdesk.web.citations import citation_numbers, cited_articles, sentence_citations
from newsdesk.web.pages import STORY_PAGE_STATEMENTS, significant_statements


def cite(aid: int, url: str | None = None) -> dict:
    return {"article_id": aid, "url": url if url is not None else f"https://outlet{aid}.example/news/{aid}"}


BRIEF = [
    {"text": "A quake struck.", "citations": [cite(202), cite(17)]},
    {"text": "Twelve died.", "citations": [cite(17), cite(40), cite(40)]},
    {"text": "Aid arrived.", "citations": [cite(99, "javascript:alert(1)"), cite(202)]},
]


def test_articles_are_numbered_in_the_order_the_brief_first_cites_them():
    assert citation_numbers(BRIEF) == {202: 1, 17: 2, 40: 3, 99: 4}


def test_a_sentence_cites_each_article_once_under_its_number_and_only_a_web_address_as_link():
    numbers = citation_numbers(BRIEF)
    assert [(c.number, c.article_id) for c in sentence_citations(BRIEF[1], numbers)] == [(2, 17), (3, 40)]
    third = sentence_citations(BRIEF[2], numbers)
    assert [(c.number, c.href) for c in third] == [(4, None), (1, "https://outlet202.example/news/202")]


def test_the_sources_list_has_each_cited_article_once_by_number():
    assert [(c.number, c.article_id) for c in cited_articles(BRIEF)] == [(1, 202), (2, 17), (3, 40), (4, 99)]


def test_bad_citations_are_skipped_not_numbered():
    brief = [{"text": "x", "citations": [{"article_id": "7"}, None, {"url": "https://a.example/"}, cite(5)]},
             {"text": "y"}]
    assert citation_numbers(brief) == {5: 1}
    assert [c.number for c in cited_articles(brief)] == [1]


def said(text: str, origins: int = 1, *, speaker: str | None = "Someone", status: str = "claim",
         kind: str = "other", state_only: bool = False) -> dict:
    return {"text": text, "independent_origins": origins, "speaker": speaker, "status": status, "kind": kind,
            "state_media_only": state_only}


def texts(statements: list[dict]) -> list[str]:
    return [s["text"] for s in statements]


def test_the_most_corroborated_lead_then_denials_officials_and_named_speakers():
    statements = [
        said("unattributed", 2, speaker=None),
        said("named", 2, speaker="A"),
        said("official", 2, speaker="B", kind="official"),
        said("denial", 2, speaker="C", status="denial"),
        said("widely carried", 5, speaker="D"),
        said("state media only", 9, speaker="E", state_only=True),
    ]
    assert texts(significant_statements(statements)) == [
        "widely carried", "denial", "official", "named", "unattributed", "state media only"]


def test_at_most_eight_and_two_a_speaker_while_others_wait():
    chatty = [said(f"minister {k}", 9, speaker="The Minister") for k in range(6)]
    others = [said(f"other {k}", 1, speaker=f"Person {k}") for k in range(10)]
    lead = significant_statements(chatty + others)
    assert len(lead) == STORY_PAGE_STATEMENTS == 8
    assert texts(lead) == ["minister 0", "minister 1"] + [f"other {k}" for k in range(6)]


def test_the_cap_gives_way_when_there_are_too_few_speakers():
    one_voice = [said(f"minister {k}", 3, speaker="the minister") for k in range(5)]
    assert texts(significant_statements(one_voice)) == [f"minister {k}" for k in range(5)]


def test_a_denial_always_makes_the_list():
    statements = [said(f"claim {k}", 5, speaker=f"P{k}") for k in range(12)]
    statements.append(said("we deny it", 1, speaker="Q", status="denial"))
    lead = significant_statements(statements)
    assert len(lead) == 8 and texts(lead)[-1] == "we deny it" and texts(lead)[:7] == [f"claim {k}" for k in range(7)]


def test_statements_without_words_are_left_out():
    assert significant_statements([{"text": ""}, "junk", said("kept")]) == [said("kept")]
