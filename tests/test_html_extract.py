"""HTML main content: the page's own subtree is converted (found by the extractors), clutter is
cut from it by general rules, and titles are the headline without the site's name."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from termreader.importers import extract_html
from termreader.importers import html as html_module
from termreader.importers.html import extract_page
from termreader.importers.html_content import TextIndex
from termreader.importers.html_markdown import to_markdown
from termreader.importers.html_tree import lead_image, parser

EXCERPT = "html/extract/aotu-regexp-theory-excerpt.html"
EXCERPT_URL = "https://aotu.io/notes/2016/11/17/regexp-theory/index.html"
FILLER = (
    "<p>" + "This paragraph carries the article's running text for the extractor. " * 8 + "</p>"
)


@pytest.fixture
def excerpt(fixtures: Path) -> str:
    return extract_page((fixtures / EXCERPT).read_bytes(), EXCERPT_URL).body


def test_headings_behind_permalink_anchors_keep_text_and_level(excerpt: str) -> None:
    """Regression: trafilatura's own output of this Hexo page (headings that begin with
    ``<a class="headerlink" href="#x"></a>``) gave "## " with no text for every section."""
    lines = excerpt.splitlines()
    for heading in ("首先你要记住它的名字", "正则表达式可以干嘛", "概述", "构造函数（四种写法）"):
        assert f"## {heading}" in lines
    assert "## " not in lines and "##" not in lines


def test_sections_of_the_page_are_titled(fixtures: Path) -> None:
    article = extract_html((fixtures / EXCERPT).read_bytes(), EXCERPT_URL)
    titles = [section.title for section in article.sections]
    assert titles[:3] == ["首先你要记住它的名字", "正则表达式可以干嘛", "概述"]
    assert all(titles)


def test_quotes_and_code_of_the_original_survive(excerpt: str) -> None:
    """Regression: trafilatura's output turned the ``<blockquote>`` into a plain paragraph (a
    quote read as the author's words); the original subtree keeps it a quote, and the
    ``<pre>`` a fenced block."""
    assert "> 正则表达式是对字符串操作的一种逻辑公式" in excerpt
    fence = excerpt.index("```js\nvar re = /ab+c/;\n")  # the language from class="language-js"
    assert 're.test("abbc"); // true\n```' in excerpt[fence:]


@pytest.mark.parametrize(
    "clutter",
    [
        "Jump to navigation",  # skip link inside the content container
        "分享到",  # share bar
        "Twitter",
        "加载更多",  # "load more" control (a javascript: link, kept as text)
        "娱乐",  # channel navigation list inside the article
        "体育",
        "条评论",  # comment section: its heading and comments
        "终于记住了先行断言",
        "Copyright",
    ],
)
def test_clutter_is_cut(excerpt: str, clutter: str) -> None:
    assert clutter not in excerpt


def test_the_article_text_stays_whole(excerpt: str) -> None:
    cover, text = excerpt.split("\n\n", 1)  # the post's cover image comes first
    assert cover.startswith("![正则表达式理论篇](https://misc.aotu.io/")
    assert text.startswith(("总是记不住", "学习正则表达式的你们"))
    assert "基于模式匹配从字符串中提取子字符串" in excerpt
    assert "感谢您的阅读" in excerpt


def test_text_index_finds_the_smallest_element_holding_the_text() -> None:
    page = (
        "<html><body><div id='page'><ul class='menu'><li><a href='/'>Home page link</a></li></ul>"
        "<div id='main'><div class='story'><p>Alpha beta gamma delta epsilon zeta.</p>"
        "<p>Eta theta iota kappa lambda mu.</p></div><div class='side'>Nu xi omicron pi rho"
        "</div></div></div></body></html>"
    )
    tree = lxml.html.document_fromstring(page, parser=parser())
    index = TextIndex(tree)
    matched = index.match("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu")
    found = index.locate(matched, tree.find("body"))
    assert found is not None and index.elements[found].get("class") == "story"
    assert index.total[found] == 12 and matched[found] == 12
    # Text the page does not have is found nowhere.
    assert index.locate(index.match("completely different words in this text"), tree) is None


def test_deep_nesting_is_indexed_without_recursion() -> None:
    # Built directly: the HTML parser itself stops nesting at 256 levels.
    root = lxml.html.Element("html")
    node = lxml.html.etree.SubElement(root, "body")
    for _ in range(10_000):
        node = lxml.html.etree.SubElement(node, "div")
    node.text = "deep words here now"
    index = TextIndex(root)
    matched = index.match("deep words here now")
    found = index.locate(matched, root.find("body"))
    assert found is not None and index.elements[found] is node and index.total[found] == 4
    assert index.size[0] == 10_002


def _page(head: str, body: str) -> bytes:
    return f"<html><head>{head}</head><body>{body}{FILLER}</body></html>".encode()


@pytest.mark.parametrize(
    ("head", "body", "url", "title"),
    [
        # og:site_name names the suffix.
        (
            "<title>Rates rise again - The Example Times</title>"
            "<meta property='og:site_name' content='The Example Times'>",
            "",
            "https://www.example.org/a",
            "Rates rise again",
        ),
        # The domain names it (the suffix is longer than the headline).
        (
            "<title>Rates rise | Exampletimes Online</title>",
            "",
            "https://www.exampletimes.com/2024/rates.html",
            "Rates rise",
        ),
        # A site prefix.
        (
            "<title>Exampletimes | Rates rise across the region this week</title>",
            "",
            "https://exampletimes.co.uk/a",
            "Rates rise across the region this week",
        ),
        # Chinese portals glue the channel on with "_".
        ("<title>中铁总辟谣称消息不实_新浪新闻</title>", "", "", "中铁总辟谣称消息不实"),
        # og:title beats <title>.
        (
            "<title>Site Home</title><meta property='og:title' content='The real headline'>",
            "",
            "",
            "The real headline",
        ),
        # The <h1> the <title> begins with, not the logo <h1>.
        (
            "<title>A headline about the harbour - Local - Harbour Post</title>",
            "<h1>Harbour Post</h1><h1>A headline about the harbour</h1>",
            "https://harbourpost.example/a",
            "A headline about the harbour",
        ),
    ],
)
def test_title_is_the_headline_without_the_site(head: str, body: str, url: str, title: str) -> None:
    assert extract_page(_page(head, body), url).title == title


def test_page_without_title_takes_its_h1_and_site_name() -> None:
    """Regression: a page with no <title> was titled with its host ("127.0.0.1") although it
    has an <h1>; its og:site_name is the source."""
    page = _page("<meta property='og:site_name' content='Harbour Post'>", "<h1>Boats return</h1>")
    article = extract_html(page, "http://127.0.0.1:8765/boats.html")
    assert article.title == "Boats return"
    assert article.source == "Harbour Post"


def _split_story() -> tuple[str, list[str]]:
    words = "river bridge town harbour mill market chapel school orchard meadow quarry forge"
    paras = [" ".join(f"{w}{i}" for w in words.split()) + "." for i in range(8)]
    blocks = "".join(
        f"<div class='block'><p>{p}</p></div><div class='ad'><a href='/x{i}'>Buy now</a></div>"
        for i, p in enumerate(paras)
    )
    page = (
        "<html><body><div class='nav'><a href='/'>Home</a> <a href='/news'>News</a></div>"
        f"<div id='story'>{blocks}</div><div class='footer'>About us</div></body></html>"
    )
    return page, paras


@pytest.mark.parametrize("second_opinion", [True, False])
def test_readability_widens_an_extraction_of_one_block(
    monkeypatch: pytest.MonkeyPatch, second_opinion: bool
) -> None:
    """An article split over sibling blocks, of which the extractor took the first only: the
    readability second opinion gives the whole story (without it: the one block)."""
    page, paras = _split_story()
    if not second_opinion:
        monkeypatch.setattr(html_module, "_readability_text", lambda tree: "")
    tree = lxml.html.document_fromstring(page, parser=parser())
    body = html_module._original_subtree(tree, paras[0])
    assert body.count("river") == (8 if second_opinion else 1)
    assert "Buy now" not in body and "About us" not in body and "Home" not in body


def test_section_headings_that_read_like_widget_titles_stay() -> None:
    """Regression: the rule for widgets titled "相关阅读"/"Related" took the article's own
    section "相关技术" (an aotu.io post) out of its outline."""
    body = (
        "<article><h1>Harbour notes</h1>"
        + FILLER
        + "<h2>相关技术</h2>"
        + FILLER.replace("running", "second")
        + "<h2>Related work</h2>"
        + FILLER.replace("running", "third")
        + "<div class='box'><h3>相关阅读</h3><ul><li><a href='/a'>另一篇文章的标题</a></li>"
        "<li><a href='/b'>第二篇文章的标题</a></li></ul></div></article>"
    )
    article = extract_html(_page("<title>Harbour notes</title>", body), "https://example.org/n")
    assert [s.title for s in article.sections] == ["相关技术", "Related work"]
    assert "另一篇文章的标题" not in article.body


def test_highlighted_code_keeps_its_comment_spans() -> None:
    """Regression: a highlighter's ``<span class="comment">`` (an aotu.io post's first code
    line "// 将指定的自然数转换为26进制表示", and a ``{`` it had wrapped) was cut as a comment
    thread, so the code lost lines and braces."""
    code = (
        "<figure class='highlight javascript'><table><tr><td class='gutter'><pre>"
        "<div class='line'>1</div><div class='line'>2</div><div class='line'>3</div></pre></td>"
        "<td class='code'><pre><div class='line'><span class='comment'>// convert a number"
        "</span></div><div class='line'><span class='keyword'>function</span> col(n) "
        "<span class='comment'>&#123;</span></div><div class='line'>&#125;</div></pre></td>"
        "</tr></table></figure>"
    )
    body = "<article><h1>Harbour notes</h1>" + FILLER + code + FILLER + "</article>"
    article = extract_html(_page("<title>Harbour notes</title>", body), "https://example.org/n")
    assert "```javascript\n// convert a number\nfunction col(n) {\n}\n```" in article.body


def _post(lead: str) -> bytes:
    """A blog post whose text sits in ``.post-content`` beside ``lead`` inside <article>."""
    return (
        "<html><head><title>Harbour notes</title></head><body><div class='nav'>"
        f"<a href='/'>Home</a></div><article class='post'><div class='post-cover'>{lead}</div>"
        "<header><h1>Harbour notes</h1></header><div class='post-content'>"
        f"{FILLER}{FILLER.replace('running', 'second')}</div></article></body></html>"
    ).encode()


def test_cover_image_above_the_headline_stays_under_the_title() -> None:
    """Regression: an aotu.io post's cover (``<div class="post-cover"><img alt="<title>">``
    above its ``<h1>``) was cut with the header around the article text; it now stays as the
    first line of the body, and the headline is still not repeated."""
    page = _post("<img src='/cover.png' alt='Harbour notes'>")
    article = extract_html(page, "https://example.org/n")
    first = article.body.lstrip().split("\n", 1)[0]
    assert first == "![Harbour notes](https://example.org/cover.png)"
    assert "# Harbour notes" not in article.body


@pytest.mark.parametrize(
    "lead",
    [
        "<div class='author'><img src='/me.jpg' alt='Ann Writer'></div>",  # a byline photo
        "<img src='/logo.png' alt='Harbour Post logo'>",
        "<img src='/me.jpg' class='avatar' alt='Ann Writer'>",
        "<a href='/other'><img src='/t.jpg' alt='Another story'></a>",  # a teaser link
        "<img src='/px.gif' alt='Counter' width='1' height='1'>",
        "<img src='/i.png' alt='Flag' width='16' height='16'>",
    ],
)
def test_furniture_images_before_the_article_are_still_cut(lead: str) -> None:
    """The lead-image rule keeps pictures, not avatars, logos, teaser links, icons or pixels."""
    article = extract_html(_post(lead), "https://example.org/n")
    assert "![" not in article.body
    assert article.body.startswith("This paragraph carries")


def test_deeply_nested_print_hidden_blocks_stay_bounded() -> None:
    """The lead-picture check is asked of every print-hidden level of a nesting: 10,000 levels
    around a picture must not recurse or turn quadratic, and a block that deep is no picture."""
    root = lxml.html.fromstring("<div><p>Lead text of the story here.</p></div>")
    node = root
    for _ in range(10_000):
        node = etree.SubElement(node, "div", {"class": "no-print"})
    etree.SubElement(node, "img", {"src": "/p.jpg", "alt": "Deep photo"})
    assert not lead_image(root[1])
    assert to_markdown(root, "https://example.org/").strip() == "Lead text of the story here."


def test_scripts_styles_and_drawings_are_dropped_before_extraction_tex_stays() -> None:
    """Scripts, styles and SVG are removed once the metadata is read (the extractor's walks are
    shorter without them); the JSON-LD date is still read, MathJax TeX is still content."""
    head = (
        "<title>Harbour notes</title><script type='application/ld+json'>"
        '{"@type": "NewsArticle", "datePublished": "2024-05-03T10:00:00Z"}</script>'
        "<style>p { color: red }</style>"
    )
    body = (
        "<article><h1>Harbour notes</h1>" + FILLER + "<p>Energy is "
        "<script type='math/tex'>E = mc^2</script> here.<svg><text>drawn</text></svg>"
        "<script>var hidden = 'no';</script></p>" + FILLER + "</article>"
    )
    article = extract_html(_page(head, body), "https://example.org/n")
    assert article.published is not None and article.published.year == 2024
    assert "Energy is $E = mc^2$ here." in article.body
    assert "drawn" not in article.body and "hidden" not in article.body
