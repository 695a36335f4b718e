"""Every parser under Hypothesis: arbitrary and structured input never crashes or hangs (issue 6).

The targets (inputs, invariants) live in ``fuzz/targets.py``, shared with the long run
(``python fuzz/run.py``). Here each parser gets a few hundred inputs with a bound of 2 CPU
seconds per input; only :class:`termreader.errors.TermreaderError` may come out, and every text
field of the result must be sanitized. Deep-nesting cases are checked explicitly with a bound on
work. Bounds are CPU time, not wall-clock: they measure the parser, not how busy the machine is.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))

from helpers import cpu_seconds  # noqa: E402
from targets import TARGETS, assert_clean, guarded  # noqa: E402

from termreader.errors import TermreaderError  # noqa: E402

#: Inputs per parser in the suite (the long run does 100,000+).
EXAMPLES = 150
#: Most CPU time one small generated input may take to parse.
DEADLINE = 2.0

_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,  # wall-clock: a loaded machine trips it; the CPU bound in run() does not
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
    ],
)


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    """Import the heavy parsers once, so the first example's deadline measures parsing only."""
    for target in TARGETS.values():
        try:
            target.check(target.warmup)
        except Exception:  # noqa: BLE001 - the real run below reports it properly
            pass


def _property(name: str) -> Any:
    target = TARGETS[name]

    @_SETTINGS
    @given(target.strategy)
    def run(value: Any) -> None:
        _, seconds = cpu_seconds(lambda: target.check(value))
        assert seconds < DEADLINE, f"{seconds:.1f} CPU s"

    return run


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_parser_survives_fuzzing(name: str) -> None:
    """Issue 6: arbitrary bytes and structured junk give a result or a TermreaderError, within
    the deadline; results are sanitized."""
    _property(name)()


# --- deep nesting: bounded work, no RecursionError, no hang -------------------------------------
DEPTH = 10_000
#: CPU seconds for one deep document (generous; only a blow-up reaches it).
DEEP_SECONDS = 20.0

_DEEP_DOCUMENTS = {
    "markdown-blockquote": ("fuzz.md", "text/markdown", "> " * DEPTH + "deep\n"),
    "markdown-blockquote-lines": (
        "fuzz.md",
        "text/markdown",
        "\n".join(">" * i + " x" for i in range(0, DEPTH, 7)),
    ),
    "markdown-list": ("fuzz.md", "text/markdown", "".join("  " * i + "- x\n" for i in range(2000))),
    "markdown-brackets": ("fuzz.md", "text/markdown", "[" * DEPTH + "x" + "](u)" * DEPTH),
    "markdown-emphasis": ("fuzz.md", "text/markdown", "*_" * DEPTH + "x" + "_*" * DEPTH),
    "html-div": (
        "fuzz.html",
        "text/html",
        "<html><body>" + "<div>" * DEPTH + "<p>deep text</p>" + "</div>" * DEPTH,
    ),
    "html-div-unclosed": ("fuzz.html", "text/html", "<html><body>" + "<div><p>x" * DEPTH),
    "html-blockquote": (
        "fuzz.html",
        "text/html",
        "<body>" + "<blockquote>" * DEPTH + "q" + "</blockquote>" * DEPTH,
    ),
    "html-list": ("fuzz.html", "text/html", "<body>" + "<ul><li>" * DEPTH + "x"),
    "html-inline": ("fuzz.html", "text/html", "<body><p>" + "<b><i>" * DEPTH + "x"),
    "text-numbering": (
        "fuzz.txt",
        "text/plain",
        "Title\n" + "\n".join(f"{i}. part {i}\n\nbody" for i in range(1, 3000)),
    ),
}


def _timed(call: Any) -> tuple[Any, float]:
    """``call()`` under :func:`guarded`, and the CPU seconds it took."""
    return cpu_seconds(lambda: guarded(call))


@pytest.mark.slow
@pytest.mark.parametrize("case", sorted(_DEEP_DOCUMENTS))
def test_deep_nesting_neither_crashes_nor_hangs(case: str) -> None:
    """Issue 6: 10,000-deep blockquotes, <div>s and friends: a result or a clean error, fast."""
    from termreader.importers import import_bytes

    filename, content_type, text = _DEEP_DOCUMENTS[case]
    article, seconds = _timed(
        lambda: import_bytes(text.encode(), filename=filename, content_type=content_type)
    )
    assert seconds < DEEP_SECONDS, f"{case}: {seconds:.1f} s"
    if article is not None:
        assert_clean(article, "article")


@pytest.mark.slow
@pytest.mark.parametrize(
    "case",
    ["> " * DEPTH + "deep", "- " * DEPTH + "x", "".join("  " * i + "1. x\n" for i in range(1500))],
    ids=["blockquote", "list", "ordered-list"],
)
def test_renderer_handles_deep_nesting(case: str) -> None:
    """Issue 6: the renderer, fed a deep body straight from an old library, stays bounded."""
    from termreader.render.parser import parse

    document, seconds = _timed(lambda: parse(case))
    assert seconds < DEEP_SECONDS
    assert document is None or document.blocks


@pytest.mark.slow
def test_feed_with_deep_nesting_and_entity_bomb() -> None:
    """Issue 6: a 10,000-deep feed and a billion-laughs feed end quickly, expanding nothing."""
    from termreader.web.feeds import parse_feed

    deep = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x'
        b"</title><description>"
        + b"&lt;div&gt;" * DEPTH
        + b"</description></item>"
        + b"<x>" * DEPTH
        + b"</channel></rss>"
    )
    feed, seconds = _timed(lambda: parse_feed(deep, "https://example.test/feed"))
    assert seconds < DEEP_SECONDS
    lol = b'<?xml version="1.0"?><!DOCTYPE rss ['
    lol += b'<!ENTITY l0 "lollollollollollollollollollol">'
    lol += b"".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">'.encode() for i in range(1, 10))
    lol += b']><rss version="2.0"><channel><title>&l9;</title><item><title>&l9;</title>'
    lol += b"<description>&l9;</description></item></channel></rss>"
    feed, seconds = _timed(lambda: parse_feed(lol, "https://example.test/feed"))
    assert seconds < DEEP_SECONDS
    if feed is not None:
        text = feed.title + "".join(e.title + e.summary_html for e in feed.entries)
        assert text.count("lol") < 100, "entities were expanded"


def test_only_project_errors_escape() -> None:
    """The guard itself: a non-project exception is a finding, a TermreaderError an answer."""
    assert guarded(lambda: (_ for _ in ()).throw(TermreaderError("x"))) is None
    with pytest.raises(ZeroDivisionError):
        guarded(lambda: 1 / 0)


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("https://x.test\ufffd\ufffd#\x95", id="c1-in-fragment"),
        pytest.param("http://xn-://\u202e.test", id="bidi-in-path"),
        pytest.param("https://x.test/a\u2066b", id="isolate-in-path"),
        pytest.param("https://x.test/a\ufeffb", id="bom-in-path"),
        pytest.param("https://x.test/\udc9b2J", id="lone-surrogate"),
    ],
)
def test_link_policy_never_returns_unclean_urls(url: str) -> None:
    """Issue 6, found by the long fuzz run: URLs the policy accepts are shown and stored, so
    what it returns must be clean (or the link refused)."""
    from termreader.errors import LinkRefused
    from termreader.text.sanitize import is_clean
    from termreader.web.linkpolicy import check_web_link

    try:
        result = check_web_link(url)
    except LinkRefused:
        return
    assert is_clean(result), repr(result)


# --- regressions found by the long fuzz run (fuzz/run.py) --------------------------------------
class _Overtime(BaseException):
    """Raised by the alarm; a BaseException so no parser's ``except Exception`` swallows it."""


def _within(seconds: float, call: Any) -> Any:
    """Run ``call``, failing the test once it has used ``seconds`` of CPU time (not waiting it
    out). A profiling timer counts this process's CPU time, so a busy machine does not trip it."""
    import signal

    def stop(signum: int, frame: Any) -> None:
        raise _Overtime()

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        return guarded(call)
    except _Overtime:
        pytest.fail(f"still running after {seconds} CPU s")
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGPROF")
def test_feed_xml_declaration_redos_is_bounded() -> None:
    """Issue 6, bounded work: found by fuzz/run.py (a mutated feed took 76 s)."""
    from termreader.web.feeds import parse_feed

    _within(3.0, lambda: parse_feed(b"<?xml " + b'encoding="x ' * 4000))


@pytest.mark.parametrize(
    "prolog",
    [b"<!-- <b> -->", b'<?xml-stylesheet href="<a"?>'],
    ids=["comment", "processing-instruction"],
)
def test_feed_doctype_behind_a_comment_is_still_removed(prolog: bytes) -> None:
    """Issue 6, billion laughs: found by fuzz/run.py."""
    from termreader.web.feeds import parse_feed

    data = (
        b'<?xml version="1.0"?>' + prolog + b'<!DOCTYPE rss [<!ENTITY a "EXPANDED">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><rss version="2.0"><channel>'
        b"<title>T &b;</title><item><title>x</title><link>https://e.test/1</link></item>"
        b"</channel></rss>"
    )
    feed = parse_feed(data, "https://e.test/feed")
    assert "EXPANDED" not in feed.title


def test_opml_with_unknown_encoding_is_a_project_error() -> None:
    """Issue 6: found by fuzz/run.py (10 of 100,000 OPML inputs)."""
    from termreader.web.opml import parse_opml

    guarded(lambda: parse_opml(b'<?xml version="1.0" encoding="nope"?><opml/>'))


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGPROF")
@pytest.mark.parametrize("stage", ["import", "render"])
def test_nested_quote_lazy_lines_are_bounded(stage: str) -> None:
    """Issue 6, bounded work: found by fuzz/run.py (its slowest render input, 1.6 s for 11 KB)."""
    from termreader.importers import import_bytes
    from termreader.render.parser import parse

    body = "> >\nK\n" * 4000  # 24 KB
    if stage == "import":
        _within(5.0, lambda: import_bytes(body.encode(), filename="quotes.md"))
    else:
        _within(5.0, lambda: parse(body))


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGPROF")
@pytest.mark.parametrize(
    "unit",
    ["> # h\nK\n", "> ---\nK\n", "> ```\n> x\nK\n", "> > >\nK\n", "> a\nK\n> >\nK\n"],
)
def test_quotes_before_lazy_lines_are_bounded(unit: str) -> None:
    """Issue 6: every quote whose content does not take the next lazy line, not just "> >",
    made markdown-it rescan to the end (each of these took over 30 s at 24 KB before)."""
    from termreader.importers import import_bytes
    from termreader.render.parser import parse

    body = unit * (24_000 // len(unit))
    article = _within(5.0, lambda: import_bytes(body.encode(), filename="quotes.md"))
    assert article.body.count("K") == body.count("K")  # bounded, and nothing lost
    _within(5.0, lambda: parse(body))


_QUOTE_LINES = st.sampled_from(
    ["> >", "> a", "K", "", "> # h", "> ---", "> ```", "```", "> - i", "- i", ">", "  b", "> > c"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_QUOTE_LINES, max_size=40))
def test_quote_guard_keeps_ordinary_output(lines: list[str]) -> None:
    """Issue 6: the guarded parser gives markdown-it's own output on ordinary-sized documents."""
    from markdown_it import MarkdownIt

    from termreader.text.mdguard import guard

    body = "\n".join(lines)
    assert guard(MarkdownIt("commonmark")).render(body) == MarkdownIt("commonmark").render(body)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGPROF")
def test_feed_discovery_is_bounded_on_unterminated_quotes() -> None:
    """Issue 6, bounded work: found by following up fuzz/run.py's slowest discovery input."""
    from termreader.web.feeds import discover_feeds

    page = "<html><head>" + '<br href="ja' * 8000
    _within(3.0, lambda: discover_feeds(page, "https://example.test/"))


@pytest.mark.skipif(not hasattr(__import__("signal"), "setitimer"), reason="needs SIGPROF")
def test_plain_text_and_outline_of_lazy_quotes_are_bounded() -> None:
    """Issue 6: ``show --format text`` (plaintext) and the outline parse guard the quote rule."""
    from termreader.text.outline import sections_from_markdown
    from termreader.text.plaintext import markdown_to_text

    body = "> # h\nK\n" * 3000  # 24 KB; unguarded, each of these takes over 30 s
    text = _within(5.0, lambda: markdown_to_text(body))
    assert text.count("K") == body.count("K")
    assert len(_within(5.0, lambda: sections_from_markdown(body))) == 3000
