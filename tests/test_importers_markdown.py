"""Markdown importer: front matter, titles, related lists, real files from the corpus."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from helpers import BLOWUP, cpu_seconds

from termreader.importers import import_bytes, import_path
from termreader.models import article_id

CST = timezone(timedelta(hours=8))


def _md(text: str, name: str = "post.md"):
    return import_bytes(text.encode("utf-8"), filename=name)


def test_yaml_front_matter_fields() -> None:
    article = _md(
        "---\n"
        "title: Front Matter Title\n"
        "date: 2024-03-01 10:00:00\n"
        "url: https://example.org/posts/fm\n"
        "source: Example Blog\n"
        "tags: [one, two, one]\n"
        "language: en\n"
        "related:\n"
        "  - Plain Title\n"
        "  - {title: Linked, url: /posts/linked}\n"
        "---\n\n"
        "## Section A\n\nText with [a link](../other).\n\n### Sub\n\nMore.\n"
    )
    assert article.title == "Front Matter Title"
    assert article.url == "https://example.org/posts/fm"
    assert article.id == article_id("https://example.org/posts/fm")
    assert article.source == "Example Blog"
    assert article.published == datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
    assert article.tags == ["one", "two"]
    assert article.language == "en"
    assert [(r.title, r.url) for r in article.related] == [
        ("Plain Title", None),
        ("Linked", "https://example.org/posts/linked"),
    ]
    assert [(s.level, s.title) for s in article.sections] == [(2, "Section A"), (3, "Sub")]
    assert [(x.title, x.url) for x in article.links] == [("a link", "https://example.org/other")]
    assert "title:" not in article.body


def test_toml_front_matter() -> None:
    article = _md('+++\ntitle = "Toml Title"\ndate = 2021-02-03\ntags = ["x"]\n+++\n\nBody.\n')
    assert article.title == "Toml Title"
    assert article.published == datetime(2021, 2, 3, tzinfo=UTC)
    assert article.tags == ["x"]
    assert article.body == "Body.\n"


def test_title_from_leading_heading_removed_from_body() -> None:
    article = _md("# The Title\n\nIntro.\n\n## One\n\nA.\n\n## Two\n\nB.\n")
    assert article.title == "The Title"
    assert not article.body.startswith("# The Title")
    assert [s.title for s in article.sections] == ["One", "Two"]


def test_several_h1_stay_sections(tmp_path: Path) -> None:
    path = tmp_path / "my-notes.md"
    path.write_text("Intro.\n\n# Part one\n\nx\n\n# Part two\n\ny\n", encoding="utf-8")
    article = import_path(path)
    # The first "# " heading names the article, but level 1 is this document's section level.
    assert article.title == "Part one"
    assert [(s.level, s.title) for s in article.sections] == [(1, "Part one"), (1, "Part two")]
    assert article.url == str(path.resolve())
    assert article.id == article_id(str(path.resolve()))
    assert article.source == tmp_path.name


def test_file_stem_is_the_last_resort(tmp_path: Path) -> None:
    path = tmp_path / "plain-notes.md"
    path.write_text("Some *text* without headings.\n\n- a list\n", encoding="utf-8")
    assert import_path(path).title == "plain-notes"


def test_broken_front_matter_still_imports_and_stays_visible() -> None:
    """Decision: a front matter block that does not parse is kept as a fenced block."""
    article = _md("---\ntitle: [unclosed\n---\n\n# Real Title\n\nBody.\n")
    assert article.title == "Real Title"
    assert "```yaml\ntitle: [unclosed\n```" in article.body
    assert "Body." in article.body


def test_unclosed_front_matter_is_plain_markdown() -> None:
    article = _md("---\n\nJust a rule above.\n")
    assert "Just a rule above." in article.body


def test_pandoc_title_block() -> None:
    article = _md("% Pandoc Title\n% Someone\n% 2020-05-06\n\nText.\n")
    assert article.title == "Pandoc Title"
    assert article.published is not None and article.published.date() == date(2020, 5, 6)
    assert article.body == "Text.\n"


def test_trailing_related_section_moves_to_related() -> None:
    article = _md(
        "---\nurl: https://example.org/a/b\n---\n# T\n\n## Body\n\nText.\n\n## 相关内容\n\n"
        "- [Other](c)\n- [Other](c)\n- Unlinked title\n"
    )
    assert [(r.title, r.url, r.count) for r in article.related] == [
        ("Other", "https://example.org/a/c", 2),
        ("Unlinked title", None, 1),
    ]
    assert "相关内容" not in article.body
    assert [s.title for s in article.sections] == ["Body"]


def test_related_heading_followed_by_prose_stays_in_body() -> None:
    article = _md("# T\n\n## See also\n\nSome prose, not a list.\n")
    assert article.related == []
    assert "See also" in article.body


def test_hexo_front_matter_without_opening_fence(fixtures: Path) -> None:
    article = import_path(fixtures / "markdown" / "aotu-2016-12-08-vim-4.md")
    assert article.title == "vim给代码行尾加分号的几种方法"
    assert article.published == datetime(2016, 12, 8, 10, 25, 35, tzinfo=CST)
    assert article.tags == ["vim", "工具", "Web开发"]
    assert "github_name" not in article.body
    assert article.sections


@pytest.mark.parametrize(
    ("name", "title", "first_section"),
    [
        ("the-art-of-command-line.README.md", "The Art of Command Line", "Meta"),
        ("the-art-of-command-line.README-zh.md", "命令行的艺术", "前言"),
        ("the-art-of-command-line.README-ja.md", "The Art of Command Line", "メタ情報"),
        ("the-art-of-command-line.README-ko.md", "The Art of Command Line", "Meta"),
    ],
)
def test_corpus_readmes(fixtures: Path, name: str, title: str, first_section: str) -> None:
    article = import_path(fixtures / "markdown" / name)
    assert article.title == title
    assert article.sections[0].title == first_section
    assert len(article.sections) >= 10
    assert len(article.links) >= 50
    assert all(not link.url.startswith("#") or link.url[1:] for link in article.links)


def test_deep_blockquote_nesting_is_bounded() -> None:
    """Issue #6: a 10,000-deep blockquote neither crashes nor hangs."""
    article, seconds = cpu_seconds(lambda: _md("# Deep\n\n" + ">" * 10_000 + " bottom\n"))
    assert seconds < BLOWUP
    assert article.title == "Deep"


def test_deep_list_and_bracket_nesting_is_bounded() -> None:
    _, lists = cpu_seconds(lambda: _md("- " * 5_000 + "x\n"))
    _, brackets = cpu_seconds(lambda: _md("[" * 10_000 + "x" + "](y)" * 100 + "]" * 10_000))
    assert lists < BLOWUP and brackets < BLOWUP


def test_yaml_alias_bomb_is_not_expanded() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        prev = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
    bomb += "tags: *j\ntitle: Bomb\n---\n\nBody.\n"
    article, seconds = cpu_seconds(lambda: _md(bomb))
    assert seconds < BLOWUP
    assert article.title == "Bomb"
    assert article.tags == []


@pytest.mark.parametrize(
    "text",
    [
        "# Title\n\n\nIntro [a](http://a.example/) and [b][ref].\n\n## One\n\ntext\n\nTwo\n---\n\n"
        "[ref]: http://b.example/\n",
        "\n\nNo title heading [a](http://a.example/)\n\n## One\n\n### Deeper\n",
        "[![badge](http://img.example/b.png)](http://ci.example/)\n# Title\nbody\n## One\n",
        "---\ntitle: Front\n---\n# Front\n\n## One\n\n## Related\n\n- [x](http://x.example/)\n",
        "---\ntitle: [broken\n---\n# T\n\n## One\n[l](http://l.example/)\n",
    ],
)
def test_sections_and_links_match_the_stored_body(text: str) -> None:
    """The importer's shared block pass gives the outline lines and links of the body stored."""
    from termreader.importers.common import links_from_markdown
    from termreader.text.outline import sections_from_markdown

    article = import_bytes(text.encode(), filename="doc.md")
    fresh = sections_from_markdown(article.body)
    assert [(s.title, s.level, s.position) for s in article.sections] == [
        (s.title, s.level, s.position) for s in fresh
    ]
    lines = article.body.split("\n")
    for section in article.sections:
        assert section.title.split()[0] in lines[section.position]
    assert [link.url for link in article.links] == [
        link.url for link in links_from_markdown(article.body)
    ]
