"""The footer: the focused pane's keys, with help (``?``) and the palette (``^p``) always in view."""

from __future__ import annotations

from collections import defaultdict

from rich.text import Text
from textual import events
from textual.screen import Screen
from textual.widget import Widget

PINNED_KEY = "question_mark"
PINNED = ("?", "Keys · ^p Commands")
"""Always at the right end: on an 80-column terminal the app's own keys fall off the end of the
list, and a new user would never learn that ``?`` lists them all."""

Item = tuple[str, str, str, bool]
"""One key in the bar: (key to simulate, key as shown, description, enabled)."""


class KeysFooter(Widget, can_focus=False):
    """One line of keys drawn by a single widget.

    Textual's ``Footer`` recomposes a widget per key whenever the bindings change (several times
    while the app starts, and at every focus change), and the first screen waits for each pass.
    This bar draws the same keys as one line of text and only repaints when they change. A click
    on a key presses it.
    """

    ALLOW_SELECT = False

    COMPONENT_CLASSES = {"keys-footer--key", "keys-footer--description", "keys-footer--pinned"}

    DEFAULT_CSS = """
    KeysFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .keys-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        & > .keys-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
        & > .keys-footer--pinned {
            color: $foreground 20%;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._items: list[Item] = []
        self._regions: list[tuple[int, int, str]] = []

    def on_mount(self) -> None:
        # The screen publishes its bindings once its widgets are all mounted (then on changes).
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    @property
    def items(self) -> list[Item]:
        """The keys shown, left to right (the pinned help key not included)."""
        return list(self._items)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if not self.is_attached or screen is not self.screen:
            return
        # One entry per action, the first key bound to it, as the stock footer does.
        by_action: defaultdict[str, list[Item]] = defaultdict(list)
        for _node, binding, enabled, _tooltip in screen.active_bindings.values():
            if binding.show:
                by_action[binding.action].append(
                    (binding.key, self.app.get_key_display(binding), binding.description, enabled)
                )
        items = [entries[0] for entries in by_action.values()]
        if items != self._items:
            self._items = items
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("keys-footer--key")
        description_style = self.get_component_rich_style("keys-footer--description")
        pinned_style = self.get_component_rich_style("keys-footer--pinned", partial=True)
        regions: list[tuple[int, int, str]] = []
        pinned = Text.assemble(
            ("▏", pinned_style), (PINNED[0], key_style), (f" {PINNED[1]} ", description_style)
        )
        room = max(0, width - pinned.cell_len)
        line = Text(no_wrap=True, overflow="crop")
        for key, shown, description, enabled in self._items:
            part = Text.assemble((shown, key_style), (f" {description}", description_style), " ")
            if not enabled:
                part.stylize("dim")
            if line.cell_len + part.cell_len - 1 > room:
                break
            regions.append((line.cell_len, line.cell_len + part.cell_len - 1, key))
            line.append_text(part)
        line.pad_right(max(0, room - line.cell_len))
        if width >= pinned.cell_len:
            regions.append((room, width, PINNED_KEY))
            line.append_text(pinned)
        self._regions = regions
        return line

    def on_mouse_down(self, event: events.MouseDown) -> None:
        for start, end, key in self._regions:
            if start <= event.x < end:
                self.app.simulate_key(key)
                return
