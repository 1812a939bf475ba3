"""Celery tasks: the pass of `newsdesk fetch` (newsdesk.passes), spread over worker processes and machines.

Used only when `NEWSDESK_BROKER_URL` names a Redis server; without it everything stays in-process.

Two queues:

* `fetch`: `fetch_source(source_id)` (one source: its feed, then each new entry's page, extracted and stored)
  and `import_file(path)`. Any number of workers on any number of machines. Each task is idempotent: the store
  refuses a second copy of a URL or canonical URL, and a source's ETag and schedule are saved last, so a task
  redone after its worker died (`task_acks_late` + `task_reject_on_worker_lost`: the message goes back to the
  queue) skips what was stored and stores the rest. Fetch errors land in the source's health as in-process.
* `stories`: `assign_stories()`, then the analysis stage. ONE consumer: `newsdesk worker --queues stories`
  runs one process with one slot. The online clusterer keeps its state (story centroids, copy signatures) in
  memory and decides each article against every earlier decision; two deciders running at once could each start
  a story for the same event. One consumer also reuses that state from task to task instead of reloading it.
  As a second guard (a worker started with `--queues all` and several slots, or two stories workers by mistake)
  every run holds the store's story lock (a PostgreSQL advisory lock, freed if its holder dies) and first loads
  what other deciders stored since its last run, so decisions stay serial whatever is started.

A fetch task that stored something asks for one `assign_stories`: a Redis key taken with SET NX collapses the
requests made while one run is queued into that run (the run deletes the key before it looks for work, so an
article stored after that asks for the next run). The scheduler also asks whenever work is pending, which covers
a request lost with a Redis restart.

Transient database and broker errors (a PostgreSQL or Redis restart) retry the task with exponential backoff;
the message stays in Redis until a task has finished, and the worker reconnects to the broker by itself.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import redis
from celery import Celery
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.exc import InterfaceError, OperationalError

from newsdesk.config import Settings, load_settings
from newsdesk.errors import NewsdeskError
from newsdesk.keys import utcnow
from newsdesk.passes import Passes, work_waiting
from newsdesk.store import Store

log = logging.getLogger(__name__)

FETCH_QUEUE = "fetch"
STORIES_QUEUE = "stories"
ASSIGN_REQUESTED = "newsdesk:assign-requested"  # Redis key: an assign_stories run is queued and not started
# Errors that a restart of PostgreSQL or Redis causes and that go away by themselves: the task is retried.
TRANSIENT = (OperationalError, InterfaceError, redis.exceptions.ConnectionError, redis.exceptions.TimeoutError,
             BrokerError)
RETRY = dict(autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=None)

app = Celery("newsdesk", set_as_current=False)


class BrokerNotConfiguredError(NewsdeskError, RuntimeError):
    """NEWSDESK_BROKER_URL is empty or does not name a Redis server."""

    reason = "broker_not_configured"


def check_broker(settings: Settings) -> str:
    """The broker URL, or why it cannot be used (empty, or not Redis: the scheduler's and the tasks' locks
    live in Redis too)."""
    url = settings.broker_url.strip()
    if not url:
        raise BrokerNotConfiguredError(
            "no broker: set NEWSDESK_BROKER_URL to a Redis server (e.g. redis://localhost:6379/0) to run workers; "
            "without it `newsdesk fetch` and `newsdesk serve` do all the work in-process")
    if urlsplit(url).scheme not in ("redis", "rediss"):
        raise BrokerNotConfiguredError(f"NEWSDESK_BROKER_URL must be a redis:// or rediss:// URL, not {url!r}")
    return url


def configure(settings: Settings) -> Celery:
    """Point the Celery app at the configured broker. Called by the CLI before it starts a worker or the
    scheduler; a worker's pool processes inherit it."""
    url = check_broker(settings)
    worker.use(settings)
    timeout = settings.broker_visibility_timeout
    app.conf.update(
        broker_url=url,
        # Acknowledge when a task has finished, not when it was taken: a worker killed mid-task leaves its
        # message in Redis, which hands it to another worker after the visibility timeout.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        # One task at a time per slot: a worker that dies holds at most one message per slot.
        worker_prefetch_multiplier=1,
        task_default_queue=FETCH_QUEUE,
        task_routes={"newsdesk.assign_stories": {"queue": STORIES_QUEUE}},
        task_ignore_result=True,  # nothing reads results: the store is the result
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a Redis restart is waited out, not fatal
        broker_transport_options={
            "visibility_timeout": timeout,
            # Look for abandoned messages often enough for the timeout to mean what it says (kombu's defaults
            # sweep about every 100 s, fine for an hour, not for a short timeout).
            "unacked_restore_interval": max(1, min(10, timeout // 4)),
            "unacked_restore_throttle": 1 if timeout < 600 else 10,
        },
        worker_hijack_root_logger=False,
    )
    return app


class _Process:
    """What one worker process keeps between tasks: the store's connection pool, the stages of the pass (the polite
    HTTP client's robots cache and per-host pacing, the story engine's memory, the loaded language model) and its
    Redis connection. Made on first use, so that every pool process makes its own after the fork."""

    def __init__(self) -> None:
        self._settings: Settings | None = None
        self._store: Store | None = None
        self._passes: Passes | None = None
        self._redis: redis.Redis | None = None

    def use(self, settings: Settings) -> None:
        """Settings given by the command line (its --db included) instead of reading them again."""
        self._settings = settings

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = Store(self.settings.database_url)
        return self._store

    @property
    def passes(self) -> Passes:
        if self._passes is None:
            self._passes = Passes(self.settings, self.store, "this worker")
        return self._passes

    @property
    def redis(self) -> redis.Redis:
        if self._redis is None:
            self._redis = redis.Redis.from_url(check_broker(self.settings))
        return self._redis


worker = _Process()


def request_assignment() -> None:
    """Queue one assign_stories run unless one is queued and not started yet. The key expires, so a run lost
    with its message (a Redis restart without persistence) does not block later requests for long.

    Redis being away fails nothing: what was stored stays stored, and the scheduler asks again on its next pass
    after Redis is back (it asks whenever articles wait), whereas a retried task could not even be re-queued."""
    try:
        if worker.redis.set(ASSIGN_REQUESTED, "1", nx=True, ex=300):
            assign_stories.apply_async(queue=STORIES_QUEUE)
    except (redis.exceptions.RedisError, BrokerError) as exc:
        log.warning("could not ask for story assignment (the scheduler will): %s", exc)


def _note_transient(source_id: int, exc: Exception) -> None:
    """Show a database or broker outage in the source's health while its task waits to be retried (possible
    when the store is reachable, e.g. Redis is the part that restarted)."""
    try:
        worker.store.update_source(source_id, last_error=f"will retry: {type(exc).__name__}: {exc}"[:500],
                                   last_error_reason="transient")
    except Exception:  # noqa: BLE001 - the store may be the part that is down; the retry goes on regardless
        log.debug("could not record the transient error of source %s", source_id, exc_info=True)


@app.task(name="newsdesk.fetch_source", bind=True, **RETRY)
def fetch_source(self: Any, source_id: int) -> dict[str, Any]:
    """Fetch one source, as one unit of a `newsdesk fetch` pass; then ask for story assignment."""
    src = worker.store.get_source(source_id)
    if src is None or not src.active:
        return {"source_id": source_id, "status": "gone"}
    try:
        report = worker.passes.collector.fetch_one(src)
        if report is None:
            return {"source_id": source_id, "status": "blocked"}
        # A retried run may find everything stored by the run that failed after storing: ask anyway.
        if report.new_articles or self.request.retries:
            request_assignment()
    except TRANSIENT as exc:
        _note_transient(source_id, exc)
        raise
    return asdict(report)


@app.task(name="newsdesk.import_file", bind=True, **RETRY)
def import_file(self: Any, path: str, url: str | None = None) -> dict[str, Any]:
    """Import one local file (page or WARC) that every worker can read (a shared folder); idempotent."""
    report = worker.passes.collector.import_paths([path], url=url)
    if report.stored or self.request.retries:
        request_assignment()
    return {"stored": report.stored, "known": report.known, "blocked": report.blocked, "failed": report.failed}


@app.task(name="newsdesk.assign_stories", **RETRY)
def assign_stories() -> dict[str, int]:
    """Place every pending article in a story, analyse up to `analysis_batch` articles, then fetch the lead pictures
    of up to `image_batch` stories. Idempotent: a run redone after a crash finds only what is still pending."""
    # Before looking for work: an article stored from now on asks for a run of its own.
    worker.redis.delete(ASSIGN_REQUESTED)
    started = time.monotonic()
    with worker.store.story_lock():
        grouped = worker.passes.group()  # the store's trouble drops the engine: a retry rebuilds it from the store
        analysed = worker.passes.analyse()
    # The same words as the line of serve's pass (newsdesk.passes.PassSummary): the fetching is the fetch tasks'.
    log.info("stories pass: grouped=%d analysed=%d seconds=%.1f", grouped, analysed, time.monotonic() - started)
    if analysed and analysed >= worker.settings.analysis_batch:
        request_assignment()  # more to analyse: another run, after the fetches' requests queued meanwhile
    # Outside the lock (network): a picture two workers fetched at once is stored once (the first to save it wins).
    pictures = worker.passes.pictures()
    return {"grouped": grouped, "analysed": analysed, "pictures": pictures}


def schedule_due(store: Store, settings: Settings) -> int:
    """One scheduler pass: hand every due source to the fetch queue once (claimed in the store first, so a
    second scheduler or the next pass does not queue it again while a worker has it), and ask for story
    assignment when articles wait for it. Returns how many sources were queued."""
    from newsdesk.removal import RemovalDesk

    removals = RemovalDesk(store, settings)
    now = utcnow()
    queued = 0
    for src in store.due_sources(now):
        if removals.source_blocked(src.url):
            continue  # an opt-out: never asked again (the fetch task would refuse it too)
        if not store.claim_source(src.id, src.next_fetch_at, now + timedelta(seconds=settings.fetch_lease)):
            continue  # another scheduler took it
        try:
            fetch_source.apply_async((src.id,), queue=FETCH_QUEUE)
        except TRANSIENT:
            store.update_source(src.id, next_fetch_at=src.next_fetch_at)  # due again on the next pass
            raise
        queued += 1
    if work_waiting(store, settings):
        request_assignment()
    return queued
