"""Dates from outside (feeds, sitemaps, pages, web archives, `cluster`/`analyze` input records): a sane instant
or none.

A publisher types whatever it likes into a date, and every later stage does arithmetic with it (story windows,
ordering, feeds), so one function reads them all, strictly. A date that a parser would have to bend is no date:
a year written "0001" that RFC 822 would read as 2001, month 13 rolled into the next year, a zone of +99:99,
a year 99999 clamped to 9999. A date that reads fine but cannot be a publication date (before 1990-01-01, the
web's first year, or more than two days ahead of now) is dropped with its reason logged. An article without a
date is an undated article: what needs a time for it (ordering, the story index's time window) takes its fetch
time, as for any undated article.
"""

from __future__ import annotations

import email.utils
import logging
import re
from datetime import UTC, datetime, timedelta

from newsdesk.keys import utcnow

__all__ = ["EARLIEST", "FUTURE_SLACK", "article_time_text", "parse_date", "sane_date", "story_times_text"]

log = logging.getLogger(__name__)

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)  # no web publication is older
FUTURE_SLACK = timedelta(days=2)  # clocks and zones set wrong by a day; anything later is a typo or a trick
MAX_LENGTH = 100  # characters: the longest RFC 822 date with a zone comment is about 60

_ISO_FIELDS = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2})(?:[T ](\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?)?)?(?![\d-])")
_ISO_BASIC_ZONE = re.compile(r"([+-]\d{2})(\d{2})$")  # +0100 -> +01:00
_NUMERIC_ZONE = re.compile(r"(?<=[\d\s])([+-])(\d{2}):?(\d{2})$")
_FOUR_DIGITS = re.compile(r"(?<![\d+-])\d{4}(?!\d)")  # a year as written (not a zone such as +0100)
_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d", "%Y%m%d", "%Y%m%d%H%M%S",
            "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y")
MAX_ZONE = timedelta(hours=14)  # the widest offset in use (Kiribati, +14:00)


def parse_date(value: object, what: str = "date", *, plausible: bool = True) -> datetime | None:
    """The instant `value` names (timezone-aware, in the offset it was written with; no offset: UTC), or None
    when it is no date, is ambiguous, or is no plausible publication date (see the module docstring).
    Formats: ISO 8601 / W3C, RFC 822, a few common page formats, and the many feedparser knows.
    `what` names the date in the log line of a rejection ("https://a.example/feed: entry date").
    `plausible=False` keeps a valid instant however far ahead of now: for a file with a timeline of its own
    (`newsdesk cluster` records), where only the order and spacing of dates matter. Dates before 1990 stay
    dropped (year 1 is the zero time of many programs, not a date anyone wrote)."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > MAX_LENGTH:
        return None
    found, why = _read(text)
    if found is None:
        if why:
            log.info("%s %r dropped: %s", what, text, why)
        return None
    if (written := _FOUR_DIGITS.findall(text)) and str(found.year).zfill(4) not in written:
        log.info("%s %r dropped: its year was read as %d", what, text, found.year)
        return None
    # Ahead of now, a file's own timeline is trusted only with its year written out in four digits (no "99999"
    # read as some year).
    far_ok = not plausible and bool(written)
    return sane_date(found, what=f"{what} {text!r}", now=datetime.max.replace(tzinfo=UTC) - FUTURE_SLACK if far_ok
                     else None)


def sane_date(when: datetime | None, *, what: str = "date", now: datetime | None = None) -> datetime | None:
    """`when` (timezone-aware; naive is read as UTC) if it is a plausible publication date, between
    1990-01-01 and now + 2 days; else None, with the reason logged."""
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        instant = when.astimezone(UTC)
    except (OverflowError, ValueError):
        log.info("%s dropped: out of range", what)
        return None
    latest = (now or utcnow()) + FUTURE_SLACK
    if instant < EARLIEST:
        log.info("%s dropped: before %s", what, EARLIEST.date())
        return None
    if instant > latest:
        log.info("%s dropped: more than %d days ahead", what, FUTURE_SLACK.days)
        return None
    return when


def _read(text: str) -> tuple[datetime | None, str]:
    """The datetime `text` writes (naive: UTC) and, when none, why ("" when it is simply not a date)."""
    zone = _NUMERIC_ZONE.search(text)
    if zone is not None:
        hours, minutes = int(zone.group(2)), int(zone.group(3))
        if minutes >= 60 or timedelta(hours=hours, minutes=minutes) > MAX_ZONE:
            return None, f"no such zone {zone.group(0)}"
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        return _aware(datetime.fromisoformat(_ISO_BASIC_ZONE.sub(r"\1:\2", iso))), ""
    except ValueError:
        pass
    if (fields := _ISO_FIELDS.match(text)) is not None:
        # ISO-looking but refused above: a field is out of range (month 13), which the lenient parsers below
        # would roll over into another date.
        year, month, day, hour, minute, second = (int(g) if g else 0 for g in fields.groups())
        try:
            datetime(year, month or 1, day or 1)
        except ValueError:
            return None, "a field is out of range"
        if hour > 23 or minute > 59 or second > 60:
            return None, "a field is out of range"
    try:
        return _aware(email.utils.parsedate_to_datetime(text)), ""
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    for fmt in _FORMATS:
        try:
            return _aware(datetime.strptime(text, fmt)), ""
        except ValueError:
            continue
    from feedparser.datetimes import _parse_date as feedparser_date  # the last resort: loaded when first needed

    try:
        struct = feedparser_date(text)
    except Exception:  # noqa: BLE001 - third-party date handlers on hostile text: no date, never a crash
        struct = None
    if not struct:
        return None, ""
    try:
        return datetime(*struct[:6], tzinfo=UTC), ""
    except (TypeError, ValueError, OverflowError):
        return None, "out of range"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ---- times as readers are told them (the CLI and the feeds; the pages say the same with <time> tags) ---------


def _shown(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def story_times_text(first_published: datetime | None, last_published: datetime | None,
                     first_seen: datetime) -> str:
    """A story's time by publication: "first report ..., latest report ..." (or "reported ..." for one time);
    where none of its articles has a date, "date unknown" and when it was first seen, said so: a fetch or import
    time never reads as a publication time."""
    if first_published is None or last_published is None:
        return f"date unknown (first seen {_shown(first_seen)})"
    if first_published == last_published:
        return f"reported {_shown(first_published)}"
    return f"first report {_shown(first_published)}, latest report {_shown(last_published)}"


def article_time_text(published: datetime | None, fetched: datetime, received: str = "fetched") -> str:
    """An article's publication time, or "date unknown" with when it was `received` ("fetched", "imported")."""
    if published is not None:
        return _shown(published)
    return f"date unknown ({received} {_shown(fetched)})"
