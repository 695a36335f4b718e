"""The question asked when a followed link is a feed: "Subscribe to <title>? y/n"."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from termreader.text.sanitize import clean_line


class SubscribeScreen(ModalScreen[bool]):
    """Asks whether to subscribe to a feed; dismisses with True for ``y``, False otherwise.

    | Key | Action |
    | :- | :- |
    | `y` | Subscribe. |
    | `n`, `escape`, `q` | Do not subscribe. |
    """

    DEFAULT_CSS = """
    SubscribeScreen { align: center middle; }
    SubscribeScreen > Vertical {
        width: auto; max-width: 80%; height: auto;
        border: round $accent; padding: 0 1; background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "dismiss(True)", "Subscribe"),
        Binding("n,escape,q", "dismiss(False)", "No"),
    ]

    def __init__(self, title: str, what: str) -> None:
        super().__init__()
        self.feed_title = clean_line(title)
        self.what = clean_line(what)
        self.question = f"Subscribe to “{self.feed_title}”? y/n"
        """The question shown (tests read it)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="subscribe-dialog"):
            yield Label(Text(self.what, no_wrap=True, overflow="ellipsis"))
            yield Label(Text(self.question, no_wrap=True, overflow="ellipsis"))
