"""HTML -> Markdown keeps the structure a reader navigates by (issue 12), checked construct by
construct on small snippets, and through the project's renderer where the Markdown alone could
hide a problem (an unclosed ``**``, a heading without its text)."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
from lxml import etree

from termreader.importers.html_markdown import simple_markdown, to_markdown
from termreader.importers.html_tree import parser
from termreader.render.model import CODE, HEADING, PARAGRAPH, TABLE
from termreader.render.parser import parse

FIXTURES = Path(__file__).parent / "fixtures" / "html"


def md(html: str) -> str:
    return to_markdown(lxml.html.fragment_fromstring(html, create_parent="div", parser=parser()))


def rendered_text(markdown: str) -> str:
    return "\n".join(
        "".join(text for text, _ in block.spans) for block in parse(markdown).blocks if block.spans
    )


# --- headings ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "html",
    [
        '<h2 id="x"><a class="headerlink" href="#x" title="x"></a>Text</h2>',
        '<h2 id="x">Text<a class="headerlink" href="#x">¶</a></h2>',
        '<h2 id="x"><a href="#x" aria-hidden="true">#</a> Text</h2>',
        '<h2 id="x"><a class="anchor" href="#x">🔗</a>Text <a href="#x">§</a></h2>',
        '<h2>Text<span class="mw-editsection"><span>[</span><a href="/w?action=edit">edit</a>'
        "<span>]</span></span></h2>",
        '<h2><span class="mw-headline" id="T">Text</span>[edit]</h2>',
    ],
)
def test_heading_keeps_its_text_without_permalinks_or_edit_links(html: str) -> None:
    """Hexo/Hugo/Jekyll permalink anchors made headings empty; Wikipedia's [edit] stuck."""
    assert md(html) == "## Text"
    (block,) = parse(md(html)).blocks
    assert block.kind == HEADING and block.level == 2
    assert "".join(t for t, _ in block.spans) == "Text"


def test_heading_levels_are_kept_and_empty_headings_dropped() -> None:
    html = '<h1>One</h1><h3>Three</h3><h6>Six</h6><h2><a href="#e"></a></h2><h4> </h4>'
    assert md(html) == "# One\n\n### Three\n\n###### Six"


def test_heading_text_that_is_an_anchor_link_stays() -> None:
    assert md('<h2><a href="#sec" class="anchor">Section title</a></h2>') == "## Section title"


# --- code --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("html", "lang"),
    [
        ('<pre><code class="language-python">x = 1</code></pre>', "python"),
        ('<pre class="lang-go"><code>x = 1</code></pre>', "go"),
        ('<div class="highlight-rust"><pre>x = 1</pre></div>', "rust"),
        ('<pre class="brush: js;">x = 1</pre>', "js"),
        ('<pre><code data-lang="ruby">x = 1</code></pre>', "ruby"),
        ('<pre><code class="hljs javascript">x = 1</code></pre>', "javascript"),
        ("<pre><code>x = 1</code></pre>", ""),
    ],
)
def test_pre_becomes_fenced_code_with_its_language(html: str, lang: str) -> None:
    assert md(html) == f"```{lang}\nx = 1\n```"


def test_hexo_figure_drops_the_line_number_gutter() -> None:
    """Hexo's highlight table came out as an empty table row (``|  |  |``)."""
    html = (
        '<figure class="highlight js"><table><tr><td class="gutter"><pre>'
        '<div class="line">1</div><div class="line">2</div></pre></td><td class="code"><pre>'
        '<div class="line"><span class="keyword">var</span> a;</div>'
        '<div class="line">a = <span class="number">1</span></div></pre></td></tr></table></figure>'
    )
    assert md(html) == "```js\nvar a;\na = 1\n```"
    (block,) = parse(md(html)).blocks
    assert block.kind == CODE and block.data == ["js", "var a;\na = 1"]


def test_pygments_linenos_table_and_token_spans() -> None:
    html = (
        '<div class="highlight"><table class="highlighttable"><tr><td class="linenos">'
        '<div class="linenodiv"><pre>1\n2</pre></div></td><td class="code"><div class="highlight">'
        '<pre><span class="k">def</span> <span class="nf">f</span>():\n    <span class="k">pass'
        "</span>\n</pre></div></td></tr></table></div>"
    )
    assert md(html) == "```\ndef f():\n    pass\n```"


def test_br_in_pre_and_inline_line_numbers() -> None:
    html = '<pre><span class="linenos">1</span>a<br><span class="linenos">2</span>b</pre>'
    assert md(html) == "```\na\nb\n```"


def test_fence_outgrows_backtick_runs_in_the_code() -> None:
    assert md("<pre>a ```` b</pre>") == "`````\na ```` b\n`````"
    assert md("<p>use <code>a`b</code></p>") == "use ``a`b``"


# --- quotes and lists --------------------------------------------------------------------------
def test_nested_block_quotes() -> None:
    html = "<blockquote><p>outer</p><blockquote><p>inner</p></blockquote></blockquote>"
    assert md(html) == "> outer\n>\n> > inner"
    blocks = parse(md(html)).blocks
    assert [(b.kind, b.quote) for b in blocks] == [(PARAGRAPH, 1), (PARAGRAPH, 2)]


def test_quote_keeps_its_attribution_footer() -> None:
    html = "<blockquote><p>Words.</p><footer>— Someone</footer></blockquote><footer>site</footer>"
    assert md(html) == "> Words.\n>\n> — Someone"


def test_ordered_list_start_and_br_in_item() -> None:
    """<ol start=5> restarted at 1; <br> in <li> became a space."""
    html = '<ol start="5" reversed><li>five<br>more</li><li>six<ul><li>sub</li></ul></li></ol>'
    assert md(html) == "5. five\\\n   more\n6. six\n   * sub"
    blocks = parse(md(html)).blocks
    assert blocks[0].prefix == "5. " and blocks[0].spans == [("five\nmore", "")]
    assert blocks[1].prefix == "6. "


def test_adjacent_lists_stay_two_lists() -> None:
    assert md("<ul><li>a</li></ul><ul><li>b</li></ul>") == "- a\n\n* b"


def test_definition_list_term_on_its_own_line() -> None:
    html = "<dl><dt>Term</dt><dd>What it means</dd><dt>Other</dt><dd>Second</dd></dl>"
    assert md(html) == "**Term**  \n: What it means\n\n**Other**  \n: Second"
    # Drawn as the term, then the definition indented under it (issue 13; was one block
    # "Term" / ": What it means").
    term, definition = parse(md(html)).blocks[:2]
    assert term.spans == [("Term", "bold")]
    assert definition.text == "What it means" and definition.indent == 4 and definition.gap == 0


# --- tables ------------------------------------------------------------------------------------
def test_table_header_colspan_and_escaped_pipes() -> None:
    html = (
        "<table><thead><tr><th>A</th><th>B|C</th></tr></thead><tbody>"
        '<tr><td colspan="2">wide</td></tr><tr><td>1</td><td><code>a|b</code></td></tr>'
        "</tbody></table>"
    )
    assert md(html) == "| A | B\\|C |\n| --- | --- |\n| wide |   |\n| 1 | `a\\|b` |"
    (block,) = parse(md(html)).blocks
    assert block.kind == TABLE
    rows = [["".join(t for t, _ in cell) for cell in row] for row in block.data[1]]
    assert rows == [["A", "B|C"], ["wide", ""], ["1", "a|b"]]


def test_table_without_header_row_gets_an_empty_one() -> None:
    html = "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td><td>4</td></tr></table>"
    assert md(html) == "|   |   |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 |"


def test_layout_table_is_read_as_blocks() -> None:
    assert md("<table><tr><td><h2>Title</h2><p>Body</p></td></tr></table>") == "## Title\n\nBody"


# --- images, figures, scripts, footnotes, math -------------------------------------------------
def test_image_and_figure_caption() -> None:
    html = '<figure><img src="/cat.png" alt="A cat"><figcaption>The cat</figcaption></figure>'
    assert md(html) == "![A cat](/cat.png)\n\n*The cat*"
    assert rendered_text(md(html)) == "[image: A cat] /cat.png\nThe cat"


def test_lazy_image_source_and_tracking_pixel() -> None:
    assert md('<p><img data-src="/a.png" src="data:image/gif;base64,R0l" alt="x"></p>') == (
        "![x](/a.png)"
    )
    assert md('<p>t<img src="/p.gif" width="1" height="1"></p>') == "t"


def test_superscript_and_subscript_stay_readable() -> None:
    """x<sup>2</sup> read "x2"."""
    assert md("<p>x<sup>2</sup>, H<sub>2</sub>O, 1<sup>st</sup>, e<sup>i pi</sup></p>") == (
        "x², H₂O, 1^st, e^(i pi)"
    )


def test_footnote_references_are_bracketed_links_with_the_space_after_them() -> None:
    """A footnote reference read "A claim1[3]"; citations glued: "research,[2][15]music"."""
    html = (
        '<p>A claim<sup><a href="#fn1">1</a></sup>. Research,<sup class="reference">'
        '<a href="#cite_note-2">[2]</a></sup><sup class="reference"><a href="#cite_note-15">'
        '[15]</a></sup> music <a class="footnote-ref" href="#fn3"><sup>3</sup></a></p>'
    )
    assert md(html) == (
        "A claim[\\[1\\]](#fn1). Research,[\\[2\\]](#cite_note-2)[\\[15\\]](#cite_note-15) music"
        " [\\[3\\]](#fn3)"
    )
    assert rendered_text(md(html)) == "A claim[1][1]. Research,[2][2][15][3] music [3][4]"


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<p>Set <math alttext="{\\displaystyle x_i}"><mi>x</mi></math> ok</p>', "Set $x\\_i$ ok"),
        (
            "<p>Set <math><semantics><mi>y</mi><annotation encoding="
            '"application/x-tex">y^2</annotation></semantics></math> ok</p>',
            "Set $y^2$ ok",
        ),
        ("<p>Set <math><mi>z</mi></math> ok</p>", "Set $z$ ok"),
        (
            '<p>Set <math><semantics><mi>N</mi><annotation encoding="application/x-tex">'
            "{\\displaystyle N}</annotation></semantics></math> ok</p>",
            "Set $N$ ok",
        ),
        ('<p>Set <script type="math/tex">a+b</script> ok</p>', "Set $a+b$ ok"),
        (
            '<p>Set <span style="display:none"><math alttext="w"></math></span>'
            '<img aria-hidden="true" src="w.svg" alt="w"> ok</p>',
            "Set $w$ ok",
        ),
    ],
)
def test_math_is_kept_as_tex(html: str, expected: str) -> None:
    """MathML disappeared ("Given a set of high-dimensional objects , t-SNE…")."""
    assert md(html) == expected


# --- escaping and emphasis ---------------------------------------------------------------------
def test_text_that_looks_like_markdown_is_escaped() -> None:
    html = "<p># no</p><p>1. no</p><p>- no</p><p>+ no</p><p>*a* _b_ `c` [d] &lt;e&gt;</p>"
    markdown = md(html)
    assert [b.kind for b in parse(markdown).blocks] == [PARAGRAPH] * 5
    assert rendered_text(markdown) == "# no\n1. no\n- no\n+ no\n*a* _b_ `c` [d] <e>"


def test_setext_underline_after_a_break_is_escaped() -> None:
    assert rendered_text(md("<p>title<br>---</p>")) == "title\n---"


@pytest.mark.parametrize(
    "html",
    [
        "<p><b>33%</b>of those</p>",
        "<p><b>33% </b>of those</p>",
        "<p>a<strong>(b)</strong>c</p>",
        "<p><em><strong>both</strong></em>, <b><b>twice</b></b></p>",
        "<p><i> </i>x<b></b></p>",
    ],
)
def test_emphasis_never_leaves_literal_markers(html: str) -> None:
    """A BBC page showed "**33%**of": bold CommonMark cannot close."""
    assert "*" not in rendered_text(md(html))


def test_emphasis_moves_edge_punctuation_outside_when_it_must() -> None:
    """ "2016年，<strong>他来到贵州，</strong>当" cannot close before "当": the comma goes out;
    back-to-back spans merge (a "****" run closes nothing); link syntax is never split."""
    assert md("<p>年，<strong>他来到贵州，</strong>当</p>") == "年，**他来到贵州**，当"
    assert md("<p><b>一，</b><b>二，</b>三</p>") == "**一，二**，三"
    assert md('<p><b><a href="/x">y</a></b><br>z</p>') == "**[y](/x)**\\\nz"
    assert "*" not in rendered_text(md('<p>a<b><a href="/x">y</a></b>c</p>'))


def test_emphasis_moves_whitespace_outside_its_markers() -> None:
    assert md("<p>a<b> bold </b>word and <em>x</em>y</p>") == "a **bold** word and *x*y"
    spans = parse(md("<p>a<b> bold </b>word</p>")).blocks[0].spans
    assert ("bold", "bold") in spans


# --- clutter -----------------------------------------------------------------------------------
def test_page_clutter_is_left_out() -> None:
    html = (
        '<a class="mw-jump-link" href="#nav">Jump to navigation</a>'
        '<a href="#main">Skip to content</a><p>Body text.</p>'
        '<div class="share-bar"><a href="https://x.test/share">Share</a></div>'
        '<div id="comments"><p>A reader said something.</p></div>'
        '<div class="cookie-notice">We use cookies.</div>'
        '<nav><a href="/">Home</a></nav><form><input value="q"></form><button>Load more</button>'
        '<a class="more" href="/list">加载更多新闻</a><script>alert(1)</script><style>p{}</style>'
        '<p aria-hidden="true">hidden</p><p style="display: none">hidden too</p>'
        '<table class="navbox"><tr><td>Series</td><td>Other</td></tr></table>'
        '<div class="noprint">print-less</div><span class="off-screen">Media caption</span>'
    )
    assert md(html) == "Body text."


def test_a_hint_on_most_of_the_text_is_not_clutter() -> None:
    """A container named after comments that holds the article is still the article."""
    text = "The whole article text, long enough to be an article. " * 5
    assert md(f'<div class="comments-3"><p>{text}</p></div>') == text.strip()


def test_inline_and_block_neighbours_do_not_glue_words() -> None:
    assert md("<p>one<span>two</span> <a href='/x'><div>three</div></a>four</p>") == (
        "onetwo [three](/x) four"
    )


def test_br_runs_split_paragraphs() -> None:
    assert md("<p>one<br><br>two<br>three</p>") == "one\n\ntwo\\\nthree"


# --- bounds and entry points -------------------------------------------------------------------
@pytest.mark.parametrize(
    "tags",
    [("div",), ("blockquote",), ("ul", "li"), ("ul",), ("b",), ("td",), ("pre",), ("dl", "dd")],
)
def test_deep_nesting_is_flattened_not_a_recursion_error(tags: tuple[str, ...]) -> None:
    """10,000-deep nesting must neither raise RecursionError nor lose the text (built through
    the API: the HTML parser itself stops at depth 256)."""
    root = lxml.html.fragment_fromstring("<div></div>", parser=parser())
    node = root
    for _ in range(10_000):
        for tag in tags:
            node = etree.SubElement(node, tag)
    node.text = "deep text"
    assert "deep text" in to_markdown(root)


def test_simple_markdown_picks_the_article() -> None:
    html = "<html><body><nav>Menu</nav><article><h1>T</h1><p>Body</p></article></body></html>"
    tree = lxml.html.document_fromstring(html, parser=parser())
    assert simple_markdown(tree) == "# T\n\nBody"


def test_links_resolve_against_the_base_url() -> None:
    element = lxml.html.fragment_fromstring('<p><a href="b (1).html">x</a></p>', parser=parser())
    assert to_markdown(element, "https://s.test/a/") == "[x](https://s.test/a/b%20%281%29.html)"


def test_aotu_article_keeps_its_headings_code_and_images() -> None:
    """aotu.io (Hexo): headings began with an empty headerlink anchor and showed as "(untitled)";
    its highlight figures came out as ``|  |  |``."""
    page = (FIXTURES / "aotu-regexp-theory-excerpt.html").read_bytes()
    tree = lxml.html.document_fromstring(page, parser=parser())
    (content,) = tree.find_class("post-content")
    markdown = to_markdown(content)
    blocks = parse(markdown).blocks
    headings = ["".join(t for t, _ in b.spans) for b in blocks if b.kind == HEADING]
    assert headings == [
        "首先你要记住它的名字",
        "正则表达式可以干嘛",
        "概述",
        "构造函数（四种写法）",
        "用于模式匹配的String方法",
    ]
    assert all(b.level == 2 for b in blocks if b.kind == HEADING)
    codes = [b.data for b in blocks if b.kind == CODE]
    assert [lang for lang, _ in codes] == ["javascript", "elixir", "awk"]
    # The page's own no-break spaces (its Markdown source has them too) are kept.
    assert codes[0][1].split("\n")[0].replace("\xa0", " ") == "var regex = new RegExp('xyz', 'i');"
    assert len(codes[0][1].split("\n")) == 8  # the gutter's numbers are not in the code
    assert "\n1\n2\n" not in markdown
    text = rendered_text(markdown)
    assert "[image: match] //misc.aotu.io/Newcandy/2016-11-16-regexp-theory/match.png" in text
    assert "正则表达式\nregular expression\n缩写" in text
    assert text.count("**") == 1  # the page's own text: "字符 <code>\\</code>**。"


def test_output_is_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    """A hostile page cannot make the Markdown grow without bound."""
    import termreader.importers.html_markdown as module

    monkeypatch.setattr(module, "MAX_MARKDOWN_CHARS", 1000)
    markdown = md("<p>some words here</p>" * 10_000)
    assert 900 < len(markdown) < 1100


def test_menu_words_in_the_text_are_kept() -> None:
    """Clutter is recognised by its markup, not by ordinary words."""
    assert md("<ul><li>File</li><li>Edit</li></ul><p>Share</p>") == "- File\n- Edit\n\nShare"


def test_print_hidden_photo_is_kept_print_hidden_chrome_is_not() -> None:
    """Regression: a news page's lead photo in ``<div class="photo no-print">`` was dropped as
    clutter (the print style hides it to save ink); a print-hidden link bar still goes."""
    html = (
        "<div><div class='photo no-print'><img src='/p.jpg' alt='Cold wave hits'></div>"
        "<div class='no-print'><a href='/print'>Print</a> <a href='/mail'>Email</a></div>"
        "<p>Temperatures fell sharply on Tuesday morning across the region.</p></div>"
    )
    out = to_markdown(lxml.html.fragment_fromstring(html), "https://example.org/a")
    assert "![Cold wave hits](https://example.org/p.jpg)" in out
    assert "Print" not in out and "Email" not in out


# --- bold paragraphs that stand for section titles ---------------------------------------------
BODY = "<p>这是正文的一段文字，它说明了事情的来龙去脉，也给出了记者了解到的情况。</p>"


def test_bold_paragraphs_between_body_text_become_headings() -> None:
    """Chinese portals (163.com) set section titles as ``<p><strong>一、…</strong></p>``: they
    read as bold paragraphs and the outline had no sections. A run (title and subtitle) becomes
    a run of headings, one level below the heading before them."""
    html = (
        BODY + "<p><strong>一、业绩会突现业主维权插曲</strong></p>"
        "<p><b>昔日“龙湖质量”遭质疑</b></p>"
        + BODY
        + "<h2>Part</h2>"
        + BODY
        + "<p><strong>Smaller point</strong></p><p>Text under it, a sentence.</p>"
    )
    assert md(html).split("\n\n")[1:3] == [
        "## 一、业绩会突现业主维权插曲",
        "## 昔日“龙湖质量”遭质疑",
    ]
    assert "### Smaller point" in md(html)
    sections = [b.text for b in parse(md(html)).blocks if b.kind == HEADING]
    assert sections == [
        "一、业绩会突现业主维权插曲",
        "昔日“龙湖质量”遭质疑",
        "Part",
        "Smaller point",
    ]


def test_a_lone_section_number_joins_the_title_after_it() -> None:
    html = BODY + "<p><strong>1</strong></p><p><strong>爱与责任</strong></p>" + BODY
    assert "## 1 爱与责任" in md(html)


@pytest.mark.parametrize(
    "bold",
    [
        "这是一句加粗的话，它以句号结尾。",  # a sentence
        "“是您的到来，才让我有了走出贵州这个想法。”",  # a quoted sentence
        "Lesen Sie auch:",  # a label
        "By Nada Tawfik, BBC News, New York",  # a byline
        "——（宋）陆游",  # an attribution
        '<a href="/next">下一页的文章标题</a>',  # a bold link
        "A bold line that is far too long to be the title of a section of this article at all",
    ],
)
def test_bold_paragraphs_that_are_not_titles_stay_bold(bold: str) -> None:
    out = md(BODY + f"<p><strong>{bold}</strong></p>" + BODY)
    assert not [b for b in parse(out).blocks if b.kind == HEADING]
    assert "**" in out


@pytest.mark.parametrize(
    "html",
    [
        "<p><strong>半月谈记者 史卫燕</strong></p>" + BODY,  # nothing before: a byline
        BODY + "<p><strong>RIRM</strong></p><p>drukuj</p>",  # a control after: a signature
        BODY + "<p><strong>数据绑定</strong></p><p><img src='/a.png' alt='x'></p>",  # a picture
        BODY + "<p><strong>责任编辑</strong></p>",  # nothing after
    ],
)
def test_a_bold_paragraph_needs_body_text_around_it(html: str) -> None:
    assert not [b for b in parse(md(html)).blocks if b.kind == HEADING]


def test_related_images_block_is_the_articles_picture() -> None:
    """Regression: a gazeta.pl lead photo sat in ``<div class="related_images">`` with the
    gallery's data in a ``<script>``; the "related" name and the script's text (counted as a
    caption) made it clutter. A picture block without links is the article's."""
    html = (
        "<div><p>Lead paragraph of the article, a sentence or two long.</p>"
        "<div class='related_images'><div class='related_image_wrap'>"
        "<img src='/p.jpg' alt='Zdjęcie ilustracyjne' width='1764' height='950'></div>"
        "<p class='desc'>Fot. Agencja</p><script>var gallery = {" + "x: 1, " * 200 + "};</script>"
        "</div><p>Body text goes on after the picture.</p>"
        "<div class='related'><a href='/a'>Other story</a> <a href='/b'>Another</a></div></div>"
    )
    out = to_markdown(lxml.html.fragment_fromstring(html), "https://example.org/a")
    assert "![Zdjęcie ilustracyjne](https://example.org/p.jpg)" in out
    assert "Other story" not in out


def test_definitions_without_terms_are_an_indented_block() -> None:
    """Regression: Wikipedia indents display math as ``<dl><dd>``; it read ": $p_{ij}$" with a
    definition-list prefix and no term. It is now an indented (quoted) block."""
    html = "<p>as follows:</p><dl><dd><math alttext='p_{ij}'><mi>p</mi></math></dd></dl>"
    assert md(html) == "as follows:\n\n> $p\\_{ij}$"
    nested = md("<dl><dd>Reply<dl><dd>Answer</dd></dl></dd></dl>")
    assert nested == "> Reply\n>\n> > Answer"
    assert [b.quote for b in parse(nested).blocks] == [1, 2]


def test_icons_beside_a_credit_line_are_left_out() -> None:
    """Regression: 163.com ends its articles with a 13x12 channel logo whose alt is the
    editor's name, linked to the channel; it read "[image: 杨倩] 本文来源：…". Icons (declared at
    most 32 px both ways) are left out; emoji keep their text; pictures stay."""
    html = (
        '<p><a href="http://money.163.com/"><img src="/end_money.png" alt="杨倩" width="13" '
        'height="12"></a> 本文来源：证券市场红周刊 责任编辑：杨倩_NF4425</p>'
        '<p>Nice <img class="wp-smiley" src="/s.png" alt=":)" width="16" height="16"></p>'
        '<p><img src="/p.jpg" alt="Photo" width="640" height="32"></p>'
    )
    assert md(html) == (
        "本文来源：证券市场红周刊 责任编辑：杨倩\\_NF4425\n\nNice :)\n\n![Photo](/p.jpg)"
    )
