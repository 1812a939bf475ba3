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
  old stories too, without holding up the news.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from newsdesk.analyze.aggregate import ANALYZER_VERSION, analysis_to_dicts
from newsdesk.analyze.labels import LabelFileError, Registry, load_registry
from newsdesk.analyze.nlp import MODEL, ModelMissingError
from newsdesk.analyze.statements import ArticleAnalysis, analyze_texts
from newsdesk.config import Settings
from newsdesk.store import Store, StoredArticle
from newsdesk.store.repository import AnalysisRecord, StoryAnalysis
from newsdesk.stories.engine import story_analysis

log = logging.getLogger(__name__)
ANALYZER = f"newsdesk-analyze/{ANALYZER_VERSION} {MODEL}"


@dataclass
class AnalysisReport:
    analysed: int = 0  # through the models
    borrowed: int = 0  # copies that took their origin's analysis
    failed: int = 0  # stored empty with the error (not retried)
    stories: set[int] = field(default_factory=set)  # stories whose entities and statements were recomputed
    redone: int = 0  # of all these, articles an older analyser had analysed

    @property
    def articles(self) -> int:
        return self.analysed + self.borrowed + self.failed


class AnalysisStage:
    """Analyses stored articles that have no analysis yet and refreshes the stories they are in."""

    def __init__(self, store: Store, settings: Settings | None = None, *, batch_size: int = 64,
                 registry: Registry | None = None) -> None:
        self.store = store
        self.batch_size = batch_size
        self.registry = registry or load_registry((settings.source_labels_file if settings else "") or None)
        self.report = AnalysisReport()  # totals of the last pass

    def process_pending(self, limit: int | None = None,
                        on_batch: Callable[[AnalysisReport], None] | None = None) -> int:
        """Analyse up to `limit` articles (all pending when None): first those without an analysis, then those
        an older analyser analysed. Returns how many got an analysis row."""
        self.report = report = AnalysisReport()
        for outdated_for in (None, ANALYZER):
            after = (0, 0)
            while limit is None or report.articles < limit:
                size = self.batch_size if limit is None else min(self.batch_size, limit - report.articles)
                batch = self.store.pending_analysis(size, after=after, outdated_for=outdated_for)
                if not batch:
                    break
                last = batch[-1]
                after = (0 if last.duplicate_of is None else 1, last.id)
                if outdated_for is not None:
                    report.redone += len(batch)
                records = self._analyse(batch, report)
                report.stories.update(self.store.save_analyses(records, self._aggregate))
                if on_batch is not None:
                    on_batch(report)
        return report.articles

    def _aggregate(self, members: list[StoredArticle], analyses: dict[int, AnalysisRecord]) -> StoryAnalysis:
        return story_analysis(members, analyses, self.registry)

    def _analyse(self, batch: list[StoredArticle], report: AnalysisReport) -> list[AnalysisRecord]:
        records: dict[int, AnalysisRecord] = {}
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
        self._record(self._run_models(run), records, report)
        late: list[StoredArticle] = []
        for a, origin_id in borrow:
            own = records.get(origin_id)
            if own is not None and own.error:
                late.append(a)
                continue
            records[a.id] = AnalysisRecord(a.id, None, None, ANALYZER, derived_from=origin_id)
            report.borrowed += 1
        self._record(self._run_models(late), records, report)
        return [records[a.id] for a in batch if a.id in records]

    @staticmethod
    def _record(results: list[tuple[StoredArticle, ArticleAnalysis | None, str | None]],
                records: dict[int, AnalysisRecord], report: AnalysisReport) -> None:
        for article, result, error in results:
            if result is None:
                records[article.id] = AnalysisRecord(article.id, [], [], ANALYZER, error=error)
                report.failed += 1
            else:
                entities, statements = analysis_to_dicts(result)
                records[article.id] = AnalysisRecord(article.id, entities, statements, ANALYZER)
                report.analysed += 1

    def _run_models(self, articles: list[StoredArticle],
                    ) -> list[tuple[StoredArticle, ArticleAnalysis | None, str | None]]:
        """Each article with its analysis, or None and the error when the analysis failed on its text."""
        if not articles:
            return []
        texts = [a.text or "" for a in articles]
        try:
            results = list(analyze_texts(texts, batch_size=32, is_state_media=self.registry.is_state_media,
                                         is_outlet=self.registry.is_outlet))
            return [(a, r, None) for a, r in zip(articles, results, strict=True)]
        except ModelMissingError:
            raise
        except Exception:  # noqa: BLE001 - one bad text must not stop the stage: find it, record it, go on
            if len(articles) == 1:
                log.exception("analysis failed for article %s", articles[0].id)
                return [(articles[0], None, traceback.format_exc(limit=1).strip()[-500:])]
        out: list[tuple[StoredArticle, ArticleAnalysis | None, str | None]] = []
        for a in articles:
            out += self._run_models([a])
        return out


class ResidentAnalysis:
    """The analysis stage as a long-running process keeps it (the server's background fetcher, a stories worker):
    made on first use, so the language model loads once and only where there is work; switched off for good by a
    configuration error (the model or the labels file missing), said once, since every later pass would fail
    alike. Other errors are the caller's (the server logs them and tries again; a worker's task retries)."""

    def __init__(self, store: Store, settings: Settings, where: str) -> None:
        self.store, self.settings, self.where = store, settings, where
        self.off = settings.analysis_batch <= 0
        self.stage: AnalysisStage | None = None

    def process_pending(self, limit: int) -> int:
        """Analyse up to `limit` articles (see AnalysisStage.process_pending); 0 when switched off."""
        if self.off:
            return 0
        try:
            if self.stage is None:
                self.stage = AnalysisStage(self.store, self.settings)
            return self.stage.process_pending(limit)
        except (ModelMissingError, LabelFileError) as exc:
            log.error("analysis is off in %s until it restarts: %s", self.where, exc)
            self.off = True
            return 0
