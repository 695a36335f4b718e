"""Plain-text section headings by shape and context, not by length (issue 13)."""

from __future__ import annotations

from pathlib import Path

from termreader.importers import import_bytes, import_path

FIXTURES = Path(__file__).parent / "fixtures"


def sections(text: str) -> list[tuple[int, str]]:
    article = import_bytes(text.encode(), filename="t.txt")
    return [(s.level, s.title) for s in article.sections]


def test_long_chinese_section_titles_are_headings() -> None:
    """Regression: ``一、开始种植之前需要准备的容器、土壤、种苗以及阳台朝向与光照条件的评估`` (37
    characters) was taken for a paragraph: the article lost its whole top level and its ``1.``
    sub-points became the sections, all at level 1."""
    article = import_path(FIXTURES / "render13" / "balcony-long-titles.txt")
    assert [(s.level, s.title[:3]) for s in article.sections] == [
        (1, "一、开"),
        (2, "1. "),
        (2, "2. "),
        (1, "二、播"),
        (2, "（一）"),
        (2, "（二）"),
        (1, "三、日"),
    ]
    assert article.sections[0].title == (
        "一、开始种植之前需要准备的容器、土壤、种苗以及阳台朝向与光照条件的评估"
    )
    # The related list no longer lists the article itself (with its site name).
    assert [r.title for r in article.related] == ["室内绿植养护要点"]


def test_seed_keeps_its_outline() -> None:
    article = import_path(FIXTURES / "seed_jiebei.txt")
    assert [s.level for s in article.sections] == [1, 2, 2, 1, 2, 2, 1, 2, 2, 2, 2, 2]


def test_levels_follow_the_numbering_rank_not_the_order_met() -> None:
    """``1.`` met before any ``一、`` still nests under the ``一、`` that follows."""
    text = (
        "标题\n\n导语。\n\n1. 开篇之前的几句说明以及本文所讨论问题的背景\n\n正文。\n\n"
        "一、第一部分关于阳台朝向与光照条件的详细评估方法\n\n正文。\n\n"
        "（一）南向阳台在冬季和夏季的日照时长差别\n\n正文。\n\n"
        "1. 冬季\n\n正文。\n\n二、第二部分\n\n正文。\n"
    )
    assert sections(text) == [
        (1, "1. 开篇之前的几句说明以及本文所讨论问题的背景"),
        (1, "一、第一部分关于阳台朝向与光照条件的详细评估方法"),
        (2, "（一）南向阳台在冬季和夏季的日照时长差别"),
        (3, "1. 冬季"),
        (1, "二、第二部分"),
    ]


def test_long_english_titles_and_chapters() -> None:
    text = (
        "A Guide\n\nIntro.\n\n"
        "Chapter text follows.\n\n"
        "1. Choosing containers, soil and seedlings for a balcony that faces north or east\n\n"
        "Body text for the first part.\n\n"
        "2. Watering, feeding and the pests that find a balcony garden in its first summer\n\n"
        "Body text for the second part.\n"
    )
    assert [level for level, _ in sections(text)] == [1, 1]
    text = "书名\n\n第一章 开始种植之前需要准备的容器土壤种苗以及阳台朝向与光照条件\n\n正文。\n"
    assert sections(text) == [
        (1, "第一章 开始种植之前需要准备的容器土壤种苗以及阳台朝向与光照条件")
    ]


def test_numbered_sentences_are_not_headings() -> None:
    """A run of numbered lines is a list, however long its items; a numbered line holding a
    sentence, or with no body after it, is a paragraph."""
    run = (
        "标题\n\n应对方法如下\n\n"
        "1. 接到电话时应保持冷静，不要被对方的言语吓到，更不要在恐慌中做出冲动决定\n\n"
        "2. 要求对方提供工号和所属公司，再通过官方渠道核实催收人员的身份与行为\n\n"
        "3. 熟悉相关法律法规，了解自己在债务催收过程中的合法权益\n"
    )
    assert sections(run) == []
    sentence = "标题\n\n1. 保持冷静。接到电话时不要慌张\n\n正文。\n"
    assert sections(sentence) == []
    english = "Title\n\n1. Stay calm. Do not answer at once\n\nBody.\n"
    assert sections(english) == []
    last = "标题\n\n正文。\n\n一、文章最后一行编号却没有正文跟随的内容\n"
    assert sections(last) == []
    question = "标题\n\n一、借呗打电话说上门是真的吗？\n\n正文。\n"
    assert sections(question) == []
