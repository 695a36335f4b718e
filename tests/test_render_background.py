"""Parsing an article's remaining chunks in a child process gives the in-process result (issue 5)."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from termreader.render import background
from termreader.render.background import (
    ChildParseError,
    ChildParser,
    iter_rest,
    parse_rest,
)
from termreader.render.model import Document
from termreader.render.parser import Builder, parse

FIXTURES = Path(__file__).parent / "fixtures" / "markdown"
WAIT = 20.0
"""Seconds a test waits for any one frame (a slow CI machine); no test may hang longer."""


def _in_process(body: str, chunk_size: int = background.CHUNK_SIZE) -> Document:
    builder = Builder(body, chunk_size=chunk_size)
    document = builder.first()
    builder.rest(document)
    return document


def _through_child(body: str, chunk_size: int = background.CHUNK_SIZE) -> tuple[Document, int]:
    """The document as the reader builds it: first chunk here, the rest from a child."""
    builder = Builder(body, chunk_size=chunk_size)
    with ChildParser(body, skip=1, chunk_size=chunk_size, timeout=WAIT) as child:
        document = builder.first()
        chunks = 0
        for blocks, links, done in child:
            document.extend(blocks, links, complete=done)
            chunks += 1
        assert child.complete and child.error is None
    return document, chunks


def _same(got: Document, want: Document) -> None:
    assert [b.to_list() for b in got.blocks] == [b.to_list() for b in want.blocks]
    assert got.links == want.links
    assert got.anchors == want.anchors
    assert got.sections == want.sections
    assert got.complete and want.complete


def _gone(pid: int) -> bool:
    """True when ``pid`` is neither running nor a zombie (reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def generated(sections: int = 290) -> str:
    """About 300 KB of Markdown whose chunks depend on each other.

    Repeated heading titles (anchors ``-1``, ``-2``... numbered across chunks), inline links
    (numbered across chunks), reference links whose definitions come chunks later, footnotes
    referenced early and defined at the end, tables, code, lists, CJK paragraphs.
    """
    parts = [
        "# 測試文書 Generated document",
        "Intro paragraph with a [first link](https://a.example/0).",
    ]
    for n in range(sections):
        title = "重复的标题 Repeated" if n % 5 == 0 else f"Section {n} 第{n}节"
        parts.append(f"{'#' * (2 + n % 3)} {title}")
        latin = " ".join(f"word{(n * 7 + i) % 97}" for i in range(60))
        cjk = "这是一个用于测试的段落，包含中文标点。" * 8
        parts.append(
            f"{latin} see [inline {n}](https://example.org/{n}) and [ref {n}][r{n}] "
            f"and a note[^f{n % 40}]. {cjk}"
        )
        if n % 7 == 3:
            parts.append(
                f"| 名称 | value {n} |\n|:--|--:|\n| [cell](https://t.example/{n}) | {n} |"
            )
        if n % 11 == 5:
            parts.append(f"```python\nprint({n})  # 注释\n```")
        if n % 13 == 6:
            parts.append(f"- item one {n}\n- item two [x](https://l.example/{n})\n  - nested")
    parts.extend(f'[r{n}]: https://ref.example/{n} "Ref {n}"' for n in range(sections))
    parts.extend(f"[^f{n}]: Footnote {n} with [a link](https://fn.example/{n})." for n in range(40))
    return "\n\n".join(parts) + "\n"


HOSTILE = (
    "# Title \x1b[31mred\x1b[0m \u202eevil\u202c and \x00nul\n\n"
    "Text with \x1b]8;;https://x.example\x07osc link\x1b]8;;\x07, \x9b31mC1, \r\ncarriage.\n\n"
    "Lone \ud800 high, \udfff low, \ud83d\ude00 split pair, and a [link\x1b[2J](https://e.example/\u202e\ud800).\n\n"
    "## Heading \ud800 with surrogate\n\n"
    "```\ncode \x1b[1m\x00 \ud800\n```\n\n"
    "| a\x1b[5m | b \u202e |\n|---|---|\n| \ud800 | [t](https://t.example/\x00) |\n\n"
    "See [ref][\u202eref] and note[^n\x1b].\n\n"
)


def hostile_body() -> str:
    body = "\n".join(f"{HOSTILE}Paragraph {n} \u202e\x1b[0m.\n" for n in range(60))
    return body + '\n[\u202eref]: https://r.example/\ud800 "t\x1b[1m"\n\n[^n\x1b]: note\n'


# --- same result as in-process --------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.md")))
def test_fixture_parsed_in_child_equals_in_process_parse(name: str) -> None:
    body = (FIXTURES / name).read_text(encoding="utf-8")
    size = len(body) // 6  # several chunks, whatever the fixture's size
    got, chunks = _through_child(body, size)
    assert chunks >= 2
    _same(got, _in_process(body, size))


def test_generated_document_spanning_chunks_equals_one_process_parse() -> None:
    body = generated()
    assert len(body.encode("utf-8")) > 250_000
    got, chunks = _through_child(body)
    assert chunks >= 3
    want = parse(body)
    _same(got, want)
    # The features that cross chunk boundaries really did: numbered anchors, late references,
    # footnotes, link numbers in the hundreds.
    assert "重复的标题-repeated-57" in got.anchors
    assert any(link.url == "https://ref.example/289" for link in got.links)
    assert len(got.links) > 600
    assert "fn-f39" in got.anchors and got.blocks[got.anchors["fn-f39"]].prefix.startswith("[")


def test_hostile_text_round_trips_like_the_in_process_parse() -> None:
    body = hostile_body()
    got, chunks = _through_child(body, 2_000)
    assert chunks > 3
    want = _in_process(body, 2_000)
    _same(got, want)
    for block in got.blocks:
        assert "\x1b" not in block.text and "\u202e" not in block.text and "\x00" not in block.text
    for link in got.links:
        assert "\x1b" not in link.url + link.title and "\ud800" not in link.url


def test_tiny_body_yields_nothing_and_ends() -> None:
    with ChildParser("# Small\n\nOne chunk.\n", timeout=WAIT) as child:
        assert list(child) == []
        assert child.complete and child.error is None
        pid = child.pid
    assert pid is not None and _gone(pid)


def test_skip_zero_delivers_every_chunk() -> None:
    body = generated(40)
    with ChildParser(body, skip=0, chunk_size=5_000, timeout=WAIT) as child:
        chunks = list(child)
    document = Document()
    for blocks, links, done in chunks:
        document.extend(blocks, links, complete=done)
    _same(document, _in_process(body, 5_000))


# --- failures: clear errors, no hang, no process left ----------------------------------------
def test_killed_child_raises_and_in_process_parse_goes_on() -> None:
    body = generated()
    builder = Builder(body, chunk_size=4_000)
    child = ChildParser(body, chunk_size=4_000, timeout=WAIT)
    document = builder.first()
    chunks = iter_rest(builder, child)
    blocks, links, done = next(chunks)  # the child's output fills the pipe and waits
    document.extend(blocks, links, complete=done)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    for blocks, links, done in chunks:
        document.extend(blocks, links, complete=done)
    assert isinstance(child.error, ChildParseError)
    assert "stopped early" in str(child.error)
    assert 1 <= child.delivered < 40  # the rest came from the in-process fallback
    assert _gone(child.pid)
    _same(document, _in_process(body, 4_000))


def test_killed_child_raises_from_iteration() -> None:
    body = generated()
    child = ChildParser(body, chunk_size=4_000, timeout=WAIT)
    frames = iter(child)
    next(frames)
    assert child.pid is not None
    os.kill(child.pid, signal.SIGKILL)
    # "stopped early" is the end of the pipe, seen at once; waiting out the timeout would say
    # "sent nothing" instead.
    with pytest.raises(ChildParseError, match="stopped early"):
        for _ in frames:
            pass
    assert _gone(child.pid)


def test_close_before_iterating_kills_the_child() -> None:
    child = ChildParser(generated(40), timeout=WAIT)
    pid = child.pid
    assert pid is not None
    child.close()
    child.close()  # idempotent
    assert _gone(pid)
    assert list(child) == []  # closed: nothing, quietly


def test_close_from_another_thread_stops_iteration_quietly() -> None:
    body = generated()
    child = ChildParser(body, chunk_size=4_000, timeout=WAIT)
    got: list[Any] = []
    errors: list[BaseException] = []
    first = threading.Event()

    def read() -> None:
        try:
            for item in child:
                got.append(item)
                first.set()
                time.sleep(0.05)  # slower than the child: it is still running when closed
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        first.set()

    thread = threading.Thread(target=read)
    thread.start()
    assert first.wait(WAIT)
    child.close()
    thread.join(WAIT)
    assert not thread.is_alive()
    assert errors == []
    assert got and not child.complete
    assert child.pid is not None and _gone(child.pid)


def test_garbage_collected_parser_leaves_no_process() -> None:
    child = ChildParser(generated(40), timeout=WAIT)
    pid = child.pid
    assert pid is not None
    del child
    gc.collect()
    assert _gone(pid)


def _fake_child(monkeypatch: pytest.MonkeyPatch, code: str) -> None:
    monkeypatch.setattr(background, "_child_command", lambda: [sys.executable, "-c", code])


HELLO = (
    "import sys, json\n"
    "def frame(v):\n"
    "    d = json.dumps(v).encode()\n"
    "    sys.stdout.buffer.write(len(d).to_bytes(4, 'big') + d); sys.stdout.buffer.flush()\n"
    "body = sys.stdin.buffer.read().decode('utf-8', 'surrogatepass')\n"
    "from termreader.render.model import fingerprint, DOC_VERSION\n"
    "from termreader.render.background import _package_dir\n"
    "HELLO = {'protocol': 1, 'version': DOC_VERSION, 'package': _package_dir(),\n"
    "         'source': fingerprint(body)}\n"
)


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("import sys; sys.stdin.buffer.read(); sys.stdout.write('garbage!' * 99)", "garbage"),
        ("import sys; sys.stderr.write('boom here'); sys.exit(3)", "exit status 3"),
        (HELLO + "frame(dict(HELLO, version=-1))", "version"),
        (HELLO + "frame(dict(HELLO, source='x'))", "another body"),
        (HELLO + "frame(dict(HELLO, package='/elsewhere'))", "another termreader"),
        (
            HELLO + "frame(HELLO)\nframe([[['p', 0]], [], False])",
            "unreadable chunk",
        ),
        (
            HELLO + "frame(HELLO)\nframe([[], [], False]); frame({'end': 2})",
            "ended before the last chunk",
        ),
        (
            HELLO + "frame(HELLO)\nframe({'error': 'RecursionError: too deep'})",
            "too deep",
        ),
    ],
    ids=["garbage", "exit", "version", "body", "package", "bad-chunk", "truncated", "child-error"],
)
def test_misbehaving_child_raises_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, code: str, message: str
) -> None:
    _fake_child(monkeypatch, code)
    body = generated(40)
    child = ChildParser(body, chunk_size=5_000, timeout=WAIT)
    with pytest.raises(ChildParseError, match=message):
        list(child)
    assert child.pid is not None and _gone(child.pid)


def test_modules_in_the_current_directory_do_not_shadow_the_child_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``json.py`` where the reader was started must not break (or run in) the child."""
    (tmp_path / "json.py").write_text("raise SystemExit(7)\n")
    (tmp_path / "termreader").mkdir()
    (tmp_path / "termreader" / "__init__.py").write_text("raise SystemExit(8)\n")
    monkeypatch.chdir(tmp_path)
    body = generated(40)
    got, chunks = _through_child(body, 5_000)
    assert chunks > 1
    _same(got, _in_process(body, 5_000))


def test_a_child_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_child(monkeypatch, "import time; time.sleep(60)")
    child = ChildParser(generated(40), chunk_size=5_000, timeout=0.5)
    # "sent nothing" comes from the timeout only; the child exiting after its minute would
    # have said "stopped early".
    with pytest.raises(ChildParseError, match="sent nothing"):
        list(child)
    assert child.pid is not None and _gone(child.pid)


def test_a_child_that_cannot_start_raises_on_iteration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(background, "_child_command", lambda: ["/nonexistent/python-xyz"])
    child = parse_rest(generated(40))
    assert child is not None and child.pid is None
    with pytest.raises(ChildParseError, match="cannot start"):
        list(child)


def test_fallback_without_child_parses_in_process() -> None:
    body = generated(40)
    builder = Builder(body, chunk_size=5_000)
    document = builder.first()
    for blocks, links, done in iter_rest(builder, None):
        document.extend(blocks, links, complete=done)
    _same(document, _in_process(body, 5_000))


def test_environment_variable_disables_the_child(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERMREADER_NO_CHILD_PARSE", "1")
    assert parse_rest(generated(40)) is None
    monkeypatch.setenv("TERMREADER_NO_CHILD_PARSE", "0")
    child = parse_rest("# x\n")
    assert child is not None
    child.close()


def test_child_lowers_its_priority() -> None:
    if not hasattr(os, "getpriority"):
        pytest.skip("no process priorities here")
    child = ChildParser(generated(), chunk_size=4_000, timeout=WAIT)
    try:
        frames = iter(child)
        next(frames)  # the child is running and stuck on a full pipe
        assert child.pid is not None
        mine = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, child.pid) == min(19, mine + background.NICE)
    finally:
        child.close()


def test_the_child_module_imports_no_textual() -> None:
    """The child runs the core only (GUIDE: the core imports no Textual)."""
    import subprocess

    code = (
        "import sys, termreader.render.background as b; "
        "print('textual' in sys.modules, b.ChildParser.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=WAIT, check=True
    )
    assert result.stdout.split() == ["False", "ChildParser"]
