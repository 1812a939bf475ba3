"""Pictures served from this site: /images/{article id}.webp, the stored, re-encoded copy
(newsdesk.store.pictures). A reader's browser never asks a publisher for anything, and the file it gets carries
no metadata of the original. A removed article's picture is gone with it (404)."""

from __future__ import annotations

import hashlib

from fastapi import APIRouter, Request
from fastapi.responses import Response

from newsdesk.store import pictures
from newsdesk.web.common import UserError, parse_id, reader_of

router = APIRouter(include_in_schema=False)

# An hour, then asked again (the ETag makes that cheap): a removed picture stops being shown within the hour.
CACHE = "public, max-age=3600"


@router.get("/images/{article_id}.webp")
def image(request: Request, article_id: str) -> Response:
    aid = parse_id(article_id, "image")
    data = pictures.image_data(reader_of(request).store, aid)
    if data is None:
        raise UserError(404, f"there is no image {aid}")
    etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE}
    if etag in (request.headers.get("if-none-match") or ""):
        return Response(status_code=304, headers=headers)
    return Response(data, media_type="image/webp", headers=headers)
