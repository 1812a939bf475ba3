"""Prometheus text exposition (format 0.0.4), written by hand: request counts and a latency histogram per
route, and the store's figures read at scrape time.

With several server processes (`serve --workers N`) a scrape reaches one of them, so each process writes its
counts to a file of a directory they share (`shared_dir`, at most a second behind) and a scrape adds up every
file: the counters are the whole server's, and a process that died still counts what it answered (counters
must not go down)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


SHARE_EVERY = 1.0  # seconds between two writes of a process's counts to the shared directory


class Metrics:
    def __init__(self, shared_dir: str | Path | None = None) -> None:
        self._lock = threading.Lock()
        self.requests: dict[tuple[str, str, str], int] = defaultdict(int)
        self.buckets: dict[tuple[str, str], list[int]] = {}
        self.sums: dict[tuple[str, str], float] = defaultdict(float)
        self.counts: dict[tuple[str, str], int] = defaultdict(int)
        self.shared_dir = Path(shared_dir) if shared_dir else None
        self._changed = False
        if self.shared_dir is not None:
            self._own_file = self.shared_dir / f"{os.getpid()}.json"
            threading.Thread(target=self._share_forever, name="newsdesk-metrics", daemon=True).start()

    def _snapshot(self, *, for_sharing: bool = False) -> dict[str, Any]:
        with self._lock:
            if for_sharing:
                self._changed = False
            return {"requests": [[*k, n] for k, n in self.requests.items()],
                    "latency": [[*k, self.buckets[k], self.sums[k], self.counts[k]] for k in self.buckets]}

    def share(self) -> None:
        """Write this process's counts for the others' scrapes (atomically: a reader never sees half a file)."""
        if self.shared_dir is None:
            return
        partial = self._own_file.with_suffix(".part")
        partial.write_text(json.dumps(self._snapshot(for_sharing=True)), encoding="utf-8")
        os.replace(partial, self._own_file)

    def _share_forever(self) -> None:
        while True:
            time.sleep(SHARE_EVERY)
            if self._changed:
                try:
                    self.share()
                except OSError:
                    pass  # the directory went away with the server; a scrape still shows this process

    def _merged(self) -> Metrics:
        """This process's counts plus every other process's last written counts."""
        if self.shared_dir is None:
            return self
        total = Metrics()
        others = [] if not self.shared_dir.is_dir() else sorted(self.shared_dir.glob("*.json"))
        snapshots = [self._snapshot()]
        for path in others:
            if path != self._own_file:
                try:
                    snapshots.append(json.loads(path.read_text(encoding="utf-8")))
                except (OSError, ValueError):
                    continue  # a process that never finished writing: its counts come with its next write
        for snap in snapshots:
            for method, route, status, n in snap["requests"]:
                total.requests[(method, route, status)] += n
            for method, route, buckets, seconds, count in snap["latency"]:
                key = (method, route)
                mine = total.buckets.setdefault(key, [0] * len(BUCKETS))
                total.buckets[key] = [a + b for a, b in zip(mine, buckets, strict=True)]
                total.sums[key] += seconds
                total.counts[key] += count
        return total

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
            self._changed = True

    def render(self, store_figures: dict[str, Any]) -> str:
        return self._merged()._render(store_figures)

    def _render(self, store_figures: dict[str, Any]) -> str:
        lines: list[str] = []

        def gauge(name: str, help_: str, value: int | dict[str, int], label: str = "") -> None:
            lines.extend([f"# HELP {name} {help_}", f"# TYPE {name} gauge"])
            if isinstance(value, dict):
                lines.extend(f'{name}{{{label}="{_label(key)}"}} {n}' for key, n in sorted(value.items()))
            else:
                lines.append(f"{name} {value}")

        gauge("newsdesk_articles", "Articles stored.", store_figures["articles"])
        gauge("newsdesk_articles_pending", "Articles waiting for a story.", store_figures["articles_pending"])
        gauge("newsdesk_stories", "Stories with at least one article.", store_figures["stories"])
        gauge("newsdesk_sources", "Sources watched.", store_figures["sources"])
        gauge("newsdesk_fetch_errors", "Sources whose last fetch failed.", store_figures["sources_in_error"])
        gauge("newsdesk_article_failures", "Articles whose work failed in a stage (retried on later passes).",
              store_figures["article_failures"], "stage")
        gauge("newsdesk_articles_set_aside", "Articles a stage set aside after repeated failures, until the "
              "software changes.", store_figures["articles_set_aside"], "stage")
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
