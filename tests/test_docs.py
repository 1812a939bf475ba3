"""The README is the manual: it names every setting (its table printed from newsdesk.config), every command and
every environment variable the code reads."""

from __future__ import annotations

import importlib.util
import re
from dataclasses import fields
from pathlib import Path

import typer.main

from newsdesk.cli import app
from newsdesk.config import Settings

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
REGENERATE = ".venv/bin/python scripts/settings_table.py --update"


def _settings_table_script():
    spec = importlib.util.spec_from_file_location("settings_table", ROOT / "scripts" / "settings_table.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_setting_says_what_it_means():
    undocumented = [f.name for f in fields(Settings) if not f.metadata.get("meaning", "").strip()]
    assert not undocumented, f"settings without a meaning (setting(default, meaning) in config.py): {undocumented}"


def test_the_readme_settings_table_is_the_generated_one():
    script = _settings_table_script()
    assert script.readme_table(README) == script.markdown_table(), (
        f"README.md's settings table differs from newsdesk.config.Settings: run `{REGENERATE}`")


def _commands(group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The paths of the app's commands and subcommands (typer's click groups have `commands`)."""
    found = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        found.append((*path, name))
        found += _commands(command, (*path, name)) if hasattr(command, "commands") else []
    return found


def _documented(path: tuple[str, ...]) -> bool:
    """`newsdesk a b` in a code span, or `b` (or `a b`) in a code span on a line that names `newsdesk a`
    (the manual's "`newsdesk sources import-opml FILE` / `export-opml [FILE]`")."""
    if re.search(rf"`newsdesk {re.escape(' '.join(path))}[\s`]", README):
        return True
    if len(path) != 2:
        return False
    parent, name = map(re.escape, path)
    return any(re.search(rf"`({parent} )?{name}[\s`]", line)
               for line in README.splitlines() if re.search(rf"`newsdesk {parent}\s", line))


def test_every_command_is_in_the_readme():
    commands = _commands(typer.main.get_command(app))
    assert len(commands) > 20
    missing = [" ".join(path) for path in commands if not _documented(path)]
    assert not missing, f"commands not in README.md: {missing}"


def _variables_read() -> set[str]:
    """Every NEWSDESK_* variable: the settings', every one src/ names (read, set or told to the user), and
    those the tests read."""
    names = {f"NEWSDESK_{f.name.upper()}" for f in fields(Settings)}
    for path in (ROOT / "src").rglob("*.py"):
        names |= set(re.findall(r"\bNEWSDESK_[A-Z0-9]+(?:_[A-Z0-9]+)*", path.read_text(encoding="utf-8")))
    for path in (ROOT / "tests").rglob("*.py"):
        names |= set(re.findall(r"os\.(?:environ\.get|getenv)\(\s*[\"'](NEWSDESK_[A-Z0-9_]+)",
                                path.read_text(encoding="utf-8")))
    return names


def test_every_environment_variable_is_in_the_readme():
    variables = _variables_read()
    assert {"NEWSDESK_CONFIG", "NEWSDESK_PG_BIN"} <= variables
    missing = sorted(v for v in variables if not re.search(rf"\b{v}\b", README))
    assert not missing, f"environment variables not in README.md: {missing}"
