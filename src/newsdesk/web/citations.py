"""The numbers [1]..[n] of a story's cited articles, one numbering for the story page and its feeds alike: a
reader who follows a feed entry's "[2]" and the page's "[2]" reaches the same article by the same link."""

from __future__ import annotations

from dataclasses import dataclass

from newsdesk.web.common import safe_href


@dataclass(frozen=True)
class Citation:
    number: int
    article_id: int
    href: str | None  # the article's address as the brief cites it, when it is an http(s) URL


def citation_numbers(brief: list[dict]) -> dict[int, int]:
    """Article id -> its number: the articles in the order the brief first cites them, from 1."""
    numbers: dict[int, int] = {}
    for sentence in brief:
        for c in sentence.get("citations") or []:
            aid = c.get("article_id") if isinstance(c, dict) else None
            if isinstance(aid, int) and aid not in numbers:
                numbers[aid] = len(numbers) + 1
    return numbers


def sentence_citations(sentence: dict, numbers: dict[int, int]) -> list[Citation]:
    """A brief sentence's citations with their numbers, each article once (in the order it cites them)."""
    out: list[Citation] = []
    seen: set[int] = set()
    for c in sentence.get("citations") or []:
        aid = c.get("article_id") if isinstance(c, dict) else None
        if isinstance(aid, int) and aid in numbers and aid not in seen:
            seen.add(aid)
            out.append(Citation(numbers[aid], aid, safe_href(c.get("url"))))
    return out


def cited_articles(brief: list[dict]) -> list[Citation]:
    """Every cited article once, by its number: the list a feed prints under the brief."""
    numbers = citation_numbers(brief)
    found: dict[int, Citation] = {}
    for sentence in brief:
        for cite in sentence_citations(sentence, numbers):
            if cite.article_id not in found or (found[cite.article_id].href is None and cite.href):
                found[cite.article_id] = cite
    return sorted(found.values(), key=lambda c: c.number)
