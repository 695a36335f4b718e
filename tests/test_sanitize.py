"""The sanitizer removes every terminal control and keeps honest text intact (issue 6)."""

from __future__ import annotations

import pytest
from helpers import BLOWUP, cpu_seconds
from hypothesis import given, settings
from hypothesis import strategies as st
from payloads import PAYLOADS, TERMINATED, Payload

from termreader.text.sanitize import BIDI, FORBIDDEN, clean, clean_line, is_clean


def _forbidden_in(text: str) -> set[str]:
    return {ch for ch in text if ch in FORBIDDEN}


# --- each payload class ------------------------------------------------------------------------
@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.name)
def test_payload_is_neutralised(payload: Payload) -> None:
    """Issue 6: every payload class loses its controls, and its hidden payload with them."""
    out = clean(f"before {payload.text}")
    assert not _forbidden_in(out)
    assert out.startswith("before ")
    if payload.marker:
        assert payload.marker not in out
    if payload.keep:
        assert payload.keep in out


@pytest.mark.parametrize("payload", TERMINATED, ids=lambda p: p.name)
def test_terminated_payload_leaves_its_surroundings_alone(payload: Payload) -> None:
    out = clean(f"Hello 世界 {payload.text} and after.")
    assert out.startswith("Hello 世界 ") and out.endswith(" and after.")
    assert not _forbidden_in(out)


@pytest.mark.parametrize("code", [c for c in range(0x20) if c not in (0x09, 0x0A)] + [0x7F])
def test_each_c0_control_and_del_is_removed(code: int) -> None:
    # (Followed by a non-ASCII letter: ESC + an ASCII letter is a two-character escape.)
    out = clean(f"a{chr(code)}世")
    # CR becomes a newline (Windows line ends); every other C0 control and DEL vanishes.
    assert out == ("a\n世" if code == 0x0D else "a世")


@pytest.mark.parametrize("code", range(0x80, 0xA0))
def test_each_c1_control_is_removed(code: int) -> None:
    out = clean(f"a{chr(code)}b ")
    assert not _forbidden_in(out)
    assert out.startswith("a") and out.endswith(" ")


@pytest.mark.parametrize("char", sorted(BIDI) + ["\u2028", "\u2029", "\ufeff"])
def test_bidi_controls_and_separators_are_removed(char: str) -> None:
    assert clean(f"abc{char}def") == "abcdef"


def test_osc_ends_at_bel_st_and_8bit_st() -> None:
    assert clean("a\x1b]0;t\x07b") == "ab"
    assert clean("a\x1b]0;t\x1b\\b") == "ab"
    assert clean("a\x1b]0;t\x9cb") == "ab"


def test_unterminated_7bit_string_swallows_the_rest() -> None:
    # A terminal would eat everything up to a terminator that never comes: so do we, and no
    # would-be title or clipboard blob shows up as text.
    for intro in ("\x1b]2;", "\x1bP", "\x1b_", "\x1b^", "\x1bX"):
        assert clean(f"keep {intro}PWNED rest of input\nmore lines") == "keep "


def test_string_sequence_is_cancelled_by_the_next_escape() -> None:
    assert clean("a\x1b]2;PWNED\x1b[1mb") == "ab"
    assert clean("a\x1bPPWNED\x1b]0;X\x07b") == "ab"


def test_can_and_sub_abort_a_string_sequence() -> None:
    assert clean("a\x1b]2;PWNED\x18b") == "ab"
    assert clean("a\x1b]2;PWNED\x1ab") == "ab"


def test_8bit_csi_goes_with_its_parameters() -> None:
    assert clean("a\x9b2Jb") == "ab"
    assert clean("a\x9b38;5;196mb") == "ab"


def test_8bit_string_sequence_goes_whole_when_terminated() -> None:
    assert clean("a\x9d0;PWNED\x07b") == "ab"
    assert clean("a\x90PWNED\x9cb") == "ab"
    assert clean("a\x9fPWNED\x1b\\b") == "ab"


def test_latin1_misdecoded_text_is_not_swallowed() -> None:
    """Issue 6: a C1 character from a Latin-1 mis-decoding ("ž" is 0x9e in windows-1252)
    must not eat the rest of the article: only the lone introducer goes."""
    text = "Příliš \x9eluťoučký kůň úpěl ďábelské ódy.\nDruhý řádek."
    assert clean(text) == "Příliš luťoučký kůň úpěl ďábelské ódy.\nDruhý řádek."


def test_lone_surrogates_become_replacement_characters() -> None:
    """Issue 6: U+DC9B would be written back as a raw 0x9b byte (8-bit CSI) by a C-locale
    stdout (surrogateescape); it must never reach the terminal."""
    out = clean("a\udc9b2Jb\ud800")
    assert out == "a\ufffd2Jb\ufffd"
    out.encode("utf-8")  # encodable: no error handler can turn it into raw bytes


def test_carriage_returns_become_newlines() -> None:
    assert clean("one\r\ntwo\rthree") == "one\ntwo\nthree"
    # Overwrite tricks ("safe\rEVIL" shows only EVIL in a terminal) are defeated.
    assert clean_line("safe\rEVIL") == "safe EVIL"


# --- honest text survives ----------------------------------------------------------------------
HONEST = [
    "Plain ASCII, with punctuation: (a) [b] {c} <d> ~ ^ ` | \\ @ # $ % & * ! ?",
    "第一章 总则\n一、为什么在终端里阅读\n【提示】每个汉字占两个单元格。",
    "日本語のテキスト、カタカナ、ひらがな。한국어 문장도 있습니다.",
    "Emoji: 😀 👩‍👩‍👧‍👦 👍🏽 🇨🇳 🏳️‍🌈 ❤️",
    "Combining marks: e\u0301 a\u0308 n\u0303 ฟ้า Z\u0351\u0352",
    "Tabs\tand\tnewlines\n\nparagraphs\n",
    "Right-to-left scripts stay: مرحبا بالعالم — שלום עולם",
    "Latin-1 letters and symbols: © ® ° ± µ ¶ · ½ ß à é ñ ö ÿ, NBSP\u00a0here, soft\u00adhyphen",
    "Typographic: \u2018quotes\u2019 \u201cdouble\u201d \u2039single\u203a \u2026 \u2014 \u20ac",
    "Zero-width joiner\u200d and non-joiner\u200c, word\u2060joiner, LRM\u200e RLM\u200f",
    "Box drawing ┌─┐ │ └─┘ and math ∑ ∫ √ ≤ ≥ ≠",
    "Markdown: # Heading\n\n> quote\n\n- item\n\n```\ncode\n```\n[link](https://example.test/a?b=c#d)",
]


@pytest.mark.parametrize("text", HONEST)
def test_honest_text_is_unchanged(text: str) -> None:
    assert clean(text) == text
    assert is_clean(text)


def test_clean_line_folds_whitespace_only() -> None:
    assert clean_line("  A\ttitle\n over\r\nlines  ") == "A title over lines"
    assert clean_line("标题　全角空格") == "标题 全角空格"


def test_is_clean() -> None:
    assert is_clean("ok\n\tfine 世界")
    assert not is_clean("a\x1b[1mb")
    assert not is_clean("a\rb")  # CR moves the cursor back over text
    assert not is_clean("a\u202eb")
    assert not is_clean("a\udc9b")
    assert is_clean("")


def test_empty_and_large_inputs() -> None:
    assert clean("") == ""
    big = ("word " * 200_000) + "\x1b]0;PWNED\x07" + ("tail " * 200_000)
    out = clean(big)
    assert "PWNED" not in out and len(out) == len(big) - len("\x1b]0;PWNED\x07")


@pytest.mark.parametrize(
    "unit",
    [
        "\x90",
        "\x90a",
        "\x9d" + "b" * 50,
        "\x90" + "a" * 4000,
        "\x1b]",
        "\x1b[",
        "\x9b",
        "\x1b",
        "\x1bP\x1b",
        "\x1b]0;" + "t" * 100,
        "\u202e",
        "\r\n",
    ],
    ids=[
        "dcs-run",
        "dcs-a",
        "osc-runs",
        "long-dcs",
        "osc-run",
        "csi-run",
        "c1-csi-run",
        "esc-run",
        "dcs-esc",
        "titles",
        "bidi",
        "crlf",
    ],
)
def test_clean_is_bounded_on_hostile_runs(unit: str) -> None:
    """Issue 6, bounded work: a megabyte of sequence starts is cleaned in well under a second
    (a run of 8-bit DCS introducers once cost 4,096 regex steps each: 40 s for 1 MB)."""
    text = unit * (1_000_000 // len(unit))
    out, seconds = cpu_seconds(lambda: clean(text))
    assert seconds < BLOWUP
    assert not _forbidden_in(out)


# --- properties ---------------------------------------------------------------------------------
# Text built from escape-sequence building blocks finds far more corner cases than random
# Unicode: introducers, terminators, parameters and CJK, in any order.
_PIECES = st.sampled_from(
    [
        "\x1b",
        "[",
        "]",
        "P",
        "X",
        "^",
        "_",
        "\\",
        "\x07",
        "\x9c",
        "\x9b",
        "\x9d",
        "\x90",
        "\x18",
        ";",
        "0",
        "2",
        "8",
        "52",
        "?",
        "J",
        "m",
        "\r",
        "\n",
        "\t",
        "\u202e",
        "\u2066",
        "\udc9b",
        "a",
        "世",
        "é",
        " ",
        "\x00",
        "\x7f",
        "\x85",
    ]
)
_BUILT = st.lists(_PIECES, max_size=60).map("".join)
_ANY_TEXT = st.one_of(
    st.text(max_size=300),
    _BUILT,
    st.lists(st.sampled_from([p.text for p in PAYLOADS]) | st.text(max_size=8), max_size=12).map(
        "".join
    ),
)
_SAFE_TEXT = st.text(
    st.characters(blacklist_characters=sorted(FORBIDDEN), blacklist_categories=("Cs",)),
    max_size=80,
)


@settings(max_examples=500)
@given(_ANY_TEXT)
def test_clean_never_lets_a_forbidden_character_through(text: str) -> None:
    out = clean(text)
    assert not _forbidden_in(out)
    assert "\x1b" not in out and is_clean(out)


@settings(max_examples=500)
@given(_ANY_TEXT)
def test_clean_is_idempotent(text: str) -> None:
    once = clean(text)
    assert clean(once) == once


@settings(max_examples=300)
@given(_ANY_TEXT)
def test_clean_line_is_one_clean_line(text: str) -> None:
    out = clean_line(text)
    assert "\n" not in out and "\t" not in out and out == out.strip()
    assert not _forbidden_in(out)


@settings(max_examples=300)
@given(_SAFE_TEXT)
def test_text_without_controls_is_untouched(text: str) -> None:
    assert clean(text) == text and is_clean(text)


@settings(max_examples=300)
@given(_SAFE_TEXT, st.sampled_from(TERMINATED), _SAFE_TEXT)
def test_a_terminated_payload_is_cut_out_exactly(before: str, payload: Payload, after: str) -> None:
    # Whatever honest text surrounds a sequence, exactly the sequence (and its controls) goes.
    expected = before + clean(payload.text) + after
    assert clean(before + payload.text + after) == expected
