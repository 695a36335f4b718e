"""HTML -> Markdown that keeps the structure a reader navigates by (headings, code, quotes, lists).

The converter class (and with it this module) runs past the usual size: its block and inline
halves share one state (link, emphasis and heading context, the output budget); split, they
would pass it around. The text-level pieces live in
:mod:`~termreader.importers.html_markdown_text`.
"""

from __future__ import annotations

import re
from typing import Any

from termreader.importers.common import resolve_link
from termreader.importers.html_markdown_text import (
    BR,
    DEL,
    EM,
    STRONG,
    bold_titles,
    code_fence,
    code_language,
    code_span,
    escaped,
    hang,
    is_gutter,
    join_item,
    math_tex,
    one_line,
    paragraphs,
    pre_text,
    strip_controls,
    table_row,
    wrap,
)
from termreader.importers.html_tree import HEADINGS, icon_sized, lead_image, tag_of, text_of

#: Deeper nesting is flattened to text: bounded recursion whatever the input.
MAX_CONVERT_DEPTH = 80
#: Markdown beyond this many characters is not written (a hostile page stays bounded).
MAX_MARKDOWN_CHARS = 8_000_000
_MAX_ROWS = 5000
_MAX_COLS = 64

_BLOCK_TAGS = frozenset(
    {
        *HEADINGS,
        *"p div section article main header ul ol menu li blockquote pre table thead tbody".split(),
        *"tfoot tr dl dt dd figure figcaption hr address details summary center fieldset".split(),
        *"hgroup caption legend".split(),
    }
)
_DROP_TAGS = frozenset(
    "script style noscript template nav footer form svg iframe button select head aside object "
    "canvas input textarea video audio map rt rp title meta link embed dialog".split()
)
# Class, id and role hints of page clutter inside the content: share bars, comment threads,
# skip and edit links, cookie notes, in-page navigation.
_CLUTTER_TOKENS = frozenset(
    "share sharing sharebar social cookie cookies consent comment comments disqus breadcrumb "
    "breadcrumbs nav navbar navigation menu sidebar skip jump editsection advert ads advertisement "
    "sponsor sponsored promo newsletter subscribe related toc popup modal widget login signup "
    "pagination pager navbox ambox catlinks printfooter".split()
)
_CLUTTER_NAME = re.compile(
    r"load-?more|more-?news|sr-only|screen-reader|visually-?hidden|mathjax_preview|off-?screen",
    re.I,
)
# What the print style hides: page chrome, but also the lead photo (to save ink).
_PRINT_HIDDEN = re.compile(r"no-?print|print-?none|hidden-?print", re.I)
_CLUTTER_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "dialog", "menu"})
_CLUTTER_TEXT = re.compile(
    r"(skip to (main )?(content|navigation|search)|jump to (navigation|search|content)|"
    r"load more( \w+)?|show more comments|加载更多.{0,6}|查看更多评论|\[edit\])",
    re.I,
)
_TOKEN_SPLIT = re.compile(r"[\s_\-]+")
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_PERMALINK_TEXT = frozenset({"", "¶", "#", "§", "🔗", "⚓", "link", "permalink", "anchor", "∞"})
_FOOTNOTE_CLASS = re.compile(r"footnote|fnref|noteref|reference|citation", re.I)
_SUP = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
_SUB = str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")
_SUP_CHARS = frozenset("0123456789+-=()ni")
_SUB_CHARS = frozenset("0123456789+-=()")
_EMOJI_CLASS = re.compile(r"emoji|smiley", re.I)
_TRAILING_MARKS = re.compile(r"(?:\s*(?:¶|§|🔗|⚓|\\\[edit\\\]))+$")


def simple_markdown(tree: Any) -> str:
    """Markdown of a whole page or fragment: its <article>, <main> or <body>, converted."""
    if hasattr(tree, "getroot"):
        tree = tree.getroot()
    root = None
    for name in ("article", "main"):
        root = tree.find(f".//{name}")
        if root is not None:
            break
    if root is None:
        root = tree.find("body")
    return to_markdown(tree if root is None else root)


def to_markdown(element: Any, base_url: str = "") -> str:
    """Markdown of ``element`` (an lxml element: the main content of a page).

    Links and images resolve against ``base_url`` when given. Untrusted input is fine: nesting
    deeper than :data:`MAX_CONVERT_DEPTH` is flattened and the output is capped.
    """
    if hasattr(element, "getroot"):
        element = element.getroot()
    if element is None:
        return ""
    converter = _Converter(element, base_url)
    tag = tag_of(element)
    if tag in _BLOCK_TAGS and tag not in ("div", "section", "article", "main", "p", "header"):
        blocks = converter.block(element, tag, 0)
    else:
        blocks = converter.blocks(element, 0)
    return "\n\n".join(bold_titles([block for block in blocks if block.strip()]))


# --- the converter ---------------------------------------------------------------------------
class _Converter:
    """One conversion: the block walk, the inline walk and their shared context."""

    def __init__(self, root: Any, base: str) -> None:
        self.root = root
        self.base = base
        self.size = 0
        self.full = False
        self.root_chars = -1
        self.link = 0
        self.strong = 0
        self.em = 0
        self.sup = 0
        self.heading = 0
        self.bullet = 0

    # --- what to leave out ------------------------------------------------------------------
    def skip(self, element: Any, tag: str) -> bool:
        """True for what a reader does not want in the article: scripts, page chrome, clutter."""
        if tag in _DROP_TAGS:
            # A quote's or a figure's own footer is its attribution, not page chrome.
            return tag != "footer" or tag_of(element.getparent()) not in ("blockquote", "figure")
        get = element.get
        if get("aria-hidden") == "true" or get("hidden") is not None:
            return True
        style = get("style")
        if style and _HIDDEN_STYLE.search(style) and element.find(".//math") is None:
            return True
        names = f"{get('class') or ''} {get('id') or ''}"
        role = (get("role") or "").lower()
        hinted = role in _CLUTTER_ROLES or _CLUTTER_NAME.search(names) is not None
        if not hinted and _PRINT_HIDDEN.search(names) is not None:
            hinted = not lead_image(element)
        if not hinted and names.strip():
            found = [t for t in _TOKEN_SPLIT.split(names.lower()) if t in _CLUTTER_TOKENS]
            # "related images" are the article's own pictures, not a list of other articles.
            hinted = bool(found) and (found != ["related"] * len(found) or not lead_image(element))
        if hinted and tag not in HEADINGS and tag not in ("pre", "code", "math"):
            # A hint on what holds most of the text is a wrong guess (an article whose
            # container is named after its comment count).
            if self.root_chars < 0:
                self.root_chars = len(text_of(self.root))
            size = len(text_of(element))
            return size < 200 or size * 2 < self.root_chars
        if tag in ("a", "span", "button", "li", "p", "div") and len(element) <= 2:
            text = text_of(element)
            if len(text) <= 30 and _CLUTTER_TEXT.fullmatch(text):
                return True
        return False

    def charge(self, blocks: list[str], extra: int = 0) -> list[str]:
        """Count the characters a step writes (``extra``: prefixes it adds to its children's
        blocks); once over :data:`MAX_MARKDOWN_CHARS` the conversion stops."""
        self.size += extra + sum(len(block) + 2 for block in blocks)
        if self.size > MAX_MARKDOWN_CHARS:
            self.full = True
        return blocks

    # --- blocks -----------------------------------------------------------------------------
    def blocks(self, element: Any, depth: int) -> list[str]:
        """Markdown blocks of ``element``'s content (inline runs become paragraphs)."""
        out: list[str] = []
        pending: list[str] = [escaped(element.text)]
        for child in element:
            if self.full:
                break
            tag = tag_of(child)
            if tag == "script" and (child.get("type") or "").startswith("math/tex"):
                pending.append(self.script_math(child))
            elif tag and not self.skip(child, tag):
                if depth >= MAX_CONVERT_DEPTH:
                    pending.append(" " + escaped(text_of(child)) + " ")
                elif tag in _BLOCK_TAGS or (tag == "math" and child.get("display") == "block"):
                    out.extend(self.charge(paragraphs("".join(pending))))
                    pending = []
                    out.extend(self.block(child, tag, depth + 1))
                else:
                    pending.append(self.inline(child, tag, depth + 1))
            pending.append(escaped(child.tail))
        out.extend(self.charge(paragraphs("".join(pending))))
        return out

    def block(self, element: Any, tag: str, depth: int) -> list[str]:
        if depth >= MAX_CONVERT_DEPTH:  # lists nested without <li> reach here directly
            return self.charge(paragraphs(escaped(text_of(element))))
        if tag in HEADINGS:
            return self.heading_block(element, int(tag[1]), depth)
        if tag == "pre":
            code = pre_text(element)
            return self.charge([code_fence(code, code_language(element))] if code.strip() else [])
        if tag == "blockquote":
            return self.quoted(self.blocks(element, depth))
        if tag in ("ul", "ol", "menu"):
            return self.list_block(element, tag == "ol", depth)
        if tag == "dl":
            if element.find("dt") is None and element.find("div/dt") is None:
                # Definitions without terms are how wikis indent (display math, replies): an
                # indented block, not a list of ": " lines.
                return self.quoted(self.blocks(element, depth))
            return self.definitions(element, depth)
        if tag == "table":
            return self.table(element, depth)
        if tag == "hr":
            return ["---"]
        if tag in ("figcaption", "summary", "caption", "legend"):
            mark = EM if tag in ("figcaption", "caption") else STRONG
            return self.charge(paragraphs(wrap(self.inline_content(element, depth), mark)))
        if tag == "math":
            tex = math_tex(element)
            return self.charge([f"$${escaped(' '.join(tex.split()))}$$"] if tex else [])
        return self.blocks(element, depth)

    def quoted(self, blocks: list[str]) -> list[str]:
        """``blocks`` as one block quote (nothing when they hold no text)."""
        quoted = "\n\n".join(blocks)
        if not quoted.strip():
            return []
        lines = quoted.split("\n")
        self.charge([], 2 * len(lines))
        return ["\n".join("> " + ln if ln else ">" for ln in lines)]

    def heading_block(self, element: Any, level: int, depth: int) -> list[str]:
        self.heading += 1
        try:
            text = one_line(self.inline_content(element, depth))
        finally:
            self.heading -= 1
        text = _TRAILING_MARKS.sub("", text).strip()
        if not text:
            return []
        stripped = text.rstrip("#")
        text = stripped + "\\#" * (len(text) - len(stripped))
        return self.charge(["#" * level + " " + text])

    def list_block(self, element: Any, ordered: bool, depth: int) -> list[str]:
        number = 1
        if ordered:
            try:
                number = min(max(int(str(element.get("start") or "1").strip()), 0), 99_999_999)
            except ValueError:
                number = 1
        self.bullet += 1
        bullet = "- " if self.bullet % 2 else "* "  # adjacent lists stay apart in Markdown
        items: list[str] = []
        for child in element:
            tag = tag_of(child)
            if not tag or self.skip(child, tag):
                continue
            if tag == "li":
                inner = self.blocks(child, depth + 1)
            elif tag in ("ul", "ol") and items:  # a list nested without its <li>
                nested = "\n".join(self.block(child, tag, depth + 1))
                self.charge([], 2 * (nested.count("\n") + 1))
                items[-1] += "\n" + hang(nested, "  ")
                continue
            elif tag in _BLOCK_TAGS:
                inner = self.block(child, tag, depth + 1)
            else:
                inner = paragraphs(self.inline(child, tag, depth + 1))
            marker = f"{number}. " if ordered else bullet
            number += 1
            if inner:
                item = join_item(inner)
                self.charge([], len(marker) * (item.count("\n") + 1))
                items.append(hang(item, marker))
            if self.full:
                break
        return ["\n".join(items)] if items else []

    def definitions(self, element: Any, depth: int) -> list[str]:
        """A term on its own line (a hard break), each definition on a ``: `` line after it:
        readable as it is, and the definition-list syntax of Markdown extensions."""
        out: list[str] = []
        entry: list[str] = []
        for child in element:
            tag = tag_of(child)
            if tag == "div" and not self.skip(child, tag):  # <div> groups dt/dd pairs (HTML 5.2)
                out.extend(self.definitions(child, depth + 1) if depth < MAX_CONVERT_DEPTH else [])
                continue
            if tag not in ("dt", "dd") or self.skip(child, tag):
                continue
            if tag == "dt":
                term = one_line(self.inline_content(child, depth))
                if entry and entry[-1].startswith(": "):
                    out.append("  \n".join(entry))
                    entry = []
                if term:
                    entry.extend(self.charge([term if "**" in term else f"**{term}**"]))
                continue
            blocks = self.blocks(child, depth + 1)
            if not blocks:
                continue
            if "\n" in blocks[0] or re.match(r"(?:[-*+] |\d+[.)] |```|> |#)", blocks[0]):
                entry.append(": ")
            else:
                entry.append(": " + blocks.pop(0))
            if blocks:
                out.append("  \n".join(entry).rstrip(": \n") or ":")
                out.extend(blocks)
                entry = []
        if entry:
            out.append("  \n".join(entry))
        return [block for block in out if block.strip(": \n")]

    def table(self, element: Any, depth: int) -> list[str]:
        """A pipe table; a code listing with a line-number gutter (Hexo, Pygments) as its code;
        a layout table (one column, one row, or tables inside) as the blocks of its cells."""
        rows: list[tuple[bool, list[Any]]] = []
        caption: list[str] = []
        nested = False
        for part in element:
            tag = tag_of(part)
            if tag == "caption":
                caption = self.block(part, tag, depth)
            elif tag in ("thead", "tbody", "tfoot"):
                rows.extend((tag == "thead", list(r)) for r in part if tag_of(r) == "tr")
            elif tag == "tr":
                rows.append((False, list(part)))
        cells_of = [[c for c in row if tag_of(c) in ("td", "th")] for _, row in rows]
        if any(element is not t for t in element.iter("table")):
            nested = True
        if element.find(".//pre") is not None and any(
            is_gutter(c) for row in cells_of for c in row
        ):
            code: list[str] = []
            for row in cells_of:
                for cell in row:
                    if not is_gutter(cell):
                        for pre in cell.iter("pre"):
                            text = pre_text(pre)
                            if text.strip():
                                code.append(code_fence(text, code_language(pre)))
            return self.charge(code)
        width = max((len(r) for r in cells_of), default=0)
        if nested or width <= 1 or len(cells_of) <= 1:
            out: list[str] = list(caption)
            for row in cells_of:
                for cell in row:
                    out.extend(self.blocks(cell, depth + 1))
            return out
        lines: list[list[str]] = []
        for row in cells_of[:_MAX_ROWS]:
            line: list[str] = []
            for cell in row:
                line.append(self.cell(cell, depth))
                try:
                    span = int(str(cell.get("colspan") or "1").strip())
                except ValueError:
                    span = 1
                line.extend([""] * (min(max(span, 1), _MAX_COLS) - 1))
            lines.append(line[:_MAX_COLS])
        width = min(max(len(line) for line in lines), _MAX_COLS)
        header_first = rows[0][0] or all(tag_of(c) == "th" for c in cells_of[0])
        head = lines.pop(0) if header_first else [""] * width
        table = [table_row(head, width), "|" + " --- |" * width]
        table.extend(table_row(line, width) for line in lines)
        return [*caption, *self.charge(["\n".join(table)])]

    def cell(self, element: Any, depth: int) -> str:
        text = one_line(self.inline_content(element, depth))
        return re.sub(r"(?<!\\)\|", r"\\|", text)

    # --- inline -----------------------------------------------------------------------------
    def inline_content(self, element: Any, depth: int) -> str:
        parts = [escaped(element.text)]
        for child in element:
            tag = tag_of(child)
            if tag == "script" and (child.get("type") or "").startswith("math/tex"):
                parts.append(self.script_math(child))
            elif tag and not self.skip(child, tag):
                if depth >= MAX_CONVERT_DEPTH:
                    parts.append(" " + escaped(text_of(child)) + " ")
                else:
                    parts.append(self.inline(child, tag, depth + 1))
            parts.append(escaped(child.tail))
        return "".join(parts)

    def inline(self, element: Any, tag: str, depth: int) -> str:
        if tag == "br":
            return BR
        if tag == "img":
            return self.image(element)
        if tag == "math":
            tex = math_tex(element)
            return f"${escaped(' '.join(tex.split()))}$" if tex else ""
        if tag in ("code", "kbd", "samp", "tt"):
            return code_span(element.text_content())
        if tag == "pre":
            return " " + code_span(pre_text(element)) + " "
        if tag == "a":
            return self.anchor(element, depth)
        if tag in ("sup", "sub"):
            return self.script(element, tag, depth)
        if tag in ("b", "strong") and not self.heading:
            return self.emphasis(element, depth, "strong", STRONG)
        if tag in ("em", "i", "dfn", "var"):
            return self.emphasis(element, depth, "em", EM)
        if tag in ("s", "del", "strike"):
            return wrap(self.inline_content(element, depth), DEL)
        inner = self.inline_content(element, depth)
        if tag == "q":
            return f"“{inner}”"
        if tag in _BLOCK_TAGS:
            return f" {inner} "  # block content inside an inline: words must not glue
        return inner

    def emphasis(self, element: Any, depth: int, kind: str, mark: str) -> str:
        nested = getattr(self, kind)
        setattr(self, kind, nested + 1)
        try:
            inner = self.inline_content(element, depth)
        finally:
            setattr(self, kind, nested)
        return inner if nested else wrap(inner, mark)

    def anchor(self, element: Any, depth: int) -> str:
        href = (element.get("href") or "").strip()
        plain = text_of(element)
        if plain in _PERMALINK_TEXT and (href.startswith("#") or plain not in ("", "link")):
            if element.find(".//img") is None:
                return ""  # a permalink or an empty anchor
        if self.link or self.heading and href.startswith("#"):
            return self.inline_content(element, depth)
        self.link += 1
        try:
            inner = self.inline_content(element, depth)
        finally:
            self.link -= 1
        if not href or href.lower().startswith(("javascript:", "vbscript:", "data:")):
            return inner
        if "action=edit" in href and plain.lower() in ("edit", "edit source", "编辑"):
            return ""  # a wiki's section edit link
        cls = f"{element.get('class') or ''} {element.get('rel') or ''}"
        if href.startswith("#") and (self.sup or _FOOTNOTE_CLASS.search(cls)):
            number = plain.strip("[] ")
            if number and len(number) <= 12:
                inner = f"\\[{escaped(number)}\\]"
        text = one_line(inner)
        if not text:
            return ""
        lead = " " if inner[:1].isspace() else ""
        trail = " " if inner[-1:].isspace() else ""
        return f"{lead}[{text}]({self.url(href)}){trail}"

    def url(self, href: str) -> str:
        if self.base:
            href = resolve_link(href, self.base)
        for char, code in ((" ", "%20"), ("(", "%28"), (")", "%29"), ("<", "%3C"), (">", "%3E")):
            href = href.replace(char, code)
        return strip_controls(href)

    def script(self, element: Any, tag: str, depth: int) -> str:
        """x<sup>2</sup> reads x², a superscript footnote link [1], other text ^(text)/_(text)."""
        if element.find(".//a") is not None:
            self.sup += 1
            try:
                return self.inline_content(element, depth)
            finally:
                self.sup -= 1
        text = text_of(element)
        if not text:
            return ""
        table, chars = (_SUP, _SUP_CHARS) if tag == "sup" else (_SUB, _SUB_CHARS)
        if all(c in chars for c in text):
            return text.translate(table)
        if text.startswith("[") and text.endswith("]"):
            return escaped(text)  # a citation mark without a link
        mark = "^" if tag == "sup" else "\\_"
        return f"{mark}({escaped(text)})" if " " in text else f"{mark}{escaped(text)}"

    def image(self, element: Any) -> str:
        alt = " ".join((element.get("alt") or element.get("title") or "").split())
        if _EMOJI_CLASS.search(str(element.get("class") or "")):
            return escaped(alt)
        src = ""
        for attr in ("src", "data-src", "data-original", "data-lazy-src", "data-actualsrc"):
            value = (element.get(attr) or "").strip()
            if value and not value.lower().startswith("data:"):
                src = value
                break
        if not src:
            srcset = (element.get("srcset") or element.get("data-srcset") or "").strip()
            src = srcset.split(",")[0].split()[0] if srcset else ""
        if icon_sized(element):
            return ""  # a tracking pixel, or an icon beside a credit or a link
        if not src:
            return f" {escaped(alt)} " if alt else ""
        return f"![{escaped(alt)}]({self.url(src)})"

    def script_math(self, element: Any) -> str:
        tex = " ".join((element.text or "").split())
        if not tex:
            return ""
        mark = "$$" if "display" in (element.get("type") or "") else "$"
        return f"{mark}{escaped(tex)}{mark}"
