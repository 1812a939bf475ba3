"""Each attack of issue 13 as a test of its own (tests/adversarial/attacks.py): it passes when the defence held.
The attacks share one live server and one temporary folder per module run (harness.Lab)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attacks import ATTACKS, Attack, Skip  # noqa: E402
from harness import Lab  # noqa: E402


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    shared = Lab()
    try:
        yield shared
    finally:
        shared.close()


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.id for a in ATTACKS])
def test_attack(attack: Attack, lab: Lab) -> None:
    try:
        got, passed = attack.run(lab)
    except Skip as exc:
        pytest.skip(str(exc))
    assert passed, f"item {attack.item}, {attack.name}: expected {attack.expected}; got {got}"
