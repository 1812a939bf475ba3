"""Request bodies are capped where they are received, whatever the route, and whether or not their size was
declared: the server reads at most `max_bytes` of a body, and a body larger than that is answered 413 and
never held whole.

A declared Content-Length over the cap is refused before anything is read. A chunked body (no length up front)
is read here, counting, before the route runs: past the cap reading stops, the answer is 413 and the connection
is closed (so the rest of the upload is not read either). A body within the cap is handed to the route as one
message. Every route here takes small bodies (forms, removal requests), so holding up to the cap costs little.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Pure ASGI middleware: at most `max_bytes` of any request body; `refuse(scope)` is the 413 answer."""

    def __init__(self, app: ASGIApp, max_bytes: int, refuse: Callable[[Scope], Response]) -> None:
        self.app, self.max_bytes, self.refuse = app, max_bytes, refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away: nobody to answer
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: Message | None = {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message, body = body, None
                return message
            return await receive()  # after the body, only the client's disconnect

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = self.refuse(scope)
        # Closed after the answer: the rest of an upload that may never end is not read.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)


def _has_body(scope: Scope) -> bool:
    """Whether the request says a body follows (HTTP/1.1: a Content-Length or a Transfer-Encoding)."""
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            value = value.strip()
            return int(value) if value.isdigit() else None
    return None
