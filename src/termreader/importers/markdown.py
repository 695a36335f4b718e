"""Markdown importer: front matter, pandoc title blocks, title from the first heading, related lists."""

from __future__ import annotations

import re
from pathlib import Path

from markdown_it.token import Token

from termreader.importers.common import (
    BlockPass,
    build_article,
    guess_language,
    is_related_label,
    parse_datetime,
)
from termreader.importers.frontmatter import FrontMatter, split_front_matter
from termreader.models import Article, Related
from termreader.text.outline import BLOCK_PARSER, INLINE_PARSER, heading_attributes
from termreader.text.sanitize import clean, clean_line

# The outline's guarded parsers (block structure only for headings and lists: no inline parse),
# so this importer's block parse can be handed on to the outline.
_md = INLINE_PARSER
_md_blocks = BLOCK_PARSER

_PANDOC_LINE = re.compile(r"^%(?:[ \t](.*))?$")
# Hexo writes front matter without the opening fence: "title: ...\ndate: ...\n---".
_HEXO_KEY = re.compile(r"\A[A-Za-z_][\w-]*:[ \t]")
_HEXO_CLOSE = re.compile(r"^---[ \t]*$", re.MULTILINE)


def import_markdown(
    text: str,
    *,
    path: Path | None = None,
    url: str = "",
    source: str = "",
) -> Article:
    """Turn Markdown ``text`` into an :class:`Article`.

    Title: front matter ``title``, else a pandoc ``%`` title line, else a leading level-1
    heading (removed from the body, since the title is shown apart), else the file stem.
    A trailing "Related"/"See also"/"相关内容" section made only of a list is moved into
    ``related``. Front matter that does not parse is kept visible at the top of the body as a
    fenced ``yaml``/``toml`` block and the rest imports normally (nothing the author wrote is
    dropped, and one bad key does not lose the article).
    """
    text = clean(text).lstrip("\ufeff")
    meta, body, raw = split_front_matter(text)
    if meta is None:
        meta, body, raw = _hexo_front_matter(text)
    broken = ""
    if meta is not None and meta.error:
        fence = "```" if "```" not in raw else "~~~~"
        lang = "toml" if text.startswith("+++") else "yaml"
        broken = f"{fence}{lang}\n{raw.rstrip()}\n{fence}\n\n"
    meta = meta or FrontMatter()

    title = meta.title
    published_raw = meta.published
    pandoc_title, pandoc_date, body = _pandoc_title_block(body)
    if not title and pandoc_title:
        title = pandoc_title
    if published_raw is None and pandoc_date:
        published_raw = pandoc_date

    heading_title, body, tail_related, blocks = _title_and_related(body, title)
    if not title:
        title = heading_title
    if not title and path is not None:
        title = path.stem
    if not title:
        title = _first_line(body) or "Untitled"
    if broken:
        blocks = None  # the block pass did not see the front matter block
    body = broken + body

    related = [Related(title=t, url=u) for t, u in meta.related] + tail_related

    language = meta.language
    published = parse_datetime(published_raw, language=language or guess_language(body))
    canonical = meta.url or url
    link_base = canonical or (str(path) if path is not None else "")
    return build_article(
        body=body,
        title=title,
        kind="markdown",
        url=canonical,
        path=path,
        source=source or meta.source,
        published=published,
        language=language,
        related=related,
        tags=meta.tags,
        link_base=link_base,
        blocks=blocks,
    )


def _first_line(body: str) -> str:
    for line in body.splitlines():
        line = clean_line(line.strip("#>*-_ \t"))
        if line:
            return line[:120]
    return ""


def _hexo_front_matter(text: str) -> tuple[FrontMatter | None, str, str]:
    """Front matter closed by ``---`` but never opened (Hexo posts)."""
    if not _HEXO_KEY.match(text):
        return None, text, ""
    end = _HEXO_CLOSE.search(text, 0, 16 * 1024)
    if not end:
        return None, text, ""
    meta, _, raw = split_front_matter("---\n" + text[: end.start()] + "---\n")
    # Only a block that reads as metadata counts; otherwise the text is ordinary Markdown.
    if meta is None or meta.error or not (meta.title or meta.published):
        return None, text, ""
    return meta, text[end.end() :].lstrip("\n"), raw


def _pandoc_title_block(body: str) -> tuple[str, str, str]:
    """Read a pandoc title block (``% title``, ``% authors``, ``% date``) off the top."""
    if not body.startswith("%"):
        return "", "", body
    lines = body.split("\n")
    fields: list[str] = []
    index = 0
    while index < len(lines) and len(fields) < 3:
        match = _PANDOC_LINE.match(lines[index])
        if not match:
            break
        value = match.group(1) or ""
        index += 1
        # Continuation lines start with a space.
        while index < len(lines) and lines[index].startswith((" ", "\t")) and lines[index].strip():
            value += " " + lines[index].strip()
            index += 1
        fields.append(value.strip())
    if not fields:
        return "", "", body
    title = fields[0]
    when = fields[2] if len(fields) > 2 else ""
    return title, when, "\n".join(lines[index:]).lstrip("\n")


def _inline_text(token: Token) -> str:
    parts: list[str] = []
    for child in token.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return clean_line("".join(parts))


def _inline(token: Token, env: dict[str, object]) -> Token:
    """Inline-parse one block token's text (the block pass skipped inline parsing)."""
    if token.children:
        return token
    parsed = _md.parseInline(token.content, env)
    return parsed[0] if parsed else token


def _title_and_related(body: str, title: str) -> tuple[str, str, list[Related], BlockPass | None]:
    """Find the title heading and a trailing related section in one block-level pass.

    Returns ``(heading title or "", body without them, related entries, block pass)``. Inline
    parsing, the expensive part of markdown-it, runs only on the few tokens looked at. The
    block pass (see :class:`~termreader.importers.common.BlockPass`) is handed on to
    ``build_article`` when the returned body has the same block structure as the parsed one
    (nothing cut, or only a title heading on the very first line), saving a second parse of
    the whole document; otherwise it is None.
    """
    env: dict[str, object] = {}
    tokens = _md_blocks.parse(body, env)
    lines = body.split("\n")
    end = len(lines)
    related: list[Related] = []
    cut = _trailing_related(tokens, env)
    if cut is not None:
        end, related = cut
    heading, span = _leading_title(tokens, env, title)
    if span is not None and span[1] <= end:
        kept = lines[: span[0]] + lines[span[1] : end]
    else:
        kept = lines[:end]
    joined = "\n".join(kept)
    result = joined.strip("\n")
    blocks: BlockPass | None = None
    # Removing lines elsewhere could join the blocks around them (a badge paragraph and the
    # paragraph after the title), and a cut related list may hold reference definitions.
    if cut is None and (span is None or (span[0] == 0 and tokens and tokens[0].map == list(span))):
        skip = 3 if span is not None else 0  # heading_open, inline, heading_close
        shift = (span[1] if span is not None else 0) + len(joined) - len(joined.lstrip("\n"))
        blocks = BlockPass(tokens[skip:], env, shift)
    return heading, result, related, blocks


def _leading_title(
    tokens: list[Token], env: dict[str, object], title: str
) -> tuple[str, tuple[int, int] | None]:
    """The text of a level-1 heading that names the article, and its line span to remove.

    The heading is removed only when it is the title: when no heading precedes it and no other
    level-1 heading follows (otherwise level 1 is the document's section level and stays).
    """
    headings = [i for i, t in enumerate(tokens) if t.type == "heading_open"]
    # Badges and language bars may precede it, but no other heading may.
    if not headings or tokens[headings[0]].tag != "h1" or tokens[headings[0]].level != 0:
        return "", None
    first = headings[0]
    heading = heading_attributes(_inline_text(_inline(tokens[first + 1], env)))[0].strip()
    if sum(1 for i in headings if tokens[i].tag == "h1") > 1:
        return ("" if title else heading), None
    if title and clean_line(title) != heading:
        return "", None
    start, stop = tokens[first].map or (0, 1)
    return heading, (start, stop)


def _trailing_related(
    tokens: list[Token], env: dict[str, object]
) -> tuple[int, list[Related]] | None:
    """A final "Related"/"See also" section holding only a list: its first line and entries."""
    heading_index = None
    for index in range(len(tokens) - 1, -1, -1):
        if tokens[index].type == "heading_open":
            heading_index = index
            break
    if heading_index is None:
        return None
    label = heading_attributes(_inline_text(_inline(tokens[heading_index + 1], env)))[0]
    if not is_related_label(label):
        return None
    rest = tokens[heading_index + 3 :]
    if not rest or rest[0].type not in ("bullet_list_open", "ordered_list_open"):
        return None
    entries: list[Related] = []
    depth = 0
    for token in rest:
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "inline":
            entries.append(_related_entry(_inline(token, env)))
        elif depth == 0 and token.nesting == 1:
            return None  # something other than lists follows: an ordinary section
    entries = [e for e in entries if e.title]
    if not entries:
        return None
    return (tokens[heading_index].map or (0, 0))[0], entries


def _related_entry(inline: Token) -> Related:
    href: str | None = None
    parts: list[str] = []
    for child in inline.children or []:
        if child.type == "link_open" and href is None:
            href = str(child.attrs.get("href", "")) or None
        elif child.type in ("text", "code_inline"):
            parts.append(child.content)
    title = clean_line("".join(parts))
    return Related(title=title or (href or ""), url=href)
