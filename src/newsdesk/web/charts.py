"""Small charts as inline SVG: no JavaScript, no style attribute (the Content-Security-Policy allows no inline
style; colours are presentation attributes), and a text alternative (`<title>` and `<desc>`, which the `<svg>`
names with aria-labelledby) that says what the bars show in words.

- the coverage of a story: its reports per hour (per few hours for a long story), independent reports and
  reprints stacked;
- the fetch history of a source: one bar per fetch, as tall as the articles it stored, coloured by how it ended.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from markupsafe import Markup, escape

from newsdesk.store.pictures import FetchRecord

WIDTH, HEIGHT, AXIS = 600, 72, 18  # the viewBox; AXIS: room under the bars for the time labels
MAX_BARS = 48
MIN_HOURS = 12
BUCKET_HOURS = (1, 2, 3, 6, 12, 24, 48, 168)
REPORT, REPRINT = "#2b5797", "#9db4d8"
STATUS_COLOURS = {"ok": "#2e7d32", "not_modified": "#8a8a8a", "warning": "#b26a00", "error": "#c62828"}
STATUS_WORDS = {"ok": "answered", "not_modified": "unchanged", "warning": "with warnings",
                "error": "failed"}


def _label(at: datetime) -> str:
    return f"{at.day} {at:%b %H:%M}"


def _svg(chart_id: str, title: str, desc: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="chart" id="{chart_id}" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">'
        f'<title id="{chart_id}-t">{escape(title)}</title><desc id="{chart_id}-d">{escape(desc)}</desc>'
        + "".join(body) + "</svg>")


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def coverage_chart(reports: Sequence[tuple[datetime | None, bool]]) -> Markup | None:
    """Reports per hour of a story from (publication time or None, is a reprint); None when fewer than two
    reports have a date (one bar says nothing)."""
    dated = sorted((t.astimezone(UTC), copy) for t, copy in reports if t is not None)
    if len(dated) < 2:
        return None
    start = dated[0][0].replace(minute=0, second=0, microsecond=0)
    hours = math.floor((dated[-1][0] - start).total_seconds() / 3600) + 1
    step = next((h for h in BUCKET_HOURS if math.ceil(hours / h) <= MAX_BARS), BUCKET_HOURS[-1])
    # At least MIN_HOURS on the axis: a story of two hours is not drawn as two slabs across the page.
    n = min(max(math.ceil(hours / step), MIN_HOURS // step, 1), MAX_BARS)  # past MAX_BARS: folded into the last
    counts = [[0, 0] for _ in range(n)]
    for t, copy in dated:
        i = min(int((t - start).total_seconds() // (3600 * step)), n - 1)
        counts[i][copy] += 1
    top = max(a + b for a, b in counts)
    plot = HEIGHT - AXIS
    slot = WIDTH / n
    bar = max(1.0, slot * 0.8)
    body = []
    for i, (own, copies) in enumerate(counts):
        x = i * slot + (slot - bar) / 2
        h_own, h_copy = plot * own / top, plot * copies / top
        if own:
            body.append(f'<rect x="{x:.1f}" y="{plot - h_own:.1f}" width="{bar:.1f}" height="{h_own:.1f}" '
                        f'fill="{REPORT}"/>')
        if copies:
            body.append(f'<rect x="{x:.1f}" y="{plot - h_own - h_copy:.1f}" width="{bar:.1f}" '
                        f'height="{h_copy:.1f}" fill="{REPRINT}"/>')
    body.append(f'<line x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}" stroke="#666" stroke-width="1"/>')
    end = start + timedelta(hours=n * step)
    body.append(f'<text x="0" y="{HEIGHT - 4}" font-size="12" fill="#444">{escape(_label(start))} UTC</text>')
    body.append(f'<text x="{WIDTH}" y="{HEIGHT - 4}" font-size="12" fill="#444" text-anchor="end">'
                f'{escape(_label(end))}</text>')
    independent = sum(own for own, _ in counts)
    reprints = sum(c for _, c in counts)
    busiest = max(range(n), key=lambda i: sum(counts[i]))
    per = "hour" if step == 1 else f"{step} hours"
    undated = len(reports) - len(dated)
    desc = (f"{_plural(independent, 'independent report')} and {_plural(reprints, 'reprint')} from "
            f"{_label(start)} to {_label(end)} UTC, one bar per {per}; the busiest began "
            f"{_label(start + timedelta(hours=busiest * step))} with {sum(counts[busiest])}."
            + (f" {_plural(undated, 'report')} without a date not shown." if undated else ""))
    return _svg("coverage-chart", f"Reports per {per}", desc, body)


def fetch_history_chart(history: Sequence[FetchRecord]) -> Markup | None:
    """A source's fetches, oldest first: one bar each, its height the articles it stored (a stub when none), its
    colour how it ended; None before the first fetch."""
    if not history:
        return None
    plot = HEIGHT - AXIS
    top = max(1, max(r.stored for r in history))
    slot = WIDTH / max(len(history), 12)  # a few fetches are not drawn as wide slabs
    bar = max(1.0, slot * 0.7)
    body = []
    for i, r in enumerate(history):
        h = max(4.0, plot * r.stored / top)
        if r.status == "error":
            h = plot  # a failure stands out at full height, whatever it stored
        fill = STATUS_COLOURS.get(r.status, STATUS_COLOURS["ok"])
        body.append(f'<rect x="{i * slot + (slot - bar) / 2:.1f}" y="{plot - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" fill="{fill}"/>')
    body.append(f'<line x1="0" y1="{plot}" x2="{WIDTH}" y2="{plot}" stroke="#666" stroke-width="1"/>')
    first, last = history[0].at.astimezone(UTC), history[-1].at.astimezone(UTC)
    body.append(f'<text x="0" y="{HEIGHT - 4}" font-size="12" fill="#444">{escape(_label(first))} UTC</text>')
    body.append(f'<text x="{WIDTH}" y="{HEIGHT - 4}" font-size="12" fill="#444" text-anchor="end">'
                f'{escape(_label(last))}</text>')
    by_status: dict[str, int] = {}
    for r in history:
        by_status[r.status] = by_status.get(r.status, 0) + 1
    parts = [f"{by_status[status]} {words}" for status, words in STATUS_WORDS.items() if status in by_status]
    stored = sum(r.stored for r in history)
    fetches = f"{len(history)} fetch{'' if len(history) == 1 else 'es'}"
    desc = (f"{fetches} from {_label(first)} to {_label(last)} UTC: {', '.join(parts)}; "
            f"{_plural(stored, 'article')} stored. Bar height: articles stored; a failed fetch is a full red bar.")
    return _svg("fetch-chart", "Fetch history", desc, body)
