"""Source labels: what kind of outlet published an article (wire agency, public broadcaster, state-controlled
media, newspaper, ...), from which country, and where that label comes from; and the words that tell what
kind of source a quoted speaker is (`speaker_words`).

The registry is `newsdesk/data/source-labels.toml`; the `source_labels_file` setting names a file in the
same format whose entries are added (an entry with the name of a built-in outlet replaces it). The speaker
words are `newsdesk/data/speaker-words.toml`.
"""

from __future__ import annotations

import re
import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from newsdesk.errors import NewsdeskError
from newsdesk.urls import host_of

OUTLET_TYPES = frozenset({"wire agency", "public broadcaster", "state-controlled media", "state-funded broadcaster",
                          "broadcaster", "newspaper", "magazine", "digital native", "blog", "intergovernmental"})


class LabelFileError(NewsdeskError, ValueError):
    """A source-labels file that cannot be used, with the file and entry at fault."""

    reason = "bad_labels_file"


@dataclass(frozen=True)
class SourceLabel:
    name: str
    domains: tuple[str, ...]
    type: str
    country: str
    reference: str
    state_controlled: bool = False
    aliases: tuple[str, ...] = ()


def _entry(raw: Any, where: str) -> SourceLabel:
    if not isinstance(raw, dict):
        raise LabelFileError(f"{where}: an [[outlet]] entry must be a table")
    for key in ("name", "type", "country", "reference"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise LabelFileError(f"{where}: '{key}' must be a non-empty string")
    domains = raw.get("domains")
    if not isinstance(domains, list) or not domains or not all(isinstance(d, str) and d.strip() for d in domains):
        raise LabelFileError(f"{where} ({raw['name']}): 'domains' must be a non-empty list of strings")
    if raw["type"] not in OUTLET_TYPES:
        raise LabelFileError(f"{where} ({raw['name']}): unknown type {raw['type']!r}; "
                             f"one of {', '.join(sorted(OUTLET_TYPES))}")
    state = raw.get("state_controlled", raw["type"] == "state-controlled media")
    if not isinstance(state, bool):
        raise LabelFileError(f"{where} ({raw['name']}): 'state_controlled' must be true or false")
    aliases = raw.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise LabelFileError(f"{where} ({raw['name']}): 'aliases' must be a list of strings")
    unknown = set(raw) - {"name", "domains", "type", "country", "reference", "state_controlled", "aliases"}
    if unknown:
        raise LabelFileError(f"{where} ({raw['name']}): unknown key(s) {', '.join(sorted(unknown))}")
    return SourceLabel(raw["name"].strip(), tuple(host_of(d).removeprefix("www.") for d in domains), raw["type"],
                       raw["country"].strip(), raw["reference"].strip(), state, tuple(a.strip() for a in aliases))


def parse_labels(data: bytes | str, origin: str) -> list[SourceLabel]:
    """The outlets of one labels file (TOML, a list of [[outlet]] tables); `origin` names it in errors."""
    try:
        doc = tomllib.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LabelFileError(f"{origin}: not valid TOML ({exc})") from exc
    outlets = doc.get("outlet")
    if not isinstance(outlets, list):
        raise LabelFileError(f"{origin}: expected [[outlet]] entries")
    return [_entry(raw, f"{origin}: outlet {i}") for i, raw in enumerate(outlets, 1)]


class Registry:
    """Outlet labels by domain and by name."""

    def __init__(self, labels: Iterable[SourceLabel]) -> None:
        by_name: dict[str, SourceLabel] = {}
        for label in labels:
            by_name[label.name.lower()] = label  # later files replace earlier entries of the same name
        self.labels = list(by_name.values())
        self._domains = {d: label for label in self.labels for d in label.domains}
        self._names = {n.lower(): label for label in self.labels for n in (label.name, *label.aliases)}

    def label_for(self, url_or_domain: str | None) -> SourceLabel | None:
        """The label of the outlet at this URL or domain; subdomains count ("en.yna.co.kr" is Yonhap)."""
        if not url_or_domain:
            return None
        host = host_of(url_or_domain).removeprefix("www.")
        while host:
            label = self._domains.get(host)
            if label is not None:
                return label
            if "." not in host:
                return None
            host = host.split(".", 1)[1]
        return None

    def label_for_name(self, name: str | None) -> SourceLabel | None:
        """The outlet called `name` ("Xinhua", "the Associated Press"), for speakers that are outlets."""
        if not name:
            return None
        key = name.strip().lower()
        key = key[4:] if key.startswith("the ") else key
        return self._names.get(key) or self._names.get("the " + key)

    def label_of(self, url: str | None, source_name: str | None) -> SourceLabel | None:
        """The label of the outlet an article comes from: by its URL, else by the outlet its source's name
        names (a feed of KCNA articles republished under another host)."""
        return self.label_for(url) or self.label_for_name(source_name)

    def is_state_media(self, name: str) -> bool:
        label = self.outlet_named(name)
        return bool(label and label.state_controlled)

    def is_outlet(self, name: str) -> bool:
        return self.outlet_named(name) is not None

    def outlet_named(self, name: str | None) -> SourceLabel | None:
        """The outlet a speaker's name names, as written: "People" and "Time" are magazines, "people" and
        "time" are not."""
        label = self.label_for_name(name)
        if label is None or not name:
            return None
        written = name.strip()
        written = written[4:] if written.lower().startswith("the ") else written
        return label if written[:1].isupper() or written[:1].isdigit() else None


def load_registry(extra_file: str | Path | None = None) -> Registry:
    """The built-in labels plus those of `extra_file` (which win on a shared name)."""
    data = resources.files("newsdesk").joinpath("data/source-labels.toml").read_bytes()
    labels = parse_labels(data, "source-labels.toml")
    if extra_file:
        path = Path(extra_file)
        try:
            labels += parse_labels(path.read_bytes(), str(path))
        except OSError as exc:
            raise LabelFileError(f"{path}: cannot read source labels ({exc.strerror or exc})") from exc
    return Registry(labels)


_default: Registry | None = None
_lock = threading.Lock()


def default_registry() -> Registry:
    """The registry of the current settings (`source_labels_file`), loaded once."""
    global _default
    if _default is None:
        with _lock:
            if _default is None:
                from newsdesk.config import load_settings

                _default = load_registry(getattr(load_settings(), "source_labels_file", "") or None)
    return _default


def label_for(url_or_domain: str | None) -> SourceLabel | None:
    """The label of the outlet at this URL or domain in the default registry, or None."""
    return default_registry().label_for(url_or_domain)


# ---------------------------------------------------------------------------------------------- speaker words


@dataclass(frozen=True)
class SpeakerWords:
    """The word lists of `data/speaker-words.toml`, ready to match (see that file for what each means)."""

    nouns: frozenset[str]  # common nouns that can head a speaker, with their plurals
    long_nouns: tuple[str, ...]  # those of six letters or more, that also end a longer noun ("neurosurgeon")
    voices: frozenset[str]  # nouns whose owner or author is the speaker ("Willoughby's letter")
    person_endings: tuple[str, ...]
    not_persons: frozenset[str]
    quantities: frozenset[str]
    kinds: tuple[tuple[str, re.Pattern[str]], ...]  # (kind, its words), in the order they are tried
    official_titles: re.Pattern[str]
    outlet_nouns: frozenset[str]

    def can_speak(self, noun: str) -> bool:
        """Whether a common noun ("spokesman", "the statement" 's "statement") can name a speaker."""
        noun = noun.lower()
        if noun in self.nouns:
            return True
        singular = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
        if "-" in noun and noun.rsplit("-", 1)[1] in self.nouns:
            return True  # "ex-wife", "co-founder"
        if any(noun.endswith(word) and len(noun) > len(word) + 2 for word in self.long_nouns):
            return True  # "neurosurgeon", "policymaker"
        return (len(singular) > 4 and singular not in self.not_persons and noun not in self.not_persons
                and singular.endswith(self.person_endings))

    def kind_of(self, words: str) -> str | None:
        """The first kind whose words occur in `words`, or None."""
        return next((kind for kind, pattern in self.kinds if pattern.search(words)), None)


def plural_forms(word: str) -> set[str]:
    """`word` and its regular plurals ("ministry" -> "ministries", "spokesman" -> "spokesmen")."""
    forms = {word, word + "s", word + "es"}
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        forms.add(word[:-1] + "ies")
    if word.endswith("man"):
        forms.add(word[:-3] + "men")
    if word.endswith("person"):
        forms.add(word[:-6] + "people")
    if word.endswith("sis"):
        forms.add(word[:-3] + "ses")  # "analysis" -> "analyses"
    return forms


def _words_pattern(words: Iterable[str]) -> re.Pattern[str]:
    forms = sorted({form for word in words for form in plural_forms(word)}, key=len, reverse=True)
    return re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(f) for f in forms) + r")(?!\w)", re.I)


def _word_list(doc: dict[str, Any], table: str, key: str) -> list[str]:
    words = doc.get(table, {}).get(key)
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise LabelFileError(f"speaker-words.toml: [{table}] {key} must be a list of words")
    return [w.strip().lower() for w in words]


def parse_speaker_words(data: bytes | str) -> SpeakerWords:
    """The speaker words of a file in the format of `data/speaker-words.toml`."""
    try:
        doc = tomllib.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise LabelFileError(f"speaker-words.toml: not valid TOML ({exc})") from exc
    nouns = {form for key in ("people", "groups", "voices") for word in _word_list(doc, "speaker_nouns", key)
             for form in plural_forms(word)}
    kinds = tuple((kind, _words_pattern(_word_list(doc, "kinds", kind)))
                  for kind in ("anonymous", "state_media", "media", "analyst", "expert", "official"))
    titles = _word_list(doc, "kinds", "official_titles")
    voices = {form for key in ("voices", "representatives") for word in _word_list(doc, "speaker_nouns", key)
              for form in plural_forms(word)}
    # Every word that tells a speaker's kind names someone too ("prosecutor", "columnist").
    nouns |= {form for kind in ("anonymous", "media", "analyst", "expert", "official")
              for word in _word_list(doc, "kinds", kind) if " " not in word for form in plural_forms(word)}
    nouns |= voices
    return SpeakerWords(
        nouns=frozenset(nouns),
        long_nouns=tuple(sorted(w for w in nouns if len(w) >= 6 and w.isalpha())),
        voices=frozenset(voices),
        person_endings=tuple(_word_list(doc, "speaker_nouns", "person_endings")),
        not_persons=frozenset(_word_list(doc, "speaker_nouns", "not_persons")),
        quantities=frozenset(form for word in _word_list(doc, "speaker_nouns", "quantities")
                             for form in plural_forms(word)),
        kinds=kinds,
        official_titles=re.compile(r"(?<!\w)(?:" + "|".join(re.escape(t) for t in titles) + ")", re.I),
        outlet_nouns=frozenset(form for word in _word_list(doc, "outlet_nouns", "words")
                               for form in plural_forms(word)))


@cache
def speaker_words() -> SpeakerWords:
    """The built-in speaker words (`data/speaker-words.toml`), loaded once."""
    return parse_speaker_words(resources.files("newsdesk").joinpath("data/speaker-words.toml").read_bytes())
