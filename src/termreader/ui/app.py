"""The termreader Textual app: settings, library, theme, keymap, commands; the screen does the rest."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from termreader.config import Settings, load
from termreader.errors import ConfigError, TermreaderError
from termreader.locations import cache_dir, styles_dir
from termreader.models import Article
from termreader.text.sanitize import clean, clean_line
from termreader.ui import css_cache
from termreader.ui.commands import ArticleCommands
from termreader.ui.main_screen import LAST_KEY, UI_TABLE, MainScreen


def resume_gc() -> None:
    """Freeze what exists by the first frame and turn the cyclic collector back on if the
    start-up turned it off (``cli._run_tui``).

    What exists by then (Textual, the styles, the first article) lives as long as the app:
    frozen, the collector never walks it again (a full collection walked it all: 40-50 ms in
    the middle of a key); reference counting still frees it. The app unfreezes on exit.
    """
    gc.collect()  # garbage frozen now would never be collected: free it first
    gc.freeze()
    # Full collections only every ~100x as often as by default: what lives long is frozen, and
    # each full pass over the rest (drawn lines, caches) was a 5-15 ms pause during paging.
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, FULL_COLLECTION_EVERY)
    gc.enable()


FULL_COLLECTION_EVERY = 1000
"""Middle-generation collections between full ones while the app runs (Python's default: 10)."""


def _css_paths() -> list[Path]:
    folder = styles_dir()
    return sorted(folder.glob("*.tcss")) if folder.is_dir() else []


class TermreaderApp(App[int]):
    """A terminal reader for articles.

    Args:
        library: An open :class:`termreader.library.store.Library`; None opens the default one
            (``library_dir``) at start.
        library_dir: Where the library lives (None: ``$TERMREADER_HOME`` or the platform dir).
        open_ref: An article to show first: an id, URL or file path (imported when new).
        settings: Settings to use instead of reading ``config.toml``.
    """

    TITLE = "termreader"
    CSS_PATH = _css_paths()
    COMMANDS = App.COMMANDS | {ArticleCommands}
    BINDINGS: list[BindingType] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help", show=False),  # pinned in the footer
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="command_palette"),
    ]

    def __init__(
        self,
        library: Any = None,
        *,
        library_dir: str | Path | None = None,
        open_ref: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._config_error: str | None = None
        self._library_error: str | None = None
        self._gc_threshold = gc.get_threshold()  # put back on exit (see resume_gc)
        if settings is None:
            try:
                settings = load()
            except ConfigError as error:
                self._config_error = f"{error} (using the defaults)"
                settings = Settings()
        self.settings = settings
        super().__init__()
        self.library = library
        self.library_dir = library_dir
        self.open_ref = open_ref
        self._articles: list[Article] = []
        self._fetcher: Any = None
        if self.library is None:
            self._open_library()
        # Stylesheets parsed by the last run (see css_cache).
        self._css_folder = cache_dir()
        self._css_loaded = css_cache.load(self, self._css_folder)

    # start-up ----------------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.call_after_refresh(resume_gc)
        try:
            self.theme = self.settings.theme
        except Exception:  # an unknown theme name must not stop the app
            self.notify(
                f"Unknown theme {self.settings.theme!r}; using the default", severity="warning"
            )
        if self.settings.keys:
            self._apply_keys(self.settings.keys)
        if self._config_error:
            self.notify(self._config_error, severity="error", timeout=10)
        if self.library is None:
            # A Text: the message names a path, which Rich must not read as markup.
            self.exit(1, message=Text(self._library_error or "termreader: no library"))
            return
        for notice in getattr(self.library, "notices", []) or []:
            self.notify(str(notice), severity="warning", timeout=10)

    def get_default_screen(self) -> Screen:
        """The main screen is the app's first screen; it opens the first article as soon as its
        widgets are mounted, so the first frame painted is already the article.

        Not pushed from ``on_mount``: Textual holds every repaint until the app's mount is
        over, and a screen pushed there is mounted and drawn inside that hold. The drawn frame
        was dropped and the screen painted again at the next refresh tick (20-30 ms later).
        """
        if self.library is None:
            return Screen()  # exiting: the library could not be opened (see __init__)
        return MainScreen(on_ready=self._open_first)

    def _apply_keys(self, keys: dict[str, str]) -> None:
        """Apply ``[keys]`` overrides (binding id → comma-separated keys); warn about unknown ids."""
        known = binding_ids()
        unknown = sorted(name for name in keys if name not in known)
        if unknown:
            self.notify(
                f"Unknown key setting(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))}",
                severity="warning",
                timeout=10,
            )
        self.set_keymap({name: value for name, value in keys.items() if name in known})

    def _open_library(self) -> None:
        from termreader.library.store import Library

        try:
            self.library = Library.open(self.library_dir)
        except TermreaderError as error:
            # Said from on_mount: this runs in __init__, before the app runs, and exiting
            # while Textual composes the first screen breaks its mount.
            self._library_error = clean_line(f"termreader: {error}")

    def _open_first(self) -> None:
        screen = self.main_screen
        if screen is None:
            return
        if self.open_ref:
            self.open_reference(self.open_ref)
            return
        first = self._first_article()
        if first is not None:
            screen.open_article(first.id)
        else:
            screen.reader.show_message(
                "The library is empty. Add articles with `termreader add FILE|URL`."
            )

    def _first_article(self) -> Article | None:
        """Where to start: the article open at the last quit, else one being read, else (on a
        fresh library) the one tagged "getting started", else the newest unread, else the newest."""
        # The listing may hold only the newest articles yet (see MainScreen.reload_library).
        articles = self._articles
        last = self.library.kv_get(UI_TABLE, LAST_KEY) if hasattr(self.library, "kv_get") else None
        if last and last.get("id"):
            hit = next((a for a in articles if a.id == last["id"]), None)
            if hit is None:
                try:
                    hit = self.library.brief(str(last["id"]))
                except TermreaderError:
                    hit = None
            if hit is not None:
                return hit
        started = [
            a for a in articles if (a.position.anchor or a.position.offset) and not a.finished
        ]
        if started:
            return started[0]
        fresh = not any(a.finished or not a.unread for a in articles)
        if fresh:
            guide = next(
                (a for a in articles if "getting started" in (t.casefold() for t in a.tags)), None
            )
            if guide is not None:
                return guide
        first = next((a for a in articles if a.unread), None)
        return first or (articles[0] if articles else None)

    def open_reference(self, ref: str) -> None:
        """Open an article by id, URL or path, fetching or importing it when it is new."""
        from termreader.errors import NotFound
        from termreader.navigation.resolve import is_web

        screen = self.main_screen
        if screen is None:
            return
        try:
            # The id from the index alone; open_article reads the body once.
            article_id: str | None = self.library.resolve_id(ref)
        except NotFound:
            article_id = None
        if article_id is not None:
            screen.open_article(article_id)
        elif is_web(ref):
            screen.fetch_and_open(ref)
        elif Path(ref).expanduser().is_file():
            screen.import_and_open(str(Path(ref).expanduser().resolve()))
        else:
            self.notify(f"Not in the library: {ref}", severity="error")

    # notifications -----------------------------------------------------------------------------
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Show a notification, always as plain, clean text (issue 6).

        Messages carry untrusted strings (file names, URLs, titles, error texts): they are
        cleaned of terminal controls here, once for every caller (screens and widgets end up
        here too), and never read as Textual markup, where "[/]" would crash the app and
        "[@click=...]" would make an action. ``markup`` is accepted for Textual's signature
        and ignored.
        """
        del markup
        super().notify(
            clean(str(message)),
            title=clean_line(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def action_help_quit(self) -> None:
        """Ctrl+C: say how to quit (Textual's own hint is markup, which notify no longer reads)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    # shared services ---------------------------------------------------------------------------
    @property
    def main_screen(self) -> MainScreen | None:
        """The main screen once it is installed."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def set_articles(self, articles: list[Article]) -> None:
        """Remember the library listing (the command palette searches it)."""
        self._articles = articles

    def articles(self) -> list[Article]:
        """The library listing, newest first."""
        return self._articles

    def open_article(self, article_id: str) -> None:
        """Open an article (command palette entry point)."""
        screen = self.main_screen
        if screen is not None:
            screen.open_article(article_id)
            screen.reader.focus()

    def fetcher(self) -> Any:
        """The session's one HTTP client (created on first use)."""
        if self._fetcher is None:
            from termreader.web.fetch import Fetcher

            self._fetcher = Fetcher(self.settings)
        return self._fetcher

    async def on_unmount(self) -> None:
        # What was frozen for the app's life is ordinary garbage again (an app run in a
        # longer-lived process, as in tests, leaves nothing behind).
        gc.unfreeze()
        gc.set_threshold(*self._gc_threshold)
        css_cache.save(self, self._css_folder, self._css_loaded)
        if self._fetcher is not None:
            await self._fetcher.aclose()

    # sync --------------------------------------------------------------------------------------
    @property
    def can_sync(self) -> bool:
        """Whether the sync module is installed."""
        return importlib.util.find_spec("termreader.web.sync") is not None

    def start_sync(self) -> None:
        """Refresh subscriptions in the background."""
        if not self.can_sync:
            self.notify("Sync is not available in this version", severity="warning")
            return
        self._sync()

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def _sync(self) -> None:
        """Run :func:`termreader.web.sync.sync` on the app's loop, with progress in the status line."""
        from termreader.web.sync import SyncProgress, sync

        screen = self.main_screen

        def progress(event: SyncProgress) -> None:
            if screen is not None:
                where = f" · {event.source}" if event.source else ""
                screen.busy = f"Syncing {event.done}/{event.total}{where}"

        if screen is not None:
            screen.busy = "Syncing…"
        try:
            report = await sync(
                self.library, self.settings, fetcher=self.fetcher(), progress=progress
            )
        except asyncio.CancelledError:
            self.notify("Sync cancelled", timeout=3)
            raise
        except TermreaderError as error:
            self.notify(f"Sync failed: {error}", severity="error")
            return
        finally:
            if screen is not None:
                screen.busy = ""
        if screen is not None:
            screen.reload_library()
        failed = len(getattr(report, "failed", []) or [])
        self.notify(
            f"Sync: {report.summary()}", severity="warning" if failed else "information", timeout=6
        )

    # commands, help ------------------------------------------------------------------------------
    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        main = self.main_screen
        if main is None:
            return
        yield SystemCommand(
            "Toggle library pane", "Show or hide the library (L)", main.action_toggle_library
        )
        yield SystemCommand(
            "Toggle outline pane", "Show or hide the outline (t)", main.action_toggle_outline
        )
        yield SystemCommand(
            "Related articles", "The article's related list (r)", main.action_related
        )
        yield SystemCommand("Toggle link numbers", "Show link numbers (f)", main.action_link_hints)
        yield SystemCommand(
            "Mark read / unread", "Toggle the read state (m)", main.action_toggle_read
        )
        yield SystemCommand("Find in article", "Search the article (/)", main.action_find)
        yield SystemCommand("Back", "Go back in history (h)", main.action_back)
        yield SystemCommand("Forward", "Go forward in history (l)", main.action_forward)
        yield SystemCommand("Open in browser", "Open the web page (o)", main.action_open_browser)
        if self.can_sync:
            yield SystemCommand("Sync", "Refresh subscriptions (S)", main.action_sync)

    async def action_quit(self) -> None:
        """Save where the reader is, then quit."""
        screen = self.main_screen
        if screen is not None:
            screen.save_state()
        self.exit(0)

    def action_help(self) -> None:
        """Show every key."""
        from termreader.ui.help_screen import HelpScreen  # loaded on first use

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(dict(self.settings.keys)))


def binding_ids() -> set[str]:
    """Every binding id a ``[keys]`` setting may name."""
    from termreader.ui.article_list import ArticleList
    from termreader.ui.library_pane import LibraryPane
    from termreader.ui.reader import ReaderView

    ids: set[str] = set()
    for owner in (TermreaderApp, MainScreen, LibraryPane, ArticleList, ReaderView):
        for binding in owner.BINDINGS:
            binding_id = getattr(binding, "id", None)
            if binding_id:
                ids.add(binding_id)
    return ids


def run(library_dir: str | Path | Any | None, open_ref: str | None = None) -> int:
    """Run the app (the CLI's ``termreader`` and ``termreader open``); returns the exit code.

    Args:
        library_dir: The library folder (None: the default one), or an already open Library.
        open_ref: An article id, URL or path to show first.
    """
    if library_dir is not None and not isinstance(library_dir, (str, Path)):
        app = TermreaderApp(library_dir, open_ref=open_ref)
    else:
        app = TermreaderApp(library_dir=library_dir, open_ref=open_ref)
    code = app.run()
    return code if isinstance(code, int) else 0
