"""Web commands of the CLI: ``sync``, ``subscribe``, ``unsubscribe``, ``subscriptions``, OPML.

Handlers take the parsed arguments and return an exit code; errors are one line on stderr
(:func:`termreader.cli.main.main` prints the ones they raise). No Textual here, and the web
modules (httpx, feed parsing) are imported only inside the handlers.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from termreader.cli.common import PROG, add_library_option, error, load_settings, open_library
from termreader.errors import TermreaderError
from termreader.text.sanitize import clean_line


def register(subparsers: Any) -> None:
    """Add the web commands to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "sync",
        help="refresh subscriptions and saved pages",
        description="Refresh every subscription and saved page concurrently and prefetch related "
        "articles for offline reading. Exit status 1 when a source failed (the others are "
        "still synced).",
    )
    add_library_option(p)
    p.add_argument("--json", action="store_true", help="print the summary as JSON")
    p.add_argument(
        "--concurrency", type=int, metavar="N", help="requests at once (default: setting)"
    )
    p.set_defaults(func=cmd_sync)

    p = subparsers.add_parser("subscribe", help="follow a feed (or the feed a page advertises)")
    add_library_option(p)
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=cmd_subscribe)

    p = subparsers.add_parser("unsubscribe", help="stop following a feed")
    add_library_option(p)
    p.add_argument("url", metavar="URL")
    p.set_defaults(func=cmd_unsubscribe)

    p = subparsers.add_parser("subscriptions", help="list the feeds you follow")
    add_library_option(p)
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_subscriptions)

    p = subparsers.add_parser("import-opml", help="subscribe to the feeds of an OPML file")
    add_library_option(p)
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_import_opml)

    p = subparsers.add_parser("export-opml", help="write subscriptions as OPML (stdout by default)")
    add_library_option(p)
    p.add_argument("file", metavar="FILE", nargs="?")
    p.set_defaults(func=cmd_export_opml)


# --- handlers ---------------------------------------------------------------------------------
def cmd_sync(args: argparse.Namespace) -> int:
    """Refresh everything; print the summary (text or JSON); exit 1 when a source failed."""
    from termreader.web.sync import sync_blocking

    library = open_library(args)
    settings = load_settings()
    if args.concurrency is not None and args.concurrency < 1:
        error("--concurrency must be at least 1")
        return 1
    display = _Progress() if sys.stderr.isatty() and not args.json else None
    if display is not None:
        with display:
            report = sync_blocking(
                library, settings, progress=display.update, concurrency=args.concurrency
            )
    else:
        report = sync_blocking(library, settings, concurrency=args.concurrency)
    accounts = _sync_accounts(library, settings)
    if args.json:
        data = report.to_dict()
        data["accounts"] = [a.to_dict() for a in accounts]
        print(json.dumps(data, ensure_ascii=False))
    else:
        for item in report.articles:
            if item["status"] in ("added", "updated"):
                mark = "+" if item["status"] == "added" else "~"
                print(
                    f"{mark} {item['id'][:8]}  {clean_line(item['title'])}  ({clean_line(item['source'])})"
                )
        for source, reason in report.failed:
            print(f"{PROG}: {clean_line(source)}: {clean_line(reason)}", file=sys.stderr)
        for account in accounts:
            if account.error:
                print(f"{PROG}: {account.summary()}", file=sys.stderr)
        if report.sources or not accounts:
            print(report.summary())
        for account in accounts:
            if not account.error:
                print(account.summary())
    return 1 if report.failed or any(a.error for a in accounts) else 0


def _sync_accounts(library: Any, settings: Any) -> list[Any]:
    """Sync the accounts on feed servers (none: nothing imported)."""
    if not library.kv_all("accounts"):
        return []
    from termreader.accounts.sync import sync_accounts_blocking

    return sync_accounts_blocking(library, settings)


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

    library = open_library(args)
    subscription = subscribe_sync(library, args.url, settings=load_settings())
    title = clean_line(subscription.title) or subscription.url
    print(
        f"subscribed to {title} <{clean_line(subscription.url)}>; run `termreader sync` to fetch it"
    )
    return 0


def cmd_unsubscribe(args: argparse.Namespace) -> int:
    from termreader.web.sync import unsubscribe

    if not unsubscribe(open_library(args), args.url):
        error(f"not subscribed to {args.url}")
        return 1
    print(f"unsubscribed from {clean_line(args.url)}")
    return 0


def cmd_subscriptions(args: argparse.Namespace) -> int:
    from termreader.web.sync import subscriptions

    items = subscriptions(open_library(args))
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
    except OSError as exc:
        error(f"{args.file}: cannot read: {exc.strerror or exc}")
        return 1
    try:
        feeds = parse_opml(data)
        library = open_library(args)
        before = {s for s in library.kv_all("subscriptions")}
        for feed in feeds:
            add_subscription(library, feed.url, feed.title)
    except TermreaderError as exc:
        error(f"{args.file}: {exc}")
        return 1
    new = sum(1 for f in feeds if f.url not in before)
    print(
        f"{new} new subscriptions ({len(feeds)} feeds in {clean_line(path.name)}); run `termreader sync`"
    )
    return 0


def cmd_export_opml(args: argparse.Namespace) -> int:
    from termreader.web.opml import OpmlFeed, export_opml
    from termreader.web.sync import subscriptions

    items = subscriptions(open_library(args))
    text = export_opml(OpmlFeed(url=s.url, title=s.title) for s in items)
    if not args.file or args.file == "-":
        sys.stdout.write(text)
        return 0
    path = Path(args.file).expanduser()
    temp = path.with_name(f".{path.name}.tmp")
    try:
        temp.write_text(text, encoding="utf-8")
        temp.replace(path)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        error(f"{args.file}: cannot write: {exc.strerror or exc}")
        return 1
    print(f"{len(items)} subscriptions written to {clean_line(str(path))}", file=sys.stderr)
    return 0
