"""Settings from a TOML file and NEWSDESK_* environment variables (the environment wins).

The TOML file is `NEWSDESK_CONFIG` if set, else `newsdesk.toml` in the working directory if present.
Keys in the file are the field names below, e.g. `min_host_delay = 2.0`.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from newsdesk import __version__

DEFAULT_DISCLAIMER = (
    "This story was aggregated automatically from public sources and may contain errors; "
    "please verify information independently. Every sentence of the brief links to the original reporting. "
    "Rights holders can request removal of their content via the removal link on each story."
)


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///newsdesk.db"
    contact_url: str = "https://github.com/newsdesk/newsdesk"
    # Fetching is refused for private, loopback, link-local and multicast addresses unless this is set.
    allow_private_hosts: bool = False
    # Comma-separated IPs or CIDRs fetched even when allow_private_hosts is off (an intranet feed).
    allowed_private_hosts: str = ""
    min_host_delay: float = 1.0  # seconds between two requests to one host
    request_timeout: float = 30.0  # total seconds for one response, body included
    # Seconds one host may take in one fetch pass (its feeds, robots.txt and pages, one request at a time): a host
    # that drips its pages cannot hold the pass. Past it, no new request goes to that host in this pass, a request
    # under way ends when the budget does, and the entries not fetched wait for the next pass (the source stays
    # due). 0: no budget.
    host_time_budget: float = 120.0
    connect_timeout: float = 10.0
    max_body_bytes: int = 10 * 1024 * 1024  # decompressed
    max_redirects: int = 5
    default_interval: int = 15 * 60  # seconds between two fetches of a source
    min_interval: int = 5 * 60
    max_interval: int = 6 * 60 * 60
    max_backoff: int = 24 * 60 * 60  # longest wait after repeated failures
    robots_ttl: int = 24 * 60 * 60  # how long a host's robots.txt is trusted
    max_entries_per_source: int = 200  # articles taken from one feed pass
    fetch_workers: int = 4  # hosts fetched at once (each host stays one request at a time)
    serve_fetch_interval: int = 60  # seconds between two background passes while serving
    # Articles the analysis stage (entities, who said what) takes per background pass and per `newsdesk fetch` or
    # `import`: it runs at about ten articles a second, so a bound keeps a big import from holding up the next
    # fetch; the rest waits for the next pass (or `newsdesk analyze-pending`). 0 turns it off there.
    analysis_batch: int = 200
    # Seconds one article may take in one stage (copy-folding and grouping, analysis; `newsdesk analyze` and
    # `cluster` too): past it the article's work stops, the failure is recorded on the article and the stage goes
    # on with the others (newsdesk.timebudget). An article analyses in ~0.1 s; no text may hold the service.
    article_time_budget: float = 20.0
    # Threads answering requests in one server process. Requests are CPU-bound Python (templates, JSON) under
    # one GIL: more threads than cores only queue behind each other and stretch the slowest answers.
    serve_threads: int = 4
    # Seconds one search may run before the database stops it (503, Retry-After): a search takes milliseconds, and
    # a query that reads most of the index must not hold one of those few threads (newsdesk.store.search).
    search_time_limit: float = 3.0
    # Server processes (uvicorn workers) sharing the port; with more than one, the background fetcher runs
    # in the parent process, so that one process alone fetches and groups stories.
    serve_workers: int = 1
    # One line on stderr per request answered (uvicorn's access log). Off by default, like gunicorn's: a proxy in
    # front usually logs requests already, /metrics counts them, and the line costs a search 5% of its time.
    access_log: bool = False
    # Seconds a write made while answering a request (a removal request, an administrator's login or decision) waits
    # for another connection's lock (SQLite busy timeout, PostgreSQL lock_timeout) before the answer is 503 with
    # Retry-After and nothing stored: a busy store must not hold clients and request threads. The background
    # fetcher and the commands wait as long as it takes.
    serve_lock_wait: float = 3.0
    # Comma-separated IPs or CIDRs of the reverse proxies in front of the server. Only a connection from one of them
    # may say who the client is (X-Forwarded-For: the right-most address that is not itself one of them) and by
    # which scheme (X-Forwarded-Proto); the per-client limits (removal requests, failed logins) count that address.
    # Empty: nobody is trusted, the client is the connection's own address.
    trusted_proxies: str = ""
    disclaimer: str = ""  # shown with every story; empty means DEFAULT_DISCLAIMER (effective_disclaimer)
    public_url: str = ""  # the site's address for absolute links in feeds; empty means the address asked for
    source_labels_file: str = ""  # a TOML file of extra outlet labels (format of newsdesk/data/source-labels.toml)
    # Removal requests (newsdesk.removal): suppress what a request names as soon as it is received (quarantined,
    # restored if rejected) instead of only when an administrator accepts it.
    removal_provisional: bool = False
    removal_rate_limit: int = 5  # requests accepted from one client per removal_rate_window
    removal_rate_window: int = 60 * 60  # seconds
    admin_session_minutes: int = 60  # an administrator's session ends this long after it started
    # Scale-out (newsdesk.tasks): a Redis URL for Celery, e.g. redis://host:6379/0. Empty: everything runs
    # in-process (`newsdesk fetch`, the background fetcher of `newsdesk serve`), as on one machine.
    broker_url: str = ""
    # Seconds before Redis hands a task that was taken but not acknowledged (a worker that died mid-task) to another
    # worker. Longer than the slowest task, or a slow task runs twice (harmless, tasks are idempotent, but wasted).
    broker_visibility_timeout: int = 60 * 60
    scheduler_interval: float = 10.0  # seconds between two passes of `newsdesk scheduler`
    # A source handed to the workers is not due again for this long, unless its fetch ends first (it then sets the
    # real next fetch): a slow worker's source is not queued twice, a lost task's source is queued again later.
    fetch_lease: int = 30 * 60
    # Server secret (client address hashing for rate limits); empty: generated once and kept in the database,
    # so every process sharing the database uses the same one.
    secret_key: str = ""

    @property
    def user_agent(self) -> str:
        return f"newsdesk/{__version__} (+{self.contact_url})"

    @property
    def effective_disclaimer(self) -> str:
        """The disclaimer shown with every story: the `disclaimer` setting, or the built-in one."""
        return self.disclaimer or DEFAULT_DISCLAIMER


_TRUE = {"1", "true", "yes", "on"}


def _coerce(value: Any, kind: type) -> Any:
    if kind is bool:
        return value if isinstance(value, bool) else str(value).strip().lower() in _TRUE
    return kind(value)


def settings_to_env(settings: Settings) -> dict[str, str]:
    """NEWSDESK_* variables that give `settings` back through `load_settings` (for worker processes)."""
    return {f"NEWSDESK_{f.name.upper()}": str(getattr(settings, f.name)) for f in fields(Settings)}


def load_settings(**overrides: Any) -> Settings:
    """Settings from defaults, then the TOML file, then NEWSDESK_* variables, then `overrides`."""
    values: dict[str, Any] = {}
    path = os.environ.get("NEWSDESK_CONFIG") or ("newsdesk.toml" if Path("newsdesk.toml").exists() else None)
    if path:
        with open(path, "rb") as fh:
            values.update(tomllib.load(fh))
    known = {f.name: f for f in fields(Settings)}
    unknown = set(values) - set(known)
    if unknown:
        raise ValueError(f"unknown setting(s) in {path}: {', '.join(sorted(unknown))}")
    for name in known:
        env = os.environ.get(f"NEWSDESK_{name.upper()}")
        if env is not None and env != "":
            values[name] = env
    values.update({k: v for k, v in overrides.items() if v is not None})
    kinds = {"bool": bool, "int": int, "float": float, "str": str}
    typed = {k: _coerce(v, kinds[str(known[k].type)]) for k, v in values.items()}
    return replace(Settings(), **typed)
