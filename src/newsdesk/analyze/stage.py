"""The analysis stage of the live service: entities and statements of stored articles, then of their stories.

Analysis is the slowest stage (about ten articles a second on a 2-core machine), so it runs on its own, after
stories are formed, over the articles that have no analysis yet:

* originals first, through the models in batches (`analyze_texts` batches spaCy's `pipe`);
* a copy (`duplicate_of` set) borrows its origin's analysis instead of running the models on near-identical
  text: its row names the origin (`derived_from`) and stores nothing twice;
* each batch's rows and the recomputed aggregates of the stories they belong to are written in one
  transaction, so a killed pass redoes only the batch it was in, and a second pass finds nothing to do;
* when the analyser changes (`ANALYZER`: a new version of the rules, another model), the articles analysed by
  the old one are analysed again, after every new article, and their stories refreshed: better rules reach
  old stories too, without holding up the news;
* one bad article never stops the stage: each article's analysis runs under its own time budget
  (`Settings.article_time_budget`), and an article whose analysis fails or runs out of time gets no row: its
  failure is recorded on it (`Store.record_stage_failure`), the next passes try it again, and after
  MAX_STAGE_ATTEMPTS failures under this ANALYSIS_SOFTWARE it is set aside until the software changes;
* an article is read by the rules of its language (`languages.analysed_in`: English, French): the stored
  `language` (extraction guesses it when the page names none), else guessed from its title and text. One in a
  language without a pipeline gets an empty row whose `error` says so (`NOT_ANALYSED`): kept, not retried, and
  its story's page says which of its articles were analysed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from newsdesk import __version__
from newsdesk.analyze.aggregate import ANALYZER_VERSION, MemberAnalysis, aggregate_story, analysis_to_dicts
from newsdesk.analyze.languages import NotAnalysed, analyze_articles
from newsdesk.analyze.nlp import MODEL
from newsdesk.analyze.statements import ArticleAnalysis
from newsdesk.config import Settings, load_settings
from newsdesk.errors import describe_failure
from newsdesk.labels import Registry, load_registry
from newsdesk.store import Store, StoredArticle
from newsdesk.store.repository import (
    ANALYSIS_STAGE,
    AnalysisRecord,
    StoryAnalysis,
    refresh_story_analysis_in,
)
from newsdesk.store.schema import MAX_STAGE_ATTEMPTS
from newsdesk.text import article_language

log = logging.getLogger(__name__)
ANALYZER = f"newsdesk-analyze/{ANALYZER_VERSION} {MODEL}"
# What a failure is recorded under: another analyser or another release of newsdesk tries set-aside articles again.
ANALYSIS_SOFTWARE = f"{ANALYZER} newsdesk/{__version__}"


@dataclass
class AnalysisReport:
    analysed: int = 0  # through the models
    unread: int = 0  # in a language without a pipeline: a row saying so, no analysis
    borrowed: int = 0  # copies that took their origin's analysis
    failed: int = 0  # failures recorded (no row: tried again on the next pass, set aside after MAX_STAGE_ATTEMPTS)
    set_aside: int = 0  # of these, articles set aside by this failure
    stories: set[int] = field(default_factory=set)  # stories whose entities and statements were recomputed
    redone: int = 0  # of all these, articles an older analyser had analysed

    @property
    def articles(self) -> int:
        """Articles that got an analysis row."""
        return self.analysed + self.borrowed + self.unread

    @property
    def tried(self) -> int:
        return self.articles + self.failed


class AnalysisStage:
    """Analyses stored articles that have no analysis yet and refreshes the stories they are in."""

    def __init__(self, store: Store, settings: Settings | None = None, *, batch_size: int = 64,
                 registry: Registry | None = None) -> None:
        self.store = store
        self.batch_size = batch_size
        self.registry = registry or load_registry((settings.source_labels_file if settings else "") or None)
        self.time_budget = (settings or load_settings()).article_time_budget
        self.report = AnalysisReport()  # totals of the last pass
        self._old_failures_dropped = False

    def process_pending(self, limit: int | None = None,
                        on_batch: Callable[[AnalysisReport], None] | None = None) -> int:
        """Analyse up to `limit` articles (all pending when None; failures count): first those without an
        analysis, then those an older analyser analysed. Returns how many got an analysis row."""
        self.report = report = AnalysisReport()
        if not self._old_failures_dropped:  # once per stage: a scan of the analyses
            if dropped := self.store.drop_failed_analyses():
                log.info("analysis: %d failed analyses stored by an older version will be tried again", dropped)
            self._old_failures_dropped = True
        for outdated_for in (None, ANALYZER):
            after = (0, 0)  # past the articles this pass tried: one that failed waits for the next pass
            while limit is None or report.tried < limit:
                size = self.batch_size if limit is None else min(self.batch_size, limit - report.tried)
                batch = self.store.pending_analysis(size, after=after, outdated_for=outdated_for,
                                                    software=ANALYSIS_SOFTWARE)
                if not batch:
                    break
                last = batch[-1]
                after = (0 if last.duplicate_of is None else 1, last.id)
                records = self._analyse(batch, report)
                if outdated_for is not None:
                    report.redone += len(records)
                report.stories.update(self.store.save_analyses(records, self._aggregate))
                self.store.clear_stage_failures([r.article_id for r in records], ANALYSIS_STAGE)
                if on_batch is not None:
                    on_batch(report)
        return report.articles

    def _aggregate(self, members: list[StoredArticle], analyses: dict[int, AnalysisRecord]) -> StoryAnalysis:
        return story_analysis(members, analyses, self.registry)

    def _analyse(self, batch: list[StoredArticle], report: AnalysisReport) -> list[AnalysisRecord]:
        """The analysis rows of a batch's articles; those whose analysis failed get none (it is recorded)."""
        records: dict[int, AnalysisRecord] = {}
        failed: set[int] = set()
        copies = [a for a in batch if a.duplicate_of is not None]
        originals = [a for a in batch if a.duplicate_of is None]
        # Where each copy's origin got its analysis: stored already, or in this very batch.
        stored = self.store.analyses({a.duplicate_of for a in copies if a.duplicate_of is not None})
        run = list(originals)
        borrow: list[tuple[StoredArticle, int]] = []
        batch_ids = {a.id for a in originals}
        for a in copies:
            origin = stored.get(a.duplicate_of)  # type: ignore[arg-type]
            if origin is not None and not origin.error and origin.analyzer == ANALYZER:
                borrow.append((a, origin.derived_from or origin.article_id))
            elif a.duplicate_of in batch_ids:
                borrow.append((a, a.duplicate_of))  # checked below, once the origin has run
            else:
                run.append(a)  # its origin has no usable analysis (failed, or removed): analyse its own text
        self._record(self._run_models(run), records, failed, report)
        late: list[StoredArticle] = []
        for a, origin_id in borrow:
            if origin_id in failed or (origin_id in records and records[origin_id].error):
                late.append(a)  # nothing to borrow: its own text says why (a failure, or no pipeline)
                continue
            records[a.id] = AnalysisRecord(a.id, None, None, ANALYZER, derived_from=origin_id)
            report.borrowed += 1
        self._record(self._run_models(late), records, failed, report)
        return [records[a.id] for a in batch if a.id in records]

    def _record(self, results: list[tuple[StoredArticle, ArticleAnalysis | NotAnalysed | Exception]],
                records: dict[int, AnalysisRecord], failed: set[int], report: AnalysisReport) -> None:
        for article, result in results:
            if isinstance(result, Exception):
                failed.add(article.id)
                report.failed += 1
                error = describe_failure(result)
                attempts = self.store.record_stage_failure(article.id, ANALYSIS_STAGE, software=ANALYSIS_SOFTWARE,
                                                           error=error)
                aside = attempts >= MAX_STAGE_ATTEMPTS
                report.set_aside += int(aside)
                log.warning("analysis: article %s failed (attempt %d of %d): %s%s", article.id, attempts,
                            MAX_STAGE_ATTEMPTS, error, " - set aside until the software changes" if aside else "")
            elif isinstance(result, NotAnalysed):
                records[article.id] = AnalysisRecord(article.id, [], [], ANALYZER, error=result.reason)
                report.unread += 1
            else:
                entities, statements = analysis_to_dicts(result)
                records[article.id] = AnalysisRecord(article.id, entities, statements, ANALYZER)
                report.analysed += 1

    def _run_models(self, articles: list[StoredArticle]
                    ) -> list[tuple[StoredArticle, ArticleAnalysis | NotAnalysed | Exception]]:
        """Each article with its analysis, NotAnalysed (no pipeline for its language), or the exception that
        stopped it (its text over the time budget, or a text the rules cannot handle); the models run in batches.
        A missing model is no article's fault: it propagates."""
        if not articles:
            return []
        items = [(a.text or "", article_language(a.language, a.title, a.text)) for a in articles]
        results = analyze_articles(items, batch_size=32, is_state_media=self.registry.is_state_media,
                                   is_outlet=self.registry.is_outlet, time_budget=self.time_budget)
        return list(zip(articles, results, strict=True))


def story_analysis(members: list[StoredArticle], analyses: dict[int, AnalysisRecord],
                   registry: Registry | None = None) -> StoryAnalysis:
    """A story's entities, grouped statements and entity index from its members' stored analyses (members not
    analysed yet, or whose analysis failed, add nothing). Recomputed with the story's columns (the story engine's
    `story_values`), from the same members."""
    entries = []
    for a in members:
        record = analyses.get(a.id)
        if record is None or record.error:
            continue
        entries.append(MemberAnalysis(a.id, a.duplicate_of or a.id, a.url, a.source, list(record.entities or []),
                                      list(record.statements or []), record.derived_from, a.title))
    result = aggregate_story(entries, registry)
    return StoryAnalysis(result.entities, result.statements, result.index)


def refresh_story_analysis(s: Session, story_id: int, members: list[StoredArticle] | None = None,
                           registry: Registry | None = None) -> None:
    """Rewrite a story's entities, statements and entity index from its current members inside the caller's
    transaction `s` (the removal desk's, right after it deleted articles): no word of an article that left
    stays. With no members left, all three are emptied."""
    refresh_story_analysis_in(s, story_id, lambda ms, an: story_analysis(ms, an, registry), members)
