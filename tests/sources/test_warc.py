"""iter_warc over archives written here with warcio's WARCWriter (and a hand-made ARC)."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from newsdesk.errors import ParseError
from newsdesk.sources.warc import WarcPage, iter_warc

PAGE = b"<html><head><title>Quay</title></head><body><p>The quay reopened today.</p></body></html>"
PAGE_2 = b"<html><body><p>Second page, after the others.</p></body></html>"


def _response(writer: WARCWriter, url: str, body: bytes, status: str = "200 OK", **headers: str) -> None:
    http_headers = StatusAndHeaders(
        status,
        [
            ("Content-Type", "text/html; charset=utf-8"),
            *[(k.replace("_", "-"), v) for k, v in headers.items()],
        ],
        protocol="HTTP/1.1",
    )
    writer.write_record(
        writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": "2024-02-03T04:05:06Z"},
        )
    )


def write_archive(path: Path, compress: bool) -> None:
    with path.open("wb") as handle:
        writer = WARCWriter(handle, gzip=compress)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsdesk tests"}))
        writer.write_record(
            writer.create_warc_record(
                "https://quay.example.com/news/reopened",
                "request",
                payload=io.BytesIO(b"GET /news/reopened HTTP/1.1\r\nHost: quay.example.com\r\n\r\n"),
            )
        )
        _response(writer, "https://quay.example.com/news/reopened", PAGE, Set_Cookie="a=1")
        image = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
        writer.write_record(
            writer.create_warc_record(
                "https://quay.example.com/logo.png",
                "response",
                payload=io.BytesIO(b"\x89PNG\r\n\x1a\nnot really"),
                http_headers=image,
            )
        )
        _response(writer, "https://quay.example.com/missing", b"<html>gone</html>", status="404 Not Found")
        _response(
            writer,
            "https://quay.example.com/news/compressed",
            gzip.compress(PAGE_2),
            Content_Encoding="gzip",
        )


@pytest.mark.parametrize("name, compress", [("crawl.warc", False), ("crawl.warc.gz", True)])
def test_only_html_200_responses_come_out(tmp_path: Path, name: str, compress: bool) -> None:
    path = tmp_path / name
    write_archive(path, compress)
    pages = list(iter_warc(path))
    assert [page.url for page in pages] == [
        "https://quay.example.com/news/reopened",
        "https://quay.example.com/news/compressed",
    ]
    first, second = pages
    assert isinstance(first, WarcPage)
    assert first.content == PAGE
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    assert first.headers["set-cookie"] == "a=1"
    assert all(key == key.lower() for key in first.headers)
    assert first.date == datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC)
    assert second.content == PAGE_2  # gzip Content-Encoding undone
    assert second.headers["content-encoding"] == "gzip"


def test_accepts_str_path(tmp_path: Path) -> None:
    path = tmp_path / "crawl.warc"
    write_archive(path, False)
    assert len(list(iter_warc(str(path)))) == 2


def test_whole_file_gzip_is_read(tmp_path: Path) -> None:
    plain = tmp_path / "crawl.warc"
    write_archive(plain, False)
    whole = tmp_path / "whole.warc.gz"
    whole.write_bytes(gzip.compress(plain.read_bytes()))  # one gzip member, not one per record
    assert [page.content for page in iter_warc(whole)] == [PAGE, PAGE_2]


def _arc_record(header: bytes, body: bytes) -> bytes:
    return header + b" " + str(len(body)).encode() + b"\n" + body + b"\n"


def write_arc(path: Path, compress: bool) -> None:
    version = b"1 0 newsdesk-tests\nURL IP-address Archive-date Content-type Archive-length\n\n"
    html = b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nServer: test\r\n\r\n" + PAGE
    gif = b"HTTP/1.0 200 OK\r\nContent-Type: image/gif\r\n\r\nGIF89a"
    records = [
        _arc_record(b"filedesc://" + path.name.encode() + b" 0.0.0.0 20240102030405 text/plain", version),
        _arc_record(b"http://arc.example.com/story 192.0.2.1 20240102030405 text/html", html),
        _arc_record(b"http://arc.example.com/pic.gif 192.0.2.1 20240102030406 image/gif", gif),
    ]
    path.write_bytes(b"".join(gzip.compress(r) for r in records) if compress else b"".join(records))


@pytest.mark.parametrize("name, compress", [("old.arc", False), ("old.arc.gz", True)])
def test_arc(tmp_path: Path, name: str, compress: bool) -> None:
    path = tmp_path / name
    write_arc(path, compress)
    (page,) = iter_warc(path)
    assert page.url == "http://arc.example.com/story"
    assert page.content == PAGE
    assert page.headers["server"] == "test"
    assert page.date == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


@pytest.mark.parametrize("name, compress", [("cut.warc", False), ("cut.warc.gz", True)])
def test_truncated_archive_raises_after_readable_records(tmp_path: Path, name: str, compress: bool) -> None:
    path = tmp_path / name
    write_archive(path, compress)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 40])  # cut inside the last record (the compressed page)
    pages = []
    with pytest.raises(ParseError) as caught:
        for page in iter_warc(path):
            pages.append(page)
    assert [page.url for page in pages] == ["https://quay.example.com/news/reopened"]
    message = str(caught.value)
    assert str(path) in message
    assert "offset" in message


def test_corrupt_archive_raises(tmp_path: Path) -> None:
    path = tmp_path / "junk.warc"
    write_archive(path, False)
    path.write_bytes(path.read_bytes() + b"#garbage-not-a-record#\r\n\r\n")
    pages = []
    with pytest.raises(ParseError, match=r"junk\.warc.*offset \d+"):
        for page in iter_warc(path):
            pages.append(page)
    assert len(pages) == 2


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ParseError, match="cannot open archive"):
        list(iter_warc(tmp_path / "absent.warc"))
