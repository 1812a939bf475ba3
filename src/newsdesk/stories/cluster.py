"""Online story clustering: each article joins an existing story or starts a new one, as it arrives.

Single pass, never told the number of stories, never re-deciding an earlier article: a story keeps its id
as articles join, and a late article never reshuffles old stories. The same code serves the live service
(which passes the database's id allocator and calls ``forget_before(now - window)``) and ``newsdesk cluster``.

Method (figures and what else was tried: ``bench/clustering.py``):

- Featurisation (``features.py``): typed terms with per-kind weights so that what tells events apart
  (names, numbers, dates, years) weighs more than topic words; the lead of an article counts extra. Years
  weigh most: with no publication date, the years an article names are the best evidence of its time.
- TF-IDF with document frequencies learned online and smoothed, ``idf = log((N + 1) / (df + 1)) + 1``,
  counted over the recent stream only (two rolling generations of ``df_generation`` articles: bounded memory).
- A story keeps a centroid: the sum of its members' raw term vectors, each scaled by its TF-IDF norm on
  arrival (each member counts once), capped to the ``centroid_terms`` heaviest terms. It is compared with
  a new article by cosine under the current IDF, so early articles are not stuck with an early IDF.
- The article joins the most similar story if the cosine reaches ``threshold``; short articles (fewer than
  ``length_pivot`` distinct terms: snippets, briefs) share fewer terms with any story, so their threshold
  is ``threshold * (terms / length_pivot) ** length_power``.
- Candidates come from an inverted index over each story's ``index_terms`` heaviest terms, looked up with
  the article's ``query_terms`` heaviest terms; posting lists keep the ``posting_cap`` most recently updated
  stories and only the ``max_candidates`` stories sharing the most query weight are scored, so the cost per
  article does not grow with the number of stories held.
- An article with names (capitalised text) joins only a story that shares at least one of them, when that
  story has names at all: look-alike reports about different towns or people are different events.
- Conflicting specifics: an article whose most salient name (the name most frequent in its title and lead,
  rarer names first) is absent from the names of the story's members' leads, while the story's own most
  salient name is absent from the article, reports the same kind of event about someone else (one player's
  arrest and a team-mate's); so does one whose lead years are absent from the story while the story's lead
  years are absent from it. Its cosine to that story is multiplied by ``conflict_penalty``: a soft rule,
  since one-sided absences are common within an event and a hard refusal splits events.
  Each story keeps the ``salient_terms`` heaviest lead names and years for this, so the cost stays bounded.
- A copy (``origin_id`` of an article still held) joins its origin's story without comparison.
- Time: a dated article is compared only with stories whose dated members span to within ``window_days``
  of it (two summits of the same leaders a year apart are two stories). Undated articles, and stories with
  no dated member, are compared without the window.
- ``forget_before`` drops stories whose newest article is older than the given time, with their index
  entries; stories with no dated member are timed by the stream clock (the newest date seen) when they were
  last updated, or, when no date has been seen at all, by the first ``forget_before`` call after them.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import numpy as np

from newsdesk.models import StoryDoc
from newsdesk.stories.features import FeatureWeights, article_terms
from newsdesk.stories.semantic import Encoder, StoryEmbeddings, lead_encoder
from newsdesk.text import guess_language, language_classifier, language_code


@dataclass(frozen=True)
class ClusterConfig:
    """Settings of the online clusterer. Defaults measured on ECB+ train (bench/clustering.py)."""

    threshold: float = 0.26  # cosine to a story centroid needed to join it (article of >= length_pivot terms)
    length_pivot: int = 100  # shorter articles need less: threshold * (terms / length_pivot) ** length_power
    length_power: float = 0.5
    window_days: float = 7.0  # a dated article joins only stories with a dated member within this many days
    weights: FeatureWeights = field(default_factory=FeatureWeights)
    query_terms: int = 20  # the article's heaviest terms used to find candidate stories
    index_terms: int = 30  # each story's heaviest terms kept in the inverted index
    posting_cap: int = 50  # stories kept per index term (the most recently updated)
    max_candidates: int = 20  # stories scored in full per article (those sharing the most query weight)
    centroid_terms: int = 300  # terms kept in a story centroid
    df_generation: int = 50_000  # articles per document-frequency generation (two generations are kept)
    shared_name: bool = True  # an article with names joins only a story (with names) that shares one of them
    # An article whose lead names someone or some year the story's leads never do, while the story's own
    # most salient name (or its lead years) is absent from the article, is another event of the same kind:
    # its cosine to that story is multiplied by conflict_penalty (1 turns the rule off).
    conflict_penalty: float = 0.6
    salient_terms: int = 50  # lead names and years kept per story for that rule
    # Stories that turn out to be one event merge into the oldest (lowest id); the others answer `merged_into`
    # (StoryClusterer.resolve). "centroid": after each join, the stories whose centroid's cosine to the joined
    # story's centroid reaches merge_threshold (about twice what an article needs to join: stories that have
    # converged); "article": the stories the new article itself reaches (merge_threshold, None: threshold), which
    # short snippets bridge far too easily (GoogleNews NMI 0.69). Measured in bench/order.py's docstring.
    merge: bool = True
    merge_threshold: float | None = 0.55
    merge_mode: str = "centroid"
    merge_small: int = 0  # > 0: merge only when the smaller story has at most this many members (fragments)
    merge_conflict: bool = False  # centroid mode: the conflict penalty applies to a merge (the story's salient terms)
    # Across languages (newsdesk.stories.semantic): words decide between articles in one language; for a story
    # in none of the article's language, a multilingual embedding of title + lead does. The article joins such a
    # story when enc + semantic_lexical * min(lex / threshold, lexical_cap) reaches semantic_threshold (enc:
    # cosine to the story's embedding; lex: the lexical cosine above, names, numbers and years shared across
    # languages); the shared-name rule refuses as above, a conflict multiplies the score by semantic_conflict.
    # Candidates: the lexical ones and the semantic_candidates nearest by embedding.
    semantic: bool = True
    semantic_threshold: float = 0.6
    semantic_lexical: float = 0.1
    lexical_cap: float = 2.0
    semantic_candidates: int = 20
    semantic_conflict: float = 0.9
    semantic_members: int = 3  # members whose leads make a story's embedding (the first to arrive)


@dataclass
class _Story:
    id: int
    centroid: dict[str, float] = field(default_factory=dict)  # raw weights; see the module docstring
    size: int = 0
    named: bool = False  # some member had names (capitalised text)
    salient: dict[str, float] = field(default_factory=dict)  # names (e:) and years (y:) of members' leads
    first: datetime | None = None  # earliest and newest published time of dated members
    newest: datetime | None = None
    last: datetime | None = None  # when it was last updated, for forgetting (newest, or the stream clock)
    indexed: tuple[str, ...] = ()
    members: list = field(default_factory=list)  # article ids joined (for re-pointing them on a merge)
    norm: float = 0.0  # centroid norm under the IDF of version norm_at (cached)
    norm_at: int = -1
    languages: set[str] = field(default_factory=set)  # of its members (ISO 639-1; guessed where not given)


_EARLIEST = datetime.min.replace(tzinfo=UTC)
_LATEST = datetime.max.replace(tzinfo=UTC)


def _aware(when: datetime) -> datetime:
    """`when` in UTC (naive: read as UTC). Dates are checked where they enter (newsdesk.dates), but a date near
    year 1 or 9999 from anywhere else must not stop the stage: it is held at the ends of datetime's range."""
    if when.tzinfo is None:
        return when.replace(tzinfo=UTC)
    try:
        return when.astimezone(UTC)
    except OverflowError:
        return _EARLIEST if when.year < 5000 else _LATEST


def _language(doc: StoryDoc) -> str | None:
    """The article's language as given (its primary subtag), else guessed from its title and text."""
    return language_code(doc.language) or guess_language(f"{doc.title or ''}\n{doc.text or ''}")


def shift(when: datetime, delta: timedelta) -> datetime:
    """`when + delta`, held within datetime's range instead of raising OverflowError."""
    try:
        return when + delta
    except OverflowError:
        return (_LATEST if delta > timedelta(0) else _EARLIEST).replace(tzinfo=when.tzinfo)


class StoryClusterer:
    """Streaming story clusterer. See the module docstring for the method."""

    def __init__(self, config: ClusterConfig = ClusterConfig(), new_story_id: Callable[[], int] | None = None,
                 encoder: Encoder | None = None) -> None:
        self.config = config
        if encoder is None and config.semantic:
            encoder = lead_encoder()
        self._embeddings = StoryEmbeddings(encoder, config.semantic_members) if encoder is not None else None
        language_classifier()  # loaded now, not in the first article's time budget
        self._language_stories: dict[str, int] = {}  # language -> held stories with a member in it
        # language -> the newest publication time of its members (None: one was undated), never lowered: an
        # article far from every story in other languages needs no encoder
        self._language_newest: dict[str, datetime | None] = {}
        self._counter = itertools.count(1)
        self._max_restored = 0
        self._new_story_id = new_story_id or self._default_id
        self._stories: dict[int, _Story] = {}
        self._article_story: dict[int | str, int] = {}  # articles held, for copies and repeated adds
        self._arrivals: deque[tuple[datetime, int | str]] = deque()  # (time, article), roughly in time order
        self._untimed_articles: list[int | str] = []
        self._postings: dict[str, dict[int, None]] = {}
        self._df_old: dict[str, int] = {}
        self._df_new: dict[str, int] = {}
        self._n_old = 0
        self._n_new = 0
        self._version = 0  # bumps as the IDF moves, to refresh cached centroid norms
        self._clock: datetime | None = None  # newest published time seen so far
        self._expiry: list[tuple[datetime, int]] = []  # (last, story id), lazily invalidated
        self._untimed: set[int] = set()  # stories with no time at all yet
        self.merged_into: dict[int, int] = {}  # story merged away -> the story it went into
        self.merges: list[tuple[int, int]] = []  # (survivor, merged) in the order they happened

    # ----- public interface -------------------------------------------------------------------------

    @property
    def story_count(self) -> int:
        """Stories held (not yet forgotten)."""
        return len(self._stories)

    @property
    def article_count(self) -> int:
        """Articles remembered (those not older than the last ``forget_before``, roughly)."""
        return len(self._article_story)

    def new_story_id(self) -> int:
        """A story id no story has had (for an article left out of the index: a story of its own)."""
        return self._new_story_id()

    def add(self, doc: StoryDoc) -> int:
        """Assign ``doc`` to the best matching story, or start a new one; return the story id.

        An article already held keeps its story (adding it again changes nothing)."""
        known = self._article_story.get(doc.id)
        if known is not None and known in self._stories:
            return known
        language = _language(doc)
        raw, lead = self._learn(doc, language)
        vec, norm = self._weigh(raw)
        when = _aware(doc.published) if doc.published is not None else None
        emb = None
        if self._embeddings is not None and language is not None and self._other_language_near(language, when):
            # Only where a story in another language may be in reach can the encoder change the decision.
            emb = self._embeddings.encode(doc.title or "", doc.text or "")
        story: _Story | None = None
        if doc.origin_id is not None:
            story = self._stories.get(self._article_story.get(doc.origin_id, -1))
        others: list[int] = []
        if story is None:
            threshold = self._threshold(len(raw))
            scores: dict[int, float] = {}
            if emb is None:
                best_id, best_sim = self._best_story(vec, when, lead, scores)
                joins = best_id is not None and best_sim >= threshold
            else:
                best_id, best_score = self._best_story_semantic(vec, emb, language, when, lead, threshold)
                joins = best_id is not None and best_score >= 1.0
            if joins:
                assert best_id is not None
                story = self._stories[best_id]
                if self.config.merge and self.config.merge_mode == "article":
                    if emb is not None:
                        self._best_story(vec, when, lead, scores)
                    bar = threshold if self.config.merge_threshold is None else (
                        threshold * self.config.merge_threshold / self.config.threshold)
                    others = sorted(i for i, sim in scores.items() if i != best_id and sim >= bar)
        if story is None:
            story = _Story(id=self._new_story_id())
            self._stories[story.id] = story
        self._join(story, doc.id, raw, norm, when, lead)
        self._join_language(story, doc, language, emb)
        if self.config.merge and self.config.merge_mode == "centroid":
            others = self._similar_stories(story)
        if others:
            survivor = min([story.id, *others])
            for story_id in sorted({story.id, *others} - {survivor}):
                self._merge(self._stories[survivor], self._stories[story_id])
            return survivor
        return story.id

    def _similar_stories(self, story: _Story) -> list[int]:
        """Stories whose centroid's cosine to this story's centroid reaches merge_threshold."""
        idf = self._idf
        vec = {t: w * idf(t) for t, w in story.centroid.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if norm <= 0:
            return []
        vec = {t: v / norm for t, v in vec.items()}
        scores: dict[int, float] = {}
        # The story's lead names and years stand for an article's lead: the conflict rule applies to merges too.
        lead = story.salient if self.config.merge_conflict else None
        self._best_story(vec, story.newest, lead, scores)
        bar = self.config.merge_threshold if self.config.merge_threshold is not None else self.config.threshold
        small = self.config.merge_small
        return sorted(i for i, sim in scores.items() if i != story.id and sim >= bar
                      and (small <= 0 or min(story.size, self._stories[i].size) <= small))

    def holds(self, story_id: int) -> bool:
        """Whether the story is in the index (not forgotten, not merged away, not one the caller kept apart)."""
        return story_id in self._stories

    def resolve(self, story_id: int) -> int:
        """The story `story_id` is now: itself, or the survivor of the merges it went into."""
        while story_id in self.merged_into:
            story_id = self.merged_into[story_id]
        return story_id

    def absorb(self, into: int, gone: int) -> None:
        """Replay a merge decided elsewhere (stored before a restart, or made by another process on the same
        store): story `gone` is `into` from now on, and what is held of it joins `into`."""
        into, gone = self.resolve(into), self.resolve(gone)
        if into == gone:
            return
        if gone not in self._stories:
            self.merged_into[gone] = into
            return
        if into not in self._stories:  # its members are not held (older than the window): it starts from gone's
            self._stories[into] = _Story(id=into)
            self._max_restored = max(self._max_restored, into)
        self._merge(self._stories[into], self._stories[gone])

    def _merge(self, into: _Story, gone: _Story) -> None:
        """Fold story `gone` into `into`: centroids and counts add up, members are re-pointed, `gone` answers
        `merged_into`."""
        cfg = self.config
        for term, w in gone.centroid.items():
            into.centroid[term] = into.centroid.get(term, 0.0) + w
        for term, w in gone.salient.items():
            into.salient[term] = into.salient.get(term, 0.0) + w
        if len(into.salient) > cfg.salient_terms:
            into.salient = dict(heapq.nlargest(cfg.salient_terms, into.salient.items(), key=lambda kv: (kv[1], kv[0])))
        into.size += gone.size
        into.named = into.named or gone.named
        for when in (gone.first, gone.newest):
            if when is not None:
                into.first = when if into.first is None or when < into.first else into.first
                into.newest = when if into.newest is None or when > into.newest else into.newest
        for article_id in gone.members:
            if self._article_story.get(article_id) == gone.id:
                self._article_story[article_id] = into.id
        into.members += gone.members
        self._unindex(gone, gone.indexed)
        if self._embeddings is not None:
            self._embeddings.merge(into.id, gone.id)
        self._forget_languages(gone)
        for language in gone.languages - into.languages:
            into.languages.add(language)
            self._language_stories[language] = self._language_stories.get(language, 0) + 1
        del self._stories[gone.id]
        self._untimed.discard(gone.id)
        self.merged_into[gone.id] = into.id
        self.merges.append((into.id, gone.id))
        last = into.newest if into.newest is not None else (into.last or gone.last)
        if last is not None and last != into.last:
            heapq.heappush(self._expiry, (last, into.id))
            into.last = last
        self._index(into)

    def _other_language_near(self, language: str, when: datetime | None) -> bool:
        window = timedelta(days=self.config.window_days)
        for other, newest in self._language_newest.items():
            if other != language and self._language_stories.get(other) and (
                    newest is None or when is None or when <= shift(newest, window)):
                return True
        return False

    def _join_language(self, story: _Story, doc: StoryDoc, language: str | None, emb: np.ndarray | None) -> None:
        if language is not None:
            if language not in story.languages:
                story.languages.add(language)
                self._language_stories[language] = self._language_stories.get(language, 0) + 1
            when = _aware(doc.published) if doc.published is not None else None
            newest = self._language_newest.get(language, _EARLIEST)
            if newest is not None:
                self._language_newest[language] = None if when is None else max(newest, when)
        if self._embeddings is not None:
            self._embeddings.add(story.id, doc.title or "", doc.text or "", emb)

    def _best_story_semantic(
        self, vec: dict[str, float], emb: np.ndarray, language: str, when: datetime | None,
        lead: dict[str, int] | None, threshold: float,
    ) -> tuple[int | None, float]:
        """The best story by the score for its language, as a share of what joining needs (>= 1 joins)."""
        cfg = self.config
        embeddings = self._embeddings
        assert embeddings is not None
        # Only a story this close can reach the threshold; the nearest in the window are scored.
        floor = cfg.semantic_threshold - cfg.semantic_lexical * cfg.lexical_cap
        def other_language_in_window(story_id: int) -> bool:
            story = self._stories[story_id]
            return bool(story.languages) and language not in story.languages and self._in_window(story, when)

        nearest = embeddings.nearest(emb, floor, other_language_in_window, cfg.semantic_candidates)
        best_id: int | None = None
        best = 0.0
        for story_id, (lex, refused, conflict, _) in self._lexical_scores(vec, when, lead, nearest).items():
            story = self._stories[story_id]
            if refused or not self._in_window(story, when):
                continue
            if language in story.languages or not story.languages:
                score = lex / threshold  # one language (or the story's unknown): the words decide
            else:
                enc = embeddings.similarity(story_id, emb)
                score = (enc + cfg.semantic_lexical * min(lex / threshold, cfg.lexical_cap)) / cfg.semantic_threshold
                if conflict:
                    score *= cfg.semantic_conflict
            if score > best:
                best_id, best = story_id, score
        return best_id, best

    def restore(self, story_id: int, doc: StoryDoc) -> None:
        """Load a stored member of ``story_id`` again (service restart) without deciding anything."""
        if self._article_story.get(doc.id) in self._stories:
            return
        story_id = self.resolve(story_id)  # stored in a story merged since (by another process)
        language = _language(doc)
        raw, lead = self._learn(doc, language)
        _, norm = self._weigh(raw)
        story = self._stories.get(story_id)
        if story is None:
            story = _Story(id=story_id)
            self._stories[story_id] = story
        self._max_restored = max(self._max_restored, story_id)
        when = _aware(doc.published) if doc.published is not None else None
        self._join(story, doc.id, raw, norm, when, lead)
        self._join_language(story, doc, language, None)

    def forget_before(self, when: datetime) -> int:
        """Drop stories whose newest article is older than ``when``; return how many were dropped.

        Articles older than ``when`` are forgotten too, also from stories that go on (a copy of one of them
        then no longer finds its origin here; the service keeps that link itself)."""
        when = _aware(when)
        # What has no time at all (no date seen in the stream when it came) is timed now, as when + window,
        # so that it goes a window later, like everything else.
        stamp = shift(when, timedelta(days=self.config.window_days))
        for story_id in sorted(self._untimed):
            story = self._stories.get(story_id)
            if story is not None and story.last is None:
                story.last = stamp
                heapq.heappush(self._expiry, (stamp, story_id))
        self._untimed.clear()
        self._arrivals.extend((stamp, article_id) for article_id in self._untimed_articles)
        self._untimed_articles.clear()
        while self._arrivals and self._arrivals[0][0] < when:
            _, article_id = self._arrivals.popleft()
            self._article_story.pop(article_id, None)
        dropped = 0
        while self._expiry and self._expiry[0][0] < when:
            last, story_id = heapq.heappop(self._expiry)
            story = self._stories.get(story_id)
            if story is None or story.last != last:
                continue  # forgotten already, or updated since (a newer entry is in the heap)
            self._drop(story)
            dropped += 1
        return dropped

    # ----- internals ----------------------------------------------------------------------------------

    def _default_id(self) -> int:
        value = next(self._counter)
        while value <= self._max_restored:
            value = next(self._counter)
        return value

    def _threshold(self, terms: int) -> float:
        cfg = self.config
        if cfg.length_pivot <= 0 or terms >= cfg.length_pivot:
            return cfg.threshold
        return cfg.threshold * (max(terms, 1) / cfg.length_pivot) ** cfg.length_power

    def _learn(self, doc: StoryDoc, language: str | None) -> tuple[dict[str, float], dict[str, int]]:
        """Featurise ``doc``, count it in the document frequencies and advance the clock."""
        raw, lead = article_terms(doc.title or "", doc.text or "", self.config.weights, language)
        if self._n_new >= self.config.df_generation:
            self._df_old, self._df_new = self._df_new, {}
            self._n_old, self._n_new = self._n_new, 0
        df = self._df_new
        for term in raw:
            df[term] = df.get(term, 0) + 1
        self._n_new += 1
        n = self._n_old + self._n_new
        if n & (n - 1) == 0 or n % 256 == 0:
            self._version += 1
        if doc.published is not None:
            published = _aware(doc.published)
            if self._clock is None or published > self._clock:
                self._clock = published
        return raw, lead

    def _idf(self, term: str) -> float:
        df = self._df_new.get(term, 0) + self._df_old.get(term, 0)
        return math.log((self._n_new + self._n_old + 1) / (df + 1)) + 1.0

    def _weigh(self, raw: dict[str, float]) -> tuple[dict[str, float], float]:
        """TF-IDF vector of an article under the current IDF, L2-normalised, and its norm before that."""
        idf = self._idf
        vec = {t: w * idf(t) for t, w in raw.items()}
        norm = math.sqrt(sum(v * v for v in vec.values()))
        if norm > 0:
            for t in vec:
                vec[t] /= norm
        return vec, norm

    def _centroid_norm(self, story: _Story) -> float:
        if story.norm_at != self._version:
            idf = self._idf
            story.norm = math.sqrt(sum((w * idf(t)) ** 2 for t, w in story.centroid.items()))
            story.norm_at = self._version
        return story.norm

    def _in_window(self, story: _Story, when: datetime | None) -> bool:
        if when is None or story.first is None or story.newest is None:
            return True
        window = timedelta(days=self.config.window_days)
        return shift(story.first, -window) <= when <= shift(story.newest, window)

    def _protagonist(self, names: dict[str, float]) -> str | None:
        """The most salient name: the most frequent in the title and lead, rarer names first on ties (IDF)."""
        if not names:
            return None
        idf = self._idf
        return max(names.items(), key=lambda kv: (kv[1] * idf(kv[0]), kv[0]))[0]

    def _conflict(self, story: _Story, vec: dict[str, float], protagonist: str | None, years: list[str]) -> bool:
        """Whether the article and the story name different protagonists, or different years, in their leads:
        each side's own is missing from the other (one-sided absence is common within an event)."""
        salient = story.salient
        if protagonist is not None and protagonist not in salient:
            theirs = self._protagonist({t: w for t, w in salient.items() if t[0] == "e"})
            if theirs is not None and theirs not in vec:
                return True
        if years and not any(year in story.centroid for year in years):
            theirs_years = [t for t in salient if t[0] == "y"]
            if theirs_years and not any(year in vec for year in theirs_years):
                return True
        return False

    def _best_story(
        self, vec: dict[str, float], when: datetime | None, lead: dict[str, int] | None = None,
        scores: dict[int, float] | None = None,
    ) -> tuple[int | None, float]:
        best_id: int | None = None
        best_sim = 0.0
        for story_id, (sim, refused, _, _) in self._lexical_scores(vec, when, lead).items():
            if refused:
                continue
            if scores is not None:
                scores[story_id] = sim
            if sim > best_sim:
                best_id, best_sim = story_id, sim
        return best_id, best_sim

    def _lexical_scores(
        self, vec: dict[str, float], when: datetime | None, lead: dict[str, int] | None = None,
        extra: Iterable[int] = (),
    ) -> dict[int, tuple[float, bool, bool, float]]:
        """(lexical cosine with the conflict penalty, refused by the shared-name rule, conflict, share of the
        article's plain-word weight found in the story) for each candidate story in the window, in id order."""
        cfg = self.config
        query = heapq.nlargest(cfg.query_terms, vec.items(), key=lambda kv: (kv[1], kv[0]))
        shared: dict[int, float] = {}
        for term, value in query:
            posting = self._postings.get(term)
            if posting:
                for story_id in posting:
                    shared[story_id] = shared.get(story_id, 0.0) + value
        candidates = list(shared)
        if len(candidates) > cfg.max_candidates:
            top = heapq.nlargest(cfg.max_candidates, shared.items(), key=lambda kv: (kv[1], -kv[0]))
            candidates = [story_id for story_id, _ in top]
        candidates = list(set(candidates).union(extra))
        scores: dict[int, tuple[float, bool, bool, float]] = {}
        idf = self._idf
        weighted = [(term, value * idf(term)) for term, value in vec.items()]  # centroid terms need the IDF too
        words = [(term, value) for term, value in weighted if term[0] == "w"]
        word_total = sum(value for _, value in words) or 1.0
        names = [term for term in vec if term[0] in "ep"] if cfg.shared_name else []
        lead = lead or {}
        check = cfg.conflict_penalty < 1.0
        protagonist = self._protagonist({t: float(c) for t, c in lead.items() if t[0] == "e"}) if check else None
        years = [t for t in lead if t[0] == "y"] if check else []
        for story_id in sorted(candidates):
            story = self._stories[story_id]
            if not self._in_window(story, when):
                continue
            norm = self._centroid_norm(story)
            if norm <= 0:
                continue
            centroid = story.centroid
            if names and story.named and not any(name in centroid for name in names):
                scores[story_id] = (0.0, True, False, 0.0)  # no person, place or organisation in common
                continue
            dot = 0.0
            for term, value in weighted:
                w = centroid.get(term)
                if w is not None:
                    dot += value * w
            sim = dot / norm
            conflict = bool((protagonist is not None or years) and self._conflict(story, vec, protagonist, years))
            if conflict:
                sim *= cfg.conflict_penalty
            share = sum(value for term, value in words if term in centroid) / word_total
            scores[story_id] = (sim, False, conflict, share)
        return scores

    def _join(
        self,
        story: _Story,
        article_id: int | str,
        raw: dict[str, float],
        norm: float,
        when: datetime | None,
        lead: dict[str, int] | None = None,
    ) -> None:
        cfg = self.config
        scale = 1.0 / norm if norm > 0 else 0.0  # each member counts once in the centroid
        if lead:
            # Each member's lead names count as shares of its lead (each member counts once), years beside them.
            marks = {t: float(c) for t, c in lead.items() if t[0] in "ey"}
            total = sum(v for t, v in marks.items() if t[0] == "e") or 1.0
            salient = story.salient
            for term, value in marks.items():
                salient[term] = salient.get(term, 0.0) + value / total
            if len(salient) > cfg.salient_terms:
                story.salient = dict(heapq.nlargest(cfg.salient_terms, salient.items(), key=lambda kv: (kv[1], kv[0])))
        centroid = story.centroid
        for term, w in raw.items():
            centroid[term] = centroid.get(term, 0.0) + w * scale
        story.size += 1
        story.members.append(article_id)
        story.named = story.named or any(term[0] in "ep" for term in raw)
        self._article_story[article_id] = story.id
        arrived = when if when is not None else self._clock
        if arrived is None:
            self._untimed_articles.append(article_id)
        else:
            self._arrivals.append((arrived, article_id))
        if when is not None:
            story.first = when if story.first is None or when < story.first else story.first
            story.newest = when if story.newest is None or when > story.newest else story.newest
        last = story.newest if story.newest is not None else self._clock
        if last is None:
            self._untimed.add(story.id)
        elif last != story.last:
            heapq.heappush(self._expiry, (last, story.id))
        story.last = last
        self._index(story)

    def _index(self, story: _Story) -> None:
        """Cap the centroid to its heaviest terms and index the story under its heaviest."""
        cfg = self.config
        centroid = story.centroid
        idf = self._idf
        if len(centroid) > cfg.centroid_terms:
            story.centroid = centroid = dict(
                heapq.nlargest(cfg.centroid_terms, centroid.items(), key=lambda kv: (kv[1] * idf(kv[0]), kv[0]))
            )
        story.norm_at = -1
        top = heapq.nlargest(cfg.index_terms, centroid.items(), key=lambda kv: (kv[1] * idf(kv[0]), kv[0]))
        new_terms = tuple(t for t, _ in top)
        self._unindex(story, set(story.indexed) - set(new_terms))
        for term in new_terms:
            posting = self._postings.setdefault(term, {})
            posting.pop(story.id, None)
            posting[story.id] = None  # most recently updated last
            if len(posting) > cfg.posting_cap:
                del posting[next(iter(posting))]
        story.indexed = new_terms

    def _unindex(self, story: _Story, terms: Iterable[str]) -> None:
        for term in terms:
            posting = self._postings.get(term)
            if posting is not None:
                posting.pop(story.id, None)
                if not posting:
                    del self._postings[term]

    def _drop(self, story: _Story) -> None:
        # Its articles leave _article_story as their own times pass (they are no newer than the story).
        self._unindex(story, story.indexed)
        if self._embeddings is not None:
            self._embeddings.drop(story.id)
        self._forget_languages(story)
        del self._stories[story.id]

    def _forget_languages(self, story: _Story) -> None:
        for language in story.languages:
            self._language_stories[language] -= 1
            if not self._language_stories[language]:
                del self._language_stories[language]
