"""Reading the article records that `newsdesk cluster` and `newsdesk analyze` take (JSON a line)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

from newsdesk.models import StoryDoc


@dataclass
class RecordError:
    line: int
    message: str


def _published(value: object) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None  # a bad date is no date: the article still clusters
    return when if when.tzinfo else when.replace(tzinfo=UTC)


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
        yield StoryDoc(id=obj["id"], title=title, text=text, published=_published(obj.get("published")),
                       url=obj.get("url"), source=obj.get("source"))
