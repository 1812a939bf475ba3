"""Gzip data as a file or a body holds it (a saved .html.gz page, a feed served as a .gz file), inflated with a
bound on its size: the feed parser and the extractor read such documents alike. (An HTTP Content-Encoding is
decoded while it streams in, by the client in sources/http.py.)"""

from __future__ import annotations

import zlib

from newsdesk.errors import DecompressionError

GZIP_MAGIC = b"\x1f\x8b"


def gunzip(data: bytes, limit: int) -> bytes:
    """Inflate gzip data (every member, as gzip(1) does; padding after the last one is ignored). Raises
    DecompressionError when it is corrupt or truncated, or would inflate to more than `limit` bytes."""
    out = bytearray()
    rest = data
    while rest:
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out += inflater.decompress(rest, limit - len(out) + 1)
        except zlib.error as exc:
            raise DecompressionError(f"corrupt gzip data: {exc}") from exc
        if len(out) > limit:
            raise DecompressionError(f"gzip-compressed document is larger than {limit // (1024 * 1024)} MiB when "
                                     "decompressed", too_large=True)
        if not inflater.eof:
            raise DecompressionError("truncated gzip data: the compressed stream ends early")
        rest = inflater.unused_data
        if not rest.startswith(GZIP_MAGIC):
            break
    return bytes(out)
