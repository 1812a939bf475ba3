"""The HTTP app: until stories exist (issue 3) it shows the latest articles and the sources' health.

The background fetcher runs in a thread of this process; a failing source is recorded in its health
record and never stops the service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates

from newsdesk.config import Settings
from newsdesk.store import Store

log = logging.getLogger("newsdesk.web")
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))  # autoescape is on for .html


class BackgroundFetcher:
    """Runs a fetch pass every `serve_fetch_interval` seconds until stopped."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="background-fetch", daemon=True)

    def _loop(self) -> None:
        from newsdesk.pipeline import Collector
        from newsdesk.stories.engine import StoryEngine

        collector = Collector(self.settings, self.store)
        stories = StoryEngine(self.store)
        try:
            while not self.stop.is_set():
                try:
                    reports = collector.fetch_due()
                    for r in reports:
                        if r.status == "error":
                            log.warning("source failed: %s", r.error)
                    stories.process_pending()
                except Exception:  # the service must keep running whatever one pass hit
                    log.exception("fetch pass failed")
                self.stop.wait(self.settings.serve_fetch_interval)
        finally:
            collector.close()


def create_app(settings: Settings, *, background_fetch: bool = False) -> FastAPI:
    store = Store(settings.database_url)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        store.migrate()
        fetcher = BackgroundFetcher(settings, store) if background_fetch else None
        if fetcher:
            fetcher.thread.start()
        yield
        if fetcher:
            fetcher.stop.set()
            fetcher.thread.join(timeout=5)
        store.close()

    app = FastAPI(title="newsdesk", lifespan=lifespan)

    @app.get("/healthz")
    def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok", "articles": store.count_articles()})

    @app.get("/", response_class=HTMLResponse)
    def front_page(request: Request, page: int = Query(1, ge=1, le=10_000)) -> HTMLResponse:
        per_page = 30
        articles = store.recent_articles(limit=per_page + 1, offset=(page - 1) * per_page)
        return templates.TemplateResponse(request, "index.html", {
            "articles": articles[:per_page], "page": page, "has_next": len(articles) > per_page,
        })

    @app.get("/sources", response_class=HTMLResponse)
    def sources_page(request: Request) -> HTMLResponse:
        return templates.TemplateResponse(request, "sources.html", {"sources": store.list_sources()})

    return app
