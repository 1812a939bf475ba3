"""/metrics with prometheus_client: request counts and a latency histogram per route, and the store's figures
read at scrape time.

With several server processes (`serve --workers N`) a scrape reaches one of them, so the parent names a fresh
directory per serve in PROMETHEUS_MULTIPROC_DIR before it starts them (newsdesk.web.processes), each process
counts into its own files there, and a scrape adds up every file (prometheus_client's multiprocess mode): the
counters are the whole server's, and a process that died still counts what it answered (counters must not go
down)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.metrics import disable_created_metrics
from prometheus_client.multiprocess import MultiProcessCollector

MULTIPROCESS_DIR_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client reads it once, when it is imported
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)

# No `*_created` series: /metrics serves the same series with one process or several (multiprocess mode has none).
disable_created_metrics()


class _StoreFigures:
    """The store's figures as gauges (a collector for one scrape)."""

    def __init__(self, figures: dict[str, Any]) -> None:
        self.figures = figures

    def collect(self) -> Iterator[Metric]:
        figures = self.figures
        yield GaugeMetricFamily("newsdesk_articles", "Articles stored.", value=figures["articles"])
        yield GaugeMetricFamily("newsdesk_articles_pending", "Articles waiting for a story.",
                                value=figures["articles_pending"])
        yield GaugeMetricFamily("newsdesk_stories", "Stories with at least one article.", value=figures["stories"])
        yield GaugeMetricFamily("newsdesk_sources", "Sources watched.", value=figures["sources"])
        yield GaugeMetricFamily("newsdesk_fetch_errors", "Sources whose last fetch failed.",
                                value=figures["sources_in_error"])
        yield GaugeMetricFamily("newsdesk_fetch_warnings", "Sources whose last pass found entries and stored none "
                                "(all failed).", value=figures["sources_in_warning"])
        for name, help_, per_stage in (
                ("newsdesk_article_failures", "Articles whose work failed in a stage (retried on later passes).",
                 figures["article_failures"]),
                ("newsdesk_articles_set_aside", "Articles a stage set aside after repeated failures, until the "
                 "software changes.", figures["articles_set_aside"])):
            gauge = GaugeMetricFamily(name, help_, labels=["stage"])
            for stage, n in sorted(per_stage.items()):
                gauge.add_metric([stage], n)
            yield gauge


class Metrics:
    """One app's request metrics. `shared_dir`: the multiprocess directory of the serve this process is a
    worker of, or None for a process of its own."""

    def __init__(self, shared_dir: str | None = None) -> None:
        # Where a scrape reads the counts. Without a shared directory (one server process, an app a test made)
        # the counters live in this app's own registry: never the library's global one, where a second app in
        # the same process could not register them again and would share the first one's counts. With one, the
        # counters are registered nowhere and write to this process's files; a scrape reads every process's.
        self._counts = CollectorRegistry()
        if shared_dir is not None:
            MultiProcessCollector(self._counts, path=shared_dir)
        registry = self._counts if shared_dir is None else None
        self._requests = Counter("newsdesk_http_requests", "HTTP requests answered, by route and status.",
                                 ["method", "route", "status"], registry=registry)
        self._latency = Histogram("newsdesk_http_request_duration_seconds", "Time to answer a request, by route.",
                                  ["method", "route"], buckets=BUCKETS, registry=registry)
        # The children per label set, so a request skips labels()'s checks and lock after the route's first one.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = self._children[(method, route, status)] = (
                self._requests.labels(method, route, str(status)), self._latency.labels(method, route))
        children[0].inc()
        children[1].observe(seconds)

    def render(self, store_figures: dict[str, Any]) -> bytes:
        """The exposition: the store's figures, then the request counts of every process."""
        figures = CollectorRegistry(auto_describe=False)
        figures.register(_StoreFigures(store_figures))
        return generate_latest(figures) + generate_latest(self._counts)
