"""A story's picture, made safe to serve from this site: fetched by the polite client (robots.txt, per-host
pacing, private addresses refused, the removal blocklist asked at each redirect) under a byte cap of its own,
then decoded by Pillow only if it is a JPEG, PNG, WebP or GIF whose header says it has at most
`image_max_pixels` pixels (a decompression bomb is refused before a pixel is decoded), turned upright, resized to
at most WIDTH x MAX_HEIGHT and re-encoded as WebP: nothing of the original file (EXIF with its GPS position,
comments, colour profiles, trailing bytes) reaches a reader."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from newsdesk.config import Settings
from newsdesk.errors import NewsdeskError
from newsdesk.sources.http import PoliteClient

WIDTH = 640  # pixels: a story page's column at most; twice a phone's 320 CSS px
MAX_HEIGHT = 960  # a very tall picture (an infographic) is scaled to this height instead
QUALITY = 80  # WebP quality: about 40 KB for a 640 px photograph
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
IMAGE_ACCEPT = "image/webp, image/jpeg, image/png, image/gif;q=0.8"


class ImageRefusedError(NewsdeskError):
    """The file is not a picture this site serves (not an image, another format, too many pixels, corrupt)."""

    reason = "image_refused"


@dataclass(frozen=True)
class Picture:
    data: bytes  # WebP
    width: int
    height: int


def fetch_picture(client: PoliteClient, url: str, settings: Settings,
                  refuse: Callable[[str], str | None] | None = None) -> Picture:
    """The picture at url, fetched politely and made safe (see the module); raises a FetchError subclass when the
    fetch fails and ImageRefusedError when the file is refused."""
    doc = client.get(url, accept=IMAGE_ACCEPT, refuse=refuse, max_bytes=settings.image_max_bytes)
    return make_picture(doc.content, settings.image_max_pixels, url)


def make_picture(content: bytes, max_pixels: int, url: str = "the image") -> Picture:
    """Decode, check, resize and re-encode (see the module); ImageRefusedError says why a file is refused."""
    # Pillow's own guard raises on opening past twice its MAX_IMAGE_PIXELS (and only warns below that): ours is
    # never looser than its warning. (warnings.catch_warnings would change the filters of every thread.)
    max_pixels = min(max_pixels, Image.MAX_IMAGE_PIXELS or max_pixels)
    try:
        with Image.open(io.BytesIO(content), formats=FORMATS) as img:
            width, height = img.size  # read from the header: nothing is decoded yet
            if width * height > max_pixels or width <= 0 or height <= 0:
                raise ImageRefusedError(f"{url}: {width} x {height} pixels is over the {max_pixels} pixel "
                                        "limit (a decompression bomb?)")
            img.draft("RGB", (WIDTH, MAX_HEIGHT))  # JPEG: decode at a reduced scale when that is enough
            img.seek(0)  # an animated GIF or WebP: its first frame
            frame = ImageOps.exif_transpose(img)
            frame = frame.convert("RGBA" if _has_alpha(frame) else "RGB")
        frame.thumbnail((WIDTH, MAX_HEIGHT), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        frame.save(out, "WEBP", quality=QUALITY, method=4)  # no exif, icc_profile or xmp given: none written
    except ImageRefusedError:
        raise
    except UnidentifiedImageError:
        raise ImageRefusedError(f"{url}: not a JPEG, PNG, WebP or GIF image") from None
    except Image.DecompressionBombError as exc:  # Pillow's own guard, on opening
        raise ImageRefusedError(f"{url}: refused as a decompression bomb ({exc})") from None
    except (OSError, ValueError, SyntaxError, EOFError) as exc:  # what Pillow raises on a damaged file
        raise ImageRefusedError(f"{url}: damaged image ({exc})") from None
    return Picture(out.getvalue(), frame.width, frame.height)


def _has_alpha(img: Image.Image) -> bool:
    return img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info)
