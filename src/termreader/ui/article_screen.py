"""What the main screen's helpers (following links, reading state) may use of the screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from textual.app import App
    from textual.notifications import SeverityLevel
    from textual.worker import Worker

    from termreader.models import Article, Position
    from termreader.ui.library_pane import LibraryPane
    from termreader.ui.reader import ReaderView


class ArticleScreen(Protocol):
    """The panes and services of the screen showing the articles (the main screen), as its
    helpers see them: typed here so that they never import the screen, which holds them."""

    @property
    def app(self) -> App[object]: ...
    @property
    def article(self) -> Article | None: ...
    @property
    def reader(self) -> ReaderView: ...
    @property
    def library_pane(self) -> LibraryPane: ...

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...

    def run_worker(
        self,
        work: Callable[[], Any],
        *,
        name: str | None = "",
        group: str = "default",
        exit_on_error: bool = True,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Worker[Any]: ...

    def read_state_changed(self, article_id: str, was_unread: bool) -> None: ...


class OpeningScreen(ArticleScreen, Protocol):
    """An :class:`ArticleScreen` that helpers also ask to open articles, re-list the library and
    show what is loading (following links, adding and fetching again, managing the library)."""

    busy: str
    """A loading message for the header and status line ("" when nothing loads)."""

    def open_article(
        self,
        article_id: str,
        *,
        position: Position | None = None,
        anchor: str = "",
        record: bool = True,
    ) -> bool: ...

    def reload_library(self, keep: str | None = None) -> None: ...
