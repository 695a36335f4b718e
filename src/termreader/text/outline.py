"""Outline helpers shared by importers and the renderer: slugs, sections, related de-duplication."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from markdown_it import MarkdownIt
from markdown_it.token import Token

from termreader.models import Related, Section
from termreader.text.mdguard import guard
from termreader.text.slug import slugify

# pandoc's heading attributes at the end of a heading: ``{#id .class key=value}``, ``{-}``.
_ATTRIBUTES = re.compile(
    r"[ \t]*\{[ \t]*((?:(?:#[\w:.\-]+|\.[\w\-]+|-|[\w\-]+=(?:\"[^\"{}]*\"|'[^'{}]*'|[^\s{}]+))"
    r"[ \t]*)+)\}[ \t]*$"
)
_IDENTIFIER = re.compile(r"(?:^|\s)#([\w:.\-]+)")


def heading_attributes(title: str) -> tuple[str, str]:
    """``title`` without pandoc attributes at its end, and the ``{#id}`` they name ("" if none).

    ``Install {#setup .unnumbered}`` is ``("Install", "setup")``: the attributes are markup for
    the converter, never shown, and the id is the heading's anchor (links say ``#setup``).
    """
    match = _ATTRIBUTES.search(title)
    if match is None:
        return title, ""
    ident = _IDENTIFIER.search(match.group(1))
    return title[: match.start()], ident.group(1) if ident else ""


class Slugger:
    """Hands out unique anchors within one article: ``intro``, ``intro-1``, ``intro-2``..."""

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}

    def anchor(self, title: str, ident: str = "") -> str:
        """A heading's anchor: its pandoc ``{#id}`` when it has one (made unique like a slug),
        else the slug of its title (see :func:`heading_attributes`)."""
        return self(ident, slug=False) if ident else self(title)

    def __call__(self, title: str, *, slug: bool = True) -> str:
        base = slugify(title) if slug else title
        count = self._seen.get(base)
        if count is None:
            self._seen[base] = 0
            return base
        count += 1
        self._seen[base] = count
        return f"{base}-{count}"


# Block structure only: inline parsing is a large share of a parse's time, and only the
# headings' inline content matters for the outline. Guarded: markdown-it's block quote rule is
# quadratic on quotes followed by lazy lines (issue 6), and every import runs this parser.
# The importers use these same two parsers, so a block parse can be shared with the outline.
BLOCK_PARSER = guard(MarkdownIt("commonmark").disable("inline"))
INLINE_PARSER = guard(MarkdownIt("commonmark"))


def sections_from_markdown(
    body: str, tokens: Sequence[Token] | None = None, *, line_shift: int = 0
) -> list[Section]:
    """The headings of a Markdown body, in order, with unique anchors and source lines.

    Args:
        body: The Markdown text.
        tokens: Block tokens of ``body`` already parsed by a commonmark parser with inline
            parsing disabled (the importer shares one block pass with the links); parsed here
            when omitted.
        line_shift: Lines to subtract from the tokens' source lines (``tokens`` were parsed
            from a text with that many more lines before ``body``'s first).
    """
    slugger = Slugger()
    sections: list[Section] = []
    if tokens is None:
        tokens = BLOCK_PARSER.parse(body)
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = INLINE_PARSER.parseInline(tokens[index + 1].content)[0]
        title, ident = heading_attributes(_plain_inline(inline))
        title = title.strip()
        if not title:
            continue  # an empty heading is no section (the reader skips it too)
        anchor = slugger.anchor(title, ident)
        level = int(token.tag[1:])
        line = token.map[0] - line_shift if token.map else 0
        sections.append(Section(level=level, title=title, anchor=anchor, position=line))
    return sections


def _plain_inline(inline) -> str:  # type: ignore[no-untyped-def]
    parts: list[str] = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split())


_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
# Where a site name or column meets the headline: "Title | Site", "标题_网站", "Site - Title".
_TITLE_SEPARATORS = re.compile(r"\s[|｜丨\-–—·:]\s|[|｜丨_·：]|——|\s[-–—]\s?")


def plain_title(title: str) -> str:
    """A title for comparison: letters and digits only, case-folded."""
    return _NOT_WORD.sub("", title).casefold()


def names_itself(candidate: str, title: str) -> bool:
    """True when a related entry ``candidate`` is the article's own ``title``: the same words,
    or the title with a site name or column cut off or added (``Title | Site``, ``标题_网站``,
    ``Site - Title``), so an article is never listed as related to itself."""
    plain, own = plain_title(candidate), plain_title(title)
    if not plain or not own:
        return False
    if plain == own:
        return True
    shorter, longer = sorted((candidate, title), key=lambda t: len(plain_title(t)))
    short, long = plain_title(shorter), plain_title(longer)
    # Cut at a separator: a prefix or suffix of segments of the longer title, when what is cut
    # off is the smaller part (a site name, not a subtitle that says what the article is about).
    pieces = _TITLE_SEPARATORS.split(longer)
    if len(pieces) > 1 and len(short) * 2 >= len(long):
        for cut in range(1, len(pieces)):
            if short in (plain_title("".join(pieces[:cut])), plain_title("".join(pieces[cut:]))):
                return True
    # No separator kept: the headline is most of the longer title, at its start or end; but a
    # few characters more are a part number ("（下）", "(2)"): a sequel is a related article.
    return (
        len(long) - len(short) > 3
        and len(short) * 10 >= len(long) * 6
        and (long.startswith(short) or long.endswith(short))
    )


def collapse_related(entries: Iterable[Related]) -> list[Related]:
    """Collapse exact duplicate titles (same title, same url) into one entry with a count.

    Order is first occurrence. An entry without url merges into an earlier one with the same title.
    """
    out: list[Related] = []
    index: dict[str, Related] = {}
    for entry in entries:
        title = " ".join(entry.title.split())
        if not title:
            continue
        key = title
        existing = index.get(key)
        if existing is not None and (
            existing.url == entry.url or not entry.url or not existing.url
        ):
            existing.count += entry.count
            if not existing.url and entry.url:
                existing.url = entry.url
            continue
        if existing is not None:
            key = f"{title}\x00{entry.url}"
            if key in index:
                index[key].count += entry.count
                continue
        item = Related(title=title, url=entry.url, count=entry.count)
        index[key] = item
        out.append(item)
    return out
