"""Prometheus text exposition (format 0.0.4), written by hand: request counts and a latency histogram per
route, and the store's figures read at scrape time."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = {}
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route)
        with self._lock:
            self.requests[(method, route, str(status))] += 1
            counts = self.buckets.setdefault(key, [0] * len(BUCKETS))
            for i, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    counts[i] += 1
            self.sums[key] += seconds
            self.counts[key] += 1

    def render(self, store_figures: dict[str, int]) -> str:
        lines: list[str] = []

        def gauge(name: str, help_: str, value: int) -> None:
            lines.extend([f"# HELP {name} {help_}", f"# TYPE {name} gauge", f"{name} {value}"])

        gauge("newsdesk_articles", "Articles stored.", store_figures["articles"])
        gauge("newsdesk_articles_pending", "Articles waiting for a story.", store_figures["articles_pending"])
        gauge("newsdesk_stories", "Stories with at least one article.", store_figures["stories"])
        gauge("newsdesk_sources", "Sources watched.", store_figures["sources"])
        gauge("newsdesk_fetch_errors", "Sources whose last fetch failed.", store_figures["sources_in_error"])
        with self._lock:
            lines += ["# HELP newsdesk_http_requests_total HTTP requests answered, by route and status.",
                      "# TYPE newsdesk_http_requests_total counter"]
            for (method, route, status), n in sorted(self.requests.items()):
                lines.append(f'newsdesk_http_requests_total{{method="{_label(method)}",route="{_label(route)}",'
                             f'status="{status}"}} {n}')
            lines += ["# HELP newsdesk_http_request_duration_seconds Time to answer a request, by route.",
                      "# TYPE newsdesk_http_request_duration_seconds histogram"]
            for (method, route), counts in sorted(self.buckets.items()):
                labels = f'method="{_label(method)}",route="{_label(route)}"'
                for bound, n in zip(BUCKETS, counts, strict=True):
                    lines.append(f'newsdesk_http_request_duration_seconds_bucket{{{labels},le="{bound}"}} {n}')
                total = self.counts[(method, route)]
                lines.append(f'newsdesk_http_request_duration_seconds_bucket{{{labels},le="+Inf"}} {total}')
                lines.append(f"newsdesk_http_request_duration_seconds_sum{{{labels}}} {self.sums[(method, route)]:.6f}")
                lines.append(f"newsdesk_http_request_duration_seconds_count{{{labels}}} {total}")
        return "\n".join(lines) + "\n"
