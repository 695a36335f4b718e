"""A one-line question with a text box: "Add a URL or a file path", "Tags of …"."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from termreader.text.sanitize import clean_line


class PromptScreen(ModalScreen[str | None]):
    """Asks for one line of text; dismisses with it on Enter, with None on Esc.

    | Key | Action |
    | :- | :- |
    | `enter` | Done. |
    | `escape` | Cancel. |
    """

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 70; max-width: 90%; height: auto;
        border: round $accent; padding: 0 1; background: $surface;
    }
    PromptScreen Input { margin: 1 0 0 0; }
    PromptScreen .prompt-hint { color: $text-muted; width: 100%; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(
        self, question: str, value: str = "", *, placeholder: str = "", hint: str = ""
    ) -> None:
        super().__init__()
        self.question = clean_line(question)
        """The question shown (tests read it)."""
        self._value = clean_line(value)
        self._placeholder = placeholder
        self._hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Label(Text(self.question, no_wrap=True, overflow="ellipsis"))
            yield Input(self._value, placeholder=self._placeholder, id="prompt-input")
            if self._hint:
                yield Label(Text(self._hint), classes="prompt-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @property
    def input(self) -> Input:
        """The text box."""
        return self.query_one("#prompt-input", Input)

    @on(Input.Submitted, "#prompt-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)
