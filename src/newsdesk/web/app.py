"""The HTTP app: pages, the JSON API, feeds, /healthz and /metrics, composed from their routers.

Every GET answer gets an ETag (a hash of its body) and a matching If-None-Match gets a 304; every answer
gets security headers (a Content-Security-Policy without inline script); every request is counted and
timed per route for /metrics. A user's mistake is a 4xx with a precise message (HTML on pages, JSON on the
API and feeds), never a 500.

The background fetcher (newsdesk.passes) runs in a thread of this process; a failing source is recorded in its
health record and never stops the service.
"""

from __future__ import annotations

import gc
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from newsdesk.config import Settings
from newsdesk.passes import BackgroundFetcher
from newsdesk.removal import RemovalDesk
from newsdesk.store import Store
from newsdesk.store.locks import lock_waited_out
from newsdesk.store.queries import BadCursor, Reader
from newsdesk.web import admin, api, feeds, images, pages, removal
from newsdesk.web.bodies import BodyLimit
from newsdesk.web.common import BUSY_MESSAGE, BUSY_RETRY_AFTER, UserError, trusted_proxies
from newsdesk.web.head import HeadAsGet
from newsdesk.web.metrics import CONTENT_TYPE, MULTIPROCESS_DIR_VARIABLE, Metrics

log = logging.getLogger("newsdesk.web")

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"x-frame-options", b"DENY"),
]
MAX_ETAG_BODY = 4 * 1024 * 1024  # bodies larger than this stream through without an ETag
MAX_POST_BODY = 1024 * 1024  # forms and removal requests are small; a larger body is refused (413), chunked or not


class Health:
    """/healthz's answer, made on the event loop without waiting for anything: it must answer while every request
    thread is busy (eight slow searches once held it 25 s, when it needed one of those threads). The article
    count it reports is the last one read; a thread of its own reads it again, at most once a `refresh`."""

    def __init__(self, store: Store, refresh: float = 1.0) -> None:
        self.store, self.refresh = store, refresh
        self.articles: int | None = None
        self._read_at = -1e9
        self._reading = threading.Lock()

    def read(self) -> None:
        """Count the articles now (blocking: at startup, then in the health thread); a failure keeps the last count."""
        try:
            self.articles = self.store.count_articles()
        except Exception:  # noqa: BLE001 - a store that cannot answer now is tried again a `refresh` later
            log.exception("healthz: could not count the articles")
        finally:
            self._read_at = time.monotonic()

    def _read_and_release(self) -> None:
        try:
            self.read()
        finally:
            self._reading.release()

    def answer(self) -> dict[str, Any]:
        if time.monotonic() - self._read_at > self.refresh and self._reading.acquire(blocking=False):
            threading.Thread(target=self._read_and_release, name="healthz-count", daemon=True).start()
        return {"status": "ok", "articles": self.articles}


def _etag_matches(header: str, etag: str) -> bool:
    wanted = etag.strip('"')
    for candidate in header.split(","):
        candidate = candidate.strip()
        if candidate == "*" or candidate.removeprefix("W/").strip('"') == wanted:
            return True
    return False


CACHED_PREFIXES = ("/api/stories", "/api/search", "/api/articles", "/api/entities", "/stories/", "/search", "/feed.",
                   "/entities")
# Never cached, whatever the prefixes above grow into: per-user and per-request answers (sessions, receipts).
UNCACHED_PREFIXES = ("/admin", "/removal", "/api/removal-requests")


class ResponseCache:
    """Answers of the read-heavy routes, keyed by request and data version (checked at most once a
    `ttl`): a new article or story update changes the version, so nothing is served stale for longer."""

    def __init__(self, reader: Reader, size: int = 512, ttl: float = 1.0, max_body: int = 2 * 1024 * 1024) -> None:
        self.reader, self.size, self.ttl, self.max_body = reader, size, ttl, max_body
        self._entries: OrderedDict[tuple[Any, ...], tuple[dict[str, Any], bytes]] = OrderedDict()
        self._version: tuple[float, str] = (0.0, "")
        self._lock = threading.Lock()

    @staticmethod
    def cacheable(scope: Scope) -> bool:
        path = scope["path"]
        return (scope["method"] == "GET" and (path == "/" or path.startswith(CACHED_PREFIXES))
                and not path.startswith(UNCACHED_PREFIXES))

    def invalidate(self) -> None:
        """Check the data version on the next request (after a removal in this process: not a second later)."""
        self._version = (-1e9, "")

    def key(self, scope: Scope, *, refresh: bool = True) -> tuple[Any, ...] | None:
        """The cache key; None when the data version is due for a check and `refresh` is false (the check
        reads the database, so the middleware makes it in a worker thread, and only then)."""
        now = time.monotonic()
        at, version = self._version
        if now - at > self.ttl:
            if not refresh:
                return None
            version = self.reader.data_version()
            self._version = (now, version)
        host = next((v for k, v in scope.get("headers", []) if k == b"host"), b"")
        return (scope["path"], scope.get("query_string", b""), host, scope.get("scheme"), version,
                accepts_gzip(scope))

    def get(self, key: tuple[Any, ...]) -> tuple[dict[str, Any], bytes] | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], start: dict[str, Any], body: bytes) -> None:
        if len(body) > self.max_body or _private(start.get("headers", [])):
            return
        with self._lock:
            self._entries[key] = (start, body)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def accepts_gzip(scope: Scope) -> bool:
    """Whether the client takes gzip (GZipMiddleware's own test): the cache keeps each representation apart."""
    return any(k == b"accept-encoding" and b"gzip" in v for k, v in scope.get("headers", []))


class WebMiddleware:
    """Pure ASGI: security headers, ETag/304 on GET 200 answers, a response cache for the read-heavy
    routes, and request metrics per route."""

    def __init__(self, app: ASGIApp, metrics: Metrics, cache: ResponseCache | None = None) -> None:
        self.app, self.metrics, self.cache = app, metrics, cache

    async def _replay(self, start: dict[str, Any], body: bytes, if_none_match: str | None, send: Send) -> int:
        etag = next((v.decode() for k, v in start["headers"] if k == b"etag"), "")
        if if_none_match and etag and _etag_matches(if_none_match, etag):
            await send({"type": "http.response.start", "status": 304,
                        "headers": [(k, v) for k, v in start["headers"] if k in _KEEP_ON_304]})
            await send({"type": "http.response.body", "body": b""})
            return 304
        await send(start)
        await send({"type": "http.response.body", "body": body})
        return 200

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        method = scope["method"]
        if_none_match = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"if-none-match"), None)
        state: dict[str, Any] = {"status": 500, "start": None, "body": [], "size": 0, "passthrough": False}
        cache_key = None
        if self.cache is not None and self.cache.cacheable(scope):
            cache_key = self.cache.key(scope, refresh=False)
            if cache_key is None:
                cache_key = await run_in_threadpool(self.cache.key, scope)
            assert cache_key is not None  # a refreshing call always gives one
            hit = self.cache.get(cache_key)
            if hit is not None:
                state["status"] = await self._replay(hit[0], hit[1], if_none_match, send)
                self.metrics.observe(method, _CACHED_ROUTES.get(scope["path"], "cached"), state["status"],
                                     time.perf_counter() - started)
                return

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"] = message["status"]
                headers = _with_security_headers(message.get("headers", []))
                message = {**message, "headers": headers}
                has_etag = any(k.lower() == b"etag" for k, _ in headers)
                # A no-store answer (admin pages, a requester's status) is neither hashed, cached nor revalidated.
                if method in ("GET", "HEAD") and message["status"] == 200 and not has_etag and not _private(headers):
                    state["start"] = message  # hold it until the body is known
                    return
                state["passthrough"] = True
                await send(message)
                return
            if message["type"] != "http.response.body" or state["passthrough"]:
                await send(message)
                return
            state["body"].append(message.get("body", b""))
            state["size"] += len(message.get("body", b""))
            if state["size"] > MAX_ETAG_BODY:  # too big to hash: stream it as it comes
                state["passthrough"] = True
                await send(state["start"])
                await send({"type": "http.response.body", "body": b"".join(state["body"]),
                            "more_body": message.get("more_body", False)})
                return
            if message.get("more_body", False):
                return
            body = b"".join(state["body"])
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            start = state["start"]
            headers = list(start["headers"]) + [(b"etag", etag.encode()), (b"cache-control", b"no-cache")]
            start = {**start, "headers": headers}
            if cache_key is not None and self.cache is not None:
                self.cache.put(cache_key, start, body)
                route = scope.get("route")
                if route is not None and scope["path"] not in _CACHED_ROUTES and len(_CACHED_ROUTES) < 10_000:
                    _CACHED_ROUTES[scope["path"]] = route.path
            state["status"] = await self._replay(start, body, if_none_match, send)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or ("/static" if scope["path"].startswith("/static/") else "unmatched")
            self.metrics.observe(method, path, state["status"], time.perf_counter() - started)


def _with_security_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The route's headers plus each security header it did not set itself (a page may be stricter, e.g. a
    status page with Referrer-Policy: no-referrer)."""
    headers = list(headers)
    present = {k.lower() for k, _ in headers}
    return headers + [(k, v) for k, v in SECURITY_HEADERS if k not in present]


def _private(headers: list[tuple[bytes, bytes]]) -> bool:
    return any((k.lower() == b"cache-control" and b"no-store" in v.lower()) or k.lower() == b"set-cookie"
               for k, v in headers)


_KEEP_ON_304 = {b"etag", b"cache-control", b"content-security-policy", b"x-content-type-options",
                b"referrer-policy", b"x-frame-options", b"vary"}
_CACHED_ROUTES: dict[str, str] = {}  # path -> route template, so cached answers are counted under their route


def _wants_html(request: Request) -> bool:
    path = request.url.path
    return not (path.startswith("/api/") or path == "/api" or "/feed." in path or path in ("/metrics", "/healthz")
                or path == "/openapi.json")


_TITLES = {400: "Bad request", 401: "Not logged in", 403: "Refused", 404: "Not found", 405: "Method not allowed",
           409: "Already decided", 410: "Removed", 413: "Too large", 415: "Unsupported form", 422: "Bad request",
           429: "Too many requests", 503: "Busy"}


def _error(request: Request, status: int, message: str, detail: Any = None) -> Response:
    if _wants_html(request):
        return pages.render(request, "error.html", {"title": _TITLES.get(status, "Error"), "message": message},
                            status=status)
    return JSONResponse({"detail": detail if detail is not None else message, "message": message}, status_code=status)


def _validation_message(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("query", "path", "body", "header")]
        parts.append(f"{'.'.join(loc) or 'request'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


def app_from_environment() -> FastAPI:
    """The app of one worker process of `newsdesk serve --workers N`: settings come from the NEWSDESK_*
    variables the parent set, and the parent fetches (see cli.serve). The parent also names a directory where
    the processes count their requests (newsdesk.web.metrics)."""
    from newsdesk.config import load_settings

    return create_app(load_settings(), background_fetch=False,
                      metrics_dir=os.environ.get(MULTIPROCESS_DIR_VARIABLE) or None)


@contextmanager
def quiet_garbage_collector() -> Iterator[None]:
    """Keep Python's cyclic garbage collector out of the latency tail while the server runs. Everything alive
    once the server has started (modules, templates, the ORM's caches) lives as long as the server: frozen, the
    collector stops walking it on every full collection; and requests allocate thousands of short-lived
    objects, so young collections run less often. Undone at shutdown (a test process starts many servers).
    Measured with bench/web.py (100k articles, 32 clients, two runs each): story page p99 195/187 ms ->
    100/96 ms, search p99 361/367 -> 267/284 ms, a static file's p99 158/150 -> 58/57 ms."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def create_app(settings: Settings, *, background_fetch: bool = False, metrics_dir: str | None = None) -> FastAPI:
    proxies = trusted_proxies(settings.trusted_proxies)  # a mistyped setting stops the server here, not later
    # Answering requests: a write waits `serve_lock_wait` seconds at most for another's lock, then the answer is
    # 503 (store_busy below). Migrating and the background fetcher wait as long as the commands do (their own
    # store): they must finish, not fail.
    store = Store(settings.database_url, lock_wait=settings.serve_lock_wait)
    metrics = Metrics(metrics_dir)
    health = Health(store)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        patient = Store(settings.database_url)
        patient.migrate()
        health.read()
        anyio.to_thread.current_default_thread_limiter().total_tokens = max(1, settings.serve_threads)
        fetcher = BackgroundFetcher(settings, patient) if background_fetch else None
        if fetcher:
            fetcher.thread.start()
        else:
            patient.close()  # nothing more to wait for: no connection kept open
        # Mail to removal requesters that failed (or was left by a stopped process) is tried again from here.
        stop_mail = app.state.desk.mail.start_retrying()
        with quiet_garbage_collector():
            yield
        stop_mail.set()
        if fetcher:
            fetcher.stop.set()
            fetcher.thread.join(timeout=5)
            patient.close()
        store.close()

    app = FastAPI(title="newsdesk", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="Stories aggregated from public news sources, with cited briefs. "
                              "Lists are cursor-paginated: pass back the `next` value as `cursor`.")
    app.state.settings = settings
    app.state.store = store
    app.state.reader = Reader(store)
    app.state.metrics = metrics
    app.state.desk = RemovalDesk(store, settings)  # cheap: it reads the database only when asked something
    app.state.login_throttle = admin.LoginThrottle()
    app.state.cache = ResponseCache(app.state.reader)

    @app.exception_handler(UserError)
    async def user_error(request: Request, exc: UserError) -> Response:
        response = _error(request, exc.status, exc.message)
        response.headers.update(exc.headers)
        return response

    @app.exception_handler(OperationalError)
    async def store_busy(request: Request, exc: OperationalError) -> Response:
        """A write that waited `serve_lock_wait` for another connection's lock: its transaction was rolled back,
        so the client may send it again (503, Retry-After). Any other database failure stays a 500."""
        if not lock_waited_out(exc):
            raise exc
        log.warning("%s %s: the store was busy (%s)", request.method, request.url.path, str(exc.orig)[:200])
        response = _error(request, 503, BUSY_MESSAGE)
        response.headers["Retry-After"] = str(BUSY_RETRY_AFTER)
        return response

    @app.exception_handler(BadCursor)
    async def bad_cursor(request: Request, exc: BadCursor) -> Response:
        return _error(request, 400, f"cursor: {exc}")

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if request.method == "POST" and request.url.path == "/api/removal-requests":
            # {field: message}, like the desk's own 422, with the other mistakes (it reads the database: a thread)
            return await run_in_threadpool(removal.body_errors, exc, request.app.state.desk)
        return _error(request, 422, _validation_message(exc), detail=jsonable_encoder(exc.errors()))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "error"
        if exc.status_code == 404 and message == "Not Found":
            message = f"there is no page at {request.url.path}"
        response = _error(request, exc.status_code, message)
        if exc.headers:
            response.headers.update(exc.headers)
        return response

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:  # async: on the event loop, never queued behind the request threads
        return JSONResponse(health.answer())

    @app.get("/metrics", include_in_schema=False)
    def metrics_page() -> PlainTextResponse:
        return PlainTextResponse(metrics.render(app.state.reader.stats()), media_type=CONTENT_TYPE)

    app.include_router(api.router)
    app.include_router(removal.api_router)
    app.include_router(removal.router)
    app.include_router(admin.router)
    app.include_router(feeds.router)  # before pages: /stories/{id}/feed.atom is not a story id
    app.include_router(images.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    # Inside WebMiddleware: the ETag is the compressed body's, and the cache keeps the compressed answer, so a
    # cached page is compressed once, not on every request. Level 6: zlib's default, nearly level 9's size for a
    # fraction of its time (Starlette defaults to 9).
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    # Inside WebMiddleware: a 413 gets the security headers and is counted like any answer.
    app.add_middleware(BodyLimit, max_bytes=MAX_POST_BODY, refuse=lambda scope: _error(
        Request(scope), 413, f"the request body is larger than {MAX_POST_BODY // 1024 // 1024} MiB "
                             f"({MAX_POST_BODY} bytes), the most this server reads: nothing was stored"))
    app.add_middleware(WebMiddleware, metrics=metrics, cache=app.state.cache)
    app.add_middleware(HeadAsGet)  # outside WebMiddleware: its cache and ETags see the GET that a HEAD stands for
    if proxies:  # outermost: every layer sees the client the trusted proxy names
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=proxies)
    return app
