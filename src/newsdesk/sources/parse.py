"""Parse a fetched source document (feed, sitemap, sitemap index, HTML page) into a ParsedSource.

Pure functions over bytes: no network, no database. Everything a publisher sends is untrusted, so
documents that declare XML entities are refused before any XML parser sees them, gzip bodies are
decompressed under a size cap, and every failure is a ParseError with a message a user can act on.
"""

from __future__ import annotations

import codecs
import html as html_lib
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit
from xml.sax import SAXParseException

import defusedxml
import defusedxml.ElementTree as DET
import feedparser

from newsdesk.compression import GZIP_MAGIC, gunzip
from newsdesk.dates import parse_date
from newsdesk.encoding import decode_html
from newsdesk.errors import DecompressionError, ParseError
from newsdesk.models import FeedEntry, ParsedSource

__all__ = ["MAX_DECOMPRESSED_SIZE", "parse_source", "safe_xml_fromstring"]

MAX_DECOMPRESSED_SIZE = 50 * 1024 * 1024  # bytes a gzip body may inflate to

_NOT_A_SOURCE = "not a feed, sitemap or HTML page"

# Leading bytes of common binary formats, to name what was sent instead of a document.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x7fELF", "application/x-executable"),
    (b"OggS", "audio/ogg"),
    (b"ID3", "audio/mpeg"),
)
_BINARY_TYPES = {
    "application/pdf",
    "application/zip",
    "application/x-zip-compressed",
    "application/msword",
    "application/vnd.ms-excel",
    "application/x-shockwave-flash",
    "application/wasm",
}
_BINARY_MAJOR = ("image", "audio", "video", "font")
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_HTML_ROOTS = {"html", "head", "body", "meta", "title", "script", "style", "div", "p", "table", "a", "span"}
_FEED_LINK_TYPES = {
    "application/rss+xml",
    "application/atom+xml",
    "application/feed+json",
    "application/json",
}
_BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption", "figure",
    "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main", "nav", "ol", "p", "pre",
    "section", "table", "td", "th", "tr", "ul",
}  # fmt: skip
_IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif", ".bmp", ".svg")
_NON_IMAGE_EXTENSIONS = (
    ".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4", ".m4v", ".mov", ".webm",
    ".mkv", ".avi", ".pdf", ".zip", ".torrent",
)  # fmt: skip

_ROOT_NAME = re.compile(r"[A-Za-z_][\w.:-]*")
_DOCTYPE_NAME = re.compile(r"\s*([^\s\[>]+)")
_DOCTYPE_SUBSET_END = re.compile(r"\]\s*>")
_ENTITY_DECL = re.compile(r"<!ENTITY", re.IGNORECASE)
_XML_DECL_ENCODING = re.compile(r"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_ET_ERROR = re.compile(r"^(.*): line (\d+), column (\d+)$")
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!]|&(#\d+|#x[0-9A-Fa-f]+|[A-Za-z][A-Za-z0-9]*);")
_CHARREF = re.compile(rb"&#([xX][0-9A-Fa-f]{1,64}|[0-9]{1,64});")
_ASCII_PROBE = bytes(range(0x20, 0x7F)) + b"\t\r\n"
_EBCDIC_XML_DECL = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC


def parse_source(content: bytes, url: str, content_type: str = "") -> ParsedSource:
    """Detect what `content` is and read it.

    `url` is where the document was fetched (the base for relative links); `content_type` is the
    HTTP Content-Type header, charset included, when known. Raises ParseError when the document is
    not something we can read, or is unsafe to read.
    """
    content = bytes(content)
    media_type, charset = split_content_type(content_type)
    if not content.strip():
        raise ParseError(f"{_NOT_A_SOURCE}: the document is empty")
    if content.startswith(GZIP_MAGIC):
        try:
            content = gunzip(content, MAX_DECOMPRESSED_SIZE)
        except DecompressionError as exc:
            raise ParseError(str(exc)) from exc
        content_type, media_type, charset = "", "", None  # the header described the compressed file
        if not content.strip():
            raise ParseError(f"{_NOT_A_SOURCE}: the document is empty after gzip decompression")

    text, wide = _sniff_text(content)
    _refuse_binary(content, text, media_type, wide)
    if not wide:
        _refuse_unsafe_encoding(content, text, charset)

    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return _parse_json_feed(content, url)

    doctype, root = _scan_prolog(text)  # raises ParseError on entity declarations
    if root is None:
        sitemap = _parse_text_sitemap(stripped, url)
        if sitemap is not None:
            return sitemap
        what = media_type or "no content type"
        raise ParseError(f"{_NOT_A_SOURCE}: no markup or JSON found ({what})")

    name = root.lower()
    local = name.rsplit(":", 1)[-1]
    if doctype == "html" or name in _HTML_ROOTS:
        return _parse_html(content, url, charset, wide)
    if local == "urlset":
        return _parse_sitemap(content, url, charset, wide)
    if local == "sitemapindex":
        return _parse_sitemap_index(content, url, charset, wide)
    if local == "opml":
        raise ParseError(f"{_NOT_A_SOURCE}: this is an OPML subscription list; import it as sources")
    return _parse_feed(content, url, content_type, media_type, root, wide)


# ---------------------------------------------------------------------------------------------------------
# Safety and sniffing


def split_content_type(content_type: str) -> tuple[str, str | None]:
    """(media type, charset) of a Content-Type header value, both lowercase."""
    media_type, _, params = (content_type or "").partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip("\"'").lower() or None
    return media_type.strip().lower(), charset


def _sniff_text(content: bytes) -> tuple[str, bool]:
    """Text good enough to find the markup structure; `wide` when the document is UTF-16/32."""
    for bom, encoding in (
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace"), True
    if content.startswith(b"<\x00?\x00") or content.startswith(b"<\x00!\x00"):
        return content.decode("utf-16-le", errors="replace"), True
    if content.startswith(b"\x00<\x00?") or content.startswith(b"\x00<\x00!"):
        return content.decode("utf-16-be", errors="replace"), True
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    # latin-1 maps every byte to one character, so ASCII markup reads the same in any ASCII-compatible
    # encoding (UTF-8, windows-125x, ISO-8859-x ...); the real decoding is the parsers' business.
    return content.decode("latin-1"), False


def _refuse_binary(content: bytes, text: str, media_type: str, wide: bool) -> None:
    label = next((name for magic, name in _MAGIC if content.startswith(magic)), None)
    if label is None and media_type:
        major = media_type.split("/", 1)[0]
        if media_type in _BINARY_TYPES or (major in _BINARY_MAJOR and "xml" not in media_type):
            label = media_type
        elif media_type == "application/octet-stream":
            # Misconfigured servers send feeds as octet-stream: accept it only when it reads as markup/JSON.
            if (not wide and b"\x00" in content) or text.lstrip("\ufeff \t\r\n")[:1] not in ("<", "{", "["):
                label = media_type
    if label is None and not wide and b"\x00" in content:
        label = "contains NUL bytes"
    if label is not None:
        raise ParseError(f"{_NOT_A_SOURCE}: looks like binary data ({label})")


def _refuse_unsafe_encoding(content: bytes, text: str, charset: str | None) -> None:
    """Refuse encodings that hide markup from a byte scan (UTF-7, EBCDIC) and could smuggle a DTD past it."""
    if content.startswith(_EBCDIC_XML_DECL):
        raise ParseError("refused: the document is EBCDIC-encoded, which is not ASCII-compatible")
    declared = _XML_DECL_ENCODING.match(text)
    for encoding in (declared.group(1) if declared else None, charset):
        if not encoding:
            continue
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            continue  # unknown names are ignored by the parsers, which fall back to UTF-8/windows-1252
        if name.startswith(("utf-16", "utf-32")):
            continue
        try:
            compatible = _ASCII_PROBE.decode(name) == _ASCII_PROBE.decode("ascii")
        except (UnicodeError, LookupError):
            compatible = False
        if not compatible:
            raise ParseError(f"refused: the document's encoding {encoding!r} is not ASCII-compatible")


def _scan_prolog(text: str) -> tuple[str | None, str | None]:
    """Walk the prolog: return the DOCTYPE name and the root element name (None when absent).

    Raises ParseError when a DOCTYPE internal subset declares entities (billion laughs, external
    entities): no XML parser gets to see such a document. A DOCTYPE without an internal subset,
    like RSS 0.91's public Netscape DTD, is fine: nothing fetches external DTDs.
    """
    doctype: str | None = None
    pos = 0
    while True:
        pos = text.find("<", pos)
        if pos < 0:
            return doctype, None
        if text.startswith("<?", pos):
            end = text.find("?>", pos + 2)
            if end < 0:
                return doctype, None
            pos = end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos + 4)
            if end < 0:
                return doctype, None
            pos = end + 3
        elif text[pos : pos + 9].upper() == "<!DOCTYPE":
            doctype, pos = _scan_doctype(text, pos + 9)
        else:
            match = _ROOT_NAME.match(text, pos + 1)
            if match:
                return doctype, match.group(0)
            pos += 1  # stray '<' in leading junk: keep looking


def _scan_doctype(text: str, pos: int) -> tuple[str, int]:
    match = _DOCTYPE_NAME.match(text, pos)
    name = match.group(1).lower() if match else ""
    i = match.end() if match else pos
    quote = None
    while i < len(text):
        char = text[i]
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == "[":
            end = _DOCTYPE_SUBSET_END.search(text, i)
            if end is None:
                raise ParseError("malformed XML: the DOCTYPE internal subset is never closed")
            if _ENTITY_DECL.search(text, i, end.start()):
                raise ParseError(
                    "refused: the document declares XML entities in its DOCTYPE "
                    "(entity expansion and external entities are not allowed)"
                )
            return name, end.end()
        elif char == ">":
            return name, i + 1
        i += 1
    raise ParseError("malformed XML: the DOCTYPE declaration is never closed")


def safe_xml_fromstring(content: bytes, what: str = "XML") -> ET.Element:
    """Parse XML with defusedxml (no entity declarations, no external references); ParseError on failure."""
    try:
        return DET.fromstring(content, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden) as exc:
        raise ParseError(
            f"refused: the {what} document declares XML entities or external references ({exc})"
        ) from exc
    except defusedxml.DefusedXmlException as exc:
        raise ParseError(f"refused: unsafe {what} document ({exc})") from exc
    except (LookupError, ValueError) as exc:  # unknown encoding="..." in the XML declaration, and the like
        raise ParseError(f"malformed {what}: {exc}") from exc
    except ET.ParseError as exc:
        message = str(exc)
        match = _ET_ERROR.match(message)
        if match:
            reason, line, column = match.group(1), int(match.group(2)), int(match.group(3)) + 1
            raise ParseError(f"malformed {what} at line {line}, column {column}: {reason}") from exc
        raise ParseError(f"malformed {what}: {message}") from exc


def _xml_bytes(content: bytes, charset: str | None, wide: bool) -> bytes:
    """Apply the HTTP charset when the document itself declares none (no BOM, no encoding="...")."""
    if wide or not charset or content.startswith(codecs.BOM_UTF8):
        return content
    head = content[:512].decode("latin-1")
    if _XML_DECL_ENCODING.match(head):
        return content
    try:
        name = codecs.lookup(charset).name
    except LookupError:
        return content
    if name in ("utf-8", "ascii"):
        return content
    text = content.decode(name, errors="replace")
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text, count=1)
    return text.encode("utf-8")


# ---------------------------------------------------------------------------------------------------------
# Text, URLs, dates


class _TextExtractor(HTMLParser):
    """Plain text of an HTML fragment: tags dropped, entities decoded, script/style skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "template"):
            self._skip += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _collapse(text: str | None) -> str | None:
    if not text:
        return None
    return " ".join(text.split()) or None


def _strip_html(fragment: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(fragment)
        if parser.rawdata.startswith("<"):
            # A tag, comment or declaration left unfinished runs to the end, as HTML (and Python's parser since
            # 3.11.13) reads it: dropped. close() would read it as text one "<" at a time, rescanning the rest
            # each time: 30,000 "<a " took a minute.
            parser.rawdata = ""
        parser.close()
    except (AssertionError, ValueError):  # very odd markup: keep what was read
        pass
    return "".join(parser.parts)


def _clean_text(value: Any, html: bool | None = None) -> str | None:
    """Plain single-line text. html=None: treat as HTML only when it looks like markup or has entities."""
    if not isinstance(value, str):
        return None
    if html is None:
        html = bool(_LOOKS_LIKE_MARKUP.search(value))
    return _collapse(_strip_html(value) if html else value)


def _abs_http(ref: Any, base: str) -> str | None:
    """`ref` resolved against `base`, when the result is an http(s) URL with a host."""
    if not isinstance(ref, str):
        return None
    ref = ref.strip()
    if not ref:
        return None
    try:
        resolved = urljoin(base, ref) if base else ref
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return resolved


def _is_abs_http(value: Any) -> bool:
    return _abs_http(value, "") is not None


def _parse_date(value: Any, entry_url: str) -> datetime | None:
    """A publication date as a timezone-aware UTC datetime, or None (newsdesk.dates: strict, and sane)."""
    found = parse_date(value, f"{entry_url}: feed date")
    return found.astimezone(UTC) if found else None


def _guid(value: Any) -> str | None:
    """An entry id as a string; JSON Feed 1.0 publishers sometimes send numbers."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value).strip() or None


def _dedupe(values: Iterable[str | None]) -> list[str]:
    seen: dict[str, None] = {}
    for value in values:
        if value and value not in seen:
            seen[value] = None
    return list(seen)


def _dedupe_entries(entries: Iterable[FeedEntry]) -> list[FeedEntry]:
    kept: dict[str, FeedEntry] = {}
    for entry in entries:
        kept.setdefault(entry.url, entry)
    return list(kept.values())


def _url_extension(url: str) -> str:
    path = urlsplit(url).path.lower()
    dot = path.rfind(".")
    return path[dot:] if dot > path.rfind("/") else ""


# ---------------------------------------------------------------------------------------------------------
# RSS and Atom (feedparser)


def _parse_feed(
    content: bytes, url: str, content_type: str, media_type: str, root: str, wide: bool
) -> ParsedSource:
    headers = {"content-type": content_type} if content_type else {}
    # No content-location: links come back as written (resolved against xml:base only) so we can tell a
    # relative permalink guid from an opaque one; we resolve against the document URL ourselves.
    try:
        parsed = feedparser.parse(
            content if wide else _fix_charrefs(content),
            response_headers=headers,
            sanitize_html=False,
            resolve_relative_uris=False,
        )
    except Exception as exc:  # feedparser's lenient parser has crashes on hostile input; report, don't raise
        raise ParseError(f"unreadable feed: the feed parser failed ({type(exc).__name__}: {exc})") from exc
    version = parsed.get("version") or ""
    feed = parsed.get("feed") or {}
    language = _collapse(feed.get("language"))
    entries = [e for e in (_feed_entry(item, url, language) for item in parsed.entries) if e is not None]
    if not entries:
        # Broken XML is an error only when it leaves nothing usable: feedparser is lenient on purpose.
        exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
        if isinstance(exc, SAXParseException):
            raise ParseError(
                f"malformed XML at line {exc.getLineNumber()}, column {exc.getColumnNumber() + 1}: "
                f"{exc.getMessage()}"
            )
        if not version and not parsed.entries:
            if media_type in _HTML_TYPES:
                return _parse_html(content, url, split_content_type(content_type)[1], wide)
            raise ParseError(f"{_NOT_A_SOURCE}: unrecognised XML root element <{root}>")
        # A well-formed feed with no items is just quiet; other bozo reasons (a text/plain content type,
        # an encoding override) are not fatal.

    title_detail = feed.get("title_detail") or {}
    return ParsedSource(
        kind="atom" if version.startswith("atom") else "rss",
        title=_clean_text(feed.get("title"), _is_html_detail(title_detail)),
        entries=_dedupe_entries(entries),
        language=language,
    )


def _fix_charrefs(content: bytes) -> bytes:
    """Numeric character references beyond Unicode (they crash feedparser's loose parser) become U+FFFD."""

    def replace(match: re.Match[bytes]) -> bytes:
        digits = match.group(1)
        try:
            value = int(digits[1:], 16) if digits[:1] in (b"x", b"X") else int(digits)
        except ValueError:
            return b"&#xFFFD;"
        return match.group(0) if value <= 0x10FFFF else b"&#xFFFD;"

    return _CHARREF.sub(replace, content)


def _is_html_detail(detail: Mapping[str, Any]) -> bool:
    return (detail.get("type") or "") in ("text/html", "application/xhtml+xml")


def _feed_entry(item: Mapping[str, Any], url: str, language: str | None) -> FeedEntry | None:
    link = item.get("link")
    if item.get("guidislink") and not _is_abs_http(link):
        link = None  # an opaque guid (isPermaLink by default) is not a link
    link = _abs_http(link, url)
    if link is None:
        for candidate in item.get("links") or []:
            if candidate.get("rel", "alternate") == "alternate":
                link = _abs_http(candidate.get("href"), url)
                if link:
                    break
    if link is None:
        return None

    title_detail = item.get("title_detail") or {}
    detail_base = title_detail.get("base") or (item.get("summary_detail") or {}).get("base") or ""
    base = urljoin(url, detail_base) if detail_base else url

    published = None
    for key in ("published", "updated", "created"):
        # dict.get: FeedParserDict.get("published") falls back to "updated" with a DeprecationWarning
        published = _parse_date(dict.get(item, key), link)
        if published is not None:
            break

    authors = []
    for author in item.get("authors") or []:
        if isinstance(author, Mapping):
            authors.append(_clean_text(author.get("name") or author.get("email")))
    if not any(authors):
        authors.append(_clean_text(item.get("author")))

    # feedparser copies an Atom entry's only <content> into `summary` without a summary_detail: its type is then
    # that content's (an HTML content read as text kept its tags).
    contents = item.get("content") or []
    summary_detail = item.get("summary_detail") or next(
        (c for c in contents if c.get("value") == item.get("summary")), {})
    summary = _clean_text(item.get("summary"), _is_html_detail(summary_detail)) if "summary" in item else None
    if summary is None:
        for content in contents:
            summary = _clean_text(content.get("value"), _is_html_detail(content))
            if summary:
                break

    # The longest <content> is the full text (an entry may carry a short one beside it); plain text is made HTML.
    bodies = [_as_html(c.get("value"), _is_html_detail(c) or "html" in (c.get("type") or "")) for c in contents]
    return FeedEntry(
        url=link,
        title=_clean_text(item.get("title"), _is_html_detail(title_detail)),
        published=published,
        authors=_dedupe(authors),
        summary=summary,
        image=_feed_entry_image(item, base),
        language=language or _collapse(title_detail.get("language")),
        guid=_guid(item.get("id")),
        content=max((b for b in bodies if b), key=len, default=None),
    )


def _as_html(value: Any, html: bool) -> str | None:
    """An item's full text as HTML: markup kept as sent (the collector extracts it as it extracts a page), plain
    text escaped, its blank lines made paragraphs."""
    if not isinstance(value, str) or not value.strip():
        return None
    if html:
        return value
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", value))
    return "".join(f"<p>{html_lib.escape(p)}</p>" for p in paragraphs if p)


def _feed_entry_image(item: Mapping[str, Any], base: str) -> str | None:
    """The entry's picture: media:content images (widest first), media:thumbnail, image enclosures."""
    media: list[tuple[int, str]] = []
    for content in item.get("media_content") or []:
        href = _abs_http(content.get("url"), base)
        if href is None:
            continue
        medium = (content.get("medium") or "").lower()
        mime = (content.get("type") or "").lower()
        if medium == "image" or mime.startswith("image/"):
            pass
        elif medium or mime or _url_extension(href) in _NON_IMAGE_EXTENSIONS:
            continue
        try:
            width = int(content.get("width") or 0)
        except ValueError:
            width = 0
        media.append((width, href))
    if media:
        return max(media, key=lambda pair: pair[0])[1]
    for thumbnail in item.get("media_thumbnail") or []:
        href = _abs_http(thumbnail.get("url"), base)
        if href:
            return href
    for link in item.get("links") or []:
        if link.get("rel") != "enclosure":
            continue
        href = _abs_http(link.get("href"), base)
        mime = (link.get("type") or "").lower()
        if href and (mime.startswith("image/") or (not mime and _url_extension(href) in _IMAGE_EXTENSIONS)):
            return href
    image = item.get("image")
    if isinstance(image, Mapping):
        return _abs_http(image.get("href") or image.get("url"), base)
    return None


# ---------------------------------------------------------------------------------------------------------
# JSON Feed


def _parse_json_feed(content: bytes, url: str) -> ParsedSource:
    try:
        document = json.loads(content)
    except UnicodeDecodeError as exc:
        raise ParseError(f"invalid JSON: not UTF-8/16/32 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    except RecursionError as exc:
        raise ParseError("invalid JSON: nested too deeply") from exc
    if not isinstance(document, dict):
        raise ParseError(f"not a JSON Feed: the top level is a JSON {type(document).__name__}, not an object")
    version = document.get("version")
    is_jsonfeed = isinstance(version, str) and "jsonfeed.org/version/" in version
    if "items" not in document:
        if is_jsonfeed:
            raise ParseError("JSON Feed missing 'items'")
        raise ParseError("not a JSON Feed: no 'version' (https://jsonfeed.org/version/...) and no 'items'")
    items = document["items"]
    if not isinstance(items, list):
        raise ParseError(f"JSON Feed 'items' is a {type(items).__name__}, not a list")

    language = _collapse(document.get("language")) if isinstance(document.get("language"), str) else None
    feed_authors = _json_authors(document)
    entries = []
    for item in items:
        if not isinstance(item, dict):
            continue
        link = _abs_http(item.get("url"), url) or _abs_http(item.get("external_url"), url)
        if link is None:
            continue
        summary = _clean_text(item.get("summary"))
        if summary is None:
            summary = _clean_text(item.get("content_text"), html=False)
        if summary is None:
            summary = _clean_text(item.get("content_html"), html=True)
        item_language = item.get("language")
        entries.append(
            FeedEntry(
                url=link,
                title=_clean_text(item.get("title")),
                published=_parse_date(item.get("date_published"), link) or _parse_date(item.get("date_modified"),
                                                                                       link),
                authors=_json_authors(item) or feed_authors,
                summary=summary,
                image=_abs_http(item.get("image"), url) or _abs_http(item.get("banner_image"), url),
                language=_collapse(item_language) if isinstance(item_language, str) else language,
                guid=_guid(item.get("id")),
                content=_as_html(item.get("content_html"), True) or _as_html(item.get("content_text"), False),
            )
        )
    return ParsedSource(
        kind="jsonfeed",
        title=_clean_text(document.get("title")),
        entries=_dedupe_entries(entries),
        language=language,
    )


def _json_authors(obj: Mapping[str, Any]) -> list[str]:
    """JSON Feed 1.1 `authors` (a list) or 1.0 `author` (an object)."""
    authors = obj.get("authors")
    if not isinstance(authors, list):
        author = obj.get("author")
        authors = [author] if isinstance(author, dict) else []
    return _dedupe(_clean_text(a.get("name")) for a in authors if isinstance(a, dict))


# ---------------------------------------------------------------------------------------------------------
# Sitemaps


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""  # comments and processing instructions
    return tag.rsplit("}", 1)[-1]


def _namespace(tag: Any) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _child(element: ET.Element, local: str, namespace_hint: str | None = None) -> ET.Element | None:
    for child in element:
        if _local(child.tag) == local and (namespace_hint is None or namespace_hint in _namespace(child.tag)):
            return child
    return None


def _child_text(element: ET.Element | None, local: str) -> str | None:
    if element is None:
        return None
    child = _child(element, local)
    if child is None or child.text is None:
        return None
    return child.text.strip() or None


def _parse_sitemap(content: bytes, url: str, charset: str | None, wide: bool) -> ParsedSource:
    root = safe_xml_fromstring(_xml_bytes(content, charset, wide), "sitemap XML")
    entries = []
    for element in root:
        if _local(element.tag) != "url":
            continue
        loc = _abs_http(_child_text(element, "loc"), url)
        if loc is None:
            continue
        news = _child(element, "news", "news")
        publication = _child(news, "publication") if news is not None else None
        image = _child(element, "image", "image")
        published = _parse_date(_child_text(news, "publication_date"), loc) or _parse_date(
            _child_text(element, "lastmod"), loc
        )
        entries.append(
            FeedEntry(
                url=loc,
                title=_clean_text(_child_text(news, "title")),
                published=published,
                image=_abs_http(_child_text(image, "loc"), url),
                language=_collapse(_child_text(publication, "language")),
            )
        )
    return ParsedSource(kind="sitemap", entries=_dedupe_entries(entries))


def _parse_sitemap_index(content: bytes, url: str, charset: str | None, wide: bool) -> ParsedSource:
    root = safe_xml_fromstring(_xml_bytes(content, charset, wide), "sitemap index XML")
    children = (
        _abs_http(_child_text(element, "loc"), url) for element in root if _local(element.tag) == "sitemap"
    )
    return ParsedSource(kind="sitemapindex", sitemaps=_dedupe(children))


def _parse_text_sitemap(text: str, url: str) -> ParsedSource | None:
    """A plain-text sitemap (one absolute URL a line, as sitemaps.org allows), or None if it is not one."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines or not all(_is_abs_http(line) and " " not in line for line in lines):
        return None
    return ParsedSource(kind="sitemap", entries=_dedupe_entries(FeedEntry(url=line) for line in lines))


# ---------------------------------------------------------------------------------------------------------
# HTML pages: feed autodiscovery


class _FeedLinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.base: str | None = None
        self.hrefs: list[tuple[int, str]] = []  # (preference, href)
        self.title_parts: list[str] = []
        self._in_title = False
        self._title_done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {key.lower(): value or "" for key, value in attrs}
        if tag == "base" and self.base is None and values.get("href", "").strip():
            self.base = values["href"].strip()
        elif tag == "link":
            rels = values.get("rel", "").lower().split()
            mime = values.get("type", "").split(";", 1)[0].strip().lower()
            if "alternate" in rels and mime in _FEED_LINK_TYPES and values.get("href", "").strip():
                # Bare application/json last: WordPress advertises its REST API with it on every page.
                self.hrefs.append((int(mime == "application/json"), values["href"]))
        elif tag == "title" and not self._title_done:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "title" and self._in_title:
            self._in_title = False
            self._title_done = True

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title_parts.append(data)


def _decode_html(content: bytes, charset: str | None, wide: bool) -> str:
    if wide and not content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        # UTF-16 without a byte order mark: the NUL bytes tell which half comes first.
        return content.decode("utf-16-be" if content.startswith(b"\x00") else "utf-16-le", errors="replace")
    return decode_html(content, charset)


def _parse_html(content: bytes, url: str, charset: str | None, wide: bool) -> ParsedSource:
    finder = _FeedLinkFinder()
    try:
        finder.feed(_decode_html(content, charset, wide))
        finder.close()
    except (AssertionError, ValueError):  # very odd markup: keep what was read
        pass
    base = url
    if finder.base:
        try:
            base = urljoin(url, finder.base) if url else finder.base
        except ValueError:
            base = url
    links = _dedupe(_abs_http(href, base) for _, href in sorted(finder.hrefs, key=lambda pair: pair[0]))
    return ParsedSource(kind="html", title=_collapse("".join(finder.title_parts)), feed_links=links)
