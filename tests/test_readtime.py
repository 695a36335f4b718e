"""Estimated reading time (issue 13): CJK by characters (~500/min), other scripts by words
(~230/min), markup a reader does not read left out."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from termreader.cli.main import main
from termreader.library.store import Library
from termreader.models import Article
from termreader.text.readtime import SAMPLE, reading_counts, reading_minutes


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        ("", (0, 0)),
        ("Hello world, it's a test.", (0, 5)),
        ("Read [the guide](https://example.test/a/b/c) <b>now</b>.", (0, 4)),
        ("See https://example.test/very/long/path for more", (0, 3)),
        ("终端阅读，指南。", (6, 0)),  # CJK punctuation is not read as characters
        ("日本語のテキスト", (8, 0)),
        ("한국어 읽기", (5, 0)),
        ("中文与 English 混排", (5, 1)),
        ("Ελληνικά русский français", (0, 3)),
        ("# Title\n\n- item\n- **bold** item\n\n| a | b |\n|---|---|", (0, 6)),
        ("emoji 😀 and 𠀀", (1, 2)),
    ],
)
def test_counts(text: str, counts: tuple[int, int]) -> None:
    assert reading_counts(text) == counts


def test_minutes_by_script() -> None:
    assert reading_minutes("") == 0
    assert reading_minutes("word") == 1  # anything to read takes a minute
    assert reading_minutes("word " * 230) == 1
    assert reading_minutes("word " * 231) == 2
    assert reading_minutes("汉" * 500) == 1
    assert reading_minutes("汉" * 2500) == 5
    assert reading_minutes("汉" * 1000 + " word" * 460) == 4


def test_a_long_text_is_estimated_from_slices() -> None:
    text = ("中文段落的内容。" * 10 + "\n\nSome English words here.\n\n") * 20_000
    assert len(text) > 10 * SAMPLE
    characters, words = reading_counts(text)
    assert abs(characters - 20_000 * 70) / (20_000 * 70) < 0.02
    assert abs(words - 20_000 * 4) / (20_000 * 4) < 0.02


@given(st.text(max_size=300))
def test_never_raises(text: str) -> None:
    characters, words = reading_counts(text)
    assert characters >= 0 and words >= 0


def test_stored_with_the_article_and_in_show_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "library"
    library = Library.open(home)
    body = "# 标题\n\n" + "中文内容" * 300 + "\n\n" + "word " * 300 + "\n"
    [stored] = library.add_many([Article(id="minutes00000001", title="Minutes", body=body)])
    assert stored.reading_minutes == 4  # 1,202 characters and 300 words: 2.4 + 1.3, up
    assert Library.open(home).brief("minutes00000001").reading_minutes == 4
    assert main(["--library", str(home), "show", "minutes00000001", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["reading_minutes"] == 4
