"""py3langid's model, unpacked once and kept in the user's cache directory.

py3langid ships its model LZMA-compressed (6 MB, 65 MB unpacked); unpacking it costs every process that meets a
page naming no language ~0.45 s, more than all other start-up work of `newsdesk extract` together. The unpacked
arrays are saved once as plain .npy files under `$XDG_CACHE_HOME/newsdesk` (else `~/.cache/newsdesk`), in a folder
named by py3langid's version and the model file's size and time, and later processes map them from disk (~30 ms).
The classifier is py3langid's own `LanguageIdentifier` built from the same arrays, so every guess is the same as
`py3langid.classify`'s. Where the cache cannot be written or read (a read-only home, a full disk, a damaged file),
the model is loaded from the package as before (a damaged cache is removed, for the next process to unpack again):
the cache only ever saves time.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

ARRAYS = ("ptc", "pc", "classes", "nextmove", "nextmove_row", "out_feat")


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "newsdesk"


def cached_classifier() -> Callable[[str], tuple[str, float]]:
    """py3langid's classify, its model read from the cache (made on the first call) or, failing that, from the
    package."""
    from py3langid import langid

    model = langid.MODEL_DIR / langid.MODEL_FILE
    identifier = folder = None
    try:
        stat = model.stat()
        folder = cache_root() / f"py3langid-{_version()}-{stat.st_size}-{int(stat.st_mtime)}"
        if not folder.is_dir():
            _unpack(model, folder)
        identifier = _identifier(langid, folder)
    except (OSError, ValueError, KeyError, RuntimeError) as exc:  # RuntimeError: no home folder to be found
        log.debug("py3langid's model cache unusable (%s): loading the packaged model", exc)
        if folder is not None and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)  # damaged: the next process unpacks it again
    if identifier is None:
        identifier = langid.LanguageIdentifier.from_model_file(langid.MODEL_FILE)
    return identifier.classify


def _version() -> str:
    from importlib.metadata import version

    return version("py3langid")


def _unpack(model: Path, folder: Path) -> None:
    """The model's arrays as .npy files in `folder`, written beside it and renamed into place whole, so that a
    process never reads half a cache (two processes unpacking at once: the second rename loses, harmlessly)."""
    import lzma

    import numpy as np

    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".unpacking-", dir=folder.parent))
    try:
        with tempfile.TemporaryFile(dir=scratch) as npz:
            with lzma.open(model) as packed:
                shutil.copyfileobj(packed, npz, length=1 << 20)
            npz.seek(0)
            with np.load(npz, allow_pickle=False) as data:
                for name in ARRAYS:
                    np.save(scratch / f"{name}.npy", data[name], allow_pickle=False)
        try:
            scratch.rename(folder)
        except OSError:
            if not folder.is_dir():
                raise
    finally:
        if scratch.exists():
            shutil.rmtree(scratch, ignore_errors=True)


def _identifier(langid: Any, folder: Path) -> Any:
    import numpy as np
    from py3langid.modelio import _to_array

    data = {name: np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False) for name in ARRAYS}
    return langid.LanguageIdentifier(
        np.asarray(data["ptc"]), np.array(data["pc"]), data["classes"].tolist(), _to_array(data["nextmove"]),
        data["out_feat"].tolist(), tk_row=_to_array(data["nextmove_row"]))
