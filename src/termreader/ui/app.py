"""The termreader Textual app: settings, library, theme, keymap, commands; the screen does the rest."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen

from termreader.config import Settings, load, save_setting
from termreader.errors import ConfigError, TermreaderError
from termreader.locations import cache_dir, config_file, styles_dir
from termreader.text.sanitize import clean, clean_line
from termreader.ui import compositor, css_cache
from termreader.ui.commands import ArticleCommands
from termreader.ui.main_screen import MainScreen, main_screen_of
from termreader.ui.manage import manage_commands

if TYPE_CHECKING:
    from textual.theme import Theme

    from termreader.library.store import Library
    from termreader.web.fetch import Fetcher


def resume_gc() -> None:
    """Freeze what exists by the first frame and turn the cyclic collector back on if the
    start-up turned it off (``cli._run_tui``).

    What exists by then (Textual, the styles, the first article) lives as long as the app:
    frozen, the collector never walks it again (a full collection would walk it all, a pause
    in the middle of a key); reference counting still frees it. The app unfreezes on exit.
    """
    gc.collect()  # garbage frozen now would never be collected: free it first
    gc.freeze()
    # Full collections a hundred times less often than by default: what lives long is frozen,
    # and each full pass over the rest (drawn lines, caches) is a pause felt while paging.
    first, second, _ = gc.get_threshold()
    gc.set_threshold(first, second, FULL_COLLECTION_EVERY)
    gc.enable()


FULL_COLLECTION_EVERY = 1000
"""Middle-generation collections between full ones while the app runs (Python's default: 10)."""


def _css_paths() -> list[str | PurePath]:
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
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("question_mark", "help", "Keys", id="help", show=False),  # pinned in the footer
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="command_palette"),
    ]

    def __init__(
        self,
        library: Library | None = None,
        *,
        library_dir: str | Path | None = None,
        open_ref: str | None = None,
        settings: Settings | None = None,
    ) -> None:
        self._config_error: str | None = None
        self._library_error: str | None = None
        self._gc_threshold = gc.get_threshold()  # put back on exit (see resume_gc)
        self._config_path: Path | None = None
        """The settings file a theme picked in the app is written to (None: settings were
        given, not read from the user's file)."""
        if settings is None:
            self._config_path = config_file()
            try:
                settings = load(self._config_path)
            except ConfigError as error:
                self._config_error = f"{error} (using the defaults)"
                settings = Settings()
        self.settings = settings
        compositor.install()  # before any screen exists: wide characters survive overlaps
        super().__init__()
        self.library = library
        self.library_dir = library_dir
        self.open_ref = open_ref
        self._fetcher: Fetcher | None = None
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
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        if self.settings.keys:
            self._apply_keys(self.settings.keys)
        if self._config_error:
            self.notify(self._config_error, severity="error", timeout=10)
        if self.library is None:
            # A Text: the message names a path, which Rich must not read as markup.
            self.exit(1, message=Text(self._library_error or "termreader: no library"))
            return
        for notice in self.library.notices:
            self.notify(notice, severity="warning", timeout=10)

    def get_default_screen(self) -> Screen:
        """The main screen is the app's first screen; it opens the first article as soon as its
        widgets are mounted, so the first frame painted is already the article.

        Not pushed from ``on_mount``: Textual holds every repaint until the app's mount is
        over, and a screen pushed there is mounted and drawn inside that hold: the drawn frame
        would be dropped and the screen painted again only at the next refresh tick.
        """
        if self.library is None:
            return Screen()  # exiting: the library could not be opened (see __init__)
        return MainScreen(self.settings, self.library, fetcher=self.fetcher, open_ref=self.open_ref)

    def _theme_changed(self, theme: Theme) -> None:
        """A theme was picked (the command palette's "Change theme"): keep it for the next start
        in ``config.toml``, the user's comments and other settings left as they are."""
        if theme.name == self.settings.theme or self._config_path is None:
            return
        self.settings.theme = theme.name
        try:
            save_setting("theme", theme.name, self._config_path)
        except ConfigError as error:
            self.notify(f"The theme is not kept for the next start: {error}", severity="warning")

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
        from termreader.library.seeding import open_seeded

        try:
            # Lazy: the first screen reads the newest index segments only.
            self.library = open_seeded(self.library_dir, lazy=True)
        except TermreaderError as error:
            # Said from on_mount: this runs in __init__, before the app runs, and exiting
            # while Textual composes the first screen breaks its mount.
            self._library_error = clean_line(f"termreader: {error}")

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
        """Ctrl+C: say how to quit (Textual's own hint is markup, which this app's notify would
        show as plain text)."""
        for key, active in self.active_bindings.items():
            if active.binding.action in ("quit", "app.quit"):
                self.notify(f"Press {key} to quit the app", title="Do you want to quit?")
                return

    # shared services ---------------------------------------------------------------------------
    @property
    def main_screen(self) -> MainScreen | None:
        """The main screen once it is installed."""
        return main_screen_of(self)

    def fetcher(self) -> Fetcher:
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
    def on_main_screen_sync_requested(self, event: MainScreen.SyncRequested) -> None:
        """Refresh subscriptions in the background (Esc on the main screen cancels)."""
        event.stop()
        screen = self.main_screen
        if screen is not None:
            self._sync(screen, event.only, event.fetched)

    @work(exclusive=True, group="sync", exit_on_error=False)
    async def _sync(
        self,
        screen: MainScreen,
        only: tuple[str, ...] | None = None,
        fetched: dict[str, Any] | None = None,
    ) -> None:
        """Run :func:`termreader.web.sync.sync` on the app's loop, with progress in the status
        line, then the accounts' sync (:mod:`termreader.accounts.sync`)."""
        from termreader.web.sync import SyncProgress, sync

        def progress(event: SyncProgress) -> None:
            where = f" · {event.source}" if event.source else ""
            screen.busy = f"Syncing {event.done}/{event.total}{where}"

        screen.busy = "Syncing…"
        try:
            report = await sync(
                screen.library,
                self.settings,
                fetcher=self.fetcher(),
                progress=progress,
                only=only,
                fetched=fetched,
            )
        except asyncio.CancelledError:
            self.notify("Sync cancelled", timeout=3)
            raise
        except TermreaderError as error:
            self.notify(f"Sync failed: {error}", severity="error")
            return
        finally:
            screen.busy = ""
        accounts = await self._sync_accounts(screen) if only is None else []
        screen.reload_library()
        failed = len(report.failed)
        summary = report.summary()
        if accounts:
            summary += "; " + "; ".join(a.summary() for a in accounts if not a.error)
        self.notify(f"Sync: {summary}", severity="warning" if failed else "information", timeout=6)

    async def _sync_accounts(self, screen: MainScreen) -> list[Any]:
        """Sync the feed-server accounts after the feeds (on this loop: the library is never
        touched from two threads); each failed account is one error notification, and what
        was marked stays queued."""
        if not screen.library.kv_all("accounts"):
            return []
        from termreader.accounts.sync import sync_accounts

        screen.busy = "Syncing accounts…"
        try:
            reports = await sync_accounts(screen.library, self.settings, fetcher=self.fetcher())
        except TermreaderError as error:
            self.notify(f"Account sync failed: {error}", severity="error")
            return []
        finally:
            screen.busy = ""
        for report in reports:
            if report.error:
                self.notify(f"Account {report.summary()[8:]}", severity="error", timeout=10)
        return reports

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
        yield SystemCommand(
            "Search the library", "Find text in every article (F)", main.action_search
        )
        yield SystemCommand("Back", "Go back in history (h)", main.action_back)
        yield SystemCommand("Forward", "Go forward in history (l)", main.action_forward)
        yield SystemCommand("Open in browser", "Open the web page (o)", main.action_open_browser)
        yield SystemCommand(
            "Sync", "Refresh subscriptions and feed-server accounts (S)", main.action_sync
        )
        yield from manage_commands(main)

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
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids


def run(library_dir: str | Path | Library | None, open_ref: str | None = None) -> int:
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
