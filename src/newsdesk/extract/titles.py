"""Titles as sites decorate them: the separators a site joins its name, section or date onto a headline with, and
the segments between them. Shared by the general title rules (article.py) and the per-site template (template.py),
so that both cut a title at the same places."""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["TITLE_SEPARATORS", "strip_title_decoration", "title_segments", "title_spans"]

# Spaced dashes, pipes, double colons, bullets and asterisks, and the bars and colons CJK sites set without spaces
# (full-width "｜" "：", Hangul "ㅣ"). A plain colon is not one: "Kicker: Headline" is one headline.
TITLE_SEPARATORS = re.compile(r"\s+(?:-|–|—|::|»|·|•|\*)\s+|\s*[|｜ㅣ：]\s*")


def title_spans(title: str) -> list[tuple[int, int]]:
    """Where each segment of `title` starts and ends (empty segments included): one more than its separators."""
    spans: list[tuple[int, int]] = []
    pos = 0
    for sep in TITLE_SEPARATORS.finditer(title):
        spans.append((pos, sep.start()))
        pos = sep.end()
    spans.append((pos, len(title)))
    return spans


def title_segments(title: str) -> list[str]:
    """The parts of a title between the separators sites join their name, section or date on with
    ("Headline | Section | Site" -> ["Headline", "Section", "Site"]); empty parts kept, so that the list always
    has one element more than the title has separators."""
    return TITLE_SEPARATORS.split(title)


def strip_title_decoration(
    title: str, at_end: Callable[[str], bool], at_start: Callable[[str], bool] | None = None
) -> str:
    """`title` without its end segments for which `at_end` holds and its start segments for which `at_start`
    (default: `at_end`) holds, as `title_segments` splits it. The rest is kept as written, separators
    within it included; at least one segment stays. `at_end` may be a learned per-site decoration."""
    at_start = at_start or at_end
    spans = title_spans(title)
    first, last = 0, len(spans) - 1
    while last > first and at_end(title[spans[last][0]:spans[last][1]]):
        last -= 1
    while first < last and at_start(title[spans[first][0]:spans[first][1]]):
        first += 1
    return title[spans[first][0]:spans[last][1]].strip()
