"""Markdown that read wrong before issue 13: footnotes, definition lists, empty headings, pandoc
attributes, front matter closed by YAML's ``...``."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from termreader.config import Settings
from termreader.importers import import_bytes, import_path
from termreader.library.store import Library
from termreader.render.codec import from_bytes, to_bytes
from termreader.render.layout import Layout
from termreader.render.parser import Builder, parse
from termreader.text.outline import heading_attributes, sections_from_markdown
from termreader.ui.app import TermreaderApp

FIXTURES = Path(__file__).parent / "fixtures" / "render13"

NOTES = """\
# Notes

Text with a note[^1] and a [link](https://example.test/) and another note[^long].

Filler paragraph.

[^1]: The first note.
[^long]: The second note, with a label.
"""


def screen(body: str, width: int = 40) -> list[str]:
    layout = Layout(parse(body), width)
    return ["".join(t for t, _ in layout.line(y)[2]) for y in range(layout.content_lines)]


def test_footnote_marks_are_numbered_links_to_the_notes() -> None:
    """Regression: footnote references were drawn raw as ``[^1]`` and led nowhere."""
    doc = parse(NOTES)
    lines = screen(NOTES, 80)
    assert not any("[^" in line for line in lines)
    assert "Text with a note[1] and a link[2] and another note[3]." in lines
    assert [(x.title, x.url) for x in doc.links] == [
        ("Note 1", "#fn-1"),
        ("link", "https://example.test/"),
        ("Note long", "#fn-long"),
    ]
    # The notes come last, each with the number of its mark, and each is an anchor.
    assert lines[-3:] == ["[1] The first note.", "", "[3] The second note, with a label."]
    for anchor in ("fn-1", "fn-long"):
        block = doc.blocks[doc.anchors[anchor]]
        assert block.kind == "p" and "note" in block.text
    assert [s.anchor for s in doc.sections] == ["notes"]  # notes are no sections
    # The cache form keeps the note anchors.
    assert from_bytes(to_bytes(doc)).anchors == doc.anchors


def test_footnotes_across_chunks_keep_their_numbers() -> None:
    body = NOTES.replace("Filler paragraph.", "\n\n".join(["Filler paragraph."] * 200))
    builder = Builder(body, chunk_size=500)
    doc = builder.first()
    builder.rest(doc)
    assert [link.url for link in doc.links] == ["#fn-1", "https://example.test/", "#fn-long"]
    assert doc.blocks[doc.anchors["fn-long"]].prefix == "[3] "


def test_definition_list_draws_the_term_then_the_indented_definition() -> None:
    """Regression: ``Term`` / ``: Definition`` collapsed into one line "Term : Definition"."""
    body = (
        "Term\n: The definition of the term, long enough to wrap in a narrow column.\n"
        ": A second definition.\n\nApple\n\n:   A fruit.\n"
    )
    lines = screen(body, 40)
    assert lines[0] == "Term"
    assert lines[1].startswith("    The definition") and lines[2].startswith("    ")
    assert "    A second definition." in lines
    assert lines[-2:] == ["Apple", "    A fruit."]
    assert not any(":" in line for line in lines)
    doc = parse(body)
    assert "bold" in doc.blocks[0].spans[0][1]


def test_colon_inside_a_paragraph_is_not_a_definition() -> None:
    body = "Note: this is a sentence.\nIt goes on: still one paragraph.\n"
    assert screen(body, 80) == ["Note: this is a sentence. It goes on: still one paragraph."]


def test_empty_headings_are_skipped() -> None:
    """Regression: an empty ``#`` or ``##`` drew a stray rule and an empty outline entry."""
    body = "# Title\n\n#\n\nText.\n\n##\n\n## {.unnumbered}\n\n## Real\n\nMore.\n"
    lines = screen(body)
    assert lines == ["Title", "═════", "", "Text.", "", "Real", "────", "", "More."]
    doc = parse(body)
    assert [s.title for s in doc.sections] == ["Title", "Real"]
    assert [s.title for s in sections_from_markdown(body)] == ["Title", "Real"]


def test_pandoc_attributes_are_hidden_and_the_id_is_the_anchor() -> None:
    body = (
        "# Install {#setup .unnumbered}\n\nSee [setup](#setup).\n\n"
        "## Usage {.options}\n\n## Again {#setup}\n\n## Keys {data-x=1 #keys}\n\n"
        "```{.python .numberLines}\nprint(1)\n```\n"
    )
    doc = parse(body)
    sections = sections_from_markdown(body)
    assert [(s.title, s.anchor) for s in doc.sections] == [
        ("Install", "setup"),
        ("Usage", "usage"),
        ("Again", "setup-1"),
        ("Keys", "keys"),
    ]
    assert [(s.title, s.anchor) for s in sections] == [(s.title, s.anchor) for s in doc.sections]
    assert not any("{" in line for line in screen(body, 80))
    assert doc.blocks[-1].data[0] == "python"
    # Braces that are not attributes stay.
    assert heading_attributes("Sets {a, b}") == ("Sets {a, b}", "")
    assert heading_attributes("Title {-}") == ("Title", "")


def test_markdown_title_heading_drops_its_attributes() -> None:
    article = import_bytes(b"# The title {#top}\n\nBody.\n", filename="a.md")
    assert article.title == "The title"


def test_front_matter_closed_by_dots_is_read() -> None:
    """Regression: the GFM spec opens with front matter closed by YAML's ``...``; imported (it
    is a .txt file) its title was "---"."""
    article = import_path(FIXTURES / "gfm-spec-head.txt")
    assert article.title == "GitHub Flavored Markdown Spec"
    assert article.published is not None and article.published.date().isoformat() == "2019-04-06"
    assert "title:" not in article.body and not article.body.startswith("---")
    # Front matter that does not parse: still never the title "---".
    broken = import_bytes(b"---\ntitle: [unclosed\n...\n\nThe real first line\n", filename="a.txt")
    assert broken.title == "title: [unclosed"
    md = import_bytes(b"---\ntitle: Dots\ndate: 2020-01-02\n...\n\n# Body\n", filename="a.md")
    assert md.title == "Dots"


async def test_footnote_mark_follows_to_the_note_and_back(tmp_path: Path) -> None:
    body = "# Notes\n\n" + "\n\n".join(f"Paragraph {n}." for n in range(60))
    body += "\n\nA claim[^src].\n\n" + "\n\n".join(f"More {n}." for n in range(60))
    body += "\n\n[^src]: Where the claim comes from.\n"
    article = dataclasses.replace(
        import_bytes(body.encode(), filename="notes.md"),
        id="notes0000000001",
        fetched=datetime(2026, 3, 1, tzinfo=UTC),
    )
    library = Library.open(tmp_path / "library")
    library.add_many([article])
    app = TermreaderApp(library, settings=Settings())  # type: ignore[arg-type]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen_ = app.main_screen
        screen_.open_article(article.id)
        screen_.reader.focus()
        await pilot.pause()
        await pilot.press("1", "enter")
        await pilot.pause()
        reader = screen_.reader
        shown = [reader.render_line(y).text for y in range(reader.size.height)]
        assert any("[1] Where the claim comes from." in line for line in shown)
        assert reader.scroll_y > 0
        await pilot.press("h")
        await pilot.pause()
        assert reader.scroll_y == 0


def test_definition_list_from_html_is_drawn_the_same_way() -> None:
    """The HTML converter writes ``<dl>`` as a bold term, a hard break, then ``: `` lines."""
    article = import_bytes(
        b"<html><body><article><h1>T</h1><p>Intro paragraph long enough to be content here.</p>"
        b"<dl><dt>Pager</dt><dd>A program that shows text a screen at a time.</dd>"
        b"<dt>Wrap</dt><dd>Breaking lines on screen only.</dd></dl>"
        b"<p>More text after the list, long enough to count as content.</p></article></body></html>",
        filename="a.html",
    )
    lines = screen(article.body, 60)
    assert "Pager" in lines and "    A program that shows text a screen at a time." in lines
    assert "Wrap" in lines and "    Breaking lines on screen only." in lines
    assert not any(line.startswith(":") for line in lines)
