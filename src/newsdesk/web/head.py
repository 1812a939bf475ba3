"""HEAD on every GET route: the GET's status and headers (Content-Length included), no body.

FastAPI routes accept only the methods they declare, so `HEAD /`, `/healthz` or `/api/stories` answered 405,
while HTTP wants HEAD wherever GET is allowed (monitors, link checkers and feed readers use it to check a page
without fetching it)."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class HeadAsGet:
    """Pure ASGI: a HEAD request goes through the app as a GET and its body is dropped on the way out. Outermost,
    so that everything inside (routes, the response cache, ETags, compression) sees a GET and the headers are
    exactly the GET's; /metrics counts such requests as GETs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)
