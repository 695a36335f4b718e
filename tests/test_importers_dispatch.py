"""Dispatch and failures: sniffing by content, one-line errors naming the file, bounded input."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import BLOWUP, cpu_seconds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termreader.errors import ImportFailed, TermreaderError
from termreader.importers import MAX_DOCUMENT_BYTES, import_bytes, import_path, sniff_kind
from termreader.text.sanitize import is_clean


def test_kinds_by_extension_and_content(tmp_path: Path) -> None:
    html = tmp_path / "page.unknown"
    html.write_text(
        "<!DOCTYPE html><html><head><title>Sniffed Page</title></head><body><p>"
        + "Words in a paragraph. " * 20
        + "</p></body></html>",
        encoding="utf-8",
    )
    md = tmp_path / "notes"
    md.write_text(
        "# Sniffed Markdown\n\n- item one\n- item two\n\n[link](https://x.test)\n", encoding="utf-8"
    )
    txt = tmp_path / "README"
    txt.write_text("Just a Title\n\nJust some text.\n", encoding="utf-8")
    assert import_path(html).kind == "html"
    assert import_path(html).title == "Sniffed Page"
    assert import_path(md).kind == "markdown"
    assert import_path(md).title == "Sniffed Markdown"
    assert import_path(txt).kind == "text"
    assert import_path(txt).title == "Just a Title"


def test_sniff_kind_content_type_wins() -> None:
    assert sniff_kind("# x", content_type="text/html; charset=utf-8") == "html"
    assert sniff_kind("<html>", content_type="text/markdown") == "markdown"
    assert sniff_kind("plain", filename="a.htm") == "html"
    assert sniff_kind("no markup here at all") == "text"


def test_import_bytes_for_fetched_page_uses_url_identity() -> None:
    page = (
        "<html><head><title>Fetched | Site</title></head><body><article><p>"
        + "Fetched words. " * 30
        + "</p></article></body></html>"
    ).encode()
    article = import_bytes(
        page, url="https://news.example.com/a/1", content_type="text/html; charset=utf-8"
    )
    assert article.url == "https://news.example.com/a/1"
    assert article.source == "news.example.com"
    assert article.title == "Fetched"
    explicit = import_bytes(
        page, url="https://news.example.com/a/1", source="My Feed", content_type="text/html"
    )
    assert explicit.source == "My Feed"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (PNG image), not an article"),
        (b"%PDF-1.4\n", "binary file (PDF document), not an article"),
        (b"", "empty file, not an article"),
        (b"   \n\t\n", "empty file, not an article"),
        (b"\x00\x01\x02\x03" * 50, "binary file (binary data), not an article"),
    ],
)
def test_unreadable_files_fail_with_one_line_naming_the_file(
    tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "thing.md"
    path.write_bytes(content)
    with pytest.raises(ImportFailed) as caught:
        import_path(path)
    text = str(caught.value)
    assert text == f"{path.resolve()}: {message}"
    assert "\n" not in text


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="no such file"):
        import_path(tmp_path / "absent.txt")
    with pytest.raises(ImportFailed, match="is a directory"):
        import_path(tmp_path)


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)  # sparse: no 20 MB written
    with pytest.raises(ImportFailed, match="too large"):
        import_path(path)


def test_huge_bytes_are_refused() -> None:
    with pytest.raises(ImportFailed, match="too large"):
        import_bytes(b"a" * (MAX_DOCUMENT_BYTES + 1), filename="big.txt")


def test_non_text_content_type_is_refused() -> None:
    with pytest.raises(ImportFailed, match="image/png is not an article type"):
        import_bytes(b"hello", url="https://x.test/img", content_type="image/png")


def test_hostile_file_name_in_error_is_clean(tmp_path: Path) -> None:
    path = tmp_path / "evil\x1b]2;pwn\x07.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ImportFailed) as caught:
        import_path(path)
    assert is_clean(str(caught.value))
    assert "\x1b" not in str(caught.value)


FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check(data: bytes, **kwargs: object) -> None:
    try:
        article, seconds = cpu_seconds(lambda: import_bytes(data, **kwargs))  # type: ignore[arg-type]
    except ImportFailed as error:
        # A parser bug would surface as the catch-all message; hostile input must not reach it.
        assert "could not be read" not in str(error), str(error)
        return
    except TermreaderError:  # pragma: no cover
        return
    assert seconds < BLOWUP
    for text in (article.title, article.body, article.source, article.url):
        assert is_clean(text)


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_bytes_as_text(data: bytes) -> None:
    """Issue #6: arbitrary bytes never raise anything but ImportFailed, and stay bounded."""
    _check(data, filename="fuzz.txt")


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_bytes_as_markdown(data: bytes) -> None:
    _check(data, filename="fuzz.md")


@FUZZ
@given(st.binary(max_size=3000))
def test_fuzz_bytes_as_html(data: bytes) -> None:
    _check(data, url="https://fuzz.test/page", content_type="text/html")


_MARKUPISH = st.lists(
    st.sampled_from(
        [
            "<div>",
            "</div>",
            "<p>",
            "</p>",
            "<h2>",
            "</h2>",
            "<a href='/x'>",
            "</a>",
            "<ul><li>",
            "</li></ul>",
            "<script>",
            "</script>",
            "<meta charset=gb2312>",
            "<title>",
            "</title>",
            "# ",
            "## ",
            "---\n",
            "+++\n",
            "title: x\n",
            "> ",
            "- ",
            "1. ",
            "一、",
            "（一）",
            "【提示】",
            "相关内容：\n",
            "Related\n",
            "To Top",
            "发布时间：2024-04-02 18:01:42\n",
            "\n",
            "\n\n",
            "[x](y)",
            "**",
            "`",
            "```\n",
            "\x1b[2J",
            "\u202e",
            "\x9b",
            "文字",
            "text ",
            "&amp;",
            "&#0;",
        ]
    ),
    max_size=80,
).map("".join)


@FUZZ
@given(_MARKUPISH, st.sampled_from(["a.txt", "a.md", "a.html", "a"]))
def test_fuzz_structured_text(text: str, filename: str) -> None:
    """Inputs built from the syntax the importers look for (denser than random bytes)."""
    _check(text.encode("utf-8"), filename=filename)


def test_hostile_file_name_is_not_stored_raw(tmp_path: Path) -> None:
    folder = tmp_path / "dir\x1b[2J"
    folder.mkdir()
    path = folder / "note\x1b]0;x\x07.txt"
    path.write_text("Title\n\nBody.\n", encoding="utf-8")
    article = import_path(path)
    assert is_clean(article.url) and "\x1b" not in article.url
    assert is_clean(article.source) and "\x1b" not in article.source


@FUZZ
@given(
    st.one_of(
        st.text(max_size=60), st.from_regex(r"(19|20)\d\d[-/年.]\d{1,2}[-/月.]\d{1,3}.{0,20}")
    )
)
def test_fuzz_date_parsing_never_raises(value: str) -> None:
    """Dates come from untrusted text: parsing yields an aware datetime or None, never raises."""
    from termreader.importers.common import parse_datetime

    result = parse_datetime(value, language="zh")
    assert result is None or result.tzinfo is not None
