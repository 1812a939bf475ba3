"""The blocklist as the collector asks it, many times a pass: an in-memory copy (sets of addresses, hashes and
domains, and an LSH index of the removed articles' MinHash signatures) reloaded only when the blocklist
changed, which a version row in `meta` tells in one primary-key lookup.

Addresses are compared by their URL key (newsdesk.urls.url_key), computed from the stored values when the
copy is loaded: every spelling of a removed address is blocked. An address given by IP is blocked when a removed
address has the same key with a host name that resolves to that IP now, and the other way round. The name is
resolved when such a check is made (the client's resolver, cached a few minutes), not when the address was
removed: DNS moves, and what matters is where a fetch would connect today. Only addresses whose key differs from
a removed one by its host alone cost a lookup, so the usual check costs none."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import defaultdict
from dataclasses import dataclass

from newsdesk.sources.http import resolve_host
from newsdesk.store import Store, removals
from newsdesk.stories.copies import CopyDetector
from newsdesk.urls import host_of, key_host, registered_domain, url_key

__all__ = ["BlocklistIndex"]

RESOLVE_TTL = 300.0  # seconds a host's addresses are trusted for the IP-for-name check


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass
class _Snapshot:
    version: str | None
    addresses: dict[str, int | None]  # URL key of a removed url or canonical URL -> request id
    hosts: dict[str, set[str]]  # what follows the host in those keys -> the hosts they name
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
        self._resolved: dict[str, tuple[float, frozenset[str]]] = {}  # host -> (expires, addresses)

    def _version(self) -> str | None:
        return removals.blocklist_version(self.store)

    def _load(self, version: str | None) -> _Snapshot:
        addresses: dict[str, int | None] = {}
        hosts: dict[str, set[str]] = defaultdict(set)
        hashes: dict[str, int | None] = {}
        domains: dict[str, int | None] = {}
        sig_requests: dict[str, int | None] = {}
        detector: CopyDetector | None = None
        for kind, value, sig, request_id in removals.block_entries(self.store):
            if kind in ("url", "canonical"):
                key = url_key(value)
                addresses.setdefault(key, request_id)
                host, rest = key_host(key)
                hosts[rest].add(host)
            elif kind == "content_hash":
                hashes[value] = request_id
            elif kind == "domain":
                domains[value] = request_id
            elif kind == "signature" and sig:
                detector = detector or CopyDetector()
                if value not in detector:
                    detector.add(value, sig=sig)
                    sig_requests[value] = request_id
        return _Snapshot(version, addresses, dict(hosts), hashes, domains, detector, sig_requests)

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

    def _address_blocked(self, key: str, snap: _Snapshot) -> str | None:
        if key in snap.addresses:
            return f"address {key} is blocked (removal request {snap.addresses[key]})"
        host, rest = key_host(key)
        others = snap.hosts.get(rest, set()) - {host}
        if not others or not host:
            return None
        if _is_ip(host):  # a removed address named by host name, asked for by IP
            for name in others:
                if not _is_ip(name) and _same_ip(host, self._addresses(name)):
                    blocked = f"//{name}{rest}"
                    return (f"address {key} is blocked: {name} resolves to {host} "
                            f"(address {blocked}, removal request {snap.addresses[blocked]})")
            return None
        ips = [ip for ip in others if _is_ip(ip)]  # a removed address named by IP, asked for by name
        mine = self._addresses(host) if ips else frozenset()
        for ip in ips:
            if _same_ip(ip, mine):
                blocked = f"//{_bracketed(ip)}{rest}"
                return (f"address {key} is blocked: {host} resolves to {ip} "
                        f"(address {blocked}, removal request {snap.addresses.get(blocked)})")
        return None

    def _addresses(self, host: str) -> frozenset[str]:
        now = time.monotonic()
        with self._lock:
            cached = self._resolved.get(host)
        if cached and cached[0] > now:
            return cached[1]
        try:
            found = frozenset(resolve_host(host))
        except OSError:
            found = frozenset()  # an unknown name resolves to nothing: nothing to match
        with self._lock:
            self._resolved[host] = (now + RESOLVE_TTL, found)
        return found

    def check(self, url: str | None = None, canonical: str | None = None, content_hash: str | None = None,
              text: str | None = None) -> str | None:
        """Why this may not be fetched or stored, or None. Cheapest tests first; the near-copy test (a MinHash
        signature of `text`, about a millisecond) only when removed articles' signatures exist."""
        snap = self.snapshot()
        for address in dict.fromkeys(a.strip() for a in (url, canonical) if a and a.strip()):
            if why := self._address_blocked(url_key(address), snap):
                return why
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


def _same_ip(ip: str, addresses: frozenset[str]) -> bool:
    try:
        wanted = ipaddress.ip_address(ip)
        return any(ipaddress.ip_address(a.split("%")[0]) == wanted for a in addresses)
    except ValueError:
        return False


def _bracketed(host: str) -> str:
    return f"[{host}]" if ":" in host else host
