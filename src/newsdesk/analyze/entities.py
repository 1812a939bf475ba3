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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
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
# Verbs a title-case headline capitalises between two names, which no name holds: the NER reads "Hillary Clinton
# Slams Donald Trump" as one person, who would then stand for both of them.
HEADLINE_VERBS = frozenset("""
to is are was were has have had does did not says said tells told warns warned urges urged denies denied vows
vowed admits admitted insists insisted slams slammed blasts blasted asks asked calls called hints hinted pushes
pushed announces announced describes described reveals revealed attacks attacked rips ripped mocks mocked hits
praises praised backs backed endorses endorsed defends defended accuses accused
""".split())


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
    elif name.startswith(("a ", "an ")):  # "a John McCain" (a lowercase article: "A" may open a name)
        name = name.split(" ", 1)[1].strip(_EDGE_PUNCT)
    if _INITIALISM.search(name) and text.rstrip().endswith("."):
        name += "."  # "U.S." keeps its last full stop
    return name


_GLUED = re.compile(r"[a-z]{2}[.,;:!?][A-Za-z]|[)\]}][A-Za-z]")  # "reporters.Trump", "CNN Business)A"
_NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "inc", "inc.", "ltd", "ltd.", "llc", "plc", "d.c."}
# The last word of an organisation's name: a name ending so is an organisation whatever the NER said ("Betty
# Ford Center" read as a person), since no person's name ends in one.
ORGANISATION_WORDS = frozenset("""
center centre institute university college school academy hospital clinic foundation association council
committee party company corporation corp corp. inc inc. ltd ltd. llc group club agency department ministry bank
fund museum society union league commission office service services network news times
journal magazine airlines airline airways partners associates advisors advisers campaign administration
federation organization organisation alliance coalition board bureau authority police army navy
""".split())


def looks_like_a_name(name: str, type_: str) -> bool:
    """Whether a cleaned span can be one name of type `type_`: not a broken token (an unbalanced bracket, two
    words glued by punctuation), not a list ("Twitter, Bird, Madagascar"; a place may name its region, "Paris,
    Texas"; a name may end in "Jr." or "Inc."), no slash or digit in a person's name."""
    if any(name.count(a) != name.count(b) for a, b in ("()", "[]", "{}")) or _GLUED.search(name):
        return False
    parts = [p for p in name.split(",") if p.strip()]
    while len(parts) > 1 and parts[-1].strip().lower() in _NAME_SUFFIXES:
        parts.pop()
    # One name may list things when it joins the last ("Bureau of Alcohol, Tobacco, Firearms and Explosives").
    joined = type_ != "PERSON" and re.search(r"\s(?:and|&)\s", parts[-1]) is not None
    if len(parts) > (2 if type_ in ("GPE", "LOC") else 1) and not joined:
        return False
    return not (type_ == "PERSON" and any(c.isdigit() or c in "/()[]" for c in name))


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
                if (len(word) > 2 and word[:1].isupper() and word.lower() not in TITLE_WORDS
                        and word.lower() not in ORGANISATION_WORDS):
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
        verb = next((k for k, t in enumerate(tokens) if k and t.text[:1].isupper() and t.lower_ in HEADLINE_VERBS),
                    None)
        tokens = tokens[:verb] if verb is not None else tokens
    start_char, end_char = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    raw = text[offset + start_char:offset + end_char]  # not doc.text: that rebuilds the whole string
    name = clean_name(raw)
    if not name or not any(c.isupper() for c in name) or len(name) > 80:
        return None  # "the government"-style misfires and run-on spans are not names
    if not looks_like_a_name(name, ent.label_):
        return None
    lead = raw.find(name)
    start = offset + start_char + max(lead, 0)
    label = ent.label_
    if label == "PERSON" and _tokens(name)[-1] in ORGANISATION_WORDS:
        label = "ORG"  # "Betty Ford Center": no person's name ends so
    mention = Mention(name, label, start, start + len(name), gender=gender)
    if label == "PERSON":
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


def named_entities(entities: Sequence[Entity], text: str,
                   is_outlet: Callable[[str], bool] | None = None) -> list[Entity]:
    """The entities of an article that are names of someone or something the article is about: not the name of
    an outlet (`is_outlet`: the outlets the source labels know; an outlet quoted as a source stays a speaker),
    not a common word that only capitals made look like a name ("QUARANTINED", a headline's "Plane": one word
    written in capitals only where capitals are forced, and in lower case elsewhere in the text). An all-capital
    name takes its ordinary spelling when the article has one ("WASHINGTON" dateline, "Washington")."""
    out = []
    for e in entities:
        if is_outlet is not None and is_outlet(e.name):
            continue
        words = _tokens(e.name)
        if (len(words) == 1 and e.spans and all(_forced_capital(text, s, t) for s, t in e.spans)
                and next(_whole_word(text, words[0]), None) is not None):
            continue
        if e.name.isupper() and len(e.name) > 5:
            plain = next((a for a in e.aliases if not a.isupper() and _tokens(a) == words), None)
            e.name = plain or e.name
        out.append(e)
    return out


HEADLINE_CHARS = 200
_SENTENCE_END = re.compile(r"(?:^|[.!?:\n\"“”‘’'(\[—–-])\s*$")


def _forced_capital(text: str, start: int, end: int) -> bool:
    """Whether the word at start..end is capitalised by position, not by being a name: written in capitals, or
    the first word of a sentence or line, or in a title-case line (a headline)."""
    word = text[start:end]
    if len(word) > 4 and word.isupper():  # shorter ones are acronyms: "US" is not "us", "WHO" not "who"
        return True
    if _SENTENCE_END.search(text[max(0, start - 4):start]) or start == 0:
        return True
    # A headline is a short line: look no further than HEADLINE_CHARS either way (a text of one long line would
    # otherwise be read whole for each mention).
    line_start = text.rfind("\n", max(0, start - HEADLINE_CHARS), start) + 1
    line_end = text.find("\n", end, end + HEADLINE_CHARS)
    if (line_start == 0 and start > HEADLINE_CHARS) or (line_end == -1 and len(text) > end + HEADLINE_CHARS):
        return False
    line = text[line_start:line_end if line_end != -1 else len(text)].split()
    return 3 <= len(line) <= 20 and sum(1 for w in line if w[:1].isupper()) >= 0.6 * len(line)


# ---------------------------------------------------------------------------------------------- merging


def _tokens(name: str) -> list[str]:
    return [w for w in re.split(r"[\s\-]+", name.lower()) if w]


def merge_mentions(mentions: Sequence[Mention]) -> tuple[list[Entity], dict[tuple[int, int], Entity]]:
    """One entity per referent, and which entity each mention span belongs to.

    A PERSON mention joins the person whose canonical name holds all its words ("Kim" -> "Kim Jong Un"),
    the most recently mentioned one when several do; other types join on their cleaned name. Each name has one
    type first (`settle_types`: a bare surname the small model labels ORG is a person when a full name has it)."""
    mentions = settle_types(mentions)
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
    keyed: dict[tuple[str, str], Entity] = {}
    for m in sorted((m for m in mentions if m.type != "PERSON"), key=lambda m: m.start):
        key = (m.type, " ".join(_tokens(m.text)))
        target = keyed.get(key)
        if target is None:
            target = keyed[key] = Entity(m.text, m.type, 0, first=m.start)
            entities.append(target)
        _add(target, m)
        by_span[(m.start, m.end)] = target
    entities.sort(key=lambda e: (-e.mentions, e.first))
    return entities, by_span


def settle_types(items: Sequence[Any]) -> list[Any]:
    """Mentions or entities with one type per name (folded): a name that ends in an organisation word is an
    organisation ("Betty Ford Center"); a name of several words read as a person at least once is a person,
    and so is its first or last word alone when read as a person or an organisation (the small model labels
    bare surnames anything); any other name the NER read as several types takes the type of most of its
    mentions, the first read on a tie. Items whose type changes are copies; the others are returned as
    they are."""
    def name_of(item: Any) -> str:
        return " ".join(_tokens(item.text if isinstance(item, Mention) else item.name))

    votes: dict[str, dict[str, int]] = {}
    for item in items:
        tally = votes.setdefault(name_of(item), {})
        tally[item.type] = tally.get(item.type, 0) + (item.mentions if isinstance(item, Entity) else 1)
    edges = {w for name, tally in votes.items() if "PERSON" in tally and len(name.split()) > 1
             for w in (name.split()[0], name.split()[-1])}
    settled: dict[str, str] = {}
    for name, tally in votes.items():
        words = name.split()
        if words and words[-1] in ORGANISATION_WORDS and tally.keys() & {"PERSON", "ORG"}:
            settled[name] = "ORG"
        elif "PERSON" in tally and len(words) > 1 or name in edges and tally.keys() & {"PERSON", "ORG"}:
            settled[name] = "PERSON"
        elif len(tally) > 1:
            settled[name] = max(tally, key=lambda t: tally[t])  # dicts keep the first read first on a tie
    out = []
    for item in items:
        wanted = settled.get(name_of(item), item.type)
        out.append(item if wanted == item.type else replace(item, type=wanted))
    return out


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
    one type per name, a person whose every name word is in the longer name of one other person is that
    person).
    Mentions add up; the longest
    name and the longest role win. Spans are dropped: they belong to different texts."""
    flat = settle_types([e for group in groups for e in group])
    merged: list[Entity] = []
    people = sorted((e for e in flat if e.type == "PERSON"), key=lambda e: -len(_tokens(e.name)))
    person_out = _People()
    for e in people:
        check_deadline("people")
        # A short name joins the one person whose name holds it: "Trump" beside Donald Trump and Ivanka Trump in
        # other articles of the story (its own article did not tell which) stays "Trump".
        words = _tokens(e.name)
        candidates = person_out.holding(words)
        exact = [c for c in candidates if sorted(_tokens(c.name)) == sorted(words)]
        target = exact[0] if exact else candidates[0] if len(candidates) == 1 else None
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
