"""Run the attacks of issue 13 against live `newsdesk` processes and print the table: item, attack, expected, got,
pass. Exits 1 when any attack got through.

    .venv/bin/python tests/adversarial/run.py            # every attack (a few minutes)
    .venv/bin/python tests/adversarial/run.py --only 9   # the attacks of item 9
    PYTHONPATH=/elsewhere/src .venv/bin/python tests/adversarial/run.py   # attack another checkout's code
"""

from __future__ import annotations

import argparse
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from attacks import ATTACKS, Attack, Skip, by_item  # noqa: E402
from harness import Lab  # noqa: E402


def run_one(attack: Attack, lab: Lab) -> tuple[str, str, float]:
    """(got, verdict, seconds): verdict is pass, FAIL or skip; an attack that raised is a FAIL with its error."""
    started = time.monotonic()
    try:
        got, passed = attack.run(lab)
        verdict = "pass" if passed else "FAIL"
    except Skip as exc:
        got, verdict = str(exc), "skip"
    except Exception as exc:  # noqa: BLE001 - the table must show every attack, whatever one of them hit
        got, verdict = f"error: {type(exc).__name__}: {exc}"[:300], "FAIL"
        traceback.print_exc(file=sys.stderr)
    return got, verdict, time.monotonic() - started


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", type=int, metavar="N", help="run only the attacks of item N (1-12)")
    args = parser.parse_args(argv)
    chosen = by_item(args.only)
    if not chosen:
        parser.error(f"no attack for item {args.only} (items: {sorted({a.item for a in ATTACKS})})")
    lab = Lab()
    rows = []
    started = time.monotonic()
    try:
        for attack in chosen:
            print(f"item {attack.item}: {attack.name} ...", file=sys.stderr, flush=True)
            got, verdict, seconds = run_one(attack, lab)
            print(f"  {verdict} in {seconds:.1f} s: {got}", file=sys.stderr, flush=True)
            rows.append((attack, got, verdict))
    finally:
        lab.close()
    print("| item | attack | expected | got | pass |")
    print("|---|---|---|---|---|")
    for attack, got, verdict in rows:
        print(f"| {attack.item} | {_cell(attack.name)} | {_cell(attack.expected)} | {_cell(got)} | {verdict} |")
    failed = sum(1 for _, _, v in rows if v == "FAIL")
    skipped = sum(1 for _, _, v in rows if v == "skip")
    print(f"\n{len(rows) - failed - skipped} passed, {failed} failed, {skipped} skipped in "
          f"{time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
