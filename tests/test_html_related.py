"""The related block of an HTML page holds other articles only (issue 12): no chrome, no self."""

from __future__ import annotations

from pathlib import Path

import lxml.html

from termreader.importers import extract_html
from termreader.importers.html_related import related_blocks

SINA_URL = "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml"
SINA_TITLE = '60万"12306账号"外泄? 中铁总辟谣称消息不实'
CHROME = ("About Sina", "通行证注册", "SINA English", "新浪简介", "联系我们", "网站律师")

# What a browser shows in the page's script-filled "相关新闻" list: three stories of the same
# site, the article itself (with the site name glued on, and by address with a tracking query),
# a story cut short and its full form, and the comment page.
SINA_CARDS = """
<div class="card"><a href="https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn1905934.shtml">
2018年牛熊股盘点 业绩是最好的避风港</a></div>
<div class="card"><a href="https://finance.sina.com.cn/china/2018-12-28/doc-ihqhqcis1135879.shtml">
发改委：明日起汽柴油分别每吨下调370元和355元</a></div>
<div class="card"><a href="https://finance.sina.com.cn/roll/2018-12-28/doc-ihqfskcn2160999.shtml?cre=tianyi">
12306账号外泄的后续</a></div>
<div class="card"><a href="https://finance.sina.com.cn/roll/2018-12-29/doc-ihqfskcn9999999.shtml">
60万"12306账号"外泄? 中铁总辟谣称消息不实_新浪财经</a></div>
<div class="card"><a href="https://finance.sina.com.cn/roll/2018-12-28/doc-ihqhqcis0952565.shtml">
长安汽车21年来扣非净利首现亏损…</a></div>
<div class="card"><a href="https://finance.sina.com.cn/roll/2018-12-28/doc-ihqhqcis0952565.shtml">
长安汽车21年来扣非净利首现亏损 11月销量同比降40%</a></div>
<div class="card"><a href="http://comment5.news.sina.com.cn/comment/skin/default.html?channel=cj&amp;newsid=comos-hqfskcn2160999">
已有1024位网友参与了本文的讨论</a></div>
"""


def _sina(fixtures: Path, rendered: bool) -> str:
    page = (fixtures / "html" / "gne" / "sina_2.html").read_text("utf-8")
    if rendered:
        empty = '<div class="cardlist-a__list" node-type="list"></div>'
        assert empty in page
        page = page.replace(empty, f'<div class="cardlist-a__list">{SINA_CARDS}</div>')
    return page


def _assert_no_chrome_no_self(titles: list[str], urls: list[str]) -> None:
    for chrome in CHROME:
        assert chrome not in titles
    assert not any("comment" in url for url in urls)
    assert not any(url.split("?")[0] == SINA_URL for url in urls)
    assert SINA_TITLE not in titles


def test_sina_page_as_served_lists_no_chrome(fixtures: Path) -> None:
    """A sina.com.cn article listed "About Sina", "通行证注册", "SINA English", comment pages and
    itself as related. As served, its related list is filled by a script: nothing to list."""
    article = extract_html(_sina(fixtures, rendered=False).encode(), SINA_URL)
    _assert_no_chrome_no_self([r.title for r in article.related], [r.url for r in article.related])
    assert article.related == []


def test_sina_page_as_rendered_lists_the_other_stories(fixtures: Path) -> None:
    """With its "相关新闻" list filled in, the sina page lists the other stories, once each
    and in full, and neither itself, its comment page nor its footer chrome."""
    article = extract_html(_sina(fixtures, rendered=True).encode(), SINA_URL)
    titles = [r.title for r in article.related]
    urls = [r.url for r in article.related]
    _assert_no_chrome_no_self(titles, urls)
    assert titles == [
        "2018年牛熊股盘点 业绩是最好的避风港",
        "发改委：明日起汽柴油分别每吨下调370元和355元",
        "长安汽车21年来扣非净利首现亏损 11月销量同比降40%",
    ]
    assert urls[2] == "https://finance.sina.com.cn/roll/2018-12-28/doc-ihqhqcis0952565.shtml"


SEE_ALSO_PAGE = """<html><head><title>How rivers shape valleys | River Weekly</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news/">News</a></li>
<li><a href="/sport/">Sport</a></li><li><a href="/culture/">Culture</a></li>
<li><a href="/science/">Science</a></li></ul></nav>
<article><h1>How rivers shape valleys</h1>
<p>Rivers cut valleys over long spans of time, and this article explains how they do it.</p>
<h2>See also</h2>
<ul>
<li><a href="/2023/05/02/glaciers-carve-u-shaped-valleys.html">Glaciers carve U-shaped valleys</a></li>
<li><a href="/2023/04/11/deltas">Why deltas grow into the sea ....</a></li>
<li><a href="/2023/04/11/deltas">Why deltas grow into the sea every year</a></li>
<li><a href="https://rivers.example.net/2022/09/30/meanders-explained">Meanders explained
in plain words</a></li>
<li><a href="https://elsewhere.example.com/shop/maps">Buy our river maps today</a></li>
<li><a href="/valleys/how-rivers-shape-valleys/">How rivers shape valleys</a></li>
<li><a href="/valleys/how-rivers-shape-valleys?ref=see-also#top">Valley formation, the full guide</a></li>
<li><a href="/tags/rivers">Rivers</a></li>
<li><a href="mailto:desk@river.example">Write to the river desk</a></li>
</ul>
</article>
<footer><h3>Related</h3><ul>
<li><a href="/about">About River Weekly and its people</a></li>
<li><a href="/login">Log in to your account</a></li>
<li><a href="/register">Register for free today</a></li>
<li><a href="/privacy">Privacy policy of this site</a></li>
<li><a href="https://comments.river.example/thread/123456">Comments on this story here</a></li>
<li><a href="/en/">English version of the site</a></li>
<li><a href="/feed.rss">RSS feed of all stories</a></li>
<li><a href="javascript:void(0)">Open the app download page</a></li>
</ul></footer>
</body></html>"""


def test_see_also_keeps_article_links_and_drops_chrome() -> None:
    """A "See also" list of article links is kept; the page itself (by title and by address),
    an off-site shop, a tag, a mailto and a footer of chrome links under "Related" are not."""
    url = "https://river.example/valleys/how-rivers-shape-valleys"
    article = extract_html(SEE_ALSO_PAGE, url)
    assert [(r.title, r.url) for r in article.related] == [
        (
            "Glaciers carve U-shaped valleys",
            "https://river.example/2023/05/02/glaciers-carve-u-shaped-valleys.html",
        ),
        ("Why deltas grow into the sea every year", "https://river.example/2023/04/11/deltas"),
        (
            "Meanders explained in plain words",
            "https://rivers.example.net/2022/09/30/meanders-explained",
        ),
    ]


def _related(html: str, base: str = "https://news.example.cn/", title: str = "") -> list[str]:
    tree = lxml.html.document_fromstring(html)
    return [r.title for r in related_blocks(tree, base, title)]


def test_truncated_titles_merge_with_their_full_form() -> None:
    """A title cut short ("…", "...." or a prefix at the same address) gives way to its full
    form, which keeps the earlier place; distinct stories sharing a start stay apart."""
    html = """<html><body><p>正文</p><h3>相关新闻</h3><ul>
<li><a href="/2024/01/02/a.html">国务院联防联控机制印发意见 分区…</a></li>
<li><a href="/2024/01/02/b.html">Story number 1 of the series</a></li>
<li><a href="/2024/01/02/c.html">Story number 1 of the series, part two</a></li>
<li><a href="/2024/01/02/d.html">央行宣布降准0.5个百分点</a></li>
<li><a href="/2024/01/02/e.html">两部门:保障资金需要确保如期完成....</a></li>
<li><a href="/2024/01/03/a.html">国务院联防联控机制印发意见 分区分级精准防控</a></li>
<li><a href="/2024/01/02/d.html">央行宣布降准0.5个百分点 释放长期资金</a></li>
</ul></body></html>"""
    assert _related(html) == [
        "国务院联防联控机制印发意见 分区分级精准防控",
        "Story number 1 of the series",
        "Story number 1 of the series, part two",
        "央行宣布降准0.5个百分点 释放长期资金",
        "两部门:保障资金需要确保如期完成....",
    ]


def test_channel_navigation_is_not_related() -> None:
    """A channel bar (推荐/娱乐/体育…) after a "推荐" heading is navigation, even with one long
    link in it; the real list after it is kept."""
    html = """<html><body>
<div class="nav"><h2>推荐</h2><ul>
<li><a href="/ent/2024/">娱乐</a></li><li><a href="/sports/2024/">体育</a></li>
<li><a href="/tech/2024/">科技</a></li><li><a href="/auto/2024/">汽车</a></li>
<li><a href="/house/2024/">房产</a></li>
<li><a href="/2024/01/02/12345.html">今日要闻：全国大部地区迎来降温天气</a></li>
</ul></div>
<p>正文很长。</p>
<h3>相关阅读</h3><ul>
<li><a href="/2024/01/02/23456.html">寒潮来袭 多地发布蓝色预警</a></li>
<li><a href="/2024/01/02/34567.html">气象专家解读本轮降温成因</a></li>
</ul></body></html>"""
    assert _related(html) == ["寒潮来袭 多地发布蓝色预警", "气象专家解读本轮降温成因"]


def test_own_title_with_site_name_is_not_related() -> None:
    """The article's own headline, with or without the site name, is not related to it."""
    html = """<html><body><p>正文</p><h3>相关新闻</h3><ul>
<li><a href="/2024/01/02/1.html">女儿出嫁，郑板桥画了几笔兰花当嫁妆--文化--人民网</a></li>
<li><a href="/2024/01/02/2.html">女儿出嫁，郑板桥画了几笔兰花当嫁妆</a></li>
<li><a href="/2024/01/02/3.html">素洁高雅 花之君子——历代文人“兰花图”简评</a></li>
</ul></body></html>"""
    assert _related(html, title="女儿出嫁，郑板桥画了几笔兰花当嫁妆") == [
        "素洁高雅 花之君子——历代文人“兰花图”简评"
    ]


def test_a_vote_button_named_recommend_labels_nothing() -> None:
    """A "推荐" vote button at the end of the article text does not make the page's whole
    news feed below it a related block."""
    html = """<html><body><div><div class="article"><p>正文第一段，足够长的文字。</p>
<div class="vote"><span>推荐</span></div></div>
<div class="feed"><ul>
<li><a href="/2024/01/02/1.html">台风过境多地停课停运</a></li>
<li><a href="/2024/01/02/2.html">新能源汽车销量再创新高</a></li>
</ul></div></div></body></html>"""
    assert _related(html) == []


BODY = "<p>" + "正文段落，讲述这篇文章的内容。" * 20 + "</p>"


def test_unlabelled_list_of_articles_right_after_the_body() -> None:
    """With no related label, a list of article links right after the article's text is its
    related block; links in prose after it, or a list further down past other text, are not."""
    listed = f"""<html><body><div class="main"><div class="text">{BODY}{BODY}</div>
<ul><li><a href="/2024/01/02/1.html">台风过境多地停课停运</a></li>
<li><a href="/2024/01/02/2.html">新能源汽车销量再创新高</a></li>
<li><a href="/2024/01/02/3.html">央行宣布降准释放长期资金</a></li></ul></div></body></html>"""
    assert _related(listed) == [
        "台风过境多地停课停运",
        "新能源汽车销量再创新高",
        "央行宣布降准释放长期资金",
    ]
    prose = listed.replace("<ul>", "<div><p>更多报道请见 ").replace(
        "</ul>",
        "以及其他的很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多很多消息。</p></div>",
    )
    assert _related(prose) == []
    later = listed.replace("<ul>", "<p>责任编辑：某某</p><ul>")
    assert _related(later) == []


def test_labels_are_found_in_any_case_and_only_as_short_runs() -> None:
    """The label search runs inside the XPath engine (a Python test per text run of the page
    was most of the related search): upper case and accented labels are still found."""
    items = "".join(
        f"<li><a href='/2024/05/story-{n}.html'>A story headline number {n}</a></li>"
        for n in range(3)
    )
    for label in ("RELATED ARTICLES", "Lee TAMBIÉN:", "相关新闻"):
        tree = lxml.html.fromstring(
            f"<html><body><p>Body text of the page.</p><h3>{label}</h3><ul>{items}</ul>"
            "</body></html>"
        )
        found = related_blocks(tree, "https://example.org/2024/05/page.html")
        assert [r.title for r in found] == [f"A story headline number {n}" for n in range(3)]
