"""py3langid's model unpacked once into the user's cache (newsdesk.langid_cache): the same guesses as py3langid's
own loader, a second process reads the cache, and a cache that cannot be written or read changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import py3langid
import pytest

from newsdesk import langid_cache

TEXTS = [
    "The city council approved the new tram line on Tuesday after a long debate.",
    "Der Stadtrat hat am Dienstag nach langer Debatte die neue Straßenbahnlinie genehmigt.",
    "Le conseil municipal a approuvé mardi la nouvelle ligne de tramway après un long débat.",
    "El ayuntamiento aprobó el martes la nueva línea de tranvía tras un largo debate.",
    "市议会周二批准了一条通往北部城区的新电车线路。",
    "Городской совет во вторник одобрил новую трамвайную линию.",
    "", "12 345", "Live: 3-1",
]


@pytest.fixture
def cache_home(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


def test_the_cached_model_guesses_as_py3langid_does(cache_home):
    classify = langid_cache.cached_classifier()
    (folder,) = (cache_home / "newsdesk").iterdir()
    assert folder.name.startswith("py3langid-0.4.0-")
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{a}.npy" for a in langid_cache.ARRAYS)
    assert [classify(t) for t in TEXTS] == [py3langid.classify(t) for t in TEXTS]
    # another process reads the cache: it finds the folder, unpacks nothing, and guesses the same
    env = {**os.environ, "XDG_CACHE_HOME": str(cache_home)}
    code = ("import json, sys; from newsdesk.langid_cache import cached_classifier; c = cached_classifier(); "
            "print(json.dumps([c(t)[0] for t in sys.argv[1:]]))")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    out = subprocess.run([sys.executable, "-c", code, *TEXTS], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str([py3langid.classify(t)[0] for t in TEXTS]).replace("'", '"')
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert not [p for p in (cache_home / "newsdesk").iterdir() if p.name.startswith(".unpacking-")]


def test_an_unwritable_cache_falls_back_to_the_packaged_model(cache_home):
    (cache_home / "newsdesk").write_text("a file where the cache folder should be")
    classify = langid_cache.cached_classifier()
    assert [classify(t) for t in TEXTS] == [py3langid.classify(t) for t in TEXTS]


def test_a_damaged_cache_falls_back_to_the_packaged_model(cache_home):
    langid_cache.cached_classifier()
    (folder,) = (cache_home / "newsdesk").iterdir()
    (folder / "nextmove.npy").write_bytes(b"not an array")
    classify = langid_cache.cached_classifier()
    assert [classify(t) for t in TEXTS] == [py3langid.classify(t) for t in TEXTS]
    assert not folder.exists()  # removed: the next process unpacks it again
    langid_cache.cached_classifier()
    assert (folder / "nextmove.npy").stat().st_size > 1_000_000
