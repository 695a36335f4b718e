"""Web commands of the CLI: ``sync``, ``subscribe``, ``unsubscribe``, ``subscriptions``, OPML.

``termreader.cli.main`` calls :func:`register` with its subparsers. Handlers take the parsed
arguments and return an exit code; errors are one line on stderr. No Textual here.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from termreader.errors import TermreaderError
from termreader.text.sanitize import clean_line

PROG = "termreader"


def _error(message: str) -> int:
    print(f"{PROG}: {clean_line(str(message))}", file=sys.stderr)
    return 1


def _library(args: argparse.Namespace) -> Any:
    try:
        from termreader.cli.main import open_library
    except ImportError:  # cli.py not there (or reshaped): open the library directly
        from termreader.library.seeding import open_seeded

        return open_seeded(getattr(args, "library", None))
    return open_library(args)


def _settings(args: argparse.Namespace) -> Any:
    from termreader.config import load

    return load()


def _common(parser: argparse.ArgumentParser) -> None:
    # Like the main CLI: --library also works after the subcommand, without clobbering a
    # value given before it.
    parser.add_argument(
        "--library", metavar="DIR", default=argparse.SUPPRESS, help="the library folder to use"
    )


def register(subparsers: Any) -> None:
    """Add the web commands to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "sync",
        help="refresh subscriptions and saved pages",
        description="Refresh every subscription and saved page concurrently and prefetch related "
        "articles for offline reading. Exit status 1 when a source failed (the others are "
        "still synced).",
    )
    _common(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--concurrency", type=int, metavar="N", help="requests at once (default: setting)"
    )
    p.set_defaults(func=cmd_sync)

    p = subparsers.add_parser("subscribe", help="follow a feed (or the feed a page advertises)")
    _common(p)
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=cmd_subscribe)

    p = subparsers.add_parser("unsubscribe", help="stop following a feed")
    _common(p)
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=cmd_unsubscribe)

    p = subparsers.add_parser("subscriptions", help="list the feeds you follow")
    _common(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_subscriptions)

    p = subparsers.add_parser("import-opml", help="subscribe to the feeds of an OPML file")
    _common(p)
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_import_opml)

    p = subparsers.add_parser("export-opml", help="write subscriptions as OPML (stdout by default)")
    _common(p)
    p.add_argument("file", metavar="FILE", nargs="?")
    p.set_defaults(func=cmd_export_opml)


# --- handlers ---------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    """Refresh everything; print the summary (text or JSON); exit 1 when a source failed."""
    from termreader.web.sync import sync_blocking

    try:
        library = _library(args)
        settings = _settings(args)
    except TermreaderError as error:
        return _error(str(error))
    if args.concurrency is not None and args.concurrency < 1:
        return _error("--concurrency must be at least 1")
    display = _Progress() if sys.stderr.isatty() and not args.json else None
    try:
        if display is not None:
            with display:
                report = sync_blocking(
                    library, settings, progress=display.update, concurrency=args.concurrency
                )
        else:
            report = sync_blocking(library, settings, concurrency=args.concurrency)
    except TermreaderError as error:
        return _error(str(error))
    except KeyboardInterrupt:
        return 130
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for item in report.articles:
            if item["status"] in ("added", "updated"):
                mark = "+" if item["status"] == "added" else "~"
                print(
                    f"{mark} {item['id'][:8]}  {clean_line(item['title'])}  ({clean_line(item['source'])})"
                )
        for source, reason in report.failed:
            print(f"{PROG}: {clean_line(source)}: {clean_line(reason)}", file=sys.stderr)
        print(report.summary())
    return 1 if report.failed else 0


class _Progress:
    """A Rich progress bar on stderr, fed by :class:`termreader.web.sync.SyncProgress` events."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        self.progress = Progress(
            TextColumn("sync"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.description}", markup=False),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("", total=None)

    def __enter__(self) -> _Progress:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, event: Any) -> None:
        description = clean_line(event.source)[:60]
        if event.source and not event.ok:
            description = f"failed: {description}"
        self.progress.update(
            self.task, total=event.total or None, completed=event.done, description=description
        )


def cmd_subscribe(args: argparse.Namespace) -> int:
    from termreader.web.sync import subscribe_sync

    try:
        library = _library(args)
        subscription = subscribe_sync(library, args.url, settings=_settings(args))
    except TermreaderError as error:
        return _error(str(error))
    title = clean_line(subscription.title) or subscription.url
    print(
        f"subscribed to {title} <{clean_line(subscription.url)}>; run `termreader sync` to fetch it"
    )
    return 0


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    from termreader.web.sync import unsubscribe

    try:
        library = _library(args)
        removed = unsubscribe(library, args.url)
    except TermreaderError as error:
        return _error(str(error))
    if not removed:
        return _error(f"not subscribed to {args.url}")
    print(f"unsubscribed from {clean_line(args.url)}")
    return 0


def cmd_subscriptions(args: argparse.Namespace) -> int:
    from termreader.web.sync import subscriptions

    try:
        items = subscriptions(_library(args))
    except TermreaderError as error:
        return _error(str(error))
    for item in items:
        if args.json:
            record = {
                "url": item.url,
                "title": item.title,
                "added": item.added or None,
                "last_sync": item.last_sync or None,
                "last_error": item.last_error or None,
            }
            print(
                json.dumps(
                    {k: clean_line(v) if isinstance(v, str) else v for k, v in record.items()},
                    ensure_ascii=False,
                )
            )
        else:
            line = f"{clean_line(item.url)}  {clean_line(item.title)}"
            if item.last_error:
                line += f"  [error: {clean_line(item.last_error)}]"
            print(line)
    return 0


def cmd_import_opml(args: argparse.Namespace) -> int:
    from termreader.web.opml import parse_opml
    from termreader.web.sync import add_subscription

    path = Path(args.file).expanduser()
    try:
        data = path.read_bytes()
    except OSError as error:
        return _error(f"{args.file}: cannot read: {error.strerror or error}")
    try:
        feeds = parse_opml(data)
        library = _library(args)
        before = {s for s in library.kv_all("subscriptions")}
        for feed in feeds:
            add_subscription(library, feed.url, feed.title)
    except TermreaderError as error:
        return _error(f"{args.file}: {error}")
    new = sum(1 for f in feeds if f.url not in before)
    print(
        f"{new} new subscriptions ({len(feeds)} feeds in {clean_line(path.name)}); run `termreader sync`"
    )
    return 0


def cmd_export_opml(args: argparse.Namespace) -> int:
    from termreader.web.opml import OpmlFeed, export_opml
    from termreader.web.sync import subscriptions

    try:
        items = subscriptions(_library(args))
    except TermreaderError as error:
        return _error(str(error))
    text = export_opml(OpmlFeed(url=s.url, title=s.title) for s in items)
    if not args.file or args.file == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.file).expanduser()
    temp = path.with_name(f".{path.name}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
    except OSError as error:
        temp.unlink(missing_ok=True)
        return _error(f"{args.file}: cannot write: {error.strerror or error}")
    print(f"{len(items)} subscriptions written to {clean_line(str(path))}", file=sys.stderr)
    return 0
