"""The footer: the focused pane's keys, with help (``?``) and the palette (``^p``) always in view."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """A :class:`Footer` whose right end always shows ``? Keys · ^p Commands``.

    The stock footer lists the focused widget's keys first; on an 80-column terminal the app's own
    keys fall off the end, and a new user would never learn that ``?`` lists them all.
    """

    DEFAULT_CSS = """
    KeysFooter {
        overflow-x: hidden;
    }
    KeysFooter FooterKey.-pinned {
        dock: right;
        offset-x: 1;  /* docked keys stop one cell short of the edge; cover the last cell too */
        padding-right: 1;
        border-left: vkey $foreground 20%;
    }
    """

    def __init__(self) -> None:
        super().__init__(show_command_palette=False, compact=True)

    def compose(self) -> ComposeResult:
        yield from super().compose()
        if not self._bindings_ready:
            return
        yield FooterKey(
            "question_mark", "?", "Keys · ^p Commands", "app.help", classes="-pinned"
        ).data_bind(compact=Footer.compact)
