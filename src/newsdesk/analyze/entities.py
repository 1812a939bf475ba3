"""Named entities of an article (PERSON, ORG, GPE, LOC, NORP, EVENT), merged into one entity per referent.

"North Korean leader Kim Jong Un", "Kim Jong Un" and "Kim" are one PERSON named "Kim Jong Un" (the longest
full name), with the role the text gives ("North Korean leader") and the number of mentions. Roles come from
premodifiers ("Chinese Foreign Ministry spokesperson Guo Jiakun"), appositives ("Guo Jiakun, a spokesperson
for the ministry,") and a trailing affiliation after a title ("Professor Zhu Feng of Nanjing University").
The rules read token text only, so they work on sentences the parser skipped (see `nlp.py`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsdesk.analyze.nlp import ENTITY_TYPES, Layout
from newsdesk.timebudget import check_deadline

# Words that make a role when they stand right before a name or head an appositive.
TITLE_WORDS = frozenset("""
leader president spokesperson spokesman spokeswoman minister secretary ambassador governor mayor premier
chancellor senator congressman congresswoman lawmaker legislator official chief director head chairman chairwoman
chair ceo founder professor prof expert researcher analyst economist scientist scholar fellow lecturer dean
commander general colonel lieutenant captain sergeant officer detective sheriff judge justice attorney lawyer
prosecutor coach manager editor correspondent reporter representative rep envoy diplomat king queen prince
princess pope bishop archbishop cardinal rabbi imam doctor dr actor actress singer star player candidate nominee
deputy adviser advisor aide counsel commissioner inspector superintendent administrator treasurer dictator
strongman mp mep sen gov publicist agent owner president-elect vice-president prime sister father rev reverend
emperor chief-executive spokesmen spokespeople officials analysts experts professors researchers head-coach
""".split())
# Lowercase words that may sit inside a role before its title word ("former deputy foreign minister").
_ROLE_MODIFIERS = frozenset("""
former deputy vice senior chief top acting foreign defense defence interior finance prime executive general
state federal national regional local party opposition military security police health trade economic
finance justice assistant associate interim outgoing incoming longtime long-time veteran retired
district county
""".split())
_HONORIFICS = {"mr", "mrs", "ms", "miss", "mx", "sir", "dame", "lady", "lord"}
_TITLE_PREFIXES = {"president", "prime", "minister", "professor", "prof", "dr", "doctor", "gen", "general",
                   "sen", "senator", "gov", "governor", "rep", "judge", "justice", "king", "queen", "prince",
                   "princess", "pope", "sister", "father", "rev", "reverend", "mayor", "chancellor", "premier",
                   "secretary", "ambassador", "lt", "col", "capt", "sgt", "det", "cardinal", "bishop", "rabbi"}
_FEMALE = {"mrs", "ms", "miss", "madam", "dame", "lady", "queen", "princess", "sister", "spokeswoman",
           "chairwoman", "congresswoman", "actress"}
_MALE = {"mr", "sir", "lord", "king", "prince", "father", "spokesman", "chairman", "congressman", "actor"}
_POSSESSIVE = re.compile(r"(?:['’]s|['’])$")
_EDGE_PUNCT = " \t\n\"'“”‘’.,;:!?()[]{}-–—"
_SPACES = re.compile(r"\s+")
_DETERMINERS = {"the", "a", "an"}
_INITIALISM = re.compile(r"(?:^|\s)(?:[A-Z]\.)+[A-Z]$")
# The longest premodifier role read before a name (the longest role in PolNeAR and ECB+ has 13 words): without
# a bound, each name in a long run of capitalised words would read the whole run back.
MAX_ROLE_TOKENS = 25


@dataclass
class Mention:
    text: str  # the cleaned surface name
    type: str
    start: int  # character offsets of the cleaned name in the article text
    end: int
    role: str | None = None
    gender: str | None = None  # "m"/"f" when an honorific or a gendered title says so


@dataclass
class Entity:
    name: str
    type: str
    mentions: int
    role: str | None = None
    aliases: list[str] = field(default_factory=list)
    gender: str | None = None
    first: int = 0  # offset of the first mention (ordering, and "most recent" look-ups)
    spans: list[tuple[int, int]] = field(default_factory=list)

    def to_contract(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "type": self.type, "mentions": self.mentions}
        if self.role:
            out["role"] = self.role
        return out


def clean_name(text: str) -> str:
    """`text` without a leading "the", a possessive ending, surrounding quotes or punctuation, or line breaks."""
    name = _SPACES.sub(" ", text).strip(_EDGE_PUNCT)
    name = _POSSESSIVE.sub("", name).strip(_EDGE_PUNCT)
    if name.lower().startswith("the "):
        name = name[4:].strip(_EDGE_PUNCT)
    if _INITIALISM.search(name) and text.rstrip().endswith("."):
        name += "."  # "U.S." keeps its last full stop
    return name


def _norm(word: str) -> str:
    return word.lower().strip(".,")


def mentions_from_layout(layout: Layout) -> list[Mention]:
    """Every entity mention the NER found, cleaned, with its role and gender where the text gives them."""
    out: list[Mention] = []
    seen: set[tuple[int, int]] = set()
    for offset, doc in layout.ner_docs:
        ents = list(doc.ents)
        ent_of = {t.i: ent for ent in ents for t in ent}
        for ent in ents:
            if ent.label_ not in ENTITY_TYPES:
                continue
            mention = _mention(layout.text, doc, ent, ent_of, offset)
            if mention is not None and (mention.start, mention.end) not in seen:
                seen.add((mention.start, mention.end))
                out.append(mention)
    out.sort(key=lambda m: m.start)
    return out


def propagate_names(text: str, mentions: list[Mention]) -> list[Mention]:
    """`mentions` plus the bare uses of a known person's first or last name that the NER missed or never
    read ("Okafor said ..." after "Ruth Okafor"; sentences the NER skipped, see `nlp.plan`). A word shared by
    two people's names is left alone."""
    owners: dict[str, set[str]] = {}
    for m in mentions:
        words = m.text.split()
        if m.type == "PERSON" and len(words) > 1:
            for word in (words[0], words[-1]):
                if len(word) > 2 and word[:1].isupper() and word.lower() not in TITLE_WORDS:
                    owners.setdefault(word, set()).add(m.text.lower())
    taken = bytearray(len(text))  # 1 where a mention already is
    for m in mentions:
        taken[m.start:m.end] = b"\x01" * (m.end - m.start)
    added: list[Mention] = []
    for word, names in owners.items():
        # One person unless two names holding the word are not part of one another: then exactly one of them
        # is not part of another, the longest, and it holds all the others.
        longest = max(names, key=len)
        if any(n != longest and (len(n) == len(longest) or n not in longest) for n in names):
            continue
        for start, end in _whole_word(text, word):
            check_deadline("names")
            if taken.find(1, start, end) == -1:
                added.append(Mention(word, "PERSON", start, end))
                taken[start:end] = b"\x01" * (end - start)
    return sorted(mentions + added, key=lambda m: m.start)


def _whole_word(text: str, word: str) -> Iterator[tuple[int, int]]:
    r"""Where `word` stands in `text` with no word character or hyphen on either side, left to right, not
    overlapping: what `re.finditer(r"(?<![\w-])WORD(?![\w-])")` finds, at the speed of `str.find` (the
    pattern, whose lookbehind comes first, is tried at every character: one pass over the text per name)."""
    at = text.find(word)
    while at != -1:
        end = at + len(word)
        if (at == 0 or not _wordish(text[at - 1])) and (end == len(text) or not _wordish(text[end])):
            yield at, end
            at = text.find(word, end)
        else:
            at = text.find(word, at + 1)


def _wordish(char: str) -> bool:
    return char.isalnum() or char in "_-"  # what \w (and the hyphen) matches


def _mention(text: str, doc: Any, ent: Any, ent_of: dict[int, Any], offset: int) -> Mention | None:
    tokens = list(ent)
    role_words: list[str] = []
    gender = None
    # Titles inside the entity ("President Barack Obama" as one span) move to the role; honorifics go.
    if ent.label_ == "PERSON":
        while len(tokens) > 1 and _norm(tokens[0].text) in (_HONORIFICS | _TITLE_PREFIXES):
            word = _norm(tokens[0].text)
            gender = gender or ("f" if word in _FEMALE else "m" if word in _MALE else None)
            if word not in _HONORIFICS:
                role_words.append(tokens[0].text)
            tokens = tokens[1:]
    start_char, end_char = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    raw = text[offset + start_char:offset + end_char]  # not doc.text: that rebuilds the whole string
    name = clean_name(raw)
    if not name or not any(c.isupper() for c in name) or len(name) > 80:
        return None  # "the government"-style misfires and run-on spans are not names
    lead = raw.find(name)
    start = offset + start_char + max(lead, 0)
    mention = Mention(name, ent.label_, start, start + len(name), gender=gender)
    if ent.label_ == "PERSON":
        left = tokens[0].i
        prefix = _left_role(doc, left, ent_of)
        if prefix is None and role_words:
            prefix = " ".join(role_words)
        elif prefix is not None and role_words:
            prefix = prefix + " " + " ".join(role_words)
        if prefix is not None:
            gender = gender or _gender_of(prefix)
            affiliation = _affiliation(doc, tokens[-1].i + 1, ent_of)
            mention.role = prefix + (" " + affiliation if affiliation else "")
        else:
            mention.role = _appositive(doc, tokens[-1].i + 1, ent_of)
            if mention.role:
                gender = gender or _gender_of(mention.role)
        if tokens[0].i > 0 and _norm(doc[tokens[0].i - 1].text) in _HONORIFICS:
            word = _norm(doc[tokens[0].i - 1].text)
            gender = gender or ("f" if word in _FEMALE else "m" if word in _MALE else None)
        mention.gender = gender
    return mention


def _gender_of(role: str) -> str | None:
    words = {_norm(w) for w in role.split()}
    return "f" if words & _FEMALE else "m" if words & _MALE else None


def _left_role(doc: Any, i: int, ent_of: dict[int, Any]) -> str | None:
    """The premodifier role before token `i` ("Chinese Foreign Ministry spokesperson"), or None."""
    j = i - 1
    if j < 0 or _norm(doc[j].text) not in TITLE_WORDS:
        return None
    first = j
    k = j - 1
    while k >= max(0, j - MAX_ROLE_TOKENS):
        tok = doc[k]
        word = _norm(tok.text)
        other = ent_of.get(k)
        if other is not None and other.label_ in ("PERSON", "DATE", "TIME", "CARDINAL", "MONEY", "PERCENT"):
            break
        if word in ("'s", "’s") and k - 1 >= 0 and first == k + 1:
            k -= 1  # "the actress's rep": the possessor belongs to the role
            first = k + 1
            continue
        if (word in TITLE_WORDS or word in _ROLE_MODIFIERS or other is not None
                or (tok.text[:1].isupper() and word not in _DETERMINERS and tok.is_alpha and _inside_sentence(doc, k))
                or re.fullmatch(r"[\w]+-[\w-]+", tok.text) and not tok.text[:1].isupper()):
            first = k
            k -= 1
            continue
        break
    while first < j and (doc[first].text in ("'s", "’s") or _norm(doc[first].text) in _DETERMINERS):
        first += 1
    return doc[first:j + 1].text


def _inside_sentence(doc: Any, k: int) -> bool:
    # A capitalised word that opens a sentence ("Yesterday President Obama...") is no part of a role.
    if k == 0:
        return False
    prev = doc[k - 1].text
    return prev not in (".", "!", "?", "\n") and not prev.endswith("\n") and prev not in ("“", '"', ":")


def _affiliation(doc: Any, i: int, ent_of: dict[int, Any]) -> str | None:
    """ "of Nanjing University" right after a titled name."""
    if i + 1 < len(doc) and doc[i].lower_ in ("of", "at", "from"):
        ent = ent_of.get(i + 1) or (ent_of.get(i + 2) if doc[i + 1].lower_ == "the" else None)
        if ent is not None and ent.label_ in ("ORG", "GPE", "NORP", "FAC"):
            return doc[i:ent.end].text
    return None


# Verbs that make ", the official news agency reported" a clause (its own subject and verb), not an
# appositive: the parser may not have tagged the sentence, so the commonest are listed.
_CLAUSE_VERBS = frozenset("said says reported reports told added announced stated wrote claimed noted confirmed "
                          "denied insisted warned quoted cited".split())


def _appositive(doc: Any, i: int, ent_of: dict[int, Any]) -> str | None:
    """ ", a spokesperson for the ministry," right after a name, or None."""
    if i >= len(doc) or doc[i].text != ",":
        return None
    words = []
    for k in range(i + 1, min(len(doc), i + 14)):
        tok = doc[k]
        if tok.text in (",", ".", ";", ":", ")", "—", "–", "”", '"') or tok.text.startswith("\n"):
            break
        other = ent_of.get(k)
        if other is not None and other.label_ == "PERSON":
            return None  # a list of names, not an appositive
        words.append(tok)
    if not words or not any(_norm(t.text) in TITLE_WORDS for t in words):
        return None
    if words[0].pos_ == "VERB" or _norm(words[0].text) in ("said", "says", "told", "who", "which", "and"):
        return None
    if any(t.pos_ == "VERB" or _norm(t.text) in _CLAUSE_VERBS for t in words[1:]):
        return None  # ", the official news agency reported": a clause naming a source, not the name's role
    first = 1 if _norm(words[0].text) in _DETERMINERS else 0
    if first >= len(words):
        return None
    return doc[words[first].i:words[-1].i + 1].text


# ---------------------------------------------------------------------------------------------- merging


def _tokens(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", name.lower()) if w]


def merge_mentions(mentions: Sequence[Mention]) -> tuple[list[Entity], dict[tuple[int, int], Entity]]:
    """One entity per referent, and which entity each mention span belongs to.

    A PERSON mention joins the person whose canonical name holds all its words ("Kim" -> "Kim Jong Un"),
    the most recently mentioned one when several do; other types join on their cleaned name. A one-word
    ORG that is a word of a known person's name is that person (the small model often labels a bare
    surname ORG)."""
    entities: list[Entity] = []
    by_span: dict[tuple[int, int], Entity] = {}
    persons = sorted((m for m in mentions if m.type == "PERSON"), key=lambda m: (-len(_tokens(m.text)), m.start))
    people = _People()
    starts: dict[int, list[int]] = {}  # id(entity) -> where its mentions start, in order
    for m in persons:
        check_deadline("people")
        candidates = people.holding(_tokens(m.text))
        if candidates:
            # The one mentioned most recently before this mention, else the first introduced.
            def latest_before(e: Entity, at: int = m.start) -> int:
                mine = starts[id(e)]
                k = bisect.bisect_left(mine, at)
                return mine[k - 1] if k else -1

            target = max(candidates, key=latest_before)
            _add(target, m)
        else:
            target = Entity(m.text, "PERSON", 0, first=m.start)
            _add(target, m)
            people.add(target)
            starts[id(target)] = []
            entities.append(target)
        bisect.insort(starts[id(target)], m.start)
        by_span[(m.start, m.end)] = target
    by_edge_word: dict[str, Entity] = {}  # the first person whose name of two words or more starts or ends so
    for e in people.entities:
        name = _tokens(e.name)
        if len(name) > 1:
            by_edge_word.setdefault(name[-1], e)
            by_edge_word.setdefault(name[0], e)
    keyed: dict[tuple[str, str], Entity] = {}
    for m in sorted((m for m in mentions if m.type != "PERSON"), key=lambda m: m.start):
        words = _tokens(m.text)
        if m.type == "ORG" and len(words) == 1:
            person = by_edge_word.get(words[0])
            if person is not None:
                _add(person, m)
                by_span[(m.start, m.end)] = person
                continue
        key = (m.type, " ".join(words))
        target = keyed.get(key)
        if target is None:
            target = keyed[key] = Entity(m.text, m.type, 0, first=m.start)
            entities.append(target)
        _add(target, m)
        by_span[(m.start, m.end)] = target
    entities.sort(key=lambda e: (-e.mentions, e.first))
    return entities, by_span


class _People:
    """Person entities in the order they were made, and which of them hold all of some name words: an index
    by word, so that finding them does not read every person (an article or a story may name thousands)."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self.words: dict[str, list[tuple[Entity, set[str]]]] = {}

    def add(self, entity: Entity) -> None:
        words = set(_tokens(entity.name))
        self.entities.append(entity)
        for word in words:
            self.words.setdefault(word, []).append((entity, words))

    def holding(self, words: Sequence[str]) -> list[Entity]:
        """The people whose name has every one of `words`, in the order they were made."""
        if not words:
            return list(self.entities)
        rarest = min((self.words.get(w, []) for w in set(words)), key=len)
        wanted = set(words)
        return [e for e, name in rarest if wanted <= name]


def _add(entity: Entity, m: Mention) -> None:
    entity.mentions += 1
    entity.first = min(entity.first, m.start) if entity.spans else m.start
    entity.spans.append((m.start, m.end))
    if m.text not in entity.aliases:
        entity.aliases.append(m.text)
    if m.role and (entity.role is None or len(m.role) > len(entity.role)):
        entity.role = m.role
    entity.gender = entity.gender or m.gender


def merge_entities(groups: Iterable[Sequence[Entity]]) -> list[Entity]:
    """Merge the entities of several articles of one story into one list (same rules as within an article:
    a person whose every name word is in a longer name of another is that person). Mentions add up; the
    longest name and the longest role win. Spans are dropped: they belong to different texts."""
    flat = [e for group in groups for e in group]
    merged: list[Entity] = []
    people = sorted((e for e in flat if e.type == "PERSON"), key=lambda e: -len(_tokens(e.name)))
    person_out = _People()
    for e in people:
        check_deadline("people")
        target = next(iter(person_out.holding(_tokens(e.name))), None)
        if target is None:
            target = Entity(e.name, "PERSON", 0, gender=e.gender)
            person_out.add(target)
            merged.append(target)
        _absorb(target, e)
    keyed: dict[tuple[str, str], Entity] = {}
    for e in flat:
        if e.type == "PERSON":
            continue
        key = (e.type, " ".join(_tokens(e.name)))
        if key not in keyed:
            keyed[key] = Entity(e.name, e.type, 0)
            merged.append(keyed[key])
        _absorb(keyed[key], e)
    merged.sort(key=lambda e: -e.mentions)
    return merged


def _absorb(target: Entity, e: Entity) -> None:
    target.mentions += e.mentions
    for alias in [e.name, *e.aliases]:
        if alias not in target.aliases:
            target.aliases.append(alias)
    if e.role and (target.role is None or len(e.role) > len(target.role)):
        target.role = e.role
    target.gender = target.gender or e.gender
