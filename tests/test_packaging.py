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
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(tmp_path.glob("termreader-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped_styles = {
        n for n in names if n.startswith("termreader/styles/") and n.endswith(".tcss")
    }
    shipped_samples = {n for n in names if n.startswith("termreader/sample_articles/")}
    repo_styles = {p.name for p in (ROOT / "styles").glob("*.tcss")}
    repo_samples = {p.name for p in (ROOT / "sample_articles").iterdir() if p.is_file()}
    assert {Path(n).name for n in shipped_styles} == repo_styles
    assert {Path(n).name for n in shipped_samples} == repo_samples
    assert "termreader/cli/main.py" in names


@pytest.mark.slow
def test_installed_termreader_lists_samples_from_tmp(tmp_path: Path) -> None:
    """Fresh venv + ``pip install <repo>``, then ``termreader list --json`` in /tmp (issue 2)."""
    import json
    import os

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "-q"]
    subprocess.run([*pip, "--upgrade", "pip"], check=True, capture_output=True)
    subprocess.run([*pip, str(ROOT)], check=True, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["TERMREADER_HOME"] = str(tmp_path / "lib")
    result = subprocess.run(
        [str(venv / "bin" / "termreader"), "list", "--json"],
        cwd="/tmp",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    titles = {row["title"] for row in rows}
    assert len(rows) == len([p for p in (ROOT / "sample_articles").iterdir() if p.is_file()])
    assert "Welcome to termreader" in titles
