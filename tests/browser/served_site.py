"""`newsdesk serve` over a store, for the browser tests (conftest.py's site, test_layout.py's stress site), and
where their screenshots go."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from serveprocess import serving

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000


@contextmanager
def serve(db: str, tmp: Path) -> Iterator[tuple[str, Path]]:
    """`newsdesk serve` over the store at `db` (no background fetch, no settings files), in `tmp`: its URL and
    log file, once it answers /healthz; stopped on exit."""
    (tmp / "newsdesk.toml").write_text("")  # no settings from the developer's own files
    with serving(db, tmp, "--no-background-fetch", config=str(tmp / "newsdesk.toml")) as site:
        yield site.url, site.log
