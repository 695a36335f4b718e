"""Fuzz targets: every parser of termreader, its input strategies and its output invariants.

Shared by the suite's property tests (``tests/test_fuzz_properties.py``, a few hundred inputs per
parser) and the long run (``fuzz/run.py``, 100,000+ per parser). A target takes one generated
input, runs the parser, and checks what came out:

- the only exceptions allowed are the project's own (:class:`termreader.errors.TermreaderError`);
- every text field of the result is sanitized (:func:`termreader.text.sanitize.is_clean`).

Anything else is a finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from hypothesis import strategies as st

from termreader.errors import TermreaderError
from termreader.text.sanitize import is_clean


# --- invariants ---------------------------------------------------------------------------------
def _strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string inside a dataclass / list / dict, with a path for messages."""
    if isinstance(value, str):
        yield path, value
    elif is_dataclass(value) and not isinstance(value, type):
        for item in fields(value):
            yield from _strings(getattr(value, item.name), f"{path}.{item.name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}[{key!r}]")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


# Fields that are raw HTML by contract (handed on to the HTML importer, never shown as text).
RAW_FIELDS = (".summary_html", ".content_html")


def assert_clean(result: Any, name: str) -> None:
    """Fail when a text field of ``result`` holds a character the sanitizer removes."""
    for path, text in _strings(result, name):
        if path.endswith(RAW_FIELDS):
            continue
        assert is_clean(text), f"{path} is not sanitized: {text[:80]!r}"


def guarded(call: Callable[[], Any]) -> Any:
    """Run ``call``; the project's own errors are an answer, anything else propagates."""
    try:
        return call()
    except TermreaderError as error:
        message = str(error)
        assert "\n" not in message and is_clean(message), f"error message not clean: {message!r}"
        return None


# --- structured generators ----------------------------------------------------------------------
_WORDS = st.sampled_from(
    [
        "alpha",
        "beta",
        "终端",
        "阅读",
        "相关内容",
        "Related",
        "See also",
        "To Top",
        "返回顶部",
        "发布时间：2024年4月2日 18:01",
        "Published: 2024-04-02",
        "Date: yesterday",
        "【提示】",
        "&amp;",
        "&#27;",
        "&#x9b;",
        "&lt;",
        "<",
        ">",
        "[",
        "]",
        "(",
        ")",
        "*",
        "_",
        "`",
        "#",
        "|",
        "\\",
        "---",
        "+++",
        "\x1b]0;T\x07",
        "\x1b[2J",
        "\u202e",
        "\x9b",
        "\r",
        "\t",
        " ",
        "😀",
        "e\u0301",
        "http://x.test/",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "../../etc/passwd",
        "#anchor",
        "1.",
        "一、",
    ]
)
_LINE_PREFIX = st.sampled_from(
    [
        "",
        "> ",
        ">",
        "# ",
        "## ",
        "### ",
        "- ",
        "* ",
        "1. ",
        "10) ",
        "    ",
        "\t",
        "```",
        "~~~",
        "一、",
        "二、",
        "（一）",
        "(一)",
        "第一章 ",
        "第十二章",
        "I. ",
        "II. ",
        "IV. ",
        "1.1 ",
        "1、",
        "①",
        "| ",
        "|---|",
        "[^1]: ",
        "[ref]: http://x.test ",
        "<div>",
        "</div>",
        "<!-- ",
        "-->",
        "$$",
    ]
)
_LINE = st.builds(
    lambda prefix, words: prefix + " ".join(words),
    _LINE_PREFIX,
    st.lists(_WORDS | st.text(max_size=6), max_size=8),
)
_LINES = st.lists(_LINE, max_size=40).map("\n".join)

_FM_KEY = st.sampled_from(
    [
        "title",
        "date",
        "url",
        "source",
        "tags",
        "related",
        "lang",
        "published",
        "link",
        "keywords",
        "see_also",
        "name",
        "x",
    ]
)
_FM_VALUE = st.one_of(
    st.sampled_from(
        [
            '"quoted \\e]0;T\\a"',
            "plain",
            "2024-04-02",
            "2024-13-45",
            "[a, b]",
            "{a: 1}",
            "- x\n  - y",
            "!!python/object:os.system x",
            "&a [*a, *a]",
            "*a",
            "|\n  block",
            "null",
            "12",
            "true",
            "https://x.test/a",
            "'\u202e'",
            "[{title: t, url: 'javascript:x'}]",
        ]
    ),
    st.text(max_size=20),
)
_FRONT_MATTER = st.builds(
    lambda fence, items, body: (
        f"{fence}\n" + "\n".join(f"{k}: {v}" for k, v in items) + f"\n{fence}\n{body}"
    ),
    st.sampled_from(["---", "+++", "---\n---"]),
    st.lists(st.tuples(_FM_KEY, _FM_VALUE), max_size=8),
    _LINES,
)

_TAG = st.sampled_from(
    [
        "div",
        "p",
        "a",
        "h1",
        "h2",
        "h3",
        "ul",
        "ol",
        "li",
        "table",
        "tr",
        "td",
        "blockquote",
        "pre",
        "code",
        "span",
        "article",
        "nav",
        "aside",
        "script",
        "style",
        "title",
        "meta",
        "br",
        "img",
        "ruby",
        "rt",
        "time",
        "svg",
        "math",
        "iframe",
        "template",
        "noscript",
        "em",
        "strong",
        "header",
        "footer",
    ]
)
_ATTR = st.sampled_from(
    [
        "",
        ' href="http://x.test/a"',
        ' href="javascript:alert(1)"',
        ' href="../../etc/passwd"',
        ' href="&#27;]0;T&#7;"',
        ' class="related"',
        ' id="content"',
        ' charset="gb2312"',
        ' property="og:title" content="\x1b]2;T\x07"',
        ' name="date" content="2024-04-02"',
        ' datetime="2024-04-02T10:00Z"',
        ' src="data:image/png;base64,AAAA"',
        ' lang="zh"',
        ' itemprop="articleBody"',
        ' style="display:none"',
    ]
)


@st.composite
def _html_tree(draw: st.DrawFn, depth: int = 0) -> str:
    parts: list[str] = []
    for _ in range(draw(st.integers(0, 4 if depth < 5 else 1))):
        if depth < 8 and draw(st.booleans()):
            tag = draw(_TAG)
            inner = draw(_html_tree(depth + 1))
            close = draw(st.sampled_from([f"</{tag}>", "", f"</{tag}", "</x>"]))
            parts.append(f"<{tag}{draw(_ATTR)}>{inner}{close}")
        else:
            parts.append(draw(_WORDS | st.text(max_size=10)))
    return "".join(parts)


_HTML = st.builds(
    lambda head, body: f"<!doctype html><html><head>{head}</head><body>{body}</body></html>",
    _html_tree(),
    _html_tree(),
)
_DEEP = st.builds(
    lambda unit, n, tail: unit * n + tail,
    st.sampled_from(
        [
            "> ",
            ">",
            "<div>",
            "<blockquote>",
            "- ",
            "  - ",
            "[",
            "*",
            "_",
            "<ul><li>",
            "<b><i>",
            "```\n",
            "    ",
            "1. ",
        ]
    ),
    st.integers(0, 3000),
    st.text(max_size=10),
)

_FEED_ITEM = st.builds(
    lambda title, link, body: (
        f"<item><title>{title}</title><link>{link}</link>"
        f"<description>{body}</description><pubDate>Tue, 02 Apr 2024 10:00:00 GMT</pubDate></item>"
    ),
    _WORDS | st.text(max_size=12),
    st.sampled_from(["http://x.test/1", "javascript:x", "", "/rel"]),
    _html_tree().map(lambda h: h.replace("&", "&amp;").replace("<", "&lt;")),
)
_DOCTYPES = st.sampled_from(
    [
        "",
        '<!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>',
        '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
        '"http://my.netscape.com/publish/formats/rss-0.91.dtd">',
    ]
)
_RSS = st.builds(
    lambda decl, doctype, title, items, ent: (
        f'{decl}{doctype}<rss version="2.0"><channel>'
        f"<title>{title}{ent}</title>{''.join(items)}</channel></rss>"
    ),
    st.sampled_from(
        [
            "",
            '<?xml version="1.0" encoding="utf-8"?>',
            '<?xml version="1.0" encoding="gb2312"?>',
            '<?xml version="1.1"?>',
        ]
    ),
    _DOCTYPES,
    _WORDS | st.text(max_size=12),
    st.lists(_FEED_ITEM, max_size=5),
    st.sampled_from(["", "&a;", "&c;", "&xxe;", "&amp;", "&#27;", "&nbsp;", "&"]),
)
_ATOM = st.builds(
    lambda title, entries: (
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title type="html">{title}</title>'
        + "".join(
            f'<entry><title>{t}</title><link href="{h}"/><content type="html">{c}</content></entry>'
            for t, h, c in entries
        )
        + "</feed>"
    ),
    _WORDS | st.text(max_size=12),
    st.lists(
        st.tuples(_WORDS, st.sampled_from(["http://x.test/e", "data:x", "rel"]), _WORDS), max_size=4
    ),
)
_JSON_FEED = st.builds(
    lambda title, items: (
        '{"version": "https://jsonfeed.org/version/1.1", "title": '
        + title
        + ', "items": ['
        + ",".join(items)
        + "]}"
    ),
    st.sampled_from(['"T"', '"\\u001b]0;T\\u0007"', '"\\udc9b"', "1", "null", '"\\u202e"']),
    st.lists(
        st.sampled_from(
            [
                '{"id": "1", "title": "\\u001b[2J", "content_html": "<p>x</p>", "url": "http://x.test"}',
                '{"id": 2, "title": null, "date_published": "2024-13-99"}',
                '{"id": "3", "title": "\\ud800", "url": "javascript:1"}',
                "[]",
                "1",
                "{}",
            ]
        ),
        max_size=4,
    ),
)
_OPML = st.builds(
    lambda doctype, outlines: (
        f'<?xml version="1.0"?>{doctype}<opml version="2.0"><head/>'
        f"<body>{''.join(outlines)}</body></opml>"
    ),
    _DOCTYPES,
    st.lists(
        st.builds(
            lambda text, url, nested: f'<outline text="{text}" xmlUrl="{url}">{nested}</outline>',
            st.sampled_from(["a", "&#27;]0;T&#7;", "&a;", "\u202e", "&amp;"]),
            st.sampled_from(["http://x.test/f", "file:///etc/passwd", "javascript:x", "", "//x"]),
            st.sampled_from(["", '<outline xmlUrl="https://x.test/g"/>', "<outline>"]),
        ),
        max_size=6,
    ),
)
_CONTENT_TYPES = st.sampled_from(
    [
        None,
        "text/html",
        "text/html; charset=gb2312",
        "text/html; charset=utf-16",
        "text/plain; charset=iso-8859-1",
        "text/markdown",
        "application/xml",
        "application/json",
        "text/html; charset=x-unknown",
        "text/html; charset=utf-7",
        "image/png",
        "text/plain; charset=",
    ]
)
_CHARSET_HEAD = st.sampled_from(
    [
        b"",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xfe\xff",
        b'<meta charset="gb2312">',
        b'<?xml version="1.0" encoding="shift_jis"?>',
        b'<meta charset="utf-16">',
        b'<!-- <meta charset="big5"> -->',
        b"\x89PNG\r\n\x1a\n",
        b"%PDF-",
        b"\x1f\x8b",
    ]
)


def _bytes_of(text_strategy: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    """Text encoded in one of several encodings, sometimes cut mid-character."""
    return st.builds(
        lambda text, enc, cut: text.encode(enc, "replace")[: cut or None],
        text_strategy,
        st.sampled_from(["utf-8", "gb18030", "big5", "shift_jis", "cp1252", "utf-16", "latin-1"]),
        st.integers(0, 64),
    )


def _any_bytes(*structured: st.SearchStrategy[str]) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=2000),
        st.builds(lambda head, tail: head + tail, _CHARSET_HEAD, st.binary(max_size=500)),
        *(_bytes_of(s) for s in structured),
    )


# --- targets ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    """One parser under fuzzing: its inputs and the call that checks one of them."""

    name: str
    strategy: st.SearchStrategy[Any]
    check: Callable[[Any], None]
    warmup: Any = b"<html><body><h1>T</h1><p>x</p></body></html>"
    """A small valid input: running it first loads the parser's imports."""


def _import(data: bytes, **kwargs: Any) -> None:
    from termreader.importers import import_bytes

    article = guarded(lambda: import_bytes(data, **kwargs))
    if article is not None:
        assert_clean(article, "article")
        assert article.title and article.id


def _check_markdown(data: bytes) -> None:
    _import(data, filename="fuzz.md", content_type="text/markdown")


def _check_text(data: bytes) -> None:
    _import(data, filename="fuzz.txt", content_type="text/plain")


def _check_html(data: bytes) -> None:
    _import(data, filename="fuzz.html", content_type="text/html")


def _check_sniffed(args: tuple[bytes, str | None]) -> None:
    data, content_type = args
    _import(data, content_type=content_type, url="https://example.test/fuzz")


_EXPANDED = "a" * 30  # what the entity bomb of _DOCTYPES expands to ("&c;" is 100 a's)


def _check_feed(args: tuple[bytes, str | None]) -> None:
    from termreader.web.feeds import parse_feed

    data, content_type = args
    feed = guarded(lambda: parse_feed(data, "https://example.test/feed", content_type))
    if feed is not None:
        assert_clean(feed, "feed")
        # Billion laughs: nothing expanded; XXE: /etc/passwd never read. (Only meaningful when
        # the input does not hold the text itself: a mutant may repeat "a" a thousand times.)
        raw = data.decode("latin-1")
        text = feed.title + "".join(e.title + e.summary_html + e.content_html for e in feed.entries)
        if _EXPANDED not in raw:
            assert _EXPANDED not in text, "an entity was expanded"
        if "root:" not in raw:
            assert "root:" not in text, "an external entity was read"


def _check_charset(args: tuple[bytes, str | None]) -> None:
    from termreader.text.charset import decode

    data, content_type = args
    result = guarded(lambda: decode(data, content_type=content_type))
    if result is not None:
        text, encoding = result
        assert isinstance(text, str) and isinstance(encoding, str) and encoding
        text.encode("utf-8", "surrogatepass")


def _check_opml(data: bytes) -> None:
    from termreader.web.opml import parse_opml

    feeds = guarded(lambda: parse_opml(data))
    if feeds is not None:
        assert_clean(feeds, "opml")
        for feed in feeds:
            assert feed.url.startswith(("http://", "https://")), feed.url


def _check_render(text: str) -> None:
    from termreader.render.parser import parse

    document = guarded(lambda: parse(text))
    if document is not None:
        for block in document.blocks:
            assert is_clean(block.text), f"block text not clean: {block.text[:80]!r}"
        for link in document.links:
            assert is_clean(link.title) and is_clean(link.url)


def _check_discover(text: str) -> None:
    from termreader.web.feeds import discover_feeds

    found = guarded(lambda: discover_feeds(text, "https://example.test/page"))
    if found is not None:
        for url in found:
            assert is_clean(url) and url.startswith(("http://", "https://")), url


def _check_link(url: str) -> None:
    from termreader.web.linkpolicy import can_open_external, check_web_link

    result = guarded(lambda: check_web_link(url))
    if result is not None:
        assert result.lower().startswith(("http://", "https://")), result
        assert is_clean(result), result
    if can_open_external(url):
        assert result is not None, f"can_open_external but check_web_link refused {url!r}"


_URLS = st.one_of(
    st.text(max_size=60),
    st.builds(
        lambda a, b, c: a + b + c,
        st.sampled_from(
            [
                "http://",
                "https://",
                "HTTP://",
                "javascript:",
                "java\tscript:",
                " file:",
                "data:",
                "//",
                "\x00https://",
                "hTtPs:",
                "ftp://",
                "",
            ]
        ),
        st.sampled_from(
            [
                "x.test",
                "",
                "[::1]",
                "x.test:99999",
                "user@x.test",
                "\u202e.test",
                "x.test:-1",
                "xn--99zt52a.test",
                "%00",
                "x\x1b.test",
            ]
        ),
        st.text(max_size=20),
    ),
)

TARGETS: dict[str, Target] = {
    "markdown": Target("markdown", _any_bytes(_LINES, _FRONT_MATTER, _DEEP), _check_markdown),
    "text": Target("text", _any_bytes(_LINES, _DEEP), _check_text),
    "html": Target("html", _any_bytes(_HTML, _DEEP), _check_html),
    "sniffed": Target(
        "sniffed",
        st.tuples(_any_bytes(_LINES, _HTML, _FRONT_MATTER), _CONTENT_TYPES),
        _check_sniffed,
        (b"# T\n\ntext", None),
    ),
    "feed": Target(
        "feed",
        st.tuples(_any_bytes(_RSS, _ATOM, _JSON_FEED), _CONTENT_TYPES),
        _check_feed,
        (b'<rss version="2.0"><channel><title>t</title></channel></rss>', None),
    ),
    "charset": Target(
        "charset",
        st.tuples(_any_bytes(_HTML, _LINES), _CONTENT_TYPES),
        _check_charset,
        (b"\xc4\xe3\xba\xc3", None),
    ),
    "opml": Target("opml", _any_bytes(_OPML), _check_opml, b"<opml><body/></opml>"),
    "render": Target(
        "render",
        st.one_of(_LINES, _FRONT_MATTER, _DEEP, st.text(max_size=500)),
        _check_render,
        "# T\n\n> q\n",
    ),
    "discover": Target(
        "discover",
        st.one_of(_HTML, st.text(max_size=300)),
        _check_discover,
        "<link rel=alternate type=application/rss+xml href=/f>",
    ),
    "linkpolicy": Target("linkpolicy", _URLS, _check_link, "https://x.test/"),
}
