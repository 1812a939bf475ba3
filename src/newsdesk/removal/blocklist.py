"""The blocklist as the collector asks it, many times a pass: an in-memory copy (sets of addresses, hashes and
domains, and an LSH index of the removed articles' MinHash signatures) reloaded only when the blocklist
changed, which a version row in `meta` tells in one primary-key lookup."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from tld import get_fld

from newsdesk.analyze.dedup import CopyDetector
from newsdesk.extract import canonicalize_url
from newsdesk.store import Store
from newsdesk.store.schema import BlockEntry, Meta

BLOCKLIST_VERSION = "blocklist_version"
CONTENT_VERSION = "content_version"


def host_of(url_or_host: str) -> str:
    value = url_or_host.strip().lower()
    host = urlsplit(value).hostname if "://" in value else value.split("/")[0].split(":")[0]
    return (host or "").strip(".")


def registered_domain(url_or_host: str) -> str:
    """example.com for https://news.example.com/a and for www.example.com; an address or a name without a
    public suffix (127.0.0.1, localhost, intranet) is its own domain."""
    host = host_of(url_or_host)
    if not host:
        return ""
    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return (fld or host.removeprefix("www.")).lower()


def _address_keys(url: str | None) -> set[str]:
    """The URL as given and in its canonical form (tracking parameters and fragments gone)."""
    if not url:
        return set()
    keys = {url.strip()}
    try:
        keys.add(canonicalize_url(url.strip()))
    except ValueError:
        pass
    return keys


@dataclass
class _Snapshot:
    version: str | None
    addresses: dict[str, int | None]  # url or canonical URL -> request id
    hashes: dict[str, int | None]
    domains: dict[str, int | None]
    detector: CopyDetector | None
    signature_requests: dict[str, int | None]  # key in the detector (content hash) -> request id


class BlocklistIndex:
    """`check()` answers whether something may be fetched or stored; thread-safe."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._snap: _Snapshot | None = None

    def _version(self) -> str | None:
        with self.store.session() as s:
            return s.scalar(select(Meta.value).where(Meta.key == BLOCKLIST_VERSION))

    def _load(self, version: str | None) -> _Snapshot:
        addresses: dict[str, int | None] = {}
        hashes: dict[str, int | None] = {}
        domains: dict[str, int | None] = {}
        sig_requests: dict[str, int | None] = {}
        detector: CopyDetector | None = None
        with self.store.session() as s:
            rows = s.execute(select(BlockEntry.kind, BlockEntry.value, BlockEntry.signature, BlockEntry.request_id))
            for kind, value, sig, request_id in rows:
                if kind in ("url", "canonical"):
                    addresses[value] = request_id
                elif kind == "content_hash":
                    hashes[value] = request_id
                elif kind == "domain":
                    domains[value] = request_id
                elif kind == "signature" and sig:
                    detector = detector or CopyDetector()
                    if value not in detector:
                        detector.add(value, sig=sig)
                        sig_requests[value] = request_id
        return _Snapshot(version, addresses, hashes, domains, detector, sig_requests)

    def snapshot(self) -> _Snapshot:
        version = self._version()
        with self._lock:
            if self._snap is None or self._snap.version != version:
                self._snap = self._load(version)
            return self._snap

    def invalidate(self) -> None:
        with self._lock:
            self._snap = None

    def domain_blocked(self, url_or_host: str, snap: _Snapshot | None = None) -> str | None:
        snap = snap or self.snapshot()
        if not snap.domains:
            return None
        host = host_of(url_or_host)
        labels = host.split(".")
        # The host and every parent of it: blocking example.com blocks news.example.com too.
        for i in range(len(labels)):
            candidate = ".".join(labels[i:])
            if candidate in snap.domains:
                return f"domain {candidate} is blocked (removal request {snap.domains[candidate]})"
        reg = registered_domain(host)
        if reg in snap.domains:
            return f"domain {reg} is blocked (removal request {snap.domains[reg]})"
        return None

    def check(self, url: str | None = None, canonical: str | None = None, content_hash: str | None = None,
              text: str | None = None) -> str | None:
        """Why this may not be fetched or stored, or None. Cheapest tests first; the near-copy test (a MinHash
        signature of `text`, about a millisecond) only when removed articles' signatures exist."""
        snap = self.snapshot()
        for key in _address_keys(url) | _address_keys(canonical):
            if key in snap.addresses:
                return f"address {key} is blocked (removal request {snap.addresses[key]})"
        for address in (url, canonical):
            if address and (why := self.domain_blocked(address, snap)):
                return why
        if content_hash and content_hash in snap.hashes:
            return f"content is an exact copy of removed content (removal request {snap.hashes[content_hash]})"
        if text and snap.detector is not None:
            hit = snap.detector.match(text)
            if hit is not None:
                return f"content is a near copy of removed content (removal request {snap.signature_requests[hit]})"
        return None
