"""Shared fixtures: every test runs against a temporary library and config."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

FIXTURES = Path(__file__).parent / "fixtures"

# Hypothesis fails an example slower than 200 ms by default: a wall-clock bound that a busy
# machine trips. Bounds on work are CPU time, where a test needs one (tests/helpers.py).
settings.register_profile("termreader", deadline=None)
settings.load_profile("termreader")


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No test ever touches the user's real library or config."""
    base = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("TERMREADER_HOME", str(base / "library"))
    monkeypatch.setenv("TERMREADER_CONFIG", str(base / "config.toml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(base / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(base / "xdg-cache"))
    # Account passwords: never the user's real keyring (tests that want one install a fake).
    monkeypatch.setenv("TERMREADER_KEYRING", "off")


@pytest.fixture
def fixtures() -> Path:
    """The folder of test inputs copied from the shared corpus (see fixtures/SOURCES.md)."""
    return FIXTURES


@pytest.fixture
def library_home(tmp_path: Path) -> Path:
    """An empty folder for a library."""
    home = tmp_path / "library"
    return home
