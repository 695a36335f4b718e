"""Wrapping by terminal cells with CJK line breaking and kinsoku (issue 5)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from termreader.render.model import PARAGRAPH
from termreader.render.parser import parse
from termreader.render.wrap import (
    CJK_RANGES,
    HANGUL_RANGES,
    NO_END,
    NO_START,
    break_offsets,
    count_lines,
    stand_in,
    units_of,
    wrap_spans,
)

SPEC_NO_START = "。，、；：？！）」』】》,.;:?!)…"
SPEC_NO_END = "（「『【《("


def _text(line: list[tuple[str, str]]) -> str:
    return "".join(t for t, _ in line)


def _paragraphs(path: Path) -> list[list[tuple[str, str]]]:
    doc = parse(path.read_text(encoding="utf-8"))
    return [b.spans for b in doc.blocks if b.kind == PARAGRAPH and b.spans]


def test_spec_sets_are_covered() -> None:
    assert set(SPEC_NO_START) <= set(NO_START)
    assert set(SPEC_NO_END) <= set(NO_END)


@pytest.mark.parametrize(
    "name", ["the-art-of-command-line.README-zh.md", "the-art-of-command-line.README-ja.md"]
)
@pytest.mark.parametrize("width", [17, 30, 41, 80])
def test_real_cjk_text_obeys_width_and_kinsoku(fixtures: Path, name: str, width: int) -> None:
    """No line wider than the column; no line starts with closing or ends with opening punctuation."""
    paragraphs = _paragraphs(fixtures / "markdown" / name)
    assert len(paragraphs) > 50
    checked = 0
    for spans in paragraphs:
        lines = [_text(line) for line in wrap_spans(spans, width)]
        # Every character survives wrapping (only hanging spaces at line ends are dropped).
        assert "".join(lines).replace(" ", "") == _text(spans).replace(" ", "").replace("\n", "")
        for index, line in enumerate(lines):
            assert cell_len(line) <= width, (line, width)
            if index > 0 and line:
                assert line[0] not in SPEC_NO_START, (lines[index - 1], line)
            if index < len(lines) - 1 and line:
                assert line[-1] not in SPEC_NO_END, (line, lines[index + 1])
            checked += 1
    assert checked > 200


def test_cjk_after_latin_word_fills_the_line() -> None:
    """A run of Chinese after a Latin word breaks between characters instead of jumping whole."""
    text = "Using Linux 熟练使用命令行是一种常常被忽视或被认为难以掌握的技能但实际上它会提高你作为工程师的灵活性"
    lines = [_text(line) for line in wrap_spans([(text, "")], 30)]
    assert lines[0].startswith("Using Linux 熟练")
    # Each full line is filled to within one wide character of the width.
    for line in lines[:-1]:
        assert cell_len(line) >= 29


def test_latin_words_are_not_split() -> None:
    text = "the quick brown fox jumps over the lazy dog " * 5
    lines = [_text(line) for line in wrap_spans([(text, "")], 22)]
    words = set(text.split())
    for line in lines:
        for word in line.split():
            assert word in words
        assert len(line) <= 22


def test_overlong_word_is_split_by_cells() -> None:
    word = "x" * 25
    lines = [_text(line) for line in wrap_spans([(word, "")], 10)]
    assert lines == ["x" * 10, "x" * 10, "x" * 5]
    wide = "长" * 12  # 24 cells, no break rules apply between identical Han
    assert all(cell_len(line) <= 7 for line in (_text(x) for x in wrap_spans([(wide, "")], 7)))


def test_kinsoku_pulls_the_character_before_a_closing_mark() -> None:
    lines = [_text(line) for line in wrap_spans([("这是一个测试，后面还有", "")], 10)]
    assert lines[0] == "这是一个测"
    assert lines[1].startswith("试，")


def test_opening_bracket_moves_to_the_next_line() -> None:
    lines = [_text(line) for line in wrap_spans([("一二三四「五六」七八", "")], 10)]
    assert not lines[0].endswith("「")
    assert lines[1].startswith("「")


def test_styles_follow_the_text_across_lines() -> None:
    spans = [("plain words then ", ""), ("bold words here", "bold"), (" tail", "")]
    lines = wrap_spans(spans, 12)
    for line in lines:
        for text, style in line:
            if "bold" in text or "words here" in text:
                assert style in ("bold", "")
    flat = [(t, s) for line in lines for t, s in line]
    assert ("bold", "bold") in flat or any(s == "bold" and "bold" in t for t, s in flat)


def test_hard_break_starts_a_new_line() -> None:
    assert [_text(x) for x in wrap_spans([("one\ntwo", "")], 40)] == ["one", "two"]
    assert break_offsets("one\ntwo", 40) == [0, 4]


def test_link_number_sticks_to_cjk_text() -> None:
    lines = [_text(x) for x in wrap_spans([("简体中文", "link:1"), ("[17]", "linknum:1")], 9)]
    assert not any(line.startswith("[17]") for line in lines)


def test_count_lines_matches_wrap() -> None:
    text = "中文 English 混排的句子。" * 20
    for width in (10, 23, 50):
        assert count_lines(text, width) == len(wrap_spans([(text, "")], width))


_ALPHABET = "中文字はカ한 abc,.;:!?()（）「」『』。，、…\u3000-xyz"


@given(
    text=st.text(alphabet=_ALPHABET, min_size=1, max_size=120),
    width=st.integers(min_value=1, max_value=40),
)
@settings(max_examples=300, deadline=None)
def test_wrap_properties(text: str, width: int) -> None:
    """Any mix of CJK, Latin and punctuation: lines fit, nothing is lost, counts agree."""
    lines = [_text(line) for line in wrap_spans([(text, "")], width)]
    for line in lines:
        assert cell_len(line) <= max(width, 2)  # a 2-cell character cannot fit 1 cell
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert count_lines(text, width) == len(lines)


def _reference_units() -> re.Pattern[str]:
    """The unit pattern written with every CJK range in its classes (the form the fast one in
    ``wrap`` translates the text to avoid: each such class takes ~2.5 ms to compile)."""
    hangul = {code for low, high in HANGUL_RANGES for code in range(low, high + 1)}
    ranges: list[tuple[int, int]] = []
    for low, high in CJK_RANGES:  # minus Hangul, which breaks at spaces like Latin
        start = None
        for code in range(low, high + 2):
            inside = code <= high and code not in hangul
            if inside and start is None:
                start = code
            elif not inside and start is not None:
                ranges.append((start, code - 1))
                start = None
    cjk = "".join(f"{chr(low)}-{chr(high)}" for low, high in ranges)
    ns, ne = re.escape(NO_START), re.escape(NO_END)
    return re.compile(
        rf"(?:(?:[{ne}][ \t]*)*(?:[{cjk}]|(?:[^\s{cjk}{ne}]|[{ne}][ \t]*(?=[^\s{cjk}]))+)"
        rf"(?:[ \t]*[{ns}]|\[\^?[0-9]{{1,6}}\])*|.)[ \t]*"
    )


@pytest.mark.parametrize(
    "name",
    [
        "the-art-of-command-line.README-zh.md",
        "the-art-of-command-line.README-ja.md",
        "the-art-of-command-line.README-ko.md",
        "aotu-2016-12-08-vim-4.md",
    ],
)
def test_units_match_the_full_range_pattern_on_real_text(fixtures: Path, name: str) -> None:
    reference = _reference_units()
    text = (fixtures / "markdown" / name).read_text(encoding="utf-8")
    for line in text.splitlines():
        units = units_of(line)
        assert units == reference.findall(line)
        # Lines are broken in the stand-in text: each unit must keep its width there.
        assert [cell_len(stand_in(u)) for u in units] == [cell_len(u) for u in units]


@given(
    text=st.text(
        alphabet=_ALPHABET + "\u1100\u1161\u11a8ｶ･ﾟ가\U00020000一\u200d👍", min_size=1, max_size=80
    )
)
@settings(max_examples=300, deadline=None)
def test_units_match_the_full_range_pattern(text: str) -> None:
    units = units_of(text)
    assert units == _reference_units().findall(text)
    assert [cell_len(stand_in(u)) for u in units] == [cell_len(u) for u in units]


def test_korean_breaks_at_spaces_not_inside_words() -> None:
    """Regression: the Hangul sample at 80x24 broke "한 글자" / "가 두 칸을", "자" / "음과", "보여 주"
    / "는지": Hangul was broken between any two syllables like Chinese. Korean is written with
    spaces, so it breaks there (CSS ``word-break: keep-all``)."""
    text = (
        "한글은 터미널에서 다루기에 흥미로운 문자입니다. 중국어나 일본어처럼 한 글자가 두 칸을 "
        "차지하지만, 영어처럼 단어 사이를 띄어 씁니다. 게다가 한 글자는 자음과 모음이 모여 "
        "만들어진 음절이어서, termreader가 한글을 어떻게 보여 주는지 정리합니다."
    )
    words = set(text.split())
    for width in (20, 33, 47, 76):
        lines = [_text(line) for line in wrap_spans([(text, "")], width)]
        assert len(lines) > 1
        for line in lines:
            assert cell_len(line) <= width
            assert set(line.split()) <= words, (width, line)
        # Lines are filled: the next word would not have fit.
        for line, nxt in zip(lines, lines[1:], strict=False):
            assert cell_len(line) + 1 + cell_len(nxt.split()[0]) > width


def test_korean_word_longer_than_the_line_is_split() -> None:
    text = "가" * 30 + " 나"
    lines = [_text(line) for line in wrap_spans([(text, "")], 20)]
    assert lines == ["가" * 10, "가" * 10, "가" * 10, "나"]


def test_chinese_and_japanese_still_break_between_characters() -> None:
    """Only Hangul changed: a Chinese or Japanese run still fills the line (per character)."""
    for text in (
        "中文的句子没有空格所以每个字之间都可以换行，这样每一行都会被填满。",
        "日本語の文章には空白がないので、文字と文字の間で改行します。",
    ):
        lines = [_text(line) for line in wrap_spans([(text, "")], 21)]
        assert all(cell_len(line) >= 18 for line in lines[:-1])


def test_render_core_does_not_import_textual() -> None:
    code = (
        "import sys, termreader.render, termreader.render.layout, termreader.render.wrap;"
        "sys.exit(any(m.split('.')[0] == 'textual' for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize(
    ("text", "width", "expected"),
    [
        ("aaaa ( bbbb", 6, ["aaaa", "( bbbb"]),
        (
            "The quick brown fox jumps (over) the lazy dog and then ( something",
            30,
            ["The quick brown fox jumps", "(over) the lazy dog and then", "( something"],
        ),
        ("call it [ see below ] now", 10, ["call it", "[ see", "below ]", "now"]),
    ],
)
def test_latin_line_never_ends_with_an_opening_bracket(
    text: str, width: int, expected: list[str]
) -> None:
    """Issue 5 kinsoku on the Latin fast path: a spaced "(" goes down with the next word."""
    lines = ["".join(t for t, _ in line) for line in wrap_spans([(text, "")], width)]
    assert lines == expected
    assert count_lines(text, width) == len(expected)
