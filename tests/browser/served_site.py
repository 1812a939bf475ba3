"""`newsdesk serve` over a store, for the browser tests (conftest.py's site, test_layout.py's stress site), and
where their screenshots go."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
TIMEOUT_MS = 10_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db: str, tmp: Path) -> Iterator[tuple[str, Path]]:
    """`newsdesk serve` over the store at `db` (no background fetch, no settings files), in `tmp`: its URL and
    log file, once it answers /healthz; stopped on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp / "serve.log"
    (tmp / "newsdesk.toml").write_text("")  # no settings from the developer's own files
    env = {**os.environ, "NEWSDESK_DATABASE_URL": db, "NEWSDESK_CONFIG": str(tmp / "newsdesk.toml")}
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsdesk.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
             "--no-background-fetch", "--no-default-sources"],
            env=env, cwd=tmp, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"newsdesk serve exited with {proc.returncode}:\n{log_path.read_text()}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"newsdesk serve did not answer /healthz in 60 s:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield url, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
