"""Drawing the reading pane's lines: laid-out spans, code, find marks and link hints as Strips."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from termreader.render.find import Finder
from termreader.render.layout import Layout
from termreader.render.lines import Line, code_pieces, content_width, is_wide
from termreader.render.model import CODE, Block, Document
from termreader.render.paint import code_colours, highlight_code, mark_matches
from termreader.render.wrap import wrap_spans
from termreader.text.sanitize import clean

_SIMPLE_STYLES = {
    "bold": Style(bold=True),
    "italic": Style(italic=True),
    "strike": Style(strike=True),
    "th": Style(bold=True),
}
_COMPONENT_FOR = {
    "code": "reader--code",
    "image": "reader--image",
    "footnote": "reader--linknum",
    "quote": "reader--quote",
    "quote-bar": "reader--quote-bar",
    "bullet": "reader--bullet",
    "rule": "reader--rule",
    "codeblock": "reader--codeblock",
    "codecont": "reader--code-continuation",
    "table-border": "reader--table-border",
    "backtop": "reader--backtop",
    "match": "reader--match",
    "match-current": "reader--match-current",
    "message": "reader--message",
    "error": "reader--error",
}

COMPONENTS: set[str] = {
    *(f"reader--heading-{level}" for level in range(1, 7)),
    "reader--link",
    "reader--linknum",
    "reader--hint",
    *_COMPONENT_FOR.values(),
}
"""The component classes lines are drawn with (the reader's CSS styles each)."""

_CODE_KEPT = 64
"""Highlighted code blocks kept (their lines are re-sliced for each drawn line)."""


class LinePainter:
    """Draws one line of an article (or of a message) for a widget, in its component styles.

    The widget's styles are looked up once per combination of span names; highlighted code is
    kept per block. ``highlighter_loaded(language)`` says whether code in it can be coloured yet
    (see ``Pipeline.highlighter_loaded``); ``hints()`` whether link numbers are drawn
    prominently (following a link by number).
    """

    def __init__(
        self,
        widget: Widget,
        highlighter_loaded: Callable[[str], bool],
        hints: Callable[[], bool],
    ) -> None:
        self._widget = widget
        self._highlighter_loaded = highlighter_loaded
        self._hints = hints
        self._styles: dict[str, Style] = {}
        self._code: OrderedDict[int, list[Text]] = OrderedDict()

    def forget_styles(self) -> None:
        """The widget's styles (or the link hints) changed: look them up again."""
        self._styles = {}

    def forget_code(self) -> None:
        """Highlight code again (another article, a theme, a highlighter that loaded)."""
        self._code = OrderedDict()

    def message(
        self, line_no: int, text: str, error: bool, left: int, column: int, width: int
    ) -> Strip:
        """Line ``line_no`` of a one-paragraph message wrapped to ``column`` cells."""
        base = self._widget.rich_style
        lines = wrap_spans([(text, "")], column)
        if not 1 <= line_no <= len(lines):
            return Strip.blank(width, base)
        style = self.style("error" if error else "message")
        piece = "".join(t for t, _ in lines[line_no - 1])
        segments = [Segment(" " * left, base), Segment(piece, style)]
        return Strip(segments).adjust_cell_length(width, base)

    def line(
        self,
        line_no: int,
        layout: Layout,
        document: Document | None,
        finder: Finder,
        left: int,
        width: int,
        shift: int = 0,
    ) -> Strip:
        """Line ``line_no`` of ``layout``, ``left`` cells in, padded to ``width`` cells.

        ``shift``: cells an unwrapped code or table line is scrolled sideways (see
        :meth:`window`)."""
        base = self._widget.rich_style
        if line_no >= layout.total_lines:
            return Strip.blank(width, base)
        index, within, spans = layout.line(line_no)
        if within < 0 or not spans:
            return Strip.blank(width, base)
        segments = [Segment(" " * left, base)] if left else []
        block = document.blocks[index] if document and index < len(document.blocks) else None
        if block is not None and block.kind == CODE and block.data[0]:
            body = self._code_segments(index, block, within, spans, layout)
        else:
            body = self._segments(spans)
        if block is not None and not layout.wrap and is_wide(block):
            body = self.window(body, block, layout.width, shift)
        segments.extend(body)
        if finder:
            current_k = finder.current_on_line(line_no, layout)
            segments = mark_matches(
                segments, finder.query, self.style("match"), self.style("match-current"), current_k
            )
        return Strip(segments).adjust_cell_length(width, base)

    def style(self, names: str) -> Style:
        """The style of a span with these (space-separated) names."""
        style = self._styles.get(names)
        if style is not None:
            return style
        widget = self._widget
        style = widget.rich_style
        for name in names.split():
            simple = _SIMPLE_STYLES.get(name)
            if simple is not None:
                style += simple
            elif name[:1] == "h" and name[1:].isdigit():
                style += widget.get_component_rich_style(
                    f"reader--heading-{min(6, int(name[1:]))}", partial=True
                )
            elif name.startswith("link:"):
                style += widget.get_component_rich_style("reader--link", partial=True)
                style += Style.from_meta({"link": int(name[5:])})
            elif name.startswith("linknum:"):
                part = "reader--hint" if self._hints() else "reader--linknum"
                style += widget.get_component_rich_style(part, partial=True)
                style += Style.from_meta({"link": int(name[8:])})
            elif name in _COMPONENT_FOR:
                style += widget.get_component_rich_style(_COMPONENT_FOR[name], partial=True)
                if name == "backtop":
                    style += Style.from_meta({"backtop": True})
        if "rule" in names.split():
            style += Style(underline=False)  # a heading's rule line: its colour, no underline
        self._styles[names] = style
        return style

    def _segments(self, spans: Line) -> list[Segment]:
        out = []
        for text, names in spans:
            text = clean(text).replace("\t", " ").replace("\n", " ")
            if text:
                out.append(Segment(text, self.style(names)))
        return out

    def window(
        self, segments: list[Segment], block: Block, width: int, shift: int
    ) -> list[Segment]:
        """The column-wide window of an unwrapped line, ``shift`` cells in (the quote bars and
        list margin stay): ``‹`` / ``›`` in its first / last cell say more is hidden there. A
        line that fits is never shifted, so each block scrolls only as far as it is wide."""
        strip = Strip(segments)
        inner = content_width(block, width)
        deco = width - inner
        total = strip.cell_length - deco
        shift = max(0, min(shift, total - inner))
        head = strip.crop(0, deco)
        body = strip.crop(deco + shift, deco + shift + inner)
        marker = self.style("codecont")
        parts = [head]
        if shift:
            parts.append(Strip([Segment("‹", marker)]))
            body = body.crop(1, inner)
        if total > shift + inner:
            parts.append(body.crop(0, body.cell_length - 1))
            parts.append(Strip([Segment("›", marker)]))
        else:
            parts.append(body)
        return list(Strip.join(parts))

    def _code_segments(
        self, index: int, block: Block, within: int, spans: Line, layout: Layout
    ) -> list[Segment]:
        """A code line with syntax highlighting (the block is highlighted once, then cached)."""
        lines = self._code.get(index)
        if lines is None:
            lang, code = block.data
            if lang and not self._highlighter_loaded(lang):
                # Loading a language's highlighter would stall the key that drew it: it loads
                # in a thread while the block shows plain; the reader repaints it highlighted
                # once loaded.
                lines = [Text(line) for line in code.split("\n")]
            else:
                dark = getattr(self._widget.app.current_theme, "dark", True)
                lines = highlight_code(code, lang, dark=dark)
                self._code[index] = lines
                if len(self._code) > _CODE_KEPT:
                    self._code.popitem(last=False)
        pieces = code_pieces(block, content_width(block, layout.width), layout.wrap)
        if within >= len(pieces) or not spans:
            return self._segments(spans)
        number, a, b = pieces[within]
        box = self.style("codeblock")
        # Quote bars and list margins come first in the spans, the code box last three (its
        # left padding holds the continuation marker of a folded line).
        out = self._segments(spans[:-3])
        out.append(Segment(spans[-3][0], self.style(spans[-3][1])))
        if number < len(lines):
            for seg in lines[number][a:b].render(self._widget.app.console):
                text = clean(seg.text).replace("\t", " ")
                if not text or text == "\n":
                    continue
                out.append(Segment(text, box + code_colours(seg.style)))
        out.append(Segment(spans[-1][0], box))
        return out
