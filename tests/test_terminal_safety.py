"""End to end: hostile articles never reach the terminal as escape sequences (issue 6).

Every payload of :mod:`payloads` (OSC 0/1/2/8/52, CSI, DCS, APC, PM, SOS, 8-bit C1 forms, C0,
DEL, bidi overrides and isolates, terminated and not) goes into every field of a Markdown, a
plain-text and an HTML article: title, body, headings, link text, link URL, related titles and
URLs, source, tags. The articles are imported through the real importers and stored in a real
library; the files on disk are checked, then the real app shows them while a driver records
every byte it writes to the terminal, and those bytes are parsed sequence by sequence.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import select
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from helpers import HANG, wait_until_async
from payloads import MARKERS, PAYLOADS, UNTERMINATED, Payload, all_terminated, hostile
from textual.drivers.headless_driver import HeadlessDriver

from termreader.config import Settings
from termreader.errors import ImportFailed
from termreader.importers import import_bytes, import_path
from termreader.library.store import Library
from termreader.models import Article, Link, Related
from termreader.text.outline import sections_from_markdown
from termreader.text.sanitize import FORBIDDEN, is_clean

ALL = all_terminated()
LAST = UNTERMINATED[0].text  # swallows the rest of its field: always last


# --- hostile documents -------------------------------------------------------------------------
def _yaml_escape(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (YAML forbids raw controls, not escaped ones)."""
    out = []
    for ch in text:
        code = ord(ch)
        if ch in '"\\':
            out.append("\\" + ch)
        elif (
            code < 0x20
            or 0x7F <= code <= 0x9F
            or 0x2028 <= code <= 0x2029
            or 0x202A <= code <= 0x2069
        ):
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def markdown_document() -> str:
    """A Markdown article with every payload in front matter, headings, text, links, related."""
    front = "\n".join(
        [
            "---",
            f"title: {_yaml_escape(hostile('MdTitle'))}",
            f"source: {_yaml_escape(hostile('MdSource'))}",
            "date: 2026-03-01",
            f"tags: [{_yaml_escape(hostile('tag'))}, plain]",
            "related:",
            f"  - title: {_yaml_escape(hostile('MdRelated'))}",
            f"    url: {_yaml_escape('https://example.test/rel' + ALL + LAST)}",
            f"  - {_yaml_escape(hostile('MdRelatedBare'))}",
            "---",
            "",
        ]
    )
    body = [f"# Heading {ALL} {LAST}", ""]
    for payload in PAYLOADS:
        body += [
            f"## Section {payload.name} {payload.text}",
            "",
            f"Paragraph with {payload.name}: {payload.text} and after.",
            "",
        ]
    body += [
        f"A [link {ALL}](<https://example.test/a{ALL}>) and [another {LAST}](https://example.test/b).",
        "",
        f"> quoted {ALL}",
        "",
        f"- item {ALL}",
        "",
        "```",
        f"code {ALL}",
        "```",
        "",
        f"| head {ALL} | h2 |",
        "| --- | --- |",
        f"| cell {ALL} | c2 |",
        "",
        "## Related",
        "",
        f"- [Related one {ALL}](https://example.test/r1{ALL})",
        f"- Related two {ALL}",
    ]
    return front + "\n".join(body) + "\n"


def text_document() -> str:
    """A plain-text article in the seed's shape, every line carrying payloads."""
    lines = [f"Text title {ALL} {LAST}", "Published: 2026-03-02 10:00", ""]
    for number, payload in enumerate(PAYLOADS, 1):
        lines += [
            f"{number}. Part {payload.name} {payload.text}",
            "",
            f"Body of part {number}: {payload.text} and after.",
            "",
        ]
    lines += [
        f"【Lead {ALL}】 and more {ALL}",
        "",
        "相关内容",
        f"Related text one {ALL}",
        f"Related text one {ALL}",
        f"Related text two {LAST}",
        "To Top",
    ]
    return "\n".join(lines) + "\n"


def _html_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


def html_document() -> str:
    """An HTML page: payloads raw and as character references, in title, meta, text, links."""
    refs = "&#27;]0;PWNED-REF&#7; &#x9b;2J &#x9d;0;PWNED-REF2&#x9c; &#x202e;ref&#x202c; &#x1b;[2J"
    paragraphs = "\n".join(
        f"<p>Paragraph {p.name}: {_html_escape(p.text)} and after, with enough words to count as "
        f"content for the extractor, which wants real sentences in a real article body.</p>"
        for p in PAYLOADS
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>{_html_escape(hostile("HtmlTitle"))}</title>
<meta property="og:site_name" content="{_html_escape(hostile("HtmlSite"))}">
<meta property="og:title" content="{_html_escape(hostile("OgTitle"))}">
<meta name="author" content="{_html_escape(hostile("Author"))}">
</head><body>
<nav><a href="/">Home {_html_escape(ALL)}</a></nav>
<article>
<h1>{_html_escape(hostile("HtmlH1"))}</h1>
<p>Character references: {refs} in a sentence long enough to be kept by the extractor.</p>
<h2>Section {_html_escape(ALL)}</h2>
{paragraphs}
<p>A <a href="https://example.test/h{_html_escape(ALL)}">link {_html_escape(ALL)}</a> inside a
sentence, and a <a href="javascript:alert(1)&#27;]0;PWNED-JS&#7;">script link</a> too.</p>
</article>
<aside><h2>Related</h2><ul>
<li><a href="https://example.test/hr1{_html_escape(ALL)}">Html related {_html_escape(ALL)}</a></li>
<li><a href="/hr2">Html related two {_html_escape(LAST)}</a></li>
</ul></aside>
</body></html>
"""


@pytest.fixture
def hostile_files(tmp_path: Path) -> dict[str, Path]:
    """The three hostile documents written to disk."""
    folder = tmp_path / "docs"
    folder.mkdir()
    files = {
        "markdown": folder / "hostile.md",
        "text": folder / "hostile.txt",
        "html": folder / "hostile.html",
    }
    files["markdown"].write_text(markdown_document(), encoding="utf-8")
    files["text"].write_text(text_document(), encoding="utf-8")
    files["html"].write_text(html_document(), encoding="utf-8")
    return files


# --- checks -------------------------------------------------------------------------------------
def _strings(value: Any) -> Iterator[str]:
    """Every string (keys too) inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item)


def _assert_text_safe(text: str, where: str, *, markers: bool = True) -> None:
    bad = sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN})
    assert not bad, f"{where}: forbidden characters {bad} in {text[:120]!r}"
    for marker in MARKERS if markers else ():
        assert marker not in text, f"{where}: payload marker {marker!r} survived in {text[:120]!r}"


def _article_strings(article: Article) -> Iterator[tuple[str, str]]:
    data = article.to_dict()
    for key, value in data.items():
        for text in _strings(value):
            yield key, text


def _assert_article_safe(article: Article, *, markers: bool = True) -> None:
    for key, text in _article_strings(article):
        _assert_text_safe(text, f"{article.kind} article field {key}", markers=markers)
        assert is_clean(text)


def _assert_store_safe(home: Path, *, markers: bool = True) -> int:
    """Check every file of the library; returns how many were checked."""
    checked = 0
    for path in sorted(home.rglob("*")):
        if not path.is_file() or path.suffix == ".lock":
            continue
        if path.name.startswith("search.sqlite"):
            # The full-text index is a binary SQLite file (its -wal/-shm pages are read through
            # it): check the text it keeps, row by row, bodies decompressed.
            if path.name == "search.sqlite":
                _assert_search_index_safe(path, markers=markers)
                checked += 1
            continue
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
        # Raw bytes: no ESC, no C0 but \t \n \r, no DEL, and no UTF-8 encoded C1 or bidi char.
        for byte in raw:
            assert byte >= 0x20 or byte in b"\t\n\r", f"{path.name}: control byte {byte:#04x}"
            assert byte != 0x7F, f"{path.name}: DEL byte"
        text = raw.decode("utf-8")
        _assert_text_safe(text, path.name, markers=markers)
        # JSON-escaped forms (the store writes ASCII JSON): decode and check every string.
        if path.name.endswith((".json", ".json.gz")):
            for value in _strings(json.loads(text)):
                _assert_text_safe(value, path.name, markers=markers)
        elif path.name.endswith(".jsonl"):
            for line in text.splitlines():
                if line.strip():
                    for value in _strings(json.loads(line)):
                        _assert_text_safe(value, path.name, markers=markers)
        else:
            lowered = text.lower()
            for escaped in ("\\u001b", "\\u009b", "\\u009d", "\\u202e", "\\x1b"):
                assert escaped not in lowered, f"{path.name}: escaped control {escaped}"
        checked += 1
    return checked


def _assert_search_index_safe(path: Path, *, markers: bool) -> None:
    import sqlite3
    import zlib

    connection = sqlite3.connect(path)
    try:
        for table in ("meta", "docs"):
            for row in connection.execute(f"SELECT * FROM {table}"):  # noqa: S608 - fixed names
                for value in row:
                    if isinstance(value, bytes):
                        value = zlib.decompress(value).decode("utf-8")
                    if isinstance(value, str):
                        assert not any(
                            (ord(c) < 0x20 and c not in "\t\n\r") or ord(c) == 0x7F for c in value
                        ), f"{path.name}: control character in {table}"
                        _assert_text_safe(value, path.name, markers=markers)
    finally:
        connection.close()


# The escape sequences a terminal can receive from the app, tokenised like a terminal does.
_TOKEN = re.compile(
    r"""
    (?P<csi>\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e])
  | (?P<osc>\x1b\](?P<osc_body>[^\x07\x1b]*)(?:\x07|\x1b\\))
  | (?P<string>\x1b[PX^_][^\x1b]*(?:\x1b\\)?)
  | (?P<esc>\x1b[\x20-\x2f]*[\x30-\x7e]?)
    """,
    re.VERBOSE | re.DOTALL,
)
_DRAWING = re.compile(r"^\x1b\[[0-9;]*[mHABCDGdfK]$")
# SGR sequences of the payloads that Textual never writes (it has no blinking red bold style).
_FOREIGN_SGR = ("\x1b[31;1;5m",)
# OSCs Textual itself emits: 22 (pointer shape), 8 (hyperlinks of styled text).
_OWN_OSC = re.compile(r"^(?:22;[a-z-]+|8;[^;\x00-\x1f]*;[^\x00-\x1f]*)$")


def assert_terminal_safe(
    output: str, *, baseline_csi: set[str] | None = None, markers: bool = True
) -> dict[str, int]:
    """Parse terminal output; fail on anything that is not the app's own kind of sequence.

    With ``markers``, the payload markers must not show up even as plain text (they must have
    gone with their sequence). Returns counts of the sequences seen.
    """
    counts = {"csi": 0, "osc": 0}
    rest: list[str] = []
    position = 0
    for match in _TOKEN.finditer(output):
        rest.append(output[position : match.start()])
        position = match.end()
        token = match.group(0)
        around = output[max(0, match.start() - 60) : match.end() + 40]
        if match.group("osc") is not None:
            body = match.group("osc_body")
            assert _OWN_OSC.match(body), f"foreign OSC in the output: {around!r}"
            for marker in MARKERS:
                assert marker not in body, f"payload {marker} inside an OSC: {token[:80]!r}"
            counts["osc"] += 1
        elif match.group("string") is not None:
            raise AssertionError(f"DCS/SOS/PM/APC string in the output: {around!r}")
        elif match.group("esc") is not None:
            # Textual sends none (neither its compositor nor the Linux driver).
            raise AssertionError(f"foreign escape {token!r} in the output: {around!r}")
        else:
            # SGR, cursor moves and erase-in-line (no intermediate bytes) draw the screen;
            # anything else (a clear, a mode switch, a title report) is only fine when the
            # benign run made it too, that is when the driver itself sends it.
            if not _DRAWING.match(token):
                assert baseline_csi is not None and token in baseline_csi, (
                    f"unexpected CSI {token!r} in the output: {around!r}"
                )
            counts["csi"] += 1
    rest.append(output[position:])
    for sgr in _FOREIGN_SGR:
        assert sgr not in output, f"content SGR {sgr!r} reached the terminal"
    text = "".join(rest)
    # Outside sequences: printable text only (BEL is the app's own bell; \r \n \b cursor moves).
    stray = sorted({f"U+{ord(ch):04X}" for ch in text if ch in FORBIDDEN and ch not in "\x07\r"})
    assert not stray, f"stray controls in the terminal output: {stray}"
    for marker in MARKERS if markers else ():
        assert marker not in text, f"payload marker {marker!r} reached the screen as text"
    if "\x1b[2J" in output:  # a screen clear only when the app itself makes one
        assert baseline_csi is not None and "\x1b[2J" in baseline_csi, "content cleared the screen"
    return counts


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: p.name)
def test_the_output_checker_catches_every_payload(payload: Payload) -> None:
    """The checker above can fail: each raw payload in a frame of app output is caught."""
    frame = "\x1b[1;1H\x1b[97;40m plain text " + payload.text + " more\x1b[0m"
    with pytest.raises(AssertionError):
        assert_terminal_safe(frame)


# --- import and store ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["markdown", "text", "html"])
def test_imported_article_holds_no_payload(hostile_files: dict[str, Path], kind: str) -> None:
    """Issue 6: every text field of an imported hostile article is clean."""
    article = import_path(hostile_files[kind])
    assert article.kind == kind
    # HTML: lxml drops ESC/C1 characters before the sanitizer sees the page, so a payload's
    # printable tail ("]0;PWNED") stays as harmless text; see test_html_sequences_go_whole.
    _assert_article_safe(article, markers=kind != "html")
    # The honest parts survived: the sanitizer cut the payloads, not the article.
    assert len(article.body) > 1000
    assert article.title and article.title != "Untitled"
    if kind != "html":
        assert len(article.sections) >= len(PAYLOADS) // 2
    assert article.related, "the related list was lost"


@pytest.mark.parametrize(
    ("kind", "content_type", "filename"),
    [
        ("markdown", "text/markdown", "a.md"),
        ("text", "text/plain", "a.txt"),
        ("html", "text/html; charset=utf-8", "a.html"),
    ],
)
def test_import_bytes_from_the_network_is_clean(
    hostile_files: dict[str, Path], kind: str, content_type: str, filename: str
) -> None:
    """The fetch path (bytes + Content-Type + a hostile URL) sanitizes the same way."""
    data = hostile_files[kind].read_bytes()
    url = "https://example.test/page" + "\x1b]0;PWNED-URL\x07"
    article = import_bytes(data, url=url, content_type=content_type, source=hostile("Feed"))
    _assert_article_safe(article, markers=kind != "html")


@pytest.mark.parametrize("kinds", [("markdown", "text"), ("markdown", "text", "html")])
def test_stored_library_holds_no_payload(
    hostile_files: dict[str, Path], tmp_path: Path, kinds: tuple[str, ...]
) -> None:
    """Issue 6: library.json, the journal and articles/*.json.gz carry none of the payloads."""
    home = tmp_path / "lib"
    library = Library.open(home)
    added = [library.add(import_path(hostile_files[kind])) for kind in kinds]
    for article in added:
        library.set_position(article.id, article.position)
    library.compact()
    library.close()
    markers = "html" not in kinds
    checked = _assert_store_safe(home, markers=markers)
    assert checked >= 1 + len(added)  # the index and every body file at least
    reopened = Library.open(home)
    for article in added:
        _assert_article_safe(reopened.get(article.id), markers=markers)


def test_html_sequences_go_whole(hostile_files: dict[str, Path]) -> None:
    """Cosmetic, not a safety issue (no control survives): the payload text should go too."""
    _assert_article_safe(import_path(hostile_files["html"]))


def test_hostile_file_name_is_reported_clean(tmp_path: Path) -> None:
    """Issue 6: an ImportFailed naming a file whose name holds ESC sequences is one clean line."""
    bad = tmp_path / "evil\x1b]0;PWNED-FILE\x07\u202eexe.md"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    with pytest.raises(ImportFailed) as caught:
        import_path(bad)
    message = str(caught.value)
    _assert_text_safe(message, "ImportFailed message")
    assert "evil" in message and "\n" not in message


def test_file_name_payload_is_not_stored(tmp_path: Path) -> None:
    """Issue 6: a readable file with a hostile name: its stored path (url, source) is clean."""
    folder = tmp_path / "dir\x1b]2;PWNED-DIR\x07"
    folder.mkdir()
    path = folder / "note\x1b]0;PWNED-FILE\x07.md"
    path.write_text("# Hello\n\nA perfectly normal note.\n", encoding="utf-8")
    article = import_path(path)
    _assert_article_safe(article)


# --- the app's terminal output -----------------------------------------------------------------
_OUTPUT: list[str] = []


class CaptureDriver(HeadlessDriver):
    """A headless driver that is not "headless": the app renders, and every write is kept."""

    @property
    def is_headless(self) -> bool:
        return False

    def write(self, data: str) -> None:
        _OUTPUT.append(data)


def _raw_article() -> Article:
    """An unsanitized article, as an old cache or a foreign tool could have stored it."""
    body = f"# Raw heading {ALL}\n\nRaw body {ALL}\n\n[raw link {ALL}](https://example.test/x)\n"
    for payload in PAYLOADS:
        body += f"\n## Raw {payload.name} {payload.text}\n\nText {payload.text}\n"
    return Article(
        id="raw0000000000001",
        title=hostile("RawTitle"),
        url="https://example.test/raw" + ALL,
        source=hostile("RawSource"),
        body=body,
        sections=sections_from_markdown(body),
        links=[Link(title=hostile("RawLink"), url="https://example.test/l" + ALL)],
        related=[Related(title=hostile("RawRelated"), url=None, count=2)],
        tags=[hostile("rawtag")],
    )


def _showing(app: Any, article_id: str) -> bool:
    """True once the main screen shows ``article_id`` (its document built)."""
    screen = app.main_screen
    return (
        screen is not None
        and screen.article is not None
        and screen.article.id == article_id
        and screen.reader.document is not None
    )


def _captured() -> str:
    return "".join(_OUTPUT)


async def _drive(app: Any, ids: list[str]) -> str:
    """Open each article and visit every pane that shows article text; return the output."""
    from termreader.ui.commands import read
    from termreader.ui.main_screen import MainScreen

    _OUTPUT.clear()
    app.driver_class = CaptureDriver
    async with app.run_test(headless=False, size=(100, 32), notifications=True) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        for article_id in ids:
            read(app.main_screen, article_id)  # as from the command palette
            await wait_until_async(pilot, partial(_showing, app, article_id))
            await pilot.pause()
            for key in ("f", "t", "L", "G", "g"):  # link numbers, outline, library pane, scroll
                await pilot.press(key)
                await pilot.pause()
            await pilot.press("r")  # the related list
            await pilot.pause()
            await pilot.press("escape")
            await pilot.pause()
            for key in ("f", "t", "L"):
                await pilot.press(key)
        await pilot.press("slash")
        await pilot.press(*"PWNED")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.main_screen, MainScreen)
    return "".join(_OUTPUT)


def _settings() -> Settings:
    return Settings()


@pytest.mark.slow
async def test_app_output_carries_no_payload(
    hostile_files: dict[str, Path], tmp_path: Path
) -> None:
    """Issue 6: the real app showing the three hostile imports writes only its own sequences."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    ids = [library.add(import_path(path)).id for path in hostile_files.values()]
    app = TermreaderApp(library, settings=_settings())
    output = await _drive(app, ids)
    counts = assert_terminal_safe(output, markers=False)  # HTML leaves payload tails as text
    assert counts["csi"] > 100, "the capture saw no real frames"
    assert "Paragraph" in output or "Body" in output  # the articles were really drawn


@pytest.mark.slow
async def test_app_cleans_unsanitized_records_at_render(tmp_path: Path) -> None:
    """Issue 6, defence in depth: a record stored raw (an old cache) is cleaned when shown,
    in the header, library list, outline, link numbers and related list as well as the body."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    raw = _raw_article()
    library.add(raw)
    assert "\x1b" in library.get(raw.id).title  # the store kept it raw: the app is on its own
    app = TermreaderApp(library, settings=_settings())
    output = await _drive(app, [raw.id])
    assert_terminal_safe(output)
    assert "Raw body" in output


async def test_import_error_notification_is_clean(tmp_path: Path) -> None:
    """Issue 6: an import error naming a hostile file, shown as a notification, is clean."""
    from termreader.ui.app import TermreaderApp

    bad = tmp_path / "evil\x1b]0;PWNED-FILE\x07\u202eexe.md"
    bad.write_bytes(b"\x7fELF" + bytes(100))
    library = Library.open(tmp_path / "lib")
    library.add(import_path(_write(tmp_path / "ok.md", "# Fine\n\nText.\n")))
    app = TermreaderApp(library, open_ref=str(bad), settings=_settings())
    _OUTPUT.clear()
    app.driver_class = CaptureDriver
    async with app.run_test(headless=False, size=(100, 32), notifications=True) as pilot:
        await wait_until_async(pilot, lambda: any("evil" in n.message for n in app._notifications))
        await pilot.pause()
        shown = [n.message for n in app._notifications]
        assert any("evil" in message for message in shown), shown
    for message in shown:
        _assert_text_safe(message, "notification")
    assert_terminal_safe("".join(_OUTPUT))


async def test_every_notification_is_cleaned(tmp_path: Path) -> None:
    """Issue 6, defence in depth: whatever string reaches notify() is shown clean."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    library.add(import_path(_write(tmp_path / "ok.md", "# Fine\n\nText.\n")))
    app = TermreaderApp(library, settings=_settings())
    _OUTPUT.clear()
    app.driver_class = CaptureDriver
    async with app.run_test(headless=False, size=(100, 32), notifications=True) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        app.notify("Could not open \x1b]0;PWNED-NOTE\x07 \x9b2J \u202etxt", severity="error")
        await wait_until_async(pilot, lambda: "Could not open" in _captured())
    assert_terminal_safe("".join(_OUTPUT))


@pytest.mark.slow
async def test_notification_text_is_not_markup(tmp_path: Path) -> None:
    """Issue 6: text in notifications is shown literally: no crash on "[/]", no injected
    "[@click=...]" action, no "[draft]" silently dropped from a file name."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    library.add(import_path(_write(tmp_path / "ok.md", "# Fine\n\nText.\n")))
    app = TermreaderApp(library, settings=_settings())
    _OUTPUT.clear()
    app.driver_class = CaptureDriver
    messages = ["a [@click=app.quit]b[/] c", "notes [draft].md", "https://x.test/[/]a"]
    async with app.run_test(headless=False, size=(120, 32), notifications=True) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        for message in messages:
            app.notify(message, timeout=30)

            def shown(text: str = message) -> bool:
                return text in _captured() or not app.is_running

            await wait_until_async(pilot, shown)
        assert app.is_running, "a notification crashed the app"
    output = "".join(_OUTPUT)
    for message in messages:
        assert message in output, f"{message!r} was not shown literally"


async def test_command_palette_shows_titles_literally(tmp_path: Path) -> None:
    """Issue 6: an article titled "[/]" or "[@click=app.quit]" is listed in the command
    palette as the text it is."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    title = "Tmark [/] y [@click=app.quit]z"
    library.add(
        Article(id="mark000000000001", title=title, source="src [/] x", body="# H\n\nbody\n")
    )
    app = TermreaderApp(library, settings=_settings())
    _OUTPUT.clear()
    app.driver_class = CaptureDriver
    async with app.run_test(headless=False, size=(120, 32)) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        from textual.command import CommandPalette

        await pilot.press("ctrl+p")
        await wait_until_async(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"Tmark")
        # The palette searches in the background; its list shows the title once found.
        await wait_until_async(
            pilot, lambda: "y [@click=app.quit]z" in _captured() or not app.is_running
        )
        assert app.is_running
    output = "".join(_OUTPUT)
    assert title.replace("Tmark", "") in output and "src [/] x" in output


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


async def test_reader_strips_controls_from_rendered_lines(tmp_path: Path) -> None:
    """Issue 6, defence in depth: ReaderView's Strips hold no control even for a raw body."""
    from termreader.ui.app import TermreaderApp

    library = Library.open(tmp_path / "lib")
    raw = _raw_article()
    library.add(raw)
    app = TermreaderApp(library, settings=_settings())
    async with app.run_test(size=(100, 40)) as pilot:
        await wait_until_async(pilot, lambda: app.main_screen is not None)
        screen = app.main_screen
        assert screen is not None
        screen.reader.show_article(raw)
        reader = screen.reader
        await wait_until_async(
            pilot, lambda: reader.document is not None and reader.document.complete
        )
        await pilot.pause()
        seen = 0
        for page in range(6):
            reader.scroll_to(y=page * reader.size.height, animate=False)
            await pilot.pause()
            for y in range(reader.size.height):
                text = "".join(segment.text for segment in reader.render_line(y))
                _assert_text_safe(text, f"rendered line {y}")
                seen += len(text.strip())
        assert seen > 500


def test_document_builder_cleans_a_raw_body() -> None:
    """The core renderer (no Textual) cleans a raw body again before building blocks."""
    from termreader.render.parser import parse

    document = parse(_raw_article().body)
    texts = [block.text for block in document.blocks]
    assert texts
    for text in texts:
        _assert_text_safe(text, "document block")
    for link in document.links:
        _assert_text_safe(link.title, "document link title")
        _assert_text_safe(link.url, "document link url")


# --- the real terminal: a pty running `termreader open ID` ------------------------------------
def _run_in_pty(argv: list[str], env: dict[str, str], until: bytes, limit: float = HANG) -> bytes:
    """Run ``argv`` in a pseudo-terminal; once ``until`` was drawn (or ``limit`` passed), let it
    settle, press ``q`` and collect every byte until the program exits (both waits end as soon
    as the program gets there; ``limit`` only bounds a hang)."""
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # child
        try:
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    output = bytearray()
    deadline = time.monotonic() + limit
    quit_at: float | None = None
    try:
        while time.monotonic() < deadline:
            if quit_at is None and until in output:
                quit_at = time.monotonic() + 1.0  # let the rest of the screen arrive
            if quit_at is not None and time.monotonic() >= quit_at:
                os.write(fd, b"q")
                quit_at = float("inf")
                deadline = time.monotonic() + HANG
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 65536)
                except OSError:  # EIO: the child exited and the pty closed
                    break
                if not chunk:
                    break
                output += chunk
    finally:
        try:
            os.kill(pid, 9)
        except ProcessLookupError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)
    return bytes(output)


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_real_terminal_output_in_a_pty(hostile_files: dict[str, Path], tmp_path: Path) -> None:
    """Issue 6: `termreader open ID` on a hostile article, in a real pty: the bytes the
    terminal receives hold only the app's own sequences (compared with a benign article), and
    the app exits cleanly on `q`."""
    home = tmp_path / "lib"
    library = Library.open(home)
    hostile_id = library.add(import_path(hostile_files["markdown"])).id
    benign = _write(tmp_path / "benign.md", "---\ntitle: Benign\n---\n# Benign\n\nJust text.\n")
    benign_id = library.add(import_path(benign)).id
    library.close()
    env = dict(
        os.environ,
        TERM="xterm-256color",
        COLUMNS="100",
        LINES="30",
        TERMREADER_HOME=str(home),
        TEXTUAL_ANIMATIONS="none",
    )
    exe = [sys.executable, "-m", "termreader", "--library", str(home), "open"]
    baseline = _run_in_pty([*exe, benign_id], env, b"Just text").decode("utf-8", "replace")
    output_bytes = _run_in_pty([*exe, hostile_id], env, b"Paragraph")
    # 8-bit C1 bytes can only appear inside UTF-8 sequences, never as raw bytes.
    output = output_bytes.decode("utf-8")  # raises on a raw 0x9b / 0x9d
    assert "Benign" in baseline
    assert "Paragraph" in output, "the hostile article was not drawn"
    assert "\x1b[?1049l" in output, "the app did not leave the alternate screen on q"
    baseline_csi = set(re.findall(r"\x1b\[[\x30-\x3f]*[\x20-\x2f]*[\x40-\x7e]", baseline))
    assert_terminal_safe(output, baseline_csi=baseline_csi)
