"""The transparency report: what was asked and what was done, in counts only."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from newsdesk.keys import utcnow
from newsdesk.store import Store, removals


def _outcome(status: str) -> str:
    return "pending" if status == "received" else status


def transparency_report(store: Store) -> dict[str, Any]:
    """Counts only: requests by month, reason, scope and outcome, articles removed, domains opted out,
    fetches and stores refused. No name, email, address or URL of anyone."""
    counts = removals.transparency_counts(store)
    status_of = {i: st for i, _, _, st in counts.requests}
    by_month: dict[str, dict[str, Any]] = {}
    by_reason: dict[str, Counter] = defaultdict(Counter)
    for _, at, reason, status in counts.requests:
        month = by_month.setdefault(at.strftime("%Y-%m"), {"received": 0, "by_reason": Counter(),
                                                            "by_outcome": Counter()})
        month["received"] += 1
        month["by_reason"][reason] += 1
        month["by_outcome"][_outcome(status)] += 1
        by_reason[reason][_outcome(status)] += 1
    by_scope: dict[str, Counter] = defaultdict(Counter)
    for rid, scope in counts.scopes:
        by_scope[scope][_outcome(status_of.get(rid, "received"))] += 1
    return {
        "generated_at": utcnow().isoformat(),
        "requests": len(counts.requests),
        "by_outcome": dict(Counter(_outcome(st) for *_, st in counts.requests)),
        "by_reason": {k: dict(v) for k, v in sorted(by_reason.items())},
        "by_scope": {k: dict(v) for k, v in sorted(by_scope.items())},
        "by_month": {m: {"received": v["received"], "by_reason": dict(v["by_reason"]),
                         "by_outcome": dict(v["by_outcome"])} for m, v in sorted(by_month.items())},
        "articles_removed": counts.articles_removed,
        "domains_opted_out": counts.domains_opted_out,
        "fetches_refused": counts.refused.get("blocked_fetch", 0),
        "stores_refused": counts.refused.get("blocked_store", 0),
    }
