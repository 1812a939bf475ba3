"""Article HTML kept inside a script payload, for pages whose markup holds no article text.

JavaScript-rendered sites (Next.js ``__NEXT_DATA__`` and ``self.__next_f.push``, React Query and similar
hydration states) often send the article body as an escaped HTML string in a script and build the DOM in
the browser. When the page's own markup yields no body, the longest such string that holds paragraphs
is the article. The scan is bounded in size and depth, and linear in the script text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

__all__ = ["article_html_in_scripts"]

MAX_SCRIPT_CHARS = 5_000_000  # script text scanned per page, in all
MIN_WORDS = 50  # an HTML string with fewer words of paragraph text is a teaser or a caption
MAX_DEPTH = 2  # a string inside a string (React Server Components payloads escape twice)

# a JSON/JS string literal long enough to hold an article
_STRING_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.){200,})"')
# no leading repetition: a run of backslashes must not be rescanned from each of its positions
_ESCAPED_PARAGRAPH = re.compile(r"\\u003c[pP][\s>\\]|<[pP][\s>]|\\x3[cC][pP][\s>\\]")
_PARAGRAPH = re.compile(r"<p[\s>]", re.IGNORECASE)
_TAG = re.compile(r"<[^<>]*>")  # stops at the next "<": an unclosed "<" costs nothing
_WORD = re.compile(r"\w+")
_JS_ESCAPES = re.compile(r"\\x([0-9a-fA-F]{2})|\\'")


def _unescape(literal: str) -> str | None:
    try:
        return json.loads(f'"{literal}"')
    except ValueError:
        pass
    # JavaScript escapes that JSON lacks: \xHH and \'
    fixed = _JS_ESCAPES.sub(lambda m: f"\\u00{m.group(1)}" if m.group(1) else "'", literal)
    try:
        return json.loads(f'"{fixed}"')
    except ValueError:
        return None


def _paragraph_words(fragment: str) -> int:
    return len(_WORD.findall(_TAG.sub(" ", fragment)))


def _html_strings(text: str, depth: int) -> Iterable[str]:
    for match in _STRING_LITERAL.finditer(text):
        literal = match.group(1)
        if not _ESCAPED_PARAGRAPH.search(literal):
            continue
        value = _unescape(literal)
        if not value:
            continue
        if _PARAGRAPH.search(value):
            yield value
        elif depth < MAX_DEPTH:
            yield from _html_strings(value, depth + 1)


def article_html_in_scripts(scripts: Iterable[str]) -> str | None:
    """The longest HTML string with paragraphs in the given script texts, or None when there is none.

    Only strings with at least two paragraphs or MIN_WORDS words of text count.
    """
    best, best_words, budget = None, 0, MAX_SCRIPT_CHARS
    for script in scripts:
        if budget <= 0:
            break
        script = script[:budget]
        budget -= len(script)
        if '"' not in script:
            continue
        for fragment in _html_strings(script, 1):
            words = _paragraph_words(fragment)
            if words > best_words and (words >= MIN_WORDS or len(_PARAGRAPH.findall(fragment)) >= 2):
                best, best_words = fragment, words
    return best
