"""Attributed statements: who said what, in which words, and how sure the article is of it.

Three sources of statements:

* direct quotes, found by their quote marks (`nlp.find_quotes`) and attributed through the speech verb next to
  them in the same sentence (`"…," X said`, `X said: "…"`, `"…," said X`) or the name signing them after a
  dash (`"…" ― Name`); a quote with no frame of its own continues the quote before it (news style: `"…," she
  said. "…"`);
* transcript lines: `NAME: …`, the name in capitals one of a person the article names;
* reported speech, found through the dependency parse: a cue verb with a subject and what it attributes: a
  clause ("X said (that) …", "X told Y …", "analysts believe …"), the sentence a frame interrupts ("The ferry,
  he said, will run"), an infinitive of a belief or intention ("wants to sell"), an object with its complement
  ("Putin dismissed such notions", "condemned the test as reckless", "called for an audit"), what a poll or a
  study shows or found; "according to X, …", and "… reported by X".

A speaker is someone: a person, an organisation or a description of one (`_Resolver.resolve`). A pronoun
speaker ("he said") is the most recent named person speaker of that gender (a person's gender is known from an
honorific, a gendered title or an earlier pronoun), else the most recent person mentioned; "it" and "they" the
subject of the clause they hang on, else the last organisation that spoke; a relative pronoun the noun it
follows; "the mayor", "the Post", "the agency" the person or organisation so named before. A subject that names
nobody (a date, a number alone, "coffee", "that decision": the word lists of `data/speaker-words.toml`) leaves
the speaker unknown (None) rather than a fragment. `kind` comes from the speaker's words and role (the same
file) and the labels registry, `status` from the verb and hedges in the text.

An article yields at most `MAX_STATEMENTS` statements, the first found (the most in PolNeAR and ECB+: 114):
speech verbs nest ("A said B said C said ..."), each statement holding the ones after it, so that without a
bound a run-on text of speech verbs gives statements whose sizes add up to the square of its length.
"""

from __future__ import annotations

import bisect
import itertools
import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from newsdesk.analyze.entities import (
    HEADLINE_VERBS,
    TITLE_WORDS,
    Entity,
    Mention,
    clean_name,
    mentions_from_layout,
    merge_mentions,
    named_entities,
    propagate_names,
)
from newsdesk.analyze.nlp import (
    ABBREVIATIONS,
    Layout,
    ModelMissingError,
    Quote,
    get_nlp,
    plan,
    run_models,
    split_sentences,
)
from newsdesk.errors import TimeBudgetError
from newsdesk.labels import speaker_words
from newsdesk.timebudget import check_deadline, deadline

MAX_STATEMENTS = 1000
STATUSES = ("reported", "claim", "speculation", "denial")

_IRREGULAR = {"said": "say", "says": "say", "saying": "say", "told": "tell", "wrote": "write", "written": "write",
              "thought": "think", "admitted": "admit", "admitting": "admit", "quipped": "quip",
              "quipping": "quip", "referred": "refer", "spoke": "speak", "spoken": "speak",
              "planned": "plan", "planning": "plan", "slammed": "slam", "slamming": "slam", "found": "find",
              "shown": "show", "felt": "feel", "knew": "know", "known": "know", "learnt": "learn",
              "according": "according to"}
# Verbs that attribute words to a speaker: their clause is what was said ("X said (that) ...").
SPEECH_VERBS = frozenset("""
say tell add state announce explain note emphasize emphasise stress caution warn insist claim deny dismiss reject
refute rebut argue suggest believe report write comment reply respond confirm acknowledge admit declare predict
speculate estimate think expect recall remark tweet quip joke conclude assert maintain contend allege observe
reiterate vow promise pledge complain concede disclose reveal testify indicate agree counter hint mention fear
continue describe speak urge ask
""".split()) | {"point out"}
# Verbs whose object, with what completes it, is what was said ("dismissed such notions", "condemned the test as
# reckless", "accused the mayor of lying", "urged voters to stay home"). Not "disclose": what is disclosed is a
# thing (their assets, the documents), rarely words.
_OBJECT_VERBS = frozenset("""
deny dismiss reject refute rebut caution warn emphasize emphasise stress note confirm announce report predict
acknowledge admit reiterate describe reveal cite propose demand urge criticize criticise accuse condemn
endorse praise question blast slam defend mention ask discuss
""".split()) | {"point out"}
# Taking a stand on someone or something is a statement only when someone takes it: "the storm slammed the
# coast" and "the tanks defended the bridge" are not.
_STANCE_VERBS = frozenset("""
criticize criticise accuse condemn endorse praise question blast slam defend call cite propose demand
""".split())
# Beliefs and intentions: the clause or the infinitive is what the speaker holds ("wants to cut taxes").
_BELIEF_VERBS = frozenset("think believe expect hope fear want plan intend worry doubt suspect feel".split())
_INTENTION_VERBS = frozenset("vow pledge promise refuse threaten agree decline decide".split())
# What someone knows or found out, told by its clause only ("she knew that ...", "he learned that ...").
_KNOWLEDGE_VERBS = frozenset("know learn realize realise understand recognize recognise".split())
# Findings: a poll, a study or a video "shows" or "found" something; a person "found that" something.
_FINDING_VERBS = frozenset({"show", "find"})
_SOURCE_NOUNS = frozenset("""
poll polls survey surveys study studies report reports data analysis analyses video videos footage research
figures statistics records documents audit review census transcript transcripts average averages slide chart
clip letter filings tally
""".split())
# Phrasal denials, known by their particle ("brushed off the report", "shrugged off the criticism").
_PHRASAL = {("brush", "off"): "dismiss", ("shrug", "off"): "dismiss", ("point", "out"): "point out"}
_PHRASAL_FORMS = {form: base for base in ("brush", "shrug", "point", "push") for form in (
    base, base + ("es" if base.endswith("sh") else "s"), base + ("ged" if base == "shrug" else "ed"),
    base + ("ging" if base == "shrug" else "ing"))}
# Cues whose content is the object of a preposition ("pointed to the polls", "spoke of the legacy of racism",
# "commented on the strike", "pushed for a recount").
_PREP_CUES = {("point", "to"): "point to", ("push", "for"): "push for"}
_PREP_CONTENT = {"point to": ("to",), "speak": ("of", "about"), "comment": ("on", "about"), "push for": ("for",),
                 "talk": ("about", "of"), "complain": ("about", "of"), "rail": ("against",)}
_PREP_VERBS = frozenset({"talk", "rail"})  # known by their preposition only
_DENIAL_VERBS = frozenset({"deny", "dismiss", "reject", "refute", "rebut"})
_SPECULATION_VERBS = frozenset({"believe", "suggest", "speculate", "predict", "expect", "think", "estimate",
                                "fear", "hint", "hope", "want", "plan", "intend", "worry", "doubt", "suspect",
                                "feel"})
_HEDGES = re.compile(r"\b(may|might|could|likely|unlikely|possibl[ey]|perhaps|probabl[ey]|potential(?:ly)?|"
                     r"speculat\w*|appear(?:s|ed)? to|seem(?:s|ed)? to)\b", re.I)
_DENIAL_WORDS = re.compile(r"\b(no such|not true|untrue|baseless|groundless|unfounded|fabricat\w+|"
                           r"false(?:hood)?s?|fake news|nonsense)\b", re.I)

_FRAME_ONLY = {"read": "read", "reads": "read", "posted": "post", "shouted": "shout", "chanted": "chant",
               "apologized": "apologize", "apologised": "apologize", "apologizes": "apologize",
               "apologises": "apologize", "began": "begin", "went": "go", "goes": "go", "whispered": "whisper",
               "yelled": "yell", "screamed": "scream", "wondered": "wonder", "tells": "tell",
               "demanded": "demand"}
_PRONOUNS = {"he": "m", "she": "f", "him": "m", "her": "f"}
_PLURAL_PRONOUNS = {"they", "it", "we"}
# Entities that are never someone: "said Thursday", "74 percent said".
_NOT_SPEAKER_ENTITIES = {"DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL"}
# Entities that are adjectives when they modify the speaker's noun: "the American Pie star's rep", "the
# influential US daily", "The Washington Post" read as Washington + Post.
_ADJECTIVAL_ENTITIES = {"NORP", "GPE", "LOC"}
_MODIFIER_DEPS = {"compound", "amod", "nmod", "npadvmod"}
_RELATIVE_PRONOUNS = {"who", "whom", "which", "that", "whose"}
# How many earlier organisation mentions a short reference ("the Post", "the agency") looks back over.
_LOOK_BACK = 50

_FORMS: dict[str, str] = {}


def _inflect(base: str) -> list[str]:
    if base.endswith("y") and base[-2] not in "aeiou":
        return [base, base[:-1] + "ies", base[:-1] + "ied", base + "ing"]
    if base.endswith("e"):
        return [base, base + "s", base + "d", base[:-1] + "ing"]
    if base.endswith(("s", "sh", "ch", "x")):
        return [base, base + "es", base + "ed", base + "ing"]
    return [base, base + "s", base + "ed", base + "ing"]


for _verb in (SPEECH_VERBS | _OBJECT_VERBS | _STANCE_VERBS | _BELIEF_VERBS | _INTENTION_VERBS | _KNOWLEDGE_VERBS
              | _FINDING_VERBS | _PREP_VERBS):
    if " " in _verb:
        continue  # a phrasal cue ("point out"): known by its verb and particle (_PHRASAL)
    for _form in _inflect(_verb):
        _FORMS.setdefault(_form, _verb)
_FORMS.update(_IRREGULAR)
# Nouns of saying whose clause is what someone said, claimed or holds ("the mayor's claim that the budget was
# balanced"), with the verb that gives the statement's status.
_CLAIM_NOUNS = {noun: verb for verb, nouns in {
    "claim": "claim claims", "assert": "assertion assertions", "allege": "allegation allegations",
    "accuse": "accusation accusations", "charge": "charge charges", "contend": "contention",
    "insist": "insistence", "warn": "warning warnings", "argue": "argument", "state": "statement",
    "promise": "promise promises", "pledge": "pledge pledges", "predict": "prediction predictions",
    "suggest": "suggestion", "acknowledge": "acknowledgment acknowledgement", "admit": "admission",
    "deny": "denial", "believe": "belief", "fear": "fear fears"}.items() for noun in nouns.split()}
SPEECH_WORD = re.compile(r"\b(" + "|".join(sorted({*_FORMS, *_PHRASAL_FORMS, *_CLAIM_NOUNS}, key=len, reverse=True))
                         + r")\b", re.I)


def verb_lemma(word: str) -> str | None:
    """The lemma of a speech verb form ("told" -> "tell"), None for any other word."""
    return _FORMS.get(word.lower())


@dataclass
class Statement:
    speaker: str | None
    speaker_role: str | None
    text: str
    verb: str
    kind: str
    status: str
    # Character offsets of `text` in the article. A quote split by its frame ("A," she said. "B.") is one
    # statement: start..end span both parts and the frame, `text` is the parts joined by " … ".
    start: int
    end: int
    quote: bool = False  # a direct quote (else reported speech)
    speaker_type: str | None = None  # the entity type when the speaker is a named entity
    # Reported speech is the writer's wording: the article's sentence(s) holding it, for a reader to check it
    # against (None for a quote, and where the statement is its whole sentence).
    context: str | None = None

    def to_contract(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "speaker_role": self.speaker_role, "text": self.text, "verb": self.verb,
                "kind": self.kind, "status": self.status, "start": self.start, "end": self.end,
                "quote": self.quote, **({"context": self.context} if self.context else {})}


@dataclass
class ArticleAnalysis:
    entities: list[Entity]
    statements: list[Statement]
    mentions: list[Mention] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- kind, status


def classify_kind(speaker: str | None, role: str | None = None, entity_type: str | None = None,
                  is_state_media: Callable[[str], bool] | None = None,
                  is_outlet: Callable[[str], bool] | None = None) -> str:
    """official, state_media, media, expert, analyst, anonymous or other, from the speaker's words and role
    (the lists of `data/speaker-words.toml`) and, for outlets, the labels registry. An unknown speaker is
    "other": the article may well name them where the rules did not find it."""
    words = " ".join(x for x in (speaker, role) if x)
    if not words:
        return "other"
    if speaker and is_state_media is not None and is_state_media(speaker):
        return "state_media"
    if speaker and is_outlet is not None and is_outlet(speaker):
        return "media"
    lists = speaker_words()
    for kind, pattern in lists.kinds:
        if (kind != "anonymous" or entity_type is None) and pattern.search(words):
            return kind
    if role and lists.official_titles.search(role):
        return "official"
    return "other"


def classify_status(verb: str, text: str, kind: str, outlet: bool = False) -> str:
    """denial, reported, speculation or claim (checked in that order)."""
    if verb in _DENIAL_VERBS or _DENIAL_WORDS.search(text):
        return "denial"
    if verb == "report" or kind == "state_media" or outlet:
        return "reported"
    if verb in _SPECULATION_VERBS or _HEDGES.search(text):
        return "speculation"
    return "claim"


# ---------------------------------------------------------------------------------------------- extraction


@dataclass
class _Candidate:
    position: int
    start: int
    end: int
    verb: str
    quote: bool
    subject: Any = None  # a spaCy token, or None
    subject_offset: int = 0
    inherit: bool = False  # a quote with no frame: its speaker is the previous quote's
    verb_at: tuple[int, int] | None = None  # (chunk offset, token index) of the speech verb
    verb_char: int = -1  # the speech verb's character offset in the article
    # The quote's parts when its frame splits it ("A," she said. "B."): start..end then spans them, frame included.
    parts: list[tuple[int, int]] = field(default_factory=list)
    speaker: Entity | None = None  # known without a subject: a transcript line's speaker


class _Resolver:
    """Turns subject tokens into speakers, keeping what earlier statements resolved (for pronouns).

    Look-ups are by bisection and by indexes made once, not scans of every mention: they run once per
    statement, and an article may hold thousands of mentions."""

    def __init__(self, entities: list[Entity], by_span: dict[tuple[int, int], Entity],
                 is_state_media: Callable[[str], bool] | None, is_outlet: Callable[[str], bool] | None) -> None:
        self.entities = entities
        self.spans = sorted(by_span.items())
        self.starts = [s for (s, _e), _entity in self.spans]
        # The largest end among the spans up to each one: the first span that ends after a position is found
        # by bisection even if spans were to overlap.
        self.reach = list(itertools.accumulate((e for (_s, e), _entity in self.spans), max))
        self.persons = [(s, entity) for (s, _e), entity in self.spans if entity.type == "PERSON"]
        self.person_starts = [s for s, _entity in self.persons]
        self.orgs = [(s, entity) for (s, _e), entity in self.spans if entity.type == "ORG"]
        self.org_starts = [s for s, _entity in self.orgs]
        self.org_words: dict[str, list[tuple[int, Entity]]] | None = None  # made on first use (_orgs_with)
        self.words: dict[str, list[tuple[int, Entity]]] | None = None  # made on first use (by_word)
        self.is_state_media = is_state_media
        self.is_outlet = is_outlet
        # (position, entity, text, plural): who spoke, in order; plural tells the number of a speaker known only
        # by a description ("the study", "analysts"), None when unknown.
        self.history: list[tuple[int, Entity | None, str | None, bool | None]] = []

    def entity_at(self, start: int, end: int) -> Entity | None:
        """The entity of the first mention that overlaps start..end."""
        first = bisect.bisect_right(self.reach, start)
        if first < len(self.spans) and self.starts[first] < end:
            return self.spans[first][1]
        return None

    def by_word(self, word: str, position: int) -> Entity | None:
        """The entity (a person first) one of whose names has `word` as a word, the latest before `position`."""
        if self.words is None:
            self.words = {}
            for (s, _e), entity in self.spans:
                for w in {w.lower() for alias in (entity.name, *entity.aliases) for w in alias.split()}:
                    seen = self.words.setdefault(w, [])
                    if not seen or seen[-1][1] is not entity:  # a repeat of the one before never changes `best`
                        seen.append((s, entity))
        best: Entity | None = None
        for s, entity in self.words.get(word.lower(), ()):
            if best is None or (entity.type == "PERSON" and best.type != "PERSON") or (
                    s < position and entity.type == best.type):
                best = entity
        return best

    def _persons_before(self, position: int) -> Iterator[Entity]:
        """The people mentioned before `position`, the latest first."""
        for k in range(bisect.bisect_left(self.person_starts, position) - 1, -1, -1):
            yield self.persons[k][1]

    def last_person(self, position: int, gender: str | None) -> Entity | None:
        recent = list(itertools.islice(
            (e for _pos, e, _text, _n in reversed(self.history) if e is not None and e.type == "PERSON"), 3))
        # Among the last few speakers, one known to be of this gender beats one whose gender is unknown.
        for wanted in ((gender,) if gender else ()) + (None,):
            for entity in recent:
                if entity.gender == wanted or (wanted is None and gender is None):
                    return entity
        for _pos, entity, _text, _n in reversed(self.history):
            if entity is not None and entity.type == "PERSON" and (gender is None or entity.gender in (None, gender)):
                return entity
        return next((e for e in self._persons_before(position) if gender is None or e.gender in (None, gender)),
                    None)

    def resolve(self, token: Any, offset: int, position: int) -> tuple[str | None, str | None, Entity | None]:
        """(speaker, role, entity) for the subject `token` of a chunk parsed at `offset`: a person, an
        organisation or a description of one, or (None, None, None) when the subject names nobody (a
        pronoun with no one before it, a date, "coffee", "that decision")."""
        word = token.lower_
        if word in _PRONOUNS:
            entity = self.last_person(position, _PRONOUNS[word])
            if entity is not None and entity.gender is None:
                entity.gender = _PRONOUNS[word]  # "he" once, "he" later: she is not this one
            return self._named(entity) if entity else (None, None, None)
        if word in _PLURAL_PRONOUNS or token.tag_ == "PRP":
            antecedent = _sentence_antecedent(token)
            if antecedent is not None:
                return self.resolve(antecedent, offset, position)
            plural = word in ("they", "we")
            for _pos, entity, text, number in reversed(self.history):
                if entity is None and text is not None and number is not None and number != plural:
                    continue  # "they cite" is not "the study" that spoke before
                if entity is None or entity.type != "PERSON":
                    return self._named(entity) if entity else (text, None, None)
            return None, None, None
        if token.text[:1].isupper() and token.tag_ in ("NN", "NNS") and not speaker_words().can_speak(word):
            # A surname the tagger took for a noun ("Wines believes" after "Mary Wines", "D’Souza said").
            entity = self.by_word(token.text, position)
            if entity is not None:
                return self._named(entity)
            if not token.is_sent_start or not token.text.isalpha():
                return clean_name(token.text), None, None
        # A name given with the subject ("One Republican hopeful, Carly Fiorina,", "a statement from the
        # ministry") names the speaker whatever the head noun; else the head must name someone.
        found = self.named_in(token, offset)
        if not found:
            token = _speaker_token(token)
            if token is None:
                return None, None, None
            found = self.named_in(token, offset)
        if found:
            # "the Troy police chief, Charles Craft": the person, not the town
            entity = next((e for e in found if e.type == "PERSON"), found[0])
            return self._named(self.full_org(entity, position) if entity.type == "ORG" else entity)
        if token.text[:1].isupper() and token.tag_ in ("NNP", "NNPS"):
            # An outlet the NER missed or split ("The Washington Post" read as the place Washington).
            words = " ".join(t.text for t in _compound_chain(token))
            if self.is_outlet is not None and self.is_outlet(words):
                return words, None, Entity(words, "ORG", 1)
            # A name the NER missed here but found elsewhere ("Fanning said" after "Tim Fanning").
            entity = self.by_word(token.text, position)
            if entity is not None:
                return self._named(entity)
            name, role = _proper_name(token)
            if name:
                entity = Entity(name, "PERSON", 1, role=role)
                return name, role, entity
        entity = self.by_title(token, position) or self.by_description(token, position)
        if entity is not None:
            return self._named(entity)
        return _phrase(token), None, None

    def named_in(self, token: Any, offset: int) -> list[Entity]:
        """The entities of the subject `token` and the names given with it. A name modifying the head noun
        counts only when the head is a title or speaks for someone ("spokesman John Smith", "the Kremlin
        statement"), and never as an adjective: "Trump supporters" are not Trump, "the American Pie star's rep"
        is nobody named American."""
        speaks_for = token.lower_ in speaker_words().voices or token.lower_.strip(".") in TITLE_WORDS
        return [e for tok in [token, *_name_parts(token)]
                if (e := self.entity_at(offset + tok.idx, offset + tok.idx + len(tok.text))) is not None
                and not (tok.i != token.i and tok.dep_ in _MODIFIER_DEPS
                         and (e.type in _ADJECTIVAL_ENTITIES or not speaks_for))]

    @staticmethod
    def _named(entity: Entity) -> tuple[str, str | None, Entity]:
        return _spoken_name(entity.name), entity.role, entity

    def by_title(self, token: Any, position: int) -> Entity | None:
        """The person a definite description names: "the mayor said" after "Mayor Lena Vogt", "The Governor of
        Alaska" after "Alaska Gov. Sarah Palin" (the latest such person named before `position`). Only a
        singular title word with "the": "a spokesman" or "officials" name nobody in particular."""
        title = token.lower_.strip(".")
        if title not in TITLE_WORDS or token.tag_ not in ("NN", "NNP") or not any(
                c.dep_ == "det" and c.lower_ == "the" for c in token.children):
            return None
        # What the description says beside the title must fit what is known of the person: "the Democratic
        # nominee" is not the last nominee named if he was named as the Republican one, nor is "the South
        # Carolina senator" a senator whose state was never given.
        qualifiers = {t.lower_.strip(".") for c in token.children if c.dep_ in _MODIFIER_DEPS for t in c.subtree
                      if t.is_alpha and t.lower_ not in ("the", "a", "an")}
        return next((e for e in self._persons_before(position) if e.role and title in _title_words(e.role)
                     and qualifiers <= _title_words(e.role) | {w.lower() for w in e.name.split()}), None)

    def _orgs_with(self, word: str, position: int) -> Iterator[Entity]:
        """The organisations one of whose names has `word` as a word, mentioned before `position`, the latest
        first, at most `_LOOK_BACK` of them (a statement's look-up stays bounded whatever the article holds)."""
        if self.org_words is None:
            self.org_words = {}
            for s, entity in self.orgs:
                for w in {w.lower() for alias in (entity.name, *entity.aliases) for w in alias.split()}:
                    seen = self.org_words.setdefault(w, [])
                    if not seen or seen[-1][1] is not entity:
                        seen.append((s, entity))
        seen = self.org_words.get(word, [])
        k = bisect.bisect_left(seen, position, key=lambda item: item[0])
        for i in range(k - 1, max(-1, k - 1 - _LOOK_BACK), -1):
            yield seen[i][1]

    def full_org(self, entity: Entity, position: int) -> Entity:
        """The organisation a short name stands for: "the Post" after "The Washington Post", "the Committee"
        after "the Senate Banking Committee" (the latest organisation named before `position` whose name ends
        with the short one, an outlet or a name of three words or more: "the House" is not "the White
        House"), else itself."""
        words = entity.name.lower().split()
        if not words:
            return entity
        for other in self._orgs_with(words[-1], position):
            names = other.name.lower().split()
            if (other is not entity and len(names) > len(words) and names[-len(words):] == words
                    and (len(names) >= 3 or (self.is_outlet is not None and self.is_outlet(other.name)))):
                return other
        return entity

    def by_description(self, token: Any, position: int) -> Entity | None:
        """The organisation a definite description names: "the agency" after "the International Atomic Energy
        Agency", "the ministry" after "the Chinese Foreign Ministry" (the latest named before `position` with
        that word in its name), "the agency" after a state news agency ("Xinhua")."""
        word = token.lower_
        if token.tag_ not in ("NN", "NNS") or not any(c.dep_ == "det" and c.lower_ == "the" for c in token.children):
            return None
        named = next(iter(self._orgs_with(word, position)), None) or next(
            iter(self._orgs_with(word.rstrip("s"), position)), None)
        if named is not None or word not in speaker_words().outlet_nouns or self.is_state_media is None:
            return named
        k = bisect.bisect_left(self.org_starts, position)
        for i in range(k - 1, max(-1, k - 1 - _LOOK_BACK), -1):
            entity = self.orgs[i][1]
            if self.is_state_media(entity.name):
                return entity
        return None

    def remember(self, position: int, entity: Entity | None, text: str | None, plural: bool | None = None) -> None:
        self.history.append((position, entity, text, plural))


# Abbreviated titles in roles ("Alaska Gov."), so that "the governor" finds them.
_TITLE_ABBREVIATIONS = {"gov": "governor", "sen": "senator", "rep": "representative", "gen": "general",
                        "lt": "lieutenant", "sgt": "sergeant", "prof": "professor", "dr": "doctor",
                        "det": "detective", "supt": "superintendent", "insp": "inspector", "col": "colonel",
                        "capt": "captain", "pres": "president", "cmdr": "commander", "atty": "attorney"}


def _title_words(role: str) -> set[str]:
    words = {w.strip(".,").lower() for w in role.split()}
    return words | {_TITLE_ABBREVIATIONS[w] for w in words if w in _TITLE_ABBREVIATIONS}


def _name_parts(token: Any) -> list[Any]:
    # "the actress's rep Jack Ketsoyan" is headed by "Ketsoyan"; "spokesman John Smith" may be headed by
    # "spokesman" with the name as compound or appositive; "Willoughby's letter" and "a statement from Surrey
    # police" speak for their possessor or author.
    parts = [t for c in token.children if c.dep_ in ("compound", "appos", "flat", "nmod") for t in c.subtree]
    if token.lower_ in speaker_words().voices:
        for c in token.children:
            if c.dep_ == "poss":
                parts.extend(c.subtree)
            elif c.dep_ == "prep" and c.lower_ in ("from", "of", "by", "for"):
                parts.extend(t for p in c.children if p.dep_ == "pobj" for t in p.subtree)
            elif c.dep_ == "relcl":  # "a speech Mrs. Clinton delivered", "a letter the mayor wrote"
                parts.extend(t for p in c.children if p.dep_ in _SUBJECT_DEPS for t in p.subtree)
            elif c.dep_ == "acl":  # "an email sent out by Sanders", "excerpts released by the White House"
                parts.extend(t for a in c.children if a.dep_ == "agent"
                             for p in a.children if p.dep_ == "pobj" for t in p.subtree)
    return parts


def _proper_name(token: Any) -> tuple[str | None, str | None]:
    """A person's name the NER missed, from a proper-noun subject with its compounds ("Police Constable Tim
    Fanning" -> "Tim Fanning", role "Police Constable"); None unless two to four capitalised words remain."""
    chain = sorted([c for c in token.children if c.dep_ == "compound" and c.tag_ == "NNP"] + [token],
                   key=lambda t: t.i)
    if chain[-1].i - chain[0].i != len(chain) - 1:
        return None, None
    words = [t.text for t in chain]
    role = []
    while words and words[0].lower().strip(".") in TITLE_WORDS | {"constable", "const", "officer", "sgt", "lt"}:
        role.append(words.pop(0))
    if not 2 <= len(words) <= 4 or not all(w[:1].isupper() for w in words):
        return None, None
    if words[-1].lower().strip(".") in TITLE_WORDS:
        return None, None  # "the Alaska Governor" is a description, not a person called Governor
    return " ".join(words), (" ".join(role) or None)


def _compound_chain(token: Any) -> list[Any]:
    """The proper-noun compounds of `token` and `token`, in text order ("Washington Post")."""
    return sorted([c for c in token.children if c.dep_ == "compound" and c.tag_ in ("NNP", "NNPS")] + [token],
                  key=lambda t: t.i)


# Clauses and quotes inside a subject's noun phrase are not part of who spoke: "one user on Weibo, which is
# essentially ..." is "one user on Weibo".
_CLAUSE_DEPS = {"relcl", "acl", "advcl", "ccomp", "xcomp", "parataxis", "csubj"}
_PHRASE_STOPS = {'"', "“", "”", "«", "»", "„", ":", ";", "—", "–", "(", ")", "''", "``"}


def _phrase(token: Any) -> str:
    """The subject's noun phrase ("a source familiar with the matter"), without the clauses it holds, cut at a
    quote mark or colon, cut short when it runs on."""
    skip: set[int] = set()
    quantities = speaker_words().quantities
    for t in token.subtree:
        # A clause describing a pronoun or quantity is what it says: "those surveyed", "those who back her".
        if (t.i != token.i and t.dep_ in _CLAUSE_DEPS and t.i not in skip
                and t.head.tag_ not in ("DT", "PDT", "CD") and t.head.lower_ not in quantities):
            skip.update(x.i for x in t.subtree)
        elif t.dep_ == "prep" and any(p.ent_type_ in ("DATE", "TIME") for p in t.children):
            skip.update(x.i for x in t.subtree)  # "the Sanders campaign on Monday": when, not who
    doc = token.doc
    left = right = token.i
    while left - 1 >= token.left_edge.i and left - 1 not in skip and doc[left - 1].text not in _PHRASE_STOPS:
        left -= 1
    while right + 1 <= token.right_edge.i and right + 1 not in skip and doc[right + 1].text not in _PHRASE_STOPS:
        right += 1
    while left < token.i and (doc[left].is_punct or doc[left].tag_.startswith("VB")):
        left += 1  # "Said Ellis" of an inverted frame
    if right - left > 12:
        right = min(right, token.i + 6)
    while right > token.i and (doc[right].is_punct or doc[right].dep_ in ("cc", "prep", "det")):
        right -= 1
    span = doc[left:right + 1]
    return clean_name(span.text) if span.text[:1].isupper() and len(span) == 1 else span.text.strip(" ,.;:")


# Words that a headline capitalises after a name and a name never holds ("Obama Says", "Obama Administration
# To Expand"). Not every speech verb: "United States", "Consumer Reports" are names.
_HEADLINE_WORDS = HEADLINE_VERBS | {"will", "would", "can", "could", "should", "may", "might", "must", "her", "his",
                                    "their", "its", "he", "she", "they"}


def _spoken_name(name: str) -> str:
    """A name without what a headline glued to it: the words after a label ("Dispatch: The Human Rights
    Council" -> "The Human Rights Council") and from a headline's verb on ("Obama Says" -> "Obama", "Obama
    Administration To Expand Program" -> "Obama Administration")."""
    name = name.rsplit(": ", 1)[-1]
    words = name.split()
    for k, word in enumerate(words[1:], 1):
        if word[:1].isupper() and word.lower() in _HEADLINE_WORDS:
            words = words[:k]
            break
    return " ".join(words)


def _sentence_antecedent(pronoun: Any) -> Any:
    """What "it" or "they" stands for when the clause that holds it hangs on a clause whose subject is a noun
    of that number: "The statement also referenced the impact it said …" -> "The statement"."""
    if pronoun.lower_ not in ("it", "they"):
        return None
    plural = pronoun.lower_ == "they"
    verb = pronoun.head
    for _ in range(4):
        if verb.head.i == verb.i:
            return None
        verb = verb.head
        subject = next((c for c in verb.children if c.dep_ in _SUBJECT_DEPS), None)
        if subject is not None and subject.tag_ in ("NN", "NNS", "NNP", "NNPS") and subject.ent_type_ != "PERSON":
            if (subject.tag_ in ("NNS", "NNPS")) == plural or subject.ent_type_ in ("ORG", "NORP"):
                return subject
            return None
    return None


def _of_phrase(token: Any) -> Any:
    """The "of" object of a quantity: "two-thirds of voters" (of hangs on "thirds"), "some of his aides"."""
    for part in [token, *(c for c in token.children if c.dep_ in ("quantmod", "nummod", "compound"))]:
        for c in part.children:
            if c.dep_ == "prep" and c.lower_ == "of":
                return next((p for p in c.children if p.dep_ == "pobj"), None)
    return None


def _speaker_token(token: Any) -> Any:
    """The token that names who speaks for the subject `token`, or None when it names nobody: a quantity speaks
    through what it counts ("74 percent of likely voters" -> "voters", "some of his aides" -> "aides"); a
    common noun must name someone who can speak (`speaker-words.toml`); dates, numbers and relative pronouns
    never do."""
    lists = speaker_words()
    for _ in range(2):
        word = token.lower_
        if token.tag_ in ("JJ", "RB") and word in lists.nouns:
            return token  # a noun the tagger misread: "the influential US daily wrote"
        if word == "old" and any(c.dep_ == "npadvmod" and c.lower_ in ("year", "month") for c in token.children):
            return token  # "said the 46-year-old" (read as a date)
        if token.tag_ in ("WP", "WDT") or word in _RELATIVE_PRONOUNS or token.ent_type_ in ("DATE", "TIME"):
            return None
        if token.tag_ in ("CD", "DT", "PDT", "JJ") or word in lists.quantities:
            # "74 percent of likely voters", "some of his aides", "those close to him": people, counted or
            # described; "63 percent" or "some" alone is nobody.
            of = _of_phrase(token)
            if of is not None:
                return token if _speaker_token(of) is not None else None
            described = any(c.dep_ in ("amod", "acl", "relcl") or (c.dep_ == "prep" and c.lower_ != "of")
                            for c in token.children)
            # "the two" (people named before) is a reference, as "they" is; "two" alone is a number.
            definite = token.tag_ == "CD" and any(c.dep_ == "det" and c.lower_ == "the" for c in token.children)
            return token if (described and token.tag_ == "DT") or definite or word in lists.nouns else None
        if token.ent_type_ in _NOT_SPEAKER_ENTITIES and token.tag_ not in ("NNP", "NNPS"):
            return None
        if token.tag_ in ("NN", "NNS") and not token.ent_type_:
            compound = next((c for c in token.children if c.dep_ == "compound" and c.i == token.i - 1), None)
            if lists.can_speak(word) or (compound is not None and lists.can_speak(f"{compound.lower_} {word}")):
                return token
            return None
        return token
    return None


_SUBJECT_DEPS = ("nsubj", "nsubjpass")


def _subject(verb: Any, relative: bool = True) -> Any:
    """The subject of a speech verb. "…, noting that …", "… and added …" and "…, going on to say …" share the
    subject of the verb they hang on; a relative pronoun ("Stumpf, who said …") stands for the noun it
    follows (with `relative` false it is returned as it is)."""
    for _ in range(4):
        # The subject nearest the verb: "His promises notwithstanding, independent analyses agree" has two.
        child = min((c for c in verb.children if c.dep_ in _SUBJECT_DEPS), key=lambda c: abs(c.i - verb.i),
                    default=None)
        if child is not None:
            if relative and child.lower_ in _RELATIVE_PRONOUNS and child.tag_ in ("WP", "WDT", "IN"):
                if verb.dep_ == "relcl" and verb.head.i != verb.i:
                    return verb.head
                # The parser hung the clause elsewhere ("they turned to the police department which reported
                # ..."), but the pronoun still stands for the noun it follows.
                before = child.i - 1 - (child.i > 1 and child.doc[child.i - 1].text == ",")
                noun = child.doc[before] if before >= 0 else None
                return noun if noun is not None and noun.tag_ in ("NN", "NNS", "NNP", "NNPS") else None
            return child
        if verb.dep_ not in ("advcl", "conj", "xcomp") or verb.head.i == verb.i:
            return None
        head = verb.head
        if (verb.dep_ == "conj" and verb.tag_ in _FINITE and head.tag_ in ("VB", "VBG", "VBN")
                and head.dep_ == "ccomp" and _is_speech(head.head)):
            # "May said the country would leave the union and suggested that ...": "suggested" cannot share
            # "would" with "leave"; it joins the verb that reports that clause, and that verb's subject speaks.
            verb = head.head
            continue
        if verb.dep_ == "xcomp":
            # "forced Stumpf to admit", "urged him to say": the object of the verb above speaks.
            obj = next((c for c in verb.head.children if c.dep_ == "dobj"), None)
            if obj is not None:
                return obj
        verb = verb.head
    return None


def _fallback_subject(verb: Any, inside_quote: Callable[[int], bool], offset: int) -> Any:
    """The nearest name, noun or pronoun next to `verb` outside quotes, when the parser gave it no subject
    ("…," said John Smith)."""
    doc = verb.doc
    # What the verb says or does after it is not who says it ("saying that the country …", "suggesting a few
    # questions"). Before it, the parser often hangs the speaker on the quote ("“…,” Flynn, an adviser, said").
    content = {t.i for c in verb.children if c.dep_ in ("ccomp", "xcomp", "advcl", "prep") for t in c.subtree}
    objects = {t.i for c in verb.children if c.dep_ == "dobj" for t in c.subtree}
    order = [verb.i + k for k in range(1, 7)] + [verb.i - k for k in range(1, 5)]
    for i in order:
        if not 0 <= i < len(doc):
            continue
        tok = doc[i]
        at = offset + tok.idx
        if (inside_quote(at) or not tok.text[:1].isalnum() or tok.tag_ == "POS"
                or tok.ent_type_ in _NOT_SPEAKER_ENTITIES or (i > verb.i and i in content)):
            continue
        if tok.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or tok.tag_ in ("NNP", "NNPS"):
            if tok.ent_type_:
                # Up to the head of the name. spaCy makes a new Token object on every access, so a root is
                # known by its index (`tok.head is tok` is never true: the loop never ended at a root).
                while tok.head.i != tok.i and tok.head.ent_type_ == tok.ent_type_ and tok.head.i in range(
                        tok.i - 4, tok.i + 5):
                    tok = tok.head
            return tok
        if i in objects:
            continue
        if tok.tag_ == "PRP" and tok.lower_ in ("he", "she", "they"):
            return tok
        if tok.tag_ in ("NN", "NNS") and _speaker_token(tok) is not None:
            # "Flynn, a top Trump surrogate, said": the name the description stands beside
            if tok.dep_ == "appos" and tok.head.tag_ in ("NNP", "NNPS"):
                return tok.head
            return tok
    return None


def _is_speech(tok: Any, frame: bool = False) -> str | None:
    lemma = verb_lemma(tok.text)
    if lemma is None and tok.lower_ in _PHRASAL_FORMS:
        particle = next((c.lower_ for c in tok.children if c.dep_ == "prt"), None)
        lemma = _PHRASAL.get((_PHRASAL_FORMS[tok.lower_], particle or ""))
        if lemma is None:
            lemma = next((_PREP_CUES[key] for c in tok.children if c.dep_ == "prep"
                          and (key := (_PHRASAL_FORMS[tok.lower_], c.lower_)) in _PREP_CUES), None)
    if lemma is None and frame:
        # Next to a quote these introduce words too ("the letter read", "she wrote on Twitter").
        lemma = _FRAME_ONLY.get(tok.lower_)
    if lemma is None or lemma == "according to" or not tok.tag_.startswith("VB"):
        return None
    if frame and lemma not in SPEECH_VERBS and lemma not in _FRAME_ONLY.values():
        return None  # "what she calls a "war of words"", "he wants "a fair deal"": not a quote's frame
    return lemma


_FINITE = frozenset({"VBD", "VBZ", "VBP"})
# A line opening with a name in capitals and a colon (in quote marks where the transcript is quoted).
_TRANSCRIPT_LINE = re.compile(r"^[^\S\n]*[\"“]?([A-Z][A-Z'’.-]+(?:[^\S\n][A-Z][A-Z'’.-]+){0,2}):"
                              r"[^\S\n]+(\S[^\n]*)", re.M)
# The first line of an article: a name of up to three words, a colon, the rest of the line.
_HEADLINE = re.compile(r"[^\S\n]*([A-Z][\w'’.-]*(?:[^\S\n]+[A-Z][\w'’.-]*){0,2}):[^\S\n]+(\S[^\n]*)")
_QUOTE_MARKS = frozenset({*"\"“”«»„", "''"})
# A dash, and after it a name alone up to a comma or the line end.
_DASH_NAME = re.compile(r"[^\S\n]*[―—–-]{1,2}[^\S\n]*"
                        r"([A-Z][\w'’-]*(?:[^\S\n]+[A-Z][\w.'’-]*){0,3}?)\.?[^\S\n]*(?:,|\n|$)")
_PEOPLE_NOUNS = frozenset("""
critics supporters opponents voters residents protesters activists advocates democrats republicans campaign
group groups party members lawyers lawmakers candidate candidates nominee rivals allies aides staff
""".split())


def _only_a_frame(sent: Any, first: Any) -> bool:
    """Whether `sent`, from `first` on, is nothing but a quote's frame: a speech verb whose subject opens it
    and that reports nothing of its own ("Trump said, looking out on the crowd.", "Vitter demanded.")."""
    verb = sent.root
    if not _is_speech(verb, frame=True) or any(c.dep_ in ("ccomp", "dobj", "xcomp") for c in verb.children):
        return False
    subject = next((c for c in verb.children if c.dep_ in _SUBJECT_DEPS), None)
    return subject is not None and subject.left_edge.i == first.i


def _someone(token: Any) -> bool:
    """Whether a subject names someone who can take a stand: a person, an organisation or a group of people."""
    if token.ent_type_ in ("PERSON", "ORG", "NORP", "GPE") or token.tag_ in ("NNP", "NNPS"):
        return True
    if token.lower_ in ("he", "she", "they") or token.lower_ in _PEOPLE_NOUNS:
        return True
    if any(c.dep_ == "appos" and c.tag_ == "NNP" for c in token.children):
        return True  # "her former partner, Lawrence Miller,"
    return classify_kind(token.text) != "other"  # an official, an expert, an anonymous source...


def _interrupted(verb: Any) -> Any:
    """The root of the sentence a frame interrupts between commas ("The museum, he said, celebrated ...", "Though
    the move was seamless, he said, replacing her would not be"): the content is that sentence, frame inside."""
    doc = verb.doc
    frame = [verb, *[t for c in verb.children if c.dep_ not in ("ccomp", "advcl", "conj", "cc", "parataxis", "punct")
                     for t in c.subtree]]
    first, last = min(t.i for t in frame), max(t.i for t in frame)
    sent = verb.sent
    if not (sent.start < first - 1 and last + 2 < sent.end and doc[first - 1].text == ","
            and doc[last + 1].text == ","):
        return None
    if any(doc[first - 1].i > t.i for t in frame if t.dep_ in _SUBJECT_DEPS) or not any(
            t.dep_ in _SUBJECT_DEPS for t in frame):
        return None
    return sent.root


def _with_conjuncts(verb: Any, heads: list[Any]) -> list[Any]:
    """`heads` and what the parser joined to the cue instead of to them, right after them: "wants to triple the
    program, grow the Corps and create a reserve", "condemned the test as reckless and a grave threat". Not a
    clause with a subject of its own, nor another cue ("... and warned the builders")."""
    doc = verb.doc
    end = max(h.right_edge.i for h in heads)
    for child in verb.children:
        if child.i <= end or child.dep_ not in ("conj", "dep", "advcl") or any(
                g.dep_ == "mark" for g in child.children):
            continue
        if any(not (t.is_punct or t.dep_ == "cc") for t in doc[end + 1:child.left_edge.i]):
            break
        if _is_speech(child) or any(g.dep_ in _SUBJECT_DEPS for g in child.children) or not (
                child.tag_.startswith(("NN", "JJ")) or child.tag_ == "VB"):
            break
        heads = [*heads, child]
        end = child.right_edge.i
    return heads


# A clause after a comma that grants a point against what was said is the writer's ("..., although it may take
# days to know"), as the speaker rarely undercuts their own words in one breath.
_CONCESSIVE = frozenset({"although", "though", "whereas"})
# Verbs whose clause may be a question ("asked when the plant would open", "explained why it closed").
_QUESTION_VERBS = frozenset("ask explain know learn understand realize realise reveal disclose decide announce".split())
_TIME_WORDS = frozenset("when whenever while after before since until once".split())


def _time_clause(head: Any) -> bool:
    """Whether a clause opens with a word of time ("when she resigned", "after the vote was counted")."""
    first = head.left_edge
    return first.lower_ in _TIME_WORDS and first.head.i == head.i and first.dep_ in ("advmod", "mark")


def _content_heads(verb: Any, lemma: str) -> list[Any] | None:
    """The tokens heading what the cue `verb` attributes: its clause; else, by the verb, its infinitive
    ("wants to cut taxes"), its object and the object's complement ("called the plan a disaster",
    "condemned the test as reckless", "urged voters to stay home"), "called for/on X"; None when there is none.
    A parenthetical frame ("The museum, he said, celebrated ...") gives the clause it interrupts."""
    children = list(verb.children)
    if lemma in SPEECH_VERBS and verb.dep_ != "relcl" and (interrupted := _interrupted(verb)) is not None:
        return [interrupted]
    ccomp = next((c for c in children if c.dep_ == "ccomp"), None)
    if ccomp is None and lemma in SPEECH_VERBS:
        # "said after the convention he would not accept": a clause with its own subject and no "if", "when"
        # or "because" after a speech verb is what was said, however the parser attached it.
        ccomp = next((c for c in children if c.dep_ == "advcl" and c.i > verb.i
                      and any(g.dep_ in _SUBJECT_DEPS for g in c.children)
                      and not any(g.dep_ == "mark" for g in c.children)), None)
    if ccomp is not None:
        if _time_clause(ccomp) and lemma not in _QUESTION_VERBS:
            return None  # "said when she resigned from the network": when it was said, not what
        # The parser may split one clause in two ("said [Trump has respect for the military and his comment]
        # [was an expression of frustration]"): every clause on the same side of the verb is what was said.
        return [c for c in children if c.dep_ == "ccomp" and (c.i > verb.i) == (ccomp.i > verb.i)] or [ccomp]
    xcomp = next((c for c in children if c.dep_ == "xcomp"), None)
    if xcomp is not None and (lemma in _BELIEF_VERBS or lemma in _INTENTION_VERBS):
        return _with_conjuncts(verb, [xcomp])
    dobj = next((c for c in children if c.dep_ == "dobj"), None)
    if lemma == "call":
        # "called on Obama to retaliate", "called for a recount", "called the plan a disaster"; never a plain
        # object ("called the meeting to order", "called his mother").
        prep = next((c for c in children if c.dep_ == "prep" and c.lower_ in ("for", "on")
                     and any(p.dep_ in ("pobj", "pcomp") for p in c.children)), None)
        if prep is not None:
            # ("called for reducing the rate": the parser makes a gerund the preposition's clause)
            return [next(p for p in prep.children if p.dep_ in ("pobj", "pcomp")),
                    *[c for c in children if c.dep_ == "xcomp" and c.i > prep.i]]
        oprds = [c for c in children if c.dep_ == "oprd"]
        if dobj is None and len(oprds) == 2:
            dobj = oprds.pop(0)  # "called the mayor's remarks "a wake-up call"", the object parsed as a predicate
        return [dobj, oprds[0]] if dobj is not None and oprds else None
    if lemma in _PREP_CONTENT:
        prep = next((c for c in children if c.dep_ == "prep" and c.lower_ in _PREP_CONTENT[lemma]), None)
        pobj = next((p for p in prep.children if p.dep_ in ("pobj", "pcomp")), None) if prep is not None else None
        if pobj is not None:
            return [pobj]
    if dobj is not None and lemma in _OBJECT_VERBS | _FINDING_VERBS:
        return _with_conjuncts(verb, [dobj, *[c for c in children if c.i > dobj.i and (
            c.dep_ in ("oprd", "xcomp") or (c.dep_ == "prep" and c.lower_ in ("as", "of", "for", "over")))]])
    if lemma in ("caution", "warn"):
        # "cautioned against overinterpreting ..."
        prep = next((c for c in children if c.dep_ == "prep"
                     and c.lower_ in ("against", "about", "of", "over", "that")), None)
        return [prep] if prep is not None else None
    if dobj is not None and lemma == "tell" and xcomp is not None:
        return [dobj, xcomp]  # "told his staff to find a way": what they were told to do
    return None


def _introduced(verb: Any, lemma: str) -> list[Any] | None:
    """What a denial or a stand taken against or for its object introduces through a speech verb hanging on it:
    "brushed off the report, telling parliament that no cuts were planned" is one denial whose content is "no
    cuts were planned". (Where the object is itself what was said, "cautioned against X, noting that Y" is two
    statements.)"""
    if lemma not in _DENIAL_VERBS and lemma not in _STANCE_VERBS or any(c.dep_ == "ccomp" for c in verb.children):
        return None
    for child in verb.children:
        if child.dep_ == "advcl" and child.i > verb.i and _is_speech(child):
            ccomp = next((c for c in child.children if c.dep_ == "ccomp"), None)
            if ccomp is not None:
                return [ccomp]
    return None


_TITLE_SMALL_WORDS = frozenset("a an the of and or nor but in on at to for with by from as vs is it".split())


def _is_title(quoted: str) -> bool:
    """Whether quoted words are a title or a name ("Face the Nation", "The Art of the Deal"), not someone's words:
    every word but the small ones capitalised, and no sentence in it."""
    words = re.findall(r"[^\W\d_][\w'’-]*", quoted)
    stripped = quoted.rstrip(" ,")
    return bool(words) and len(words) <= 8 and not stripped.endswith((".", "!", "?")) and words[0][0].isupper() and all(
        w[0].isupper() or w.lower() in _TITLE_SMALL_WORDS for w in words)


def _same_words(start: int, end: int, other_start: int, other_end: int) -> bool:
    """Whether two spans are one statement: each lies within the other but for a tenth of its length."""
    shared = min(end, other_end) - max(start, other_start)
    return shared > 0 and shared >= 0.9 * (end - start) and shared >= 0.9 * (other_end - other_start)


def _negated(verb: Any) -> bool:
    return any(c.dep_ == "neg" for c in verb.children)


def _chains(quotes: list[Quote]) -> list[list[Quote]]:
    chains: list[list[Quote]] = []
    for quote in quotes:
        if chains and chains[-1][-1].continues:
            chains[-1].append(quote)
        else:
            chains.append([quote])
    return chains


def _starts_sentence(text: str, mark: int) -> bool:
    if text[mark] == "'" and mark and text[mark - 1] == "'":
        mark -= 1  # the first of two apostrophes ('' … '') opens the quote
    before = text[max(0, mark - 3):mark].rstrip(" \t")
    return not before or before.endswith(("\n", ".", "!", "?", ":", "”", '"'))


def _span_of(tokens: Sequence[Any]) -> tuple[int, int]:
    return tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets of text[start:end] without a leading "that", surrounding space, quote marks or end punctuation."""
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    if text[start:start + 5].lower() == "that ":
        start += 5
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:.—–-"):
        end -= 1
    return start, end


class Extractor:
    """Statements of one article: build with the article's layout, entities and registries, call `run`."""

    def __init__(self, layout: Layout, entities: list[Entity], by_span: dict[tuple[int, int], Entity],
                 is_state_media: Callable[[str], bool] | None = None,
                 is_outlet: Callable[[str], bool] | None = None) -> None:
        self.layout = layout
        self.text = layout.text
        self.resolver = _Resolver(entities, by_span, is_state_media, is_outlet)
        self.is_state_media = is_state_media
        self.is_outlet = is_outlet
        # Quotes and parsed chunks are in text order and disjoint: found by bisection.
        self.quote_spans = [(q.start, q.end) for q in layout.quotes]
        self.quote_starts = [q.start for q in layout.quotes]
        self.chunk_ends = [end for _start, end in layout.parse_spans]
        self.token_starts: dict[int, list[int]] = {}  # id(doc) -> its tokens' character offsets

    def _doc_at(self, position: int) -> tuple[int, Any] | None:
        """The parsed chunk (offset, doc) whose characters, ends included, hold `position`."""
        k = bisect.bisect_left(self.chunk_ends, position)
        if k < len(self.chunk_ends) and self.layout.parse_spans[k][0] <= position:
            return self.layout.parse_docs[k]
        return None

    def _tokens_starting(self, doc: Any, offset: int, start: int, end: int) -> Any:
        """The tokens of `doc` (parsed at `offset`) that start at a character in start..end (end excluded)."""
        starts = self.token_starts.get(id(doc))
        if starts is None:
            starts = self.token_starts[id(doc)] = [t.idx for t in doc]
        return doc[bisect.bisect_left(starts, start - offset):bisect.bisect_left(starts, end - offset)]

    def _token_at(self, doc: Any, offset: int, position: int) -> Any:
        at = position - offset
        if not 0 <= at < len(self.text) - offset:
            return None
        span = doc.char_span(at, at + 1, alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    def _inside_quote(self, position: int) -> bool:
        k = bisect.bisect_right(self.quote_starts, position) - 1
        return k >= 0 and position < self.quote_spans[k][1]

    def _within_a_quote(self, start: int, end: int) -> bool:
        k = bisect.bisect_right(self.quote_starts, start) - 1
        return k >= 0 and end <= self.quote_spans[k][1]

    # -------------------------------------------------------------------------------------- quotes

    def _quote_candidate(self, quote: Quote, previous: Quote | None) -> _Candidate | None:
        words = len(self.text[quote.start:quote.end].split())
        if _is_title(self.text[quote.start:quote.end]):
            return None
        close = self._doc_at(quote.end)
        verb: Any = None
        subject: Any = None
        offset = 0
        ends_sentence = self.text[quote.start:quote.end].rstrip().endswith((".", "!", "?"))
        if close is not None:
            offset, doc = close
            mark = self._token_at(doc, offset, quote.end)
            if mark is not None:
                # After the quote: the first speech verb before the sentence ends or another quote opens
                # ("…,” the Rev. Larry Kroon of the Wasilla Bible Church said Saturday), within a frame's length
                # (a speaker's title with an appositive or two: "…,” Ana Ruiz, director of … and a professor at …,
                # said").
                # A quote ending in a full stop ended its sentence: what follows is another sentence, whose verb
                # ("“That makes me smart.” Trump was ... an architect who said") is not its frame.
                ends_period = self.text[quote.start:quote.end].rstrip().endswith(".")
                # The parser ends a sentence after "?”", though "“Why?” Vitter asked." is one.
                asks = self.text[quote.start:quote.end].rstrip().endswith(("?", "!"))
                for tok in doc[mark.i + 1:min(len(doc), mark.i + 35)]:
                    if tok.text in ("“", '"') or self._inside_quote(offset + tok.idx):
                        break
                    if ends_sentence and ((tok.is_space and "\n" in tok.text) or (
                            tok.is_sent_start and tok.text[:1].isupper() and not (
                                asks and _only_a_frame(tok.sent, tok)))):
                        break  # a finished quote is not framed by the next paragraph or sentence
                    if ends_period and not (tok.is_space or tok.is_punct) and not _is_speech(tok, frame=True):
                        break
                    if tok.text in (".", "!", "?", ";") and not (
                            tok.text == "." and tok.i and doc[tok.i - 1].lower_ in ABBREVIATIONS):
                        break
                    if _is_speech(tok, frame=True):
                        verb = tok
                        break
        if verb is None and close is not None and mark is not None:
            dashed = self._dashed_name(quote, *close)
            if dashed is not None:
                return dashed
        if verb is None:
            opened = self._doc_at(quote.start - 1)
            if opened is not None:
                offset, doc = opened
                mark = self._token_at(doc, offset, quote.start - 1)
                if mark is not None:
                    verb, subject = self._frame_before(doc, offset, mark)
        if verb is None:
            # No frame: a quote that follows another one closely continues it.
            if previous is not None and quote.start - previous.end < 400 and words >= 3:
                gap = self.text[previous.end + 1:quote.start - 1]
                # The previous quote's own frame may lie between them, but no more than that.
                # (sentences as the splitter sees them: "said Rep. G.K. Butterfield (D-N.C.), head of ..." is one)
                if len(split_sentences(gap)) <= 1 and _starts_sentence(self.text, quote.start - 1):
                    return _Candidate(quote.start, quote.start, quote.end, "", True, inherit=True)
            return None
        lemma = _is_speech(verb)
        clause = self._reported(verb, lemma, offset) if lemma else None
        if clause is None and lemma and _subject(verb) is None and (heads := _content_heads(verb, lemma)):
            # "they ended by announcing that the claim was "true"": the clause is what was said even though the
            # verb has no subject of its own; the speaker is the subject of the verb it hangs on.
            speaker = next((found for up in verb.ancestors if (found := _subject(up)) is not None), None)
            if speaker is not None:
                start, end = self._content_span(verb, heads, offset)
                clause = _Candidate(offset + verb.idx, start, end, lemma, False, subject=speaker,
                                    subject_offset=offset)
        # The clause's tokens may stop before the quote's closing punctuation ("… handed out "like candy."").
        words_end = quote.start + len(self.text[quote.start:quote.end].rstrip(" .,;:!?"))
        if clause is not None and clause.start <= quote.start and words_end <= clause.end and (
                not clause.start <= offset + verb.idx < clause.end
                or self._inside_interrupted(verb, offset, quote)) and re.search(
                r"\w", self.text[clause.start:quote.start] + self.text[quote.end:clause.end]):
            # Quoted words inside the clause the verb reports ("WHO said the disease is "always fatal" when
            # untreated"): the statement is the whole clause, reported speech, not the fragment. (A clause that
            # holds its own verb is a misparse spanning the frame of a split quote, unless the frame interrupts it
            # between commas: "the weapons it has, he added, are like "bombs you can't use"".)
            if self.text[quote.end:quote.end + 1] in ("”", '"', "»") or self.text.startswith("''", quote.end):
                width = 2 if self.text.startswith("''", quote.end) else 1
                clause.end = max(clause.end, quote.end + width)  # the closing mark too
            clause.verb_at = (offset, verb.i)
            return clause
        if words < 4 and not self._short_quote_is_speech(verb, quote, offset):
            return None
        if verb.lower_ == "according":
            return _Candidate(quote.start, quote.start, quote.end, "according to", True, subject=subject,
                              subject_offset=offset, verb_at=(offset, verb.i), verb_char=offset + verb.idx)
        subject = _subject(verb) or _fallback_subject(verb, self._inside_quote, offset)
        if subject is not None and self._inside_quote(offset + subject.idx):
            subject = _fallback_subject(verb, self._inside_quote, offset)
        return _Candidate(quote.start, quote.start, quote.end, _is_speech(verb) or "say", True,
                          subject=subject, subject_offset=offset, verb_at=(offset, verb.i),
                          verb_char=offset + verb.idx)

    def _inside_interrupted(self, verb: Any, offset: int, quote: Quote) -> bool:
        """Whether `quote` lies inside the words of the sentence its frame `verb` interrupts, not right after the
        frame ("The weapons, he added, are like "bombs"", not "Clinton said, "I think ..."")."""
        if _interrupted(verb) is None:
            return False
        comma = self.text.find(",", offset + verb.idx, quote.start)
        return comma >= 0 and bool(re.search(r"\w", self.text[comma:quote.start]))

    def _dashed_name(self, quote: Quote, offset: int, doc: Any) -> _Candidate | None:
        """A quote signed by a name after a dash, alone up to a comma or the line's end ("“…” ― Ana Ruiz, a
        nurse"): the vox-pop and social-media way of giving a speaker."""
        signed = _DASH_NAME.match(self.text, quote.end + 1)
        if signed is None:
            return None
        name = self._token_at(doc, offset, signed.start(1))
        if name is None or not (name.ent_type_ == "PERSON" or name.tag_ == "NNP"):
            return None
        while name.head.i != name.i and name.head.tag_ == "NNP" and offset + name.head.idx < signed.end(1):
            name = name.head
        return _Candidate(quote.start, quote.start, quote.end, "say", True, subject=name, subject_offset=offset,
                          verb_char=offset + name.idx)

    def _frame_before(self, doc: Any, offset: int, mark: Any) -> tuple[Any, Any]:
        """The speech verb (or "according" of "according to X") framing a quote from before it, in the same
        sentence, or ending the sentence before it ("X said:" / "he said" on the line above)."""
        sent = mark.sent
        for tok in reversed(doc[max(sent.start, mark.i - 25):mark.i]):
            if tok.text in ("”", '"') or self._inside_quote(offset + tok.idx):
                break
            if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                pobj = next((c for c in doc[tok.i + 1].children if c.dep_ == "pobj"), None)
                if pobj is not None:
                    return tok, pobj
            if _is_speech(tok, frame=True) and not _negated(tok) and not (
                    tok.dep_ == "relcl" and tok.right_edge.i < mark.i):
                # (not "anybody who complains about it": a relative clause ended before the quote is no frame)
                return tok, None
        if mark.i - sent.start <= 1 and sent.start > 0:
            # "X said:" / "X said" / "a ministry statement said." ending the sentence just before
            k = sent.start - 1
            while k >= 0 and (doc[k].is_space or doc[k].is_punct):
                k -= 1
            if k >= 0 and _is_speech(doc[k], frame=True) and not _negated(doc[k]) and doc[k].dep_ != "relcl":
                # (not "X said on Saturday at the gala, where Y also spoke.": the quote after it is X's)
                return doc[k], None
        return None, None

    def _short_quote_is_speech(self, verb: Any, quote: Quote, offset: int) -> bool:
        # A short quote is the speaker's words when the speech verb governs it ("the bureau reported that
        # pirates were "out of control""); a title in capitals ("American Pie") is not.
        inside = [t for t in self._tokens_starting(verb.doc, offset, quote.start, quote.end) if not t.is_punct]
        if not inside or all(t.text[:1].isupper() for t in inside):
            return False
        return verb.lower_ == "according" or any(verb.is_ancestor(t) for t in inside)

    def _splits(self, before: _Candidate, cand: _Candidate, quote: Quote) -> bool:
        """Whether `quote` is the second part of the quote `before`, in the same paragraph: it has no frame of
        its own or shares that of `before`, and only that frame (or nothing but marks) lies between them."""
        same_frame = cand.inherit or (cand.verb_at is not None and cand.verb_at == before.verb_at)
        gap = self.text[before.end:quote.start]
        return (before.quote and cand.quote and same_frame and "\n" not in gap
                and (before.end <= before.verb_char < quote.start or not re.search(r"\w", gap)))

    # -------------------------------------------------------------------------------------- reported

    def _reported_candidates(self, used_verbs: set[tuple[int, int]]) -> list[_Candidate]:
        out: list[_Candidate] = []
        for offset, doc in self.layout.parse_docs:
            if len(out) >= MAX_STATEMENTS:
                break
            for tok in doc:
                check_deadline("reported speech")
                at = offset + tok.idx
                if self._inside_quote(at) or (offset, tok.i) in used_verbs:
                    continue
                if tok.lower_ == "according" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "to":
                    cand = self._according(tok, offset)
                    if cand:
                        out.append(cand)
                    continue
                if tok.lower_ in _CLAIM_NOUNS and tok.tag_ in ("NN", "NNS"):
                    cand = self._nominal(tok, offset)
                    if cand:
                        out.append(cand)
                    continue
                lemma = _is_speech(tok)
                if lemma is None:
                    continue
                cand = self._reported(tok, lemma, offset)
                if cand is not None:
                    out.append(cand)
                    if len(out) >= MAX_STATEMENTS:
                        break
        return out

    def _reported(self, verb: Any, lemma: str, offset: int) -> _Candidate | None:
        agent = next((c for c in verb.children if c.dep_ == "agent"), None)
        if agent is not None:
            # "The meeting, reported by state media Thursday, ..." / "... was announced by the ministry"; not
            # "has been endorsed by dozens of papers", "was called a charlatan by ...": a stand, not words.
            if lemma not in SPEECH_VERBS or lemma in _BELIEF_VERBS | _INTENTION_VERBS | _KNOWLEDGE_VERBS:
                return None
            pobj = next((c for c in agent.children if c.dep_ == "pobj"), None)
            if pobj is None:
                return None
            # What was reported is the passive subject ("the registration issue was first reported by the
            # Post"); a pronoun ("it was first declared by Nixon") says nothing by itself.
            said = next((c for c in verb.children if c.dep_ == "nsubjpass"), None)
            if said is not None:
                if said.tag_ in ("PRP", "EX") or said.tag_.startswith("W"):
                    return None
                start, end = _span_of(verb.doc[said.left_edge.i:said.right_edge.i + 1])
                start, end = self._in_paragraph(offset + start, offset + end, offset + verb.idx)
            else:
                sent = verb.sent
                start, end = self._in_paragraph(offset + sent.start_char, offset + sent.end_char, offset + verb.idx)
            return _Candidate(offset + verb.idx, start, end, lemma, False, subject=pobj, subject_offset=offset)
        if _negated(verb) and lemma not in _DENIAL_VERBS:
            return None
        if verb.dep_ == "xcomp" and _is_speech(verb.head):
            return None  # "urged members to reject the offer": what they were urged to do, not a rejection
        subject = _subject(verb, relative=False)
        if verb.dep_ == "advcl" and verb.tag_ == "VBG":
            # "Reyes said the ferry was too slow, arguing that ...": the parser hangs "arguing" on "was"; the one
            # arguing is who said it, not the ferry.
            outer = verb.head
            while outer.dep_ in ("ccomp", "conj") and outer.head.i != outer.i and not _is_speech(outer):
                outer = outer.head
            if outer.i != verb.head.i and _is_speech(outer):
                subject = _subject(outer, relative=False)
        if subject is not None and subject.lower_ == "who" and verb.dep_ == "relcl" and self._person(verb.head, offset):
            subject = verb.head  # "Tom Reyes, who said the crews were unpaid": Tom Reyes said it
        if subject is None or subject.lower_ in ("i", "you", "we", "which", "that", "who"):
            return None
        if lemma not in SPEECH_VERBS or lemma in _BELIEF_VERBS | _INTENTION_VERBS | _KNOWLEDGE_VERBS:
            if not self._asserted(verb, subject):
                return None
        if lemma in _STANCE_VERBS and not _someone(subject):
            return None
        source = subject.lower_ in _SOURCE_NOUNS
        if lemma in _FINDING_VERBS and not (source or (lemma == "find" and _someone(subject))):
            return None
        heads = _introduced(verb, lemma) or _content_heads(verb, lemma)
        if heads is not None and lemma == "find" and not source and heads[0].dep_ != "ccomp":
            return None  # "found a way", "found it difficult": what someone did, not what they found out
        if heads is None:
            return None
        start, end = self._content_span(verb, heads, offset)
        if len(self.text[start:end].split()) < 2:
            return None
        if self._within_a_quote(start, end):
            return None
        return _Candidate(offset + verb.idx, start, end, lemma, False, subject=subject, subject_offset=offset)

    def _person(self, token: Any, offset: int) -> bool:
        """Whether `token` (of a chunk parsed at `offset`) is part of a person's name the article gives."""
        entity = self.resolver.entity_at(offset + token.idx, offset + token.idx + len(token.text))
        return entity is not None and entity.type == "PERSON"

    @staticmethod
    def _asserted(verb: Any, subject: Any) -> bool:
        """Whether a belief, an intention, a stand or a finding is the subject's own and stated as such: not
        passive ("is expected to"), not a clause inside a noun or another verb ("the ones he refused to answer",
        "trying to find"), and not one held inside what another cue reports ("she said she plans to run" is one
        statement, hers, about her plan)."""
        if subject.dep_ == "nsubjpass" or any(c.dep_ == "auxpass" for c in verb.children):
            return False
        if verb.dep_ in ("relcl", "xcomp", "acl", "amod", "pcomp", "csubj", "pobj"):
            return False
        if any(c.dep_ == "dobj" and c.tag_ in ("WP", "WDT") for c in verb.children):
            return False  # "what he called tribalism"
        head = verb
        while head.dep_ in ("ccomp", "xcomp") and head.head.i != head.i:
            head = head.head
            if _is_speech(head):
                return False
        return True

    def _content_span(self, verb: Any, heads: list[Any], offset: int) -> tuple[int, int]:
        """The characters of what `heads` say, from the first one's left edge to the last one's right edge, cut
        before a run-on: a semicolon, the speaker's next speech verb ("he would order a review and warned North
        Korea to refrain": a finite verb joined to one that is not; "..., arguing that ..."), a participle that
        ends it after a comma ("wants to sign up a million people, focusing on ..."), an appositive that ends it
        ("he did not back Mr. Trump, the favourite of ...": the writer's gloss, not the speaker's), and so a
        relative clause after a comma that ends an object ("praised the plan, which includes ..."; a reported
        clause keeps its own: PolNeAR's contents do), a concession after a comma that ends it ("..., although it
        has never run on time")."""
        doc = verb.doc
        first = min(h.left_edge.i for h in heads)
        last = max(h.right_edge.i for h in heads)
        core = max(h.i for h in heads)
        for tok in doc[core + 1:last + 1]:
            after_comma = doc[tok.left_edge.i - 1].text == ","
            if tok.text == ";" or (
                    tok.dep_ == "conj" and tok.i != verb.i and _is_speech(tok) and tok.tag_ in _FINITE
                    and tok.head.tag_ != tok.tag_ and tok.head.i >= first) or (
                    tok.dep_ == "advcl" and tok.tag_ == "VBG" and after_comma
                    and (_is_speech(tok) or tok.right_edge.i >= last)) or (
                    tok.dep_ == "advcl" and after_comma and tok.right_edge.i >= last and any(
                        c.dep_ == "mark" and c.lower_ in _CONCESSIVE for c in tok.children)) or (
                    tok.dep_ in ("appos", "relcl") and after_comma and tok.right_edge.i >= last
                    and (tok.dep_ == "appos" or heads[0].dep_ != "ccomp")):
                last = tok.left_edge.i - 1
                while last > core and (doc[last].is_punct or doc[last].dep_ == "cc"):
                    last -= 1
                break
        tokens = doc[first:last + 1]
        s, e = _span_of(tokens)
        return self._in_paragraph(*self._whole_quotes(*_trim(self.text, offset + s, offset + e)), offset + verb.idx)

    def _whole_quotes(self, start: int, end: int) -> tuple[int, int]:
        """start..end, running on to the end of a quote opened inside it, its closing punctuation and mark
        included: what was reported never stops in the middle of the words quoted."""
        k = bisect.bisect_right(self.quote_starts, end) - 1
        if k < 0 or not start < self.quote_spans[k][0] <= end <= self.quote_spans[k][1]:
            return start, end
        end = self.quote_spans[k][1]
        width = 2 if self.text.startswith("''", end) else 1 if self.text[end:end + 1] in ("”", '"', "»") else 0
        return start, end + width

    def _in_paragraph(self, start: int, end: int, cue: int) -> tuple[int, int]:
        """start..end cut to the paragraph of the cue at `cue`: what is reported never crosses a line break (a
        parse that runs a sentence on into the next paragraph, as one ending in a quote mark the parser does not
        close, would make a statement of two paragraphs, two speakers' words among them)."""
        opens = self.text.rfind("\n", 0, cue) + 1
        closes = self.text.find("\n", cue)
        closes = len(self.text) if closes < 0 else closes
        start, end = max(start, opens), min(end, closes)
        return _trim(self.text, start, end) if start < end else (start, start)

    def _nominal(self, noun: Any, offset: int) -> _Candidate | None:
        """A noun of saying, whose it is and the clause it introduces: "the mayor's claim that the budget was
        balanced", "warnings by the union that the crews were unpaid". Someone's (a possessive or "by" with a name
        or a group, not "his": a pronoun there is too often not the speaker), and a "that" clause."""
        clause = next((c for c in noun.children if c.dep_ in ("acl", "ccomp")
                       and any(g.dep_ == "mark" and g.lower_ == "that" for g in c.children)), None)
        if clause is None:
            return None
        owner = next((c for c in noun.children if c.dep_ == "poss"), None)
        if owner is None:
            by = next((c for c in noun.children if c.dep_ == "prep" and c.lower_ == "by"), None)
            owner = next((c for c in by.children if c.dep_ == "pobj"), None) if by is not None else None
        if owner is None or owner.tag_ in ("PRP", "PRP$", "WP", "WP$") or not _someone(owner):
            return None
        start, end = self._content_span(noun, [clause], offset)
        if len(self.text[start:end].split()) < 2 or self._within_a_quote(start, end):
            return None
        return _Candidate(offset + noun.idx, start, end, _CLAIM_NOUNS[noun.lower_], False, subject=owner,
                          subject_offset=offset)

    def _according(self, tok: Any, offset: int) -> _Candidate | None:
        to = tok.doc[tok.i + 1]
        pobj = next((c for c in to.children if c.dep_ == "pobj"), None)
        if pobj is None:
            nxt = tok.doc[tok.i + 2] if tok.i + 2 < len(tok.doc) else None
            pobj = nxt
        if pobj is None:
            return None
        sent = tok.sent
        phrase_start = offset + tok.idx
        phrase_end = offset + pobj.right_edge.idx + len(pobj.right_edge.text)
        s_start, s_end = self._in_paragraph(offset + sent.start_char, offset + sent.end_char, phrase_start)
        before = _trim(self.text, s_start, phrase_start)
        after = _trim(self.text, phrase_end, s_end)
        start, end = before if before[1] - before[0] >= after[1] - after[0] else after
        if len(self.text[start:end].split()) < 3:
            return None
        return _Candidate(phrase_start, start, end, "according to", False, subject=pobj, subject_offset=offset)

    # -------------------------------------------------------------------------------------- transcripts

    def _transcript_candidates(self) -> list[_Candidate]:
        """Lines of a transcript: a speaker's name in capitals, a colon, their words ("PENCE: Well, look, ...").
        The name must be a person the article names ("UPDATE:" and "WATCH:" are nobody)."""
        out: list[_Candidate] = []
        for line in _TRANSCRIPT_LINE.finditer(self.text):
            entity = self.resolver.by_word(line.group(1).split()[-1], line.start())
            if entity is None or entity.type != "PERSON":
                continue
            start, end = line.start(2), line.end(2)
            while end > start and (self.text[end - 1].isspace() or self.text[end - 1] in _QUOTE_MARKS):
                end -= 1
            out.append(_Candidate(line.start(), start, end, "say", True, speaker=entity))
        return out

    def _headline_candidate(self) -> _Candidate | None:
        """A headline of the form "Name: what they said" ("Okafor: Ferry Will Run All Winter"), the name one of a
        person or an organisation the article names: the headline writer's way of giving who said what."""
        line = _HEADLINE.match(self.text)
        if line is None:
            return None
        entity = self.resolver.by_word(line.group(1).split()[-1], line.end())
        if entity is None or entity.type not in ("PERSON", "ORG"):
            return None
        start, end = line.start(2), line.end(2)
        while end > start and (self.text[end - 1].isspace() or self.text[end - 1] in ".'’\"”"):
            end -= 1
        return _Candidate(line.start(), start, end, "say", False, speaker=entity)

    # -------------------------------------------------------------------------------------- run

    def _fold_quotes_into_reported(self, candidates: list[_Candidate]) -> list[_Candidate]:
        """`candidates` less the quotes that lie inside the words of a reported statement ("she said she expects
        the council "to keep calling out waste""): the quoted words are part of what the clause reports, not a
        statement of their own. The clause keeps the quote's closing punctuation and mark."""
        reported = sorted((c for c in candidates if not c.quote), key=lambda c: c.start)
        starts = [c.start for c in reported]
        widest = list(itertools.accumulate(reported, lambda a, b: b if b.end > a.end else a))
        kept = []
        for cand in candidates:
            k = bisect.bisect_right(starts, cand.start) - 1
            # (+1: the full stop inside the closing mark, which the parse leaves out of the clause)
            if cand.quote and not cand.parts and k >= 0 and widest[k].end + 1 >= cand.end:
                if self.text[cand.end:cand.end + 1] in ("”", '"') or self.text.startswith("''", cand.end):
                    widest[k].end = max(widest[k].end, cand.end + (2 if self.text.startswith("''", cand.end) else 1))
                continue
            kept.append(cand)
        return kept

    def _words_of(self, start: int, end: int) -> tuple[int, int]:
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and (self.text[end - 1].isspace() or self.text[end - 1] == ","):
            end -= 1
        return start, end

    def run(self) -> list[Statement]:
        candidates: list[_Candidate] = []
        used: set[tuple[int, int]] = set()
        previous: Quote | None = None
        clause: tuple[int, int] = (0, 0)  # the last clause taken for a quote inside it
        opening: Quote | None = None  # a quote too short to stand alone, ending in a comma: a split quote's start
        transcript = self._transcript_candidates()
        headline = self._headline_candidate()
        if headline is not None:
            transcript.append(headline)
        lines = [(c.position, c.end) for c in transcript]
        for chain in _chains(self.layout.quotes):
            check_deadline("quotes")
            if len(candidates) >= MAX_STATEMENTS:
                break
            if lines and any(s <= chain[0].start <= e for s, e in lines):
                continue  # a transcript line in quote marks: the line's speaker is known
            if clause[0] <= chain[0].start < clause[1]:
                continue  # another quoted part of that clause ("called it "slow" and "costly"")
            # A quote running over several paragraphs is framed once, usually after its last part.
            cand = self._quote_candidate(chain[-1], previous if len(chain) == 1 else None)
            if cand is None and len(chain) > 1:
                cand = self._quote_candidate(chain[0], previous)
            if cand is None:
                # A word or two handing over to the frame ("Hopefully," she said, "…"): the first part of the
                # quote after the frame.
                opening = chain[0] if len(chain) == 1 and self.text[chain[0].start:chain[0].end].rstrip().endswith(
                    ",") else None
                previous = None
                continue
            if opening is not None and cand.quote and len(chain) == 1 and opening.end <= cand.verb_char < (
                    chain[0].start) and "\n" not in self.text[opening.end:chain[0].start]:
                cand.parts = [(opening.start, opening.end), (cand.start, cand.end)]
                cand.position = cand.start = opening.start
            opening = None
            if previous is not None and len(chain) == 1 and self._splits(candidates[-1], cand, chain[0]):
                # "A," she said. "B." (or: "A," she said, "B."): one statement, its frame between its parts.
                first = candidates[-1]
                first.parts = first.parts or [(first.start, first.end)]
                first.parts.append((cand.start, cand.end))
                first.end = cand.end
                previous = chain[0]
                continue
            if not cand.quote:
                candidates.append(cand)
                clause = (cand.start, cand.end)
            else:
                for part in chain:
                    candidates.append(replace(cand, position=part.start, start=part.start, end=part.end))
            if cand.verb_at is not None:
                used.add(cand.verb_at)
            previous = chain[-1]
        candidates.extend(transcript)
        candidates.extend(self._reported_candidates(used))
        candidates = self._fold_quotes_into_reported(candidates)
        candidates.sort(key=lambda c: (c.position, c.start))
        del candidates[MAX_STATEMENTS:]
        statements: list[Statement] = []
        last_quote: Statement | None = None
        kept: list[tuple[int, int]] = []
        for cand in candidates:
            check_deadline("speakers")
            cue = cand.verb_char if cand.verb_char >= 0 else cand.position
            if any(_same_words(cand.start, cand.end, s, e) and not s < cue < e for s, e in kept[-8:]):
                # Found twice (as a quote's clause and as reported speech, or by two cues). A cue inside the
                # other's words is another statement nested in it ("A said B said ..."), whatever its length.
                continue
            kept.append((cand.start, cand.end))
            entity = None
            if cand.inherit:
                if last_quote is None:
                    continue
                speaker, role, stype, verb = (last_quote.speaker, last_quote.speaker_role, last_quote.speaker_type,
                                              last_quote.verb)
                kind = last_quote.kind
            else:
                verb = cand.verb
                entity = cand.speaker
                speaker, role = (entity.name, entity.role) if entity else (None, None)
                if cand.subject is not None:
                    speaker, role, entity = self.resolver.resolve(cand.subject, cand.subject_offset, cand.position)
                stype = entity.type if entity else None
                if cand.subject is None and cand.speaker is None:
                    continue
                # A subject that names nobody leaves the speaker unknown (None), never a fragment.
                # The number of a description, for "it" and "they" later: "the study" is one, "analysts" many
                # ("61 percent of voters": unknown).
                subject = cand.subject
                plural = subject.tag_ != "NN" if (
                    subject is not None and entity is None and subject.tag_ in ("NN", "NNS", "NNPS")
                    and subject.lower_ not in speaker_words().quantities) else None
                self.resolver.remember(cand.position, entity, speaker, plural)
                kind = classify_kind(speaker, role, stype, self.is_state_media, self.is_outlet)
            if cand.quote:
                # Quote marks are outside the span already; spaces inside them and the comma that hands over
                # to the frame ("…,” she said) are not the speaker's words.
                parts = [self._words_of(s, e) for s, e in cand.parts or [(cand.start, cand.end)]]
                cand.start, cand.end = parts[0][0], parts[-1][1]
                # The frame between the parts is not the speaker's: left out, its place marked.
                text = " … ".join(self.text[s:e] for s, e in parts)
            else:
                text = self.text[cand.start:cand.end]
            if not cand.quote and not cand.inherit and entity is not None and entity.gender is None:
                # "Anna Lindqvist said she would vote": the subject's own pronoun tells her gender.
                first = text.split(maxsplit=1)[0].lower() if text.strip() else ""
                entity.gender = _PRONOUNS.get(first) if first in ("he", "she") else None
            outlet = kind == "media" or bool(speaker and self.is_outlet and self.is_outlet(speaker))
            status = classify_status(verb, text, kind, outlet)
            statement = Statement(speaker, role, text, verb, kind, status, cand.start, cand.end, cand.quote, stype)
            statements.append(statement)
            if cand.quote or cand.verb_at is not None:  # a quote, or a clause quoting part of its words
                last_quote = statement
        statements.sort(key=lambda s: s.start)
        return statements


MAX_CONTEXT_CHARS = 1200  # a sentence or two of news; a longer run is cut at a word with "…"


def add_context(statements: Sequence[Statement], layout: Layout) -> None:
    """Give each reported statement the sentences of the article that hold it (`Statement.context`)."""
    starts = [sentence.start for sentence in layout.sentences]
    for statement in statements:
        if statement.quote or not starts:
            continue
        first = max(bisect.bisect_right(starts, statement.start) - 1, 0)
        last = max(bisect.bisect_left(starts, statement.end) - 1, first)
        start, end = layout.sentences[first].start, layout.sentences[last].end
        context = " ".join(layout.text[start:end].split())
        if context == " ".join(statement.text.split()):
            continue
        if len(context) > MAX_CONTEXT_CHARS:
            context = context[:MAX_CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
        statement.context = context


def analyze_layout(layout: Layout, is_state_media: Callable[[str], bool] | None = None,
                   is_outlet: Callable[[str], bool] | None = None) -> ArticleAnalysis:
    """Entities and statements of one article whose models have run (see `nlp.run_models`)."""
    mentions = propagate_names(layout.text, mentions_from_layout(layout))
    entities, by_span = merge_mentions(mentions)
    statements = Extractor(layout, entities, by_span, is_state_media, is_outlet).run()
    add_context(statements, layout)
    # Outlets and capitalised common words help find speakers; they are not the article's entities.
    return ArticleAnalysis(named_entities(entities, layout.text, is_outlet), statements, mentions)


def _budget_for(text: str) -> str:
    return f"analysing a text of {len(text):,} characters"


def analyze_each(texts: Iterable[str], batch_size: int = 32,
                 is_state_media: Callable[[str], bool] | None = None,
                 is_outlet: Callable[[str], bool] | None = None,
                 time_budget: float | None = None, *, language: str = "en",
                 speech_word: re.Pattern[str] = SPEECH_WORD,
                 rules: Callable[..., ArticleAnalysis] = analyze_layout) -> Iterator[ArticleAnalysis | Exception]:
    """One item per text, in order: its analysis, or the exception that stopped the analysis of that text (a
    text over its time budget: TimeBudgetError), the others going on. A missing model is no text's fault:
    ModelMissingError propagates.

    The models run on `batch_size` texts at a time. Each text's planning and then its rules run under
    `deadline(time_budget)`; the models, on a batch together, under the batch's total (`time_budget` times its
    texts), checked between chunks. When the models fail on a batch, they run again text by text, so that the
    failure is pinned on its text.

    Another language brings its own `language` (the pipeline, see `nlp.PIPELINES`), `speech_word` (which
    sentences are parsed) and `rules` (what `analyze_layout` does for English: see `french.py`)."""
    source = iter(texts)
    while batch := list(itertools.islice(source, batch_size)):
        layouts: list[Layout | Exception] = []
        for text in batch:
            layouts.append(_planned(text, time_budget, speech_word))
        planned = [lay for lay in layouts if isinstance(lay, Layout)]
        if planned:
            get_nlp(language)  # loading the model is no text's time (nor, missing, any text's fault)
        try:
            started = time.monotonic()
            with deadline(time_budget * len(planned) if time_budget else None, f"the models on {len(planned)} texts"):
                run_models(planned, batch_size, language)
            if time_budget:
                _charge_model_time(batch, layouts, time.monotonic() - started, time_budget)
        except ModelMissingError:
            raise
        except Exception:  # noqa: BLE001 - one text's fault, or the batch's time: find out text by text
            layouts = [_planned(text, time_budget, speech_word) for text in batch]
            for k, (text, lay) in enumerate(zip(batch, layouts, strict=True)):
                if isinstance(lay, Layout):
                    try:
                        with deadline(time_budget, _budget_for(text)):
                            run_models([lay], batch_size, language)
                    except ModelMissingError:
                        raise
                    except Exception as exc:  # noqa: BLE001
                        layouts[k] = exc
        for text, lay in zip(batch, layouts, strict=True):
            if isinstance(lay, Layout):
                lay = _analysed(lay, _budget_for(text), time_budget, is_state_media, is_outlet, rules)
            yield lay  # outside the deadline: the caller's code does not run under this text's budget


def _charge_model_time(batch: list[str], layouts: list[Layout | Exception], seconds: float,
                       time_budget: float) -> None:
    """Hold each text of a batch to its own budget for the models: the batch's time is shared among its texts
    by the characters the models read in each (their cost is near linear in them), and a text whose share is
    over `time_budget` gets TimeBudgetError in place of its layout. Without this, a long text finishing inside
    the batch's pooled budget would spend the time of the short texts beside it."""
    sizes = {k: sum(e - s for s, e in lay.ner_spans) + sum(e - s for s, e in lay.parse_spans)
             for k, lay in enumerate(layouts) if isinstance(lay, Layout)}
    total = sum(sizes.values())
    if not total or seconds <= time_budget:
        return
    for k, size in sizes.items():
        share = seconds * size / total
        if share > time_budget:
            layouts[k] = TimeBudgetError(f"{_budget_for(batch[k])}: time budget of {time_budget:g} s spent (in the "
                                         f"models: its share of the batch, {share:.2f} s)")


def _planned(text: str, time_budget: float | None, speech_word: re.Pattern[str]) -> Layout | Exception:
    try:
        with deadline(time_budget, _budget_for(text)):
            return plan(text, speech_word)
    except Exception as exc:  # noqa: BLE001 - reported as this text's result
        return exc


def _analysed(layout: Layout, what: str, time_budget: float | None,
              is_state_media: Callable[[str], bool] | None,
              is_outlet: Callable[[str], bool] | None,
              rules: Callable[..., ArticleAnalysis] = analyze_layout) -> ArticleAnalysis | Exception:
    try:
        with deadline(time_budget, what):
            return rules(layout, is_state_media, is_outlet)
    except Exception as exc:  # noqa: BLE001 - reported as this text's result
        return exc


def analyze_texts(texts: Iterable[str], batch_size: int = 32,
                  is_state_media: Callable[[str], bool] | None = None,
                  is_outlet: Callable[[str], bool] | None = None,
                  time_budget: float | None = None) -> Iterator[ArticleAnalysis]:
    """Analyse many article texts, batching the models; one result per text, in order. The first failure
    propagates, TimeBudgetError for a text over `time_budget` seconds (see `analyze_each`, which goes on)."""
    for result in analyze_each(texts, batch_size, is_state_media, is_outlet, time_budget):
        if isinstance(result, Exception):
            raise result
        yield result


def analyze_text(text: str, is_state_media: Callable[[str], bool] | None = None,
                 is_outlet: Callable[[str], bool] | None = None) -> ArticleAnalysis:
    """Entities and statements of one article text."""
    return next(iter(analyze_texts([text], 1, is_state_media, is_outlet)))
