"""The folder tree is the architecture: no import cycles, and each package imports only what
``docs/design.md`` says it may (issue 11).

Every ``import`` statement counts, wherever it stands: at module level, inside a function (a late
import for start-up speed) or under ``TYPE_CHECKING``. A cycle that Python tolerates at run time
still ties two modules together, so none is allowed.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "termreader"

BASE = "base"
"""The top-level modules every package may use: errors, models, config, locations."""

ALLOWED: dict[str, set[str]] = {
    BASE: {BASE},
    "text": {BASE},
    "render": {BASE, "text"},
    "importers": {BASE, "text"},
    "library": {BASE, "text", "render", "importers"},
    "web": {BASE, "text", "importers", "library"},
    "navigation": {BASE, "text", "web"},
    "accounts": {BASE, "text", "importers", "library", "web"},
    "ui": {BASE, "text", "render", "importers", "library", "web", "navigation", "accounts"},
    "cli": {
        BASE,
        "text",
        "render",
        "importers",
        "library",
        "web",
        "navigation",
        "accounts",
        "ui",
    },
}
"""Which packages each package may import (the table in docs/design.md). ``textual`` is allowed
in ``ui`` only; ``cli`` reaches it through ``ui`` when the TUI starts."""


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES: dict[str, Path] = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports_of(path: Path) -> Iterator[tuple[str, int]]:
    """Every module named by an import in ``path`` (absolute form), with its line."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return imports_in(path.read_text(encoding="utf-8"), package)


def imports_in(source: str, package: str) -> Iterator[tuple[str, int]]:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            for alias in node.names:
                # ``from pkg import mod`` names the submodule when there is one.
                submodule = f"{origin}.{alias.name}"
                yield (submodule if submodule in MODULES else origin), node.lineno


def project_edges() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = edges.setdefault(name, set())
        for target, _line in imports_of(path):
            while target and target not in MODULES and target.startswith("termreader."):
                target = target.rpartition(".")[0]  # ``termreader.models.Article`` and the like
            if target in MODULES and target != name:
                targets.add(target)
    return edges


def layer(module: str) -> str:
    """The package a module belongs to (``BASE`` for the top-level modules)."""
    if module == "termreader.__main__":
        return "cli"  # ``python -m termreader`` is the command line's other door
    parts = module.split(".")
    if len(parts) > 2 or (len(parts) == 2 and (PACKAGE / parts[1]).is_dir()):
        return parts[1]
    return BASE


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``edges`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_walker_sees_every_kind_of_import() -> None:
    """The checks below are only as good as the walk: late, TYPE_CHECKING and relative imports
    count, and ``from package import module`` names the module."""
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n"
        "    from termreader.library.store import Library\n"
        "def run():\n"
        "    import textual.app\n"
        "    from termreader.ui import app\n"
        "from . import wrap\n"
        "from ..text.sanitize import clean\n"
    )
    found = {name for name, _line in imports_in(source, "termreader.render")}
    assert {
        "termreader.library.store",
        "textual.app",
        "termreader.ui.app",
        "termreader.render.wrap",
        "termreader.text.sanitize",
    } <= found
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_import_cycles() -> None:
    assert find_cycle(project_edges()) is None


def test_no_package_import_cycles() -> None:
    """Packages, taken as wholes, form layers: none needs a package that needs it back."""
    packages: dict[str, set[str]] = {}
    for source, targets in project_edges().items():
        packages.setdefault(layer(source), set()).update(
            layer(t) for t in targets if layer(t) != layer(source)
        )
    assert find_cycle(packages) is None


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_layers(module: str) -> None:
    """Each import stays within what its package may use; only ``ui`` imports Textual."""
    own = layer(module)
    wrong = []
    for target, line in imports_of(MODULES[module]):
        top = target.split(".")[0]
        if top == "textual" and own != "ui":
            wrong.append(f"line {line}: {target}")
        elif top == "termreader" and target != "termreader":
            while target not in MODULES:
                target = target.rpartition(".")[0]
            if target != "termreader" and layer(target) not in ALLOWED[own] | {own}:
                wrong.append(f"line {line}: {target} ({layer(target)})")
    assert wrong == []
