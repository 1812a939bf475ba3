"""Read HTML pages out of web archives (WARC, WARC.gz, ARC, ARC.gz) with warcio."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from newsdesk.dates import parse_date
from newsdesk.errors import ParseError

__all__ = ["WarcPage", "iter_warc"]

_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_READ_SIZE = 64 * 1024


@dataclass
class WarcPage:
    """One archived HTML response: its URL, its decoded body, its HTTP headers (lowercase keys)."""

    url: str
    content: bytes  # transfer and content encodings (chunked, gzip, deflate, br) already undone
    headers: dict[str, str]  # as recorded; duplicate headers joined with ", "
    date: datetime | None  # when it was archived (WARC-Date / ARC date), UTC


def iter_warc(path: str | Path) -> Iterator[WarcPage]:
    """Yield the HTML 200 responses of an archive, in file order.

    Requests, metadata, non-HTML and non-200 responses are skipped. A truncated or corrupt archive
    raises ParseError (naming the file and the byte offset) after the complete records before it.
    """
    path = Path(path)
    yielded = 0
    try:
        for page in _pages(path, whole_gzip=False):
            yielded += 1
            yield page
    except _WholeFileGzip:
        # `gzip file.warc` compresses the archive as one member instead of one member per record; warcio
        # will not read those record by record, so read it again through a plain gzip stream and go on.
        for index, page in enumerate(_pages(path, whole_gzip=True)):
            if index >= yielded:
                yield page


class _WholeFileGzip(Exception):
    pass


def _pages(path: Path, whole_gzip: bool) -> Iterator[WarcPage]:
    try:
        handle: Any = gzip.open(path, "rb") if whole_gzip else path.open("rb")
    except OSError as exc:
        raise ParseError(f"{path}: cannot open archive: {exc.strerror or exc}") from exc
    where = "uncompressed offset" if whole_gzip else "offset"
    with handle:
        records = ArchiveIterator(handle, arc2warc=True)
        iterator = iter(records)
        while True:
            # warcio finishes the previous record inside next(), so records.offset is read after it.
            try:
                record = next(iterator)
            except StopIteration:
                break
            except ArchiveLoadFailed as exc:
                if not whole_gzip and "non-chunked gzip" in str(exc):
                    raise _WholeFileGzip from exc
                raise _corrupt(path, where, records.offset, exc) from exc
            except Exception as exc:  # warcio raises many kinds: zlib.error, EOFError, ValueError ...
                raise _corrupt(path, where, records.offset, exc) from exc
            offset = records.offset
            if record.length is None:  # every WARC and ARC record states its length; a cut header does not
                raise ParseError(
                    f"{path}: archive truncated or corrupt at {where} {offset}: incomplete record header"
                )
            try:
                page = _page(record)
                missing = _missing_bytes(record)
            except Exception as exc:
                raise _corrupt(path, where, offset, exc) from exc
            if missing:
                raise ParseError(
                    f"{path}: archive truncated inside the record at {where} {offset} "
                    f"({missing} bytes missing)"
                )
            if page is not None:
                yield page
        # warcio stops quietly at a record whose header is cut short: look for data after the last record.
        # (A whole-file gzip stream that is cut short raises EOFError above instead.)
        end = records.offset
        if not whole_gzip and _has_data_after(handle, end):
            raise ParseError(f"{path}: archive truncated or corrupt at offset {end}: incomplete record")


def _corrupt(path: Path, where: str, offset: int, exc: BaseException) -> ParseError:
    detail = " ".join(str(exc).split())
    if not isinstance(exc, ArchiveLoadFailed):
        detail = f"unreadable record ({type(exc).__name__}: {detail})" if detail else type(exc).__name__
    return ParseError(f"{path}: corrupt or truncated archive at {where} {offset}: {detail}")


def _page(record: Any) -> WarcPage | None:
    if record.rec_type != "response" or record.http_headers is None:
        return None
    http = record.http_headers
    if http.get_statuscode() != "200":
        return None
    content_type = (http.get_header("content-type") or "").split(";", 1)[0].strip().lower()
    if content_type not in _HTML_TYPES:
        return None
    url = (record.rec_headers.get_header("WARC-Target-URI") or "").strip().strip("<>")
    if not url:
        return None
    headers: dict[str, str] = {}
    for name, value in http.headers:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    content = record.content_stream().read()
    return WarcPage(url=url, content=content, headers=headers, date=_warc_date(record))


def _warc_date(record: Any) -> datetime | None:
    found = parse_date(record.rec_headers.get_header("WARC-Date"), "WARC-Date")  # ARC: 14 digits, also read
    return found.astimezone(UTC) if found else None


def _missing_bytes(record: Any) -> int:
    """Read the record to its end; return how many bytes its header promised but the file did not hold."""
    while record.raw_stream.read(_READ_SIZE):
        pass
    return max(0, getattr(record.raw_stream, "limit", 0) or 0)


def _has_data_after(handle: Any, offset: int) -> bool:
    """Whether anything but blank lines or NUL padding follows `offset`."""
    handle.seek(offset)
    while chunk := handle.read(_READ_SIZE):
        if chunk.strip(b"\r\n\t \x00"):
            return True
    return False
