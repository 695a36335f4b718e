"""One key, one action: bindings added by different features must not silently shadow each other.

Two features once took ``F`` (library search and the sources view) and two took ``y`` (copy the
URL on the screen, copy the code block in the reader, which shadowed the first whenever the
reader had the focus).
"""

from __future__ import annotations

import inspect

from textual.binding import Binding

from termreader.ui import article_list, outline_pane
from termreader.ui.main_screen import MainScreen
from termreader.ui.reader import ReaderView

# Shadowing on purpose: the reader's ``u`` is half a page up except in the few seconds after a
# remove (the screen's undo then wins, see ui/manage.py); Enter in a list opens its entry and
# follows a typed link number elsewhere.
INTENDED = {
    ("ReaderView", "u"): ({"undo_remove"}, {"half_up"}),
    ("ArticleList", "enter"): ({"follow_number"}, {"select"}),
    ("OutlineList", "enter"): ({"follow_number"}, {"select"}),
}


def actions_by_key(cls: type) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for binding in getattr(cls, "BINDINGS", []):
        if isinstance(binding, Binding):
            for key in binding.key.split(","):
                found.setdefault(key.strip(), set()).add(binding.action)
    return found


def widget_classes() -> list[type]:
    classes: list[type] = [ReaderView]
    for module in (article_list, outline_pane):
        classes += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if cls.__module__ == module.__name__ and getattr(cls, "BINDINGS", None)
        ]
    return classes


def test_each_screen_key_has_one_action() -> None:
    doubled = {k: v for k, v in actions_by_key(MainScreen).items() if len(v) > 1}
    assert doubled == {}


def test_widgets_shadow_screen_keys_only_on_purpose() -> None:
    screen = actions_by_key(MainScreen)
    shadows = {
        (cls.__name__, key): (screen[key], actions)
        for cls in widget_classes()
        for key, actions in actions_by_key(cls).items()
        if key in screen and screen[key] != actions
    }
    assert shadows == INTENDED
