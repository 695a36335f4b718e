"""The related-articles dialog: the article's related list, marking what is readable offline."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from termreader.models import Related
from termreader.navigation.resolve import Target
from termreader.text.sanitize import clean_line


class RelatedScreen(ModalScreen[Related | None]):
    """Lists related entries as ``title ×N`` with an offline / download / missing marker.

    | Key | Action |
    | :- | :- |
    | `enter` | Follow the entry. |
    | `escape`, `r`, `q` | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,r,q", "dismiss(None)", "Close"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    def __init__(self, title: str, entries: list[tuple[Related, Target]]) -> None:
        super().__init__()
        self.article_title = title
        self.entries = entries

    def compose(self) -> ComposeResult:
        with Vertical(id="related-dialog"):
            yield Label(
                Text(
                    f"Related to “{clean_line(self.article_title)}”",
                    no_wrap=True,
                    overflow="ellipsis",
                ),
                id="related-title",
            )
            options = [
                Option(_prompt(entry, target), id=str(index))
                for index, (entry, target) in enumerate(self.entries)
            ]
            yield OptionList(*options, id="related-list")
            yield Label("● offline  ○ to download  × not found", id="related-legend")

    def on_mount(self) -> None:
        dialog = self.query_one("#related-dialog")
        dialog.border_subtitle = "Enter follows · Esc closes"
        option_list = self.query_one(OptionList)
        if self.entries:
            option_list.highlighted = 0
        option_list.focus()

    @on(OptionList.OptionSelected, "#related-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.entries[int(event.option.id or 0)][0])

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()


def marker(target: Target) -> str:
    """``●`` readable offline, ``○`` to be downloaded, ``×`` not found or refused."""
    if target.kind in ("article", "anchor", "import"):
        return "●"
    if target.kind == "fetch":
        return "○"
    return "×"


def _prompt(entry: Related, target: Target) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    mark = marker(target)
    text.append(f"{mark} ", style="bold" if mark == "●" else "dim")
    text.append(clean_line(entry.title) or clean_line(entry.url or "") or "(untitled)")
    if entry.count > 1:
        text.append(f" ×{entry.count}", style="dim")
    return text
