"""Issue 13's small things: one message for a missing file, and file dates for undated files."""

from __future__ import annotations

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
