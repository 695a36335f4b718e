"""The help screen (``?``): every key of every pane, with the user's overrides applied."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from termreader.text.sanitize import clean_line

# (group, binding ids (space-separated) or "", default keys, what it does). The ids are the names
# config.toml's [keys] takes, shown in the help; they also let the user's overrides show here.
# A test checks every binding id of the app is listed, and that README's Keys table is this one.
KEYS: list[tuple[str, str, str, str]] = [
    ("Reading", "line_down line_up", "j / k, ↓ / ↑", "line down / up"),
    ("Reading", "page_down page_up", "space / b, PgDn / PgUp", "page down / up"),
    ("Reading", "half_down half_up", "d / u", "half page down / up"),
    ("Reading", "top bottom", "g / G, Home / End", "top / bottom of the article"),
    ("Reading", "next_section prev_section", "] / [", "next / previous section"),
    ("Reading", "next_top_section prev_top_section", "} / {", "next / previous top-level section"),
    ("Reading", "toggle_wrap", "w", "wrap code and tables, or draw them unwrapped"),
    ("Reading", "pan_left pan_right", "← / →", "scroll unwrapped code and tables sideways"),
    ("Reading", "copy_code", "c", "copy the code block on screen, unbroken"),
    ("Reading", "find", "/", "find in the article"),
    ("Reading", "find_next find_previous", "n / N", "next / previous match"),
    ("Links", "link_hints", "f", "show / hide link numbers"),
    ("Links", "", "1 … 9, then Enter", "follow link number N (Esc cancels)"),
    ("Links", "related", "r", "related articles"),
    ("Links", "open_browser", "o", "open the article in the web browser (or copy its address)"),
    ("History", "back", "h, Backspace", "back"),
    ("History", "forward", "l, Ctrl+→", "forward"),
    ("Library", "next_article previous_article", "J / K", "next / previous article in the list"),
    ("Library", "toggle_read", "m", "mark read / unread"),
    ("Library", "search", "F", "search the text of every article (Enter opens; then n / N)"),
    ("Library", "filter_library", "/ (in the library)", "filter by title, source or tag"),
    ("Library", "sort_library", "s (in the library)", "sort by date, title, source"),
    ("Library", "next_unread", "n (in the library)", "next unread article"),
    ("Library", "open_article", "Enter (in the library)", "open the article"),
    ("Library", "next_unread_article", "U", "open the next unread article of the list"),
    ("Library", "toggle_star", "*", "star (keep) / unstar the article"),
    ("Library", "starred_view", "'", "starred articles (again: every article)"),
    ("Library", "sources_view", "B", "sources with unread counts; Enter lists one, Esc goes back"),
    ("Library", "mark_source_read", "A", "mark every article of the source read"),
    ("Manage", "remove_article", "D", "remove the article"),
    ("Manage", "undo_remove", "u (just after D)", "put the removed article back"),
    ("Manage", "add_article", "a", "add a URL or a file path"),
    ("Manage", "edit_tags", "T", "edit the article's tags"),
    ("Manage", "copy_url", "y", "copy the article's URL"),
    ("Manage", "refetch", "R", "fetch the saved page again"),
    ("Panes", "toggle_library", "L", "show / hide the library"),
    ("Panes", "toggle_outline", "t", "show / hide the outline"),
    ("Panes", "", "j / k, g / G, Enter, space (in the outline)", "move, jump, fold a section"),
    ("Panes", "", "Tab / Shift+Tab", "next / previous pane"),
    ("Panes", "", "Esc", "close a dialog, the find bar or an overlay; cancel a download"),
    ("App", "sync", "S", "sync feeds and feed-server accounts"),
    ("App", "command_palette", "Ctrl+P", "command palette (open by title, theme, panes…)"),
    ("App", "help", "?", "this help"),
    ("App", "quit", "q", "quit (your place is remembered)"),
]


class HelpScreen(ModalScreen[None]):
    """Lists every key; any of Esc, ``q`` or ``?`` closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close"),
        Binding("j,down", "scroll('down')", "Down", show=False),
        Binding("k,up", "scroll('up')", "Up", show=False),
    ]

    def __init__(self, overrides: dict[str, str] | None = None) -> None:
        super().__init__()
        self.overrides = overrides or {}
        self.rows: list[tuple[str, str]] = []
        """The (keys, action) rows shown, for tests and screen readers of the source."""
        self.ids: list[str] = []
        """Each row's binding ids, as shown (space-separated; "" for keys that have none)."""

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 1), expand=True)
        table.add_column("keys", style="bold", ratio=2)
        table.add_column("action", ratio=3)
        table.add_column("id", style="dim", no_wrap=True)
        group = ""
        for name, binding_id, keys, action in KEYS:
            if name != group:
                if group:
                    table.add_row("", "", "")
                table.add_row(Text(name, style="bold underline"), "", Text("[keys] id"))
                group = name
            # Key names come from config.toml: cleaned like any text that reaches the terminal.
            changed = [
                clean_line(self.overrides[i]) for i in binding_id.split() if i in self.overrides
            ]
            shown = f"{' / '.join(changed)} (custom)" if changed else keys
            table.add_row(Text(shown), Text(action), Text("\n".join(binding_id.split())))
            self.rows.append((shown, action))
            self.ids.append(binding_id)
        with VerticalScroll(id="help-dialog"):
            yield Static(
                'termreader keys  ·  rebind one in config.toml: [keys] id = "keys"  ·  Esc closes',
                id="help-title",
                markup=False,
            )
            yield Static(table, id="help-table")

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one("#help-dialog", VerticalScroll)
        if direction == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)
