"""newsdesk.text: stemming by the article's language."""

from __future__ import annotations

from newsdesk.text import stem_english, stemmer


def test_english_and_unknown_languages_use_the_light_stripper():
    for language in (None, "en", "en-GB", "xx", "zh"):
        stem = stemmer(language)
        assert stem is stem_english
        assert {stem(w) for w in ("arrested", "arrests", "arrest")} == {"arrest"}


def test_other_languages_get_their_snowball_stemmer():
    assert stemmer("de")("häuser") == stemmer("de-AT")("haus")
    assert stemmer("fr")("présidentielles") == stemmer("fr")("présidentiel")
    assert stemmer("es")("elecciones") == stemmer("es")("elección")
