"""Starting the reader: no command, or ``open PATH|URL|ID``. Textual is imported only to start it."""

from __future__ import annotations

import argparse
import contextlib
import gc
from pathlib import Path
from typing import Any

from termreader.cli.common import (
    add_library_option,
    error,
    import_ref,
    is_url,
    looks_like_path,
    no_such_file,
    open_library,
)
from termreader.errors import NotFound

IMPORT_NOTICE_FROM = 512 * 1024
"""Bytes from which ``termreader open FILE`` says it is importing (a big file takes long
enough to parse that a blank terminal would look stuck)."""


def register(subparsers: Any) -> None:
    """Add ``open`` to the CLI's subparsers."""
    p = subparsers.add_parser("open", help="open the reader on an article (importing it first)")
    add_library_option(p)
    p.add_argument("ref", metavar="PATH|URL|ID")
    p.set_defaults(func=cmd_open)


def cmd_tui(args: argparse.Namespace) -> int:
    """No subcommand: open the reader on the library."""
    # Lazy: the first screen needs the newest index segments only.
    library = open_library(args, lazy=True)
    return _run_tui(library, None)


def _run_tui(library: Any, open_ref: str | None) -> int:
    """Start the reader on ``library`` (at the article ``open_ref``); returns the exit code."""
    # Starting the UI allocates a great many long-lived objects (Textual's modules, styles,
    # the article): the cyclic collector would walk them all several times over, a sizeable
    # share of the start. It stays off until the first frame is on screen; the app then
    # freezes what exists out of its reach and turns it back on (TermreaderApp.resume_gc).
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    gc.disable()
    try:
        try:
            from termreader.ui.app import run
        except Exception as exc:  # the UI may be missing or broken; the CLI still works
            error(f"the reader interface cannot start: {exc.__class__.__name__}: {exc}")
            return 1
        return int(run(library, open_ref=open_ref) or 0)
    finally:
        # Whatever the app did (a UI that failed to start, or a stand-in, never resumes it),
        # the process gets its collector back: tests and embedders run on after the reader.
        if gc.get_freeze_count() > frozen:
            gc.unfreeze()
        if enabled:
            gc.enable()


def cmd_open(args: argparse.Namespace) -> int:
    """``open PATH|URL|ID``: import when needed, then open the reader on that article."""
    library = open_library(args)
    try:
        # The id only: resolve() would read (gunzip, decode) the body file, which the reader
        # reads again anyway.
        article_id = library.resolve_id(args.ref)
    except NotFound:
        if not (is_url(args.ref) or Path(args.ref).expanduser().exists()):
            if looks_like_path(args.ref):
                raise no_such_file(args.ref) from None
            raise
        # No render form here (``ingest.store_article`` parses the whole body again, a long
        # wait on a big article): the reader shows the first screen from an incremental parse and
        # stores the form itself once the document is ready (ReaderView.DocumentReady).
        _say_importing(args.ref)
        # Nor the search index's entry: the next search adds it (see Library.add).
        article_id = library.add(import_ref(args.ref), search_later=True).id
    return _run_tui(library, article_id)


def _say_importing(ref: str) -> None:
    """One line on stderr before a slow import, so the terminal is not blank for no reason."""
    if is_url(ref):
        error(f"fetching {ref}")
        return
    with contextlib.suppress(OSError):
        size = Path(ref).expanduser().stat().st_size
        if size >= IMPORT_NOTICE_FROM:
            error(f"importing {Path(ref).name} ({size / 1024 / 1024:.1f} MB)")
