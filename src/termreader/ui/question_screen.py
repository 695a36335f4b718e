"""A yes/no question in a small dialog: a line saying what happened, then the question."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from termreader.text.sanitize import clean_line


class QuestionScreen(ModalScreen[bool]):
    """Shows ``what`` and ``question``; dismisses with True for ``y``, False otherwise.

    | Key | Action |
    | :- | :- |
    | `y` | Yes. |
    | `n`, `escape`, `q` | No. |
    """

    DEFAULT_CSS = """
    QuestionScreen { align: center middle; }
    QuestionScreen > Vertical {
        width: auto; max-width: 80%; height: auto;
        border: round $accent; padding: 0 1; background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "dismiss(True)", "Yes"),
        Binding("n,escape,q", "dismiss(False)", "No"),
    ]

    def __init__(self, what: str, question: str) -> None:
        super().__init__()
        self.what = clean_line(what)
        self.question = f"{clean_line(question)} y/n"
        """The question shown (tests read it)."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(self.what, no_wrap=True, overflow="ellipsis"))
            yield Label(Text(self.question, no_wrap=True, overflow="ellipsis"))
