"""Settings from a TOML file and NEWSDESK_* environment variables (the environment wins).

The TOML file is `NEWSDESK_CONFIG` if set, else `newsdesk.toml` in the working directory if present.
Keys in the file are the field names below, e.g. `min_host_delay = 2.0`; each says what it means beside its
default, and the README's settings table is printed from them (scripts/settings_table.py).
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from newsdesk import __version__

DEFAULT_DISCLAIMER = (
    "This story was aggregated automatically from public sources and may contain errors; "
    "please verify information independently. Every sentence of the brief links to the original reporting. "
    "Rights holders can request removal of their content via the removal link on each story."
)


def setting(default: Any, meaning: str, *, secret: bool = False) -> Any:
    """A setting's default and what it means (markdown): the README's settings table is printed from these
    (scripts/settings_table.py), so the manual says what the code does. A `secret` one is left out of the
    settings' repr (a logged or printed Settings does not show it)."""
    return field(default=default, repr=not secret, metadata={"meaning": meaning})


@dataclass(frozen=True)
class Settings:
    database_url: str = setting(
        "sqlite:///newsdesk.db",
        "the store, a SQLAlchemy URL: SQLite in WAL mode by default, or PostgreSQL, "
        "`postgresql+psycopg://user:password@host:5432/db` (see below)")
    contact_url: str = setting(
        "https://github.com/newsdesk/newsdesk", "put in the User-Agent so publishers can reach you")
    allow_private_hosts: bool = setting(
        False, "fetch private, loopback, link-local and multicast addresses too (tests set it); off, they are refused")
    allowed_private_hosts: str = setting(
        "", "comma-separated IPs or CIDRs fetched even when `allow_private_hosts` is off (an intranet feed)")
    min_host_delay: float = setting(1.0, "seconds between two requests to one host")
    request_timeout: float = setting(30.0, "total seconds for one response, body included")
    # A host that drips its pages cannot hold the pass: past the budget no new request goes to that host in this
    # pass, a request under way ends when the budget does, and the source stays due.
    host_time_budget: float = setting(
        120.0, "seconds one host may take in one fetch pass (its feeds, robots.txt and pages, one request at a "
        "time); what it leaves undone waits for the next pass; `0`: no budget")
    connect_timeout: float = setting(10.0, "seconds to open a connection to a host")
    max_body_bytes: int = setting(10 * 1024 * 1024, "largest response body, decompressed")
    max_redirects: int = setting(5, "redirects followed per request")
    default_interval: int = setting(15 * 60, "seconds between two fetches of a new source")
    min_interval: int = setting(
        5 * 60, "shortest time in seconds between two fetches of a source (the schedule follows about half the "
        "source's publishing gap); also the first wait before a page that failed is asked again")
    max_interval: int = setting(6 * 60 * 60, "longest time in seconds between two fetches of a source")
    max_backoff: int = setting(
        24 * 60 * 60, "longest wait in seconds after repeated failures (of a source, a page, a host that keeps "
        "timing out) or that a host's `Retry-After` can ask for")
    robots_ttl: int = setting(24 * 60 * 60, "seconds a host's robots.txt is trusted before it is fetched again")
    max_entries_per_source: int = setting(200, "newest entries taken from one source per pass")
    feed_text_min_words: int = setting(
        80, "words a feed item's own full text (RSS content:encoded, Atom content, JSON Feed content_html) must have "
        "to be stored, marked as taken from the feed, when the item's page cannot be fetched or extracted; a "
        "shorter text is a summary, not an article; `0`: never store feed text")
    image_batch: int = setting(
        20, "stories given a picture per pass: the lead image of each (its earliest report's `og:image`) is fetched "
        "by the same polite client as pages, resized and served from this site; `0`: no pictures are fetched")
    image_max_bytes: int = setting(5 * 1024 * 1024, "largest picture file fetched, in bytes")
    image_max_pixels: int = setting(
        40_000_000, "most pixels (width x height) a fetched picture may have; a larger one (a decompression bomb) "
        "is refused before it is decoded")
    fetch_workers: int = setting(4, "hosts fetched at once in a fetch pass (each host stays one request at a time)")
    serve_fetch_interval: int = setting(60, "seconds between two background passes while serving")
    # A story that gets articles in two groupings has its brief made twice: they are kept few (bench/serve_pass.py).
    serve_group_interval: float = setting(
        10.0, "seconds between two groupings of the articles a background pass of `serve` has stored so far, while "
        "it goes on, so that stories appear as their articles arrive, not only when a long pass ends (at least "
        "twice as long as the last grouping took); `0`: group only at the end of each pass")
    # The analysis runs at about ten articles a second: a bound keeps a big import from holding up the next fetch.
    analysis_batch: int = setting(
        200, "articles analysed (entities, who said what) per background pass and per `fetch`/`import` (about ten "
        "a second); the rest waits for the next pass; `0` leaves analysis to `newsdesk analyze-pending`")
    # A site's furniture ("Follow us ...", a membership appeal) and title decoration are the same on each of its
    # pages: seen on enough of them, they are taken out of the next (newsdesk.extract.template).
    template_min_pages: int = setting(
        2, "pages of one site (the registered domain of the address a page was fetched or archived from, or of the "
        "canonical URL a saved page names) on which a block of "
        "text must stand, with the same text in the same place, before it is taken for the site's furniture and "
        "dropped from its articles (never half an article or more); likewise a title start or end, stripped only "
        "when it names the site or leaves the page's headline. Learned as pages arrive and kept in the store, per "
        "site, as fingerprints; `0`: nothing learned, nothing dropped")
    template_max_blocks: int = setting(
        1000, "fingerprints kept per site (about 25 bytes each): past it the rarest and oldest go first")
    # An article analyses in ~0.1 s: no text may hold the service (newsdesk.timebudget).
    article_time_budget: float = setting(
        20.0, "seconds one article may take in one stage (grouping into stories, analysis; `newsdesk analyze` and "
        "`cluster` too); past it the article's failure is recorded, the stage goes on with the others, and the "
        "article is tried again on the next passes and set aside after 3 failures; `0`: no budget")
    # Requests are CPU-bound Python (templates, JSON) under one GIL: more threads than cores only queue behind each
    # other and stretch the slowest answers.
    serve_threads: int = setting(
        4, "threads answering requests in one server process (more only queue behind Python's lock)")
    # A search takes milliseconds: a query that reads most of the index must not hold one of those few threads
    # (newsdesk.store.search).
    search_time_limit: float = setting(
        3.0, "seconds one search may run before the database stops it (SQLite: a progress handler, PostgreSQL: "
        "`statement_timeout`); it is answered 503 with `Retry-After`")
    serve_workers: int = setting(
        1, "server processes (`serve --workers N`). With more than one, the parent process accepts the connections "
        "and deals them to the server processes in turn (so a burst of keep-alive connections is shared evenly), "
        "replaces a server process that dies, and alone fetches and groups stories; `/metrics` counts the requests "
        "of all the processes (prometheus_client's multiprocess mode: each process counts into its files in a "
        "temporary directory that this serve makes, sets as the processes' `PROMETHEUS_MULTIPROC_DIR`, and deletes "
        "when it stops). "
        "Under load give it one per core: on 2 cores with 32 clients, `bench/web.py` measured story pages at "
        "~1,200 req/s with 2 processes (p99 41-55 ms) against ~520 with one (p99 ~95), searches at 350-380 req/s "
        "(p99 ~156 ms) against ~240 (p99 ~177)")
    # The line costs a search 5% of its time.
    access_log: bool = setting(
        False, "a line per request on stderr (`serve --access-log`); off by default, as in gunicorn: a proxy in "
        "front usually logs requests, and `/metrics` counts them")
    # A busy store must not hold clients and request threads.
    serve_lock_wait: float = setting(
        3.0, "seconds a write made while answering a request (a removal request, a login, a decision) waits for "
        "another connection's lock (SQLite busy timeout, PostgreSQL `lock_timeout`) before it is answered 503 "
        "with `Retry-After`, nothing stored; the background fetcher and the commands wait as long as it takes")
    # The per-client limits (removal requests, failed logins) count the address found this way.
    trusted_proxies: str = setting(
        "", "comma-separated IPs/CIDRs of the reverse proxies in front of `serve`: only a connection from one of "
        "them may name the client (`X-Forwarded-For`: the right-most address that is not a trusted proxy) and the "
        "scheme (`X-Forwarded-Proto`); empty: both headers are ignored, the client is the connection's address")
    disclaimer: str = setting("", "the disclaimer shown with every story; empty: the built-in one")
    public_url: str = setting(
        "", "the site's public address, for absolute links in feeds and the API; empty: the address asked for")
    source_labels_file: str = setting(
        "", "a TOML file of outlet labels in the format of `newsdesk/data/source-labels.toml`, whose entries are "
        "added to the built-in ones or replace those of the same name (see *Who said what*)")
    removal_provisional: bool = setting(
        False, "hide what a removal request names as soon as it arrives (quarantined, restored if rejected), "
        "not only when an administrator accepts it")
    removal_rate_limit: int = setting(5, "removal requests accepted from one client address per window")
    removal_rate_window: int = setting(60 * 60, "that window, in seconds")
    admin_session_minutes: int = setting(60, "an administrator's session ends this long after login")
    # Mail to removal requesters (newsdesk.removal.mail): an acknowledgement on receipt, then the decision.
    smtp_host: str = setting(
        "", "the SMTP server that sends mail to removal requesters (their acknowledgement and the decision); "
        "empty: no mail is sent, and the form says that the status is shown on the receipt page only")
    smtp_port: int = setting(587, "its port (587 for `starttls`, 465 for `ssl`, 25 for `none`)")
    smtp_tls: str = setting(
        "starttls", "`starttls` (upgrade the connection, refuse a server that cannot), `ssl` (TLS from the "
        "start) or `none` (plain text: only for a relay on the same machine or network); the server's "
        "certificate is checked against the system's authorities (`SSL_CERT_FILE` names another bundle)")
    smtp_user: str = setting("", "user name to log in to the SMTP server; empty: no login")
    smtp_password: str = setting("", "its password (better given as `NEWSDESK_SMTP_PASSWORD` than in a file)",
                                 secret=True)
    smtp_sender: str = setting(
        "", "the From address of that mail, e.g. `removals@news.example.org` or `newsdesk <removals@...>`; "
        "needed when `smtp_host` is set")
    smtp_timeout: float = setting(
        20.0, "seconds one message may take, connection and TLS included; a send that fails is kept as failed "
        "with its reason and tried again later, a few times")
    broker_url: str = setting(
        "", "a Redis URL for the Celery workers, e.g. `redis://host:6379/0` (see *Running across several "
        "machines*); empty: everything runs in-process, as on one machine")
    # Longer than the slowest task, or a slow task runs twice (harmless, tasks are idempotent, but wasted).
    broker_visibility_timeout: int = setting(
        60 * 60, "seconds before a task taken by a worker that died goes to another worker")
    scheduler_interval: float = setting(10.0, "seconds between two passes of `newsdesk scheduler`")
    # So a slow worker's source is not queued twice, and a lost task's source is queued again later.
    fetch_lease: int = setting(
        30 * 60, "seconds a source queued for the workers is not due again, unless its fetch ends first (also "
        "how long an in-process pass holds a source when `host_time_budget` is `0`)")
    secret_key: str = setting(
        "", "server secret (keyed hashes of client addresses for the per-client limits, removal form tokens); "
        "empty: generated once and kept in the database, shared by every process")

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
