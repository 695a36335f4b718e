"""The command line: the TUI launcher and scriptable commands with stable JSON output.

Non-interactive commands (``add``, ``list``, ``show``, ``remove``, ``config``) never import
Textual: scripting stays fast and the core/UI split stays honest. Each subcommand sets
``func=callable(args) -> int``; :func:`main` dispatches on it, so other modules (``cli_web``)
can register commands with the same contract.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import io
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from termreader import __version__, locations
from termreader.errors import FetchError, ImportFailed, NotFound, TermreaderError
from termreader.models import PREFETCHED_TAG, Article
from termreader.text.sanitize import clean, clean_line

PROG = "termreader"


# --- helpers shared with other command modules ---------------------------------------------------


def error(message: str) -> None:
    """Print one sanitized line on stderr: ``termreader: message``."""
    print(f"{PROG}: {clean_line(str(message))}", file=sys.stderr)


def open_library(args: argparse.Namespace, *, seed_samples: bool = True) -> Any:
    """Open the library chosen by ``--library`` / ``$TERMREADER_HOME`` and print its notices.

    Raises:
        StoreError: the library cannot be opened.
    """
    from termreader.library.store import Library

    library = Library.open(
        locations.library_dir(getattr(args, "library", None)), seed_samples=seed_samples
    )
    for notice in library.notices:
        error(notice)
    library.notices.clear()
    return library


def is_url(ref: str) -> bool:
    """True for an http(s) URL (the only kind ``add`` fetches)."""
    lowered = ref.strip().lower()
    return lowered.startswith("http://") or lowered.startswith("https://")


def fetch_url(url: str) -> tuple[bytes, str, str | None]:
    """Fetch ``url`` with the hardened fetcher; returns ``(body, final_url, content_type)``.

    Raises:
        FetchError: one-line reason.
    """
    from termreader.web.fetch import fetch_sync

    result = fetch_sync(url)
    if result.data is None:
        raise FetchError(f"{url}: the server sent no content (status {result.status})")
    return result.data, result.url, result.content_type_header or None


def import_ref(ref: str) -> Article:
    """Import a local file or fetch and import an http(s) URL (not stored).

    Raises:
        ImportFailed, FetchError, NotFound: one-line reasons.
    """
    from termreader import importers

    if is_url(ref):
        data, final_url, content_type = fetch_url(ref)
        return importers.import_bytes(data, url=final_url, content_type=content_type)
    path = Path(ref).expanduser()
    if not path.exists():
        raise NotFound(f"{ref}: no such file, and not an http(s) URL")
    if path.is_dir():
        raise ImportFailed(f"{ref}: is a directory")
    return importers.import_path(path)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value else None


def _clean_json(value: Any, *, multiline: bool = False) -> Any:
    """Defence in depth: stored text is clean already, but old libraries may not be."""
    if isinstance(value, str):
        return clean(value) if multiline else clean_line(value)
    if isinstance(value, list):
        return [_clean_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _clean_json(v, multiline=k in ("text", "markdown")) for k, v in value.items()}
    return value


def list_record(article: Article) -> dict[str, Any]:
    """The JSON form of an article in ``list --json`` and ``add --json``."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": _iso(article.published),
        "fetched": _iso(article.fetched),
        "language": article.language,
        "kind": article.kind,
        "tags": list(article.tags),
        "unread": article.unread,
        "finished": article.finished,
    }


def show_record(article: Article) -> dict[str, Any]:
    """The JSON form of ``show --json``."""
    from termreader.text.plaintext import markdown_to_text

    record = list_record(article)
    record.update(
        {
            "sections": [
                {"level": s.level, "title": s.title, "anchor": s.anchor} for s in article.sections
            ],
            "related": [
                {"title": r.title, "url": r.url, "count": r.count} for r in article.related
            ],
            "links": [{"title": link.title, "url": link.url} for link in article.links],
            "text": markdown_to_text(article.body),
            "markdown": article.body,
        }
    )
    return record


def _print_json(record: dict[str, Any], out: TextIO | None = None) -> None:
    print(json.dumps(_clean_json(record), ensure_ascii=False), file=out or sys.stdout)


def _date(article: Article) -> str:
    stamp = article.published or article.fetched
    return stamp.strftime("%Y-%m-%d") if stamp else " " * 10


def _human_line(article: Article) -> str:
    mark = "*" if article.unread else " "
    source = f"  ({clean_line(article.source)})" if article.source else ""
    return f"{article.id}  {mark} {_date(article)}  {clean_line(article.title)}{source}"


# --- commands ----------------------------------------------------------------------------------


def cmd_tui(args: argparse.Namespace) -> int:
    """No subcommand: open the reader on the library."""
    library = open_library(args)
    return _run_tui(library, None)


def _run_tui(library: Any, open_ref: str | None) -> int:
    # Starting the UI allocates a few hundred thousand long-lived objects (Textual's modules,
    # styles, the article): the cyclic collector would walk them all several times over, about
    # 40 ms of a 0.4 s start. It stays off until the first frame is on screen; the app then
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
            raise
        # No render form here (``ingest.store_article`` parses the whole body again, about
        # 1.5 s on 2 MB): the reader shows the first screen from an incremental parse and
        # stores the form itself once the document is ready (ReaderView.DocumentReady).
        _say_importing(args.ref)
        article_id = library.add(import_ref(args.ref)).id
    return _run_tui(library, article_id)


IMPORT_NOTICE_FROM = 512 * 1024
"""Bytes from which ``termreader open FILE`` says it is importing (a 1 MB list takes seconds)."""


def _say_importing(ref: str) -> None:
    """One line on stderr before a slow import, so the terminal is not blank for no reason."""
    if is_url(ref):
        error(f"fetching {ref}")
        return
    with contextlib.suppress(OSError):
        size = Path(ref).expanduser().stat().st_size
        if size >= IMPORT_NOTICE_FROM:
            error(f"importing {Path(ref).name} ({size / 1024 / 1024:.1f} MB)")


def cmd_add(args: argparse.Namespace) -> int:
    """``add PATH|URL ...``: import each; one failure does not stop the others."""
    from termreader.library.ingest import store_article

    library = open_library(args)
    failed = 0
    for ref in args.refs:
        try:
            if is_url(ref):
                article = _save_url(library, ref)
            else:
                article = store_article(library, import_ref(ref))
        except TermreaderError as exc:
            error(str(exc))
            failed += 1
            continue
        if args.json:
            _print_json(list_record(article))
        else:
            print(f"{article.id}  {clean_line(article.title)}")
        sys.stdout.flush()
    return 1 if failed else 0


def _save_url(library: Any, url: str) -> Article:
    """``add URL``: fetch, store, and keep the page as a saved URL that ``sync`` refreshes.

    The article is keyed by the final URL after redirects (see ``termreader.web.sync.save_url``).
    """
    from termreader.config import load
    from termreader.web.sync import save_url_sync

    try:
        return save_url_sync(library, url, settings=load())
    except TermreaderError as exc:
        # Fetch errors name the host, not the URL: with several refs, say which one failed.
        if url not in str(exc):
            exc.args = (f"{url}: {exc}",)
        raise


def cmd_list(args: argparse.Namespace) -> int:
    """``list [--query TEXT] [--unread] [--all]``: newest first.

    Articles prefetched by ``sync`` only because another article lists them as related are
    hidden unless ``--all``: the reader did not ask for them (they still open by id or URL).
    """
    library = open_library(args)
    articles = library.list(args.query or None, unread=True if args.unread else None)
    if not args.all:
        articles = [a for a in articles if PREFETCHED_TAG not in a.tags]
    out = sys.stdout
    if args.json:
        dumps = json.dumps
        for article in articles:
            out.write(dumps(_clean_json(list_record(article)), ensure_ascii=False) + "\n")
    else:
        for article in articles:
            out.write(_human_line(article) + "\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """``show ID|URL|PATH``: the article as JSON, Markdown or plain text."""
    library = open_library(args)
    try:
        article = library.get(library.resolve(args.ref).id)
    except NotFound:
        # A file or URL that is not in the library is shown without storing it.
        if not (is_url(args.ref) or Path(args.ref).expanduser().is_file()):
            raise
        article = import_ref(args.ref)
    if args.json:
        _print_json(show_record(article))
        return 0
    if args.format == "markdown":
        sys.stdout.write(clean(article.body).rstrip("\n") + "\n")
        return 0
    from termreader.text.plaintext import markdown_to_text

    header = [clean_line(article.title)]
    details = [
        d
        for d in (clean_line(article.source), _date(article).strip(), clean_line(article.url))
        if d
    ]
    if details:
        header.append(" · ".join(details))
    sys.stdout.write("\n".join(header) + "\n\n" + clean(markdown_to_text(article.body)))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    """``remove ID ...``: ids, unique id prefixes, URLs or paths."""
    library = open_library(args, seed_samples=False)
    failed = 0
    for ref in args.refs:
        try:
            article = library.resolve(ref)
            library.remove(article.id)
        except TermreaderError as exc:
            error(str(exc))
            failed += 1
            continue
        print(f"removed {article.id}  {clean_line(article.title)}")
    return 1 if failed else 0


def cmd_config_path(args: argparse.Namespace) -> int:
    """``config path``: where the settings file lives."""
    print(locations.config_file())
    return 0


# --- parser ------------------------------------------------------------------------------------


def build_parser(*, reader_only: bool = False) -> argparse.ArgumentParser:
    """The argument parser, including commands registered by ``termreader.cli.web``.

    ``reader_only``: just what starts the reader (no command, or ``open``); see :func:`main`.
    """
    # --library works before or after the subcommand; SUPPRESS keeps the subparser from
    # overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--library", metavar="DIR", default=argparse.SUPPRESS, help="the library folder to use"
    )
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
    parser.set_defaults(func=cmd_tui)
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")

    p = subparsers.add_parser(
        "open", parents=[common], help="open the reader on an article (importing it first)"
    )
    p.add_argument("ref", metavar="PATH|URL|ID")
    p.set_defaults(func=cmd_open)
    if reader_only:
        return parser

    p = subparsers.add_parser("add", parents=[common], help="import files or fetch URLs")
    p.add_argument("refs", nargs="+", metavar="PATH|URL")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_add)

    p = subparsers.add_parser("list", parents=[common], help="list the library, newest first")
    p.add_argument("--query", "-q", metavar="TEXT", help="match title, source and tags")
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument(
        "--all",
        action="store_true",
        help="include related articles that sync prefetched for offline reading",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser("show", parents=[common], help="print an article")
    p.add_argument("ref", metavar="ID|URL|PATH")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object")
    fmt.add_argument("--format", choices=("markdown", "text"), default=None, help="default: text")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("remove", parents=[common], help="remove articles")
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_remove)

    p = subparsers.add_parser("config", parents=[common], help="settings")
    config_sub = p.add_subparsers(title="config commands", metavar="ACTION", required=True)
    q = config_sub.add_parser("path", parents=[common], help="print the settings file path")
    q.set_defaults(func=cmd_config_path)

    _register_extensions(subparsers)
    return parser


def _reader_args(words: list[str]) -> argparse.Namespace | None:
    """The arguments of ``termreader [--library DIR]`` and ``termreader open REF``, parsed
    without building every other command (and importing ``cli_web``): 4-5 ms of each start of
    the reader. None for anything else, help, or a usage error: the full parser handles those
    (its messages list every command)."""
    if any(word.startswith(("-h", "--h", "--v")) for word in words):
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            return build_parser(reader_only=True).parse_args(words)
    except SystemExit:
        return None


def _register_extensions(subparsers: Any) -> None:
    """Let ``termreader.cli.web`` add its commands (sync, subscribe...) when it exists."""
    try:
        module = importlib.import_module("termreader.cli.web")
    except ModuleNotFoundError as exc:
        if exc.name != "termreader.cli.web":
            raise
        return
    register: Callable[[Any], None] | None = getattr(module, "register", None)
    if register is not None:
        register(subparsers)


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
