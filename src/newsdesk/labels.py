"""Source labels: what kind of outlet published an article (wire agency, public broadcaster, state-controlled
media, newspaper, ...), from which country, and where that label comes from.

The registry is `newsdesk/data/source-labels.toml`; the `source_labels_file` setting names a file in the
same format whose entries are added (an entry with the name of a built-in outlet replaces it).
"""

from __future__ import annotations

import threading
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
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

    def is_state_media(self, name: str) -> bool:
        label = self.label_for_name(name)
        return bool(label and label.state_controlled)

    def is_outlet(self, name: str) -> bool:
        return self.label_for_name(name) is not None


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


def rests_only_on_state_media(carriers: Iterable[tuple[str | None, str | None]],
                              registry: Registry | None = None) -> bool:
    """Whether a claim rests only on state-controlled media.

    `carriers` holds, for every statement of the claim, (the outlet's URL or domain that carries it, the
    statement's kind). A statement counts as state media when its outlet is labelled state-controlled or
    when it is itself attributed to state media ("KCNA reported ..." in a Reuters story: Reuters only relays
    it). False for an empty group."""
    registry = registry or default_registry()
    seen = False
    for outlet, kind in carriers:
        seen = True
        label = registry.label_for(outlet)
        if not (kind == "state_media" or (label is not None and label.state_controlled)):
            return False
    return seen
