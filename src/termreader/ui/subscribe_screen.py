"""The question asked when a followed link is a feed: "Subscribe to <title>? y/n"."""

from __future__ import annotations

from termreader.text.sanitize import clean_line
from termreader.ui.question_screen import QuestionScreen


class SubscribeScreen(QuestionScreen):
    """Asks whether to subscribe to a feed; dismisses with True for ``y``, False otherwise."""

    def __init__(self, title: str, what: str) -> None:
        self.feed_title = clean_line(title)
        super().__init__(what, f"Subscribe to “{self.feed_title}”?")
