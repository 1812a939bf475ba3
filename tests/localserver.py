"""A real HTTP server on loopback for tests: routes are set per test, every request is recorded."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    time: float


@dataclass
class Response:
    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the body is written (slow servers)
    drip: float = 0.0  # seconds between chunks of the body (slow bodies)
    drip_size: int = 1024  # bytes in one of those chunks (1: one byte at a time)
    chunked: bool = False  # Transfer-Encoding: chunked, no Content-Length (length unknown up front)


Handler = Callable[[Request], Response]


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        # Clients that hang up early are what several tests do on purpose (size and time caps).
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class LocalServer:
    """`server.route("/feed.xml", Response(...))` or a callable; unknown paths answer 404."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, Response | Handler] = {}
        self.requests: list[Request] = []
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once: no 40 ms stall per response

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                req = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()}, time.time())
                owner.requests.append(req)
                route = owner.routes.get(self.path) or owner.routes.get(self.path.split("?")[0])
                resp = Response(404, b"not found") if route is None else (
                    route if isinstance(route, Response) else route(req)
                )
                body = resp.body.encode() if isinstance(resp.body, str) else resp.body
                if resp.delay:
                    time.sleep(resp.delay)
                try:
                    self.send_response(resp.status)
                    if resp.chunked:
                        framing = {"Transfer-Encoding": "chunked"}
                    else:
                        framing = {"Content-Length": str(len(body))}
                    headers = {**framing, **resp.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if resp.chunked:
                        size = resp.drip_size if resp.drip else 1024
                        for i in range(0, len(body), size):
                            piece = body[i : i + size]
                            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                            if resp.drip:
                                self.wfile.flush()
                                time.sleep(resp.drip)
                        self.wfile.write(b"0\r\n\r\n")
                    elif resp.drip:
                        for i in range(0, len(body), resp.drip_size):
                            self.wfile.write(body[i : i + resp.drip_size])
                            self.wfile.flush()
                            time.sleep(resp.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = _QuietServer((host, 0), _Handler)
        self.httpd.daemon_threads = True
        self.host = host
        self.port = self.httpd.server_address[1]
        # A short poll interval makes shutdown() (every test's teardown) quick; the default waits 0.5 s.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, response: Response | Handler) -> None:
        self.routes[path] = response

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
