"""Writing one setting into config.toml (issue 13: the theme picked in the app is kept)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from termreader.config import load, save_setting
from termreader.errors import ConfigError


def test_a_new_file_and_its_folder_are_created(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "config.toml"
    save_setting("theme", "nord", path)
    assert path.read_text(encoding="utf-8") == 'theme = "nord"\n'
    assert load(path).theme == "nord"


def test_a_key_is_changed_in_place_with_its_comment_and_spelling(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('# mine\nreading-width = 80 # keep me\nlayout = "wide"\n', encoding="utf-8")
    save_setting("reading_width", 72, path)
    assert path.read_text(encoding="utf-8") == (
        '# mine\nreading-width = 72 # keep me\nlayout = "wide"\n'
    )


def test_a_new_key_goes_before_the_tables_and_permissions_stay(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('layout = "wide"\n\n[keys]\nnext_section = "]"\n', encoding="utf-8")
    path.chmod(0o600)
    save_setting("theme", "gruvbox", path)
    settings = load(path)
    assert (settings.theme, settings.layout, settings.keys) == (
        "gruvbox",
        "wide",
        {"next_section": "]"},
    )
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_a_broken_file_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = \n", encoding="utf-8")
    with pytest.raises(ConfigError):
        save_setting("theme", "nord", path)
    assert path.read_text(encoding="utf-8") == "theme = \n"
