"""The find bar docked under the reading pane: a query box and a match count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Label


class FindBar(Horizontal):
    """``/`` opens it; Enter searches; Esc closes and clears the highlights.

    | Key | Action |
    | :- | :- |
    | `enter` | Find (again: next match). |
    | `escape` | Close the bar. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", show=True),
    ]

    @dataclass
    class Find(Message):
        """Search the article for ``query`` (posted on Enter)."""

        query: str

    class Closed(Message):
        """The bar was closed."""

    def compose(self) -> ComposeResult:
        yield Label("Find:", id="find-label")
        yield Input(
            placeholder="text to find (Enter; then n / N)", id="find-input", select_on_focus=True
        )
        yield Label("", id="find-count")

    @property
    def input(self) -> Input:
        """The query box."""
        return self.query_one("#find-input", Input)

    def open(self) -> None:
        """Show the bar and focus the query box."""
        self.display = True
        self.input.focus()

    def set_count(self, count: int, index: int | None = None) -> None:
        """Show how many matches were found (and which one is current)."""
        if count == 0:
            text = "no matches"
        elif index is not None:
            text = f"{index} of {count}"
        else:
            text = f"{count} match" + ("es" if count != 1 else "")
        self.query_one("#find-count", Label).update(text)

    @on(Input.Submitted, "#find-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.post_message(self.Find(event.value))

    def action_close(self) -> None:
        self.display = False
        self.query_one("#find-count", Label).update("")
        self.post_message(self.Closed())
