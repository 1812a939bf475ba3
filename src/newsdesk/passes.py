"""The pass of the service, written once: fetch or import, then group into stories, then analyse.

`newsdesk fetch` and `newsdesk import` run one pass (newsdesk.cli); `newsdesk serve` runs one every
`serve_fetch_interval` seconds in a thread (`BackgroundFetcher`); the Celery workers run its parts as tasks (fetch
and import on one queue, grouping then analysis on another: newsdesk.tasks). The stages keep their own guards (time
budgets, a failing article recorded and, after MAX_STAGE_ATTEMPTS failures, set aside); this module composes them:
the story engine is given the analysis roll-up, and the analysis stage runs after grouping.

The stages are imported when first used: a web server process that does not fetch never loads them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsdesk.config import Settings
from newsdesk.store import Store
from newsdesk.store.repository import STORE_TROUBLE

if TYPE_CHECKING:
    from newsdesk.analyze.stage import AnalysisStage
    from newsdesk.collect import Collector, SourceReport
    from newsdesk.stories.cluster import ClusterConfig
    from newsdesk.stories.engine import StoryEngine

log = logging.getLogger(__name__)


def story_engine(store: Store, settings: Settings | None = None, config: ClusterConfig | None = None) -> StoryEngine:
    """The story stage with the analysis roll-up: a story is written with its members' entities and statements."""
    from newsdesk.analyze.stage import story_analysis
    from newsdesk.stories.engine import StoryEngine

    return StoryEngine(store, config, settings=settings, roll_up=story_analysis)


def work_waiting(store: Store, settings: Settings) -> bool:
    """Whether articles wait for grouping or (analysis on) for analysis. Articles a stage has set aside (repeated
    failures) do not count: they would ask for a pass every time."""
    from newsdesk.analyze.stage import ANALYSIS_SOFTWARE, ANALYZER
    from newsdesk.stories.engine import STORIES_SOFTWARE

    return bool(store.pending_articles(limit=1, software=STORIES_SOFTWARE) or (settings.analysis_batch > 0 and (
        store.pending_analysis(1, software=ANALYSIS_SOFTWARE)
        or store.pending_analysis(1, outdated_for=ANALYZER, software=ANALYSIS_SOFTWARE))))


class AnalysisRunner:
    """When and whether a process runs the analysis stage (`AnalysisStage` does the work): the stage is made on first
    use, so the language model loads once and only where there is work; off from the start when `analysis_batch`
    is 0. A configuration error (the model or the labels file missing) switches it off for good, told once
    (`on_off`; by default logged), since every later pass would fail alike. Other errors are the caller's (the
    server logs them and tries again; a worker's task retries; a command fails)."""

    def __init__(self, store: Store, settings: Settings, where: str,
                 on_off: Callable[[Exception], None] | None = None) -> None:
        self.store, self.settings, self.where = store, settings, where
        self.on_off = on_off or self._log_off
        self.off = settings.analysis_batch <= 0
        self.stage: AnalysisStage | None = None

    def _log_off(self, exc: Exception) -> None:
        log.error("analysis is off in %s until it restarts: %s", self.where, exc)

    def process_pending(self, limit: int) -> int:
        """Analyse up to `limit` articles (see AnalysisStage.process_pending); 0 when switched off."""
        if self.off:
            return 0
        from newsdesk.analyze.nlp import ModelMissingError
        from newsdesk.analyze.stage import AnalysisStage
        from newsdesk.labels import LabelFileError

        try:
            if self.stage is None:
                self.stage = AnalysisStage(self.store, self.settings)
            return self.stage.process_pending(limit)
        except (ModelMissingError, LabelFileError) as exc:
            self.off = True
            self.on_off(exc)
            return 0


class Passes:
    """The stages as one process runs them over one store, each made on first use and kept from pass to pass: the
    collector (its HTTP client: robots cache, per-host pacing), the story engine (its memory of the stories) and
    the analysis stage (its loaded model)."""

    def __init__(self, settings: Settings, store: Store, where: str, *,
                 on_analysis_off: Callable[[Exception], None] | None = None) -> None:
        self.settings, self.store = settings, store
        self.analysis = AnalysisRunner(store, settings, where, on_analysis_off)
        self._collector: Collector | None = None
        self._stories: StoryEngine | None = None

    @property
    def collector(self) -> Collector:
        if self._collector is None:
            from newsdesk.collect import Collector

            self._collector = Collector(self.settings, self.store)
        return self._collector

    @property
    def stories(self) -> StoryEngine:
        if self._stories is None:
            self._stories = story_engine(self.store, settings=self.settings)
        return self._stories

    def group(self, *, chase: bool = True) -> int:
        """Place every article waiting for a story (`chase=False`: about those waiting now, see
        StoryEngine.process_pending); returns how many were placed (`stories.failed`: how many could not be). When
        the store fails (unreachable, locked, full), the engine may have decided in memory what the store did not
        get: it is dropped, and the next pass rebuilds it from the store."""
        try:
            return self.stories.process_pending(chase=chase)
        except STORE_TROUBLE:
            self._stories = None
            raise

    def analyse(self, limit: int | None = None) -> int:
        """Up to `limit` (else `analysis_batch`) articles through the analysis stage; returns how many got an
        analysis (0 while analysis is off)."""
        return self.analysis.process_pending(self.settings.analysis_batch if limit is None else limit)

    def pictures(self) -> int:
        """The lead pictures of up to `image_batch` stories that have none (Collector.fetch_pictures); returns how
        many were stored."""
        return self.collector.fetch_pictures() if self.settings.image_batch > 0 else 0

    def close(self) -> None:
        if self._collector is not None:
            self._collector.close()


@dataclass
class PassSummary:
    """What one background pass did, for its log line: sources fetched (those another process held or whose host's
    time budget ran out first are not), new articles, sources that failed, articles grouped into stories, articles
    analysed, and how long the pass took."""

    fetched: int = 0
    new: int = 0
    failed: int = 0
    grouped: int = 0
    analysed: int = 0
    seconds: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def count(self, report: SourceReport) -> None:
        """Count one source's report (called by the fetch threads, as each source is done)."""
        with self._lock:
            self.fetched += report.status not in ("leased", "deferred")
            self.new += report.new_articles
            self.failed += report.status == "error"

    def line(self) -> str:
        """The pass's log line: stable words, one `key=value` per figure (`grep 'pass: '`)."""
        return (f"pass: fetched={self.fetched} new={self.new} failed={self.failed} grouped={self.grouped} "
                f"analysed={self.analysed} seconds={self.seconds:.1f}")


class BackgroundFetcher:
    """Runs a pass every `serve_fetch_interval` seconds until stopped: fetch, group into stories, then analyse
    (entities and statements) up to `analysis_batch` new articles, and log one line saying so (PassSummary). While
    the sources are fetched, what they stored is grouped every `serve_group_interval` seconds, so that stories
    appear during a long pass; the rest is grouped when fetching ends. Grouping stays in this one thread: the
    story engine decides one article at a time. A failing source is recorded in its health record and logged, and
    a failing pass is logged: neither stops the service."""

    ANALYSIS_STEP = 32  # articles per call of the stage, so that a shutdown waits for at most one step

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="background-fetch", daemon=True)
        self.passes = Passes(settings, store, "the server")
        self.analysis = self.passes.analysis

    def _loop(self) -> None:
        try:
            while not self.stop.is_set():
                log.info(self.run_pass().line())
                self.stop.wait(self.settings.serve_fetch_interval)
        finally:
            self.passes.close()

    def run_pass(self) -> PassSummary:
        """One pass: fetch (grouping as it goes), group the rest, fetch lead pictures, analyse. Never raises: what
        failed is logged, and the summary counts what was done."""
        started = time.monotonic()
        summary = PassSummary()
        try:
            self._fetch_and_group(summary)
            summary.grouped += self.passes.group()
            self.passes.pictures()
        except Exception:  # the service must keep running whatever one pass hit
            log.exception("fetch pass failed")
        # Its own guard: stories are already saved, and a failing analysis must not stop fetching.
        summary.analysed = self.analyse()
        summary.seconds = time.monotonic() - started
        return summary

    def _fetch_and_group(self, summary: PassSummary) -> None:
        """Fetch the due sources in a thread of their own; meanwhile, every `serve_group_interval` seconds, group
        what they stored so far (only when something waits: an idle look costs one query). A story that gets
        articles in two of these groupings has its brief made twice: so that this stays a small part of the pass,
        the next grouping waits at least twice as long as the last one took (grouping takes at most a third of the
        time while fetching goes on)."""
        from newsdesk.stories.engine import STORIES_SOFTWARE

        every = self.settings.serve_group_interval
        pause = every

        def report(r: SourceReport) -> None:
            summary.count(r)
            if r.status == "error":
                log.warning("source failed: %s", r.error)
            elif r.status == "warning":
                log.warning("source %s stored nothing: %s", r.url, r.error)

        with ThreadPoolExecutor(1, thread_name_prefix="pass") as pool:
            fetching = pool.submit(self.passes.collector.fetch_due, on_done=report)
            grouping = every > 0
            while not wait([fetching], timeout=pause if grouping else None).done:
                if self.stop.is_set() or not self.store.pending_articles(limit=1, software=STORIES_SOFTWARE):
                    continue
                started = time.monotonic()
                try:
                    summary.grouped += self.passes.group(chase=False)
                except Exception:  # noqa: BLE001 - the end of the pass groups what is left, or logs why not
                    log.exception("grouping during the pass failed; the rest waits for the end of the pass")
                    grouping = False
                pause = max(every, 2 * (time.monotonic() - started))
            fetching.result()  # its error, if any, is the pass's

    def analyse(self) -> int:
        """One analysis pass over at most `analysis_batch` pending articles; never raises. Returns how many
        articles got an analysis."""
        done = 0
        try:
            while done < self.settings.analysis_batch and not self.stop.is_set():
                step = self.analysis.process_pending(min(self.ANALYSIS_STEP, self.settings.analysis_batch - done))
                done += step
                if step == 0:
                    break
        except Exception:  # noqa: BLE001 - a failing analysis is logged; the next pass tries again
            log.exception("analysis pass failed")
        return done
