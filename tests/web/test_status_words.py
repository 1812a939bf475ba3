"""Sources' statuses in words (issue 18 item 1): pages and `sources list` say what happened, never a stored value
such as "not_modified"; the API keeps the stored values (a contract)."""

from __future__ import annotations

from newsdesk.store.queries import SOURCE_STATUS_WORDS, source_status_words


def test_every_stored_status_reads_as_words():
    # The statuses collect.SourceReport.status can store, and a source never fetched.
    for status in (None, "ok", "not_modified", "warning", "error", "deferred", "leased"):
        words = source_status_words(status)
        assert words and "_" not in words and words != status, status
    assert source_status_words("not_modified") == "unchanged since last fetch"
    assert source_status_words(None) == "not fetched yet"
    assert source_status_words("error") == "fetch failed"


def test_a_status_added_later_still_reads_as_words():
    assert source_status_words("rate_limited_by_host") == "rate limited by host"


def test_the_words_are_distinct():
    assert len(set(SOURCE_STATUS_WORDS.values())) == len(SOURCE_STATUS_WORDS)
