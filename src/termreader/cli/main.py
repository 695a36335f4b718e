"""The command line's entry point: the parser assembled from the command modules, and dispatch.

Each subcommand sets ``func=callable(args) -> int``; :func:`main` calls it and turns the
project's errors into one line on stderr. The commands live in :mod:`termreader.cli.tui` (the
reader), :mod:`termreader.cli.library`, :mod:`termreader.cli.search` and :mod:`termreader.cli.web`; none of them imports
Textual or the web stack at module level, so scripting stays fast.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Callable, Sequence

from termreader import __version__
from termreader.cli import accounts, library, search, tui, web
from termreader.cli.common import PROG, error
from termreader.errors import TermreaderError


def build_parser(*, reader_only: bool = False) -> argparse.ArgumentParser:
    """The argument parser of every command.

    ``reader_only``: just what starts the reader (no command, or ``open``); see :func:`main`.
    """
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="A terminal reader for articles: instant, offline and safe.",
    )
    parser.add_argument(
        "--library",
        metavar="DIR",
        default=None,
        help="the library folder (default: $TERMREADER_HOME or the user data dir)",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.set_defaults(func=tui.cmd_tui)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    tui.register(subparsers)
    if reader_only:
        return parser
    library.register(subparsers)
    search.register(subparsers)
    web.register(subparsers)
    accounts.register(subparsers)
    return parser


def _reader_args(words: list[str]) -> argparse.Namespace | None:
    """The arguments of ``termreader [--library DIR]`` and ``termreader open REF``, parsed
    without building every other command's parser (a few ms of each start of the reader). None
    for anything else, help, or a usage error: the full parser handles those (its messages list
    every command)."""
    if any(word.startswith(("-h", "--h", "--v")) for word in words):
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return build_parser(reader_only=True).parse_args(words)
    except SystemExit:
        return None


def quiet_extractor_logs() -> None:
    """Keep trafilatura's and htmldate's warnings (one per odd page) off the terminal.

    With no handler configured, Python prints a library's warnings on stderr, across the reader's
    screen or a script's output; a page that cannot be read is already reported as one line. The
    application decides this at its start, not the importer at import time.
    """
    import logging

    for name in ("trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


_READS_NO_PAGES = frozenset(
    {
        library.cmd_list,
        library.cmd_show,
        library.cmd_remove,
        library.cmd_mark,
        library.cmd_config_path,
        search.cmd_search,
        web.cmd_subscriptions,
        web.cmd_unsubscribe,
        web.cmd_export_opml,
        accounts.cmd_account_list,
        accounts.cmd_account_remove,
    }
)
"""Commands that never import a web page: they start without loading ``logging``."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 error, 2 usage)."""
    words = list(sys.argv[1:] if argv is None else argv)
    args = _reader_args(words)
    if args is None:
        try:
            args = build_parser().parse_args(words)
        except SystemExit as exc:  # usage errors (2), --help and --version (0)
            return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    func: Callable[[argparse.Namespace], int] = args.func
    if func not in _READS_NO_PAGES:  # the logging import would be the only cost of these
        quiet_extractor_logs()
    try:
        return int(func(args) or 0)
    except TermreaderError as exc:
        error(str(exc))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `termreader list | head`: the reader went away; not an error worth a traceback.
        with contextlib.suppress(Exception):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0
    except Exception as exc:
        if os.environ.get("TERMREADER_DEBUG"):
            raise
        error(f"internal error: {exc.__class__.__name__}: {exc}")
        return 1
