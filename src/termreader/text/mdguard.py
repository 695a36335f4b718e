"""Bound markdown-it's block quote rule, which is quadratic on quotes followed by lazy lines.

markdown-it (like the JavaScript original) finds the end of a block quote before parsing its
content: the scan runs over every following quote line and every *lazy* line (a non-blank line
without ``>``, which continues the quote only if a paragraph is open in it). When the content
does not take the lazy line (``> >``, ``> # h``, ``> ---``, an open fence or HTML block...), the
quote ends there and the next ``>`` line starts a new quote whose scan runs to the same far end
again: ``"> >\\nK\\n" * n`` costs n²/2 line steps, so a small hostile file stalls an import
(issue 6).

The wrapper leaves the rule's output alone while the scans stay within a budget proportional to
the document (every ordinary document, however deeply quoted, stays far below it). Past the
budget, each scan stops at the first quote line that follows a lazy line: a chain of
``> quote / lazy / > quote`` lines is then drawn as several quotes instead of one, which only
such pathological inputs contain, and each scan costs only the lines it can consume.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

WORK_PER_LINE = 4
"""Scan steps allowed per line of the document before scans are bounded."""

WORK_BASE = 50_000
"""Scan steps allowed on top of :data:`WORK_PER_LINE` (small documents never get bounded)."""

_BUDGET = "_termreader_quote_budget"
_ENDS = "_termreader_quote_ends"

Rule = Callable[["StateBlock", int, int, bool], bool]


def _is_quote_start(state: StateBlock, line: int) -> bool:
    pos = state.bMarks[line] + state.tShift[line]
    return (
        pos < state.eMarks[line]
        and state.src[pos] == ">"
        and state.sCount[line] - state.blkIndent < 4  # not indented code
    )


def _scan_end(state: StateBlock, start: int, end: int, *, bounded: bool) -> int:
    """Where the quote starting at ``start`` can end at the latest (its scan's end).

    The same line classes as markdown-it's scan (blank, quote, lazy), without the terminator
    checks: the result is never before the rule's own end, so it is safe as an upper bound.
    With ``bounded``, stop at a quote line that follows a lazy line.
    """
    src = state.src
    b_marks, t_shift, e_marks, s_count = state.bMarks, state.tShift, state.eMarks, state.sCount
    indent = state.blkIndent
    pos = b_marks[start] + t_shift[start]
    last_empty = not src[pos + 1 : e_marks[start]].strip(" \t")
    lazy = False
    line = start + 1
    while line < end:
        pos = b_marks[line] + t_shift[line]
        stop = e_marks[line]
        if pos >= stop:
            break
        if src[pos] == ">" and s_count[line] >= indent:
            if bounded and lazy:
                break
            last_empty = not src[pos + 1 : stop].strip(" \t")
        elif last_empty:
            break
        else:
            lazy = True
        line += 1
    return line


def bounded_blockquote(original: Rule) -> Rule:
    """Wrap markdown-it's ``blockquote`` rule so a whole parse does linear work (see module)."""

    def blockquote(state: StateBlock, start: int, end: int, silent: bool) -> bool:
        if silent or not _is_quote_start(state, start):
            return original(state, start, end, silent)
        attrs: dict[str, Any] = state.__dict__
        budget = attrs.get(_BUDGET)
        if budget is None:
            budget = WORK_PER_LINE * len(state.bMarks) + WORK_BASE
        if budget > 0:
            # The scan ends at the same line for every quote that starts inside an earlier
            # scan of the same container: remember it, so that measuring costs linear time.
            ends: dict[tuple[int, int], tuple[int, int]] = attrs.setdefault(_ENDS, {})
            key = (end, state.blkIndent)
            known = ends.get(key)
            if known is not None and known[0] < start < known[1]:
                stop = known[1]
            else:
                stop = _scan_end(state, start, end, bounded=False)
                ends[key] = (start, stop)
            attrs[_BUDGET] = budget - (stop - start)
            return original(state, start, end, silent)
        attrs[_BUDGET] = budget
        return original(state, start, _scan_end(state, start, end, bounded=True), silent)

    return blockquote


def guard(md: MarkdownIt) -> MarkdownIt:
    """Install :func:`bounded_blockquote` in ``md`` (idempotent); returns ``md``."""
    ruler = md.block.ruler
    for rule in ruler.__rules__:
        if rule.name == "blockquote":
            if getattr(rule.fn, "_termreader_guarded", False):
                return md
            wrapped = bounded_blockquote(rule.fn)
            wrapped._termreader_guarded = True  # type: ignore[attr-defined]
            ruler.at("blockquote", wrapped, {"alt": list(rule.alt)})
            return md
    return md
