"""Charset decoding like a browser: BOM, header, declarations, detection, WHATWG labels."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from helpers import BLOWUP, cpu_seconds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termreader.errors import ImportFailed, TermreaderError
from termreader.text.charset import (
    binary_kind,
    declared_charset,
    decode,
    looks_binary,
    normalize_label,
)

ZH = "中文网页的标题与正文，包括一些常用汉字：借呗逾期催收。"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("GB_2312-80", "gb18030"),
        ("iso-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("ASCII", "cp1252"),
        ("us-ascii", "cp1252"),
        ("utf8", "utf-8"),
        ("Shift_JIS", "cp932"),
        ("euc-kr", "cp949"),
        ("big5", "big5hkscs"),
        ("windows-1251", "cp1251"),
        ("koi8-r", "koi8_r"),
        ("iso-8859-2", "iso8859_2"),
        (" 'UTF-8' ", "utf-8"),
    ],
)
def test_whatwg_labels(label: str, codec: str) -> None:
    assert normalize_label(label) == codec


@pytest.mark.parametrize("label", ["utf-7", "iso-2022-kr", "rot13", "base64", "no-such", "", None])
def test_refused_and_unknown_labels(label: str | None) -> None:
    assert normalize_label(label) is None


def test_boms_win_over_everything() -> None:
    text = "<meta charset='gb2312'>" + ZH
    assert decode(codecs.BOM_UTF8 + text.encode(), content_type="text/html; charset=latin1") == (
        text,
        "utf-8",
    )
    assert decode(codecs.BOM_UTF16_LE + text.encode("utf-16-le")) == (text, "utf-16-le")
    assert decode(codecs.BOM_UTF16_BE + text.encode("utf-16-be")) == (text, "utf-16-be")


def test_http_header_charset() -> None:
    data = ZH.encode("gb18030")
    assert decode(data, content_type="text/html; charset=GB2312") == (ZH, "gb18030")


def test_gb2312_label_reads_gbk_only_characters() -> None:
    """Pages labelled gb2312 use GBK characters (e.g. 镕); WHATWG decodes them as gb18030."""
    text = "<html><head><meta charset=gb2312></head><body>朱镕基 喆 堃</body></html>"
    decoded, encoding = decode(text.encode("gbk"))
    assert decoded == text and encoding == "gb18030"


def test_meta_http_equiv_and_xml_declaration() -> None:
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5">'
        f"</head><body>{'繁體中文內容'}</body></html>"
    )
    assert decode(page.encode("big5")) == (page, "big5hkscs")
    xml = f'<?xml version="1.0" encoding="windows-1251"?><p>{"Привет мир"}</p>'
    assert decode(xml.encode("cp1251")) == (xml, "cp1251")
    assert declared_charset(b"<!-- <meta charset=koi8-r> --><meta charset=utf-8>") == "utf-8"


def test_declared_gb2312_but_really_utf8(fixtures: Path) -> None:
    """people_1.html declares gb2312 and is UTF-8: UTF-8 wins when the declaration fails."""
    data = (fixtures / "html" / "gne" / "people_1.html").read_bytes()
    assert declared_charset(data).lower() == "gb2312"
    text, encoding = decode(data)
    assert encoding == "utf-8"
    assert "女儿出嫁，郑板桥画了几笔兰花当嫁妆" in text


def test_declared_latin1_is_windows_1252() -> None:
    data = b"<meta charset=iso-8859-1><p>\x93quoted\x94 \x80 caf\xe9</p>"
    text, encoding = decode(data)
    assert encoding == "cp1252"
    assert "\u201cquoted\u201d \u20ac café" in text


def test_stray_bytes_in_declared_utf8_are_replaced_not_fatal() -> None:
    data = "<meta charset=utf-8><p>Stra\u00dfe</p>".encode() + b" \xe4 broken"
    text, encoding = decode(data)
    assert encoding == "utf-8"
    assert "Straße" in text and "\ufffd" in text


@pytest.mark.parametrize(
    ("codec", "text"),
    [
        (
            "gb18030",
            "借呗作为蚂蚁集团旗下的一款个人消费信贷产品，为用户提供便捷的在线借款服务。" * 3,
        ),
        ("cp932", "日本語のテキストです。ひらがなとカタカナと漢字を含みます。" * 3),
        ("cp1251", "Это русский текст для проверки определения кодировки. " * 3),
    ],
)
def test_detection_without_declaration(codec: str, text: str) -> None:
    decoded, encoding = decode(text.encode(codec), sniff_markup=False)
    assert decoded == text


def test_undeclared_corpus_pages(fixtures: Path) -> None:
    folder = fixtures / "html" / "charset"
    for path, codec in (
        ("Big5___chromium_Big5_with_no_encoding_specified.html", "big5"),
        ("GB2312___chromium_gb18030_with_no_encoding_specified.html", "gb18030"),
        ("SHIFT_JIS___chromium_Shift-JIS_with_no_encoding_specified.html", "cp932"),
        ("KOI8-R___chromium_KOI8-R_with_no_encoding_specified.html", "koi8_r"),
    ):
        data = (folder / path).read_bytes()
        assert decode(data)[0] == data.decode(codec), path


def test_utf16_without_bom() -> None:
    text = "<html><body>Hello UTF-16 world</body></html>"
    assert decode(text.encode("utf-16-le"))[0] == text


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "PNG image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "PDF document"),
        (b"PK\x03\x04\x14\x00\x00\x00", "ZIP archive"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip archive"),
        (b"GIF89a\x01\x00", "GIF image"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "JPEG image"),
        (b"\x7fELF\x02\x01\x01", "ELF executable"),
        (b"text\x00with\x00nuls", "binary data"),
        (bytes(range(1, 32)) * 4, "binary data"),
    ],
)
def test_binary_input_is_refused(data: bytes, kind: str) -> None:
    assert binary_kind(data) == kind
    assert looks_binary(data)
    with pytest.raises(ImportFailed, match="binary"):
        decode(data)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"BM\x36\x00\x0c\x00\x00\x00\x00\x00\x36\x00", "BMP image"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "Windows executable"),
        (b"RIFF\x24\x08\x00\x00CDXA", "RIFF media"),
        (b"\x00\x00\x00\x18ftypmp42", "MP4 media"),
    ],
)
def test_short_signatures_name_binary_files(data: bytes, kind: str) -> None:
    """The download sniffer's short signatures (once its own table) name files with NULs."""
    assert binary_kind(data) == kind


@pytest.mark.parametrize(
    "data",
    [
        b"BMW and MZ are not file signatures here.",
        b"RIFF: a short phrase repeated in music.",
        "\ufeff中文 text with a BOM".encode("utf-16-le"),
        "中文 UTF-16 text".encode("utf-16"),
    ],
)
def test_text_that_looks_like_a_signature_is_text(data: bytes) -> None:
    assert binary_kind(data) is None


@pytest.mark.parametrize("data", [b"", b"plain ascii", b"\x1b[31mred\x1b[0m", b"a\tb\r\nc\x0c"])
def test_text_with_escapes_and_whitespace_is_not_binary(data: bytes) -> None:
    assert not looks_binary(data)
    decode(data)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096), st.one_of(st.none(), st.text(max_size=40)))
def test_decode_never_raises_but_importfailed(data: bytes, content_type: str | None) -> None:
    """Issue #6: arbitrary bytes decode to text or fail with the project's error, quickly."""
    try:
        (text, encoding), seconds = cpu_seconds(lambda: decode(data, content_type=content_type))
    except ImportFailed:
        return
    except TermreaderError:  # pragma: no cover - any project error would also be acceptable
        return
    assert isinstance(text, str) and encoding
    assert seconds < BLOWUP


def test_header_gb2312_but_utf8_bytes_reads_as_utf8() -> None:
    """gb18030 "decodes" UTF-8 bytes as mojibake without error; valid UTF-8 must still win."""
    from termreader.text.charset import decode

    text, encoding = decode(
        "中文标题：字符集声明错误".encode(), content_type="text/html; charset=gb2312"
    )
    assert (text, encoding) == ("中文标题：字符集声明错误", "utf-8")


def test_real_gb2312_bytes_still_read_as_gb18030() -> None:
    from termreader.text.charset import decode

    text, encoding = decode(
        "借呗逾期催收：上门通知".encode("gb2312"), content_type="text/html; charset=gb2312"
    )
    assert text == "借呗逾期催收：上门通知" and encoding == "gb18030"
