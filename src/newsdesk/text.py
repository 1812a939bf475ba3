"""Words and sentences of news text, for the stages that read it without the NLP pipeline (the story stage
runs without spaCy): one stop-word list, stemming by the article's language, the sentence splitter.

Stemming uses the Snowball stemmers (the `snowballstemmer` package) for the article's language where one exists
for it, and a light suffix stripper for English, which the clustering bench measured better (`stem_english`).
The sentence splitter is linear in the text, whatever the text (a 1 MB line, a run of full stops);
abbreviations and quotes are English-centred, and a text without them splits at its end marks.
An article whose page or record names no language gets one guessed from its words (`guess_language`, py3langid:
97 languages, a character n-gram model shipped in the package, ~0.5 ms for 1,000 characters).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from functools import cache, lru_cache

import snowballstemmer

from newsdesk.timebudget import check_deadline

# Words that say nothing about what happened (English): function words, and the vocabulary of reporting itself
# ("said", "according", "reported", "today"), which every story shares.
STOP_WORDS = frozenset(
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
    reported report reports reporting including tell tells like get got make made year years yesterday today
    tomorrow week weeks day days time times ago
    """.split()
)

# ISO 639-1 codes (an article's `language`, e.g. "de" or "pt-BR") to the Snowball algorithm for that language.
SNOWBALL_LANGUAGES = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian",
    "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "st": "sesotho", "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
STEM_CACHE = 1 << 16  # distinct words remembered per language: news vocabulary repeats, stemming is not free


@cache
def stop_words(language: str | None = None) -> frozenset[str]:
    """Function words of a language (ISO 639-1), lowercase: `STOP_WORDS` for English and under every other
    language's list (the `stop-words` package's, 33 languages; English alone where it has none)."""
    code = language_code(language) or "en"
    if code == "en":
        return STOP_WORDS
    from stop_words import LANGUAGE_MAPPING, get_stop_words

    if code not in LANGUAGE_MAPPING:
        return STOP_WORDS
    return STOP_WORDS | frozenset(w.lower() for w in get_stop_words(code))


def language_code(language: str | None) -> str | None:
    """The primary subtag of a language tag, lowercase ("pt-BR", "de_AT" -> "pt", "de"); None for none."""
    return (language or "").split("-")[0].split("_")[0].strip().lower() or None


# Names of languages in English, for messages and pages ("2 articles in German were not analysed"): those of
# the stemmers and the languages py3langid names most in news; another shows as its code.
_OTHER_LANGUAGE_NAMES = {"en": "English", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "uk": "Ukrainian",
                         "he": "Hebrew", "vi": "Vietnamese", "th": "Thai", "bg": "Bulgarian", "hr": "Croatian",
                         "sk": "Slovak", "sl": "Slovenian", "lv": "Latvian", "ms": "Malay", "bn": "Bengali",
                         "ur": "Urdu", "sw": "Swahili", "tl": "Tagalog", "is": "Icelandic", "mk": "Macedonian"}


def language_name(language: str | None) -> str:
    """The English name of a language tag ("de-AT" -> "German"), its code where none is known, "an unknown
    language" for none."""
    code = language_code(language)
    if code is None:
        return "an unknown language"
    name = _OTHER_LANGUAGE_NAMES.get(code) or SNOWBALL_LANGUAGES.get(code, "").title()
    return name or code


def article_language(language: str | None, title: str | None, text: str | None) -> str | None:
    """An article's language (ISO 639-1): the one its page or record names, else the one its title and text
    are most likely in (None for too little text). As the story clusterer reads it."""
    return language_code(language) or guess_language(f"{title or ''}\n{text or ''}")


LANGUAGE_SAMPLE = 1000  # characters read to guess a language: a title and lead are plenty, and time stays flat
_MIN_GUESS_LETTERS = 20  # fewer letters than this (a bare headline "Live: 3-1") and no guess is made


def guess_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is most likely written in, or None for too little text."""
    sample = text[:LANGUAGE_SAMPLE]
    if sum(ch.isalpha() for ch in sample) < _MIN_GUESS_LETTERS:
        return None
    return str(language_classifier()(sample)[0])


@cache
def language_classifier() -> Callable[[str], tuple[str, float]]:
    """py3langid's classifier, its model loaded (call it ahead of a timed step to keep the load out of it): from
    the user's cache, unpacked there by the first process (`langid_cache`: ~30 ms instead of ~0.5 s)."""
    from newsdesk.langid_cache import cached_classifier  # on first use: only stages meeting unlabelled text pay

    classify = cached_classifier()
    classify("newsdesk")
    return classify


def stemmer(language: str | None = None) -> Callable[[str], str]:
    """The stemming function for a language (an ISO 639-1 code, a region after it ignored): Snowball's
    stemmer for it, and for English (or a language not known, or one Snowball has no stemmer for)
    `stem_english`. Call it on lowercase words."""
    algorithm = SNOWBALL_LANGUAGES.get(language_code(language) or "en")
    return _stemmer(algorithm) if algorithm else stem_english


@lru_cache(maxsize=STEM_CACHE)
def stem_english(word: str) -> str:
    """Light English suffix stripping, so that "arrested", "arrests" and "arrest" meet, as do "killings" and
    "killed", "collapse" and "collapsed", "injury" and "injured". Not a linguistic stem, just a shared key.

    Kept rather than Snowball's English stemmers because story clustering measured it better: with Porter or
    Porter2 (with either stop-word list, any minimum word length) ECB+ dev falls from 0.823 to 0.789 B-cubed F1
    in its seed-0 order, under the 0.80 floor of tests/stories/test_cluster_shared.py (bench/clustering.py
    lists the variants)."""
    if len(word) <= 4:
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith(("ches", "shes", "sses", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 5:
        word = word[:-1]
    if word.endswith("ing") and len(word) > 6:
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 5:
        word = word[:-2]
    if len(word) > 4 and word[-1] in "ey":
        word = word[:-1]
    return word


@cache
def _stemmer(algorithm: str) -> Callable[[str], str]:
    snowball = snowballstemmer.stemmer(algorithm)
    lock = threading.Lock()  # a Snowball stemmer keeps the word it works on: one call at a time

    @lru_cache(maxsize=STEM_CACHE)
    def stem(word: str) -> str:
        with lock:
            return snowball.stemWord(word)

    return stem


# ---------------------------------------------------------------------------------------------------------
# sentences

_TITLES = frozenset(
    "mr mrs ms mx dr prof sen rep gov gen lt col maj sgt cpl pvt capt cmdr adm brig st rev hon pres supt insp "
    "det fr messrs mme mlle sr jr esq atty amb".split()
)
_MONTHS = frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_NUMBER_ABBREVS = frozenset("no nos vol vols p pp fig figs art sec ch para".split())
_AMBIGUOUS_ABBREVS = frozenset(
    "inc corp co ltd llc plc bros etc vs approx dept est ft mt ave blvd rd univ assn intl govt".split()
)
_NEVER_END = frozenset("vs e.g i.e cf viz".split())
_STARTERS = frozenset(
    """The A An He She It They We I You In On At But And Or So This That These Those His Her Their Its Our My
    There Here However Meanwhile After Before When While If As For With Some Many Most No Officials Police
    Authorities Still Yet Also Then""".split()
)
_DOTTED_RE = re.compile(r"(?:[A-Za-z]\.)+[A-Za-z]")
# Tried only where a run of stops (or of spaces) starts, and possessive: a 1 MB run of "!" (or of spaces) not
# followed by a space (a line break) failed at each of its characters in turn, rescanning the rest (quadratic).
_END_RE = re.compile(r"(?<![.!?…])[.!?…]++[\"'”’»)\]]*+(?=\s)")
_NEWLINES_RE = re.compile(r"(?<![ \t\r\f\v])[ \t\r\f\v]*+\n\s*")
_NEXT_WORD_RE = re.compile(r"[\"'“‘«(\[]*([^\s]*)")
_LAST_WORD_RE = re.compile(r"(\S+)$")
_WORD_LOOKBACK = 100  # characters searched back for the word before a full stop (abbreviations are short)
CLOSERS = "\"'”’»)]"  # closing quotation marks and brackets, which stay with the sentence they end
OPENERS = "\"'“‘«(["


def is_abbreviation(word: str) -> bool:
    """A word whose full stop may not end a sentence: "U.S", "Mr", "Corp" (the stop itself left off)."""
    return bool(_DOTTED_RE.fullmatch(word)) or word.lower() in _TITLES or word.lower() in _AMBIGUOUS_ABBREVS


def _block_spans(text: str) -> Iterator[tuple[int, int]]:
    """Paragraphs (blank lines) and lines; a line break followed by a lowercase letter is a soft wrap."""
    pos = 0
    for m in _NEWLINES_RE.finditer(text):
        following = text[m.end() : m.end() + 1]
        if m.group().count("\n") >= 2 or not following.islower():
            yield pos, m.start()
            pos = m.end()
    yield pos, len(text)


def _is_boundary(text: str, m: re.Match[str], block_start: int, block_end: int) -> bool:
    punct = m.group()
    core = punct.rstrip(CLOSERS)
    closers = punct[len(core) :]
    j = m.end()
    while j < block_end and text[j].isspace():
        j += 1
    if j >= block_end:
        return True
    if text[j].islower():
        return False  # '"Stop!" she said', 'e.g. this', 'Mr. smith' -- never a new sentence
    if any(c in core for c in "!?…") or core.startswith(".."):
        return True
    # Matched in place: slicing the rest of the block at every full stop made one long paragraph quadratic.
    nxt = _NEXT_WORD_RE.match(text, j, block_end)
    next_word = (nxt.group(1) if nxt else "").rstrip(".,;:!?\"'”’»)]")
    if closers:
        return True
    before = _LAST_WORD_RE.search(text, max(block_start, m.start() - _WORD_LOOKBACK), m.start())
    word = (before.group(1) if before else "").lstrip(OPENERS)
    lower = word.lower()
    if lower in _TITLES or lower in _NEVER_END:
        return False
    if text[j].isdigit() and (lower in _NUMBER_ABBREVS or lower in _MONTHS):
        return False  # "No. 10", "Jan. 5"
    if len(word) == 1 and word.isalpha() and word.isupper():
        return False  # an initial: "John F. Kennedy"
    if _DOTTED_RE.fullmatch(word) or lower in _AMBIGUOUS_ABBREVS or lower in _MONTHS:
        return next_word in _STARTERS  # "the U.S. Army" vs "in the U.S. The"
    return True


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """The (start, end) character spans of the sentences of `text` (see split_sentences)."""
    spans: list[tuple[int, int]] = []

    def add(start: int, end: int) -> None:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            spans.append((start, end))

    for block_start, block_end in _block_spans(text):
        start = block_start
        for m in _END_RE.finditer(text, block_start, block_end):
            check_deadline("splitting sentences")
            if m.start() < start:
                continue  # inside a closing quotation mark already given to the previous sentence
            if _is_boundary(text, m, block_start, block_end):
                end = m.end()
                k = end
                while k < block_end and text[k] in " \t":
                    k += 1
                if k < block_end and text[k] in '"”’' and (k + 1 == block_end or text[k + 1].isspace()):
                    end = k + 1  # a closing quotation mark set apart by a space: 'the end. "'
                add(start, end)
                start = end
        add(start, block_end)
    return spans


def split_sentences(text: str) -> list[str]:
    """Sentences of a news text, each a verbatim (whitespace-trimmed) substring of it.

    Paragraphs are separated by blank lines; a single line break also ends a sentence unless the next line
    starts in lowercase (a soft wrap). Abbreviations ("Mr.", "Jan. 5", "U.S. Army", "No. 10"), initials,
    decimals and a quote followed by its attribution ('"Why?" she asked.') do not end a sentence.
    """
    return [text[s:e] for s, e in sentence_spans(text or "")]
