"""A real `newsdesk serve` process for tests that attack the server as a client would: its own store (SQLite or
PostgreSQL), its settings from NEWSDESK_* variables, its pid (to read its memory) and its log."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class ServeProcess:
    url: str
    port: int
    pid: int
    log: Path

    def memory_kib(self, field: str = "VmRSS") -> int:
        """A field of the server process's /proc status in KiB: VmRSS (resident now), VmHWM (its peak)."""
        with open(f"/proc/{self.pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"no {field} for process {self.pid}")

    @contextmanager
    def growth(self) -> Iterator[list[int]]:
        """How much resident memory (KiB) the server took on above its level at the start, while the block ran:
        VmRSS sampled every few milliseconds (memory given back after a request is seen too) and the rise of
        its peak (VmHWM). The list yielded holds the figure once the block is done."""
        before, peak_before = self.memory_kib(), self.memory_kib("VmHWM")
        highest, done = [before], threading.Event()

        def sample() -> None:
            while not done.wait(0.003):
                highest[0] = max(highest[0], self.memory_kib())

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        result: list[int] = []
        try:
            yield result
        finally:
            done.set()
            sampler.join()
            result.append(max(highest[0] - before, self.memory_kib("VmHWM") - peak_before, 0))

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving(db: str, folder: Path, *args: str, environ: dict[str, str] | None = None,
            **env: str) -> Iterator[ServeProcess]:
    """`newsdesk serve` on a free loopback port over the store `db` (migrated at start), with NEWSDESK_<KEY>
    variables from `env` (keys in lower case, e.g. removal_rate_limit="3") over `environ` (default: this process's
    environment) and extra command-line `args`; it runs in `folder`, which holds its log."""
    port = free_port()
    environment = {**(os.environ if environ is None else environ), "NEWSDESK_DATABASE_URL": db,
                   **{f"NEWSDESK_{k.upper()}": str(v) for k, v in env.items()}}
    log_path = folder / f"serve-{port}.log"
    log = open(log_path, "w")  # noqa: SIM115 (closed below; a pipe could fill up and block the server)
    proc = subprocess.Popen([sys.executable, "-m", "newsdesk.cli", "serve", "--port", str(port),
                             "--no-default-sources", *args], env=environment, stdout=log,
                            stderr=subprocess.STDOUT, cwd=folder)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"newsdesk serve exited ({proc.returncode}): {log_path.read_text()[-2000:]}")
            try:
                if httpx.get(url + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"newsdesk serve did not answer in 60 s: {log_path.read_text()[-2000:]}")
            time.sleep(0.1)
        yield ServeProcess(url=url, port=port, pid=proc.pid, log=log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
