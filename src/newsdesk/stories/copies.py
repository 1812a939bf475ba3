"""Near-duplicate (copy / syndication) detection with MinHash LSH (datasketch).

A wire story reprinted by several outlets, each with its own headline, byline, boilerplate, a trimmed
last paragraph or an added one, is one **origin** with copies. :class:`CopyDetector` keeps a MinHash
signature of every article it is given in an LSH index; a new article is a copy when an LSH candidate
passes a verification on the two signatures, all of:

* the estimated containment of the smaller shingle set in the larger one (``|A & B| / min(|A|, |B|)``,
  the overlap coefficient) reaches ``threshold``, so that a trimmed copy, or a copy with an added
  paragraph or outlet boilerplate, still matches its origin;
* the estimated Jaccard similarity reaches ``min_jaccard``, so that an article is not called a copy of a
  much longer one that merely contains it (a round-up quoting a wire story) and so that LSH, tuned to
  find every pair at ``min_jaccard``, never has to look further down;
* a very short text (fewer than ``SHORT_WORDS`` words on either side) matches only an exact-ish copy
  (estimated Jaccard >= ``SHORT_JACCARD``).

Sizes are exact: a signature carries the number of shingles and words of its text, so containment is
derived from the Jaccard estimate J as ``J * (|A| + |B|) / (1 + J) / min(|A|, |B|)``.

Shingles are word n-grams (``NGRAM`` words) over the body after Unicode NFKC normalisation, case folding,
dropping punctuation and apostrophes, and dropping short paragraphs that look like outlet boilerplate
(newsletter and subscription prompts, copyright lines, share/follow prompts, bylines, photo credits).
Whitespace and line wrapping do not matter: the text is one token stream. Paragraphs are only used to
find boilerplate: blocks between blank lines, or lines when the text has no blank line (so re-wrapping
the lines of a blank-line-separated text does not change them). Han and kana characters are one token
each (those scripts do not separate words).

The defaults (``NGRAM`` 5, ``num_perm`` 128, ``threshold`` 0.6, ``min_jaccard`` 0.3) were measured with
``bench/dedup.py``; its docstring lists what was tried. With 128 permutations, LSH runs 64 bands of 2 rows,
which finds a pair at Jaccard 0.3 with probability 0.9975; a lower Jaccard floor needs 1-row bands, and
then unrelated articles become candidates (10 times more candidates per add on the benchmark).
"""

from __future__ import annotations

import re
import struct
import unicodedata
from collections.abc import Hashable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash, MinHashLSH

from newsdesk.timebudget import check_deadline

__all__ = [
    "DEFAULT_NUM_PERM",
    "DEFAULT_THRESHOLD",
    "CopyDetector",
    "Signature",
    "shingles",
    "signature",
]

NGRAM = 5  # words per shingle
SEED = 1  # MinHash seed: fixed, so signatures are the same in every process
DEFAULT_NUM_PERM = 128
DEFAULT_THRESHOLD = 0.6  # estimated containment of the smaller shingle set in the larger
DEFAULT_MIN_JACCARD = 0.3  # and estimated Jaccard similarity, the floor LSH is tuned for
LSH_RECALL = 0.995  # wanted probability that LSH returns a pair whose Jaccard is exactly min_jaccard
SHORT_WORDS = 30  # a text with fewer words only matches an exact-ish copy
SHORT_JACCARD = 0.9

_SCHEME = "affine32"
_MAGIC = b"NDMH"
_VERSION = 1
_HEADER = struct.Struct("<4sBBHIII")  # magic, version, ngram, num_perm, seed, shingle count, word count

Key = int | str

# Han ideographs and kana: one token per character; everything else: runs of word characters.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_APOSTROPHE = re.compile(r"(?<=\w)['\u2019\u02bc](?=\w)")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_BOILERPLATE_MAX_WORDS = 35
# Phrases of outlet boilerplate (matched at a word start in a short, case-folded paragraph). One alternation
# behind a single look-behind: a \b before each alternative made the search 14 times slower.
_BOILERPLATE_PHRASES = [
    r"subscribe\b", r"subscription", r"newsletters?\b", r"sign[ -]up\b", r"register (now|today|for free)\b",
    r"copyright\b", "\u00a9", r"\(c\) ?(19|20)\d\d", r"all rights reserved",
    r"may not be (published|reproduced|redistributed|broadcast|rewritten)",
    r"follow (us|me|her|him|them)\b", r"(like|find) us on\b", r"share (this|on)\b",
    r"click here", r"read more\b", r"continue reading", r"read the (full|original)",
    r"advertisement", r"sponsored\b", r"support (our|independent) journalism", r"download (our|the) app",
    r"terms of (use|service)", r"privacy policy", r"cookies?\b",
    r"(this|the) (story|article|report) (was |has been |first |originally )*(published|appeared|updated)\b",
    r"originally (published|appeared)", r"contributed to this (report|story)",
    r"(reporting|writing|editing) by\b", r"(photo|image|video) (credit|by)\b", r"getty images",
    r"we may earn", r"affiliate links?\b", r"related (stories|articles|coverage)", r"most (read|popular)\b",
    r"send (us )?(a )?tips?\b", r"contact (us|the author)\b",
]
_BOILERPLATE = re.compile(r"(?<!\w)(?:" + "|".join(_BOILERPLATE_PHRASES) + ")")
_BYLINE = re.compile(r"^\s*(by|von|por|par|di|oleh)\s+\w", re.IGNORECASE)
_BYLINE_MAX_WORDS = 12
_UPDATE_CHUNK = 20_000  # shingles hashed at a time (about 0.2 s): a huge text stops at its time budget


def _paragraphs(text: str) -> list[str]:
    """Blocks between blank lines; a text without blank lines has a paragraph a line."""
    parts = _PARAGRAPH_BREAK.split(text) if _PARAGRAPH_BREAK.search(text) else text.split("\n")
    return [p for p in (" ".join(part.split()) for part in parts) if p]


def _is_boilerplate(paragraph: str) -> bool:
    words = len(paragraph.split())
    if words <= _BYLINE_MAX_WORDS and _BYLINE.match(paragraph):
        return True
    return words <= _BOILERPLATE_MAX_WORDS and _BOILERPLATE.search(paragraph.casefold()) is not None


def _tokens(text: str) -> list[str]:
    """Word tokens of the body with boilerplate paragraphs left out (NFKC, case-folded, no punctuation)."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    body = [p for p in _paragraphs(text) if not _is_boilerplate(p)]
    joined = _APOSTROPHE.sub("", " ".join(body).casefold())
    return _TOKEN.findall(joined)


def _shingles_of(tokens: list[str], n: int = NGRAM) -> set[str]:
    if not tokens:
        return set()
    if len(tokens) < n:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def shingles(text: str) -> set[str]:
    """The body's word n-gram shingles (``NGRAM`` words, joined by a space), robust to re-wrapping,
    case, punctuation and outlet boilerplate paragraphs. A text shorter than ``NGRAM`` words is one
    shingle; an empty text has none."""
    return _shingles_of(_tokens(text))


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    return MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations


def _minhash(hashvalues: np.ndarray | None, num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=seed, hashvalues=hashvalues, permutations=_permutations(num_perm, seed),
                   scheme=_SCHEME)


@dataclass(frozen=True)
class Signature:
    """What the detector needs of one text: its MinHash values and the exact size of its shingle set."""

    hashvalues: np.ndarray  # uint32, one per permutation
    shingle_count: int
    word_count: int
    num_perm: int
    seed: int = SEED

    @classmethod
    def of(cls, text: str, num_perm: int = DEFAULT_NUM_PERM, seed: int = SEED) -> Signature:
        tokens = _tokens(text)
        sh = _shingles_of(tokens)
        m = _minhash(None, num_perm, seed)
        encoded = [s.encode("utf-8") for s in sh]
        for start in range(0, len(encoded), _UPDATE_CHUNK):  # the same minimum, with the time budget checked
            check_deadline("signing the text for copy detection")
            m.update_batch(encoded[start:start + _UPDATE_CHUNK])
        return cls(m.hashvalues.astype(np.uint32), len(sh), len(tokens), num_perm, seed)

    def to_bytes(self) -> bytes:
        header = _HEADER.pack(_MAGIC, _VERSION, NGRAM, self.num_perm, self.seed, self.shingle_count,
                              self.word_count)
        return header + self.hashvalues.astype("<u4").tobytes()

    @classmethod
    def from_bytes(cls, data: bytes) -> Signature:
        if len(data) < _HEADER.size:
            raise ValueError("not a newsdesk MinHash signature (too short)")
        magic, version, ngram, num_perm, seed, shingle_count, word_count = _HEADER.unpack_from(data)
        if magic != _MAGIC or version != _VERSION:
            raise ValueError("not a newsdesk MinHash signature (bad magic or version)")
        if ngram != NGRAM:
            raise ValueError(f"signature made with {ngram}-word shingles, this version uses {NGRAM}")
        if len(data) != _HEADER.size + 4 * num_perm:
            raise ValueError("truncated MinHash signature")
        values = np.frombuffer(data, dtype="<u4", offset=_HEADER.size).astype(np.uint32)
        return cls(values, shingle_count, word_count, num_perm, seed)


def signature(text: str, num_perm: int = DEFAULT_NUM_PERM) -> bytes:
    """The text's MinHash signature serialised (header with sizes, then ``num_perm`` little-endian uint32
    values), for the store to keep and rebuild a :class:`CopyDetector` from on restart."""
    return Signature.of(text, num_perm).to_bytes()


def _lsh_params(num_perm: int, min_jaccard: float, recall: float = LSH_RECALL) -> tuple[int, int]:
    """Bands and rows: the most rows per band (fewest chance candidates) for which a pair with Jaccard
    ``min_jaccard`` still becomes a candidate with probability ``recall``."""
    for rows in range(num_perm // 2, 0, -1):
        bands = num_perm // rows
        if bands >= 2 and 1.0 - (1.0 - min_jaccard**rows) ** bands >= recall:
            return bands, rows
    return num_perm, 1


@dataclass
class _Entry:
    seq: int
    sig: Signature
    origin: Key | None  # None: an original
    published: float = float("inf")  # publication time (POSIX seconds; unknown: last)
    wire: bool = False  # published by a wire agency (wins a tie in time)

    @property
    def rank(self) -> tuple[float, bool, int]:
        """Which of a copy group is its origin: the earliest published, then a wire agency, then the first stored."""
        return (self.published, not self.wire, self.seq)


class CopyDetector:
    """Streams articles in and tells, for each, the origin it is a near-copy of (or None).

    Copies point at the origin, never at another copy: a copy of a copy resolves to the first article
    of the chain. Candidates come from MinHash LSH, so the cost of ``add`` does not grow with the
    number of articles held; each candidate is verified on the signatures (see the module docstring).
    Deterministic: fixed seed, and ties broken by registration order.
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, num_perm: int = DEFAULT_NUM_PERM, *,
                 min_jaccard: float = DEFAULT_MIN_JACCARD, seed: int = SEED) -> None:
        if not 0.0 < threshold <= 1.0:
            raise ValueError("threshold must be in (0, 1]")
        if not 0.0 < min_jaccard <= 1.0:
            raise ValueError("min_jaccard must be in (0, 1]")
        self.threshold = threshold
        self.num_perm = num_perm
        self.min_jaccard = min_jaccard
        self.seed = seed
        self._lsh = MinHashLSH(num_perm=num_perm, params=_lsh_params(num_perm, min_jaccard))
        self._entries: dict[Key, _Entry] = {}
        self._copies: dict[Key, list[Key]] = {}  # origin -> its copies, in registration order
        self._seq = 0
        self.repointed: list[Key] = []  # the articles the last add() made copies of the article added
        self.candidates_examined = 0  # LSH candidates verified so far (a measure of the cost of add)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries

    def origin_of(self, key: Key) -> Key | None:
        """The origin ``key`` is a copy of now (None for an original); it can change after a removal."""
        return self._entries[key].origin

    def copies_of(self, key: Key) -> list[Key]:
        """The copies of an origin, in registration order."""
        return list(self._copies.get(key, ()))

    def similarity(self, a: Signature, b: Signature) -> tuple[float, float]:
        """Estimated (Jaccard, containment of the smaller set in the larger) of two signatures."""
        jaccard = float(np.count_nonzero(a.hashvalues == b.hashvalues)) / self.num_perm
        smaller = min(a.shingle_count, b.shingle_count)
        if smaller == 0:
            return 0.0, 0.0
        intersection = jaccard * (a.shingle_count + b.shingle_count) / (1.0 + jaccard)
        return jaccard, min(1.0, intersection / smaller)

    def is_copy(self, a: Signature, b: Signature) -> bool:
        """Whether two signatures are near-copies of each other (the verification of an LSH candidate)."""
        if a.shingle_count == 0 or b.shingle_count == 0:
            return False
        jaccard, containment = self.similarity(a, b)
        if min(a.word_count, b.word_count) < SHORT_WORDS:
            return jaccard >= SHORT_JACCARD
        return jaccard >= self.min_jaccard and containment >= self.threshold

    def _signature(self, text: str | None, sig: bytes | None) -> Signature:
        if sig is not None:
            s = Signature.from_bytes(sig)
            if s.num_perm != self.num_perm or s.seed != self.seed:
                raise ValueError(f"signature has num_perm={s.num_perm}, seed={s.seed}; this detector "
                                 f"uses num_perm={self.num_perm}, seed={self.seed}")
            return s
        if text is None:
            raise ValueError("add() needs the text or its signature")
        return Signature.of(text, self.num_perm, self.seed)

    def add(self, key: Key, text: str | None = None, *, sig: bytes | None = None, published: float | None = None,
            wire: bool = False) -> Key | None:
        """Register an article under ``key`` (from its text, or from ``sig`` as :func:`signature` made it)
        and return the key of the origin it is a near-copy of, or None when it is an original.

        A copy group's origin is its earliest-published member (``published``, POSIX seconds; unknown counts
        as latest), on a tie a wire agency's (``wire``), then the first registered. When the new article
        comes before the origin of the groups it matches, it becomes their origin: those origins and their
        copies are re-pointed to it, and listed in ``repointed``."""
        if key in self._entries:
            raise ValueError(f"key {key!r} is already registered")
        s = self._signature(text, sig)
        m = _minhash(s.hashvalues, self.num_perm, self.seed)
        entry = _Entry(self._seq, s, None, float("inf") if published is None else published, wire)
        self.repointed = []
        if s.shingle_count:
            roots: dict[Key, _Entry] = {}
            candidates = self._lsh.query(m)
            self.candidates_examined += len(candidates)
            for cand in candidates:
                found = self._entries[cand]
                if not self.is_copy(s, found.sig):
                    continue
                root = cand if found.origin is None else found.origin
                roots[root] = self._entries[root]
            if roots:
                best = min(roots, key=lambda k: roots[k].rank)
                if roots[best].rank < entry.rank:
                    entry.origin = best
                else:
                    # The new article is the earliest: every group it matches is re-pointed to it.
                    best = key
                for root in sorted(roots, key=lambda k: roots[k].rank):
                    if root == best or roots[root].rank < entry.rank:
                        continue
                    moved = [root, *self._copies.pop(root, [])]
                    for k in moved:
                        self._entries[k].origin = best
                    self._copies.setdefault(best, []).extend(moved)
                    self.repointed += moved
            self._lsh.insert(key, m, check_duplication=False)
        self._entries[key] = entry
        self._seq += 1
        if entry.origin is not None:
            self._copies.setdefault(entry.origin, []).append(key)
        return entry.origin

    def match(self, text: str | None = None, *, sig: bytes | Signature | None = None) -> Key | None:
        """The registered article this text (or signature) is a near-copy of, without registering it: the
        earliest registered match, or None. For checks against a fixed set, e.g. the removal blocklist."""
        s = sig if isinstance(sig, Signature) else self._signature(text, sig)
        if not s.shingle_count:
            return None
        best: tuple[int, Key] | None = None
        for cand in self._lsh.query(_minhash(s.hashvalues, self.num_perm, self.seed)):
            entry = self._entries[cand]
            if self.is_copy(s, entry.sig) and (best is None or entry.seq < best[0]):
                best = (entry.seq, cand)
        return best[1] if best else None

    def remove(self, key: Key) -> None:
        """Forget an article. If it was an origin, its earliest remaining copy becomes the origin of the
        others. Raises KeyError for an unknown key."""
        entry = self._entries.pop(key)
        if key in self._lsh:
            self._lsh.remove(key)
        if entry.origin is not None:
            copies = self._copies[entry.origin]
            copies.remove(key)
            if not copies:
                del self._copies[entry.origin]
            return
        copies = self._copies.pop(key, [])
        if copies:
            new_origin = min(copies, key=lambda k: self._entries[k].rank)
            rest = [c for c in copies if c != new_origin]
            self._entries[new_origin].origin = None
            for c in rest:
                self._entries[c].origin = new_origin
            if rest:
                self._copies[new_origin] = rest
