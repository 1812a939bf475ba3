"""From articles to stories: copy detection, then online clustering, then the touched stories' briefs.

`StoryDecider` is the whole decision, with no database: `newsdesk cluster` runs it on a file, and the
live service runs the very same object inside `StoryEngine`, which only adds persistence around it
(ids from the database, state rebuilt on start, briefs saved). A story's entities and statements are the analysis
stage's: the engine writes them with the story only when it is given their roll-up (newsdesk.passes gives it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from newsdesk import __version__
from newsdesk.config import Settings, load_settings
from newsdesk.errors import describe_failure
from newsdesk.genre import ROUNDUP
from newsdesk.keys import utcnow
from newsdesk.labels import default_registry
from newsdesk.models import StoryDoc
from newsdesk.store import Store, StoredArticle
from newsdesk.store.repository import (
    STORE_TROUBLE,
    STORIES_STAGE,
    StoryAggregator,
    StoryAnalysis,
    StoryJoin,
)
from newsdesk.store.schema import MAX_STAGE_ATTEMPTS
from newsdesk.stories.brief import choose_headline, make_brief
from newsdesk.stories.cluster import ClusterConfig, StoryClusterer, _aware, shift
from newsdesk.stories.copies import CopyDetector, signature
from newsdesk.timebudget import check_deadline, deadline

log = logging.getLogger(__name__)

Key = int | str
FORGET_EVERY = 500  # assignments between two sweeps of stories that fell out of the time window
PENDING_BATCH = 500  # articles read and decided together; the stories they join are written once per batch
# The story stage's rules (copy-folding, grouping, briefs): a new version, or a new release of newsdesk, tries
# the articles it had set aside again (newsdesk.store.schema.ArticleFailure).
STORIES_VERSION = "1"
STORIES_SOFTWARE = f"newsdesk-stories/{STORIES_VERSION} newsdesk/{__version__}"


@dataclass
class Assignment:
    story_id: int
    origin_id: Key | None  # the article this one is a copy of, or None for an original
    repointed: list[Key] = field(default_factory=list)  # earlier-stored articles that are now copies of this one


def is_wire(doc: StoryDoc) -> bool:
    """Whether the article comes from a wire agency (source labels, by URL then by source name)."""
    label = default_registry().label_of(doc.url, doc.source)
    return label is not None and label.type == "wire agency"


class StoryDecider:
    """Decides, for each arriving article, which article it copies and which story it belongs to."""

    def __init__(self, config: ClusterConfig | None = None, new_story_id: Callable[[], int] | None = None) -> None:
        self.config = config or ClusterConfig()
        self.copies = CopyDetector()
        self.clusterer = StoryClusterer(self.config, new_story_id)
        self.story_of: dict[Key, int] = {}
        self.apart: set[int] = set()  # round-ups' stories, which the clusterer does not hold (see _apart)
        # The stream's own clock (newest publication date seen): stories fall out of the index when the stream
        # has moved a window past them, so replaying an old archive works like live news. Dates are checked where
        # they enter: the service's at most two days ahead of now, a `newsdesk cluster` file's on its own timeline.
        self.clock: datetime | None = None
        self._since_forget = 0

    def _tick(self, doc: StoryDoc) -> None:
        if doc.published and (self.clock is None or doc.published > self.clock):
            self.clock = doc.published
        self._since_forget += 1
        if self.clock and self._since_forget >= FORGET_EVERY:
            self._since_forget = 0
            self.clusterer.forget_before(shift(self.clock, -timedelta(days=self.config.window_days)))

    def assign(self, doc: StoryDoc, *, sig: bytes | None = None) -> Assignment:
        """`doc.origin_id` may already name an exact copy's origin; a near-copy found here overrides nothing.

        An article published before the origin of the copies it matches becomes their origin
        (`Assignment.repointed`: the articles now its copies) and joins their story."""
        found = self._register(doc, sig)
        repointed = list(self.copies.repointed) if (doc.text or sig) else []
        # The store's exact-copy link (first stored) gives way when this article is the earlier published.
        origin = None if repointed else doc.origin_id if doc.origin_id is not None else found
        doc.origin_id = origin
        home = origin if origin is not None else next((k for k in repointed if k in self.story_of), None)
        if home is not None and home in self.story_of:
            # A copy belongs where its origin is, whatever its new headline says (and an origin with its copies).
            # A reprint of a round-up goes into the round-up's own story, which the clusterer does not hold.
            story = self.clusterer.resolve(self.story_of[home])
            if story not in self.apart:
                self.clusterer.restore(story, doc)
        elif doc.genre == ROUNDUP:
            story = self._apart()
        else:
            story = self.clusterer.add(doc)
        self.story_of[doc.id] = story
        self._tick(doc)
        return Assignment(story, origin, repointed)

    def _apart(self) -> int:
        """A story of its own that the clusterer never indexes: a round-up mentions many events in passing, so it
        joins none of their stories and none joins it (its reprints excepted)."""
        story = self.clusterer.new_story_id()
        self.apart.add(story)
        return story

    def _register(self, doc: StoryDoc, sig: bytes | None) -> Key | None:
        if not (doc.text or sig):
            return None
        published = _aware(doc.published).timestamp() if doc.published is not None else None
        return self.copies.add(doc.id, doc.text, sig=sig, published=published, wire=is_wire(doc))

    def final_story(self, article_id: Key) -> int:
        """The story an article is in now, after the merges decided since it was assigned."""
        return self.clusterer.resolve(self.story_of[article_id])

    def forget(self, article_id: Key) -> None:
        """Drop an article from the copy index and the assignments (removed, or its decision failed)."""
        self.story_of.pop(article_id, None)
        if article_id in self.copies:
            self.copies.remove(article_id)

    def restore(self, doc: StoryDoc, story_id: int, sig: bytes | None) -> None:
        """Re-load a member decided earlier (service restart) without deciding anything again. Members come in the
        order they were stored: a round-up's story is set apart when the round-up comes first (as `assign` set it),
        and held when it joined a story as the origin of copies stored before it."""
        self._register(doc, sig)
        if story_id in self.apart or (doc.genre == ROUNDUP and not self.clusterer.holds(story_id)):
            self.apart.add(story_id)
        else:
            self.clusterer.restore(story_id, doc)
        self.story_of[doc.id] = story_id
        self._tick(doc)


def story_doc(article: StoredArticle) -> StoryDoc:
    return StoryDoc(id=article.id, title=article.title or "", text=article.text, published=article.published,
                    url=article.url, source=article.source, origin_id=article.duplicate_of, language=article.language,
                    genre=article.genre)


@dataclass
class _Placed:
    """An article as decided in memory (its story, its origin), before it is written."""

    article: StoredArticle  # as it will be stored: story, origin, signature and join time set
    story_id: int
    repointed: dict[int, int] = field(default_factory=dict)  # stored articles now copies of another: new origin


class StoryEngine:
    """The live service's story stage: assigns stored articles that have no story yet, in arrival order.

    One bad article never stops it: each article is decided under its own time budget
    (`Settings.article_time_budget`), and the stories it joins are written (members and recomputed story, one
    transaction) under a budget too. An article whose work fails or runs out of time is left out of its story
    and its failure recorded (`Store.record_stage_failure`): the next pass tries it again, and after
    MAX_STAGE_ATTEMPTS failures under this STORIES_SOFTWARE it is set aside, until the software changes.
    The store's own trouble (unreachable, locked, full) is no article's fault: it stops the pass."""

    def __init__(self, store: Store, config: ClusterConfig | None = None, *, settings: Settings | None = None,
                 roll_up: StoryAggregator | None = None) -> None:
        self.store = store
        # A story's entities and statements from its members' analyses, written with the story; None: the story's
        # analysis is left as it is (the analysis stage refreshes it when it analyses a member).
        self.roll_up = roll_up
        self.time_budget = (settings or load_settings()).article_time_budget
        self.failed = 0  # articles whose work failed in the last pass
        self.decider = StoryDecider(config, new_story_id=store.create_story)
        self.lock = threading.Lock()  # one decision at a time: two articles of one event must meet
        self._removed_seen = store.removed_marker()
        self._merges_seen = 0  # the clusterer's merges up to here are written, or waiting in _unwritten
        self._unwritten: list[tuple[int, int]] = []  # (survivor, merged story) whose write failed: tried again
        self._restore()

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.decider.config.window_days)

    def _restore(self, joined_since: datetime | None = None) -> None:
        """Load what was decided and is not known here yet: at start, every article within the time window
        of the newest one; later, what joined a story since the last look (e.g. by a `newsdesk fetch` run
        beside the server)."""
        started = utcnow()
        since = joined_since
        if joined_since is not None:
            articles = self.store.articles_since(joined_since, by="joined")
        else:
            newest = self.store.newest_story_time()
            since = shift(newest, -self.window) if newest else None
            articles = self.store.articles_since(since) if since else iter(())
        for article in articles:
            if article.id not in self.decider.story_of and article.story_id is not None:
                self.decider.restore(story_doc(article), article.story_id, article.minhash)
        if since is not None:
            # Merges stored (before a restart, or by another process): a story that went answers its survivor,
            # and what is held of it joins the survivor, so that its later articles join the survivor too.
            self._unwritten += self._new_merges()
            for into, gone in self.store.merges_since(since):
                self.decider.clusterer.absorb(into, gone)
            self._merges_seen = len(self.decider.clusterer.merges)
        self._synced = started

    def process_pending(self, *, chase: bool = True) -> int:
        """Assign every article waiting for a story; refresh only the stories that changed. Returns how many
        were assigned (`failed`: how many failed). `chase=False`: stop after the first batch that is not a full
        one, about what waited when the call began; articles stored meanwhile wait for the next call (beside a
        running fetch, chasing them would write a story, brief and all, once for every few that arrive)."""
        done = 0
        self.failed = 0
        with self.lock:
            self._follow_removals()
            self._restore(joined_since=self._synced - timedelta(minutes=1))
            after = 0  # past the articles this pass tried: one that failed waits for the next pass
            drained = False
            while not drained and (batch := self.store.pending_articles(PENDING_BATCH, after=after,
                                                                         software=STORIES_SOFTWARE)):
                drained = not chase and len(batch) < PENDING_BATCH
                after = batch[-1].id
                decided: list[_Placed] = []
                for article in batch:
                    try:
                        with deadline(self.time_budget, what=f"article {article.id}"):
                            decided.append(self._place(article))
                    except STORE_TROUBLE:
                        raise
                    except Exception as exc:  # noqa: BLE001 - recorded on the article; the stage goes on
                        self._failed(article, exc)
                # Stories these articles showed to be one event merge first; each article then joins the story
                # its own goes on as (an article placed before a merge in this batch too).
                self._write_merges()
                groups: dict[int, list[_Placed]] = {}
                for placed in decided:
                    groups.setdefault(self.decider.clusterer.resolve(placed.story_id), []).append(placed)
                joined: list[int] = []
                for story_id in sorted(groups):
                    joined += self._join(story_id, groups[story_id])
                if joined:
                    self.store.clear_stage_failures(joined, STORIES_STAGE)
                done += len(joined)
        return done

    def _place(self, article: StoredArticle) -> _Placed:
        """Decide in memory which article this one copies and which story it joins."""
        if article.id in self.decider.story_of or article.id in self.decider.copies:
            self._forget(article.id)  # an earlier attempt failed halfway (ids are never reused)
        doc = story_doc(article)
        sig = signature(article.text) if article.text else None
        check_deadline("copy detection")
        result = self.decider.assign(doc, sig=sig)
        check_deadline("grouping")
        origin = result.origin_id if isinstance(result.origin_id, int) else None
        if origin is not None and not self.store.article_exists(origin):
            origin = None  # removed meanwhile (a removal in another process): an original now
        # Copies stored earlier whose origin is now this article (it was published before them).
        repointed = {k: self.decider.copies.origin_of(k) for k in result.repointed if isinstance(k, int)
                     and k in self.decider.copies}
        return _Placed(replace(article, story_id=result.story_id, duplicate_of=origin, minhash=sig,
                               story_joined_at=utcnow()), result.story_id, repointed)

    def _join(self, story_id: int, placed: list[_Placed]) -> list[int]:
        """Write these articles into their story with the story recomputed, all or nothing; when that fails,
        each article alone, so that only the one at fault is left out. Returns the ids written."""
        try:
            with deadline(self.time_budget, what=f"story {story_id} with article(s) "
                                                 f"{', '.join(str(p.article.id) for p in placed)}"):
                return self._write(story_id, placed)
        except STORE_TROUBLE:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the article; the stage goes on
            if len(placed) > 1:
                return [i for p in placed for i in self._join(story_id, [p])]
            self._failed(placed[0].article, exc)
            return []

    def _new_merges(self) -> list[tuple[int, int]]:
        """The merges the clusterer made since the last look, oldest first."""
        merges = self.decider.clusterer.merges
        new, self._merges_seen = merges[self._merges_seen:], len(merges)
        return new

    def _write_merges(self) -> None:
        """Write the merges decided since the last look (and those whose write failed before), oldest first.
        One that fails is logged and tried again at the next pass; the others go on."""
        pending, self._unwritten = self._unwritten + self._new_merges(), []
        for into, gone in pending:
            try:
                with deadline(self.time_budget, what=f"merging story {gone} into story {into}"):
                    self._merge(into, gone)
            except STORE_TROUBLE:
                self._unwritten.append((into, gone))
                raise
            except Exception as exc:  # noqa: BLE001 - the stage goes on; tried again at the next pass
                self._unwritten.append((into, gone))
                log.warning("stories: story %s could not be merged into story %s: %s", gone, into,
                            describe_failure(exc))

    def _merge(self, into: int, gone: int) -> None:
        """Move story `gone`'s articles into story `into` and write `into` as computed from them all (counts,
        timeline, brief, analysis), in one transaction; `gone` then redirects to `into`."""
        for attempt in range(3):
            # As stored: either may have been merged meanwhile by another process. The older id survives.
            ids = sorted({self.store.final_story(into), self.store.final_story(gone)})
            if len(ids) == 1:
                break
            survivor, merged = ids
            members = self.store.story_members(survivor) + self.store.story_members(merged)
            values = story_values(members) if members else {}
            analysis = self._analysis(members) if members else None
            check_deadline("merging stories")
            if self.store.merge_stories(survivor, merged, [m.id for m in members] if attempt < 2 else None,
                                        analysis=analysis, **values):
                break
        self._follow_store(into)

    def _follow_store(self, story_id: int) -> int:
        """The story `story_id` is now in the store; memory follows when another process merged it meanwhile."""
        stored = self.store.final_story(story_id)
        held = self.decider.clusterer.resolve(story_id)
        if stored != held:
            self.decider.clusterer.absorb(stored, held)
            self._merges_seen = len(self.decider.clusterer.merges)  # the store has it: nothing to write
        return stored

    def _write(self, story_id: int, placed: list[_Placed]) -> list[int]:
        story_id = self._follow_store(story_id)
        for attempt in range(3):
            new = {p.article.id for p in placed}
            repoint = {k: v for p in placed for k, v in p.repointed.items() if k not in new}
            members = [replace(m, duplicate_of=repoint[m.id]) if m.id in repoint else m
                       for m in self.store.story_members(story_id) if m.id not in new]
            members += [p.article for p in placed]
            values = story_values(members)
            analysis = self._analysis(members)
            check_deadline("writing the story")
            joins = [StoryJoin(p.article.id, p.article.duplicate_of, p.article.minhash, p.article.story_joined_at)
                     for p in placed]
            # Earlier members now copies of an article published before them (prototype: members of this story
            # only; a re-pointed copy held in another story is issue 15 item 2's merge).
            joins += [StoryJoin(m.id, m.duplicate_of, m.minhash, m.story_joined_at) for m in members
                      if m.id in repoint]
            # The members it was computed from must be the story's once these are in: a removal meanwhile (in
            # another process) changes them, and the story is computed again (the last time, written anyway).
            if self.store.join_story(story_id, joins, [m.id for m in members] if attempt < 2 else None,
                                     analysis=analysis, **values):
                break
            placed = [p for p in placed if self.store.article_exists(p.article.id)]
            if not placed:
                return []
        return [p.article.id for p in placed]

    def _failed(self, article: StoredArticle, exc: Exception) -> None:
        """Record the failure on the article and leave it out of this pass's decisions."""
        self._forget(article.id)
        self.failed += 1
        error = describe_failure(exc)
        attempts = self.store.record_stage_failure(article.id, STORIES_STAGE, software=STORIES_SOFTWARE,
                                                   error=error)
        aside = " - set aside until the software changes" if attempts >= MAX_STAGE_ATTEMPTS else ""
        log.warning("stories: article %s failed (attempt %d of %d): %s%s", article.id, attempts,
                    MAX_STAGE_ATTEMPTS, error, aside)

    def refresh(self, story_id: int) -> None:
        """Recompute one story's headline, brief, counts and (with the roll-up) entities and statements from its
        members (cost: that story only). A story left without members (all removed following a request) keeps what
        the removal wrote. Members not analysed yet join the entities and statements when the analysis stage
        reaches them."""
        members = self.store.story_members(story_id)
        if not members:
            return
        self.store.update_story(story_id, analysis=self._analysis(members), **story_values(members))

    def _analysis(self, members: list[StoredArticle]) -> StoryAnalysis | None:
        if self.roll_up is None:
            return None
        return self.roll_up(members, self.store.analyses(m.id for m in members))

    def _follow_removals(self) -> None:
        """Drop from memory the articles removed (or quarantined) since the last look, possibly by another
        process: a new article must not be called a copy of one that no longer exists. Articles put back (a
        provisional request rejected) come back with their ids, stories and copies: then everything is loaded
        again from the store, as at a start, since the copy index cannot put an origin back ahead of copies
        registered after it (rejections of provisional requests are rare)."""
        self._removed_seen, removed, restored = self.store.removal_changes(after=self._removed_seen)
        if restored:
            self.decider = StoryDecider(self.decider.config, new_story_id=self.store.create_story)
            self._merges_seen, self._unwritten = 0, []
            self._restore()
            return
        for article_id in removed:
            self._forget(article_id)

    def _forget(self, article_id: int) -> None:
        self.decider.forget(article_id)


def story_values(members: list[StoredArticle]) -> dict:
    """A story's headline, cited brief, dates and counts from its members (non-empty), as stored columns."""
    docs = [story_doc(a) for a in members]
    brief = make_brief(docs)
    # Nothing is published after it was fetched: a later date (a clock or a time zone wrong at the outlet,
    # within the two days newsdesk.dates lets through) counts as the fetch time, so no story is placed ahead.
    dates = [min(a.published, a.fetched) for a in members if a.published]
    joined = max(a.story_joined_at or a.fetched for a in members)
    return dict(
        headline=choose_headline(docs),
        brief=[{"text": s.text, "citations": [{"article_id": c.article_id, "url": c.url} for c in s.citations],
                **({"state_media_only": True} if s.state_media_only else {})} for s in brief],
        updated_at=joined,
        first_published=min(dates) if dates else None,
        last_published=max(dates) if dates else None,
        # where lists place it: its latest report, by publication; by when it was seen where nothing has a date
        latest_at=max(dates) if dates else joined,
        article_count=len(members),
        sources_count=len({a.source or a.url for a in members}),
        # Outlets that reported it themselves: ten reprints of one wire story count once.
        independent_sources_count=len({a.source or a.url for a in members if a.duplicate_of is None}),
        # A story with members is not removed, even one that new reporting joined after a removal emptied it.
        removal_request_id=None,
    )


def cluster_stream(docs: Iterable[StoryDoc], time_budget: float | None = None,
                   on_failure: Callable[[Key, Exception], None] | None = None,
                   config: ClusterConfig | None = None) -> Iterator[tuple[Key, int]]:
    """The `newsdesk cluster` path: the live decider on the given articles only, no database. Each article is
    decided under `time_budget` seconds; one whose decision fails (or runs out of time) is reported to `on_failure`
    and gets a story of its own, so that every article still gets its line and the stream goes on.

    Each article's story is the one it is in at the end: when stories can merge (`ClusterConfig.merge`) a later
    article may show two stories to be one event, so the lines come once the whole stream is decided (in input
    order); without merges a decision is final and each line comes as soon as it is made."""
    decider = StoryDecider(config)
    decided: list[tuple[Key, int]] = []
    for doc in docs:
        try:
            with deadline(time_budget, what=f"article {doc.id}"):
                story = decider.assign(doc).story_id
        except Exception as exc:  # noqa: BLE001 - one bad article never stops the stream
            decider.forget(doc.id)
            story = decider.clusterer.new_story_id()
            if on_failure is not None:
                on_failure(doc.id, exc)
        if decider.config.merge:
            decided.append((doc.id, story))
        else:
            yield doc.id, story
    for article_id, story in decided:
        yield article_id, decider.clusterer.resolve(story)
