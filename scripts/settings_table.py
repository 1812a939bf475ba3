"""The README's settings table, printed from newsdesk.config.Settings (each setting's default and meaning).

    .venv/bin/python scripts/settings_table.py            # prints the table
    .venv/bin/python scripts/settings_table.py --update   # writes it into README.md, between the markers

tests/test_docs.py fails when README.md holds another table than this one.
"""

from __future__ import annotations

import sys
from dataclasses import fields
from pathlib import Path

from newsdesk.config import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
BEGIN = "<!-- settings table: printed by scripts/settings_table.py, do not edit by hand -->"
END = "<!-- end of settings table -->"


def _default(value: object) -> str:
    if isinstance(value, bool):
        return "`1`" if value else "`0`"  # as the environment variable spells it
    if value == "":
        return "empty"
    return f"`{value}`"


def markdown_table() -> str:
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for f in fields(Settings):
        meaning = f.metadata["meaning"].replace("|", "\\|")
        rows.append(f"| `{f.name}` | `NEWSDESK_{f.name.upper()}` | {_default(f.default)} | {meaning} |")
    return "\n".join(rows) + "\n"


def readme_table(readme: str) -> str:
    """What README.md holds between the markers."""
    start, end = readme.index(BEGIN) + len(BEGIN) + 1, readme.index(END)
    return readme[start:end]


def main(argv: list[str]) -> int:
    table = markdown_table()
    if argv == ["--update"]:
        readme = README.read_text(encoding="utf-8")
        old = readme_table(readme)
        README.write_text(readme.replace(BEGIN + "\n" + old + END, BEGIN + "\n" + table + END), encoding="utf-8")
    elif argv:
        print(__doc__, file=sys.stderr)
        return 2
    else:
        sys.stdout.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
