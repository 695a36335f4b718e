"""The library-wide search dialog (``F``): a query box and the results as you type."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from termreader.text.sanitize import clean, clean_line

if TYPE_CHECKING:
    from termreader.library.search import Hit, Searcher

DEBOUNCE = 0.12
"""Seconds of quiet typing before a query runs (each keystroke restarts the wait)."""

LIMIT = 50
"""Results shown at most."""

SNIPPET_CELLS = 300
"""Cells of the snippets asked for: more than any row of the dialog (at most 120 columns wide,
search.tcss) shows. Each is cut to its row when listed (and again on a resize)."""


class SearchScreen(ModalScreen["Hit | None"]):
    """Searches the text of every article; dismissed with the chosen result (None: closed).

    Queries run in a worker thread (the newest wins; an older answer is dropped), so typing
    never waits for the index, nor for its first build.

    | Key | Action |
    | :- | :- |
    | `enter` | Open the highlighted result at its first match (then `n` / `N`). |
    | `down`, `up`, `pagedown`, `pageup` | Move in the results while typing. |
    | `escape` | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Down", show=False),
        Binding("up", "move(-1)", "Up", show=False),
        Binding("pagedown", "move(10)", "Page down", show=False),
        Binding("pageup", "move(-10)", "Page up", show=False),
    ]

    def __init__(self, searcher: Searcher, keep: Callable[[str], bool], query: str = "") -> None:
        """``keep(id)``: whether a result is still in the library (the index may lag a
        removal by another process until its next check)."""
        super().__init__()
        self.searcher = searcher
        self.keep = keep
        self.initial = query
        self.hits: list[Hit] = []
        """The results shown, best first."""
        self.answered = ""
        """The query the results answer (tests wait for it)."""
        self._asked = 0
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="search-dialog"):
            yield Input(
                self.initial,
                placeholder='words, "a phrase", 中文…',
                id="search-input",
                select_on_focus=False,
            )
            yield Label("Type to search every article", id="search-status")
            yield OptionList(id="search-results")

    def on_mount(self) -> None:
        dialog = self.query_one("#search-dialog")
        dialog.border_title = "Search the library"
        dialog.border_subtitle = "Enter opens · n / N next match · Esc closes"
        self.query_one("#search-input", Input).focus()
        if self.initial.strip():
            self._ask()

    @property
    def results(self) -> OptionList:
        """The results list."""
        return self.query_one("#search-results", OptionList)

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self._ask)

    def _ask(self) -> None:
        self._timer = None
        self._asked += 1
        query = self.query_one("#search-input", Input).value
        if not query.strip():
            self._show(self._asked, query, [], "")
            return
        if not self.searcher.prepared:
            # The first query may build the index (minutes for a big library without one).
            self.query_one("#search-status", Label).update("Searching (updating the index)…")
        self._search(self._asked, query)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, asked: int, query: str) -> None:
        searcher = self.searcher
        try:
            hits = searcher.search(query, LIMIT, cells=SNIPPET_CELLS)
            error = ""
        except Exception as exc:  # noqa: BLE001 - shown as one line, never a traceback
            hits, error = [], f"Search failed: {exc}"
        finally:
            searcher.close()
        self.app.call_from_thread(self._show, asked, query, hits, error)

    def _show(self, asked: int, query: str, hits: list[Hit], error: str) -> None:
        if asked != self._asked or not self.is_mounted:
            return  # a newer query is on its way
        self.hits = [hit for hit in hits if self.keep(hit.id)]
        self.answered = query
        self._list_hits(0 if self.hits else None)
        count = len(self.hits)
        if error:
            status = error
        elif not query.strip():
            status = "Type to search every article"
        elif not count:
            status = "No article matches"
        else:
            status = f"{count}{'+' if count >= LIMIT else ''} article{'s' if count != 1 else ''}"
        self.query_one("#search-status", Label).update(clean_line(status))

    def _list_hits(self, highlighted: int | None) -> None:
        results = self.results
        # Cut to the list's width here: an option's text would otherwise wrap to more lines.
        width = max(10, results.scrollable_content_region.width - 1)
        results.clear_options()
        results.add_options(
            Option(_prompt(hit, width), id=str(n)) for n, hit in enumerate(self.hits)
        )
        results.highlighted = highlighted

    def on_resize(self) -> None:
        if self.hits:
            self._list_hits(self.results.highlighted)

    def action_move(self, delta: int) -> None:
        results = self.results
        if not self.hits:
            return
        current = results.highlighted or 0
        results.highlighted = max(0, min(len(self.hits) - 1, current + delta))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._timer is not None:
            # Enter before the answer: ask now; Enter again opens.
            self._timer.stop()
            self._ask()
            return
        index = self.results.highlighted
        if self.hits and self.answered == event.value:
            self.dismiss(self.hits[index or 0])

    @on(OptionList.OptionSelected, "#search-results")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.hits[int(event.option.id or 0)])


def _prompt(hit: Hit, width: int) -> Content:
    """Two lines cut to ``width`` cells with an ellipsis: the title with source and date, then
    the snippet with its matches marked (reverse video reads in every theme, in 16 colours and
    without colour)."""
    title = Text(end="")
    title.append(clean_line(hit.title) or "(untitled)", style="bold")
    details = " · ".join(part for part in (clean_line(hit.source), hit.date[:10]) if part)
    if details:
        title.append(f"  {details}", style="dim")
    title.truncate(width, overflow="ellipsis")
    if not hit.snippet.text:
        return Content.from_rich_text(title)
    # The snippet fills its row: context on both sides of the first match, cut between
    # characters. Its text comes from the index's clean copy of the article and is cleaned
    # again where drawn, piece by piece so the marks stay on their words.
    snippet = hit.snippet.fit(width - INDENT)
    line = Text(" " * INDENT, end="")
    for text, match in snippet.pieces():
        line.append(_one_line(text), style="reverse" if match else "")
    line.truncate(width, overflow="ellipsis")
    return Content.from_rich_text(Text("\n").join([title, line]))


INDENT = 2
"""Cells before a result's snippet (under its title)."""


def _one_line(text: str) -> str:
    """``text`` without terminal controls and with its spaces kept (unlike ``clean_line``,
    which also trims: a piece of a line ends in a space that belongs there)."""
    return clean(text).replace("\n", " ").replace("\t", " ")


__all__ = ["SearchScreen"]
