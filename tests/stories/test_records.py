"""The article records of `newsdesk cluster` and `newsdesk analyze` (newsdesk.stories.records): the language a
record names."""

from __future__ import annotations

import io
import json

from newsdesk.stories.records import RecordError, read_records


def test_a_record_names_its_language_or_leaves_it_to_be_guessed():
    lines = [{"id": 1, "title": "Digue rompue", "text": "La digue a cédé.", "language": "fr-FR"},
             {"id": 2, "title": "Dam", "text": "The dam gave way."},
             {"id": 3, "title": "Dam", "text": "The dam gave way.", "language": None},
             {"id": 4, "title": "Damm", "text": "Der Damm ist gebrochen.", "language": ["de"]}]
    read = list(read_records(io.StringIO("\n".join(json.dumps(line) for line in lines))))
    assert [getattr(r, "language", None) for r in read[:3]] == ["fr-FR", None, None]
    assert isinstance(read[3], RecordError) and read[3].line == 4
    assert read[3].message == "'language' must be a language tag such as \"en\" or null, not ['de']"
