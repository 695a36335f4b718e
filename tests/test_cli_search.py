"""``termreader search``: rows with a marked snippet, JSON with offsets, grep's exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from termreader.cli.main import main
from termreader.library.search import FILE_NAME
from termreader.library.store import Library
from termreader.models import Article


@pytest.fixture
def home(tmp_path: Path) -> Path:
    home = tmp_path / "lib"
    library = Library.open(home)
    library.kv_put("meta", "seeded", {"at": "test", "count": 0})
    library.add_many(
        [
            Article(
                id="tea00001",
                title="Green tea",
                source="Tea Blog",
                body="Every morning a cup of 乌龙\n茶 and a \x1b[2J terminal\n session.",
            ),
            Article(id="term0001", title="Terminal tricks", source="Shell", body="Use tmux."),
        ]
    )
    return home


def test_rows_with_marked_snippets(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(home), "search", "乌龙茶"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("tea00001  ") and "Green tea  (Tea Blog)" in out[0]
    assert out[1] == "    Every morning a cup of [乌龙茶] and a terminal session."


def test_json_rows_carry_offsets(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(home), "search", "terminal", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["id"] for r in rows] == ["term0001", "tea00001"]  # a title match first
    body = rows[1]
    assert set(body) == {"id", "title", "source", "date", "snippet", "field", "matches"}
    start, end = body["matches"][0]
    assert body["snippet"][start:end] == "terminal" and body["field"] == "body"
    assert "\x1b" not in json.dumps(rows, ensure_ascii=False)


def test_limit_and_no_match(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--library", str(home), "search", "terminal", "--limit", "1"]) == 0
    assert len([line for line in capsys.readouterr().out.splitlines() if line[:1] != " "]) == 1
    # Like grep: nothing printed, exit 1.
    assert main(["--library", str(home), "search", "nowhere"]) == 1
    assert capsys.readouterr() == ("", "")
    assert main(["--library", str(home), "search", "  "]) == 2


def test_search_after_the_index_is_deleted(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / FILE_NAME).unlink(missing_ok=True)
    assert main(["--library", str(home), "search", "茶"]) == 0
    assert "tea00001" in capsys.readouterr().out
    assert (home / FILE_NAME).exists()


def test_an_index_that_cannot_be_opened_is_one_line(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SQLite without FTS5 (or an unwritable folder) is an error line, not a traceback."""
    import sqlite3

    from termreader.library import search as search_module

    def no_fts5(connection: sqlite3.Connection) -> str | None:
        raise sqlite3.OperationalError("no such module: fts5")

    monkeypatch.setattr(search_module.SearchIndex, "_prepare", staticmethod(no_fts5))
    assert main(["--library", str(home), "search", "tea"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("termreader: the search index cannot be opened") and err.count("\n") == 1
