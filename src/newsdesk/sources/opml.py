"""Read and write OPML subscription lists (the format feed readers import and export)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from urllib.parse import urlsplit

from newsdesk.errors import ParseError
from newsdesk.keys import utcnow
from newsdesk.sources.parse import safe_xml_fromstring

__all__ = ["OpmlOutline", "parse_opml", "write_opml"]

# Characters XML 1.0 cannot carry at all, even escaped.
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass
class OpmlOutline:
    """One subscription: the feed URL, its title, the site it belongs to, its folder path ("A/B")."""

    url: str
    title: str | None = None
    html_url: str | None = None
    category: str | None = None


def parse_opml(content: bytes) -> list[OpmlOutline]:
    """The subscriptions of an OPML document, nested outlines flattened in document order.

    An outline is a subscription when it has an http(s) xmlUrl; its category is the titles of the
    outlines around it joined by "/". Raises ParseError for anything that is not a readable OPML file.
    """
    if not content or not content.strip():
        raise ParseError("not an OPML document: the document is empty")
    root = safe_xml_fromstring(bytes(content), "OPML")
    if _local(root.tag) != "opml":
        raise ParseError(f"not an OPML document: the root element is <{_local(root.tag)}>, not <opml>")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise ParseError("not an OPML document: <opml> has no <body>")
    outlines: list[OpmlOutline] = []
    _collect(body, [], outlines)
    return outlines


def _collect(parent: ET.Element, path: list[str], out: list[OpmlOutline]) -> None:
    for element in parent:
        if _local(element.tag) != "outline":
            continue
        title = _attr(element, "text") or _attr(element, "title")
        url = _attr(element, "xmlUrl")
        if url and urlsplit(url).scheme.lower() in ("http", "https"):
            out.append(
                OpmlOutline(
                    url=url,
                    title=title,
                    html_url=_attr(element, "htmlUrl"),
                    category="/".join(path) or None,
                )
            )
        _collect(element, [*path, title] if title else path, out)


def _attr(element: ET.Element, name: str) -> str | None:
    """Attribute value, whitespace-trimmed; attribute names matched case-insensitively (xmlurl, XMLURL)."""
    value = element.get(name)
    if value is None:
        wanted = name.lower()
        value = next((v for k, v in element.attrib.items() if k.lower() == wanted), None)
    if value is None:
        return None
    return value.strip() or None


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def write_opml(outlines: list[OpmlOutline], title: str = "newsdesk sources") -> str:
    """An OPML 2.0 document listing `outlines`, categories written as nested folder outlines.

    Order is kept (a folder is reopened when its outlines are not adjacent), so that
    parse_opml(write_opml(x).encode()) == x for outlines whose titles and category parts contain no "/".
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_safe(title)
    ET.SubElement(head, "dateCreated").text = format_datetime(utcnow(), usegmt=True)
    body = ET.SubElement(root, "body")

    open_folders: list[tuple[str, ET.Element]] = []  # the folder path currently open, outermost first
    for outline in outlines:
        path = [part for part in (outline.category or "").split("/") if part.strip()]
        common = 0
        while common < min(len(path), len(open_folders)) and open_folders[common][0] == path[common]:
            common += 1
        del open_folders[common:]
        for part in path[common:]:
            parent = open_folders[-1][1] if open_folders else body
            folder = ET.SubElement(parent, "outline", text=_xml_safe(part))
            open_folders.append((part, folder))
        parent = open_folders[-1][1] if open_folders else body
        attrs = {"type": "rss", "text": _xml_safe(outline.title or "")}
        if outline.title:
            attrs["title"] = _xml_safe(outline.title)
        attrs["xmlUrl"] = _xml_safe(outline.url)
        if outline.html_url:
            attrs["htmlUrl"] = _xml_safe(outline.html_url)
        ET.SubElement(parent, "outline", attrs)

    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_safe(value: str) -> str:
    return _INVALID_XML_CHARS.sub("", value)
