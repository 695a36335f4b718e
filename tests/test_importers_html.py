"""HTML importer: real pages (titles, times, charsets, content), related blocks, bounds, speed."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import BLOWUP, cpu_seconds
from markdown_it import MarkdownIt

from termreader.importers import extract_html, import_bytes, import_path
from termreader.importers.common import MAX_LINKS, parse_datetime
from termreader.text.sanitize import is_clean

CST = timezone(timedelta(hours=8))
_md = MarkdownIt("commonmark")
GNE = json.loads((Path(__file__).parent / "fixtures/html/gne/expected.json").read_text("utf-8"))
TRAF = json.loads(
    (Path(__file__).parent / "fixtures/html/trafilatura/expected_selected.json").read_text("utf-8")
)


def plain(body: str) -> str:
    """The text a Markdown body shows, whitespace folded (for snippet checks)."""
    parts: list[str] = []
    for token in _md.parse(body):
        if token.type == "inline":
            parts.append(
                "".join(
                    c.content for c in token.children or [] if c.type in ("text", "code_inline")
                )
            )
        elif token.type in ("fence", "code_block"):
            parts.append(token.content)
    return " ".join(" ".join(parts).split())


@pytest.mark.parametrize("name", sorted(GNE))
def test_gne_title_and_publish_time(fixtures: Path, name: str) -> None:
    """Issue #4: Chinese news pages give their title (no site suffix) and visible publish time."""
    expected = GNE[name]
    article = import_path(fixtures / "html" / "gne" / name)
    assert article.title == expected["title"]
    want = parse_datetime(expected["publish_time"], language="zh")
    assert article.published is not None
    assert article.published.replace(tzinfo=None) == want.replace(tzinfo=None)
    assert article.published.utcoffset() == timedelta(hours=8)
    assert article.kind == "html"
    assert article.language.startswith("zh")


@pytest.mark.parametrize("name", ["163_1.html", "guancha_2.html", "ifeng_2.html", "sina_2.html"])
def test_gne_content_is_the_article(fixtures: Path, name: str) -> None:
    article = import_path(fixtures / "html" / "gne" / name)
    text = plain(article.body)
    lines = [line for line in GNE[name]["content"].split("\n") if len(line) > 15]
    found = [line[:15] in text for line in lines[:6]]
    assert sum(found) >= max(1, len(found) * 2 // 3), found


def test_declared_gb2312_but_utf8_page(fixtures: Path) -> None:
    """people_1.html declares gb2312 but is UTF-8: it still reads correctly."""
    article = import_path(fixtures / "html" / "gne" / "people_1.html")
    assert article.title == "女儿出嫁，郑板桥画了几笔兰花当嫁妆"
    assert article.published == datetime(2019, 6, 15, 8, 18, tzinfo=CST)
    # The page's text (a Father's Day poem collection under this headline) reads correctly.
    assert "父亲的教诲像一盏灯，为我们照亮前行的路" in article.body
    assert "\ufffd" not in article.body
    # Its "相关新闻" block is captured with absolute links.
    titles = {r.title: r.url for r in article.related}
    assert titles["素洁高雅 花之君子——历代文人“兰花图”简评"] == (
        "http://jx.people.com.cn/n2/2018/0817/c355202-31945369.html"
    )


def test_genuine_gb2312_page(fixtures: Path) -> None:
    name = "archive.org.he.xinhuanet.com.25340717.html"
    article = import_path(fixtures / "html" / "trafilatura" / name)
    assert article.title == TRAF[name]["title"].strip()
    assert article.published is not None and article.published.date().isoformat() == "2012-06-04"
    text = plain(article.body)
    for snippet in TRAF[name]["with"]:
        assert " ".join(snippet.split()) in text
    for snippet in TRAF[name]["without"]:
        assert snippet not in text


@pytest.mark.parametrize(
    "name",
    [
        "github.blog.spiceland.html",
        "tofugu.com.dezuka-suisan.html",
        "nhk.or.jp.k100.html",
    ],
)
def test_trafilatura_pages_content(fixtures: Path, name: str) -> None:
    """Must-contain / must-not-contain snippets from trafilatura's evaluation set."""
    expected = TRAF[name]
    article = import_path(fixtures / "html" / "trafilatura" / name)
    text = plain(article.body)
    for snippet in expected["with"]:
        assert " ".join(snippet.split()) in text, snippet
    for snippet in expected["without"]:
        assert " ".join(snippet.split()) not in text, snippet
    if expected.get("title"):
        assert article.title == expected["title"].strip()
    if expected.get("date") and name != "nhk.or.jp.k100.html":  # shows "06月24日", no year
        assert article.published is not None
        assert article.published.date().isoformat() == expected["date"]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("github.blog.spiceland.html", "Leader spotlight: Erin Spiceland"),
        (
            "world.kbs.co.kr-Temperatures.html",
            "Colder Temperatures Forecast for Wed. after Cold Wave Alert Tues.",
        ),
        ("die-tagespost.de.Demut.html", "Warum wir jetzt Demut brauchen"),
        ("nhk.or.jp.k100.html", "子どもへの体罰を禁止する法律ができる"),
    ],
)
def test_title_is_the_article_not_the_site(fixtures: Path, name: str, title: str) -> None:
    """The first <h1> is often the site logo; the title is the heading the <title> repeats."""
    assert import_path(fixtures / "html" / "trafilatura" / name).title == title


def test_real_heading_levels_and_absolute_links(fixtures: Path) -> None:
    article = import_path(fixtures / "html" / "trafilatura" / "github.blog.spiceland.html")
    assert {s.level for s in article.sections} >= {2, 3}
    assert article.links
    assert all(link.url.startswith(("http://", "https://", "mailto:")) for link in article.links)
    assert "Erin Spiceland" not in [s.title for s in article.sections[:1]]


@pytest.mark.parametrize(
    ("name", "codec"),
    [
        ("Big5___chromium_Big5_with_no_encoding_specified.html", "big5"),
        ("EUC-KR___chromium_windows-949_with_no_encoding_specified.html", "cp949"),
        ("GB2312___chromium_gb18030_with_no_encoding_specified.html", "gb18030"),
        ("KOI8-R___chromium_KOI8-R_with_no_encoding_specified.html", "koi8_r"),
        ("SHIFT_JIS___chromium_Shift-JIS_with_no_encoding_specified.html", "cp932"),
    ],
)
def test_undeclared_legacy_charsets(fixtures: Path, name: str, codec: str) -> None:
    path = fixtures / "html" / "charset" / name
    article = import_path(path)
    truth = path.read_bytes().decode(codec)
    body_start = truth.index("<body>") + len("<body>")
    sample = " ".join(truth[body_start:].split())[:12]
    assert sample in plain(article.body) or sample in article.title
    assert "\ufffd" not in article.body


PAGE = """<!doctype html><html lang="en"><head>
<title>Deep Article Title | Example Site</title>
<base href="https://example.org/news/">
<meta property="article:published_time" content="2023-04-05T06:07:08+02:00">
<meta name="author" content="Ann Writer">
</head><body>
<nav><a href="/">Home</a> <a href="/about">About</a></nav>
<article><h1>Deep Article Title</h1>
<p>First paragraph of the article has enough words to count as the main content of the page,
and it links to <a href="other.html">another story</a> on the same site.</p>
<h2>Background</h2>
<p>Second paragraph explains the background at some length so that the extractor keeps it as
part of the article rather than discarding it as boilerplate or navigation.</p>
<h3>Details</h3>
<p>Third paragraph goes into details, again with enough text to be kept by the extractor, and
ends the article body.</p>
</article>
<aside><h3>Related articles</h3><ul>
<li><a href="first.html">First related story</a></li>
<li><a href="/second.html">Second related story</a></li>
<li><a href="first.html">First related story</a></li>
</ul></aside>
<footer>Copyright Example</footer>
</body></html>"""


def test_synthetic_page_metadata_related_and_outline() -> None:
    article = extract_html(PAGE.encode(), "https://example.org/news/deep.html")
    assert article.title == "Deep Article Title"
    assert article.published == datetime(2023, 4, 5, 6, 7, 8, tzinfo=timezone(timedelta(hours=2)))
    assert article.language == "en"
    assert article.source == "example.org"
    assert article.url == "https://example.org/news/deep.html"
    assert [(s.level, s.title) for s in article.sections] == [(2, "Background"), (3, "Details")]
    assert [(r.title, r.url, r.count) for r in article.related] == [
        ("First related story", "https://example.org/news/first.html", 2),
        ("Second related story", "https://example.org/second.html", 1),
    ]
    assert ("another story", "https://example.org/news/other.html") in [
        (x.title, x.url) for x in article.links
    ]
    assert "Copyright Example" not in article.body
    assert "Related articles" not in article.body


def test_jsonld_and_time_element_dates() -> None:
    jsonld = (
        '<html><head><title>T</title><script type="application/ld+json">'
        '{"@graph": [{"@type": "NewsArticle", "datePublished": "2022-01-02T03:04:05Z",'
        ' "author": {"name": "J. Doe"}}]}</script></head>'
        "<body><p>" + "Body text. " * 40 + "</p></body></html>"
    )
    assert extract_html(jsonld, "https://x.test/a").published == datetime(
        2022, 1, 2, 3, 4, 5, tzinfo=UTC
    )
    timed = (
        "<html><head><title>T</title></head><body><time datetime='2021-06-07'>June 7</time>"
        "<p>" + "Body text. " * 40 + "</p></body></html>"
    )
    published = extract_html(timed, "https://x.test/b").published
    assert published is not None and published.date().isoformat() == "2021-06-07"


def test_tiny_page_falls_back_to_plain_conversion() -> None:
    article = extract_html(
        "<html><body><h2>Only Heading</h2><p>Short.</p></body></html>", "https://x.test/tiny"
    )
    assert [(s.level, s.title) for s in article.sections] == [(2, "Only Heading")]
    assert "Short." in article.body


def test_hostile_markup_is_sanitized() -> None:
    page = (
        "<html><head><title>Bad\x1b]2;pwned\x07 title</title></head><body><p>"
        + "Text \x1b[2J with \u202e bidi and \x9b31m C1. " * 20
        + "</p></body></html>"
    )
    article = extract_html(page.encode(), "https://x.test/bad")
    for field in (article.title, article.body, article.source, article.url):
        assert is_clean(field)
    assert "\x1b" not in article.body and "\u202e" not in article.body


def test_deeply_nested_divs_are_bounded() -> None:
    """Issue #6: a 10,000-deep <div> nesting neither crashes nor hangs."""
    page = (
        "<html><body>"
        + "<div>" * 10_000
        + "<p>deep text</p>"
        + "</div>" * 10_000
        + "</body></html>"
    )

    def read() -> None:
        try:
            import_bytes(page.encode(), filename="deep.html")
        except Exception as error:  # only the project's error is acceptable
            from termreader.errors import ImportFailed

            assert isinstance(error, ImportFailed)

    _, seconds = cpu_seconds(read)
    assert seconds < BLOWUP


def test_links_and_related_are_capped() -> None:
    items = "".join(f'<li><a href="/r{i}">Related story number {i}</a></li>' for i in range(2000))
    links = "".join(
        f'<p>Paragraph {i} with a <a href="/l{i}">link number {i}</a> in a sentence '
        f"long enough to keep.</p>"
        for i in range(1500)
    )
    page = (
        f"<html><head><title>Many</title></head><body><article>{links}</article>"
        f"<h3>Related</h3><ul>{items}</ul></body></html>"
    )
    article = extract_html(page, "https://x.test/many")
    assert len(article.links) <= MAX_LINKS
    assert len(article.related) <= 500


def test_every_real_page_gives_a_titled_clean_article(fixtures: Path) -> None:
    """Each fixture page (charsets, Chinese news, trafilatura's set) imports to an article with a
    title and a clean body. How fast is a bench figure ("extract a ~100 KB HTML page")."""
    pages = sorted((fixtures / "html").glob("*/*.html"))
    assert len(pages) >= 10
    for page in pages:
        article = import_path(page)
        assert article.title.strip() and article.body.strip(), page.name
        assert is_clean(article.title) and is_clean(article.body), page.name


def test_fragment_from_a_feed_entry_keeps_structure() -> None:
    """Feed-entry bodies are fragments: all content, converted without boilerplate removal."""
    fragment = (
        b"<p>Intro with <a href='/x'>a link</a>, <b>bold</b> and <code>co`de</code>.<br>Next.</p>"
        b"<h2>Part</h2><ul><li>one<ul><li>nested</li></ul></li><li>two</li></ul>"
        b"<blockquote><p>quoted</p></blockquote><pre>def f():\n    return 1</pre>"
    )
    article = import_bytes(fragment, url="https://blog.test/posts/1", content_type="text/html")
    assert [(s.level, s.title) for s in article.sections] == [(2, "Part")]
    assert [(x.title, x.url) for x in article.links] == [("a link", "https://blog.test/x")]
    tokens = [t.type for t in _md.parse(article.body)]
    for kind in ("bullet_list_open", "blockquote_open", "fence", "hardbreak"):
        assert kind in tokens or any(
            c.type == kind for t in _md.parse(article.body) for c in (t.children or [])
        ), kind
    assert "def f():\n    return 1" in article.body


def test_pages_extract_concurrently_in_threads(fixtures: Path) -> None:
    """Sync extracts pages in worker threads: results match a sequential run."""
    from concurrent.futures import ThreadPoolExecutor

    pages = sorted((fixtures / "html" / "gne").glob("*.html"))
    expected = [import_path(page).title for page in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        titles = list(pool.map(lambda page: import_path(page).title, pages * 2))
    assert titles == expected * 2
