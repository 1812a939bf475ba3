"""Statements that say the same thing across the articles of a story, and how many independent origins
carry each (a wire story reprinted ten times is one origin)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from newsdesk.analyze.statements import Statement
from newsdesk.text import STOP_WORDS

_WORD = re.compile(r"\w+")


def content_words(text: str) -> frozenset[str]:
    """The lower-cased words of `text` that carry meaning (no stop words, no one-letter tokens)."""
    return frozenset(w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 1 and w not in STOP_WORDS)


@dataclass
class Carried:
    """One statement as one article carries it."""

    article_id: int | str
    origin_id: int | str  # the article it copies, or its own id: copies of one origin count once
    statement: Statement
    outlet: str | None = None  # URL or domain of the article, for source labels


@dataclass
class StatementGroup:
    statement: Statement  # the fullest wording
    items: list[Carried] = field(default_factory=list)

    @property
    def independent_origins(self) -> int:
        return len({c.origin_id for c in self.items})


def _surname(name: str | None) -> str:
    words = (name or "").lower().split()
    return words[-1] if words else ""


def speakers_compatible(a: str | None, b: str | None) -> bool:
    """Same speaker, one name inside the other ("Kim" / "Kim Jong Un"), a shared surname, or one unknown."""
    if not a or not b:
        return True
    x, y = a.lower(), b.lower()
    return x == y or x in y or y in x or _surname(a) == _surname(b)


def same_content(a: str, b: str, containment: float = 0.6, jaccard: float = 0.3) -> bool:
    """Whether two statement texts say the same thing: most content words of the shorter are in the
    longer, and the two share a fair part of their words overall."""
    wa, wb = content_words(a), content_words(b)
    if not wa or not wb:
        return a.strip().lower() == b.strip().lower()
    shared = len(wa & wb)
    return shared / min(len(wa), len(wb)) >= containment and shared / len(wa | wb) >= jaccard


def group_statements(items: Sequence[Carried]) -> list[StatementGroup]:
    """Groups of statements that say the same thing, most independent origins first.

    A statement joins the first group whose statements include one with a compatible speaker and the same
    content; the group's wording is its longest member."""
    groups: list[StatementGroup] = []
    for item in items:
        home = next((g for g in groups if any(
            speakers_compatible(item.statement.speaker, c.statement.speaker)
            and same_content(item.statement.text, c.statement.text) for c in g.items)), None)
        if home is None:
            groups.append(StatementGroup(item.statement, [item]))
            continue
        home.items.append(item)
        if len(item.statement.text) > len(home.statement.text):
            home.statement = item.statement
    groups.sort(key=lambda g: -g.independent_origins)
    return groups
