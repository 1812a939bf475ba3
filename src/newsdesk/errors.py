"""Errors with a reason a user can read; each stage raises these, never bare exceptions.

Every error newsdesk raises on purpose derives from NewsdeskError, wherever it is defined (the stage that raises
it: `ModelMissingError` in analyze/nlp.py, `BadCursor` in store/queries.py...). Its `reason` is a short, stable
code that is stored with a failure (a source's `last_error_reason`, an article's failure) and that callers can
branch on; its message says what went wrong for a person. Some also keep a builtin base (ValueError,
RuntimeError) because callers catch them as such. The command line reports them all in one place (newsdesk.cli).
"""

from __future__ import annotations

import traceback
from pathlib import Path


class NewsdeskError(Exception):
    """Base of every error newsdesk reports to a user."""

    reason = "error"


class FetchError(NewsdeskError):
    reason = "fetch_error"


class UnsafeURLError(FetchError):
    """Scheme not http(s), or the host resolves to a private/loopback/link-local/multicast address."""

    reason = "unsafe_url"


class RobotsDisallowedError(FetchError):
    reason = "robots_disallowed"


class TooLargeError(FetchError):
    reason = "too_large"


class FetchTimeoutError(FetchError):
    reason = "timeout"


class HTTPStatusError(FetchError):
    reason = "http_status"

    def __init__(self, message: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BlockedError(FetchError):
    """A redirect led to an address on the removal blocklist: it was not requested."""

    reason = "blocked"


class HostBackoffError(FetchError):
    """The host asked us to wait (429/503 with Retry-After) and the wait is not over."""

    reason = "host_backoff"


class ParseError(NewsdeskError):
    """A source document that is not a feed, sitemap or page we can read."""

    reason = "parse_error"


class ExtractionError(NewsdeskError):
    """A page from which no article body could be extracted."""

    reason = "extraction_failed"


class DecompressionError(NewsdeskError):
    """Compressed data that cannot be inflated: corrupt, truncated, or (`too_large`) past the size allowed."""

    reason = "decompression_failed"

    def __init__(self, message: str, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


class TimeBudgetError(NewsdeskError):
    """One item's work ran past its time budget (newsdesk.timebudget): the item is set aside, the stage goes on."""

    reason = "time_budget"


def describe_failure(exc: BaseException, limit: int = 1000) -> str:
    """One line for a failure recorded on an item (an article a stage could not handle): the error and where
    newsdesk's code met it, e.g. "OverflowError: date value out of range (cluster.py:257, _in_window)"."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    ours = [f for f in frames if "newsdesk" in Path(f.filename).parts] or frames
    where = f" ({Path(ours[-1].filename).name}:{ours[-1].lineno}, {ours[-1].name})" if ours else ""
    message = " ".join(str(exc).split())[:limit]
    return f"{type(exc).__name__}: {message}{where}" if message else f"{type(exc).__name__}{where}"


FAILURE_REASON_WORDS = {
    "http_status": "error status from the site",
    "timeout": "timed out",
    "too_large": "too large",
    "fetch_error": "connection failed",
    "unsafe_url": "private or local address (not fetched)",
    "robots_disallowed": "disallowed by robots.txt",
    "blocked": "blocked by a removal request",
    "host_backoff": "the site asked us to wait",
    "not_html": "not a web page",
    "parse_error": "could not be read",
    "extraction_failed": "no article text found",
    "decompression_failed": "could not be decompressed",
    "time_budget": "took too long to process",
    "items_failed": "entries failed, none stored",
    "source_refused": "refused",
    "source_blocked": "blocked by a removal request",
    "error": "failed",
}


def failure_reason_words(reason: str | None) -> str:
    """A failure's reason code (a fetch's, an entry's: `http_status`, `timeout` ...) in words; an unknown one with
    its underscores as spaces. The code itself stays in the API and `--json` output, for scripts."""
    return FAILURE_REASON_WORDS.get(reason or "") or (reason or "").replace("_", " ")
