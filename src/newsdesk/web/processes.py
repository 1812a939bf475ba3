"""`newsdesk serve --workers N`: N server processes behind one port, connections dealt out in turn.

uvicorn's own workers share the listening socket and each accepts every connection waiting when it wakes, so
a burst of new connections (a proxy's pool, a browser's six, a load test's clients) lands on whichever process
woke first, and keep-alive connections stay where they landed. Measured with bench/web.py (2 processes, 32
clients): half the runs split the connections 28 / 4, and the busy process set the search p99 at 230-260 ms
where an even split gave 130-190. Node's cluster module documents the same skew and, by default, has its
primary process accept and deal connections out round-robin; so does this module.

The parent process (which also fetches and groups stories, see cli.serve) accepts on the port in a thread and
passes each connection's file descriptor to the next live worker over a Unix socket pair (SCM_RIGHTS). Each
worker runs an ordinary uvicorn server whose "listening socket" is its end of the pair: asyncio's event loop
calls accept() on it, which here receives the next connection from the parent. A worker that dies is replaced
and gets no connections meanwhile (those it held, or was handed at the instant it died, are lost with it, as
with uvicorn's workers); a worker whose parent is gone shuts down. The dealing thread shares the parent's
Python lock with the background fetcher, so while the analysis model runs a new connection may wait a few
milliseconds to be handed over; requests on open keep-alive connections do not pass through the parent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import logging.config
import multiprocessing
import os
import signal
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from prometheus_client.multiprocess import mark_process_dead

log = logging.getLogger("uvicorn.error")

REPLACE_AFTER = 1.0  # seconds between two checks for dead workers
STOP_GRACE = 10.0  # seconds a worker has to finish its requests after SIGTERM before it is killed


class ConnectionInbox(socket.socket):
    """A worker's end of the pair, standing in for a listening socket: accept() takes the next connection the
    parent sent (or raises BlockingIOError when none is waiting, as a non-blocking listening socket does)."""

    def listen(self, backlog: int = 0) -> None:
        """Nothing to do: the parent listens on the port."""

    def accept(self) -> tuple[socket.socket, Any]:
        message, fds, _flags, _address = socket.recv_fds(self, 1, 1)
        if not message:  # the parent is gone: nobody will send connections any more
            self._stop_worker()
            raise BlockingIOError
        if not fds:
            raise BlockingIOError
        conn = socket.socket(fileno=fds[0])
        try:
            return conn, conn.getpeername()
        except OSError:  # the client hung up before the worker took its connection
            conn.close()
            raise ConnectionAbortedError from None

    def _stop_worker(self) -> None:
        with contextlib.suppress(RuntimeError, ValueError):
            asyncio.get_running_loop().remove_reader(self.fileno())
        signal.raise_signal(signal.SIGTERM)  # uvicorn's own graceful shutdown


def _worker_main(channel: socket.socket, app: str, access_log: bool) -> None:
    """A worker process: uvicorn serving the app factory `app` on the connections the parent sends."""
    import uvicorn

    inbox = ConnectionInbox(channel.family, channel.type, channel.proto, fileno=channel.detach())
    # asyncio's loop, not uvloop: uvloop accepts in C with accept(2), which a socket pair does not answer.
    # proxy_headers off: the app decides whom to believe about the client (the trusted_proxies setting).
    config = uvicorn.Config(app, factory=True, loop="asyncio", log_level="info", access_log=access_log,
                            proxy_headers=False)
    uvicorn.Server(config).run(sockets=[inbox])


@dataclass
class _Worker:
    process: Any  # multiprocessing's SpawnProcess
    channel: socket.socket  # the parent's end of the pair


class WorkerProcesses:
    """The parent: binds the port, starts the workers, deals connections, replaces dead workers, stops them
    all on SIGINT or SIGTERM."""

    def __init__(self, app: str, *, processes: int, host: str, port: int, access_log: bool) -> None:
        self.app, self.processes, self.host, self.port, self.access_log = app, processes, host, port, access_log
        self.workers: list[_Worker] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")
        self._next = 0

    def _start_worker(self) -> _Worker:
        parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        parent_end.setblocking(False)  # a stuck worker's full queue must not stop the dealing
        process = self._context.Process(target=_worker_main, args=(child_end, self.app, self.access_log),
                                        name="newsdesk-web", daemon=False)
        process.start()
        child_end.close()  # the worker has its own copy now; the parent keeps only its end
        return _Worker(process, parent_end)

    def _deal(self, listener: socket.socket) -> None:
        """Accept on the port and hand each connection to the next live worker."""
        while not self.stopping.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:  # the listener wakes twice a second to see whether the server is stopping
                continue
            except OSError:
                if self.stopping.is_set():
                    return
                time.sleep(0.01)  # EMFILE and the like: wait a moment rather than spin
                continue
            with conn:
                self._hand_over(conn)

    def _hand_over(self, conn: socket.socket) -> None:
        with self._lock:
            workers = list(self.workers)
        for _ in range(len(workers)):
            worker = workers[self._next % len(workers)]
            self._next += 1
            if not worker.process.is_alive():
                continue
            try:
                socket.send_fds(worker.channel, [b"c"], [conn.fileno()])
                return
            except OSError:  # its end closed (it just died) or its queue is full: the next one
                continue
        log.warning("no server process could take a connection; it was closed")

    def _replace_dead(self) -> None:
        for i, worker in enumerate(list(self.workers)):
            if worker.process.is_alive() or self.stopping.is_set():
                continue
            log.warning("Server process [%s] exited with %s; starting another", worker.process.pid,
                        worker.process.exitcode)
            # prometheus_client's bookkeeping for a process that exited, as its docs ask (it drops the process's
            # live gauges, of which there are none today; its counters stay in the totals either way).
            mark_process_dead(worker.process.pid)
            worker.channel.close()
            replacement = self._start_worker()
            with self._lock:
                self.workers[i] = replacement

    def run(self) -> None:
        import shutil
        import tempfile

        import uvicorn.config

        from newsdesk.web.metrics import MULTIPROCESS_DIR_VARIABLE

        logging.config.dictConfig(uvicorn.config.LOGGING_CONFIG)  # the workers' log format, in the parent too
        log.setLevel(logging.INFO)
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family, backlog=2048)
        listener.settimeout(0.5)
        log.info("Uvicorn running on http://%s:%d with %d server processes (Press CTRL+C to quit)",
                 self.host, self.port, self.processes)
        previous = {sig: signal.signal(sig, lambda *_: self.stopping.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
        # The workers (spawned: they take this environment) count their requests there, see web.metrics. A fresh
        # directory per serve, replacing any the environment named: two servers never add up each other's counts.
        os.environ[MULTIPROCESS_DIR_VARIABLE] = tempfile.mkdtemp(prefix="newsdesk-metrics-")
        try:
            self.workers = [self._start_worker() for _ in range(self.processes)]
            dealer = threading.Thread(target=self._deal, args=(listener,), name="newsdesk-dealer", daemon=True)
            dealer.start()
            while not self.stopping.wait(REPLACE_AFTER):
                self._replace_dead()
        finally:
            self.stopping.set()
            listener.close()
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            shutil.rmtree(os.environ.pop(MULTIPROCESS_DIR_VARIABLE), ignore_errors=True)

    def _stop_all(self) -> None:
        for worker in self.workers:
            if worker.process.is_alive():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(worker.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        for worker in self.workers:
            worker.process.join(max(0.0, deadline - time.monotonic()))
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.channel.close()


def run_processes(app: str, *, processes: int, host: str, port: int, access_log: bool) -> None:
    """Serve the ASGI app factory `app` ("module:function") from `processes` worker processes on host:port."""
    WorkerProcesses(app, processes=processes, host=host, port=port, access_log=access_log).run()
