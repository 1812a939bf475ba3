"""Event features of an article for story clustering (plain Python, no NLP pipeline).

An article becomes a bag of typed terms, each with a raw weight (sublinear term frequency times a
per-kind weight). Kinds, in the order they usually tell one event from another:

- ``e:`` named-entity tokens: capitalised words that do not open a sentence (or that also appear
  capitalised mid-sentence in the same article), and acronyms ("U.S.", "NATO"); multi-word names
  also give a ``p:`` phrase term ("p:tara reid");
- ``n:`` numbers (counts, ages, scores, years) and ``d:`` calendar words (months, weekdays);
- ``w:`` every other content word, lowercased, with light suffix stripping.

Text without any capital letters (lowercased feeds, preprocessed corpora) has no casing to find names
in: then every content word is a plain word and only numbers and calendar words are typed.
Inverse document frequencies are not applied here; the clusterer learns them online.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

STOPWORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also although always am
    among amongst an and another any anyhow anyone anything anyway anywhere are around as at be became because
    become becomes becoming been before beforehand behind being below beside besides between beyond both but by
    can cannot could did do does doing done down during each either else elsewhere enough etc even ever every
    everyone everything everywhere except few for former formerly from further had has have having he hence her
    here hereafter hereby herein hers herself him himself his how however i if in indeed into is it its itself
    just last latter least less many may me meanwhile might mine more moreover most mostly much must my myself
    namely neither never nevertheless next no nobody none nor not nothing now nowhere of off often on once one
    only onto or other others otherwise our ours ourselves out over own per perhaps please rather re really same
    say says said see seem seemed seems several she should since so some somehow someone something sometime
    sometimes somewhere still such than that the their theirs them themselves then thence there thereafter
    thereby therefore therein thereupon these they this those though through throughout thru thus to together too
    toward towards under until up upon us very via was we well were what whatever when whence whenever where
    whereafter whereas whereby wherein whereupon wherever whether which while whither who whoever whole whom
    whose why will with within without would yet you your yours yourself yourselves s t d ll m ve re don didn
    doesn isn wasn weren aren hasn haven hadn won wouldn couldn shouldn mr mrs ms dr st new news told according
    reported report reports reporting also including told tell tells like get got make made told year years
    yesterday today tomorrow week weeks day days time times ago
    """.split()
)

MONTHS = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
_MONTH_FULL = {m[:3]: m for m in MONTHS if len(m) > 4}
_MONTH_FULL.update({"sept": "september", "may": "may", "june": "june", "july": "july"})

# A token: a word (letters, inner apostrophes/hyphens/periods for "U.S." and "O'Neal"), or a number.
_TOKEN = re.compile(r"[^\W\d_]+(?:['’.\-][^\W\d_]+)*\.?|\d+(?:[.,:]\d+)*")
# Sentence boundaries: end punctuation followed by space, or a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+|\n+")
_QUOTE_OPEN = re.compile(r"^[\s\"'“‘(\[\-–—:]+")


@dataclass(frozen=True)
class FeatureWeights:
    """Raw weight of each kind of term (multiplied with sublinear term frequency)."""

    word: float = 1.0
    entity: float = 2.0
    phrase: float = 1.5
    number: float = 1.5
    date: float = 1.0
    title: float = 1.0  # extra term frequency for terms of the title (title words count 1 + title)


def is_cased(text: str) -> bool:
    """True when the text uses capital letters at all (names can then be told from common words)."""
    letters = 0
    upper = 0
    for ch in text:
        if ch.isalpha():
            letters += 1
            if ch.isupper():
                upper += 1
    return letters > 0 and upper / letters > 0.005


def _stem(word: str) -> str:
    """Light English suffix stripping: enough to meet "arrested"/"arrests"/"arrest" and "killings"/"killing"."""
    if len(word) <= 4:
        return word
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            if suffix == "es" and not word.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            return word[: len(word) - len(suffix)] + keep
    return word


def _norm_word(token: str) -> str:
    return token.lower().replace("’", "'").strip(".'-")


def _is_acronym(token: str) -> bool:
    letters = [c for c in token if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s and not s.isspace()]


def _tokens(sentence: str) -> list[str]:
    return _TOKEN.findall(sentence)


def term_counts(title: str, text: str, cased: bool | None = None) -> tuple[Counter[str], Counter[str]]:
    """Typed term counts of an article: (counts over the whole article, counts in the title alone)."""
    full = title.strip()
    body = text.strip()
    if body and not body.startswith(full):
        full = f"{full}\n{body}" if full else body
    elif body:
        full = body
    if cased is None:
        cased = is_cased(full)
    sentences = [_tokens(_QUOTE_OPEN.sub("", s)) for s in _sentences(full)]
    title_sentences = [_tokens(_QUOTE_OPEN.sub("", s)) for s in _sentences(title)]
    names: set[str] = set()
    if cased:
        # Words capitalised inside a sentence are names wherever they appear, sentence starts included.
        for tokens in sentences:
            for tok in tokens[1:]:
                if tok[0].isupper() and not tok[0].isdigit():
                    low = _norm_word(tok)
                    if low and low not in STOPWORDS:
                        names.add(low)
    counts: Counter[str] = Counter()
    for tokens in sentences:
        _sentence_terms(tokens, cased, names, counts)
    title_counts: Counter[str] = Counter()
    for tokens in title_sentences:
        _sentence_terms(tokens, cased, names, title_counts)
    return counts, title_counts


def _sentence_terms(tokens: list[str], cased: bool, names: set[str], counts: Counter[str]) -> None:
    run: list[str] = []

    def close_run() -> None:
        if len(run) >= 2:
            counts["p:" + " ".join(run)] += 1
        run.clear()

    for i, tok in enumerate(tokens):
        if tok[0].isdigit():
            close_run()
            digits = tok.replace(",", "")
            if len(digits) <= 12:
                counts["n:" + digits] += 1
            continue
        low = _norm_word(tok)
        if not low:
            close_run()
            continue
        if low in MONTHS and (low != "may" or tok[0].isupper() and i > 0):
            close_run()
            counts["d:" + _MONTH_FULL.get(low, low)] += 1
            continue
        if low in WEEKDAYS:
            close_run()
            counts["d:" + low] += 1
            continue
        if cased and (tok[0].isupper() or _is_acronym(tok)):
            key = low.replace(".", "").replace("'", "")
            if _is_acronym(tok) and len(key) >= 2:
                counts["e:" + key] += 1
                run.append(key)
                continue
            if (i > 0 or low in names) and low not in STOPWORDS and len(key) >= 2:
                counts["e:" + key] += 1
                run.append(key)
                continue
            close_run()
            if low in STOPWORDS or len(low) < 2:
                continue
            # Sentence-initial capitalised word: a plain word (the caller cannot tell a name here).
            counts["w:" + _stem(low.replace(".", ""))] += 1
            continue
        close_run()
        if low in STOPWORDS or len(low) < 2:
            continue
        counts["w:" + _stem(low.replace(".", ""))] += 1
    close_run()


def weighted_terms(title: str, text: str, weights: FeatureWeights) -> dict[str, float]:
    """Raw (pre-IDF) weights of an article's terms: (1 + log tf) times the weight of the term's kind."""
    counts, title_counts = term_counts(title, text)
    kind_weight = {
        "w": weights.word,
        "e": weights.entity,
        "p": weights.phrase,
        "n": weights.number,
        "d": weights.date,
    }
    out: dict[str, float] = {}
    for term, tf in counts.items():
        tf_total = tf + weights.title * title_counts.get(term, 0)
        out[term] = (1.0 + math.log(tf_total)) * kind_weight[term[0]]
    return out
