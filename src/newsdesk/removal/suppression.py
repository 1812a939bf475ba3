"""Suppression: what a request's targets name, taking it out everywhere, and putting it back on a rejection.

Suppression works by construction: the removed articles' rows are deleted (the full-text triggers take them
out of the search index, which is then merged so that no token of them is left in it), stories are
recomputed from what remains (a brief is rebuilt from remaining text only), and every page, feed and API
answer reads those tables; the content version in `meta` changes, so caches and ETags move on. What is kept
is the proof (`removed_items`: addresses, hashes, ids, times) and the blocklist that the collector checks
before fetching and before storing.

Provisional suppression (setting `removal_provisional`) moves the rows to `quarantine` instead, whole, and
blocks them the same way; a rejection puts them back with the same ids, an acceptance purges them.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from newsdesk.keys import utcnow
from newsdesk.removal.blocklist import BlocklistIndex
from newsdesk.removal.models import SuppressionReport, UnknownRequest
from newsdesk.store import Store, removals
from newsdesk.store.removals import QuarantinedArticle, RequestView, Target
from newsdesk.store.repository import BLOCKLIST_VERSION, CONTENT_VERSION, bump_version, members_in
from newsdesk.stories.copies import signature
from newsdesk.urls import canonicalize_url, key_spellings, registered_domain, url_key

Claims = dict[str, dict[Any, int]]  # "urls" (by URL key), "stories", "domains" -> the first request naming it


def request_in(s: Session, key: int | str, *, with_targets: bool = True, lock: bool = False) -> RequestView:
    """The request `key` names (its id or public id), read in `s`; UnknownRequest when there is none."""
    req = removals.find_request(s, key, with_targets=with_targets, lock=lock)
    if req is None:
        raise UnknownRequest(f"no removal request {key}")
    return req


class Suppressor:
    """Suppresses and restores inside the caller's transaction, and commits it (with what it holds already:
    the request or its decision), so that a busy store refuses both or neither."""

    def __init__(self, store: Store, blocklist: BlocklistIndex) -> None:
        self.store = store
        self.blocklist = blocklist

    def resolve(self, s: Session, targets: list[Target]) -> tuple[dict[int, set[int]], set[str], set[str]]:
        """Article ids per target (by target id), addresses to block (URLs as given and canonical), domains to
        block. An address finds the article stored under any spelling of its URL key."""
        found: dict[int, set[int]] = {}
        addresses: set[str] = set()
        domains: set[str] = set()
        for t in targets:
            assert t.id is not None
            ids: set[int] = set()
            if t.scope in ("article", "copies", "story") and "://" in t.value:
                addresses |= {t.value, canonicalize_url(t.value)}
                ids = removals.articles_at(s, key_spellings(t.value))
                if t.scope == "copies":
                    ids = removals.copies_closure(s, ids)
                elif t.scope == "story":
                    ids |= removals.story_articles(s, removals.stories_of(s, ids))
            elif t.scope == "story":
                ids = removals.story_articles(s, [int(t.value)])
            elif t.scope == "domain":
                domains.add(t.value)
                ids = {i for i, url, canon in removals.articles_mentioning(s, t.value)
                       if t.value in (registered_domain(url), registered_domain(canon))}
            found[t.id] = ids
        return found, addresses, domains

    def suppress(self, s: Session, request_id: int, actor: str, provisional: bool) -> SuppressionReport:
        """Suppress what the request names and commit `s`."""
        started = time.perf_counter()
        with removals.secure_delete(s):
            report = self._suppress_in(s, request_id, actor, provisional)
            removals.purge_search_index(s)
            s.commit()
        self.blocklist.invalidate()
        report.seconds = time.perf_counter() - started
        return report

    def _suppress_in(self, s: Session, request_id: int, actor: str, provisional: bool) -> SuppressionReport:
        req = request_in(s, request_id)
        targets = req.targets
        found, addresses, domains = self.resolve(s, targets)
        now = utcnow()
        report = SuppressionReport(req.id, req.public_id, req.status)

        block: list[tuple[str, str, bytes | None]] = [("url", a, None) for a in addresses]
        block += [("domain", d, None) for d in domains]
        touched: set[int] = set()
        if not provisional:
            # Articles quarantined on receipt: an acceptance turns them into proof and drops their content.
            quarantined = removals.quarantined(s, req.id)
            removals.prove_quarantined(s, quarantined, req.id, now)
            report.article_ids += [q.article_id for q in quarantined]
            if quarantined:
                removals.clear_quarantine(s, req.id)
                # The stories were recomputed when the articles left; an emptied one now names the decision.
                touched |= {q.story_id for q in quarantined if q.story_id is not None}

        ids = set().union(*found.values()) if found else set()
        taken = removals.take_out(s, req.id, ids, provisional, now)
        for a in taken:
            sig = a.minhash or (signature(a.text) if a.text else None)
            block += [("url", a.url, None), ("canonical", a.canonical_url, None),
                      ("content_hash", a.content_hash, None)]
            if sig:
                block.append(("signature", a.content_hash, sig))
            if a.story_id is not None:
                touched.add(a.story_id)
        report.article_ids += sorted(a.id for a in taken)

        sources = removals.source_addresses(s) if domains else []
        for domain in sorted(domains):
            for src_id, url, site_url, active in sources:
                if (active and src_id not in report.sources_deactivated
                        and domain in {registered_domain(url), registered_domain(site_url or url)}):
                    report.sources_deactivated.append(src_id)
        removals.deactivate_sources(s, report.sources_deactivated)
        removals.record_resolved(s, found, report.sources_deactivated)
        report.blocked = removals.add_block_entries(s, req.id, block)
        s.flush()
        touched = removals.final_stories(s, touched)  # one set aside before a merge: its story is the survivor
        for sid in sorted(touched):
            if recompute_story(s, sid, req.id):
                report.stories_emptied.append(sid)
        report.story_ids = sorted(touched)
        if provisional:
            removals.mark_provisional(s, req.id)
        bump_version(s, CONTENT_VERSION)
        bump_version(s, BLOCKLIST_VERSION)
        removals.add_audit(s, req.id, actor, "provisional_suppression" if provisional else "suppressed", {
            "article_ids": report.article_ids, "story_ids": report.story_ids,
            "stories_emptied": report.stories_emptied, "blocklist_entries": report.blocked,
            "domains": sorted(domains), "sources_deactivated": report.sources_deactivated,
        })
        return report

    def restore(self, s: Session, request_id: int, actor: str) -> SuppressionReport:
        """Undo a provisional suppression: rows back with their ids, copies re-pointed back, blocklist entries
        and source deactivations of this request undone, stories recomputed; commits `s`."""
        started = time.perf_counter()
        req = request_in(s, request_id, with_targets=False)
        report = SuppressionReport(req.id, req.public_id, req.status)
        quarantined = removals.quarantined(s, req.id)
        touched: set[int] = set()
        # An article another, accepted request also names stays removed under that request: a rejection
        # only undoes what this request alone did. (The accepted one found nothing to remove, as this one
        # had set the article aside, and its blocklist entries were this one's.)
        claims = accepted_claims(s, req.id)
        back: list[QuarantinedArticle] = []
        for q in quarantined:
            claimer = claimed_by(q, claims, removals.final_stories(s, [q.story_id] if q.story_id else []))
            if claimer is None:
                back.append(q)
                continue
            data = q.article
            removals.prove_quarantined(s, [q], claimer, utcnow())
            values = [v for v in (data["url"], data["canonical_url"], data["content_hash"]) if v]
            removals.hand_over_block_entries(s, req.id, values, claimer)
            removals.add_audit(s, claimer, actor, "kept_removed", {"article_id": q.article_id,
                                                                    "rejected_request_id": req.id})
            if q.story_id is not None:
                touched.add(q.story_id)
        report.restored, moved, back_in = removals.put_back(s, back)
        touched |= back_in
        removals.clear_quarantine(s, req.id)
        # Addresses and domains an accepted request also names move to it; what only this one blocked goes.
        for entry_id, kind, value in removals.address_block_entries(s, req.id):
            claimer = claims["domains"].get(value) if kind == "domain" else claims["urls"].get(url_key(value))
            if claimer is not None:
                removals.reassign_block_entry(s, entry_id, claimer)
        s.flush()
        removals.drop_block_entries(s, req.id)
        removals.reactivate_sources(s, req.id)
        s.flush()
        touched = removals.final_stories(s, touched)
        for sid in sorted(touched):
            recompute_story(s, sid, None)
        report.story_ids = sorted(touched)
        bump_version(s, CONTENT_VERSION)
        bump_version(s, BLOCKLIST_VERSION)
        removals.add_audit(s, req.id, actor, "restored", {"article_ids": report.restored,
                                                          "story_ids": report.story_ids,
                                                          "new_ids": {str(k): v for k, v in moved.items()}})
        s.commit()
        self.blocklist.invalidate()
        report.seconds = time.perf_counter() - started
        return report


def recompute_story(s: Session, story_id: int, request_id: int | None) -> bool:
    """Headline, brief, dates and counts from the remaining members only (so no sentence of a removed
    article survives). Returns True when the story is left empty (marked as removed by `request_id`)."""
    # the stages import the store: import late
    from newsdesk.analyze.stage import refresh_story_analysis
    from newsdesk.stories.engine import story_values

    members = members_in(s, story_id)
    if members:
        removals.update_story(s, story_id, story_values(members))
    else:
        removals.empty_story(s, story_id, request_id)
    # Entities and statements too (the removed articles' analyses went with their rows, by cascade), after
    # the brief: the statuses of its sentences are stored with it, from these statements.
    refresh_story_analysis(s, story_id, members)
    return not members


def accepted_claims(s: Session, rejected_id: int) -> Claims:
    """What accepted requests (other than `rejected_id`) name: addresses (by URL key), story ids and domains,
    each with the first request that names it."""
    claims: Claims = {"urls": {}, "stories": {}, "domains": {}}
    for scope, value, request_id in removals.accepted_targets(s, rejected_id):
        if scope == "domain":
            claims["domains"].setdefault(value, request_id)
        elif "://" in value:
            claims["urls"].setdefault(url_key(value), request_id)
        elif scope == "story" and value.isdigit():
            for story_id in removals.final_stories(s, [int(value)]):  # a merged story names its survivor
                claims["stories"].setdefault(story_id, request_id)
    return claims


def claimed_by(q: QuarantinedArticle, claims: Claims, stories: set[int]) -> int | None:
    """The accepted request that also names this set-aside article (in `stories`: its story as it is now), or
    None."""
    data = q.article
    for key in (data.get("url"), data.get("canonical_url")):
        if key and url_key(key) in claims["urls"]:
            return claims["urls"][url_key(key)]
    for story_id in stories:
        if story_id in claims["stories"]:
            return claims["stories"][story_id]
    for key in (data.get("url"), data.get("canonical_url")):
        if key and registered_domain(key) in claims["domains"]:
            return claims["domains"][registered_domain(key)]
    return None
