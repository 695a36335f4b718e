"""Markdown parsed chunk by chunk into the blocks of a render :class:`~.model.Document`.

Longer than most modules (~650 lines): the converter walks markdown-it's token stream with
state every block kind shares (open lists and items, quote depth, link numbers, footnote
numbers, the pending anchor); split across modules, each piece would pass all of it around.
"""

from __future__ import annotations

import re
from copy import copy
from typing import TYPE_CHECKING, Any

from termreader.models import Link
from termreader.render.chunks import CHUNK_SIZE, defuse_nesting, iter_chunks
from termreader.render.model import (
    CODE,
    HEADING,
    PARAGRAPH,
    RULE,
    TABLE,
    Block,
    Document,
    Span,
    fingerprint,
)
from termreader.text.sanitize import clean, clean_line

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

    from termreader.text.outline import Slugger

# markdown-it (and the outline module, which builds a parser at import) load only when something
# is parsed: opening a cached article imports neither (importing them would slow the start).

MAX_DEPTH = 40
"""Nesting beyond this (quotes, lists) is drawn flat, so a 10,000-deep quote stays readable."""


def make_parser() -> MarkdownIt:
    """The Markdown parser of the render form: CommonMark, tables, strikethrough, footnotes."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    # The preset's nesting limit is kept: it bounds hostile depth and matches the outline parser.
    from termreader.text.mdguard import guard

    md = MarkdownIt("commonmark")
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    return guard(md)  # block quotes with lazy lines are quadratic otherwise (issue 6)


_REFDEF = re.compile(
    r"""^ {0,3}\[([^\]\n]{1,999})\]:[ \t]*<?([^\s>]+)>?(?:[ \t]+(?:"([^"\n]*)"|'([^'\n]*)'|\(([^)\n]*)\)))?[ \t]*$""",
    re.MULTILINE,
)
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)


class Builder:
    """Parses a Markdown body chunk by chunk into a growing :class:`Document`.

    One :class:`~termreader.text.outline.Slugger` and one link counter span all chunks, so anchors and
    link numbers are the same as for a one-piece parse. Safe to run :meth:`parse_next` in a worker
    thread (it touches only its own state); hand the results to :meth:`Document.extend`.
    """

    def __init__(self, body: str, *, chunk_size: int = CHUNK_SIZE) -> None:
        from termreader.text.outline import Slugger

        self._md = make_parser()
        self.source = fingerprint(body)
        self._size = max(1, len(body))
        self._parsed = 0
        self._chunks = iter_chunks(body, chunk_size)
        self._pending: tuple[int, str] | None = next(self._chunks, None)
        self._slugger = Slugger()
        self._link_count = 0
        self._references: dict[str, dict[str, str]] = {}
        self._footnotes: list[str] = []
        self._footnotes_shown: set[str] = set()
        self._notes: dict[str, int] = {}  # footnote label -> the number of its first mark
        if len(body) > chunk_size:
            self._references = _prescan_references(self._md, body)
            self._footnotes = _prescan_footnotes(body)
        self._first_block = True
        self._continues = False

    @property
    def done(self) -> bool:
        """True when every chunk has been parsed."""
        return self._pending is None

    @property
    def progress(self) -> float:
        """Parsed fraction of the body (by characters)."""
        return 1.0 if self.done else min(1.0, self._parsed / self._size)

    def parse_next(self) -> tuple[list[Block], list[Link]]:
        """Parse the next chunk; returns its blocks and links (empty when done)."""
        if self._pending is None:
            return [], []
        offset, text = self._pending
        self._pending = next(self._chunks, None)
        continues = self._continues
        # A chunk cut between two list items (not at a blank line) goes on without one.
        self._continues = not text.endswith("\n")
        self._parsed += len(text) + 1
        # Per chunk, so the first screen does not wait for a scan of the whole body.
        text = defuse_nesting(text)
        env: dict[str, Any] = {"references": dict(self._references)}
        if self._footnotes:
            env["footnotes"] = _footnote_env(self._footnotes, text)
        tokens = _filter_footnotes(self._md.parse(text, env), self._footnotes_shown)
        conv = _Converter(
            offset, self._slugger, self._link_count, self._first_block or continues, self._notes
        )
        blocks = conv.run(tokens)
        if blocks:
            self._first_block = False
        self._link_count += len(conv.links)
        return blocks, conv.links

    def first(self) -> Document:
        """A document holding the first chunk (complete if there was only one)."""
        blocks, links = self.parse_next()
        document = Document(blocks, links, complete=self.done)
        document.source = self.source
        return document

    def rest(self, document: Document) -> None:
        """Parse every remaining chunk into ``document`` (synchronously)."""
        while not self.done:
            blocks, links = self.parse_next()
            document.extend(blocks, links, complete=self.done)


def parse(body: str) -> Document:
    """Parse a whole Markdown body (sanitized again here: defence in depth)."""
    builder = Builder(body)
    document = builder.first()
    builder.rest(document)
    return document


def _prescan_references(md: MarkdownIt, body: str) -> dict[str, dict[str, str]]:
    """Reference definitions of the whole body, so a chunk can use one defined in a later chunk."""
    from markdown_it.common.utils import normalizeReference

    refs: dict[str, dict[str, str]] = {}
    for match in _REFDEF.finditer(body):
        label = match.group(1)
        if label.startswith("^"):
            continue  # a footnote definition
        key = normalizeReference(label)
        if not key or key in refs:
            continue
        href = md.normalizeLink(match.group(2))
        if not md.validateLink(href):
            continue
        title = match.group(3) or match.group(4) or match.group(5) or ""
        refs[key] = {"title": title, "href": href}
    return refs


_FOOTNOTE_DEF = re.compile(r"^ {0,3}\[\^([^\]\s]{1,200})\]:", re.MULTILINE)
_FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]{1,200})\](?!:)")


def _prescan_footnotes(body: str) -> list[str]:
    """Labels of the footnotes defined in the body and referenced somewhere in it."""
    defined = dict.fromkeys(_FOOTNOTE_DEF.findall(body))
    used = set(_FOOTNOTE_REF.findall(body))
    return [label for label in defined if label in used]


def _footnote_env(labels: list[str], text: str) -> dict[str, Any]:
    """The footnote state a chunk starts with, so footnotes work across chunks.

    Every label of the body is known (a reference before the chunk of its definition still
    becomes a footnote reference), and the definitions in this chunk are listed as if referenced
    here (else the footnote plugin drops a definition whose references are in other chunks).
    """
    refs = {":" + label: -1 for label in labels}
    listed: dict[int, dict[str, Any]] = {}
    wanted = set(labels)
    for label in dict.fromkeys(_FOOTNOTE_DEF.findall(text)):
        if label in wanted:
            listed[len(listed)] = {"label": label, "count": 0}
    return {"refs": refs, "list": listed}


def _filter_footnotes(tokens: list[Any], shown: set[str]) -> list[Any]:
    """Drop footnote entries with no text (defined in another chunk) or already shown (a chunk
    lists a definition it holds and the reference it meets), and an emptied footnote block."""
    start = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), -1)
    if start < 0:
        return tokens
    end = next(
        (i for i in range(start + 1, len(tokens)) if tokens[i].type == "footnote_block_close"),
        len(tokens) - 1,
    )
    kept: list[Any] = []
    index = start + 1
    while index < end:
        if tokens[index].type != "footnote_open":
            index += 1
            continue
        close = index
        while close < end and tokens[close].type != "footnote_close":
            close += 1
        entry = tokens[index : close + 1]
        meta = tokens[index].meta or {}
        label = str(meta.get("label") or meta.get("id", 0) + 1)
        has_text = any(
            t.type not in ("footnote_open", "footnote_close", "footnote_anchor") for t in entry
        )
        if has_text and label not in shown:
            shown.add(label)
            kept.extend(entry)
        index = close + 1
    body = [tokens[start], *kept, tokens[end]] if kept else []
    return tokens[:start] + body + tokens[end + 1 :]


class _Converter:
    """Turns one chunk's token stream into blocks."""

    def __init__(
        self,
        offset: int,
        slugger: Slugger,
        link_base: int,
        first: bool,
        notes: dict[str, int] | None = None,
    ) -> None:
        self.offset = offset
        self.slugger = slugger
        self.notes: dict[str, int] = {} if notes is None else notes  # label -> its mark's number
        self.anchor = ""  # an anchor for the next block (a footnote's first paragraph)
        self.link_base = link_base
        self.links: list[Link] = []
        self.blocks: list[Block] = []
        self.quote = 0
        self.lists: list[dict[str, Any]] = []  # open lists: ordered, next number, item count
        self.items: list[dict[str, Any]] = []  # open items: indent, pending prefix, first
        self.next_gap = 0 if first else 1
        self.last_line = offset

    # --- helpers ------------------------------------------------------------------------------
    def _line(self, token: Any) -> int:
        if token.map:
            self.last_line = token.map[0] + self.offset
        return self.last_line

    def _indent(self) -> int:
        return self.items[-1]["indent"] if self.items else 0

    def _take_prefix(self) -> str:
        if self.items and self.items[-1]["prefix"]:
            prefix = self.items[-1]["prefix"]
            self.items[-1]["prefix"] = ""
            return prefix
        return ""

    def _emit(
        self, kind: str, token: Any, *, tight: bool = False, opens_list: bool = False, **fields: Any
    ) -> None:
        """Append a block. ``tight``: a paragraph of a tight list, drawn without a blank line
        before it unless it ``opens_list`` (the first item of a top-level list)."""
        gap = self.next_gap
        if tight and self.lists and not opens_list:
            gap = 0
        prefix = self._take_prefix()
        if self.anchor and kind != HEADING:
            fields["anchor"] = self.anchor
            self.anchor = ""
        self.blocks.append(
            Block(
                kind,
                self._line(token),
                gap=gap,
                quote=min(self.quote, MAX_DEPTH),
                indent=self._indent(),
                prefix=prefix,
                **fields,
            )
        )
        self.next_gap = 1

    # --- walk ---------------------------------------------------------------------------------
    def run(self, tokens: list[Any]) -> list[Block]:
        index = 0
        count = len(tokens)
        while index < count:
            token = tokens[index]
            kind = token.type
            if kind == "heading_open":
                self.heading(token, tokens[index + 1])
                index += 3
                continue
            if kind == "paragraph_open":
                inline = tokens[index + 1]
                if _DEFINITION.search(inline.content) and self.definitions(token, inline):
                    index += 3
                    continue
                spans = self.inline(inline.children or [])
                first_in_list = bool(self.items) and self.items[-1]["first"]
                if self.items:
                    self.items[-1]["first"] = False
                self._emit(
                    PARAGRAPH,
                    token,
                    tight=token.hidden,
                    opens_list=first_in_list
                    and len(self.lists) == 1
                    and self.lists[0]["items"] == 1,
                    spans=spans,
                )
                index += 3
                continue
            if kind in ("fence", "code_block"):
                lang = _language(token.info)
                code = clean(token.content.rstrip("\n")).expandtabs(4)
                self._emit(CODE, token, data=[lang, code])
            elif kind == "hr":
                self._emit(RULE, token)
            elif kind == "html_block":
                text = " ".join(_TAG.sub(" ", token.content).split())
                if text:
                    self._emit(PARAGRAPH, token, spans=[[clean(text), ""]])
            elif kind == "blockquote_open":
                self.quote += 1
                self._line(token)
            elif kind == "blockquote_close":
                self.quote -= 1
            elif kind in ("bullet_list_open", "ordered_list_open"):
                ordered = kind == "ordered_list_open"
                start = int(token.attrs.get("start", 1) or 1) if ordered else 0
                # Numbers are right-aligned in a margin as wide as the list's widest number,
                # so the text of items 9 and 10 starts in the same column.
                digits = len(str(start + _item_count(tokens, index) - 1)) if ordered else 0
                self.lists.append(
                    {"ordered": ordered, "number": start, "items": 0, "digits": digits}
                )
                if len(self.lists) == 1:
                    self._line(token)
            elif kind in ("bullet_list_close", "ordered_list_close"):
                self.lists.pop()
                self.next_gap = 1
            elif kind == "list_item_open":
                lst = self.lists[-1] if self.lists else {"ordered": False, "number": 0, "items": 0}
                lst["items"] += 1
                width = 0
                if lst["ordered"]:
                    marker = f"{lst['number']}{token.markup or '.'}"
                    width = lst.get("digits", 0) + len(token.markup or ".") + 1
                    lst["number"] += 1
                else:
                    marker = "•◦▪"[(len(self.lists) - 1) % 3]
                prefix = marker + " "
                if self.items and self.items[-1]["prefix"]:
                    # An item that opens with a nested list: give the outer bullet its own line
                    # rather than emitting the bullets innermost-first at the item ends.
                    self.items[-1]["first"] = False
                    self._emit(PARAGRAPH, token, tight=True, spans=[])
                base = self._indent()
                indent = base + max(len(prefix), width) if base < MAX_DEPTH else base
                self.items.append({"indent": indent, "prefix": prefix, "first": True})
                self._line(token)
            elif kind == "list_item_close":
                item = self.items[-1] if self.items else None
                if item is not None and item["prefix"]:
                    self._emit(PARAGRAPH, token, tight=True, spans=[])
                if self.items:
                    self.items.pop()
            elif kind == "footnote_block_open":
                self._emit(RULE, token)
            elif kind == "footnote_open":
                label = clean_line(str(token.meta.get("label", token.meta.get("id", 0) + 1)))
                number = self.notes.get(label)
                # The note carries the number its mark shows (the mark is a link to it).
                prefix = f"[{number}] " if number else f"[^{label}] "
                self.anchor = note_anchor(label)
                self.items.append(
                    {"indent": self._indent() + len(prefix), "prefix": prefix, "first": True}
                )
            elif kind == "footnote_close":
                if self.items:
                    self.items.pop()
            elif kind == "table_open":
                index = self.table(tokens, index)
                continue
            index += 1
        return self.blocks

    def heading(self, token: Any, inline: Any) -> None:
        """A heading without pandoc attributes (its ``{#id}`` is the anchor). An empty heading
        is skipped (it would draw a stray rule and an empty outline entry); one with no title
        text but something to show (an image) is drawn as a paragraph."""
        from termreader.text.outline import heading_attributes

        children = inline.children or []
        title, ident = heading_attributes(_slug_title(children))
        spans = _cut_attributes(self.inline(children))
        if not title.strip():
            if any(t.strip() for t, _ in spans):
                self._emit(PARAGRAPH, token, spans=spans)
            return
        level = int(token.tag[1:])
        self._emit(
            HEADING,
            token,
            level=level,
            anchor=self.slugger.anchor(title.strip(), ident),
            spans=[(t, f"{s} h{level}".strip()) for t, s in spans],
        )

    def definitions(self, token: Any, inline: Any) -> bool:
        """A pandoc definition list: ``Term`` then ``: definition`` lines. Draws the term (bold),
        then each definition indented below it. A paragraph made only of definitions defines
        the paragraph just before it (the loose form, with a blank line between). False when
        the paragraph is not one."""
        lines: list[list[Any]] = [[]]
        for child in inline.children or []:
            if child.type in ("softbreak", "hardbreak"):  # (HTML's <dl> comes with hard breaks)
                lines.append([])
            else:
                lines[-1].append(child)
        starts = [_definition_start(line) for line in lines]
        groups: list[tuple[bool, list[Any]]] = []  # (is a definition, children)
        for line, start in zip(lines, starts, strict=True):
            if start is not None:
                groups.append((True, start))
            elif groups:
                groups[-1][1].extend([_SOFTBREAK, *line])
            else:
                groups.append((False, line))
        if not any(is_def for is_def, _ in groups):
            return False
        if groups[0][0]:
            previous = self.blocks[-1] if self.blocks else None
            if (
                previous is None
                or previous.kind != PARAGRAPH
                or previous.indent != self._indent()
                or previous.quote != min(self.quote, MAX_DEPTH)
                or "\n" in previous.text
            ):
                return False
            previous.spans = [(t, _bold(s)) for t, s in previous.spans]
        for is_def, children in groups:
            spans = self.inline(children)
            if not is_def:
                self._emit(PARAGRAPH, token, spans=[(t, _bold(s)) for t, s in spans])
            else:
                self._emit(PARAGRAPH, token, spans=spans)
                block = self.blocks[-1]
                block.indent += DEFINITION_INDENT
                block.gap = 0  # right under its term
        return True

    def table(self, tokens: list[Any], index: int) -> int:
        start = tokens[index]
        aligns: list[str] = []
        rows: list[list[list[Span]]] = []
        row: list[list[Span]] = []
        index += 1
        while index < len(tokens) and tokens[index].type != "table_close":
            token = tokens[index]
            if token.type == "tr_open":
                row = []
            elif token.type == "tr_close":
                rows.append(row)
            elif token.type in ("th_open", "td_open"):
                if not rows:
                    style = str(token.attrs.get("style", ""))
                    aligns.append("c" if "center" in style else "r" if "right" in style else "l")
            elif token.type == "inline":
                row.append(self.inline(token.children or []))
            index += 1
        self._emit(TABLE, start, data=[aligns, rows])
        return index + 1

    def inline(self, children: list[Any]) -> list[Span]:
        # Each span's pieces are joined once at the end: appending to a string held in a list
        # copies it every time (quadratic in a long paragraph of short lines).
        out: list[tuple[list[str], str]] = []
        styles: list[str] = []
        link_stack: list[tuple[int, int]] = []  # (link number, index in out where it began)

        def add(text: str, style: str) -> None:
            if not text:
                return
            text = clean(text)
            if out and out[-1][1] == style:
                out[-1][0].append(text)
            else:
                out.append(([text], style))

        def current() -> str:
            return " ".join(styles)

        for child in children:
            kind = child.type
            if kind == "text":
                add(child.content, current())
            elif kind == "code_inline":
                add(child.content, f"{current()} code".strip())
            elif kind == "softbreak":
                add(" ", current())
            elif kind == "hardbreak":
                add("\n", current())
            elif kind == "strong_open":
                styles.append("bold")
            elif kind == "em_open":
                styles.append("italic")
            elif kind == "s_open":
                styles.append("strike")
            elif kind in ("strong_close", "em_close", "s_close"):
                name = {"strong_close": "bold", "em_close": "italic", "s_close": "strike"}[kind]
                if name in styles:
                    styles.reverse()
                    styles.remove(name)
                    styles.reverse()
            elif kind == "link_open":
                number = self.link_base + len(self.links) + 1
                self.links.append(Link(title="", url=clean_line(str(child.attrs.get("href", "")))))
                link_stack.append((number, len(out)))
                styles.append(f"link:{number}")
            elif kind == "link_close":
                if not link_stack:
                    continue
                number, begin = link_stack.pop()
                name = f"link:{number}"
                if name in styles:
                    styles.remove(name)
                title = clean_line("".join("".join(parts) for parts, _ in out[begin:]))
                link = self.links[number - self.link_base - 1]
                link.title = title or link.url
                add(f"[{number}]", f"{current()} linknum:{number}".strip())
            elif kind == "image":
                alt = clean_line(child.content or "")
                src = clean_line(str(child.attrs.get("src", "")))
                add(
                    f"[image: {alt}] {src}" if alt else f"[image] {src}",
                    f"{current()} image".strip(),
                )
            elif kind == "footnote_ref":
                # A numbered mark that is a link to the note (followed like any link; the
                # history's back key returns).
                label = clean_line(str(child.meta.get("label", child.meta.get("id", 0) + 1)))
                number = self.link_base + len(self.links) + 1
                self.links.append(Link(title=f"Note {label}", url=f"#{note_anchor(label)}"))
                self.notes.setdefault(label, number)
                add(f"[{number}]", f"{current()} footnote linknum:{number}".strip())
            elif kind == "html_inline":
                if child.content.lower().startswith("<br"):
                    add("\n", current())
        return [("".join(parts), style) for parts, style in out]


DEFINITION_INDENT = 4
"""Cells a definition is indented under its term."""

_DEFINITION = re.compile(r"(?:^|\n)[ \t]{0,3}[:~][ \t]")


class _Softbreak:
    """A stand-in softbreak token (rejoining a definition's continuation lines)."""

    type = "softbreak"
    content = "\n"


_SOFTBREAK = _Softbreak()


def _bold(style: str) -> str:
    return style if "bold" in style.split() else f"{style} bold".strip()


def _definition_start(children: list[Any]) -> list[Any] | None:
    """The children of a ``: definition`` line without its marker; None for another line."""
    if not children or children[0].type != "text":
        return None
    match = re.match(r"[ \t]{0,3}[:~][ \t]+", children[0].content)
    if match is None:
        return None
    head = copy(children[0])
    head.content = children[0].content[match.end() :]
    return [head, *children[1:]]


def _language(info: str) -> str:
    """A fence's language: its first word, or the first class of pandoc attributes
    (``{.python .numberLines}``, ``{r}``), never the braces."""
    info = info.strip()
    if info.startswith("{"):
        match = re.match(r"\{\s*\.?([\w+#-]+)", info)
        return clean_line(match.group(1)) if match else ""
    return clean_line(info.split()[0]) if info else ""


def note_anchor(label: str) -> str:
    """The anchor of footnote ``label``'s note (its mark links to ``#`` this)."""
    from termreader.text.outline import slugify

    return "fn-" + slugify(label)


def _cut_attributes(spans: list[Span]) -> list[Span]:
    """Heading spans without pandoc attributes at the end (see ``outline.heading_attributes``)."""
    from termreader.text.outline import heading_attributes

    text = "".join(t for t, _ in spans)
    title, _ = heading_attributes(text)
    if len(title) == len(text):
        return spans
    out: list[Span] = []
    left = len(title.rstrip())
    for piece, style in spans:
        if left <= 0:
            break
        out.append((piece[:left], style))
        left -= len(piece)
    return out


def _item_count(tokens: list[Any], index: int) -> int:
    """Items of the list opened at ``tokens[index]`` (its own, not those of nested lists)."""
    level = tokens[index].level + 1
    count = 0
    for position in range(index + 1, len(tokens)):  # (no slice: a copy per list adds up)
        token = tokens[position]
        if token.level < level:
            break
        if token.level == level and token.type == "list_item_open":
            count += 1
    return max(1, count)


def _slug_title(children: list[Any]) -> str:
    """The heading title exactly as :func:`termreader.text.outline.sections_from_markdown` sees it.

    The outline parses plain CommonMark, so strikethrough and footnote markers are plain text
    there; they are put back here so both give the same anchor.
    """
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type in ("s_open", "s_close"):
            parts.append(child.markup)
        elif child.type == "footnote_ref":
            parts.append(f"[^{child.meta.get('label', '')}]")
    return " ".join("".join(parts).split())
