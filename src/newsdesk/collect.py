"""The collector: sources -> fetch -> extract -> store, the first part of a pass (newsdesk.passes).

Each source is one unit of work: its document is fetched (conditionally), parsed, and each new entry's
page fetched, extracted and stored in its own transaction. The source's ETag and schedule are saved
last, so a pass killed in the middle is simply redone (without the 304 shortcut) and skips what it
already stored.

A pass leases each source before fetching it (`Store.lease_source`, compare and set), so that two processes
passing over one store at once (two `newsdesk fetch`, a cron job beside `serve`) fetch each source once: the
second skips what the first holds. A lease ends when its source is done, when it runs out (a process on another
machine that died), or at once when its holder was a process on this machine that is gone (a killed fetch).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import socket
import statistics
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from newsdesk.config import Settings
from newsdesk.errors import (
    BlockedError,
    ExtractionError,
    FetchError,
    HostBackoffError,
    HTTPStatusError,
    NewsdeskError,
    ParseError,
    RobotsDisallowedError,
    TimeBudgetError,
    TooLargeError,
    UnsafeURLError,
    failure_reason_words,
)
from newsdesk.extract import HostTemplate, extract_article, observe_page, page_site_of
from newsdesk.keys import content_hash, utcnow
from newsdesk.models import Article, FeedEntry, FetchedDocument, ParsedSource
from newsdesk.removal import RemovalDesk
from newsdesk.sources.http import PoliteClient
from newsdesk.sources.images import ImageRefusedError, fetch_picture
from newsdesk.sources.parse import parse_source, split_content_type
from newsdesk.sources.warc import iter_warc
from newsdesk.store import Store, pictures
from newsdesk.store.schema import Source
from newsdesk.timebudget import check_deadline, deadline
from newsdesk.urls import canonicalize_url, host_of, registered_domain, url_key

FEED_ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, text/html;q=0.8, */*;q=0.5"
)
HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
HTML_TYPES = {"text/html", "application/xhtml+xml", ""}
MAX_CHILD_SITEMAPS = 20
LEASE_MARGIN = 60.0  # seconds a source's lease outlasts the longest its fetch can take under the host budget
WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
HTML_SUFFIXES = (".html", ".htm", ".html.gz", ".htm.gz")
ITEMS_FAILED = "items_failed"  # last_error_reason of a source whose pass found entries, stored none, failed some
PASS_REASONS = 5  # failure reasons a source's last pass keeps (the most frequent), each with one example
# Words: runs of letters and digits; in scripts written without spaces (Chinese, Japanese, Thai) two characters
# count as one word, about their average word length.
_WORD = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]{1,2}|"
                   r"[^\W\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


@dataclass
class ItemFailure:
    """An entry of a source that was not stored in a pass: where, why (a reason code and a message), and whether
    it is never tried again."""

    url: str
    reason: str
    message: str
    permanent: bool


@dataclass
class SourceReport:
    source_id: int
    url: str
    # ok, not_modified, error; warning: entries failed and none was stored (or, on a 304, the last pass that read
    # entries was one such); deferred: not begun, the host's time budget ran out first; leased: not fetched,
    # another process is fetching it (or just did)
    status: str
    new_articles: int = 0
    from_feed: int = 0  # of new_articles, those stored from the feed's own full text (their page failed)
    found: int = 0  # entries the source listed in this pass (sitemap children's included)
    failed: int = 0
    skipped: int = 0
    blocked: int = 0  # entries not fetched or not stored: on the removal blocklist
    deferred: int = 0  # entries left for the next pass (the host's time budget ran out, or it asked us to wait)
    error: str | None = None
    failures: list[ItemFailure] = field(default_factory=list)  # what `failed` counts, in the order it failed

    def last_pass(self, at: datetime) -> dict[str, object]:
        """What this pass did with the source's entries, as `sources.last_pass` keeps it (migration 0014): the
        counts, and the most frequent failure reasons with a count, one address and its message each."""
        by_reason: dict[str, list[ItemFailure]] = defaultdict(list)
        for f in self.failures:
            by_reason[f.reason].append(f)
        reasons = sorted(by_reason.values(), key=len, reverse=True)[:PASS_REASONS]
        return {"at": at.isoformat(), "found": self.found, "stored": self.new_articles, "from_feed": self.from_feed,
                "failed": self.failed, "blocked": self.blocked, "deferred": self.deferred,
                "reasons": [{"reason": fs[0].reason, "count": len(fs), "url": fs[0].url, "message": fs[0].message}
                            for fs in reasons]}

    def warning(self) -> str:
        """Why a pass that found entries and stored none of them is a warning, in a sentence."""
        counts = Counter(f.reason for f in self.failures).most_common(PASS_REASONS)
        if not counts:
            return f"{self.failed} entries failed"
        reasons = ", ".join(f"{n} × {failure_reason_words(reason)}" for reason, n in counts)
        example = next(f.message for f in self.failures if f.reason == counts[0][0])
        return f"{self.failed} of {self.found} entries failed and none was stored ({reasons}); e.g. {example}"


@dataclass
class ImportReport:
    stored: int = 0
    known: int = 0
    blocked: int = 0  # pages not stored: on the removal blocklist
    failed: list[tuple[str, str]] = field(default_factory=list)  # (what, why)


def choose_canonical(url: str, page_canonical: str | None) -> str:
    """The page's rel=canonical when it stays on the same site and names a real page, else our own.

    A cross-site canonical (a syndicated copy pointing at the original) must not merge two outlets'
    articles into one row, and sites that point every page's canonical at their home page must not
    collapse all their articles into one. Pages and sites are compared as the blocklist and "already stored"
    compare them: by URL key, and by registered domain on the public suffix list.
    """
    own = canonicalize_url(url)
    if not page_canonical:
        return own
    theirs = canonicalize_url(page_canonical, base=url)
    if url_key(theirs) == url_key(own):
        return theirs  # the same page: the publisher's spelling
    same_site = registered_domain(theirs) == registered_domain(own)
    names_a_page = urlsplit(theirs).path.strip("/") != "" or urlsplit(own).path.strip("/") == ""
    return theirs if same_site and names_a_page else own


def next_interval(current: int, entries: list[FeedEntry], new_count: int, settings: Settings) -> int:
    """Fetch again after about half the source's recent publishing gap, clamped to the configured range."""
    dates = sorted(e.published for e in entries if e.published)[-10:]
    gaps = [(b - a).total_seconds() for a, b in zip(dates, dates[1:], strict=False) if b > a]
    if len(gaps) >= 2:
        proposal = statistics.median(gaps) / 2
    elif new_count:
        proposal = current * 0.75
    else:
        proposal = current * 1.5
    return int(min(max(proposal, settings.min_interval), settings.max_interval))


class SourceRefusedError(NewsdeskError, ValueError):
    """A source that cannot be added: not an http(s) address, never to be fetched (a private address), or not
    there (404, 410)."""

    reason = "source_refused"


class BlockedSourceError(SourceRefusedError):
    """A source on a domain whose publisher opted out (a removal request): it may not be added."""

    reason = "source_blocked"


UNCHECKED = "warning: not checked now"  # the start of add_source's note for an address added without a check


class Collector:
    def __init__(
        self, settings: Settings, store: Store, client: PoliteClient | None = None,
        removals: RemovalDesk | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.client = client or PoliteClient(settings)
        # The removal blocklist, asked before every fetch and every store: nothing removed comes back.
        self.removals = removals or RemovalDesk(store, settings)
        self._logged: set[tuple[str, str]] = set()  # (action, URL) audited in this pass: one entry each
        # Whose the leases this collector takes are: this machine and process (so that a process here can tell
        # a dead holder's lease), and a token of its own.
        self.holder = f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(4)}"

    def _refused(self, action: str, url: str, why: str) -> None:
        """Audit a fetch or store the blocklist refused, once per URL per pass (a blocked entry stays in its
        feed for days; an entry a pass keeps the log readable)."""
        if (action, url) in self._logged:
            return
        self._logged.add((action, url))
        self.removals.log(action, {"url": url, "why": why})

    def close(self) -> None:
        self.client.close()

    # ---- sources -------------------------------------------------------------------------------

    def add_source(
        self, url: str, *, title: str | None = None, category: str | None = None, discover: bool = True,
    ) -> tuple[Source, bool, str]:
        """Add a feed, sitemap or page. A site's home page is replaced by the feed it advertises.

        Returns (source, created, note). An address that is definitely wrong is refused (SourceRefusedError): one
        never to be fetched (a private address without the setting, a removed one) or one that is not there
        (404, 410). One that cannot be checked now (a timeout, a name that does not resolve, a refused
        connection, a 5xx: perhaps only for now) is added, with a note starting with UNCHECKED that says why; its
        first fetch tells more.
        """
        url = url.strip()
        try:
            scheme = urlsplit(url).scheme
        except ValueError as exc:  # e.g. an unclosed [ in the host
            raise SourceRefusedError(str(exc)) from None
        if scheme not in ("http", "https"):
            raise SourceRefusedError(f"not an http(s) URL: {url!r}")
        if why := self.removals.source_blocked(url):
            raise BlockedSourceError(f"{url} cannot be added: {why}")
        kind, site_url, note = "auto", None, ""
        if discover:
            try:
                doc = self.client.get(url, accept=FEED_ACCEPT, refuse=self._hop_refusal)
                parsed = parse_source(doc.content, doc.url, doc.headers.get("content-type", ""))
            except (UnsafeURLError, BlockedError) as exc:
                raise SourceRefusedError(f"{url} cannot be added: {str(exc).removeprefix(url + ': ')}") from None
            except HTTPStatusError as exc:
                if exc.status not in (404, 410):
                    note = f"{UNCHECKED} ({exc}); added anyway, the first fetch will tell"
                else:
                    raise SourceRefusedError(f"{url} cannot be added: it answers HTTP {exc.status} "
                                             f"({'gone' if exc.status == 410 else 'no such page'}); "
                                             "check the address") from None
            except NewsdeskError as exc:
                note = f"{UNCHECKED} ({exc}); added anyway, the first fetch will tell"
            else:
                if parsed.kind == "html" and parsed.feed_links:
                    site_url, url = url, parsed.feed_links[0]
                    kind = "auto"
                    note = f"found the feed {url} on that page"
                    if why := self.removals.source_blocked(url):
                        raise BlockedSourceError(f"{url} (the feed of {site_url}) cannot be added: {why}")
                else:
                    kind = "page" if parsed.kind == "html" else parsed.kind
                    title = title or parsed.title
        source, created = self.store.add_source(
            url, interval=self.settings.default_interval, kind=kind, title=title, site_url=site_url,
            category=category,
        )
        return source, created, note

    # ---- one pass ------------------------------------------------------------------------------

    def fetch_due(
        self, *, include_not_due: bool = False, on_done: Callable[[SourceReport], None] | None = None,
    ) -> list[SourceReport]:
        """Fetch every due source (or all), hosts in parallel, each host's sources one after another."""
        by_host: dict[str, list[Source]] = defaultdict(list)
        self._logged = set()
        now = utcnow()
        for src in self.store.due_sources(now, include_not_due):
            if not self._refused_source(src):
                by_host[host_of(src.url)].append(src)
        reports: list[SourceReport] = []
        failed = threading.Event()  # a host's thread died (the store is full or gone): the others stop too

        def run_host(host: str, sources: list[Source]) -> None:
            # The host's time budget starts when its turn comes, so a host queued behind others loses none of it.
            with deadline(self.settings.host_time_budget, what=f"host {host}"):
                for src in sources:
                    if failed.is_set():
                        return
                    try:
                        report = self._fetch_leased(src, due_by=None if include_not_due else now)
                    except BaseException:
                        failed.set()
                        raise
                    reports.append(report)
                    if on_done:
                        on_done(report)

        workers = max(1, min(self.settings.fetch_workers, len(by_host)))
        with ThreadPoolExecutor(workers, thread_name_prefix="fetch") as pool:
            for future in [pool.submit(run_host, host, group) for host, group in by_host.items()]:
                future.result()
        return reports

    def _lease_seconds(self) -> float:
        budget = self.settings.host_time_budget
        return budget + self.settings.request_timeout + LEASE_MARGIN if budget > 0 else self.settings.fetch_lease

    def _fetch_leased(self, src: Source, due_by: datetime | None) -> SourceReport:
        """fetch_source under this process's lease of the source, or a "leased" report when another live process
        holds it (or fetched it since the pass began: it is no longer due)."""
        seconds = self._lease_seconds()
        fresh = self.store.lease_source(src.id, self.holder, seconds, due_by=due_by)
        if fresh is None:
            holder, _ = self.store.source_lease(src.id)
            if holder is None or not _holder_gone(holder):
                busy = f"another newsdesk process is fetching it ({holder})" if holder else \
                    "another newsdesk process fetched it since this pass began"
                return SourceReport(src.id, src.url, "leased", error=busy)
            fresh = self.store.lease_source(src.id, self.holder, seconds, due_by=due_by, replacing=holder)
            if fresh is None:
                return SourceReport(src.id, src.url, "leased", error="another newsdesk process took it first")
        try:
            return self.fetch_source(fresh, lease_seconds=seconds)
        finally:
            # A release that fails (a store that went away) costs nothing: the lease runs out on its own.
            with contextlib.suppress(SQLAlchemyError):
                self.store.release_source(src.id, self.holder)

    def fetch_one(self, src: Source) -> SourceReport | None:
        """One source as a pass of its own (a worker's task); None when the blocklist refuses it."""
        self._logged = set()
        return None if self._refused_source(src) else self.fetch_source(src)

    def _hop_refusal(self, url: str) -> str | None:
        """Asked by the client before it follows a redirect: nothing removed is requested, whatever led to it."""
        return self.removals.is_blocked(url=url)

    def _refused_source(self, src: Source) -> bool:
        if why := self.removals.source_blocked(src.url):
            # A publisher's opt-out: the source is never asked again (it was deactivated when the request was
            # accepted; one added since by hand or OPML is skipped here).
            self._refused("blocked_fetch", src.url, why)
            return True
        return False

    def fetch_source(self, src: Source, lease_seconds: float | None = None) -> SourceReport:
        """Fetch one source and its new entries. Under a time budget (`fetch_due` gives each host one), what the
        budget leaves undone waits for the next pass: a source not begun is left as it was (still due), and a
        source begun is due again at once, without its ETag, so that the next pass sees every entry again.
        With `lease_seconds`, the caller holds the source's lease for that long: it is renewed as entries go."""
        report = SourceReport(src.id, src.url, "ok")
        started = utcnow()
        renew_at = time.monotonic() + (lease_seconds or 0) / 2
        doc: FetchedDocument | None = None
        todo: list[FeedEntry] = []
        try:
            doc = self.client.get(src.url, etag=src.etag, last_modified=src.last_modified, accept=FEED_ACCEPT,
                                  refuse=self._hop_refusal)
            if doc.not_modified:
                if src.last_status == "warning":
                    # Unchanged since a pass whose entries all failed for good: still nothing from this source.
                    report.status, report.error = "warning", src.last_error
                    self._source_succeeded(src, started, report, src.interval_seconds, doc, reason=ITEMS_FAILED)
                else:
                    report.status = "not_modified"
                    self._source_succeeded(src, started, report, src.interval_seconds, doc)
                return report
            parsed = parse_source(doc.content, doc.url, doc.headers.get("content-type", ""))
            if parsed.kind == "html" and parsed.feed_links and src.kind == "auto":
                # A home page added while it could not be looked up: move the source to its feed.
                doc, parsed = self._move_to_feed(src, parsed.feed_links[0])
            if parsed.kind == "html":
                # The source is a single article page: what we fetched is the article.
                report.found = 1
                self._store_page(src, FeedEntry(url=src.url), doc, report)
                entries: list[FeedEntry] = []
            else:
                if parsed.title and not src.title:  # kept now: it names this pass's articles too, not only the next's
                    self.store.update_source(src.id, title=parsed.title)
                    src.title = parsed.title
                entries = self._entries(parsed, report)
                todo = entries[: self.settings.max_entries_per_source]
                report.found = len(todo)
                while todo:
                    check_deadline("the next entry")
                    if lease_seconds and time.monotonic() > renew_at:
                        self.store.lease_source(src.id, self.holder, lease_seconds)
                        renew_at = time.monotonic() + lease_seconds / 2
                    if not self._collect(src, todo[0], report):
                        break  # the host asked us to stop for now: the rest waits, as for the budget
                    todo.pop(0)
        except TimeBudgetError as exc:
            if doc is None:
                report.status, report.error = "deferred", f"not fetched in this pass: {exc}"
                return report
            report.deferred = len(todo) or 1
            report.error = (f"the time budget of this host ({self.settings.host_time_budget:g} s a pass) ran out: "
                            f"{len(todo) or 'the'} entries wait for the next pass")
            self._source_succeeded(src, started, report, src.interval_seconds, doc, reason="time_budget",
                                   next_at=utcnow(), read_entries=True)
            return report
        except NewsdeskError as exc:
            self._source_failed(src, started, exc, report)
            return report
        report.deferred = len(todo)
        interval = next_interval(src.interval_seconds, entries, report.new_articles, self.settings)
        kind = "page" if parsed.kind == "html" else parsed.kind
        reason = "host_backoff" if report.error else None
        if report.failed and not report.new_articles:
            # Entries were there and none was stored: not "ok", though the source itself answered.
            report.status, reason = "warning", reason or ITEMS_FAILED
            report.error = report.error or report.warning()
        self._source_succeeded(src, started, report, interval, doc, title=parsed.title, kind=kind, reason=reason,
                               read_entries=True)
        return report

    def _move_to_feed(self, src: Source, feed_url: str) -> tuple[FetchedDocument, ParsedSource]:
        doc = self.client.get(feed_url, accept=FEED_ACCEPT, refuse=self._hop_refusal)
        parsed = parse_source(doc.content, doc.url, doc.headers.get("content-type", ""))
        if parsed.kind != "html" and self.store.get_source(feed_url) is None:
            self.store.update_source(src.id, url=feed_url, site_url=src.url, kind=parsed.kind)
            src.url = feed_url
        return doc, parsed

    def _entries(self, parsed: ParsedSource, report: SourceReport) -> list[FeedEntry]:
        entries = list(parsed.entries)
        for child in parsed.sitemaps[:MAX_CHILD_SITEMAPS]:
            try:
                doc = self.client.get(child, accept=FEED_ACCEPT, refuse=self._hop_refusal)
                entries.extend(parse_source(doc.content, doc.url, doc.headers.get("content-type", "")).entries)
            except TimeBudgetError:
                raise
            except NewsdeskError as exc:
                self._failed(report, child, exc.reason, str(exc), permanent=False)
        # Newest first, so a capped pass takes what matters now; undated entries keep feed order after.
        dated = sorted((e for e in entries if e.published), key=lambda e: e.published, reverse=True)
        return dated + [e for e in entries if not e.published]

    def _collect(self, src: Source, entry: FeedEntry, report: SourceReport) -> bool:
        """Fetch, extract and store one entry. False when the host asked us to stop for now."""
        if why := self.removals.is_blocked(url=entry.url):
            report.blocked += 1
            self._refused("blocked_fetch", entry.url, why)
            return True
        if self.store.is_known(entry.url, retry_base=self.settings.min_interval, retry_cap=self.settings.max_backoff):
            return True  # stored already, failed for good, or failed lately and waiting for its next try
        try:
            doc = self.client.get(entry.url, accept=HTML_ACCEPT, refuse=self._hop_refusal)
        except HostBackoffError as exc:
            report.error = str(exc)
            return False
        except BlockedError as exc:  # a redirect into a removed address: stopped before it was requested
            report.blocked += 1
            self._refused("blocked_fetch", entry.url, str(exc))
            # Not for good: the redirect may change, and a rejected removal unblocks the target.
            self.store.record_failure(entry.url, source_id=src.id, reason=exc.reason, message=str(exc),
                                      permanent=False)
            return True
        except UnsafeURLError as exc:  # an address never to be asked (a private one): nothing is stored under it
            self._failed(report, entry.url, exc.reason, str(exc), permanent=True)
            return True
        except FetchError as exc:
            stored = self._page_failed(src, entry, report, exc.reason, str(exc), permanent=_is_permanent(exc))
            if isinstance(exc, RobotsDisallowedError) and not stored:
                report.skipped += 1
            if isinstance(exc, HTTPStatusError) and exc.status in (429, 503):
                report.error = str(exc)  # the host asked us to wait: the rest of the entries wait too
                return False
            return True
        self._store_page(src, entry, doc, report)
        return True

    def _store_page(self, src: Source, entry: FeedEntry, doc: FetchedDocument, report: SourceReport) -> None:
        if doc.content_type not in HTML_TYPES:
            self._page_failed(src, entry, report, "not_html", f"{doc.url}: not an HTML page ({doc.content_type})",
                              permanent=True)
            return
        try:
            charset = split_content_type(doc.headers.get("content-type", ""))[1]
            site = registered_domain(doc.url)
            with deadline(self.settings.article_time_budget, what=f"extracting {doc.url}"):
                article = extract_article(doc.content, doc.url, hint=entry, charset=charset,
                                          template=self._template(site))
        except TimeBudgetError as exc:
            check_deadline("extracting a page")  # the host's budget ran out, not the page's: the pass stops here
            self._page_failed(src, entry, report, exc.reason, str(exc), permanent=True)
            return
        except ExtractionError as exc:
            self._page_failed(src, entry, report, exc.reason, f"{doc.url}: {exc}", permanent=True)
            return
        article.canonical_url = choose_canonical(doc.url, article.canonical_url)
        article.url = entry.url  # the link as the source published it, so the next pass knows it
        if why := self._blocked_article(article, doc.url):
            report.blocked += 1
            self._refused("blocked_store", entry.url, why)
            return
        _, created = self.store.save_article(article, source_id=src.id,
                                             source_name=self._outlet(src, article, doc.url))
        report.new_articles += int(created)
        if created:
            self._learn_template(site, doc.content, doc.url, charset)

    def _outlet(self, src: Source, article: Article, url: str) -> str | None:
        """The name to store an article of `src` under: the source's name; the first page that names its site
        names the source (and its articles stored before), so that all of them show one name."""
        if not src.name and article.site_name:
            src.name = self.store.name_source(src.id, article.site_name, only_if_unnamed=True)
        return src.name or outlet_name(article.site_name, src.title, url)

    # ---- per-site templates --------------------------------------------------------------------

    def _template(self, site: str) -> HostTemplate | None:
        """The template learned from the site's earlier pages (newsdesk.extract.template); None when off."""
        if self.settings.template_min_pages <= 0 or not site:
            return None
        return HostTemplate.from_json(self.store.host_template(site), min_pages=self.settings.template_min_pages)

    def _learn_template(self, site: str, content: bytes, url: str | None, charset: str | None) -> None:
        """Count a stored article's page into its site's template, for the site's next pages. A page that cannot be
        read again teaches nothing: the article is stored already."""
        if self.settings.template_min_pages <= 0 or not site:
            return
        try:
            page = observe_page(content, url, charset)
        except ExtractionError:
            return
        limit = self.settings.template_max_blocks
        self.store.update_host_template(site, lambda stored: HostTemplate.from_json(stored).learned(
            page, max_blocks=limit).to_json())

    def _page_failed(
        self, src: Source, entry: FeedEntry, report: SourceReport, reason: str, message: str, *, permanent: bool,
    ) -> bool:
        """An entry whose page could not be fetched or extracted: stored from the feed's own full text when the
        entry carries one long enough to be the article (True), else recorded as failed (False)."""
        if self._store_feed_text(src, entry, report):
            return True
        self._failed(report, entry.url, reason, message, permanent=permanent)
        return False

    def _failed(self, report: SourceReport, url: str, reason: str, message: str, *, permanent: bool) -> None:
        report.failed += 1
        report.failures.append(ItemFailure(url, reason, message, permanent))
        self.store.record_failure(url, source_id=report.source_id, reason=reason, message=message,
                                  permanent=permanent)

    def _store_feed_text(self, src: Source, entry: FeedEntry, report: SourceReport) -> bool:
        """Store the entry's full text as its feed carries it (marked text_from="feed"); False when it carries
        none, or only a summary (fewer than `feed_text_min_words` words once extracted), or the blocklist refuses
        it. The feed's HTML is the publisher's, as hostile as a page: it goes through the same extraction, which
        keeps plain text only."""
        min_words = self.settings.feed_text_min_words
        if not entry.content or min_words <= 0:
            return False
        page = f'<!doctype html><html><head><meta charset="utf-8"></head><body><article>{entry.content}' \
               "</article></body></html>"
        try:
            with deadline(self.settings.article_time_budget, what=f"extracting the feed text of {entry.url}"):
                article = extract_article(page, entry.url, hint=entry)
        except TimeBudgetError:
            check_deadline("extracting a feed text")  # the host's budget ran out: the pass stops here
            return False
        except ExtractionError:
            return False
        if len(_WORD.findall(article.text)) < min_words:
            return False
        article.url = entry.url
        article.canonical_url = canonicalize_url(entry.url)
        # The feed's own title and date are the item's; a heading or dateline inside its text may be another's.
        article.title = entry.title or article.title
        article.published = entry.published or article.published
        article.text_from = "feed"
        if why := self._blocked_article(article):
            report.blocked += 1
            self._refused("blocked_store", entry.url, why)
            return True  # not a failure: refused, as a page with this text would be
        _, created = self.store.save_article(article, source_id=src.id,
                                             source_name=self._outlet(src, article, entry.url))
        report.new_articles += int(created)
        report.from_feed += int(created)
        return True

    def _blocked_article(self, article: Article, fetched_url: str | None = None) -> str | None:
        """The blocklist's answer for an extracted article: its addresses (the link, where the fetch ended,
        the canonical URL), its exact text, then near copies of removed text."""
        if fetched_url and fetched_url != article.url and (why := self.removals.is_blocked(url=fetched_url)):
            return why
        return self.removals.is_blocked(url=article.url, canonical=article.canonical_url,
                                        content_hash=content_hash(article.text), text=article.text)

    # ---- health and schedule -------------------------------------------------------------------

    def _source_succeeded(
        self, src: Source, started: datetime, report: SourceReport, interval: int, doc: FetchedDocument,
        title: str | None = None, kind: str | None = None, reason: str | None = None,
        next_at: datetime | None = None, read_entries: bool = False,
    ) -> None:
        """Record a fetch that answered. `read_entries`: this pass went through the source's entries, and what it
        did with them replaces the last such pass's record (a 304 leaves that record as it was)."""
        values: dict[str, object] = dict(
            last_fetch_at=started, last_success_at=started, last_status=report.status,
            consecutive_failures=0, interval_seconds=interval,
            next_fetch_at=next_at or started + timedelta(seconds=interval),
            last_error=report.error, last_error_reason=reason if report.error else None,
        )
        if read_entries:
            values["last_pass"] = report.last_pass(started)
        if report.deferred or any(not f.permanent for f in report.failures):
            # Entries were left for a later pass, or failed for now: the next fetch must read the whole document
            # again, not a 304, so that they are tried again when their wait is over.
            values.update(etag=None, last_modified=None)
        elif not doc.not_modified:
            values.update(etag=doc.etag, last_modified=doc.last_modified)
        if title and not src.title:
            values["title"] = title
        if kind and src.kind == "auto":
            values["kind"] = kind
        self.store.update_source(src.id, **values)
        pictures.record_fetch(self.store, src.id, started, report.status, report.new_articles)

    def _source_failed(self, src: Source, started: datetime, exc: NewsdeskError, report: SourceReport) -> None:
        report.status, report.error = "error", str(exc)
        failures = src.consecutive_failures + 1
        wait = min(src.interval_seconds * 2 ** (failures - 1), self.settings.max_backoff)
        retry_after = getattr(exc, "retry_after", None)
        if retry_after:
            wait = max(wait, min(retry_after, self.settings.max_backoff))
        self.store.update_source(
            src.id, last_fetch_at=started, last_status="error", last_error=str(exc),
            last_error_reason=exc.reason, consecutive_failures=failures,
            next_fetch_at=started + timedelta(seconds=wait),
        )
        pictures.record_fetch(self.store, src.id, started, "error", report.new_articles)

    # ---- pictures ------------------------------------------------------------------------------

    def fetch_pictures(self, stories: int | None = None) -> int:
        """Fetch the lead picture of up to `stories` (else `image_batch`) stories that have none, through the
        same polite client and blocklist as pages (newsdesk.sources.images); returns how many were stored. A
        picture that fails is recorded and the story's next report with one is tried next pass; a failure that may
        pass (a timeout, a 5xx answer) is asked again later (`pictures.save_image`), the others never; one a host's
        wait or the time budget put off is tried again next pass."""
        limit = self.settings.image_batch if stories is None else stories
        done = 0
        # The whole step gets one host's budget: pictures never hold a pass longer than one slow host would.
        with deadline(self.settings.host_time_budget, what="fetching pictures"):
            for article_id, url in pictures.image_candidates(self.store, limit, utcnow()) if limit > 0 else []:
                if why := self._hop_refusal(url):
                    self._refused("blocked_fetch", url, why)
                    pictures.save_image(self.store, article_id, url, utcnow(), error=f"blocked: {why}")
                    continue
                try:
                    picture = fetch_picture(self.client, url, self.settings, refuse=self._hop_refusal)
                except TimeBudgetError:
                    break
                except HostBackoffError:
                    continue
                except (FetchError, ImageRefusedError) as exc:
                    pictures.save_image(self.store, article_id, url, utcnow(), error=str(exc),
                                        may_pass=isinstance(exc, FetchError) and _may_pass(exc))
                    continue
                done += pictures.save_image(self.store, article_id, url, utcnow(), data=picture.data,
                                            width=picture.width, height=picture.height)
        return done

    # ---- local files ---------------------------------------------------------------------------

    def import_paths(self, paths: Iterable[str | Path], url: str | None = None) -> ImportReport:
        """Import .html, .html.gz and WARC/ARC files (directories are walked). Idempotent."""
        report = ImportReport()
        self._logged = set()
        for path in expand_paths(paths):
            name = path.name.lower()
            try:
                if name.endswith(WARC_SUFFIXES):
                    for page in iter_warc(path):
                        self._import_one(page.content, page.url, page.headers.get("content-type"), report)
                else:
                    content = path.read_bytes()
                    self._import_one(content, url, None, report, label=str(path), file_path=path)
            except (ParseError, OSError) as exc:
                report.failed.append((str(path), str(exc)))
        return report

    def _import_one(
        self, content: bytes, url: str | None, content_type: str | None, report: ImportReport,
        label: str | None = None, file_path: Path | None = None,
    ) -> None:
        label = label or url or "?"
        if url and (why := self.removals.is_blocked(url=url)):
            report.blocked += 1
            self._refused("blocked_store", url, why)
            return
        if url and self.store.is_known(url):
            report.known += 1
            return
        charset = split_content_type(content_type or "")[1]
        # an archived page's site is where it was served from; a saved file's, the address it names
        site = registered_domain(url) if url else page_site_of(content)
        try:
            article = extract_article(content, url, charset=charset, template=self._template(site))
        except ExtractionError as exc:
            report.failed.append((label, str(exc)))
            if url:
                self.store.record_failure(url, source_id=None, reason=exc.reason, message=str(exc), permanent=True)
            return
        if url:
            article.canonical_url = choose_canonical(url, article.canonical_url)
            article.url = url
        elif article.canonical_url:
            article.url = article.canonical_url = canonicalize_url(article.canonical_url)
        else:  # a saved page that names no address: its file is the only identity it has
            article.url = article.canonical_url = (file_path or Path(label)).resolve().as_uri()
        if why := self._blocked_article(article):
            report.blocked += 1
            self._refused("blocked_store", article.url, why)
            return
        _, created = self.store.save_article(article, source_name=outlet_name(article.site_name, None, article.url))
        if created:
            report.stored += 1
            self._learn_template(site, content, url, charset)
        else:
            report.known += 1


def outlet_name(site_name: str | None, feed_title: str | None, url: str) -> str | None:
    """An outlet's name: the one its page gives its site, else its feed's title, else (the last resort) the host
    of its address without a leading "www." ("thesun.co.uk")."""
    host = host_of(url)
    return site_name or feed_title or host.removeprefix("www.") or None


def _holder_gone(holder: str) -> bool:
    """Whether the process a lease names is known to be gone: it ran on this machine, and no live process has
    its id (a zombie, killed and not yet reaped, counts as gone). A holder elsewhere is waited for."""
    host, _, rest = holder.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname()[:40] or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _may_pass(exc: FetchError) -> bool:
    """Whether a picture's failed fetch is worth asking again: a timeout, a 5xx answer, a refused connection;
    not a 404, a robots.txt rule, a removal block or a picture over the size cap."""
    return not _is_permanent(exc) and not isinstance(exc, BlockedError | TooLargeError)


def _is_permanent(exc: FetchError) -> bool:
    if isinstance(exc, RobotsDisallowedError | UnsafeURLError):
        return True
    return isinstance(exc, HTTPStatusError) and 400 <= exc.status < 500 and exc.status not in (408, 429)


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The files an import of these paths reads (folders walked for WARC and HTML files, in name order)."""
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(f for f in p.rglob("*") if f.name.lower().endswith(WARC_SUFFIXES + HTML_SUFFIXES))
        else:
            yield p
