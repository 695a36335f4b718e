"""The command line: commands, stable JSON, exit codes, no Textual for scripting (#2)."""

from __future__ import annotations

import gc
import http.server
import json
import os
import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

import termreader
import termreader.importers
from termreader.cli.main import main
from termreader.errors import ImportFailed
from termreader.library.store import Library
from termreader.models import Article, Link, Related, Section, article_id
from termreader.text.plaintext import markdown_to_text

BODY = """# Reading in the terminal

Intro with a [link](https://example.com/next) and **bold** text.

## 一、第一部分

- item one
- item two

## Second part

| a | b |
|---|---|
| 1 | 2 |
"""


def _article(n: int, **kw: object) -> Article:
    url = str(kw.pop("url", f"https://example.com/post/{n}"))
    fields: dict[str, object] = {
        "id": article_id(url),
        "title": f"Post {n}",
        "url": url,
        "source": "Example Blog",
        "published": datetime(2024, 1, n + 1, tzinfo=UTC),
        "language": "en",
        "body": BODY,
        "sections": [
            Section(1, "Reading in the terminal", "reading-in-the-terminal", 0),
            Section(2, "一、第一部分", "一第一部分", 4),
            Section(2, "Second part", "second-part", 9),
        ],
        "links": [Link("link", "https://example.com/next")],
        "related": [Related("Post 0", None, 2)],
        "tags": ["terminal"],
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A library with three articles, no samples; $TERMREADER_HOME points at it."""
    home = tmp_path / "lib"
    lib = Library.open(home)
    lib.add_many([_article(0), _article(1, title="中文标题 Post"), _article(2, title="Unread one")])
    lib.set_unread(_article(0).id, False)
    lib.set_unread(_article(1).id, False)
    lib.kv_put("meta", "seeded", {"count": 0})  # no samples in these tests
    monkeypatch.setenv("TERMREADER_HOME", str(home))
    return home


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def lines_json(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


# --- list / show / remove ------------------------------------------------------------------------


def test_list_json_is_one_object_per_line_newest_first(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "list", "--json")
    assert code == 0 and err == ""
    records = lines_json(out)
    assert [r["title"] for r in records] == ["Unread one", "中文标题 Post", "Post 0"]
    assert records[0]["published"] == "2024-01-03T00:00:00+00:00"
    assert set(records[0]) >= {"id", "title", "url", "source", "published", "unread", "tags"}


def test_list_filters(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert [r["title"] for r in lines_json(run(capsys, "list", "--unread", "--json")[1])] == [
        "Unread one"
    ]
    assert [
        r["title"] for r in lines_json(run(capsys, "list", "--query", "中文", "--json")[1])
    ] == ["中文标题 Post"]
    code, out, _ = run(capsys, "list", "-q", "nothing matches this")
    assert code == 0 and out == ""


def test_list_human_output_marks_unread(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "list")
    first = out.splitlines()[0]
    assert code == 0 and first.startswith(_article(2).id) and "*" in first and "Unread one" in first
    assert "2024-01-03" in first and "(Example Blog)" in first


def test_show_json_schema(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", _article(0).id[:6], "--json")
    assert code == 0
    data = json.loads(out)
    for key in (
        "id",
        "title",
        "url",
        "source",
        "published",
        "language",
        "sections",
        "related",
        "links",
        "text",
        "markdown",
        "tags",
        "unread",
        "kind",
    ):
        assert key in data
    assert data["sections"][1] == {"level": 2, "title": "一、第一部分", "anchor": "一第一部分"}
    assert data["related"] == [{"title": "Post 0", "url": None, "count": 2}]
    assert data["links"] == [{"title": "link", "url": "https://example.com/next"}]
    assert data["markdown"] == BODY
    assert "**" not in data["text"] and "](" not in data["text"] and "bold text" in data["text"]
    assert data["published"] == "2024-01-01T00:00:00+00:00" and data["unread"] is False


def test_show_formats(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "show", "https://example.com/post/1#frag", "--format", "markdown")
    assert code == 0 and out == BODY
    code, out, _ = run(capsys, "show", _article(1).id)
    assert (
        code == 0
        and out.startswith("中文标题 Post\n")
        and "一、第一部分" in out
        and "**" not in out
    )


def test_show_file_outside_library_is_not_stored(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "note.md"
    path.write_text("# Note\n")
    monkeypatch.setattr(
        termreader.importers,
        "import_path",
        lambda p: _article(9, url=str(Path(p).absolute()), title="Note"),
    )
    code, out, _ = run(capsys, "show", str(path), "--json")
    assert code == 0 and json.loads(out)["title"] == "Note"
    assert len(Library.open(home)) == 3


def test_show_unknown_is_one_line_error(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "show", "no-such-article")
    assert code == 1 and out == ""
    assert err.startswith("termreader: ") and err.count("\n") == 1


def test_remove(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        capsys, "remove", _article(0).id, "https://example.com/post/1", "missing-id"
    )
    assert code == 1 and out.count("removed") == 2 and err.count("\n") == 1
    assert [r["title"] for r in lines_json(run(capsys, "list", "--json")[1])] == ["Unread one"]


def test_mark_read_unread_star_unstar(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """``mark`` changes what ``list`` shows; the star survives reopening the library and is in
    ``list --json``; ``list --starred`` keeps only starred articles."""
    first, second = _article(0).id, _article(1).id
    code, out, err = run(capsys, "mark", first, second, "--unread", "--star")
    assert code == 0 and out.count("unread and starred") == 2 and not err
    listed = {r["id"]: r for r in lines_json(run(capsys, "list", "--json")[1])}
    assert listed[first]["unread"] and listed[first]["starred"] and listed[second]["starred"]
    assert not listed[_article(2).id]["starred"]
    assert run(capsys, "mark", second, "--read", "--unstar")[0] == 0
    starred = lines_json(run(capsys, "list", "--starred", "--json")[1])
    assert [r["id"] for r in starred] == [first]
    assert Library.open(home).get(first).starred
    human = run(capsys, "list", "--starred")[1]
    assert human.startswith(f"{first}  *+ ")


def test_mark_errors(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "mark", _article(0).id, "missing-id", "--star")
    assert code == 1 and out.count("starred") == 1 and err.count("\n") == 1
    assert run(capsys, "mark", _article(0).id)[0] == 2
    code, _, err = run(capsys, "mark", _article(0).id, "--read", "--unread")
    assert code == 2 and "contradict" in err


def test_library_option_before_or_after_command(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERMREADER_HOME", str(tmp_path / "elsewhere"))
    assert len(lines_json(run(capsys, "--library", str(home), "list", "--json")[1])) == 3
    assert len(lines_json(run(capsys, "list", "--json", "--library", str(home))[1])) == 3


def test_store_notices_go_to_stderr(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (home / "library.json").write_text('{"articles": {')
    code, out, err = run(capsys, "list", "--json")
    assert code == 0 and len(lines_json(out)) == 3
    assert err.count("\n") == 1 and "moved to library.json.broken-" in err


def test_output_is_sanitized(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # An old library could hold unsanitized text; the CLI cleans it again on the way out.
    lib = Library.open(home)
    lib.add(_article(5, title="Evil\x1b]2;pwned\x07 title\x9b31m", body="x\x1b[2Jy"))
    _, out, _ = run(capsys, "list")
    _, out_json, _ = run(capsys, "show", _article(5).id, "--json")
    _, out_md, _ = run(capsys, "show", _article(5).id, "--format", "markdown")
    for text in (out, out_json, out_md):
        assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "Evil title" in out


# --- add ------------------------------------------------------------------------------------------


def test_add_json_and_partial_failure(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    good = tmp_path / "good.md"
    good.write_text("# Good\n")
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01")

    def fake_import(path: Path | str) -> Article:
        path = Path(path)
        if path.suffix == ".bin":
            raise ImportFailed(f"{path.name}: not a text document")
        return _article(7, url=str(path.absolute()), title="Good")

    monkeypatch.setattr(termreader.importers, "import_path", fake_import)
    code, out, err = run(capsys, "add", str(good), str(bad), str(tmp_path / "missing.md"), "--json")
    assert code == 1
    assert [r["title"] for r in lines_json(out)] == ["Good"]
    assert err.count("\n") == 2 and "bad.bin: not a text document" in err and "missing.md" in err
    code, out, _ = run(capsys, "show", str(good), "--json")
    assert code == 0 and json.loads(out)["title"] == "Good"


def test_add_real_markdown_file(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "real.md"
    path.write_text("---\ntitle: Real file\n---\n\n# Heading\n\nText.\n", encoding="utf-8")
    code, out, err = run(capsys, "add", str(path))
    assert code == 0, err
    article_id_, title = out.strip().split("  ", 1)
    assert title == "Real file"
    assert json.loads(run(capsys, "show", article_id_, "--json")[1])["url"] == str(path.absolute())


@pytest.fixture
def web(tmp_path: Path) -> Iterator[str]:
    """A local HTTP server: /page.html (an article) and /redirect (to it)."""
    page = (
        b"<!doctype html><html><head><meta charset='utf-8'><title>Served page</title></head>"
        b"<body><article><h1>Served page</h1>"
        + b"<p>Some served text for the article body.</p>" * 20
        + b"</article></body></html>"
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            if self.path == "/redirect":
                self.send_response(302)
                self.send_header("Location", "/page.html")
                self.end_headers()
                return
            if self.path != "/page.html":
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_add_url_fetches_and_imports(
    home: Path, web: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: dict[str, object] = {}

    def fake_import_bytes(
        data: bytes, *, url: str = "", content_type: str | None = None, **kw: object
    ) -> Article:
        seen.update(data=data, url=url, content_type=content_type)
        return _article(8, url=url, title="Served page")

    monkeypatch.setattr(termreader.importers, "import_bytes", fake_import_bytes)
    code, out, err = run(capsys, "add", f"{web}/redirect", "--json")
    assert code == 0, err
    assert seen["url"] == f"{web}/page.html"  # the final URL, after the redirect
    assert b"Served page" in seen["data"]  # type: ignore[operator]
    assert "text/html" in str(seen["content_type"])
    assert lines_json(out)[0]["url"] == f"{web}/page.html"
    code, out, err = run(capsys, "add", f"{web}/missing")
    assert code == 1 and out == "" and err.startswith("termreader: ") and err.count("\n") == 1


# --- TUI launch, extensions, misc -------------------------------------------------------------------


@pytest.fixture
def fake_ui(monkeypatch: pytest.MonkeyPatch) -> list[tuple[object, object]]:
    calls: list[tuple[object, object]] = []
    module = types.ModuleType("termreader.ui.app")

    def fake_run(library: object, open_ref: object = None) -> int:
        calls.append((library, open_ref))
        return 0

    module.run = fake_run  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "termreader.ui.app", module)
    return calls


def test_no_command_launches_the_reader(
    home: Path, fake_ui: list[tuple[object, object]], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys)[0] == 0
    library, ref = fake_ui[0]
    assert isinstance(library, Library) and library.home == home and ref is None


def test_open_imports_then_opens_that_article(
    home: Path,
    tmp_path: Path,
    fake_ui: list[tuple[object, object]],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert run(capsys, "open", _article(1).id[:5])[0] == 0
    assert fake_ui[-1][1] == _article(1).id
    path = tmp_path / "new.md"
    path.write_text("# New\n")
    monkeypatch.setattr(
        termreader.importers,
        "import_path",
        lambda p: _article(11, url=str(Path(p).absolute()), title="New"),
    )
    assert run(capsys, "open", str(path))[0] == 0
    assert fake_ui[-1][1] == _article(11, url=str(path.absolute())).id
    assert len(Library.open(home)) == 4
    code, _, err = run(capsys, "open", "not-there")
    assert code == 1 and err.count("\n") == 1


def test_open_of_a_big_new_file_says_it_is_importing(
    home: Path,
    tmp_path: Path,
    fake_ui: list[tuple[object, object]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The terminal is not left blank without a word while a big file imports (seconds)."""
    small = tmp_path / "small.md"
    small.write_text("# Small\n\nText.\n", encoding="utf-8")
    code, _, err = run(capsys, "open", str(small))
    assert code == 0 and err == ""
    big = tmp_path / "big-list.md"
    big.write_text("# Big\n\n" + "- item\n" * 80_000, encoding="utf-8")
    code, _, err = run(capsys, "open", str(big))
    assert code == 0 and err == "termreader: importing big-list.md (0.5 MB)\n"
    assert fake_ui[-1][1] is not None


def test_broken_ui_is_a_one_line_error(
    home: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "termreader.ui.app", None)  # import raises ImportError
    code, _, err = run(capsys)
    assert (
        code == 1
        and err.startswith("termreader: the reader interface cannot start")
        and err.count("\n") == 1
    )


def test_the_collector_is_back_on_after_the_reader_whatever_the_ui_did(
    home: Path,
    fake_ui: list[tuple[object, object]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The launcher turns the collector off for the start-up; a stand-in UI (as here), or one
    that cannot start, never turns it back on, and later code would run without it."""
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    assert run(capsys)[0] == 0 and fake_ui
    assert gc.isenabled()
    assert gc.get_freeze_count() == frozen
    monkeypatch.setitem(sys.modules, "termreader.ui.app", None)  # import raises ImportError
    assert run(capsys)[0] == 1
    assert gc.isenabled()


def test_web_commands_run_from_the_main_command_line(
    home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "sync")
    assert (code, out, err) == (0, "0 added, 0 updated, 0 unchanged, 0 failed\n", "")
    code, out, err = run(capsys, "subscriptions", "--json")
    assert (code, out, err) == (0, "", "")


def test_version_config_and_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"termreader {termreader.__version__}"
    code, out, _ = run(capsys, "config", "path")
    assert code == 0 and out.strip() == os.environ["TERMREADER_CONFIG"]
    assert run(capsys, "frobnicate")[0] == 2
    assert run(capsys, "show")[0] == 2
    assert run(capsys, "show", "x", "--format", "pdf")[0] == 2
    assert run(capsys, "show", "x", "--json", "--format", "text")[0] == 2


@pytest.mark.parametrize(
    "words",
    [[], ["--library", "L"], ["open", "abc"], ["open", "abc", "--library", "L"], ["--lib", "L"]],
)
def test_starting_the_reader_parses_as_the_full_command_line_does(words: list[str]) -> None:
    """The reader starts without building every command; its arguments come out the same."""
    from termreader.cli.main import _reader_args, build_parser

    assert vars(_reader_args(words) or {}) == vars(build_parser().parse_args(words))


def test_other_commands_help_and_usage_errors_get_the_full_parser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from termreader.cli.main import _reader_args

    for words in (["sync"], ["list"], ["--help"], ["open", "--help"], ["open"], ["--version"]):
        assert _reader_args(words) is None
    code, _, err = run(capsys, "--library", "L", "frobnicate")
    assert code == 2 and "'subscribe'" in err  # the error lists every command
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "subscribe" in out


def test_subprocess_exit_codes_and_no_textual(home: Path) -> None:
    env = {**os.environ, "TERMREADER_HOME": str(home)}
    script = (
        "import sys; from termreader.cli.main import main; code = main(['list', '--json']); "
        "main(['show', sys.argv[1], '--json']); "
        "sys.stderr.write('TEXTUAL=%s\\n' % ('textual' in sys.modules)); sys.exit(code)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, _article(0).id],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and "TEXTUAL=False" in done.stderr
    assert len(done.stdout.splitlines()) == 4
    done = subprocess.run(
        [sys.executable, "-m", "termreader", "show", "nope"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        done.returncode == 1
        and done.stderr.startswith("termreader: ")
        and done.stderr.count("\n") == 1
    )
    done = subprocess.run(
        [sys.executable, "-m", "termreader", "list", "--bogus"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2


# --- plain text ---------------------------------------------------------------------------------


def test_markdown_to_text() -> None:
    text = markdown_to_text(BODY + "\n```\nkeep  this\n```\n\n> quoted *line*\n\n1. one\n2. two\n")
    assert text.startswith("Reading in the terminal\n\nIntro with a link and bold text.\n")
    assert "- item one\n- item two" in text
    assert "a | b\n1 | 2" in text
    assert "keep  this" in text and "> quoted line" in text and "1. one\n2. two" in text
    assert "#" not in text and "**" not in text
    assert markdown_to_text("") == ""


# --- add DIR (#15) ---------------------------------------------------------------------------------


def test_add_folder_imports_articles_recursively(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from termreader.library import folder

    monkeypatch.setattr(folder, "POOL_FROM", 3)  # the worker processes' path too
    root = tmp_path / "notes"
    (root / "deep" / "deeper").mkdir(parents=True)
    (root / ".hidden").mkdir()
    (root / "one.md").write_text("# One\n\nFirst note.\n", encoding="utf-8")
    (root / "deep" / "two.txt").write_text("Two\n\nSecond note.\n", encoding="utf-8")
    (root / "deep" / "deeper" / "three.html").write_text(
        "<html><head><title>Three</title></head><body><article><h1>Three</h1>"
        "<p>Third note, long enough to be an article body.</p></article></body></html>",
        encoding="utf-8",
    )
    (root / "deep" / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / ".hidden" / "secret.md").write_text("# Secret\n", encoding="utf-8")
    (root / "broken.md").write_bytes(b"\x00" * 64)
    code, out, err = run(capsys, "add", str(root), "--json")
    titles = sorted(str(r["title"]) for r in lines_json(out))
    assert titles == ["One", "Three", "Two"]
    assert code == 1 and err.count("\n") == 1 and "broken.md" in err  # one line per failure
    assert "files imported" not in err  # progress only on a terminal
    listed = {a.title for a in Library.open(home).list()}
    assert {"One", "Two", "Three"} <= listed and "Secret" not in listed
