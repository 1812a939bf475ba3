"""The keys that things are compared and looked up by, and the clock they are stamped with: pure helpers that
every layer may use (see docs/architecture.md), so that the store, the stages and the web agree on one spelling.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime

_NAME_SPLIT = re.compile(r"[\s\-‐‑–]+")
FLAGGED_STATUSES = ("speculation", "denial")  # what a reader must not take for established fact


def utcnow() -> datetime:
    return datetime.now(UTC)


def content_hash(text: str) -> str:
    """Hash of the body with case and whitespace folded: the same text re-wrapped is the same copy."""
    return hashlib.sha256(re.sub(r"\s+", " ", text).strip().lower().encode()).hexdigest()


def name_key(name: str) -> str:
    """An entity name folded for look-ups: case, spacing and hyphens do not matter ("Kim Jong-un" is
    "kim jong un")."""
    return " ".join(w for w in _NAME_SPLIT.split(name.casefold()) if w)[:300]


def name_words(folded: str) -> list[str]:
    """The words of a folded name (`name_key`) that an entity is looked up by, without full stops at their ends:
    "donald j. trump" -> donald, trump (initials are left out)."""
    return list(dict.fromkeys(w for w in (w.strip(".") for w in folded.split()) if len(w) > 1))


def entity_key(name: str, type_: str) -> str:
    """The key that names one entity across stories: its type and folded name, "person:kim jong un"."""
    return f"{type_.lower()}:{name_key(name)}"


def _words_key(text: str) -> str:
    """Text folded for "one carries the other": case, spacing and the kind of quotation marks do not matter."""
    return " ".join(text.replace("\u201c", '"').replace("\u201d", '"').split()).strip(' "').lower()


def sentence_status(sentence: str, statements: list[dict]) -> str | None:
    """"speculation" or "denial" when a brief sentence carries (or is carried by) a statement of that status
    in the story's statements, so that the brief can say so instead of letting a hedge read like fact."""
    said = _words_key(sentence)
    if not said:
        return None
    found = None
    for st in statements:
        status = st.get("status") if isinstance(st, dict) else None
        if status not in FLAGGED_STATUSES:
            continue
        for key in ("text", "quote"):
            words = _words_key(str(st.get(key) or ""))
            if len(words) >= 12 and (words in said or said in words):
                if status == "speculation":
                    return status
                found = status
    return found


def brief_with_status(brief: list[dict], statements: list[dict]) -> list[dict]:
    """The brief as it is stored: each sentence with the `status` it has among these statements
    (`sentence_status`), the key left out when it has none, so that a page or an API answer reads it."""
    out = []
    for sentence in brief:
        if not isinstance(sentence, dict):
            out.append(sentence)
            continue
        kept = {k: v for k, v in sentence.items() if k != "status"}
        if status := sentence_status(str(sentence.get("text", "")), statements):
            kept["status"] = status
        out.append(kept)
    return out
