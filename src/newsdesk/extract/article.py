"""Article extraction: clean body text and metadata from one HTML page.

Body text comes from trafilatura (precision mode, comments off, with its readability/jusText fallbacks)
on a tree pruned of what is never article text (scripts, styles, SVG, navigation, form controls,
figures, text for screen readers only, lists that are mostly links), with ruby readings written out and
an article body that the page splits into same-class chunks joined first. A second, balanced pass runs
when the first found little of the page's text. Then light post-processing: the headline and a leading
byline/date line are not repeated in the body, and short call-to-action and credit lines (share,
subscribe, newsletter, "Read more: ...", "Reporting by ...", and their kin in many languages:
``boilerplate.py``) are dropped. A page whose markup holds no article (built by JavaScript) gets its body
from a script payload (``payload.py``) or JSON-LD ``articleBody``; mis-decoded text ("sanciÃ³n") is
repaired (``newsdesk.encoding.repair_mojibake``). Measured on the Zyte
article-extraction benchmark by ``bench/extraction.py`` (what was tried, and what each step gives).

Metadata is read from the page's own markup (JSON-LD, Open Graph and other <meta> tags, <link>,
<html lang>, <time>, rel=author / itemprop=author / byline elements), with htmldate as the last resort
for the date. A feed entry given as ``hint`` fills what the page lacks; the page wins where both have it.
"""

from __future__ import annotations

import html
import json
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from difflib import SequenceMatcher
from functools import cache
from importlib import resources
from typing import Any

from lxml import etree
from lxml.html import HtmlElement, HTMLParser, document_fromstring

from newsdesk.compression import GZIP_MAGIC, gunzip
from newsdesk.dates import parse_date
from newsdesk.encoding import decode_html, repair_mojibake
from newsdesk.errors import DecompressionError, ExtractionError
from newsdesk.extract.boilerplate import is_boilerplate_line
from newsdesk.extract.payload import MIN_WORDS as MIN_PAYLOAD_WORDS
from newsdesk.extract.payload import article_html_in_scripts
from newsdesk.extract.template import HostTemplate, PageObservation, observe_tree, page_blocks
from newsdesk.extract.titles import TITLE_SEPARATORS, strip_title_decoration, title_segments
from newsdesk.genre import detect_genre
from newsdesk.models import Article, FeedEntry
from newsdesk.text import guess_language
from newsdesk.urls import canonicalize_url, host_of, registered_domain

__all__ = ["extract_article", "article_to_contract", "extract_body"]

LOGGER = logging.getLogger(__name__)

MAX_DOCUMENT_CHARS = 20_000_000  # a page larger than this is cut
MAX_GZIP_BYTES = 50_000_000

_PARSER = HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False, default_doctype=False)
_INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_TAG = re.compile(r"<(?:!doctype|[a-zA-Z][a-zA-Z0-9:-]*)[\s>/]", re.IGNORECASE)
_FIRST_TAG = re.compile(
    r"^\s*(?:<\?xml[^>]*>\s*|<!--.*?-->\s*|<!doctype[^>]*>\s*|<\?xml-stylesheet[^>]*>\s*)*<([a-zA-Z][\w:.-]*)",
    re.IGNORECASE | re.DOTALL,
)
_NOT_HTML_ROOTS = {"rss", "feed", "rdf:rdf", "urlset", "sitemapindex", "opml", "svg", "kml", "gpx"}
# attributes this long are junk or an attack; trafilatura runs regexes over class/id/style many times
_HUGE_ATTRIBUTES = etree.XPath(
    "//*[string-length(@class) > 1000 or string-length(@id) > 1000 or string-length(@style) > 1000]"
)
_ALL_PARAGRAPHS = etree.XPath("count(//p)")
_FURNITURE_PARAGRAPHS = etree.XPath("count(//aside//p | //footer//p)")
_FIGURE_PARAGRAPHS = etree.XPath("count(//figure//p)")
_WORD = re.compile(r"\w+")
# the class names that CSS frameworks use for text hidden from sight and kept for screen readers
_SCREEN_READER_CLASSES = ("visually-hidden", "visuallyhidden", "sr-only", "screen-reader-text", "a11y-hidden")
_SCREEN_READER_SET = frozenset(_SCREEN_READER_CLASSES)

_CONTROL_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f]")
# [^<>]: an unclosed "<" stops at the next one instead of scanning to the end (linear on junk)
_HTML_TAG = re.compile(r"<[^<>]*>")
_HTML_BLOCK_TAG = re.compile(r"</?(?:p|br|div|h[1-6]|li|blockquote|figure|figcaption|tr)\b[^<>]*>", re.IGNORECASE)


# --------------------------------------------------------------------------------------------------
# body extraction settings (bench/extraction.py documents what was tried and what each gave)


@dataclass
class BodySettings:
    """How the body text is extracted; the defaults are the measured best."""

    favor_precision: bool = True
    favor_recall: bool = False
    fast: bool = False
    include_tables: bool = True
    # second pass in balanced mode when the first found little of the page's text
    retry_short: bool = True
    retry_max_chars: int = 1000
    retry_page_share: float = 0.25
    retry_gain: float = 2.0
    strip_headline: bool = True
    strip_leading_meta: bool = True
    drop_boilerplate_lines: bool = True
    # elements removed from the raw tree first: never article text, and they slow every XPath pass
    prune_tags: tuple[str, ...] = (
        "script", "style", "svg", "template", "link", "meta", "iframe", "button", "select", "option",
        "input", "textarea", "canvas", "object", "embed", "nav", "menu",
    )
    prune_page_furniture: bool = True
    # <figure>: pictures, their captions and credits, embedded media; trafilatura's main pass leaves them
    # out, its fallbacks did not
    prune_figures: bool = True
    # text only screen readers get ("Article content", "Advertisement", "Skip to main content")
    prune_screen_reader_text: bool = True
    # an article body split into several sibling containers of one class is joined into the first
    merge_body_chunks: bool = True
    # a <ul>/<ol> whose text is mostly link text is a list of other articles, not part of this one
    prune_link_lists: bool = True
    link_list_share: float = 0.8
    extra: dict[str, Any] = field(default_factory=dict)


SETTINGS = BodySettings()


# --------------------------------------------------------------------------------------------------
# public API


def extract_article(
    html: bytes | str,
    url: str | None = None,
    *,
    hint: FeedEntry | None = None,
    charset: str | None = None,
    template: HostTemplate | None = None,
) -> Article:
    """Extract the article of one HTML page.

    `template`: what other pages of the page's site share (newsdesk.extract.template), taken out of this one.
    Raises ExtractionError (with a reason a person can read) when the document is empty, is not HTML,
    or holds no article body; never another exception, whatever the input.
    """
    return _guarded(lambda: _extract_article(html, url, hint, charset, template), url)


def _guarded(extract: Callable[[], Article], url: str | None) -> Article:
    """The article `extract` gives, any failure other than ExtractionError turned into one."""
    try:
        return extract()
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError("document too deeply nested to extract") from exc
    except MemoryError as exc:
        raise ExtractionError("document too large to extract") from exc
    except Exception as exc:  # noqa: BLE001 - hostile input must never crash the caller
        LOGGER.warning("extraction failed on %s: %r", url, exc)
        raise ExtractionError(f"extraction failed: {type(exc).__name__}: {str(exc)[:200]}") from exc


@dataclass(frozen=True)
class TemplateReading:
    """What one page shows of its site's template, read while the page is extracted, so that a template learned
    from its site's other pages can be applied afterwards (`apply_template`) without parsing the page again."""

    observation: PageObservation
    blocks: dict[str, tuple[str, ...]]  # page_blocks of the page, before extraction pruned it
    site_names: list[str]
    headlines: list[str | None]


def extract_observed(html: bytes | str, url: str | None = None) -> tuple[Article, TemplateReading]:
    """`extract_article` without a template, and the page's `TemplateReading`. Raises as extract_article does."""
    readings: list[TemplateReading] = []
    article = _guarded(lambda: _extract_article(html, url, None, None, None, readings), url)
    return article, readings[-1]


def apply_template(article: Article, reading: TemplateReading, template: HostTemplate) -> Article:
    """`article` as extracting its page with `template` gives it: the site's furniture out of its body, the
    site's learned title decoration out of its title."""
    if not template.active:
        return article
    title = article.title
    if title:
        title = template.strip_title(title, site_names=reading.site_names, headlines=reading.headlines)
    return replace(article, title=title, text=template.drop_furniture(article.text, reading.blocks))


def article_to_contract(path: str, article: Article) -> dict:
    """The JSON object that ``newsdesk extract`` prints for one input file."""
    return {
        "path": path,
        "url": article.url or None,
        "title": article.title,
        "text": article.text,
        "authors": list(article.authors),
        "published": article.published.isoformat() if article.published else None,
        "language": article.language,
        "canonical_url": article.canonical_url,
        "image": article.image,
        "genre": article.genre,
        "agencies": list(article.agencies),
        "site_name": article.site_name,
    }


# --------------------------------------------------------------------------------------------------
# document loading


def _to_text(html: bytes | str, charset: str | None) -> str:
    if isinstance(html, str):
        return html
    if not isinstance(html, bytes | bytearray | memoryview):
        raise ExtractionError(f"not HTML (got {type(html).__name__})")
    data = bytes(html)
    if data.startswith(GZIP_MAGIC):  # a gzip file saved as is
        try:
            data = gunzip(data, MAX_GZIP_BYTES)
        except DecompressionError as exc:
            raise ExtractionError("document too large to extract (gzip)" if exc.too_large
                                  else "not HTML (corrupt gzip data)") from exc
    return decode_html(data, charset)


def _looks_binary(text: str) -> bool:
    head = text[:4096]
    if not head:
        return False
    suspicious = len(_CONTROL_CHARS.findall(head)) + head.count("\ufffd")
    return suspicious > 0.05 * len(head)


def _parse(text: str) -> HtmlElement:
    if not text.strip():
        raise ExtractionError("empty document")
    if _looks_binary(text):
        raise ExtractionError("not HTML (binary data)")
    if not _TAG.search(text[:65536]):
        raise ExtractionError("not HTML (no markup found)")
    first = _FIRST_TAG.match(text[:65536])
    if first and first.group(1).lower() in _NOT_HTML_ROOTS:
        raise ExtractionError(f"not HTML (an XML <{first.group(1)}> document)")
    if len(text) > MAX_DOCUMENT_CHARS:
        text = text[:MAX_DOCUMENT_CHARS]
    text = _XML_DECLARATION.sub("", _INVALID_XML_CHARS.sub("", text), count=1)
    try:
        tree = document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not HTML ({exc})") from exc
    if tree is None or not isinstance(tree, HtmlElement):
        raise ExtractionError("not HTML (no document tree)")
    for el in _HUGE_ATTRIBUTES(tree):
        for attr in ("class", "id", "style"):
            if len(el.get(attr) or "") > 1000:
                del el.attrib[attr]
    return tree


# --------------------------------------------------------------------------------------------------
# main flow


def _extract_article(
    html: bytes | str, url: str | None, hint: FeedEntry | None, charset: str | None, template: HostTemplate | None,
    readings: list[TemplateReading] | None = None,
) -> Article:
    text = _to_text(html, charset)
    article = _article_from_text(text, url, hint, template, readings)
    # Mojibake that the page itself holds (a CMS that stored UTF-8 read as windows-1252: "sanciÃ³n") is
    # repaired per field. When a field shows it, the whole page is repaired and extracted again: the
    # extractor drops the soft hyphens and no-break spaces that some mangled letters end in ("í", "à").
    # Clean pages pay for the fields only.
    repaired = _repaired_fields(article)
    if repaired != article:
        fixed = repair_mojibake(text)
        if fixed != text:
            repaired = _repaired_fields(_article_from_text(fixed, url, hint, template, readings))
    return repaired


def _repaired_fields(article: Article) -> Article:
    return replace(
        article,
        title=repair_mojibake(article.title) if article.title else article.title,
        text=repair_mojibake(article.text),
        authors=[repair_mojibake(a) for a in article.authors],
    )


def _article_from_text(text: str, url: str | None, hint: FeedEntry | None, template: HostTemplate | None,
                       readings: list[TemplateReading] | None = None) -> Article:
    """The article in `text`; with `readings`, the page's TemplateReading is appended to it."""
    tree = _parse(text)
    base = url or (hint.url if hint else None)
    meta = _PageMeta.read(tree, base)
    # every metadata field is read before extract_body, which prunes the tree in place
    title = meta.title or (hint.title.strip() if hint and hint.title else None)
    template = template if template is not None and template.active else None
    if template is not None and title:
        names, headlines = _template_title_context(meta)
        title = template.strip_title(title, site_names=names, headlines=headlines)
    byline = meta.byline(tree)
    if not byline.authors and hint:
        byline = _feed_byline(hint.authors)
    published = meta.published(tree, base) or (_aware(hint.published) if hint and hint.published else None)
    language = meta.language or (_lang_code(hint.language) if hint else None)
    image = meta.image or (_absolute(hint.image, base) if hint and hint.image else None)
    canonical = meta.canonical or (canonicalize_url(base) if base and _is_http(base) else None)
    genre = meta.genre(title, canonical)
    site_name = meta.site_name()

    titles = meta.title_candidates(hint)
    # before extract_body prunes the tree
    blocks = page_blocks(tree) if template is not None or readings is not None else {}
    if readings is not None:
        observation = observe_tree(tree, text, url or (hint.url if hint else None), blocks)
        readings.append(TemplateReading(observation, blocks, *_template_title_context(meta)))
    body = extract_body(tree, base, title_candidates=titles)
    if not body:  # a page rendered by JavaScript: the article may sit in a script payload
        body = _body_from_scripts(text, base, titles, meta)
    if template is not None:
        body = template.drop_furniture(body, blocks)
    if not body:
        words = len(_WORD.findall(_page_text(_parse(text))))
        plural = "s" if words != 1 else ""
        raise ExtractionError(f"no article body found (page has {words} word{plural} of text)")
    if language is None:  # neither the page nor the feed says: the words do (story grouping stems by it)
        language = guess_language(f"{title or ''}\n{body}")
    return Article(
        url=url or (hint.url if hint else None) or canonical or "",
        title=title,
        text=body,
        authors=byline.authors,
        agencies=_distinct_agencies(byline.agencies + _body_agencies(body)),
        published=published,
        language=language,
        canonical_url=canonical,
        image=image,
        genre=genre,
        site_name=site_name,
    )


def _template_title_context(meta: _PageMeta) -> tuple[list[str], list[str | None]]:
    """The names a learned title decoration may use for the site, and the headlines a stripped title may equal."""
    names = meta._site_names()
    headline = next((v for v in meta._ld("headline", articles_only=True) if isinstance(v, str)), None)
    return names, [*meta.h1, headline]


def _body_from_scripts(text: str, base: str | None, titles: list[str], meta: _PageMeta) -> str:
    """The body of a page whose markup has none: escaped article HTML in a script, or JSON-LD articleBody."""
    scripts = (s.text for s in _parse(text).iter("script") if s.text and not s.get("src"))
    fragment = article_html_in_scripts(scripts)
    if fragment:
        body = extract_body(_parse(f"<html><body><article>{fragment}</article></body></html>"), base,
                            title_candidates=titles)
        if body:
            return body
    for value in meta._ld("articleBody", articles_only=True):
        if isinstance(value, str) and len(_WORD.findall(value)) >= MIN_PAYLOAD_WORDS:
            plain = _paragraphs(html.unescape(_HTML_TAG.sub("", _HTML_BLOCK_TAG.sub("\n", value))))
            return "\n\n".join(p for p in plain if not _is_boilerplate_line(p))
    return ""


# --------------------------------------------------------------------------------------------------
# body


def _screen_reader_only(tree: HtmlElement) -> list[HtmlElement]:
    # One walk with a substring test before the token test: the same test as an XPath class-token match costs
    # twice as much (~5 ms a page).
    found = []
    for el in tree.iter(etree.Element):
        cls = el.get("class")
        if cls and ("hidden" in cls or "sr-only" in cls or "screen-reader" in cls) \
                and not _SCREEN_READER_SET.isdisjoint(cls.split()):
            found.append(el)
    return found


def extract_body(
    tree: HtmlElement,
    url: str | None = None,
    *,
    title_candidates: list[str] | None = None,
    settings: BodySettings | None = None,
) -> str:
    """The article body of a parsed page: paragraphs separated by one blank line ("" when none).

    The tree is pruned in place (scripts, styles, inline SVG, form controls: never article text),
    which makes every later pass over it cheaper; pass a copy to keep the original.
    """
    s = settings or SETTINGS
    if s.prune_tags:
        etree.strip_elements(tree, *s.prune_tags, with_tail=False)
    if s.prune_screen_reader_text:
        for el in _screen_reader_only(tree):
            if el.getparent() is not None:
                el.drop_tree()
    if s.prune_page_furniture and _FURNITURE_PARAGRAPHS(tree) * 2 < _ALL_PARAGRAPHS(tree):
        # trafilatura drops <aside>/<footer> itself; doing it first spares its raw-tree passes the
        # work. Kept when they hold most of the page's paragraphs (broken markup), for the fallbacks.
        etree.strip_elements(tree, "aside", "footer", with_tail=False)
    if s.prune_figures and _FIGURE_PARAGRAPHS(tree) * 2 < _ALL_PARAGRAPHS(tree):
        etree.strip_elements(tree, "figure", with_tail=False)
    if s.merge_body_chunks:
        _merge_body_chunks(tree)
    if s.prune_link_lists:
        _prune_link_lists(tree, s.link_list_share)
    _flatten_ruby(tree)
    text = _trafilatura(tree, url, s, precision=s.favor_precision, recall=s.favor_recall, fast=s.fast)
    if s.retry_short and (s.favor_precision or not text):
        # precision mode sometimes keeps only a stray box of a page; a balanced pass then finds the article
        if len(text) < s.retry_max_chars:
            page_len = len(_page_text(tree))
            if len(text) < s.retry_page_share * page_len:
                other = _trafilatura(tree, url, s, precision=False, recall=False, fast=s.fast)
                if len(other) > s.retry_gain * len(text):
                    text = other
    if not text:
        text = _baseline(tree)
    paragraphs = _paragraphs(text)
    if s.drop_boilerplate_lines:
        paragraphs = [p for p in paragraphs if not _is_boilerplate_line(p)]
    if s.strip_headline or s.strip_leading_meta:
        paragraphs = _strip_leading(paragraphs, title_candidates or [], s)
    return "\n\n".join(paragraphs)


_BODY_CHUNK_CLASS = re.compile(
    r"(?:article|story|entry|post|content|main)[-_]{0,2}(?:body|content|text)|articlebody|body__container"
    r"|article__chunk",
    re.IGNORECASE,
)


def _merge_body_chunks(tree: HtmlElement, min_words: int = 20) -> None:
    """Join an article body that the page splits into several containers with the same class.

    Some CMS templates cut the body into chunks between ads or pull quotes (several
    ``<div class="article-body">``, several ``itemprop="articleBody"``); extractors take the first
    container and lose the rest. Chunks (outermost ones, each with a real paragraph) are moved into
    the first, in document order.
    """
    groups: dict[tuple[str, str, str], list[HtmlElement]] = {}
    for el in tree.iter("div", "section", "article"):
        cls = el.get("class") or ""
        prop = el.get("itemprop") or ""
        match = _BODY_CHUNK_CLASS.search(cls) if cls else None
        if prop == "articleBody" or match:
            # grouped by the body class itself: chunks often differ in a modifier ("body -bottom-space")
            groups.setdefault((el.tag, match.group(0).lower() if match else "", prop), []).append(el)
    for members in groups.values():
        if len(members) < 2:
            continue
        member_set = set(members)
        chunks = [
            el for el in members
            if not any(a in member_set for a in el.iterancestors())
            and any(len(_WORD.findall(p.text_content())) >= min_words for p in el.iter("p"))
        ]
        if len(chunks) < 2:
            continue
        first = chunks[0]
        for other in chunks[1:]:
            tail, other.tail = other.tail, None
            if tail and tail.strip():  # keep text that sat between the chunks where it was
                prev, parent = other.getprevious(), other.getparent()
                if prev is not None:
                    prev.tail = (prev.tail or "") + tail
                elif parent is not None:
                    parent.text = (parent.text or "") + tail
            first.append(other)


def _visible_chars(text: str | None) -> int:
    return len("".join(text.split())) if text else 0


def _prune_link_lists(tree: HtmlElement, share: float) -> None:
    """Drop lists whose text is nearly all link text: related articles, "more on this", tag lists.

    Such lists sit inside article containers on many sites, where trafilatura keeps them as part of the
    body; a list the article itself makes (steps, facts, quotes) has little link text. When such lists
    hold most of the page's text, they are the page (a briefing of links) and stay.
    """
    dropped: list[HtmlElement] = []
    chosen: set[HtmlElement] = set()
    dropped_chars = 0
    for lst in tree.iter("ul", "ol"):
        if chosen and any(a in chosen for a in lst.iterancestors("ul", "ol")):  # inside a list already chosen
            continue
        total = _visible_chars(lst.text_content())
        if not total:
            continue
        linked = sum(_visible_chars(a.text_content()) for a in lst.iter("a"))
        if linked >= share * total and lst.getparent() is not None:
            dropped.append(lst)
            chosen.add(lst)
            dropped_chars += total
    if not dropped:
        return
    body = tree.find("body")
    if dropped_chars * 2 >= _visible_chars((body if body is not None else tree).text_content()):
        return
    for lst in dropped:
        lst.drop_tree()


def _flatten_ruby(tree: HtmlElement) -> None:
    """Turn ruby annotations (Japanese and Chinese readings) into text: "弾劾（だんがい）".

    Extractors treat <ruby> as a block and cut the sentence around it into separate lines, and drop
    the reading. Written out as the page's own fallback (its <rp> parentheses, or plain ones), the
    sentence stays whole, as a browser without ruby support shows it.
    """
    for ruby in list(tree.iter("ruby")):
        parent = ruby.getparent()
        if parent is None or ruby.getroottree().getroot() is not tree:
            continue
        if ruby.find(".//rp") is not None:
            text = ruby.text_content()
        else:
            readings = [rt.text_content() for rt in ruby.iter("rt")]
            for rt in list(ruby.iter("rt")):
                rt.drop_tree()
            text = ruby.text_content() + "".join(f"({r})" for r in readings if r.strip())
        text = " ".join(text.split()) + (ruby.tail or "")
        prev = ruby.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + text
        else:
            parent.text = (parent.text or "") + text
        parent.remove(ruby)


def _trafilatura(tree: HtmlElement, url: str | None, s: BodySettings, *, precision: bool, recall: bool,
                 fast: bool) -> str:
    from trafilatura import bare_extraction

    try:
        doc = bare_extraction(
            tree,
            url=url,
            favor_precision=precision,
            favor_recall=recall,
            fast=fast,
            include_comments=False,
            include_tables=s.include_tables,
            include_images=False,
            include_links=False,
            with_metadata=False,
            **s.extra,
        )
    except (RecursionError, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - a trafilatura bug on one page is a failed page
        LOGGER.debug("trafilatura failed: %r", exc)
        return ""
    if doc is None:
        return ""
    return (getattr(doc, "text", None) or "").strip()


def _baseline(tree: HtmlElement) -> str:
    from trafilatura import baseline

    try:
        _, text, _ = baseline(tree)
    except (RecursionError, MemoryError):
        raise
    except Exception:  # noqa: BLE001
        return ""
    text = (text or "").strip()
    return text if len(_WORD.findall(text)) >= 20 else ""


def _paragraphs(text: str) -> list[str]:
    out = []
    for line in text.split("\n"):
        line = re.sub(r"[ \t\u00a0\u200b]+", " ", line).strip()
        if line and _WORD.search(line):
            out.append(line)
    return out


_BOILERPLATE = re.compile(
    r"""^(?:
        (?:read|see|watch)\s+(?:more|also|next)\b.{0,200}
      | related(?:\s+(?:articles?|stories|posts?|coverage|content|reading))?\s*:.{0,200}
      | also\s+(?:on|read|see)\b.{0,200}
      | more\s*:.{0,200}
      | recommended(?:\s+for\s+you)?\s*:?.{0,100}
      | you\s+(?:may|might)\s+also\s+(?:like|enjoy)\b.{0,100}
      | like\s+this\s+(?:story|article)\?.{0,100}
      | (?:share|tweet)\s+(?:this|on)\b.{0,60}
      | (?:sign\s+up|subscribe)\b.{0,160}\b(?:newsletters?|inbox|updates|today)\b.{0,60}
      | get\s+the\s+.{0,80}\b(?:newsletters?|inbox)\b.{0,100}
      | follow\s+(?:us|.{0,60}\bon\s+(?:twitter|facebook|instagram))\b.{0,120}
      | click\s+here\b.{0,120}
      | (?:copyright|\u00a9)\s.{0,120}
      | all\s+rights\s+reserved\.?
      | \(?(?:reporting|writing|editing|additional\s+reporting|compiled|edited)\s+by\s.{0,300}
      | .{0,200}\bcontributed\s+(?:reporting|to\s+this\s+(?:report|story|article))\b.{0,100}
      | have\s+a\s+(?:news\s+)?tip\b.{0,200}
      | .{0,100}\bmay\s+be\s+reached\s+at\s.{0,150}
      | write\s+to\s.{0,80}\bat\s+\S+@\S+.{0,40}
      | source\s*:\s*.{0,60}
      | advertisement
      | comments?
      | \d+\s+comments?
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_boilerplate_line(paragraph: str) -> bool:
    return len(paragraph) <= 400 and bool(_BOILERPLATE.match(paragraph)) or is_boilerplate_line(paragraph)


def _norm(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_WORD.findall(text))


def _same_headline(paragraph: str, titles: list[str]) -> bool:
    p = _norm(paragraph)
    if not p:
        return False
    for title in titles:
        t = _norm(title)
        if not t:
            continue
        if p == t:
            return True
        # "Headline - Site" against "Headline", and near-identical spellings
        shorter, longer = sorted((p, t), key=len)
        if len(shorter) >= 0.6 * len(longer) and longer.startswith(shorter) and len(shorter.split()) >= 3:
            return True
        if abs(len(p) - len(t)) <= 0.2 * max(len(p), len(t)) and SequenceMatcher(None, p, t).ratio() >= 0.9:
            return True
    return False


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_LEADING_META = re.compile(
    rf"""^(?:
        by\s+(?-i:[A-Z\u00c0-\u024f][\w.'’-]*)(?:\s+(?-i:[A-Z\u00c0-\u024f][\w.'’-]*|and|&|,)){{0,8}}
            (?:\s*[|,·•-]\s*.{{0,60}})?
      | (?:published|updated|posted|last\s+updated|first\s+published)\b(?=.*(?:\d|\bby\b)).{{0,80}}
      | (?:\w+,?\s+)?\d{{1,2}}\.?\s+{_MONTH}\s+\d{{4}}.{{0,30}}
      | (?:\w+,?\s+)?{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}.{{0,30}}
      | \d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}.{{0,30}}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)


def _strip_leading(paragraphs: list[str], titles: list[str], s: BodySettings) -> list[str]:
    """Drop a headline repeated at the top of the body (and a byline/date line right after it)."""
    if s.strip_headline and titles:
        for i, para in enumerate(paragraphs[:3]):
            if len(para) <= 400 and _same_headline(para, titles):
                if all(len(_WORD.findall(p)) <= 12 for p in paragraphs[:i]):
                    paragraphs = paragraphs[:i] + paragraphs[i + 1:]
                break
    if s.strip_leading_meta:
        while len(paragraphs) > 1 and len(paragraphs[0]) <= 120 and _LEADING_META.match(paragraphs[0]):
            paragraphs = paragraphs[1:]
    return paragraphs


def _page_text(tree: HtmlElement) -> str:
    body = tree.find("body")
    root = body if body is not None else tree
    parts = []
    for el in root.iter():
        if el.tag in ("script", "style", "noscript", "template") or not isinstance(el.tag, str):
            if el.tail:
                parts.append(el.tail)
            continue
        if el.text and (el.getparent() is None or el.getparent().tag not in ("script", "style")):
            parts.append(el.text)
        if el.tail and el is not root:
            parts.append(el.tail)
    return " ".join(" ".join(parts).split())


# --------------------------------------------------------------------------------------------------
# metadata


_ARTICLE_TYPES = {
    "article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle", "opinionnewsarticle",
    "backgroundnewsarticle", "reviewnewsarticle", "blogposting", "socialmediaposting", "liveblogposting",
    "techarticle", "scholarlyarticle", "report", "webpage", "creativework", "review", "medicalwebpage",
}
# Where a decoration can be joined onto a headline that another source gives bare ("Headline-Section").
_TITLE_JOINT = re.compile(r"\s*[|\-–—:：｜ㅣ»·•*]+\s*")
_MAX_TITLE_CHARS = 1_000
_MONTH_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE_SEGMENT = re.compile(
    r"(?:\w+,?\s+)?(?:(?P<dmy>(?P<d>\d{1,2})\.\s?(?P<m>\d{1,2})\.\s?(?P<y>\d{4}))"
    r"|(?P<ymd>(?P<Y>\d{4})-(?P<M>\d{2})-(?P<D>\d{2}))"
    r"|(?P<slash>(?P<a>\d{1,2})/(?P<b>\d{1,2})/(?P<sy>\d{4}))"
    rf"|(?P<named>\d{{1,2}}\s+{_MONTH_NAME}\s+\d{{4}}|{_MONTH_NAME}\s+\d{{1,2}},?\s+\d{{4}}))"
    r"(?:,?\s+\d{1,2}:\d{2}(?::\d{2})?)?",
    re.IGNORECASE,
)
# "by Jane Doe" after the site name: a byline, not the headline (the words that say "by" in a few languages)
_BYLINE_SEGMENT = re.compile(r"(?:by|von|par|por|door|av)\s+(?P<name>\w\S*(?:\s+\S+){0,4})", re.IGNORECASE)
_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _text_of(el: HtmlElement) -> str:
    return " ".join("".join(el.itertext()).split())


MAX_SITE_NAME = 100  # characters: longer, a site name is a slogan or a sentence, not an outlet's name


@dataclass
class _PageMeta:
    base: str | None
    metas: dict[str, str]
    jsonld: list[dict]  # article-like objects first
    jsonld_articles: int = 0
    title: str | None = None
    title_tag: str | None = None
    h1: list[str] = field(default_factory=list)
    canonical: str | None = None
    image: str | None = None
    language: str | None = None

    @classmethod
    def read(cls, tree: HtmlElement, base: str | None) -> _PageMeta:
        base_el = tree.find(".//base[@href]")
        if base_el is not None:  # <base href> changes what relative links in the page mean
            base = _absolute(base_el.get("href"), base) or base
        metas: dict[str, str] = {}
        for m in tree.iter("meta"):
            content = m.get("content")
            if content is None:
                continue
            content = content.strip()
            if not content:
                continue
            for attr in ("property", "name", "itemprop", "http-equiv"):
                key = m.get(attr)
                if key:
                    metas.setdefault(key.strip().lower(), content)
        articles, others = _jsonld_objects(tree)
        meta = cls(base=base, metas=metas, jsonld=articles + others, jsonld_articles=len(articles))
        title_el = tree.find(".//title")
        meta.title_tag = _text_of(title_el) if title_el is not None else None
        meta.h1 = [t for t in (_text_of(h) for h in tree.iter("h1")) if t][:3]
        meta.canonical = meta._canonical(tree)  # before the title: its host is a name the site decorates with
        meta.title = meta._title()
        meta.image = meta._image(tree)
        meta.language = meta._language(tree)
        return meta

    # -- helpers
    def _ld(self, key: str, *, articles_only: bool = False) -> Iterator[Any]:
        for obj in self.jsonld[: self.jsonld_articles] if articles_only else self.jsonld:
            if key in obj:
                yield obj[key]

    def _title(self) -> str | None:
        """The headline, in order of trust with rules for conflicts (README, "Articles"):

        1. Each source is cleaned of what a site adds to it: end segments that are a date, the site's name (or a
           close variant of it: og:site_name, application-name, the JSON-LD publisher, the host's domain or its
           first label) or "by <Name>", and a start segment that is the site's name (`_clean_title`).
        2. The sources are tried in this order: og:title, the article's JSON-LD headline, twitter:title, the
           page's single h1, the <title> tag. og:title comes first because it is the headline the publisher
           gives the article wherever it is shown; where the sources disagree on the words, it is the one most
           often right (measured on fundus-dev: og:title first 0.879 title exact, JSON-LD first 0.831, a vote
           of og:title, JSON-LD and h1 0.80-0.82).
        3. The headline is the form on which the sources agree, without decoration: when the first one is
           another source's headline with something joined on at the end ("Headline - Section | Site",
           "Headline-Section"), the bare form is taken (`_bare_title`); a kicker in front stays.
        """
        sites = self._site_names()
        headline = next((v for v in self._ld("headline", articles_only=True) if isinstance(v, str)), None)
        ordered = [
            self.metas.get("og:title"),
            headline,
            self.metas.get("twitter:title"),
            self.h1[0] if len(self.h1) == 1 else None,
            self._title_from_tag(),
        ]
        first = next((c for v in ordered if v and _WORD.search(c := _clean_title(v, sites))), None)
        if first is None:
            return None
        # the sources that state a headline of their own (not a part guessed out of the <title> tag)
        others = [_clean_title(v, sites) for v in (*ordered[:3], *self.h1) if v]
        return _bare_title(first, others)

    def site_name(self) -> str | None:
        """The outlet's own name for itself: og:site_name, else the JSON-LD publisher's name (an address, or a
        value longer than any outlet's name, is none)."""
        publishers = [n for v in self._ld("publisher") for n in _ld_names(v)[:1]]
        for value in (self.metas.get("og:site_name"), *publishers):
            name = " ".join(value.split()) if isinstance(value, str) else ""
            if name and len(name) <= MAX_SITE_NAME and not _looks_like_url(name) and _norm(name):
                return name
        return None

    def _site_names(self) -> list[str]:
        """Names the site may add to its headlines: og:site_name, application-name, the JSON-LD publisher, and
        the registered domain of the page (from its canonical address) with its first label ("example.co.uk",
        "example")."""
        names = [self.metas.get("og:site_name"), self.metas.get("application-name")]
        names += [n for v in self._ld("publisher") for n in _ld_names(v)[:1]]
        address = self.canonical or self.base
        domain = registered_domain(address) if address and _is_http(address) else ""
        if domain:
            names += [domain, domain.split(".")[0]]
        return [n for n in dict.fromkeys(n for n in names if n) if _norm(n)]

    def _title_from_tag(self) -> str | None:
        if not self.title_tag:
            return None
        parts = [p for p in TITLE_SEPARATORS.split(self.title_tag) if p.strip()]
        if len(parts) <= 1:
            return self.title_tag
        for h in self.h1:
            if _norm(h) in (_norm(p) for p in parts):
                return h
        return max(parts, key=lambda p: len(p.split()))

    def title_candidates(self, hint: FeedEntry | None) -> list[str]:
        cands = [self.title, self.metas.get("og:title"), self.metas.get("twitter:title"), self.title_tag,
                 *self.h1, *(v for v in self._ld("headline") if isinstance(v, str))]
        if self.title_tag:
            cands.extend(TITLE_SEPARATORS.split(self.title_tag))
        if hint and hint.title:
            cands.append(hint.title)
        seen: list[str] = []
        for c in cands:
            if c and c.strip() and c not in seen:
                seen.append(c.strip())
        return seen

    def _canonical(self, tree: HtmlElement) -> str | None:
        for link in tree.iter("link"):
            rel = (link.get("rel") or "").lower().split()
            if "canonical" in rel and link.get("href"):
                found = _absolute(link.get("href"), self.base)
                if found:
                    return canonicalize_url(found)
        og = self.metas.get("og:url")
        if og:
            found = _absolute(og, self.base)
            if found:
                return canonicalize_url(found)
        return None

    def _image(self, tree: HtmlElement) -> str | None:
        for key in ("og:image:secure_url", "og:image", "og:image:url", "twitter:image", "twitter:image:src"):
            found = _absolute(self.metas.get(key), self.base)
            if found:
                return found
        for value in self._ld("image"):
            found = _absolute(_ld_url(value), self.base)
            if found:
                return found
        for link in tree.iter("link"):
            if (link.get("rel") or "").lower() == "image_src":
                found = _absolute(link.get("href"), self.base)
                if found:
                    return found
        # lead image: the first real picture inside the article (or main) element
        for container in tree.iterfind(".//article"):
            found = _first_image(container, self.base)
            if found:
                return found
        main = tree.find(".//main")
        if main is not None:
            return _first_image(main, self.base)
        return None

    def _language(self, tree: HtmlElement) -> str | None:
        for value in (
            tree.get("lang"),
            tree.get("xml:lang"),
            tree.get("{http://www.w3.org/XML/1998/namespace}lang"),
            self.metas.get("content-language"),
            self.metas.get("language"),
            self.metas.get("dc.language"),
            self.metas.get("og:locale"),
            next((v for v in self._ld("inLanguage") if isinstance(v, str)), None),
        ):
            code = _lang_code(value)
            if code:
                return code
        return None

    def genre(self, title: str | None, canonical: str | None) -> str | None:
        """Opinion, round-up or reporting (None), from the labels the page puts on itself (newsdesk.genre)."""
        sections: list[Any] = [self.metas.get(key) for key in _SECTION_META_KEYS]
        sections += [*self._ld("articleSection", articles_only=True), *self._ld("genre", articles_only=True)]
        types = [t for obj in self.jsonld[: self.jsonld_articles] for t in _flat_types(obj.get("@type"))]
        return detect_genre((self.base, canonical), (title, self.title_tag), sections=sections, types=types)

    def byline(self, tree: HtmlElement) -> _Byline:
        """Who wrote the article, and the news agencies it names as its source."""
        return _choose_byline(self._byline_sources(tree), self._publishers())

    def _byline_sources(self, tree: HtmlElement) -> Iterator[list[tuple[str, str | None]]]:
        """Bylines, most trusted first, each a list of (text, JSON-LD kind): the article's JSON-LD authors (its
        creator when it names no author), each author <meta>, the byline markup, a labelled byline ("Von" +
        name)."""
        ids = {o["@id"]: o for o in self.jsonld if isinstance(o.get("@id"), str)}
        stated = list(self._ld("author", articles_only=True)) or list(self._ld("creator", articles_only=True))
        yield [e for value in stated for e in _ld_authors(value, ids)]
        for key in _AUTHOR_META_KEYS:
            value = self.metas.get(key)
            if value:
                yield [(value, None)]
        yield [(text, None) for text in _byline_authors(tree)]
        yield [(text, None) for text in _labelled_byline(tree)]

    def _publishers(self) -> tuple[str, ...]:
        names = [self.metas.get("og:site_name"), self.metas.get("application-name")]
        names += [_ld_names(v)[0] for v in self._ld("publisher") if _ld_names(v)]
        site = self.canonical or self.base
        if site and _is_http(site):  # "www.t-online.de": a byline "t-online" or "t-online.de" is the site
            host = host_of(site).removeprefix("www.")
            names += [host, *host.split(".")[:-1]]
        return tuple(n for n in names if n)

    def published(self, tree: HtmlElement, url: str | None) -> datetime | None:
        """Original publication time: the article's JSON-LD, then <meta>, <time>, a date the site put in its
        titles ("Headline | Site | 28.04.2023"), and htmldate (each strict and sane: newsdesk.dates)."""
        what = f"{url or 'page'}: date"
        for key in ("datePublished", "dateCreated"):
            for value in self._ld(key, articles_only=True):
                found = parse_date(value, what)
                if found:
                    return found
        for key in _DATE_META_KEYS:
            found = parse_date(self.metas.get(key), what)
            if found:
                return found
        for el in tree.iterfind(".//time[@datetime]"):
            if (el.get("itemprop") or "").lower() == "datepublished" or el.get("pubdate") is not None:
                found = parse_date(el.get("datetime"), what)
                if found:
                    return found
        return _title_date([self.metas.get("og:title"), self.metas.get("twitter:title"), self.title_tag]) or \
            _htmldate(tree, url)


_SECTION_META_KEYS = ("article:section", "og:article:section", "article.section", "section", "parsely-section")


def _flat_types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [t for t in value if isinstance(t, str)] if isinstance(value, list) else []


_DATE_META_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "datepublished",
    "published_time", "publishdate", "publish-date", "publish_date", "pubdate", "og:pubdate",
    "parsely-pub-date", "sailthru.date", "dc.date.issued", "dcterms.issued", "dcterms.created",
    "dc.date", "dcterms.date", "date", "og:published_time", "article.published", "datecreated",
    "cxenseparse:recs:publishtime", "original-publish-date",
)


def _jsonld_objects(tree: HtmlElement) -> tuple[list[dict], list[dict]]:
    """JSON-LD objects of the page: (article-like ones, all others); a shallow, size-bounded walk."""
    articles: list[dict] = []
    others: list[dict] = []
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json":
            continue
        raw = (script.text or "").strip()
        if not raw or len(raw) > 1_000_000:
            continue
        try:
            data = _unescape_json(json.loads(raw, strict=False))
        except (ValueError, RecursionError):
            continue
        stack: list[tuple[Any, int]] = [(data, 0)]
        while stack and len(articles) + len(others) < 200:
            node, depth = stack.pop()
            if depth > 6:
                continue
            if isinstance(node, list):
                stack.extend((x, depth + 1) for x in reversed(node))
            elif isinstance(node, dict):
                types = node.get("@type")
                types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
                if any(isinstance(t, str) and t.lower() in _ARTICLE_TYPES for t in types):
                    articles.append(node)
                else:
                    others.append(node)
                for key in ("@graph", "mainEntity", "mainEntityOfPage", "itemListElement"):
                    if isinstance(node.get(key), list | dict):
                        stack.append((node[key], depth + 1))
    # a WebPage wrapper is weaker evidence than the article it contains
    articles.sort(key=lambda o: o.get("@type") in ("WebPage", ["WebPage"]))
    return articles, others


def _unescape_json(value: Any, depth: int = 0) -> Any:
    """JSON-LD with its strings' character references resolved: many sites write HTML-escaped text into JSON
    ("Kohberger&#8217;s", "&quot;...&quot;"), which no reader of JSON undoes."""
    if isinstance(value, str):
        return _unescape(value)
    if depth > 12:
        return value
    if isinstance(value, list):
        return [_unescape_json(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: _unescape_json(v, depth + 1) for k, v in value.items()}
    return value


def _ld_url(value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return _ld_url(value.get("url") or value.get("contentUrl") or value.get("@id"))
    if isinstance(value, list) and value:
        return _ld_url(value[0])
    return None


def _ld_names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [] if _looks_like_url(value) else [value]
    if isinstance(value, dict):
        name = value.get("name")
        if isinstance(name, str):
            return [name]
        if isinstance(name, list):
            return [n for n in name if isinstance(n, str)]
        return []
    if isinstance(value, list):
        return [n for v in value[:20] for n in _ld_names(v)]
    return []


# --------------------------------------------------------------------------------------------------
# authors and agencies


@dataclass
class _Byline:
    """An article's authors (people; the organisation or the byline as given when it names no person) and the
    news agencies it names as its source (AP, dpa, ...: `data/news-agencies.txt`), each once, as written."""

    authors: list[str]
    agencies: list[str]


_AUTHOR_META_KEYS = ("author", "article:author", "dc.creator", "dcterms.creator", "parsely-author",
                     "sailthru.author", "byl", "cxenseparse:author", "article:byline", "twitter:creator")


def _ld_authors(value: Any, ids: dict[str, dict], depth: int = 0) -> list[tuple[str, str | None]]:
    """(name, "person" / "org" / None) of a JSON-LD author value; a bare {"@id": ...} is looked up."""
    if isinstance(value, str):
        return [] if _URLISH.search(value) else [(value, None)]
    if isinstance(value, list):
        return [e for v in value[:20] for e in _ld_authors(v, ids, depth)]
    if not isinstance(value, dict):
        return []
    ref = value.get("@id")
    if "name" not in value and "givenName" not in value and depth == 0 and isinstance(ref, str) and ref in ids:
        return _ld_authors(ids[ref], ids, 1)
    types = [t.lower() for t in _flat_types(value.get("@type"))]
    kind = "person" if "person" in types else "org" if any("organization" in t for t in types) else None
    name = value.get("name")
    if isinstance(name, str) and name.strip():
        names = [name]
    elif isinstance(name, list):
        names = [n for n in name if isinstance(n, str)]
    else:  # schema.org lets a Person give only its parts
        parts = [value.get(k) for k in ("givenName", "additionalName", "familyName")]
        names = [" ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())]
    return [(n, kind) for n in names if n.strip() and not _URLISH.search(n)]


# "Von" / "By" / "Autorin/Autor" alone in an element, the name after it
_BYLINE_LABELS = frozenset({"by", "von", "autor", "autorin", "autoren", "autorinnen", "author", "authors", "av",
                            "af", "por", "par", "door", "di", "text", "texto", "tekst", "автор"})
# elements a byline may be read from: rel=author and itemprop=author, a "byline" or "author" class; and, for
# labelled bylines, an element with no child whose text, in small letters and without a colon, starts with a
# label (each a walk of the tree, about a millisecond on a large page: the second is only made when needed)
_BYLINE_MARKUP = etree.XPath(
    "//body//*[@rel='author' or @itemprop='author' or contains(@class, 'byline') or contains(@class, 'author')]"
)
_BYLINE_LABELLED = etree.XPath(
    "//body//*[not(*) and string-length(text()) < 40 and contains("
    f"'{' '.join(['', *sorted(_BYLINE_LABELS), ''])}', concat(' ', substring-before(concat(normalize-space("
    "translate(text(), 'ABCDEFGHIJKLMNOPQRSTUVWXYZАВТОР:', 'abcdefghijklmnopqrstuvwxyzавтор ')), '/'), '/'), ' '))"
    " and not(self::a or self::script or self::style or self::option or self::button)]"
)
# class words of elements about an author that are not the byline (a biography, a picture, links to follow,
# comments, other articles, the author of a claim a fact check reviews)
_NOT_BYLINE_CLASS = re.compile(
    r"bio|avatar|image|img|photo|pic|desc|about|social|follow|more|list|box|teaser|comment|related|recommend"
    r"|statement|claim|quote",
    re.IGNORECASE,
)
# ... and of the blocks around one that hold other people's names: comments, other articles, a fact check's
# reviewed claim
_NOT_BYLINE_PLACE = re.compile(r"comment|related|recommend|teaser|statement|claim|quote", re.IGNORECASE)


def _outside_footers(elements: list[HtmlElement]) -> list[HtmlElement]:
    """Those not in a footer, an aside or navigation, where other articles' bylines are."""
    return [el for el in elements[:400] if not any(True for _ in el.iterancestors("footer", "aside", "nav"))]


def _byline_authors(tree: HtmlElement) -> list[str]:
    """Bylines from the markup: rel=author / itemprop=author elements (those of the first one's byline, not the
    bylines of related articles further down), else the first byline or author element."""
    candidates = _outside_footers(_BYLINE_MARKUP(tree))
    found: list[str] = []
    first: HtmlElement | None = None
    for el in candidates:
        if "author" not in (el.get("rel") or "").split() and el.get("itemprop") != "author":
            continue
        name_el = el.find('.//*[@itemprop="name"]')
        text = (name_el.get("content") or _byline_text(name_el)) if name_el is not None else _byline_text(el)
        if not text or len(text) >= 100:
            continue
        if first is None:
            first = el
        elif not _one_byline(first, el):
            continue
        found.append(text)
    if found:
        return found[:6]
    for el in candidates:
        classes = [c for c in (el.get("class") or "").split() if "byline" in c.lower() or "author" in c.lower()]
        if not classes or all(_NOT_BYLINE_CLASS.search(c) for c in classes):
            continue
        if any(_NOT_BYLINE_PLACE.search(a.get("class") or "") for a in list(el.iterancestors())[:3]):
            continue
        text = _byline_text(el)
        if text and len(text) < 100:
            return [text]
    return []


def _one_byline(first: HtmlElement, other: HtmlElement) -> bool:
    """Whether two author elements belong to one byline: the smallest element holding both has little text
    (the byline's names), not an article's (the byline and a related article's author further down)."""
    mine = set(first.iterancestors())
    common = next((a for a in other.iterancestors() if a in mine), None)
    if common is None:
        return False
    size = 0
    for piece in common.itertext():
        size += len(piece.strip())
        if size > 300:
            return False
    return True


def _byline_text(el: HtmlElement) -> str:
    """The text of a byline element, a space between the texts of its elements ("ERIC TUCKER" and
    "Associated Press" on two lines are not "TUCKERAssociated")."""
    return " ".join(" ".join(el.itertext()).split())


def _labelled_byline(tree: HtmlElement) -> list[str]:
    """The name after the first byline label ("von", "By", "Autorin/Autor")."""
    for el in _outside_footers(_BYLINE_LABELLED(tree)):
        label = (el.text or "").strip().rstrip(":").strip().casefold()
        if not label or not all(w.strip() in _BYLINE_LABELS for w in label.split("/")):
            continue
        name = " ".join((el.tail or "").split())
        if not name and el.getnext() is not None:
            name = _text_of(el.getnext())
        if name and len(name.split()) <= 8 and len(name) < 80:
            return [name]
    return []


_URLISH = re.compile(r"^(?:https?:|//|www\.)|\.[a-z]{2,}/|^@\w+$", re.IGNORECASE)
_AUTHOR_SPLIT = re.compile(r"\s*(?:;|,|\||&|\+|、|，|；|\band\b|\bund\b)\s*", re.IGNORECASE)
# "and" in other languages: it splits a byline only between two names of two words or more ("Ana García y
# Luis Pérez"), never inside one ("José Ortega y Gasset")
_AUTHOR_AND = re.compile(r"\s+(?:y|e|et|i|og|och|en|ve|ja|és|a)\s+")
_AUTHOR_PREFIX = re.compile(
    r"^(?:(?:written|posted|reported|words|story|text|analysis|opinion|commentary|review|interview|photos?"
    r"|article)\s+)?(?:by|von|par|por|di|door|av|af)\s*[:\-]?\s+"
    r"|^(?:text|texto|tekst|autor|autorin|author|автор)\s*:\s*",
    re.IGNORECASE,
)
_ROLE_WORDS = (
    r"(?:staff|editors?|reporters?|correspondents?|contributors?|writers?|columnists?|journalists?|author"
    r"|admin|editor-at-large|producer|anchor|desk|team|board|bureau"
    # the same in other languages: German, French, Spanish, Italian, Portuguese, Dutch, Scandinavian
    r"|redakteur(?:in)?|redaktion|korrespondent(?:in)?|reporterin|journalistin|autorin|correspondant(?:e)?"
    r"|journaliste|rédaction|rédacteur|rédactrice|corresponsal|periodista|redactora?|redacción|giornalista"
    r"|redattore|redattrice|redazione|correspondente|jornalista|redação|redactie|verslaggever|journalist"
    r"|redaksjonen|reporter)"
)
# a role alone, or where it is held: "Transport Correspondent", "corresponsal en Bruselas", "Redakteurin"
_AUTHOR_ROLE = re.compile(
    rf"^(?:[\w.-]+\s+){{0,4}}{_ROLE_WORDS}(?:\s+(?:in|en|à|a|aus|für|for|at|de|da|di|em|w|i)\s+\S+)?$",
    re.IGNORECASE,
)
_MONTHS = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d", re.IGNORECASE
)
_DOMAIN = re.compile(r"\.\w{2,4}\b")
# where a byline's name ends and its date begins: "Carrie Arnold November 15", "Jeff Foust Monday"
_DATE_TAIL = re.compile(
    r"\s+(?=(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.?\s+\d|\S*\d\S*\d|\d+[.:/,-]|(?:updated|published|posted)\b))",
    re.IGNORECASE,
)
_DATE_START = re.compile(
    r"^\W*(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)"
    r"[a-z]*\.?\s+\d)",
    re.IGNORECASE,
)
# "by" inside a byline, after words that are not a name ("capital von Jemima Kelly", "Ein Kommentar von Jan
# Sellner"), followed by a name of two words or more: not "von" of a name ("Ursula von der Leyen", "Hans von
# Storch")
_INNER_BY = re.compile(r"^.*?\s(?:by|von|par|por|door|av)\s+(?!(?:der|dem|den|zu|und)\b)(?=\w+\s+\w)")
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")
# after an agency's name: where it reported from ("Associated Press in Madrid", "AFP, MANILA")
_AGENCY_PLACE = re.compile(r"^(?:in|from|aus|en|à|a|de|da|desde|em|z|w|i)\s+\S", re.IGNORECASE)


@cache
def _agency_forms() -> dict[str, tuple[str, bool]]:
    """Every form of `data/news-agencies.txt`, casefolded: (the agency's name, whether the form is a code
    that must be written all in capitals or all in small letters)."""
    forms: dict[str, tuple[str, bool]] = {}
    text = resources.files("newsdesk").joinpath("data/news-agencies.txt").read_text("utf-8")
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        names = [n.strip() for n in line.split("|") if n.strip()]
        for form in names:
            one_case = " " not in form and (form.isupper() or form.islower())
            forms[form.casefold()] = (names[0], one_case)
    return forms


def _agency(text: str) -> tuple[str, str] | None:
    """(agency name, the form as written) when `text` names a news agency, alone or followed by a place."""
    text = text.strip(" .,:;-–—()[]")
    forms = _agency_forms()
    words = text.split()
    for n in range(min(len(words), 4), 0, -1):
        written = " ".join(words[:n])
        rest = " ".join(words[n:])
        found = forms.get(written.casefold())
        if found is None or (found[1] and not (written.isupper() or written.islower())):
            continue
        if not rest or _AGENCY_PLACE.match(rest):
            return found[0], written
    return None


def _byline_parts(raw: str, kind: str | None) -> Iterator[tuple[str, str]]:
    """(name, what) for each name of one byline: what is "person", "org" (an organisation or a site),
    "agency", "minor" (a role alone, initials, a credential) or "handle" (a user name): see _choose_byline."""
    raw = " ".join(raw.split())
    if not raw or len(raw) > 300 or _URLISH.search(raw):
        return
    for inside in _PARENTHESES.findall(raw):  # "Jane Doe (dpa)", "Julian Seiferth (js)"
        for piece in inside.split("/"):
            found = _agency(piece)
            if found:
                yield found[1], "agency"
    if not _DOMAIN.search(raw):
        raw = _PARENTHESES.sub("", raw) or raw
    raw = _AUTHOR_PREFIX.sub("", raw)
    after_agency = named = False
    for part in _AUTHOR_SPLIT.split(raw):
        pieces = [part]
        if "/" in part:  # "SDA/xy" (an agency and an editor's initials), "dpa/AFP", "Jane Doe/John Roe"
            pieces = [p for p in part.split("/") if p.strip()]
            if any(_agency(p) for p in pieces):
                pieces = [p for p in pieces if _agency(p) or len(p.split()) >= 2]
        for piece in pieces:
            for name in _split_and(piece):
                if _DATE_START.match(name):
                    continue
                name = _AUTHOR_PREFIX.sub("", _DATE_TAIL.split(name, 1)[0].strip(" .,:;-–—|@\"'"))
                name = _INNER_BY.sub("", name)
                found = _agency(name) if name else None
                if found:
                    yield found[1], "agency"
                    after_agency = True
                    continue
                # a place after an agency or in capitals after a name: "AFP, MANILA", "Jane Doe, WASHINGTON"
                if " " not in name and (after_agency or (named and name.isupper() and kind is None)):
                    after_agency = False
                    continue
                after_agency = False
                name, found = _agency_after(name)  # "ERIC TUCKER Associated Press": two elements, one text
                what = _name_kind(name, kind)
                if what:
                    if name.isupper() and len(name.split()) > 1:
                        name = name.title()  # "TOM KRISHER" -> "Tom Krisher"
                    named = True
                    yield name, what
                if found:
                    yield found, "agency"


def _agency_after(name: str) -> tuple[str, str | None]:
    """A name and the agency written right after it, when the agency's form cannot be a surname (a code
    such as AP, or a name of several words)."""
    words = name.split()
    for n in (3, 2, 1):
        if len(words) - n < 2:
            continue
        tail = " ".join(words[-n:])
        found = _agency_forms().get(tail.casefold())
        if found and (n > 1 or found[1]) and (not found[1] or tail.isupper() or tail.islower()):
            return _TRAILING_AND.sub("", " ".join(words[:-n])), tail
    return name, None


_TRAILING_AND = re.compile(r"\s+(?:and|und|y|e|et|i|og|och|en|ve|ja|és|with|mit|avec|con|com)$", re.IGNORECASE)


def _split_and(text: str) -> list[str]:
    parts = _AUTHOR_AND.split(text)
    return parts if len(parts) > 1 and all(len(p.split()) >= 2 for p in parts) else [text]


def _name_kind(name: str, kind: str | None) -> str | None:
    if not name or len(name) > 60 or len(name.split()) > 5 or not any(c.isalpha() for c in name):
        return None
    if name[0].isdigit():  # "3 hours ago", "5 min read"
        return None
    if "@" in name or _URLISH.search(name) or sum(ch.isdigit() for ch in name) > 2 or _MONTHS.search(name):
        return None
    if name.casefold() in _BYLINE_LABELS:
        return None
    latin = all(ord(c) < 0x250 for c in name)
    if kind == "org" or _DOMAIN.search(name) or (3 <= len(name) <= 5 and name.isalpha() and name.isupper()):
        return "org"  # an Organization, "Cleveland.com", "BBC"
    if _AUTHOR_ROLE.match(name) or (len(name) <= 4 and " " not in name and latin and not name.istitle()):
        return "minor"  # "Staff Writer", "Gear Team"; initials, "MD" (not "Josh", nor a name in Chinese)
    if " " not in name and latin and (name.islower() or re.search(r"[_\d]|[a-z][A-Z]", name)):
        return "handle"  # "kevin-r", "jane_doe", "JaneDoeNews"
    return "person"


def _choose_byline(sources: Iterator[list[tuple[str, str | None]]], publishers: tuple[str, ...]) -> _Byline:
    """People from the most trusted source that names any. Without one, the byline of the most trusted source
    that gives one: its organisation (the publisher as the byline), else its agency ("By AP" alone), else
    what it says ("Staff reporter"; not a lone "admin"), else a user name. An agency named beside a person is
    the source, not an author."""
    publisher_keys = {_norm(p).replace(" ", "") for p in publishers if _norm(p)}
    people: list[str] = []
    fallback: list[str] = []
    agencies: list[str] = []
    for entries in sources:
        found: dict[str, list[str]] = {"person": people, "org": [], "agency": [], "minor": [], "handle": []}
        for raw, kind in entries:
            if not isinstance(raw, str):
                continue
            for name, what in _byline_parts(raw, kind):
                if what in ("person", "handle") and _norm(name).replace(" ", "") in publisher_keys:
                    what = "org"
                elif what == "person":
                    name = _without_publisher(name, publishers)
                found[what].append(name)
        agencies += found["agency"]
        if people:
            break
        minor = [n for n in found["minor"] if " " in n]
        fallback = fallback or found["org"] + found["agency"] or minor or found["handle"]
    return _Byline(_distinct_names(people or fallback)[:10], _distinct_agencies(agencies))


def _without_publisher(name: str, publishers: tuple[str, ...]) -> str:
    """"Kevin McCoy USA TODAY" -> "Kevin McCoy": a name with the publisher's name after it."""
    words = name.split()
    for publisher in publishers:
        tail = publisher.split()
        if len(words) - len(tail) >= 2 and [_norm(w) for w in words[-len(tail):]] == [_norm(w) for w in tail]:
            return " ".join(words[:-len(tail)])
    return name


def _distinct_names(names: list[str]) -> list[str]:
    out: list[str] = []
    seen: list[str] = []
    for name in names:
        key = name.casefold()
        # "Jane Doe" and "Jane Doe Staff": keep the first, cleaner one
        if any(key in s or s in key for s in seen):
            continue
        seen.append(key)
        out.append(name)
    return out


def _distinct_agencies(written: list[str]) -> list[str]:
    out: dict[str, str] = {}
    for form in written:
        found = _agency(form)
        if found:
            out.setdefault(found[0], form)
    return list(out.values())[:5]


def _feed_byline(names: list[str]) -> _Byline:
    """A feed entry's authors, read as the page's are."""
    return _choose_byline(iter([[(n, None) for n in names if isinstance(n, str)]]), ())


_DATELINE = re.compile(r"^[^\n()]{2,60}?\(([^()\n]{2,40})\)\s*[-–—:.]")
# a credit line at the end: "(Quelle: APA/sda/dpa)", "Source: AFP, Reuters", "dpa/jdf"
_CREDIT_LINE = re.compile(
    r"^\(?\s*(?:(?:quelle|quellen|source|sources|fuente|fuentes|fonte|fontes|źródło|kilde|källa|bron"
    r"|mit material von|with material from|con información de)\s*:?\s+)?(.+?)\s*\)?\.?$",
    re.IGNORECASE,
)
_CREDIT_SPLIT = re.compile(r"\s*(?:[/,;&+]|\band\b|\bund\b|\by\b|\bet\b)\s*", re.IGNORECASE)


def _body_agencies(body: str) -> list[str]:
    """Agencies the body names as its source: in a dateline at the top ("WASHINGTON (AP) —", "Berlin (dpa/AFP)
    -"), or in a credit line at the end made of agencies and editors' initials only ("(Quelle: APA/sda/dpa)")."""
    found: list[str] = []
    dateline = _DATELINE.match(body[:200])
    if dateline:
        found += [agency[1] for piece in re.split(r"[/,;]", dateline.group(1)) if (agency := _agency(piece))]
    for paragraph in body.rsplit("\n\n", 2)[-2:]:
        credit = _CREDIT_LINE.match(paragraph.strip()) if len(paragraph) <= 60 else None
        words = [w for w in _CREDIT_SPLIT.split(credit.group(1)) if w] if credit else []
        agencies = [agency[1] for w in words if (agency := _agency(w))]
        if agencies and all(_agency(w) or (w.isalpha() and w.islower() and len(w) <= 4) for w in words):
            found += agencies
    return found


def _looks_like_url(value: str) -> bool:
    v = value.strip().lower()
    return v.startswith(("http://", "https://", "//", "www.")) or ("/" in v and " " not in v)


def _first_image(container: HtmlElement, base: str | None) -> str | None:
    for img in container.iter("img"):
        src = img.get("src") or img.get("data-src") or ""
        srcset = img.get("srcset") or img.get("data-srcset")
        if (not src or src.startswith("data:")) and srcset:
            src = srcset.split(",")[0].strip().split(" ")[0]
        if not src or src.startswith("data:"):
            continue
        width = img.get("width") or ""
        if width.isdigit() and int(width) < 100:
            continue
        found = _absolute(src, base)
        if found:
            return found
    return None


def _absolute(value: str | None, base: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if not value or value.startswith(("data:", "javascript:", "about:", "#")):
        return None
    if value.startswith("//"):
        scheme = (base or "https:").split(":", 1)[0] if base and _is_http(base) else "https"
        value = f"{scheme}:{value}"
    try:
        from urllib.parse import urljoin, urlsplit

        resolved = urljoin(base, value) if base else value
        parts = urlsplit(resolved)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return resolved


def _is_http(url: str) -> bool:
    return url.strip().lower().startswith(("http://", "https://"))


def _lang_code(value: str | None) -> str | None:
    if not value or not isinstance(value, str):
        return None
    code = re.split(r"[-_,;\s]", value.strip().lower(), maxsplit=1)[0]
    return code if len(code) == 2 and code.isascii() and code.isalpha() else None


def _unescape(value: str) -> str:
    """Character references left in text that was escaped twice ("&#8217;", "&quot;"); a bare "&" stays."""
    return _ENTITY.sub(lambda m: html.unescape(m.group()), value) if "&" in value else value


def _clean_title(value: str, sites: list[str] | str | None) -> str:
    """`value` without the decoration a site adds to headlines: at the end, segments that are a date, one of
    the `sites` names or a close variant ("DW" for dw.com, "Taipei Times" for taipeitimes.com, "NTV Haber" for
    ntv.com.tr) or "by <Name>"; at the start, a segment that is one of the `sites` names."""
    value = " ".join(_unescape(value).split())
    if isinstance(sites, str):
        sites = [sites]
    keys = [k for k in dict.fromkeys(_site_key(s) for s in sites or ()) if k]

    def named(segment: str, *, loosely: bool) -> bool:
        seg = _site_key(segment)
        if not seg:
            return False
        squeezed = seg.replace(" ", "")
        for key in keys:
            if seg == key or squeezed == key.replace(" ", ""):
                return True
            # a close variant: the name with a word or two beside it ("NTV Haber", "Die Neue X Tageszeitung"),
            # written as a name is (no word in lower case: "Time to decide" on time.example is a headline's)
            if (loosely and len(seg.split()) <= 4 and (seg.startswith(key + " ") or seg.endswith(" " + key))
                    and not any(word[:1].islower() for word in segment.split())):
                return True
        return False

    def end(segment: str) -> bool:
        if not _norm(segment) or _DATE_SEGMENT.fullmatch(segment.strip()):
            return True
        byline = _BYLINE_SEGMENT.fullmatch(segment.strip())
        if byline and byline.group("name")[0].isupper():
            return True
        return named(segment, loosely=True)

    def start(segment: str) -> bool:
        return not _norm(segment) or named(segment, loosely=False)

    return strip_title_decoration(value, end, start)


def _site_key(name: str) -> str:
    """A site's name compared loosely: "The Gazette", "the-gazette" and "GAZETTE" are one."""
    return _norm(name).removeprefix("the ")


def _bare_title(title: str, others: list[str]) -> str:
    """`title`, or the other source's headline that it is with a decoration joined on at the end
    ("Headline-Section", "Headline | Section | Site" where h1 or JSON-LD say "Headline"). The bare headline has
    to be at least 40% of the whole, so that a short label never replaces the headline it names. A kicker in
    front ("Kicker: Headline") is part of the headline the site shows, not decoration, and stays."""
    if len(title) > _MAX_TITLE_CHARS:  # no headline is this long: not worth a search at every joint
        return title
    whole = _norm(title)
    for other in others:
        bare = _norm(other)
        if not bare or bare == whole or len(bare) < 0.4 * len(whole):
            continue
        for joint in _TITLE_JOINT.finditer(title):
            if bare == _norm(title[: joint.start()]):
                return other
    return title


def _title_date(titles: list[str | None]) -> datetime | None:
    """A date the site put at the end (or start) of its titles ("Headline | Site | 28.04.2023"): the day the
    page was published, read only when it is unambiguous (day.month.year, year-month-day, or a slashed date
    with a day above 12)."""
    for title in titles:
        if not title:
            continue
        parts = title_segments(title)
        if len(parts) < 2:
            continue
        for part in (parts[-1], parts[0]):
            found = _DATE_SEGMENT.fullmatch(part.strip())
            if not found:
                continue
            if found.group("dmy"):
                day, month, year = found.group("d", "m", "y")
            elif found.group("ymd"):
                year, month, day = found.group("Y", "M", "D")
            elif found.group("named"):
                value = parse_date(found.group("named"), "title date")
                if value:
                    return value
                continue
            else:
                a, b, year = (int(x) for x in found.group("a", "b", "sy"))
                if (a > 12) == (b > 12):  # 04/05/2024 is the 4th of May or the 5th of April
                    continue
                day, month = (a, b) if a > 12 else (b, a)
            value = parse_date(f"{int(year):04d}-{int(month):02d}-{int(day):02d}", "title date")
            if value:
                return value
    return None


# -- dates

def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _htmldate(tree: HtmlElement, url: str | None) -> datetime | None:
    try:
        from htmldate import find_date
    except ImportError:  # pragma: no cover
        return None
    try:
        value = find_date(tree, url=url, original_date=True, extensive_search=False,
                          outputformat="%Y-%m-%dT%H:%M:%S")
    except (RecursionError, MemoryError):
        raise
    except Exception:  # noqa: BLE001 - htmldate on hostile markup
        return None
    return parse_date(value, f"{url or 'page'}: htmldate") if value else None
