"""A related entry that is the article itself is not a related article (issue 13)."""

from __future__ import annotations

import pytest

from termreader.importers import import_bytes
from termreader.text.outline import names_itself

TITLE = "借呗逾期催收:上门通知真实性解析与应对策略"


@pytest.mark.parametrize(
    "candidate",
    [
        TITLE,
        TITLE + "_知乎",
        "知乎 - " + TITLE,
        TITLE + " | 某某财经网",
        "借呗逾期催收：上门通知真实性解析与应对策略",  # full-width colon, same words
    ],
)
def test_own_title_with_or_without_a_site_name(candidate: str) -> None:
    assert names_itself(candidate, TITLE)
    assert names_itself(TITLE, candidate)


@pytest.mark.parametrize(
    "candidate",
    [
        "借呗逾期催收",  # the topic, not this article
        "元气玛特抽奖真实性探析——知乎用户观点与实例分析",
        "借呗逾期催收:上门通知真实性解析与应对策略（下）",  # a sequel
        "",
    ],
)
def test_other_titles_are_related(candidate: str) -> None:
    assert not names_itself(candidate, TITLE)


def test_latin_titles() -> None:
    assert names_itself("Reading over SSH | termreader", "Reading over SSH")
    assert names_itself("termreader — Reading over SSH", "Reading over SSH")
    assert not names_itself("Reading", "Reading over SSH")
    assert not names_itself("SSH tips", "Reading over SSH")
    assert not names_itself("Reading over SSH (2)", "Reading over SSH")


def test_plain_text_related_list_drops_the_article_itself() -> None:
    """Regression: the seed's related list could list the article's own title (with its site
    name), shown as a related article of itself."""
    text = (
        f"{TITLE}\n\n发布时间:2024-04-02 18:01:42\n\n正文第一段。\n\n相关内容:\n"
        f"{TITLE}_某某网\n元气玛特抽奖真实性探析——知乎用户观点与实例分析\n{TITLE}\n"
    )
    article = import_bytes(text.encode(), filename="seed.txt")
    assert [r.title for r in article.related] == ["元气玛特抽奖真实性探析——知乎用户观点与实例分析"]


def test_markdown_related_list_drops_the_article_itself() -> None:
    body = (
        "---\ntitle: Reading over SSH\nurl: https://example.test/ssh\nrelated:\n"
        "  - title: Reading over SSH | Example\n    url: https://example.test/ssh-copy\n"
        "  - title: Another page\n    url: https://example.test/ssh/\n"
        "  - title: Terminal typography\n    url: https://example.test/type\n---\n\nBody.\n"
    )
    article = import_bytes(body.encode(), filename="a.md")
    # The first by its title, the second by its address.
    assert [r.title for r in article.related] == ["Terminal typography"]
