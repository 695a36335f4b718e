"""A screen compositor that keeps wide (CJK) characters whole where widgets overlap.

Textual's compositor cuts every screen line at the edge of every widget on it, and cuts the strip
of each widget at all of those edges, even where the widget is on top on both sides. A wide
character across such an edge is replaced by two spaces (Rich's ``Segment.split_cells``): a toast
over the library overlay lost "元" and "与" of "元气玛特抽奖真实性探析——知乎用户观点与实例分析"
(upstream: Textualize/textual#6357). Here a widget's strip is cut only where it meets a part of
the line that a widget above it already drew; the parts it covers whole take one piece, and the
buckets it spans get an empty strip so that nothing below draws there.

Textual is pinned to one minor version (pyproject.toml): this overrides one private method of
that version's ``Compositor``; :func:`install` leaves Textual alone if the method is not there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import cast

from textual import screen as textual_screen
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

log = logging.getLogger(__name__)

_EMPTY = Strip([], 0)


class WideCharCompositor(Compositor):
    """Textual's compositor, with :meth:`_render_chops` cutting strips only where needed."""

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        # Front to back: the first widget to fill a bucket (the part between two cuts) wins it.
        for region, clip, strips in self._get_renders(crop):
            render_region = region.intersection(clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                line = chops[y]
                spans = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                buckets = spans[:-1]
                if not buckets:
                    continue
                free = [line.get(cut) is None for cut in buckets]
                # Keep a cut only where the line changes between free and already drawn.
                kept = [buckets[0]]
                kept += [cut for i, cut in enumerate(buckets) if i and free[i] != free[i - 1]]
                pieces = strip.divide([cut - render_x for cut in [*kept[1:], spans[-1]]])
                owned = {cut: piece for cut, piece in zip(kept, pieces, strict=False)}
                for index, cut in enumerate(buckets):
                    if free[index]:
                        line[cut] = owned.get(cut, _EMPTY)
        return cast("Sequence[Mapping[int, Strip]]", chops)

    def render_partial_update(self) -> ChopsUpdate | None:
        update = super().render_partial_update()
        if update is None:
            return None
        # A piece that spans several buckets ends where it ends, not at its first bucket's end:
        # a partial repaint crops each piece at its end.
        ends = update.chop_ends = [list(line) for line in update.chop_ends]
        for y in {y for y, _, _ in update.spans}:
            line = update.chops[y]
            ends[y] = [
                end if strip is None else x + strip.cell_length
                for end, (x, strip) in zip(ends[y], line.items(), strict=False)
            ]
        return update


def install() -> None:
    """Have every screen made from now on use :class:`WideCharCompositor` (idempotent)."""
    if not callable(getattr(Compositor, "_render_chops", None)):
        log.debug("Textual's compositor has no _render_chops: wide characters not patched")
        return
    if getattr(textual_screen, "Compositor", None) is Compositor:
        textual_screen.Compositor = WideCharCompositor  # type: ignore[misc]
