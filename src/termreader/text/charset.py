"""Decode documents like a browser: BOM, HTTP charset, in-document declaration, then detection."""

from __future__ import annotations

import codecs
import logging
import re

from termreader.errors import ImportFailed

log = logging.getLogger(__name__)

#: How far into a document declarations are looked for. WHATWG says 1024 bytes; real pages put
#: long scripts and comments before their ``<meta>``, so a little more finds more of them.
PRESCAN_BYTES = 4096

#: How much of an undeclared document the detector looks at (detection is slow on big inputs).
DETECT_BYTES = 64 * 1024

# WHATWG Encoding Standard labels whose Python meaning differs, or that Python does not know.
# The browser behaviour is the reference: a page that says "iso-8859-1" is decoded as
# windows-1252 everywhere, and "gb2312" pages routinely hold GBK/GB18030 characters.
_WHATWG: dict[str, str] = {}


def _alias(target: str, *labels: str) -> None:
    for label in labels:
        _WHATWG[label] = target


_alias(
    "utf-8",
    "utf-8",
    "utf8",
    "unicode-1-1-utf-8",
    "unicode11utf8",
    "unicode20utf8",
    "x-unicode20utf8",
)
_alias(
    "cp1252",
    "windows-1252",
    "x-cp1252",
    "cp1252",
    "iso-8859-1",
    "iso8859-1",
    "iso88591",
    "iso_8859-1",
    "iso_8859-1:1987",
    "iso-ir-100",
    "l1",
    "latin1",
    "latin-1",
    "ibm819",
    "cp819",
    "csisolatin1",
    "ascii",
    "us-ascii",
    "ansi_x3.4-1968",
    "iso646-us",
    "csascii",
)
_alias(
    "gb18030",
    "gb2312",
    "gb_2312",
    "gb_2312-80",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "chinese",
    "csgb2312",
    "iso-ir-58",
    "csiso58gb231280",
    "gb18030",
    "euc-cn",
    "euccn",
)
_alias("big5hkscs", "big5", "big5-hkscs", "cn-big5", "csbig5", "x-x-big5")
_alias(
    "cp932",
    "shift_jis",
    "shift-jis",
    "sjis",
    "x-sjis",
    "ms932",
    "ms_kanji",
    "windows-31j",
    "csshiftjis",
    "csWindows31J".lower(),
)
_alias("euc_jp", "euc-jp", "cseucpkdfmtjapanese", "x-euc-jp")
_alias("iso2022_jp", "iso-2022-jp", "csiso2022jp")
_alias(
    "cp949",
    "euc-kr",
    "euckr",
    "cseuckr",
    "ks_c_5601-1987",
    "ks_c_5601-1989",
    "ksc5601",
    "ksc_5601",
    "iso-ir-149",
    "korean",
    "windows-949",
    "cp949",
    "csksc56011987",
)
_alias("cp1254", "windows-1254", "iso-8859-9", "iso8859-9", "latin5", "l5", "iso_8859-9")
_alias("cp874", "windows-874", "tis-620", "iso-8859-11", "iso8859-11", "dos-874")
_alias("cp866", "ibm866", "866", "cp866", "csibm866")
_alias("mac_roman", "macintosh", "mac", "x-mac-roman", "csmacintosh")
_alias("mac_cyrillic", "x-mac-cyrillic", "x-mac-ukrainian")
_alias("koi8_r", "koi8-r", "koi8", "koi", "cskoi8r", "koi8_r")
_alias("koi8_u", "koi8-u", "koi8-ru")
_alias("utf-16-le", "utf-16le", "utf-16", "ucs-2", "unicode", "csunicode", "iso-10646-ucs-2")
_alias("utf-16-be", "utf-16be", "unicodefffe")
for _n in (1250, 1251, 1253, 1255, 1256, 1257, 1258):
    _alias(f"cp{_n}", f"windows-{_n}", f"x-cp{_n}", f"cp{_n}")
for _n, _py in (
    (2, "iso8859_2"),
    (3, "iso8859_3"),
    (4, "iso8859_4"),
    (5, "iso8859_5"),
    (6, "iso8859_6"),
    (7, "iso8859_7"),
    (8, "iso8859_8"),
    (10, "iso8859_10"),
    (13, "iso8859_13"),
    (14, "iso8859_14"),
    (15, "iso8859_15"),
    (16, "iso8859_16"),
):
    _alias(_py, f"iso-8859-{_n}", f"iso8859-{_n}", f"iso_8859-{_n}", f"iso8859{_n}")

# Labels a browser refuses to decode with (they allow script injection); treated as undeclared.
_REPLACEMENT = frozenset(
    {
        "iso-2022-kr",
        "csiso2022kr",
        "iso-2022-cn",
        "iso-2022-cn-ext",
        "hz-gb-2312",
        "utf-7",
        "utf7",
        "x-user-defined",
    }
)

# Declarations are ASCII, so the prescan works on bytes, case-insensitively.
_XML_DECL = re.compile(
    rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE
)
_META_CHARSET = re.compile(
    rb"""<meta\s[^>]{0,500}?charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE
)
_HTML_COMMENT = re.compile(rb"<!--.*?(?:-->|$)", re.DOTALL)
_CT_CHARSET = re.compile(r"""charset\s*=\s*["']?\s*([A-Za-z0-9._:\-]{1,40})""", re.IGNORECASE)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_BOM_PREFIXES = tuple(bom for bom, _ in _BOMS)

# Magic numbers of formats people are likely to hand a reader by mistake.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"%PDF-", "PDF document"),
    (b"PK\x03\x04", "ZIP archive"),
    (b"PK\x05\x06", "ZIP archive"),
    (b"\x1f\x8b", "gzip archive"),
    (b"BZh", "bzip2 archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\x28\xb5\x2f\xfd", "zstd archive"),
    (b"\x7fELF", "ELF executable"),
    (b"\xcf\xfa\xed\xfe", "Mach-O executable"),
    (b"\xca\xfe\xba\xbe", "Java class or Mach-O file"),
    (b"\x00asm", "WebAssembly module"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg media"),
    (b"ID3", "MP3 audio"),
    (b"fLaC", "FLAC audio"),
    (b"wOFF", "WOFF font"),
    (b"wOF2", "WOFF2 font"),
    (b"8BPS", "Photoshop image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"\x00\x00\x01\x00", "icon image"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "Microsoft Office document"),
)
# Signatures too short to trust alone (a text may start "BMW" or "MZ"): they name the kind only
# when the head also holds a NUL, which such files always have early and text never does.
_WEAK_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"BM", "BMP image"),
    (b"MZ", "Windows executable"),
    (b"RIFF", "RIFF media"),
)


def normalize_label(label: str | None) -> str | None:
    """Map a charset label to the Python codec a browser would effectively use.

    Returns None for unknown labels and for those the WHATWG standard refuses (``utf-7``,
    ``iso-2022-kr``...), so the caller falls back to detection.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if not key or key in _REPLACEMENT:
        return None
    if key in _WHATWG:
        return _WHATWG[key]
    try:
        name = codecs.lookup(key).name
    except (LookupError, ValueError):
        return None
    # Python knows many codecs that are not text encodings a page can declare.
    if name in {
        "rot-13",
        "base64",
        "hex",
        "zlib",
        "bz2",
        "uu",
        "quopri",
        "idna",
        "punycode",
        "utf-7",
        "mbcs",
        "oem",
        "raw-unicode-escape",
        "unicode-escape",
    }:
        return None
    return name


def binary_kind(data: bytes) -> str | None:
    """Describe ``data`` when it is clearly not text ("PNG image", "binary data"), else None.

    The one sniffer for files and downloads alike: a byte-order mark means text (UTF-16 holds
    NULs), then magic numbers, then NULs or many control bytes in the first 1,024 bytes.
    """
    head = data[:1024]
    if head.startswith(_BOM_PREFIXES):
        return None  # decode() honours the mark first, so BOM'd input is text everywhere
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] in (b"WEBP", b"WAVE", b"AVI "):
        return {b"WEBP": "WebP image", b"WAVE": "WAV audio", b"AVI ": "AVI video"}[head[8:12]]
    if head[4:8] == b"ftyp":
        return "MP4 media"
    if len(data) > 262 and data[257:262] == b"ustar":
        return "tar archive"
    if not head or _utf16_without_bom(head):
        return None
    if b"\x00" in head:
        for magic, name in _WEAK_MAGIC:
            if head.startswith(magic):
                return name
        return "binary data"
    # ESC is common in text pasted from terminals (the sanitizer strips it); other controls in
    # numbers only show up in binary formats.
    controls = sum(1 for b in head if b < 0x20 and b not in b"\t\n\r\x0c\x1b")
    if controls > max(4, len(head) // 20):
        return "binary data"
    return None


def looks_binary(data: bytes) -> bool:
    """True when ``data`` is clearly not text (magic number, NUL bytes, many controls)."""
    return binary_kind(data) is not None


def _utf16_without_bom(head: bytes) -> str | None:
    """Guess UTF-16 without a BOM from ASCII-range text: every other byte is NUL."""
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= len(odd) * 0.9 and even.count(0) <= len(even) * 0.1:
        return "utf-16-le"
    if even.count(0) >= len(even) * 0.9 and odd.count(0) <= len(odd) * 0.1:
        return "utf-16-be"
    return None


def declared_charset(data: bytes) -> str | None:
    """The label declared inside the document (XML declaration or ``<meta>``), if any."""
    head = data[:PRESCAN_BYTES]
    match = _XML_DECL.match(head)
    if match:
        return match.group(1).decode("ascii", "replace")
    if b"<" not in head:
        return None
    # A commented-out <meta> (old templates keep them) is not a declaration.
    if b"<!--" in head:
        head = _HTML_COMMENT.sub(b"", head)
    match = _META_CHARSET.search(head)
    if match:
        return match.group(1).decode("ascii", "replace")
    return None


def content_type_charset(content_type: str | None) -> str | None:
    """The ``charset`` parameter of an HTTP Content-Type value, if any."""
    if not content_type:
        return None
    match = _CT_CHARSET.search(content_type)
    return match.group(1) if match else None


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def _with_declared(data: bytes, encoding: str) -> tuple[str, str]:
    # Declared wrong: the common case is a UTF-8 page whose template still says gb2312. Non-ASCII
    # text in a legacy charset is almost never valid UTF-8 by accident, while gb18030 (like most
    # multi-byte charsets) "decodes" UTF-8 bytes into mojibake without an error: so valid UTF-8
    # with non-ASCII bytes wins over any other declaration.
    if encoding != "utf-8" and not data.isascii():
        text = _strict(data, "utf-8")
        if text is not None:
            return text, "utf-8"
    text = _strict(data, encoding)
    if text is not None:
        return text, encoding
    # A few stray bytes in an otherwise right declaration: do what a browser does.
    return data.decode(encoding, "replace"), encoding


def _detect(data: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    sample = data[:DETECT_BYTES]
    if len(data) > DETECT_BYTES:
        # End the sample on an ASCII byte so no multi-byte character is cut in half.
        cut = max(sample.rfind(b"\n"), sample.rfind(b" "), sample.rfind(b">"))
        if cut > DETECT_BYTES // 2:
            sample = sample[: cut + 1]
    try:
        best = from_bytes(sample).best()
    except Exception:  # noqa: BLE001 - detection is a guess; a failing guess is no guess
        log.debug("charset detection failed", exc_info=True)
        return None
    if best is None or not best.encoding:
        return None
    return normalize_label(best.encoding) or None


def decode(
    data: bytes, *, content_type: str | None = None, sniff_markup: bool = True
) -> tuple[str, str]:
    """Decode ``data`` the way a browser would and return ``(text, encoding used)``.

    Order: byte-order mark; ``charset`` of the HTTP ``content_type``; XML declaration or
    ``<meta charset>``/``<meta http-equiv>`` in the first :data:`PRESCAN_BYTES` (only when
    ``sniff_markup``); strict UTF-8; detection (charset-normalizer); windows-1252. Labels are
    mapped the WHATWG way (gb2312/gbk → gb18030, iso-8859-1/ascii → windows-1252). When the
    declared charset fails and UTF-8 decodes cleanly, UTF-8 wins. Undecodable bytes become
    U+FFFD; nothing but clearly binary input fails.

    Raises:
        ImportFailed: ``data`` is binary (a known magic number, NUL bytes, many controls).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, "replace"), encoding
    kind = binary_kind(data)
    if kind is not None:
        raise ImportFailed(f"binary file ({kind}), not an article")
    utf16 = _utf16_without_bom(data[:1024])
    if utf16:
        return data.decode(utf16, "replace"), utf16

    declared = normalize_label(content_type_charset(content_type))
    if declared is None and sniff_markup:
        declared = normalize_label(declared_charset(data))
        # A document cannot declare itself UTF-16 in ASCII bytes: browsers read it as UTF-8.
        if declared in ("utf-16-le", "utf-16-be"):
            declared = "utf-8"
    if declared:
        return _with_declared(data, declared)

    text = _strict(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    detected = _detect(data)
    if detected and detected != "utf-8":
        return data.decode(detected, "replace"), detected
    if detected == "utf-8":
        return data.decode("utf-8", "replace"), "utf-8"
    return data.decode("cp1252", "replace"), "cp1252"
