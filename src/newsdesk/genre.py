"""What kind of piece an article is: opinion, round-up, or reporting (None).

Opinion (editorials, op-eds, columns, commentary, letters) joins the story of its event but is no source of fact
for the brief; a round-up (a market wrap, a news briefing) mentions many events in passing and joins none. Both are
told by the labels publishers put on them, read here as data (the tables below) by one pure function that the
extractor calls with what a page says and `newsdesk cluster` with a record's URL and title:

- opinion: a URL path segment or sub-domain that names an opinion section (``/opinion/``, ``/commentisfree/``,
  ``/meinung/``; never part of a slug, so ``/news/opinion-poll-shows`` stays news, nor ``/comments/``), a
  JSON-LD type that says so (``OpinionNewsArticle``; ``ReviewNewsArticle`` too: a critic's assessment is a
  judgement, not reporting; ``AnalysisNewsArticle`` and ``BackgroundNewsArticle`` are coverage), a section or
  genre named like one (``article:section``, JSON-LD ``articleSection`` and ``genre``), or a headline label
  ("Opinion: ...", "Editorial | ...", "... | Opinion | Site", "The Guardian view on ...").
- round-up: a headline or URL slug that names a market wrap or a news briefing ("Markets wrap", "Stock market
  today", "Morning briefing", "10 things you need to know today", "HS roundup: ..."). Live updates and
  "The Latest" pages follow one event and are coverage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from urllib.parse import unquote, urlsplit

OPINION = "opinion"
ROUNDUP = "roundup"
GENRES = (OPINION, ROUNDUP)

# Section, genre and headline-label names of opinion, as `_fold` writes them (lower case, hyphens and
# underscores as spaces). A URL segment or sub-domain is folded the same way before it is looked up.
OPINION_LABELS = frozenset({
    # English
    "opinion", "opinions", "editorial", "editorials", "op ed", "op eds", "oped", "opeds", "commentary",
    "commentaries", "comment", "commentisfree", "column", "columns", "columnist", "columnists", "letters",
    "letter", "letters to the editor", "letter to the editor", "guest column", "guest opinion",
    "guest commentary", "guest editorial", "our view", "my view", "viewpoint", "viewpoints", "perspective",
    "opinion column", "editorial board",
    # German, Dutch, Nordic
    "meinung", "meinungen", "kommentar", "kommentare", "kolumne", "kolumnen", "leitartikel", "gastbeitrag",
    "gastkommentar", "opinie", "commentaar", "debatt", "kronikk", "kronikker", "ledare", "kommentarer",
    "kolumnister",
    # Romance languages
    "opinión", "opiniones", "editoriales", "columna", "columnas", "columnistas", "tribuna",
    "tribune", "tribunes", "chronique", "chroniques", "point de vue", "éditorial", "editoriaux", "opinione",
    "opinioni", "editoriale", "commento", "commenti", "opinião", "opiniao",
    # Central and Eastern Europe, Turkish
    "opinia", "felieton", "felietony", "komentarz", "komentarze", "publicystyka", "мнения", "мнение",
    "колонка", "колумнисты", "görüş", "yazarlar",
    # Arabic, Japanese, Korean, Chinese
    "رأي", "آراء", "مقالات الرأي", "社説", "コラム", "オピニオン", "사설", "칼럼", "오피니언", "社论", "社論", "观点",
})
# Labels that are also names of papers or of other things a headline part can be ("The Tribune"): not read
# as a headline label.
NOT_HEADLINE_LABELS = frozenset({"tribune", "tribunes", "tribuna", "perspective"})
# A URL segment is read percent-decoded; these are the spellings without diacritics that URLs use for the
# labels above that have them ("opinion", "editorial", "opiniao" are labels already).
OPINION_URL_SEGMENTS = OPINION_LABELS | {"gorus"}
# JSON-LD types (lower case) of a page's article that say it is opinion.
OPINION_TYPES = frozenset({"opinionnewsarticle", "reviewnewsarticle"})
# Editorial headlines that name the paper: "The Guardian view on ...", "The Observer view on ...".
OPINION_HEADLINE = re.compile(r"^the (?:\w+ ){1,2}view on\b")

# Headline or URL slug phrases (regular expressions over text folded as above) of market wraps and news briefings.
ROUNDUP_PHRASES = (
    r"markets? wraps?",
    r"stock markets? (?:news )?today",
    r"stocks? making (?:the )?biggest moves",
    r"markets? (?:latest|live)",
    r"(?:morning|evening|midday|weekend|your(?: \w+){1,2}) briefing",
    r"(?:need|things) to know (?:today|this morning|this week|this weekend)",
    r"(?:news|sports?|prep|hs|high school|area|local|college|regional|weekly|daily|morning|evening|weekend|week"
    r"|business|markets?|tech|world|headlines?) round ?ups?",
    r"(?:week|month|year) in review",
    r"news in brief",
)
_ROUNDUP = re.compile(r"\b(?:" + "|".join(ROUNDUP_PHRASES) + r")\b")

# Separators between a headline and its labels or the site's name ("Opinion | ...", "... - Opinion - Site").
_TITLE_PARTS = re.compile(r"\s+(?:\||-|–|—|::|»|·|•)\s+|\s*\|\s*")
_LABEL_COLON = re.compile(r"^([^:]{1,40}):\s")
_NOT_WORD = re.compile(r"[^\w'’]+")
_URL_EXTENSION = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$")


def _fold(value: str) -> str:
    """Lower case, NFKC, hyphens, underscores and punctuation as single spaces."""
    value = unicodedata.normalize("NFKC", value).casefold().replace("’", "'")
    return " ".join(_NOT_WORD.sub(" ", value).split())


def detect_genre(
    urls: Iterable[str | None] = (),
    titles: Iterable[str | None] = (),
    *,
    sections: Iterable[object] = (),
    types: Iterable[object] = (),
) -> str | None:
    """"opinion", "roundup", or None (reporting) from what a page says about itself: its URLs (as fetched and
    canonical), its titles (the headline, the <title> tag), its sections and genres (``article:section``,
    JSON-LD ``articleSection`` / ``genre``; strings or lists of them) and its JSON-LD article types. Opinion
    labels win over round-up phrases: an opinion digest is the paper's view first."""
    url_list = [u for u in urls if isinstance(u, str) and u.strip()]
    title_list = [t for t in titles if isinstance(t, str) and t.strip()]
    if (
        any(isinstance(t, str) and t.strip().casefold() in OPINION_TYPES for t in _flat(types))
        or any(_is_opinion_section(s) for s in _flat(sections))
        or any(_opinion_url(u) for u in url_list)
        or any(_opinion_title(t) for t in title_list)
    ):
        return OPINION
    if any(_ROUNDUP.search(_fold(t)) for t in title_list) or any(_roundup_url(u) for u in url_list):
        return ROUNDUP
    return None


def _flat(values: Iterable[object]) -> Iterable[object]:
    for value in values:
        if isinstance(value, list | tuple):
            yield from (v for v in value[:20] if not isinstance(v, list | tuple | dict))
        else:
            yield value


def _is_opinion_section(value: object) -> bool:
    """A section named like an opinion section, alone or as one step of a path ("News > Opinion")."""
    if not isinstance(value, str) or len(value) > 200:
        return False
    return any(_fold(part) in OPINION_LABELS for part in re.split(r"[/>|,;»]", value))


def _path_segments(url: str) -> tuple[list[str], str]:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return [], ""
    segments = [_URL_EXTENSION.sub("", unquote(s)) for s in parts.path.split("/") if s]
    return segments, (parts.hostname or "")


def _opinion_url(url: str) -> bool:
    segments, host = _path_segments(url)
    labels = host.split(".")
    if len(labels) > 2 and _fold(labels[0]) in OPINION_URL_SEGMENTS:  # opinion.example.com
        return True
    return any(_fold(segment) in OPINION_URL_SEGMENTS for segment in segments)


def _roundup_url(url: str) -> bool:
    segments, _ = _path_segments(url)
    return any(_ROUNDUP.search(_fold(segment)) for segment in segments)


def _opinion_title(title: str) -> bool:
    """A label part of a headline: "Opinion: ...", "Opinion | ...", "... - Editorial - Site"."""
    folded = _fold(title)
    if OPINION_HEADLINE.match(folded):
        return True
    parts = [p for p in _TITLE_PARTS.split(title.strip()) if p.strip()]
    labelled = _LABEL_COLON.match(title.strip())
    if labelled:
        parts.append(labelled.group(1))
    elif len(parts) < 2:
        return False
    return any((label := _fold(part)) in OPINION_LABELS and label not in NOT_HEADLINE_LABELS for part in parts)
