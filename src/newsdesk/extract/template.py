"""What the pages of one site share, learned from its pages and taken out of the next ones (issue 17 item 1).

A site prints the same furniture around every article ("Follow us on ...", a newsletter box, a disclaimer,
a related-stories block) and decorates every title the same way ("... | The Daily Example", "... - 12.03.2025").
General rules miss much of it because each site words it differently; the site's own pages show it plainly.

- A *page observation* (`observe_page`) holds fingerprints of the page's text blocks: a short hash of the
  block's normalised text together with its element path (tags and classes, digits masked), so that a sentence
  counts as furniture only where it sits in the same place of the template: an article's lead quoted as a
  teaser on another page sits elsewhere and is not counted. It also holds fingerprints of the start and end
  segments of the page's titles (digits masked: a date in the title is one segment for every page).
- A *host template* (`HostTemplate`) counts, for one registered domain, on how many pages each fingerprint was
  seen. It is bounded (`max_blocks` entries, the rarest and oldest dropped first) and holds hashes only.
- `extract_article(..., template=...)` drops from the body the paragraphs whose fingerprint the template has
  seen on enough *other* pages (`min_pages` pages in all, this one included), unless that would take half the
  body's words or more (then the page is a copy or an update of a page seen before, not furniture), and strips
  a learned title start or end when it also names the site or leaves exactly the page's h1 or JSON-LD headline
  (and the site's name learned in its usual place before a part that changes: "| Site | by Jane Doe").
  A template that knows fewer pages than that changes nothing: a site seen once keeps the general rules.

The template passed in always describes *other* pages: the service learns a page after extracting it, and
`extract_pages` (several files given together) leaves each page out of the template it extracts that page with.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml.html import HtmlElement

from newsdesk.compression import GZIP_MAGIC, gunzip
from newsdesk.errors import NewsdeskError
from newsdesk.extract.titles import title_spans
from newsdesk.models import Article
from newsdesk.timebudget import check_deadline
from newsdesk.urls import registered_domain

if TYPE_CHECKING:  # article.py imports this module
    from newsdesk.extract.article import TemplateReading

__all__ = ["HostTemplate", "PageObservation", "extract_pages", "observe_page", "observe_tree", "page_blocks",
           "page_site", "page_site_of"]

MIN_PAGES = 2  # a block seen on this many pages of a site (the page at hand included) is the site's furniture
MAX_BLOCKS = 1000  # fingerprints kept per site
MAX_TITLE_SEGMENTS = 200
MAX_PAGE_BLOCKS = 3000  # blocks read from one page (a page of 50,000 list items is not read whole)
MAX_PAGE_ELEMENTS = 20_000  # elements walked in one page (the 305 benchmark pages have at most 4,100)
MAX_PAGE_TEXT = 2_000_000  # characters of block text read in one page
MAX_GZIP_BYTES = 50_000_000  # as article.py: a .html.gz file is inflated up to this much

# Elements whose text is one paragraph of the body as trafilatura prints it.
_BLOCK_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figcaption", "caption", "dt", "dd",
               "td", "th", "pre", "address", "summary", "div", "section")
_BLOCK_SET = set(_BLOCK_TAGS)
# A div or section is a paragraph only when nothing block-level is inside it.
_CONTAINERS = {"div", "section"}
_BLOCK_CHILDREN = {"p", "div", "section", "article", "ul", "ol", "dl", "table", "li", "h1", "h2", "h3", "h4", "h5",
                   "h6", "blockquote", "figure", "header", "footer", "aside", "main", "nav", "form", "pre"}
# Never part of a body (extract_body prunes them first): their blocks would only fill the template. Not <form>:
# some sites wrap the whole page in one.
_NOT_BODY = {"nav", "menu", "aside", "footer", "script", "style", "noscript", "template", "select", "button"}
_WORD = re.compile(r"\w+")
_DIGITS = re.compile(r"\d")


def _norm(text: str) -> str:
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def _hash(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode("utf-8", "replace"), digest_size=6).hexdigest()


def page_blocks(tree: HtmlElement) -> dict[str, tuple[str, ...]]:
    """The page's text blocks: normalised text -> fingerprints of where it stands (its text and its element path
    from <body>: tags and classes, digits masked, so that "post-123" is "post-000").

    Read from the tree as parsed, before anything prunes it, the same way for learning and for extracting; one
    walk down the tree, skipping what is never body text (navigation, asides, footers, forms)."""
    found: dict[str, tuple[str, ...]] = {}
    body = tree.find("body")
    stack: list[tuple[Any, str]] = [(child, "") for child in reversed(body if body is not None else tree)]
    count = visited = 0
    text_left = MAX_PAGE_TEXT  # nested blocks (a list in a list item) read their text again: bounded in all
    while stack and count < MAX_PAGE_BLOCKS and visited < MAX_PAGE_ELEMENTS and text_left > 0:
        el, parent = stack.pop()
        visited += 1
        if visited % 2000 == 0:
            check_deadline("reading the page's blocks")
        tag = el.tag
        if not isinstance(tag, str) or tag in _NOT_BODY:
            continue
        classes = el.get("class")
        signature = ".".join([tag, *sorted(_DIGITS.sub("0", classes).split())[:4]]) if classes else tag
        path = f"{parent}>{signature}"
        children = list(islice(el, max(0, MAX_PAGE_ELEMENTS - visited - len(stack))))  # only what will be walked
        if tag in _BLOCK_SET and not (tag in _CONTAINERS and any(
                isinstance(c.tag, str) and c.tag in _BLOCK_CHILDREN for c in children)):
            text = _norm(" ".join(el.itertext()))
            text_left -= len(text)
            if text:
                fp = _hash(path, text)
                known = found.get(text, ())
                if fp not in known:
                    found[text] = (*known, fp)
                count += 1
        stack.extend((c, path) for c in reversed(children))
    return found


def _spans(title: str) -> list[tuple[int, int]]:
    """Where the segments of a title start and end; empty ones left out."""
    return [(a, b) for a, b in title_spans(title) if title[a:b].strip()]


def _segments(title: str) -> list[str]:
    return [title[a:b] for a, b in _spans(title)]


def _masked(segments: list[str]) -> str:
    return "|".join(_DIGITS.sub("0", _norm(s)) for s in segments)


def title_fingerprints(title: str) -> set[str]:
    """Fingerprints of a title's last one and two segments and its first one and two (never the whole title), and
    of its second-to-last segment alone (a site's name before a part that changes: "| Site | by Jane Doe")."""
    parts = _segments(title)
    found = set()
    for k in (1, 2):
        if len(parts) > k:
            found.add(_hash("end", _masked(parts[-k:])))
            found.add(_hash("start", _masked(parts[:k])))
    if len(parts) > 2:
        found.add(_hash("next-to-end", _masked(parts[-2:-1])))
    return found


@dataclass(frozen=True)
class PageObservation:
    """What one page shows of its site's template: fingerprints only, no text."""

    host: str  # the registered domain of its canonical URL (or og:url, or the address given); "" when unknown
    blocks: frozenset[str]
    titles: frozenset[str]


def observe_page(html: bytes | str, url: str | None = None, charset: str | None = None) -> PageObservation:
    """The template fingerprints of one page. Raises ExtractionError when it is not an HTML page."""
    # article.py applies templates and imports this module; its loaders are taken when first needed
    from newsdesk.extract.article import _parse, _to_text

    text = _to_text(html, charset)
    return observe_tree(_parse(text), text, url)


def observe_tree(tree: HtmlElement, text: str, url: str | None = None,
                 blocks: dict[str, tuple[str, ...]] | None = None) -> PageObservation:
    """`observe_page` of a page already parsed (`text` its markup; `blocks` its `page_blocks`, when read already);
    read before extraction prunes the tree."""
    title_el = tree.find(".//title")
    heads = [" ".join(title_el.itertext()) if title_el is not None else ""]
    heads += [m.get("content") or "" for m in tree.iter("meta")
              if (m.get("property") or m.get("name") or "").strip().lower() == "og:title"]
    titles = set().union(*(title_fingerprints(h) for h in heads))
    fingerprints = frozenset(fp for fps in (page_blocks(tree) if blocks is None else blocks).values() for fp in fps)
    return PageObservation(host=page_site(text, url), blocks=fingerprints, titles=frozenset(titles))


_HEAD_TAG = re.compile(r"<(?:link|meta)\s[^>]*>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([\w:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")


def page_site(text: str, url: str | None = None) -> str:
    """The site of a page: the registered domain of its canonical URL, else of its og:url, else of `url` ("" when
    none is an absolute address). Read from the markup's <link> and <meta> tags without parsing the page, so that
    files of many sites given together are grouped for the cost of a scan."""
    canonical = og_url = None
    for tag in _HEAD_TAG.finditer(text):
        attributes = {k.lower(): a or b or c for k, a, b, c in _ATTRIBUTE.findall(tag.group(0))}
        if "canonical" in attributes.get("rel", "").lower().split() and attributes.get("href"):
            canonical = html_lib.unescape(attributes["href"]).strip()
            break
        if og_url is None and (attributes.get("property") or attributes.get("name") or "").lower() == "og:url":
            og_url = html_lib.unescape(attributes.get("content") or "").strip()
    for candidate in (canonical, og_url, url):
        if candidate and "://" in candidate:
            domain = registered_domain(candidate)
            if domain:
                return domain
    return ""


@dataclass
class HostTemplate:
    """One site's template: on how many of its pages each fingerprint was seen ([pages, last page number])."""

    pages: int = 0
    blocks: dict[str, list[int]] = field(default_factory=dict)
    titles: dict[str, list[int]] = field(default_factory=dict)
    min_pages: int = MIN_PAGES  # not stored: the setting of whoever uses the template

    # -- learning

    def learned(self, page: PageObservation, *, max_blocks: int = MAX_BLOCKS) -> HostTemplate:
        """A new template with `page` counted (this one is left as it is: readers may hold it)."""
        number = self.pages + 1
        blocks = _counted(self.blocks, page.blocks, number, max_blocks)
        titles = _counted(self.titles, page.titles, number, MAX_TITLE_SEGMENTS)
        return HostTemplate(number, blocks, titles, self.min_pages)

    def without(self, page: PageObservation) -> HostTemplate:
        """The template as it would be had `page` not been counted (to extract a page learned with the others)."""
        def minus(counts: dict[str, list[int]], fps: frozenset[str]) -> dict[str, list[int]]:
            out = dict(counts)
            for fp in fps:
                if fp in out:
                    seen, last = out[fp]
                    if seen > 1:
                        out[fp] = [seen - 1, last]
                    else:
                        del out[fp]
            return out

        return HostTemplate(max(0, self.pages - 1), minus(self.blocks, page.blocks), minus(self.titles, page.titles),
                            self.min_pages)

    # -- storing

    def to_json(self) -> dict[str, Any]:
        return {"version": 1, "pages": self.pages, "blocks": self.blocks, "titles": self.titles}

    @classmethod
    def from_json(cls, data: Any, *, min_pages: int = MIN_PAGES) -> HostTemplate:
        """The template stored as `to_json` wrote it; anything else (an older shape, a damaged row) is an empty one:
        a template is only ever a help."""
        if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("pages"), int):
            return cls(min_pages=min_pages)
        return cls(data["pages"], _counts(data.get("blocks")), _counts(data.get("titles")), min_pages)

    # -- using

    @property
    def active(self) -> bool:
        """Whether it knows enough other pages to change anything."""
        return self.min_pages > 0 and self.pages >= self.min_pages - 1

    def _shared(self, counts: dict[str, list[int]], fp: str) -> bool:
        seen = counts.get(fp)
        return seen is not None and seen[0] >= self.min_pages - 1

    def drop_furniture(self, body: str, blocks: dict[str, tuple[str, ...]]) -> str:
        """`body` (paragraphs separated by a blank line) without the paragraphs that stand, with the same text in
        the same place, on enough other pages of the site. `blocks` is `page_blocks` of this page."""
        if not self.active or not body:
            return body
        paragraphs = body.split("\n\n")
        kept = [p for p in paragraphs if not any(self._shared(self.blocks, fp) for fp in blocks.get(_norm(p), ()))]
        if len(kept) == len(paragraphs):
            return body
        words = sum(len(_WORD.findall(p)) for p in paragraphs)
        if sum(len(_WORD.findall(p)) for p in kept) * 2 <= words:
            return body  # most of it was seen before: a copy or an update of an earlier page, not furniture
        return "\n\n".join(kept)

    def strip_title(self, title: str, *, site_names: Iterable[str | None], headlines: Iterable[str | None]) -> str:
        """`title` without a start or end (one or two segments) seen on enough other pages of the site, when it
        also names the site (`site_names`: og:site_name, the publisher, the page's domain) or when what is left
        is exactly one of `headlines` (the h1, the JSON-LD headline). Anything else is kept: a kicker the site
        puts before many headlines ("Live:") is part of them."""
        if not self.active or not title:
            return title
        title = " ".join(title.split())
        spans = _spans(title)
        parts = [title[a:b] for a, b in spans]
        if len(parts) < 2:
            return title
        sites = {k for k in (_key(s) for s in site_names if s) if len(k) >= 2}
        heads = {_norm(h) for h in headlines if h}
        heads.discard("")
        for k in (2, 1):
            if len(parts) <= k:
                continue
            for where, cut, kept in (("end", parts[-k:], spans[:-k]), ("start", parts[:k], spans[k:])):
                remainder = title[kept[0][0]:kept[-1][1]].strip()
                if self._shared(self.titles, _hash(where, _masked(cut))):
                    if any(_names_site(segment, sites) for segment in cut) or _norm(remainder) in heads:
                        return remainder
                elif where == "end" and k == 2 and self._shared(self.titles, _hash("next-to-end", _masked(cut[:1]))):
                    # the site's name in its usual place, before a part that changes from page to page
                    if _names_site(cut[0], sites):
                        return remainder
        return title


def _key(name: str) -> str:
    """A site name or a domain as one run of letters and digits: "Global News", "globalnews.ca" -> globalnews,
    globalnewsca (the domain also gives its first label)."""
    return "".join(_WORD.findall(unicodedata.normalize("NFKC", name).casefold())).replace("_", "")


def _names_site(segment: str, sites: set[str]) -> bool:
    words = _norm(segment).split()
    if not words:
        return False
    joined = "".join(words)
    return any(joined == s or s in words or (len(s) >= 3 and joined.startswith(s))
               or (len(joined) >= 4 and s.startswith(joined)) for s in sites)


def _counts(value: Any) -> dict[str, list[int]]:
    if not isinstance(value, dict):
        return {}
    return {k: [int(v[0]), int(v[1])] for k, v in value.items()
            if isinstance(k, str) and isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) for x in v)}


def _counted(counts: dict[str, list[int]], fps: frozenset[str], number: int, limit: int) -> dict[str, list[int]]:
    out = dict(counts)
    for fp in fps:
        seen = out.get(fp)
        out[fp] = [seen[0] + 1, number] if seen else [1, number]
    if len(out) > limit:
        # what recurs stays; among the rest, what was seen last
        out = dict(sorted(out.items(), key=lambda kv: (kv[1][0], kv[1][1]), reverse=True)[:limit])
    return out


# --------------------------------------------------------------------------------------------------
# several pages given together (newsdesk extract)


def extract_pages(paths: list[Path], url: str | None = None, *, min_pages: int = MIN_PAGES,
                  max_blocks: int = MAX_BLOCKS) -> Iterator[tuple[Path, Article | NewsdeskError | OSError]]:
    """Extract each file, with the template of its site learned from the other files of that site.

    A scan finds each page's site (`page_site`: the registered domain of its canonical URL or og:url, else of
    `url`). Each page is extracted once; a page of a site with at least `min_pages` files has its fingerprints
    read on the way (`extract_observed`), and once every page is read its site's template, this page left out,
    is applied to it (`apply_template`): the same result as extracting it with that template, without parsing
    any page twice. A site with fewer files (or `min_pages` 0) gets no template: today's rules, and no extra cost
    but the scan. Yields (path, article) or (path, the error that stopped it), in the order given, once all are
    extracted."""
    from newsdesk.extract.article import apply_template, extract_article, extract_observed

    sites: dict[str, list[int]] = defaultdict(list)
    if min_pages > 0 and len(paths) >= min_pages:
        for i, path in enumerate(paths):
            try:
                site = page_site_of(path.read_bytes(), url)
            except OSError:
                continue  # reported when the page is extracted
            if site:
                sites[site].append(i)
    learning = {i for members in sites.values() if len(members) >= min_pages for i in members}
    done: dict[int, tuple[Article, TemplateReading] | NewsdeskError | OSError] = {}
    templates: dict[str, HostTemplate] = {}
    for i, path in enumerate(paths):
        try:
            if i in learning:
                article, reading = extract_observed(path.read_bytes(), url)
                done[i] = (article, reading)
                site = reading.observation.host
                templates[site] = templates.get(site, HostTemplate(min_pages=min_pages)).learned(
                    reading.observation, max_blocks=max_blocks)
            else:
                done[i] = extract_article(path.read_bytes(), url)
        except (NewsdeskError, OSError) as exc:
            done[i] = exc
    for i, path in enumerate(paths):
        found = done.pop(i)
        if isinstance(found, tuple):
            article, reading = found
            template = templates.get(reading.observation.host)
            found = apply_template(article, reading, template.without(reading.observation)) if template else article
        yield path, found


def page_site_of(content: bytes | str, url: str | None = None) -> str:
    """`page_site` of a page as stored or fetched (bytes, perhaps gzip-compressed); "" when it cannot be read."""
    try:
        return page_site(content if isinstance(content, str) else _raw_text(content), url)
    except NewsdeskError:
        return ""


def _raw_text(data: bytes) -> str:
    """The bytes of a file as text good enough to find its addresses in (a .gz file inflated, capped)."""
    if data.startswith(GZIP_MAGIC):
        data = gunzip(data, MAX_GZIP_BYTES)
    return data.decode("utf-8", "replace")
