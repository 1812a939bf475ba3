"""Reading the article records that `newsdesk cluster` and `newsdesk analyze` take (JSON a line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from newsdesk.dates import parse_date
from newsdesk.genre import GENRES, detect_genre
from newsdesk.models import StoryDoc


@dataclass
class RecordError:
    line: int
    message: str


def read_records(stream: IO[str]) -> Iterator[StoryDoc | RecordError]:
    """One StoryDoc per good line, a RecordError (with the line number and why) per bad one."""
    for number, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield RecordError(number, f"not JSON ({exc.msg} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield RecordError(number, "not a JSON object")
            continue
        if obj.get("id") in (None, ""):
            yield RecordError(number, "missing 'id'")
            continue
        title, text = obj.get("title") or "", obj.get("text") or ""
        if not isinstance(title, str) or not isinstance(text, str):
            yield RecordError(number, "'title' and 'text' must be strings")
            continue
        url = obj.get("url")
        if "genre" in obj:  # null: reporting, as the record says
            genre = obj["genre"]
            if genre is not None and genre not in GENRES:
                yield RecordError(number, f"'genre' must be one of {', '.join(GENRES)} or null, not {genre!r}")
                continue
        else:  # read from the labels its URL and title carry, as extraction does
            genre = detect_genre([url], [title])
        language = obj.get("language")
        if language is not None and not isinstance(language, str):
            yield RecordError(number, f"'language' must be a language tag such as \"en\" or null, not {language!r}")
            continue
        # A bad date is no date (newsdesk.dates): the article still clusters, undated. A far one is kept: the
        # file's timeline is its own (an archive, a simulation), only order and spacing matter to grouping.
        published = parse_date(obj.get("published"), f"line {number}: published", plausible=False)
        yield StoryDoc(id=obj["id"], title=title, text=text, published=published, url=url,
                       source=obj.get("source"), genre=genre, language=language or None)
