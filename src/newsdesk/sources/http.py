"""The polite, safe HTTP client every fetch goes through.

Politeness: one User-Agent, robots.txt (protego) cached per origin, one request at a time per host with a
minimum gap (or the robots Crawl-delay), and a per-host pause after 429/503 (Retry-After) or after
HOST_TIMEOUTS timeouts in a row (growing while the host keeps timing out).
Time: one deadline covers connect, headers and body (request_timeout), and never outlives the caller's time
budget (newsdesk.timebudget: the collector gives each host one per pass); with too little of the budget left
for a request, none is sent (TimeBudgetError).
Safety: only http(s); addresses are checked after DNS resolution by the network backend itself, which
then connects to the very address it checked (so DNS rebinding cannot slip a private address in);
redirects are followed here, hop by hop, each hop checked again; bodies are capped on decompressed bytes
while streaming; one deadline covers connect, headers and body.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpcore
import httpx
from protego import Protego

from newsdesk.config import Settings
from newsdesk.errors import (
    BlockedError,
    FetchError,
    FetchTimeoutError,
    HostBackoffError,
    HTTPStatusError,
    RobotsDisallowedError,
    TimeBudgetError,
    TooLargeError,
    UnsafeURLError,
)
from newsdesk.keys import utcnow
from newsdesk.models import FetchedDocument
from newsdesk.timebudget import current_deadline

ROBOTS_AGENT = "newsdesk"  # the token matched against robots.txt User-agent lines
ROBOTS_MAX_BYTES = 500 * 1024  # Google reads the first 500 KiB of a robots.txt and ignores the rest
ROBOTS_RETRY = 300.0  # seconds a host stays disallowed after its robots.txt failed (5xx, network)
MAX_CRAWL_DELAY = 60.0  # a larger Crawl-delay would park a worker thread for too long per request
DEFAULT_RETRY_AFTER = 60.0
HOST_TIMEOUTS = 3  # timeouts in a row after which a host is left alone for a while
MIN_REQUEST_TIME = 1.0  # a request is not started with less of the caller's time budget left
_REDIRECTS = {301, 302, 303, 307, 308}
_CHUNK = 64 * 1024  # decompressed bytes produced per step, so a gzip bomb never inflates at once

# The deadline of the request running on this thread. httpx timeouts are per read, so a server that drips
# one byte a second would never trip them; our network stream clamps every read to what is left.
_deadline = threading.local()


def _time_left(timeout: float | None, kind: type[httpcore.TimeoutException]) -> float | None:
    at: float | None = getattr(_deadline, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise kind("deadline passed")
    return left if timeout is None else min(timeout, left)


def resolve_host(host: str, port: int = 80) -> list[str]:
    """The addresses of host, in the resolver's order (IP literals resolve to themselves); OSError when the name
    does not resolve."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class _AddressPolicy:
    """Which IP addresses may be connected to."""

    def __init__(self, settings: Settings) -> None:
        self.allow_all = settings.allow_private_hosts
        try:
            self.allowed = [
                ipaddress.ip_network(part.strip(), strict=False)
                for part in settings.allowed_private_hosts.split(",")
                if part.strip()
            ]
        except ValueError as exc:
            raise ValueError(f"allowed_private_hosts: {exc}") from None

    def refusal(self, ip: str) -> str | None:
        """Why ip must not be connected to, or None when it may."""
        if self.allow_all:
            return None
        addr = ipaddress.ip_address(ip.split("%")[0])  # drop an IPv6 zone id
        if addr.version == 6 and (addr.ipv4_mapped or addr.sixtofour):
            addr = addr.ipv4_mapped or addr.sixtofour  # the IPv4 address really reached
        if any(addr in net for net in self.allowed):
            return None
        for label, flag in (
            ("unspecified", addr.is_unspecified),
            ("loopback", addr.is_loopback),
            ("link-local", addr.is_link_local),
            ("multicast", addr.is_multicast),
            ("reserved", addr.is_reserved),
            ("private", addr.is_private),
            ("non-public", not addr.is_global),
        ):
            if flag:
                return f"{addr} ({label})"
        return None

    def checked_addresses(self, host: str, port: int) -> list[str]:
        """Resolve host and refuse it if ANY address is unsafe (a mixed answer is a rebinding trick)."""
        try:
            addresses = resolve_host(host, port)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve host {host!r} ({exc.strerror or exc})") from None
        for ip in addresses:
            reason = self.refusal(ip)
            if reason:
                raise UnsafeURLError(
                    f"refused: {host} resolves to {reason}; set NEWSDESK_ALLOW_PRIVATE_HOSTS=1, or list the address "
                    "in NEWSDESK_ALLOWED_PRIVATE_HOSTS, to fetch it"
                )
        return addresses


class _DeadlineStream(httpcore.NetworkStream):
    """A connected socket whose reads and writes never outlive the request deadline."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _time_left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _time_left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        timeout = _time_left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _SafeBackend(httpcore.SyncBackend):
    """Resolves, checks every address, then connects to a checked address (never re-resolves)."""

    def __init__(self, policy: _AddressPolicy) -> None:
        self.policy = policy

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options: Any = None) -> httpcore.NetworkStream:
        error = "no address"
        for ip in self.policy.checked_addresses(host, port):
            try:
                stream = super().connect_tcp(ip, port, _time_left(timeout, httpcore.ConnectTimeout),
                                             local_address, socket_options)
                return _DeadlineStream(stream)
            except httpcore.ConnectError as exc:
                cause = exc.__cause__
                error = cause.strerror if isinstance(cause, OSError) and cause.strerror else str(exc)
        raise httpcore.ConnectError(f"cannot connect to {host} port {port}: {error.lower()}")


class _SafeTransport(httpx.HTTPTransport):
    def __init__(self, policy: _AddressPolicy) -> None:
        super().__init__(trust_env=False)  # no proxy from the environment: we must see the real peer
        # httpx 0.28 takes no network backend, so replace the pool it built (still empty) with one that
        # connects through ours; handle_request() and close() only use self._pool.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=True),  # honours SSL_CERT_FILE / SSL_CERT_DIR
            network_backend=_SafeBackend(policy),
            max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0,  # httpx's defaults
        )


class _Decoder:
    """Content-Encoding decoding in bounded steps (httpx would inflate a whole network chunk at once)."""

    def __init__(self, encoding: str, url: str) -> None:
        self.encoding, self.url = encoding, url
        if encoding in ("", "identity"):
            self._z = None
        elif encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z, self._head = None, b""  # zlib or raw: decided on the first two bytes
        else:
            raise FetchError(f"{url}: unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self.encoding == "deflate" and self._z is None:
            # "deflate" is zlib-wrapped by the spec but often raw in practice: look for a zlib header.
            data = self._head = self._head + data
            if len(data) < 2:
                return
            zlib_header = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            self._z = zlib.decompressobj(zlib.MAX_WBITS if zlib_header else -zlib.MAX_WBITS)
        if self._z is None:
            yield data
            return
        try:
            # Keep going while output comes, even once the input is used up: zlib may still hold some.
            while not self._z.eof:
                out = self._z.decompress(data, _CHUNK)
                data = self._z.unconsumed_tail
                if not out:
                    break
                yield out
        except zlib.error as exc:
            raise FetchError(f"{self.url}: corrupt {self.encoding} body ({exc})") from None


@dataclass
class _Reply:
    url: str
    status: int
    reason: str
    headers: dict[str, str]
    content: bytes = b""
    retry_after: float | None = None  # the pause applied to the host after a 429/503


@dataclass
class _Host:
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay: float = 0.0  # minimum gap between two requests (settings or Crawl-delay)
    last_end: float = float("-inf")  # time.monotonic() when the last request ended
    backoff_until: float = 0.0  # time.time() before which the host is not contacted
    backoff_why: str = "the host asked us to wait"
    timeouts: int = 0  # requests in a row that timed out


@dataclass
class _Robots:
    expires: float  # time.monotonic()
    parser: Protego | None = None  # None: everything allowed (no robots.txt)
    unavailable: str | None = None  # robots.txt could not be read: everything disallowed


class PoliteClient:
    """`with PoliteClient(settings) as client: doc = client.get(url)`; thread-safe."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._policy = _AddressPolicy(settings)
        self._client = httpx.Client(
            transport=_SafeTransport(self._policy),
            follow_redirects=False,  # followed in get(), so that every hop is checked and polite
            trust_env=False,
            timeout=httpx.Timeout(settings.request_timeout, connect=settings.connect_timeout),
            # We decode bodies ourselves (bounded), so only offer what _Decoder reads.
            headers={"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._hosts: dict[str, _Host] = {}
        self._robots: dict[tuple[str, str, int], _Robots] = {}
        self._lock = threading.Lock()  # guards the two dicts above

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None,
            accept: str | None = None, check_robots: bool = True,
            refuse: Callable[[str], str | None] | None = None, max_bytes: int | None = None) -> FetchedDocument:
        """Fetch url politely, following redirects; raises a FetchError subclass on any failure (TooLargeError
        past `max_bytes`, by default `max_body_bytes`).

        `refuse(url)` is asked before each redirect is followed, and says why that address must not be requested
        (the removal blocklist), or None: a refused hop raises BlockedError and is never requested."""
        headers = {"If-None-Match": etag, "If-Modified-Since": last_modified, "Accept": accept}
        headers = {k: v for k, v in headers.items() if v}
        current = url
        for hop in range(self.settings.max_redirects + 1):
            if hop and refuse is not None and (why := refuse(current)):
                raise BlockedError(f"{url}: redirected to {current}, which is not fetched: {why}")
            target = self._checked_url(current)
            host = self._host(target.host)
            self._raise_if_backing_off(current, host)  # fail fast, without queueing on the lock
            with host.lock:
                self._raise_if_backing_off(current, host)
                if check_robots:
                    self._enforce_robots(current, target, host)
                reply = self._polite_send(host, target, current, headers, max_bytes or self.settings.max_body_bytes)
            if reply.status in _REDIRECTS and reply.headers.get("location"):
                current = _join(current, reply.headers["location"])
                continue
            return self._document(reply, etag, last_modified)
        raise FetchError(f"{url}: too many redirects (more than {self.settings.max_redirects}; a loop?)")

    # -- safety ---------------------------------------------------------------------------------------------

    def _checked_url(self, url: str) -> httpx.URL:
        try:
            target = httpx.URL(url)
        except (httpx.InvalidURL, TypeError) as exc:
            raise FetchError(f"{url}: invalid URL ({exc})") from None
        if target.scheme not in ("http", "https"):
            raise UnsafeURLError(f"{url}: refused: only http and https URLs are fetched")
        if not target.host:
            raise FetchError(f"{url}: invalid URL (no host)")
        # Early check for a clear message and no robots.txt request; the backend checks again at connect.
        try:
            port = target.port or (443 if target.scheme == "https" else 80)
            self._policy.checked_addresses(target.raw_host.decode("ascii"), port)
        except httpcore.ConnectError as exc:
            raise FetchError(f"{url}: {exc}") from None
        except UnsafeURLError as exc:
            raise UnsafeURLError(f"{url}: {exc}") from None
        return target

    def _send(self, target: httpx.URL, url: str, headers: dict[str, str], limit: int,
              truncate: bool = False) -> _Reply:
        """One request under one deadline (cut short by the caller's budget); the body is read only for 2xx
        answers."""
        timeout = self.settings.request_timeout
        budget = _budget_left(url)
        if budget is not None and budget < timeout:
            timeout = budget
            why = "within the time budget left for this host"
        else:
            why = f"within {timeout:g} s"
        _deadline.at = time.monotonic() + timeout
        try:
            with self._client.stream("GET", target, headers=headers) as resp:
                reply = _Reply(url, resp.status_code, resp.reason_phrase,
                               {k.lower(): v for k, v in resp.headers.items()})
                if 200 <= resp.status_code < 300:
                    reply.content = self._read_body(resp, url, limit, truncate)
                return reply
        except httpx.ConnectTimeout:
            raise FetchTimeoutError(f"{url}: connecting to {target.host} timed out") from None
        except httpx.TimeoutException:
            raise FetchTimeoutError(f"{url}: no complete response {why} ({timeout:.1f} s)") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise FetchError(f"{url}: {str(exc) or type(exc).__name__}") from None
        except UnsafeURLError as exc:  # from the backend, which does not know the URL
            raise UnsafeURLError(f"{url}: {exc}") from None
        finally:
            _deadline.at = None

    def _read_body(self, resp: httpx.Response, url: str, limit: int, truncate: bool) -> bytes:
        length = resp.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit and not truncate:
            raise TooLargeError(f"{url}: response of {int(length)} bytes is over the {limit} byte limit")
        decoder = _Decoder(resp.headers.get("content-encoding", "").strip().lower(), url)
        parts: list[bytes] = []
        raw = size = 0
        for chunk in resp.iter_raw():
            raw += len(chunk)  # also bounds junk after the end of a gzip stream, which inflates to nothing
            for piece in decoder.feed(chunk):
                parts.append(piece)
                size += len(piece)
                if size > limit:
                    break  # stop inflating at once
            if size > limit or raw > limit:
                if truncate:
                    return b"".join(parts)[:limit]
                raise TooLargeError(f"{url}: response is over the {limit} byte limit (decompressed)")
            if time.monotonic() > _deadline.at:  # data kept coming, but too slowly
                raise httpx.ReadTimeout("deadline passed")  # reported by _send like any timeout
        return b"".join(parts)

    # -- politeness -----------------------------------------------------------------------------------------

    def _host(self, name: str) -> _Host:
        with self._lock:
            host = self._hosts.get(name)
            if host is None:
                host = self._hosts[name] = _Host(delay=self.settings.min_host_delay)
            return host

    def _polite_send(self, host: _Host, target: httpx.URL, url: str, headers: dict[str, str],
                     limit: int, truncate: bool = False) -> _Reply:
        """_send after the host's minimum gap; call with host.lock held."""
        wait = host.last_end + host.delay - time.monotonic()
        if wait > 0:
            budget = _budget_left(url)
            if budget is not None and budget < wait + MIN_REQUEST_TIME:
                raise TimeBudgetError(f"{url}: not requested: the time budget left for this host ({budget:.1f} s) "
                                      f"is shorter than its {host.delay:g} s gap between requests")
            time.sleep(wait)
        try:
            reply = self._send(target, url, headers, limit, truncate)
        except FetchTimeoutError:
            host.timeouts += 1
            if host.timeouts >= HOST_TIMEOUTS:
                # A host that keeps timing out is left alone, longer each time it does it again.
                seconds = min(self.settings.min_interval * 2 ** min(host.timeouts - HOST_TIMEOUTS, 20),
                              self.settings.max_backoff)
                host.backoff_until = max(host.backoff_until, time.time() + seconds)
                host.backoff_why = f"the host timed out {host.timeouts} times in a row"
            raise
        finally:
            host.last_end = time.monotonic()
        host.timeouts = 0
        if reply.status in (429, 503):
            seconds = _retry_after(reply.headers.get("retry-after"))
            seconds = min(DEFAULT_RETRY_AFTER if seconds is None else seconds, self.settings.max_backoff)
            host.backoff_until = max(host.backoff_until, time.time() + seconds)
            host.backoff_why = "the host asked us to wait"
            reply.retry_after = seconds
        return reply

    def _raise_if_backing_off(self, url: str, host: _Host) -> None:
        left = host.backoff_until - time.time()
        if left > 0:
            until = datetime.fromtimestamp(host.backoff_until, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            raise HostBackoffError(f"{url}: {host.backoff_why}; not contacted until {until} "
                                   f"({left:.0f} s from now)")

    def _enforce_robots(self, url: str, target: httpx.URL, host: _Host) -> None:
        rules = self._robots_rules(target, host)
        if rules.unavailable is not None:
            raise RobotsDisallowedError(f"{url}: robots.txt unavailable ({rules.unavailable}); "
                                        f"the host is treated as disallowing everything for now")
        if rules.parser is not None and not rules.parser.can_fetch(url, ROBOTS_AGENT):
            raise RobotsDisallowedError(f"{url}: disallowed by robots.txt for user agent {ROBOTS_AGENT!r}")

    def _robots_rules(self, target: httpx.URL, host: _Host) -> _Robots:
        """The cached rules for target's origin, fetched if missing or stale; call with host.lock held."""
        key = (target.scheme, target.host, target.port or (443 if target.scheme == "https" else 80))
        with self._lock:
            rules = self._robots.get(key)
        if rules is None or rules.expires <= time.monotonic():
            self._raise_if_backing_off(str(target), host)  # robots.txt is a request too
            rules = self._fetch_robots(target, host)
            with self._lock:
                self._robots[key] = rules
        return rules

    def _fetch_robots(self, target: httpx.URL, host: _Host) -> _Robots:
        ok_until = time.monotonic() + self.settings.robots_ttl
        failed_until = time.monotonic() + min(ROBOTS_RETRY, self.settings.robots_ttl)
        url = str(target.copy_with(raw_path=b"/robots.txt", fragment=None))
        try:
            for _ in range(self.settings.max_redirects + 1):
                # Redirect hops run under this host's lock only: taking another host's lock here could
                # deadlock with a thread doing the reverse; a robots.txt hop is one small request.
                reply = self._polite_send(host, self._checked_url(url), url, {"Accept": "text/plain"},
                                          ROBOTS_MAX_BYTES, truncate=True)
                if reply.status not in _REDIRECTS or not reply.headers.get("location"):
                    break
                url = _join(url, reply.headers["location"])
            else:
                return _Robots(ok_until)  # Google: a robots.txt lost in redirects counts as missing
        except FetchError as exc:
            return _Robots(failed_until, unavailable=str(exc))
        if 200 <= reply.status < 300:
            parser = Protego.parse(reply.content.decode("utf-8", errors="replace"))
            crawl_delay = parser.crawl_delay(ROBOTS_AGENT) or 0.0
            host.delay = max(self.settings.min_host_delay, min(crawl_delay, MAX_CRAWL_DELAY))
            return _Robots(ok_until, parser=parser)
        if 400 <= reply.status < 500 and reply.status != 429:
            return _Robots(ok_until)  # no robots.txt: everything allowed
        # 429 and 5xx (and anything odd): Google's rule is to assume a full disallow until it reads again.
        return _Robots(failed_until, unavailable=str(reply.status))

    def _document(self, reply: _Reply, etag: str | None, last_modified: str | None) -> FetchedDocument:
        if 300 <= reply.status < 400 and reply.status != 304:
            raise FetchError(f"{reply.url}: HTTP {reply.status} without a usable Location header")
        if reply.status >= 400:
            wait = reply.retry_after
            if wait is None:
                wait = _retry_after(reply.headers.get("retry-after"))
            hint = f"; retry after {wait:.0f} s" if wait is not None else ""
            raise HTTPStatusError(f"{reply.url}: HTTP {reply.status} {reply.reason}".rstrip() + hint,
                                  reply.status, wait)
        not_modified = reply.status == 304
        return FetchedDocument(
            url=reply.url,
            status=reply.status,
            content=b"" if not_modified else reply.content,
            headers=reply.headers,
            etag=reply.headers.get("etag") or (etag if not_modified else None),
            last_modified=reply.headers.get("last-modified") or (last_modified if not_modified else None),
            not_modified=not_modified,
        )


def _budget_left(url: str) -> float | None:
    """Seconds left of the caller's time budget (None: no budget); TimeBudgetError when too few for a request."""
    budget = current_deadline()
    if budget is None:
        return None
    left = budget.remaining()
    if left < MIN_REQUEST_TIME:
        raise TimeBudgetError(f"{url}: not requested: {budget.what}: time budget of {budget.seconds:g} s spent")
    return left


def _join(base: str, location: str) -> str:
    try:
        return str(httpx.URL(base).join(location))
    except (httpx.InvalidURL, ValueError) as exc:
        raise FetchError(f"{base}: redirect to an invalid URL {location!r} ({exc})") from None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - utcnow()).total_seconds())
