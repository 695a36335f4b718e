"""Plain-text importer: the seed article and the numbering schemes of issue #2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from termreader.importers import import_bytes, import_path
from termreader.models import article_id

CST = timezone(timedelta(hours=8))
_md = MarkdownIt("commonmark")


def _strong_texts(body: str) -> list[str]:
    """The texts the Markdown body renders in bold."""
    found: list[str] = []
    for token in _md.parse(body):
        if token.type != "inline":
            continue
        inside = False
        for child in token.children or []:
            if child.type == "strong_open":
                inside, parts = True, []
            elif child.type == "strong_close":
                inside = False
                found.append("".join(parts))
            elif inside and child.type == "text":
                parts.append(child.content)
    return found


@pytest.fixture
def seed(fixtures: Path):
    return import_path(fixtures / "seed_jiebei.txt")


def test_seed_title_and_publish_time(seed) -> None:
    """Issue #2 acceptance: the seed's real title and publish time."""
    assert seed.title == "借呗逾期催收:上门通知真实性解析与应对策略"
    assert seed.published == datetime(2024, 4, 2, 18, 1, 42, tzinfo=CST)
    assert seed.published.isoformat() == "2024-04-02T18:01:42+08:00"
    assert seed.kind == "text"
    assert seed.language == "zh"
    # The title and the publish-time line are shown apart, not repeated in the body.
    assert "发布时间" not in seed.body
    assert not seed.body.startswith("借呗逾期催收")


def test_seed_sections_and_sub_points(seed) -> None:
    """Issue #2 acceptance: sections 一/二/三 with their numbered sub-points as level 2."""
    top = [s for s in seed.sections if s.level == 1]
    assert [s.title[:2] for s in top] == ["一、", "二、", "三、"]
    assert top[0].title == "一、借呗电话催收与上门通知的真实性"
    children: dict[str, list[str]] = {}
    current = ""
    for section in seed.sections:
        if section.level == 1:
            current = section.title[:2]
            children[current] = []
        else:
            assert section.level == 2
            children[current].append(section.title)
    assert [len(children[k]) for k in ("一、", "二、", "三、")] == [2, 2, 5]
    assert children["三、"][0] == "1. 保持冷静"
    assert children["三、"][-1] == "5. 记录证据"
    # Anchors are unique even though "1." repeats under each section.
    assert len({s.anchor for s in seed.sections}) == len(seed.sections)


def test_seed_lead_ins_are_emphasis(seed) -> None:
    assert "【官方声明】" in _strong_texts(seed.body)
    assert "【案例分析】" in _strong_texts(seed.body)


def test_seed_related_collapsed_and_out_of_body(seed) -> None:
    titles = [r.title for r in seed.related]
    assert titles[0] == "元气玛特抽奖真实性探析——知乎用户观点与实例分析"
    assert titles[-1] == "PHP代码错误警告"  # "To Top" after it is chrome, not a title
    counts = {r.title: r.count for r in seed.related}
    # Exact repeats in the seed's list collapse with a count; near-duplicates stay apart.
    assert counts["PHP脚本警告:在keys.php文件中调用array_rand()函数时因数组为空引发错误"] == 3
    assert counts["PHP脚本警告:在keys.php文件中调用array_rand()函数时因数组为空引发警告"] == 2
    assert counts["PHP脚本警告:在keys.php文件中调用array_rand()函数时因数组为空触发警告"] == 1
    assert sum(r.count for r in seed.related) == 100
    assert len(seed.related) == 97
    assert all(r.url is None for r in seed.related)
    assert "相关内容" not in seed.body
    assert "元气玛特" not in seed.body


def test_seed_chrome_dropped_summary_kept(seed) -> None:
    assert "To Top" not in seed.body
    assert all("To Top" not in r.title for r in seed.related)
    assert "总结来说" in seed.body
    assert seed.body.rstrip().endswith("从根本上减少与催收相关的困扰。")


def test_seed_identity(seed, fixtures: Path) -> None:
    path = (fixtures / "seed_jiebei.txt").resolve()
    assert seed.url == str(path)
    assert seed.id == article_id(str(path))
    assert seed.source == "fixtures"


def test_to_top_glued_to_last_related_line() -> None:
    text = "标题\n\n正文。\n\n相关内容：\n甲文章\n乙文章To Top"
    article = import_bytes(text.encode(), filename="a.txt")
    assert [r.title for r in article.related] == ["甲文章", "乙文章"]


def test_english_article_with_roman_and_arabic_levels() -> None:
    text = (
        "A Field Guide\n\nPublished: 2023-05-01 09:30\n\nIntro paragraph.\n\n"
        "I. Getting started\n\nSome text.\n\n1) Install\n\nRun it.\n\n2) Configure\n\nEdit it.\n\n"
        "II. Going further\n\nMore text.\n\nSee also:\nFirst Other Article\n"
        "Second https://example.org/second\nBack to top\n"
    )
    article = import_bytes(text.encode(), filename="guide.txt")
    assert article.title == "A Field Guide"
    assert article.published == datetime(2023, 5, 1, 9, 30, tzinfo=UTC)
    assert [(s.level, s.title) for s in article.sections] == [
        (1, "I. Getting started"),
        (2, "1) Install"),
        (2, "2) Configure"),
        (1, "II. Going further"),
    ]
    assert [(r.title, r.url) for r in article.related] == [
        ("First Other Article", None),
        ("Second", "https://example.org/second"),
    ]
    assert "Back to top" not in article.body


def test_chinese_chapter_and_paren_schemes() -> None:
    text = (
        "总标题\n\n日期：2020年1月2日 08:00\n\n第一章 总则\n\n（一）目的\n\n为了说明。\n\n"
        "（二）范围\n\n适用于此。\n\n第二章 细则\n\n（一）要求\n\n如下。\n"
    )
    article = import_bytes(text.encode(), filename="rules.txt")
    assert article.published == datetime(2020, 1, 2, 8, 0, tzinfo=CST)
    assert [(s.level, s.title) for s in article.sections] == [
        (1, "第一章 总则"),
        (2, "（一）目的"),
        (2, "（二）范围"),
        (1, "第二章 细则"),
        (2, "（一）要求"),
    ]


def test_numbered_sentences_and_lists_are_not_headings() -> None:
    text = (
        "Title\n\n1. This numbered line ends with a full stop.\n\n"
        "Steps:\n\n1. one\n\n2. two\n\n3. three\n\n"
        "2. A numbered paragraph\nthat runs over two lines\n"
    )
    article = import_bytes(text.encode(), filename="t.txt")
    assert article.sections == []
    # Kept as written, not turned into a Markdown list that renumbers them.
    assert "1\\. one" in article.body


def test_markdown_syntax_in_plain_text_is_literal() -> None:
    text = "Title\n\nUse *stars* and [brackets](x) and <b>tags</b> as typed.\n\n# not a heading? yes it is\n"
    article = import_bytes(text.encode(), filename="t.txt")
    tokens = [t.type for t in _md.parse(article.body)]
    assert "html_inline" not in tokens
    assert article.links == []
    assert "\\*stars\\*" in article.body
    assert [s.title for s in article.sections] == ["not a heading? yes it is"]


def test_bare_urls_become_links_and_short_lines_keep_breaks() -> None:
    text = "Title\n\nline one\nline two\n\nsee https://example.org/page."
    article = import_bytes(text.encode(), filename="t.txt")
    assert [(x.title, x.url) for x in article.links] == [
        ("https://example.org/page", "https://example.org/page"),
    ]
    assert "line one\\\nline two" in article.body


def test_hard_wrapped_cjk_rejoined_without_spaces() -> None:
    line = "这是一段很长的中文文字，用来测试硬换行的段落能否被重新连接起来而不插入空格"
    text = f"标题\n\n{line}\n{line}\n短"
    article = import_bytes(text.encode(), filename="t.txt")
    assert f"{line}{line}短" in article.body


def test_crlf_and_gb18030_text_file(tmp_path: Path) -> None:
    text = "标题\r\n\r\n发布时间：2024-04-02 18:01\r\n\r\n一、第一部分\r\n\r\n正文内容在这里。\r\n"
    path = tmp_path / "gbk.txt"
    path.write_bytes(text.encode("gb18030"))
    article = import_path(path)
    assert article.title == "标题"
    assert article.published == datetime(2024, 4, 2, 18, 1, tzinfo=CST)
    assert [s.title for s in article.sections] == ["一、第一部分"]
    assert "\r" not in article.body


@pytest.mark.parametrize(
    ("value", "language", "expected"),
    [
        ("2024-04-02 18:01:42", "zh", datetime(2024, 4, 2, 18, 1, 42, tzinfo=CST)),
        ("2019年09月09日 18:13:22", "zh-CN", datetime(2019, 9, 9, 18, 13, 22, tzinfo=CST)),
        ("2019年06月15日08:18", "zh", datetime(2019, 6, 15, 8, 18, tzinfo=CST)),
        ("2024/04/02", "ja", datetime(2024, 4, 2, tzinfo=timezone(timedelta(hours=9)))),
        (
            "2024-04-02T18:01:42+02:00",
            "zh",
            datetime(2024, 4, 2, 18, 1, 42, tzinfo=timezone(timedelta(hours=2))),
        ),
        ("April 2, 2024", "", datetime(2024, 4, 2, tzinfo=UTC)),
        ("Tue, 02 Apr 2024 18:01:42 GMT", "", datetime(2024, 4, 2, 18, 1, 42, tzinfo=UTC)),
        ("15 августа 2016, 13:43", "ru", datetime(2016, 8, 15, 13, 43, tzinfo=UTC)),
        ("12 mai 2021 à 14h30", "fr", datetime(2021, 5, 12, 14, 30, tzinfo=UTC)),
        ("April 2", "", None),  # no year: never guess the current one
        ("not a date", "", None),
        ("2024-13-45", "", None),
    ],
)
def test_parse_datetime_is_aware_and_stable(value: str, language: str, expected) -> None:
    """Naive times are the article's local time: UTC+8 for Chinese, +9 for ja/ko, else UTC."""
    from termreader.importers.common import parse_datetime

    assert parse_datetime(value, language=language) == expected
