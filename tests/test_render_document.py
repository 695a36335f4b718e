"""The render form: blocks from Markdown, anchors, links, cache round trip, incremental parsing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from termreader.render import chunks as chunks_module
from termreader.render.chunks import split_chunks
from termreader.render.codec import CACHE_CHUNK, cache_name, from_bytes, to_bytes
from termreader.render.model import CODE, HEADING, PARAGRAPH, RULE, TABLE, Document, fingerprint
from termreader.render.parser import Builder, parse
from termreader.text.outline import sections_from_markdown

SAMPLE = """\
# Title *one*

Intro with **bold**, *italic*, `code`, ~~gone~~ and a [link](https://example.com/a).

## Lists

- first
- second
  - nested
- third

1. one
2. two

> A quote
> > nested quote

```python
def f(x):
    return x
```

| Name | Count |
|:-----|------:|
| a    | 1     |
| b    | 22    |

---

![A cat](cat.png)

See the note[^n] and [same page](#lists).

## Lists

[^n]: The *note*.
"""


def test_blocks_of_a_document() -> None:
    doc = parse(SAMPLE)
    kinds = [b.kind for b in doc.blocks]
    assert kinds[:3] == [HEADING, PARAGRAPH, HEADING]
    assert CODE in kinds and TABLE in kinds and RULE in kinds
    intro = doc.blocks[1]
    assert ("bold", "bold") in [tuple(s) for s in intro.spans]
    assert ("italic", "italic") in [tuple(s) for s in intro.spans]
    assert ("code", "code") in [tuple(s) for s in intro.spans]
    assert ("gone", "strike") in [tuple(s) for s in intro.spans]
    assert ("link", "link:1") in [tuple(s) for s in intro.spans]
    assert intro.text.endswith("link[1].")
    items = [b for b in doc.blocks if b.prefix]
    assert [b.prefix.strip() for b in items][:6] == ["•", "•", "◦", "•", "1.", "2."]
    nested = items[2]
    assert nested.indent > items[0].indent
    quotes = [b for b in doc.blocks if b.quote]
    assert [b.quote for b in quotes] == [1, 2]
    code = next(b for b in doc.blocks if b.kind == CODE)
    assert code.data == ["python", "def f(x):\n    return x"]
    table = next(b for b in doc.blocks if b.kind == TABLE)
    aligns, rows = table.data
    assert aligns == ["l", "r"]
    assert [["".join(t for t, _ in cell) for cell in row] for row in rows] == [
        ["Name", "Count"],
        ["a", "1"],
        ["b", "22"],
    ]
    image = next(b for b in doc.blocks if "[image:" in b.text)
    assert image.text == "[image: A cat] cat.png"
    # A footnote's note carries its mark's link number (issue 13; was "[^n] ").
    assert any(b.prefix == "[2] " and "note" in b.text and b.anchor == "fn-n" for b in doc.blocks)


def test_links_numbered_in_document_order() -> None:
    doc = parse(SAMPLE)
    assert [(x.title, x.url) for x in doc.links] == [
        ("link", "https://example.com/a"),
        ("Note n", "#fn-n"),  # a footnote mark is a link to its note (issue 13)
        ("same page", "#lists"),
    ]


def test_heading_anchors_are_unique_and_lines_are_source_lines() -> None:
    doc = parse(SAMPLE)
    heads = [doc.blocks[i] for i in doc.headings]
    assert [h.anchor for h in heads] == ["title-one", "lists", "lists-1"]
    assert heads[1].line == 4
    assert doc.anchors["lists-1"] == doc.headings[2]


@pytest.mark.parametrize(
    "name", ["the-art-of-command-line.README-zh.md", "the-art-of-command-line.README-ja.md"]
)
def test_anchors_equal_the_outline(fixtures: Path, name: str) -> None:
    body = (fixtures / "markdown" / name).read_text(encoding="utf-8")
    expected = sections_from_markdown(body)
    got = parse(body).sections
    assert len(expected) > 10
    assert [(s.level, s.title, s.anchor, s.position) for s in got] == [
        (s.level, s.title, s.anchor, s.position) for s in expected
    ]


def test_incremental_parse_equals_the_whole(fixtures: Path) -> None:
    """Chunked parsing (first screen early) gives the same blocks, anchors and links."""
    body = (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")
    body = body + "\n\n" + body  # repeated headings must still get unique anchors
    whole = parse(body)
    builder = Builder(body, chunk_size=4000)
    assert len(split_chunks(body, 4000)) > 5
    doc = builder.first()
    assert not doc.complete
    first_count = len(doc.blocks)
    assert 0 < first_count < len(whole.blocks)
    builder.rest(doc)
    assert doc.complete
    assert [b.to_list() for b in doc.blocks] == [b.to_list() for b in whole.blocks]
    assert [(x.title, x.url) for x in doc.links] == [(x.title, x.url) for x in whole.links]
    assert [s.anchor for s in doc.sections] == [s.anchor for s in sections_from_markdown(body)]


def test_chunks_never_cut_fences_or_list_continuations() -> None:
    body = "\n".join(
        ["para " * 20, "", "```", *(["code", ""] * 50), "```", "", "- item", "", "  continued", ""]
        * 40
    )
    for _, text in split_chunks(body, 500):
        assert text.count("```") % 2 == 0
        assert not text.startswith("  continued")


def test_giant_tight_list_is_cut_between_items_and_still_drawn_as_one_list() -> None:
    """The first screen of a 1 MB bullet list does not wait for all of it: the list is cut
    between one-line items; the parts join without a blank line, as the whole list parses."""
    body = "# Links\n\n" + "".join(f"- item {n} [link](https://e.com/{n})\n" for n in range(4000))
    whole = Builder(body, chunk_size=10**9).first()
    builder = Builder(body, chunk_size=2000)  # giant from 16,000 characters on
    first = builder.first()
    assert not builder.done and len(first.blocks) < len(whole.blocks) // 4
    builder.rest(first)
    assert [b.to_list() for b in first.blocks] == [b.to_list() for b in whole.blocks]
    assert [(x.title, x.url) for x in first.links] == [(x.title, x.url) for x in whole.links]


def test_reference_link_defined_in_a_later_chunk() -> None:
    body = "see [the docs][d]\n\n" + ("filler text\n\n" * 3000) + "[d]: https://example.com/docs\n"
    builder = Builder(body, chunk_size=2000)
    doc = builder.first()
    assert doc.links and doc.links[0].url == "https://example.com/docs"


def test_cache_round_trip() -> None:
    doc = parse(SAMPLE)
    data = to_bytes(doc)
    back = from_bytes(data)
    assert to_bytes(back) == data
    assert [b.text for b in back.blocks] == [b.text for b in doc.blocks]
    assert [b.kind for b in back.blocks] == [b.kind for b in doc.blocks]
    assert [s.anchor for s in back.sections] == [s.anchor for s in doc.sections]
    assert [(x.title, x.url) for x in back.links] == [(x.title, x.url) for x in doc.links]
    assert "render" in cache_name()


@pytest.mark.parametrize("data", [b"", b"garbage", b"[99, [], []]", b'{"a": 1}'])
def test_bad_cache_raises_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        from_bytes(data)


def test_search_is_case_insensitive_and_finds_cjk(fixtures: Path) -> None:
    doc = parse(SAMPLE)
    assert len(list(doc.search("LISTS"))) == 2
    zh = parse((fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8"))
    hits = list(zh.search("命令行"))
    assert len(hits) > 20
    for index, offset in hits:
        assert zh.blocks[index].text[offset : offset + 3] == "命令行"


def test_untrusted_controls_are_removed_at_parse() -> None:
    doc = parse("# Ti\x1b]2;pwn\x07tle\n\nbody \x1b[2J**x\x9b31m**\u202e [l\x1b](http://e/\x07)\n")
    for block in doc.blocks:
        for text, _ in block.spans:
            assert "\x1b" not in text and "\x07" not in text and "\x9b" not in text
            assert "\u202e" not in text
    assert all("\x1b" not in x.url + x.title for x in doc.links)


def test_hostile_nesting_neither_crashes_nor_hangs() -> None:
    doc = parse(">" * 10000 + " deep\n\n" + "- " * 5000 + "x\n\nafter\n")
    assert any(b.text == "after" for b in doc.blocks)


_SNIPPETS = [
    "# Heading",
    "## Same",
    "## Same",
    "plain paragraph with *em* and a [ref link][r] and <http://auto.example>",
    "- tight\n- list\n  - nested",
    "1. loose\n\n2. ordered\n\n   continued para",
    "```\nfenced\n\n\ncode with blank lines\n```",
    "    indented code",
    "> quote\n>\n> more",
    "<pre>\nraw\n\nhtml\n</pre>",
    "<!-- a comment\n\nwith a blank line -->",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "---",
    "[r]: https://example.com/ref",
    "Setext\n======",
]


@given(st.lists(st.sampled_from(_SNIPPETS), min_size=1, max_size=40), st.integers(10, 200))
@settings(max_examples=150, deadline=None)
def test_chunked_parse_equals_whole_parse(parts: list[str], chunk: int) -> None:
    """Whatever the cut points, incremental parsing gives the blocks of a one-piece parse."""
    saved = chunks_module.FORCE_CUT_FACTOR
    chunks_module.FORCE_CUT_FACTOR = 10**9  # never cut inside a giant list here
    try:
        body = "\n\n".join(parts) + "\n"
        doc_whole = Builder(body, chunk_size=10**9).first()
        pieces = Builder(body, chunk_size=chunk)
        doc = pieces.first()
        pieces.rest(doc)
    finally:
        chunks_module.FORCE_CUT_FACTOR = saved
    assert [b.to_list() for b in doc.blocks] == [b.to_list() for b in doc_whole.blocks]
    assert [(x.title, x.url) for x in doc.links] == [(x.title, x.url) for x in doc_whole.links]


def test_hostile_cache_is_cleaned_where_it_leaves_the_core() -> None:
    """An old or tampered cache with controls: sections and links come out clean (issue 6)."""
    doc = parse("# Title\n\n[x](http://e.com)\n")
    doc.blocks[0].spans = [("Ti\x1b]2;pwn\x07tle", "h1")]
    doc.links[0].url = "http://e.com/\x1b[2J"
    back = from_bytes(to_bytes(doc))
    assert "\x1b" not in back.sections[0].title and "\x07" not in back.sections[0].title
    assert "\x1b" not in back.links[0].url


def test_footnotes_work_across_chunks() -> None:
    """Issue 5: a reference in an early chunk and its definition at the end of a long body give
    the same footnotes as a one-piece parse (none lost, none empty, none twice)."""
    filler = "\n\n".join(f"Paragraph {i} " + "filler words " * 8 for i in range(200))
    body = (
        "# T\n\nSee this[^note] and that[^two].\n\n"
        + filler
        + "\n\nMore[^note].\n\n[^note]: The note text.\n\n[^two]: Second note.\n\n"
        "[^unused]: never referenced.\n"
    )
    builder = Builder(body, chunk_size=2000)
    chunked = builder.first()
    assert not chunked.complete
    builder.rest(chunked)
    whole = parse(body)

    def notes(doc: Document) -> list[tuple[str, str]]:
        return [(b.prefix, b.anchor, b.text) for b in doc.blocks if b.anchor.startswith("fn-")]

    assert (
        notes(chunked)
        == notes(whole)
        == [("[1] ", "fn-note", "The note text."), ("[2] ", "fn-two", "Second note.")]
    )
    # The references are numbered marks linking to the notes (issue 13), not literal text.
    first = chunked.blocks[1].spans
    assert ("[1]", "footnote linknum:1") in first and ("[2]", "footnote linknum:2") in first
    assert sum(b.kind == "hr" for b in chunked.blocks) == 1


def test_cache_form_keeps_body_fingerprint_and_size_hints(fixtures: Path) -> None:
    body = (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")
    doc = parse(body)
    assert doc.source == fingerprint(body) != fingerprint(body + " ")
    back = from_bytes(to_bytes(doc))
    assert back.source == doc.source
    assert back.size_hints() == doc.size_hints()
    assert len(back.size_hints()[0]) == len(back.blocks)
    with pytest.raises(ValueError):
        from_bytes(b"[3, [], [], {}]")  # an older cache version is refused


def _big_markdown(parts: int = 700) -> str:
    return "\n\n".join(
        f"## Part {n}\n\nParagraph {n} with [a link](https://example.test/{n}) and *style*."
        for n in range(parts)
    )


def test_cached_document_decodes_only_what_is_used() -> None:
    doc = parse(_big_markdown())
    assert len(doc.blocks) > 4 * CACHE_CHUNK
    back = from_bytes(to_bytes(doc))
    # Sections, anchors and links come from the header: no block is decoded for them.
    assert [s.anchor for s in back.sections] == [s.anchor for s in doc.sections]
    assert back.anchors == doc.anchors and back.top_level() == doc.top_level()
    assert [(x.title, x.url) for x in back.links] == [(x.title, x.url) for x in doc.links]
    assert not back.loaded
    middle = len(doc.blocks) // 2
    assert back.blocks[middle].text == doc.blocks[middle].text
    assert back.blocks[-1].text == doc.blocks[-1].text
    assert not back.loaded  # one piece each, not all of them
    while not back.load_step(pieces=1):
        pass
    assert back.loaded and type(back.blocks) is list
    assert [b.text for b in back.blocks] == [b.text for b in doc.blocks]
    assert to_bytes(back) == to_bytes(doc)


def test_cached_document_iteration_and_find_decode_everything() -> None:
    doc = parse(_big_markdown())
    back = from_bytes(to_bytes(doc))
    assert [b.kind for b in back.blocks] == [b.kind for b in doc.blocks]
    fresh = from_bytes(to_bytes(doc))
    assert list(fresh.search("paragraph 650 ")) == list(doc.search("paragraph 650 "))


def test_damaged_piece_shows_a_note_instead_of_failing() -> None:
    doc = parse(_big_markdown())
    data = bytearray(to_bytes(doc))
    # Garble the last piece (the header still reads: the damage shows only when used).
    data[-40:-1] = b"x" * 39
    back = from_bytes(bytes(data))
    assert back.blocks[0].text == doc.blocks[0].text
    assert not back.damaged
    last = back.blocks[-1]
    assert back.damaged
    texts = [b.text for b in back.blocks[len(back.blocks) - 200 :]]
    assert any("damaged" in t for t in texts)
    assert last.kind == "p"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda d: d.replace(b"\n", b" ", 1),  # no header line
        lambda d: b"[5,3" + d[d.index(b",") :],  # a block count the pieces do not cover
        lambda d: d[: d.index(b"\n")].replace(b"[[0,0,", b"[[1,0,", 1) + d[d.index(b"\n") :],
    ],
)
def test_bad_cache_header_is_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    data = to_bytes(parse(_big_markdown(40)))
    with pytest.raises(ValueError):
        from_bytes(mangle(data))


def test_damaged_document_is_not_cached_again() -> None:
    doc = parse(_big_markdown())
    data = to_bytes(doc)
    back = from_bytes(data[:-40] + b"x" * 39 + data[-1:])
    back.load_step(pieces=100)
    assert back.damaged
    with pytest.raises(ValueError):
        to_bytes(back)


def test_two_threads_decoding_one_cached_document_agree() -> None:
    import threading

    doc = parse(_big_markdown(1500))
    back = from_bytes(to_bytes(doc))
    seen: list[list[str]] = []

    def read() -> None:
        seen.append([b.text for b in back.blocks])

    threads = [threading.Thread(target=read) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    want = [b.text for b in doc.blocks]
    assert seen == [want] * 4
    assert back.load_step() and back.loaded


def test_cache_with_garbage_counts_is_refused() -> None:
    import json

    data = to_bytes(parse(_big_markdown(40)))
    cut = data.index(b"\n")
    header = json.loads(data[:cut])
    for bad in ("!!not base64!!", "AAAAAP////8=", 12):  # garbage, a negative count, not text
        header[7] = bad
        with pytest.raises(ValueError):
            from_bytes(json.dumps(header).encode() + data[cut:])


def test_cached_document_loads_from_a_mapped_file(tmp_path: Path) -> None:
    import mmap

    doc = parse(_big_markdown())
    path = tmp_path / "form"
    path.write_bytes(to_bytes(doc))
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    back = from_bytes(mapped)
    assert back.load_step(pieces=1000)
    assert [b.text for b in back.blocks] == [b.text for b in doc.blocks]


def test_find_index_built_in_steps_finds_what_a_whole_build_finds(fixtures: Path) -> None:
    text = (fixtures / "markdown" / "the-art-of-command-line.README-zh.md").read_text("utf-8")
    whole = parse(text)
    stepped = parse(text)
    assert not stepped.find_ready
    steps = 0
    while not stepped.index_step(50):
        steps += 1
    assert stepped.find_ready and steps > 1
    for query in ("grep", "命令", "SSH", "xargs"):
        assert list(stepped.search(query)) == list(whole.search(query))
        assert list(stepped.search(query))
