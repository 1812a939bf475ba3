"""Which rules analyse an article, by its language, and the analysis of articles in several languages at once.

English and French have a spaCy pipeline (`nlp.PIPELINES`) and rules (`statements`, `french`). An article in
any other language is not analysed: run through the English model it would give names and statements that
are nonsense, so it gets `NotAnalysed` instead, which says why. An article whose language is not known (too
little text to guess) goes through the English rules, as every article did before other languages were read.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from newsdesk.analyze.french import analyze_each_french
from newsdesk.analyze.nlp import PIPELINES
from newsdesk.analyze.statements import ArticleAnalysis, analyze_each
from newsdesk.store.repository import NOT_ANALYSED
from newsdesk.text import language_code, language_name

RULES = {"en": analyze_each, "fr": analyze_each_french}
assert RULES.keys() == PIPELINES.keys(), "each language analysed has its pipeline and its rules"


@dataclass
class NotAnalysed:
    """An article in a language the analysis has no pipeline for."""

    language: str

    @property
    def reason(self) -> str:
        return f"{NOT_ANALYSED}no pipeline for {language_name(self.language)} ({self.language})"


def analysed_in(language: str | None) -> str | None:
    """The language whose rules analyse an article in `language` (an ISO 639-1 code or tag; None: not known,
    read as English), None when no rules do."""
    code = language_code(language) or "en"
    return code if code in RULES else None


def analyze_articles(articles: Iterable[tuple[str, str | None]], batch_size: int = 32,
                     is_state_media: Callable[[str], bool] | None = None,
                     is_outlet: Callable[[str], bool] | None = None,
                     time_budget: float | None = None) -> Iterator[ArticleAnalysis | NotAnalysed | Exception]:
    """One result per (text, language) pair, in order: its analysis by the rules of its language, NotAnalysed
    for a language without them, or the exception that stopped its analysis (see `statements.analyze_each`).
    A batch runs each language's models once, on that language's texts of the batch."""
    source = iter(articles)
    while batch := list(itertools.islice(source, batch_size)):
        results: list[ArticleAnalysis | NotAnalysed | Exception | None] = [None] * len(batch)
        by_language: dict[str, list[int]] = {}
        for k, (_text, language) in enumerate(batch):
            rules = analysed_in(language)
            if rules is None:
                results[k] = NotAnalysed(language_code(language) or "")
            else:
                by_language.setdefault(rules, []).append(k)
        for rules, ks in by_language.items():
            analysed = RULES[rules]([batch[k][0] for k in ks], batch_size, is_state_media, is_outlet, time_budget)
            for k, result in zip(ks, analysed, strict=True):
                results[k] = result
        for result in results:
            assert result is not None
            yield result
