"""The related-articles dialog: the article's related list, marking what is in the library."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
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
from termreader.ui.cells import ellipsize

_DIALOG_SHARE, _DIALOG_CHROME, _LIST_AT_MOST = 0.8, 6, 20
"""The dialog's max-height (app.tcss), the lines it needs around the list, the list's cap."""


class RelatedList(OptionList):
    """The dialog's entries, each cut to one line so a long title keeps its mark and count."""

    def __init__(
        self, entries: list[tuple[Related, Target]], *options: Option, id: str | None = None
    ) -> None:
        super().__init__(*options, id=id)
        self.entries = entries

    def on_resize(self) -> None:
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - padding.left - padding.right
        for index, (entry, target) in enumerate(self.entries):
            self.replace_option_prompt_at_index(index, _prompt(entry, target, width))


class RelatedScreen(ModalScreen[Related | None]):
    """Lists related entries, one line each, marked in the library / can be fetched / not found
    (see :data:`LEGEND`); a title the page listed several times says how many.

    | Key | Action |
    | :- | :- |
    | `enter` | Follow the entry. |
    | `j`/`k` | Next / previous entry. |
    | `g`/`home`, `G`/`end` | First / last entry. |
    | `escape`, `r`, `q` | Close. |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,r,q", "dismiss(None)", "Close"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "first", "First", show=False),
        Binding("G,end", "last", "Last", show=False),
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
            yield RelatedList(self.entries, *options, id="related-list")
            yield Label(LEGEND, id="related-legend")

    def on_mount(self) -> None:
        dialog = self.query_one("#related-dialog")
        dialog.border_subtitle = "Enter follows · Esc closes"
        option_list = self.query_one(RelatedList)
        if self.entries:
            option_list.highlighted = 0
        option_list.focus()

    def on_resize(self) -> None:
        # The list gives way on a short screen, never the legend below it: the dialog's share
        # of the screen (its max-height) less its border, title and legend with their padding.
        room = int(self.size.height * _DIALOG_SHARE) - _DIALOG_CHROME
        self.query_one(RelatedList).styles.max_height = max(3, min(_LIST_AT_MOST, room))

    @on(OptionList.OptionSelected, "#related-list")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.entries[int(event.option.id or 0)][0])

    def action_cursor_down(self) -> None:
        self.query_one(OptionList).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(OptionList).action_cursor_up()

    def action_first(self) -> None:
        self.query_one(OptionList).action_first()

    def action_last(self) -> None:
        self.query_one(OptionList).action_last()


IN_LIBRARY, FETCHABLE, NOT_FOUND = "✓", "↓", "✗"
"""The marks of a related entry (the library's list uses ``●`` for unread: not one of these)."""

LEGEND = f"{IN_LIBRARY} in the library  {FETCHABLE} can be fetched  {NOT_FOUND} not found"
"""The dialog's key to the marks."""


def marker(target: Target) -> str:
    """:data:`IN_LIBRARY` (or a place in this article), :data:`FETCHABLE` (a web page to fetch,
    a local file to import) or :data:`NOT_FOUND` (no match, or a link that may not be opened)."""
    if target.kind in ("article", "anchor"):
        return IN_LIBRARY
    if target.kind in ("fetch", "import"):
        return FETCHABLE
    return NOT_FOUND


def repeats(count: int) -> str:
    """How often the page listed an entry, when more than once (`` (3 times)``)."""
    return f" ({count} times)" if count > 1 else ""


def _prompt(entry: Related, target: Target, width: int = 0) -> Text:
    """One entry's line: mark, title (cut with ``…`` to fit ``width`` cells when given), count."""
    mark = marker(target)
    count = repeats(entry.count)
    title = clean_line(entry.title) or clean_line(entry.url or "") or "(untitled)"
    if width > 0:
        title = ellipsize(title, width - cell_len(mark) - 1 - cell_len(count))
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{mark} ", style="bold" if mark == IN_LIBRARY else "dim")
    text.append(title)
    text.append(count, style="dim")
    return text
