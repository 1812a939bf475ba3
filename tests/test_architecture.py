"""Every import in src/newsdesk points down the layer table below (the rooms of the house and what each may import).

The imports are read with `ast`, not by importing: module-level and function-level imports alike, except those
under `if TYPE_CHECKING:` (annotations only, never run). A module that is in no layer fails too, so that a new
module is placed on purpose.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "newsdesk"

# The layer of each room: a top-level module or package of newsdesk ("newsdesk" itself: its __init__, the version).
LAYERS: dict[int, set[str]] = {
    0: {PACKAGE, "errors", "config", "models", "dates", "timebudget", "keys", "urls", "text", "encoding",
        "compression", "labels", "genre", "embeddings", "langid_cache"},  # foundation
    1: {"store"},  # storage
    2: {"sources", "extract", "stories", "analyze"},  # stages
    3: {"passes", "collect", "removal"},  # services that compose stages
    4: {"web", "tasks"},
    5: {"cli"},
}
# Layers whose rooms may import each other: the foundation's small modules, and services composing services (the
# collector asks the removal desk; the passes run the collector). Two stages never import each other.
SAME_LAYER_ALLOWED = {0, 3}
# Rooms that, above storage, may reach only these rooms: web/ reads through storage; the removal desk is the one
# service it calls, and it starts the background passes (newsdesk.passes) without importing a stage.
ONLY_ABOVE_STORAGE = {"web": {"removal", "passes"}}

LAYER_OF = {room: layer for layer, rooms in LAYERS.items() for room in rooms}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imported_modules(source: str, module: str, is_package: bool = False) -> set[str]:
    """The newsdesk modules that `module`'s source imports (at any depth, outside `if TYPE_CHECKING:`). For
    `from X import name`, X.name when it is a module of X (a file or folder under src), else X."""
    found: set[str] = set()
    package = module if is_package else module.rpartition(".")[0]

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                is_module = SRC.joinpath(*candidate.split(".")).is_dir() or \
                    SRC.joinpath(*candidate.split(".")).with_suffix(".py").is_file()
                found.add(candidate if is_module else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return {m for m in found if m == PACKAGE or m.startswith(PACKAGE + ".")}


def room(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else PACKAGE


def broken_rule(importer: str, imported: str) -> str | None:
    """Why `importer` may not import `imported` (both newsdesk modules), or None when it may."""
    a, b = room(importer), room(imported)
    if a == b:
        return None
    if b not in LAYER_OF:
        return f"{imported} is in no layer of the table"
    la, lb = LAYER_OF[a], LAYER_OF[b]
    if lb > la:
        return f"layer {la} ({a}) imports upward, from layer {lb} ({b})"
    if lb == la and la not in SAME_LAYER_ALLOWED:
        return f"two rooms of layer {la} import each other ({a} -> {b})"
    if a in ONLY_ABOVE_STORAGE and lb > 1 and b not in ONLY_ABOVE_STORAGE[a]:
        return (f"{a} may import only storage, the foundation and "
                f"{', '.join(sorted(ONLY_ABOVE_STORAGE[a]))} ({b} is in layer {lb})")
    return None


def violations() -> list[str]:
    found = []
    for path in sorted(SRC.joinpath(PACKAGE).rglob("*.py")):
        module = module_name(path)
        if room(module) not in LAYER_OF:
            found.append(f"{module}: in no layer of the table")
            continue
        for imported in sorted(imported_modules(path.read_text(encoding="utf-8"), module,
                                                path.name == "__init__.py")):
            if why := broken_rule(module, imported):
                found.append(f"{module} imports {imported}: {why}")
    return found


def test_every_import_points_down_the_layer_table():
    found = violations()
    assert not found, f"{len(found)} import(s) break the layer table:\n" + "\n".join(found)


def test_the_walk_sees_function_level_imports_and_skips_type_checking_blocks():
    source = (
        "from typing import TYPE_CHECKING\n"
        "import newsdesk.store\n"
        "if TYPE_CHECKING:\n"
        "    from newsdesk.web import app\n"
        "else:\n"
        "    from newsdesk import config\n"
        "def f():\n"
        "    from newsdesk.analyze.stage import AnalysisStage\n"
        "    from . import http\n"
    )
    assert imported_modules(source, "newsdesk.sources.parse") == {
        "newsdesk.store", "newsdesk.config", "newsdesk.analyze.stage", "newsdesk.sources.http"}
    assert broken_rule("newsdesk.store.queries", "newsdesk.analyze.aggregate").startswith("layer 1 (store) imports up")
    assert broken_rule("newsdesk.analyze.stage", "newsdesk.stories.engine").startswith("two rooms of layer 2")
    assert "web may import only" in broken_rule("newsdesk.web.api", "newsdesk.analyze.aggregate")
    assert broken_rule("newsdesk.web.app", "newsdesk.removal") is None
    assert broken_rule("newsdesk.cli", "newsdesk.analyze.stage") is None
