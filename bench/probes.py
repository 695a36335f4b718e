"""In-process probes driven by Textual's Pilot: time a key from its dispatch to the painted frame.

Run one probe in its own process (``python bench/probes.py NAME JSON-ARGS``): it prints one
JSON line with its figures. ``bench/run.py`` does that with a time cap; the smoke test calls the
coroutines directly on tiny inputs.

How a key is timed: the key event is handed to the driver exactly as ``Pilot.press`` does, but
without Pilot's idle waits (each costs ≥ 20 ms, more than the target). ``App._display`` is
wrapped: the key is "answered" at the first frame painted after the dispatch in which the
expected state holds (e.g. the view is scrolled to the end). Headless apps build that frame in
full and skip only the terminal write.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

SIZE = (120, 40)
KEY_TIMEOUT = 30.0


class FrameClock:
    """Wraps ``app._display`` to note when a frame satisfying a predicate is painted."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.predicate: Callable[[], bool] | None = None
        self.painted_at: float | None = None
        self.frames = 0
        original = app._display

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is None:
                return
            self.frames += 1
            if self.predicate is not None and self.painted_at is None:
                try:
                    ok = self.predicate()
                except Exception:  # noqa: BLE001 - a probe must not break the app
                    ok = False
                if ok:
                    self.painted_at = time.perf_counter()

        app._display = display

    def send_key(self, key: str) -> None:
        """Dispatch one key like ``Pilot.press`` (same event construction), without waiting."""
        from textual import events
        from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original_key = REPLACED_KEYS.get(key, key)
        try:
            char: str | None = unicodedata.lookup(_get_unicode_name_from_key(original_key))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(self.app)
        self.app._driver.send_message(event)

    async def timed(
        self, action: Callable[[], Any], predicate: Callable[[], bool], timeout: float = KEY_TIMEOUT
    ) -> float | None:
        """Seconds from ``action()`` to the first painted frame where ``predicate()`` holds."""
        # No gc.collect() here: a collection pause during a key is part of what a reader sees.
        self.painted_at = None
        self.predicate = predicate
        start = time.perf_counter()
        result = action()
        if asyncio.iscoroutine(result):
            await result
        deadline = start + timeout
        while self.painted_at is None and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
            if self.painted_at is None and predicate():
                # The state is reached; make sure a frame gets painted (a refresh may be pending).
                self.app.screen.refresh()
        self.predicate = None
        return None if self.painted_at is None else self.painted_at - start

    async def key(
        self, key: str, predicate: Callable[[], bool], timeout: float = KEY_TIMEOUT
    ) -> float | None:
        """Seconds from pressing ``key`` to the first frame where ``predicate()`` holds."""
        return await self.timed(lambda: self.send_key(key), predicate, timeout)


def _match_line(reader: Any) -> int | None:
    """The reader's current find match (a property or a method, whichever the reader has)."""
    value = getattr(reader, "current_match_line", None)
    return value() if callable(value) else value


def _outline_move(outline: Any, anchor: str) -> bool:
    """Put the outline cursor on a section (line list API, or a Textual Tree's nodes)."""
    widget = outline.section_list
    if hasattr(widget, "move_cursor_to"):
        return bool(widget.move_cursor_to(anchor))
    stack = [widget.root]
    while stack:
        node = stack.pop()
        if node.data is not None and getattr(node.data, "anchor", None) == anchor:
            widget.move_cursor(node, animate=False)
            return True
        stack.extend(node.children)
    return False


def _median_ms(values: list[float | None]) -> dict[str, Any]:
    got = [v for v in values if v is not None]
    if not got:
        return {"ms": None, "max_ms": None, "n": 0}
    return {
        "ms": round(statistics.median(got) * 1000, 2),
        "max_ms": round(max(got) * 1000, 2),
        "n": len(got),
    }


async def _settle(pilot: Any, condition: Callable[[], bool], timeout: float = 120.0) -> bool:
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if condition():
            return True
        await pilot.pause(0.02)
    return condition()


# --- termreader's reader ---------------------------------------------------------------------


async def reader_keys(
    library_dir: str, article_id: str, *, needle: str = "", repeat: int = 5, outline: bool = True
) -> dict[str, Any]:
    """G, g, ], [, an outline jump and a find on an article of a library (cached or not)."""
    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(Path(library_dir))
    app = TermreaderApp(library, open_ref=article_id, settings=Settings())
    out: dict[str, Any] = {}
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        screen = app.main_screen
        ready = await _settle(
            pilot,
            lambda: (
                app.main_screen is not None
                and app.main_screen.reader.document is not None
                and app.main_screen.reader.document.complete
                and app.main_screen.reader.max_scroll_y > 0
            ),
        )
        if not ready:
            return {"error": "the article did not finish loading"}
        screen = app.main_screen
        reader = screen.reader
        reader.focus()
        await pilot.pause()
        out["lines"] = int(reader.virtual_size.height)
        out["sections"] = len(reader.document.sections)

        g_times, big_g_times = [], []
        for _ in range(repeat):
            big_g_times.append(
                await clock.key("G", lambda: reader.scroll_y >= reader.max_scroll_y > 0)
            )
            await pilot.pause()
            g_times.append(await clock.key("g", lambda: reader.scroll_y == 0))
            await pilot.pause()
        out["G"] = _median_ms(big_g_times)
        out["g"] = _median_ms(g_times)

        sections = reader.document.sections
        middle = sections[len(sections) // 2].anchor if sections else ""
        nexts, prevs = [], []
        for i in range(repeat):
            reader.goto_anchor(middle, 3 + i)
            await pilot.pause()
            before = reader.scroll_y
            nexts.append(await clock.key("]", lambda b=before: reader.scroll_y > b))
            await pilot.pause()
            before = reader.scroll_y
            prevs.append(await clock.key("[", lambda b=before: reader.scroll_y < b))
            await pilot.pause()
        out["]"] = _median_ms(nexts)
        out["["] = _median_ms(prevs)

        if outline and sections:
            if not screen.outline.display:
                await pilot.press("t")
                await pilot.pause()
            tree = screen.outline.section_list
            jumps = []
            for i in range(repeat):
                target = sections[(len(sections) * (3 + i)) // (5 + repeat)]
                reader.scroll_home(animate=False)
                tree.focus()
                await pilot.pause()
                if not _outline_move(screen.outline, target.anchor):
                    continue
                await pilot.pause()
                want = reader.layout_.anchor_line(target.anchor)
                jumps.append(
                    await clock.key(
                        "enter",
                        lambda w=want: (
                            w is not None and round(reader.scroll_y) == min(w, reader.max_scroll_y)
                        ),
                    )
                )
                await pilot.pause()
            out["outline jump"] = _median_ms(jumps)
            if screen.outline.display:
                await pilot.press("t")
                await pilot.pause()

        if needle:
            finds = []
            for _ in range(max(1, repeat // 2)):
                reader.focus()
                reader.scroll_home(animate=False)
                await pilot.pause()
                await pilot.press("slash")
                await pilot.pause()
                # Typing is not what is timed: fill the field, then time Enter.
                field = app.screen.focused
                if field is not None and hasattr(field, "value"):
                    field.value = needle
                else:
                    await pilot.press(*needle)
                await pilot.pause()
                finds.append(
                    await clock.key(
                        "enter", lambda: _match_line(reader) is not None and reader.scroll_y > 0
                    )
                )
                await pilot.pause()
                await pilot.press("escape")
                await pilot.pause()
            out["find"] = _median_ms(finds)
    return out


async def reader_pages(library_dir: str, article_id: str, *, presses: int = 40) -> dict[str, Any]:
    """Page down (space) through an article from the top: each press to its painted frame."""
    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(Path(library_dir))
    app = TermreaderApp(library, open_ref=article_id, settings=Settings())
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        ok = await _settle(
            pilot,
            lambda: (
                app.main_screen is not None
                and app.main_screen.reader.document is not None
                and app.main_screen.reader.document.complete
                and app.main_screen.reader.max_scroll_y > 0
            ),
        )
        if not ok:
            return {"error": "the article did not finish loading"}
        reader = app.main_screen.reader
        reader.focus()
        reader.scroll_home(animate=False)
        await pilot.pause()
        times = []
        for _ in range(presses):
            before = reader.scroll_y
            if before >= reader.max_scroll_y:
                break
            times.append(await clock.key("space", lambda b=before: reader.scroll_y > b, timeout=10))
        return _median_ms(times)


async def reader_input_while_parsing(
    library_dir: str, path: str, *, presses: int = 20
) -> dict[str, Any]:
    """Open an uncached file and press ``j`` while the rest is parsed in the background."""
    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(Path(library_dir))
    app = TermreaderApp(library, open_ref=path, settings=Settings())
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        ok = await _settle(
            pilot,
            lambda: app.main_screen is not None and app.main_screen.reader.document is not None,
        )
        if not ok:
            return {"error": "nothing shown"}
        reader = app.main_screen.reader
        reader.focus()
        times = []
        during = 0
        for _ in range(presses):
            before = reader.scroll_y
            complete = reader.document is not None and reader.document.complete
            times.append(await clock.key("j", lambda b=before: reader.scroll_y > b, timeout=10))
            during += 0 if complete else 1
        done = await _settle(
            pilot, lambda: reader.document is not None and reader.document.complete
        )
        result = _median_ms(times)
        result["during_parse"] = during
        result["complete"] = done
        return result


async def open_in_pilot(library_dir: str, ref: str) -> dict[str, Any]:
    """Seconds from app start to the first painted frame showing the article (in-process)."""
    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(Path(library_dir))
    app = TermreaderApp(library, open_ref=ref, settings=Settings())
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        ok = await _settle(
            pilot,
            lambda: app.main_screen is not None and app.main_screen.reader.document is not None,
        )
        shown = time.perf_counter() - start
        return {"s": round(shown, 4) if ok else None}


def _rss_mb() -> float | None:
    """This process's resident memory now, in MB (MiB, as GNU time's figure); None off Linux."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


async def long_session(library_dir: str, article_ids: list[str]) -> dict[str, Any]:
    """Open the articles one after the other, each until it is fully shown; resident memory
    after the first and after the last (and after a full collection), in MB.

    What a long reading session leaves behind: a leak per article (a cache never trimmed,
    documents kept frozen out of the collector's reach) shows as growth over the run.
    """
    import gc

    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(Path(library_dir))
    app = TermreaderApp(library, settings=Settings())
    rss: list[float | None] = []
    async with app.run_test(size=SIZE) as pilot:
        if not await _settle(pilot, lambda: app.main_screen is not None):
            return {"error": "the app did not start"}
        screen = app.main_screen
        for article_id in article_ids:
            screen.open_article(article_id)
            shown = await _settle(
                pilot,
                lambda a=article_id: (
                    screen.reader.article is not None
                    and screen.reader.article.id == a
                    and screen.reader.document is not None
                    and screen.reader.document.complete
                ),
            )
            if not shown:
                return {"error": f"article {article_id} did not finish loading"}
            await pilot.press("G")  # read it to the end: every line drawn once
            await pilot.pause()
            rss.append(_rss_mb())
        first, last = rss[0], rss[-1]
        gc.collect()
        collected = _rss_mb()
        # Cyclic garbage the collector cannot reach because it was frozen with the live objects.
        frozen = gc.get_freeze_count()
        gc.unfreeze()
        frozen_garbage = gc.collect()
    if first is None or last is None:
        return {"error": "no resident-memory figure on this system"}
    return {
        "articles": len(article_ids),
        "first_mb": round(first, 1),
        "last_mb": round(last, 1),
        "after_collect_mb": round(collected, 1) if collected is not None else None,
        "growth_mb": round(last - first, 1),
        "peak_mb": round(max(r for r in rss if r is not None), 1),
        "frozen_objects": frozen,
        "frozen_garbage": frozen_garbage,
    }


# --- the library -----------------------------------------------------------------------------


async def library_filter(library_dir: str, typed: str = "article 9") -> dict[str, Any]:
    """Type a filter into the library pane, one key at a time; time each key to the new list."""
    import gc

    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    everything = Library.open(Path(library_dir)).counts()[0]
    gc.collect()
    started = time.perf_counter()
    library = Library.open(Path(library_dir), lazy=True)  # as the app opens it
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        # The whole library listed (the app lists the newest first, the rest just after).
        ok = await _settle(
            pilot,
            lambda: (
                app.main_screen is not None
                and len(app.main_screen.library_pane.article_list.shown) >= everything
            ),
        )
        if not ok:
            return {"error": "the list never filled"}
        filled_s = round(time.perf_counter() - started, 3)
        rss_mb = _rss_mb()
        pane = app.main_screen.library_pane
        total = len(pane.article_list.shown)
        pane.display = True
        # Open the filter box as `/` does: typed keys repaint it too (focusing the box alone
        # left it hidden by the stylesheet).
        await pane.action_filter()
        await pilot.pause()
        if not pane.filter_input.display or pane.filter_input.region.height == 0:
            return {"error": "the filter box is not on screen"}
        times = []
        for char in typed:
            shown_before = pane.article_list.shown
            times.append(
                await clock.key(char, lambda s=shown_before: pane.article_list.shown is not s)
            )
        result = _median_ms(times)
        result["total"] = total
        result["matches"] = len(pane.article_list.shown)
        result["filled_s"] = filled_s
        result["rss_mb"] = rss_mb
        return result


async def empty_input_keystroke(typed: str = "article 9") -> dict[str, Any]:
    """Baseline for a keystroke: an Input in an otherwise empty app echoes a character."""
    from textual.app import App, ComposeResult
    from textual.widgets import Input

    class InputApp(App[None]):
        def compose(self) -> ComposeResult:
            yield Input()

    app = InputApp()
    async with app.run_test(size=SIZE) as pilot:
        clock = FrameClock(app)
        field = app.query_one(Input)
        field.focus()
        await pilot.pause()
        times = []
        for i, char in enumerate(typed):
            times.append(await clock.key(char, lambda n=i + 1: len(field.value) == n))
        return _median_ms(times)


# --- the anchor: Textual's MarkdownViewer ----------------------------------------------------


async def markdown_viewer(path: str, *, repeat: int = 3) -> dict[str, Any]:
    """Load a document into Textual's MarkdownViewer; then time end/home and heading jumps."""
    from textual.app import App, ComposeResult
    from textual.widgets import Markdown, MarkdownViewer

    text = Path(path).read_text(encoding="utf-8")

    class ViewerApp(App[None]):
        def compose(self) -> ComposeResult:
            yield MarkdownViewer(text, show_table_of_contents=True)

    app = ViewerApp()
    app.animation_level = "none"
    out: dict[str, Any] = {}
    start = time.perf_counter()
    async with app.run_test(size=SIZE) as pilot:
        viewer = app.query_one(MarkdownViewer)
        document = app.query_one(Markdown)
        loaded = await _settle(
            pilot,
            lambda: bool(document._table_of_contents) and viewer.max_scroll_y > 0,
            timeout=3600,
        )
        out["load_s"] = round(time.perf_counter() - start, 3) if loaded else None
        clock = FrameClock(app)
        document.focus()
        await pilot.pause()
        ends, homes = [], []
        for _ in range(repeat):
            ends.append(await clock.key("end", lambda: viewer.scroll_y >= viewer.max_scroll_y > 0))
            await pilot.pause()
            homes.append(await clock.key("home", lambda: viewer.scroll_y == 0))
            await pilot.pause()
        out["G"] = _median_ms(ends)
        out["g"] = _median_ms(homes)
        # No section keys: the nearest equivalent is goto_anchor on a heading (the TOC's jump).
        from textual.widgets._markdown import TrackedSlugs

        toc = document._table_of_contents or []
        slugs = TrackedSlugs()
        anchors = [slugs.slug(title) for _, title, _ in toc]
        jumps = []
        for i in range(repeat):
            anchor = anchors[(len(anchors) * (3 + i)) // (5 + repeat)] if anchors else ""
            viewer.scroll_home(animate=False)
            await pilot.pause()
            jumps.append(
                await clock.timed(
                    lambda a=anchor: document.goto_anchor(a), lambda: viewer.scroll_y > 0
                )
            )
            await pilot.pause()
        out["outline jump"] = _median_ms(jumps)
    return out


PROBES: dict[str, Callable[..., Any]] = {
    "reader_keys": reader_keys,
    "reader_input_while_parsing": reader_input_while_parsing,
    "reader_pages": reader_pages,
    "open_in_pilot": open_in_pilot,
    "long_session": long_session,
    "library_filter": library_filter,
    "empty_input_keystroke": empty_input_keystroke,
    "markdown_viewer": markdown_viewer,
}


def main(argv: list[str]) -> int:
    name, args = argv[0], json.loads(argv[1]) if len(argv) > 1 else {}
    result = asyncio.run(PROBES[name](**args))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
