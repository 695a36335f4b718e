"""The baseline: an empty Textual app that paints one known line (``python bench/empty_app.py``)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static

MARKER = "bench-empty-app-ready"


class EmptyApp(App[None]):
    """Nothing but a Static; ``q`` quits (like termreader)."""

    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)


if __name__ == "__main__":
    EmptyApp().run()
