"""Issue 13's small things: one message for a missing file, and file dates for undated files."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from termreader.cli.main import main


@pytest.mark.parametrize("command", ["open", "add", "show"])
@pytest.mark.parametrize("ref", ["/nonexistent", "./missing.md", "notes/missing.txt"])
def test_a_missing_path_is_no_such_file(
    command: str, ref: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``open /nonexistent`` said "no article matches" and ``add`` "no such file, and not an
    http(s) URL": both (and ``show``) now say "no such file: PATH"."""
    assert main([command, ref]) == 1
    assert capsys.readouterr().err.strip() == f"termreader: no such file: {ref}"


def test_an_unknown_id_is_still_no_article(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["open", "abcdef12"]) == 1
    assert capsys.readouterr().err.strip() == "termreader: no article matches abcdef12"


def _write(path: Path, text: str, mtime: datetime) -> Path:
    path.write_text(text, encoding="utf-8")
    os.utime(path, (mtime.timestamp(), mtime.timestamp()))
    return path


def test_an_undated_file_takes_its_modification_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An undated file was dated by its import and sorted above everything else; it now takes
    the file's modification time, marked ``date_source: "file"``."""
    old = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    undated = _write(tmp_path / "notes.md", "# Notes\n\nNo date anywhere.\n", old)
    dated = _write(
        tmp_path / "dated.md",
        "---\ntitle: Dated\ndate: 2024-05-06\n---\n\nText.\n",
        datetime(2025, 1, 1, tzinfo=UTC),
    )
    assert main(["add", str(undated), str(dated)]) == 0
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    records = [r for r in records if r["title"] in ("Dated", "Notes")]  # not the samples
    assert [r["title"] for r in records] == ["Dated", "Notes"]  # newest first
    notes = records[1]
    assert notes["published"].startswith("2020-01-02T03:04:05")
    assert notes["date_source"] == "file"
    assert records[0]["date_source"] == ""


async def test_the_list_marks_a_file_date(tmp_path: Path) -> None:
    from termreader.config import Settings
    from termreader.importers import import_path
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    undated = _write(
        tmp_path / "notes.md", "# Notes\n\nNo date.\n", datetime(2020, 1, 2, tzinfo=UTC)
    )
    library = Library.open(tmp_path / "library")
    library.add_many([import_path(undated)])
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = app.main_screen
        assert screen is not None
        text = "\n".join(s.text for s in app.screen._compositor.render_strips())
        assert "2020-01-02 (file date)" in text  # in the list
        assert "2020-01-02 (file date)" in screen.header.meta
