"""The package ships what an installed termreader needs, and the core stays free of Textual."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORE = ROOT / "src" / "termreader"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_core_imports_no_textual() -> None:
    """Models, parsing, store, fetching and sync must not import Textual (GUIDE: core/UI split)."""
    offenders = [
        str(path.relative_to(ROOT))
        for path in CORE.rglob("*.py")
        if "ui" not in path.relative_to(CORE).parts and "textual" in _imports(path)
    ]
    assert offenders == []


@pytest.mark.slow
def test_wheel_ships_styles_and_samples(tmp_path: Path) -> None:
    """An installed termreader finds its styles and sample library from any directory (issue 2)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("termreader-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped_styles = {n for n in names if n.startswith("termreader/styles/") and n.endswith(".tcss")}
    shipped_samples = {n for n in names if n.startswith("termreader/sample_articles/")}
    repo_styles = {p.name for p in (ROOT / "styles").glob("*.tcss")}
    repo_samples = {p.name for p in (ROOT / "sample_articles").iterdir() if p.is_file()}
    assert {Path(n).name for n in shipped_styles} == repo_styles
    assert {Path(n).name for n in shipped_samples} == repo_samples
    assert "termreader/cli.py" in names
