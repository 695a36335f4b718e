"""The library's commands: ``add``, ``list``, ``show``, ``remove``, ``mark`` and ``config path``.

Scriptable, with stable JSON output; none of them imports Textual.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TextIO

from termreader import locations
from termreader.cli.common import (
    add_library_option,
    clean_json,
    error,
    import_ref,
    is_url,
    load_settings,
    looks_like_path,
    no_such_file,
    open_library,
)
from termreader.errors import IsAFeed, NotFound, TermreaderError
from termreader.models import PREFETCHED_TAG, Article, iso
from termreader.text.sanitize import clean, clean_line


def register(subparsers: Any) -> None:
    """Add the library's commands to the CLI's subparsers."""
    p = subparsers.add_parser(
        "add",
        help="import files, folders (recursively) or URLs (a feed URL is subscribed to and synced)",
    )
    add_library_option(p)
    p.add_argument("refs", nargs="+", metavar="PATH|URL")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_add)

    p = subparsers.add_parser("list", help="list the library, newest first")
    add_library_option(p)
    p.add_argument("--query", "-q", metavar="TEXT", help="match title, source and tags")
    p.add_argument("--unread", action="store_true", help="only unread articles")
    p.add_argument("--starred", action="store_true", help="only starred articles")
    p.add_argument(
        "--all",
        action="store_true",
        help="include related articles that sync prefetched for offline reading",
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_list)

    p = subparsers.add_parser("show", help="print an article")
    add_library_option(p)
    p.add_argument("ref", metavar="ID|URL|PATH")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON object")
    fmt.add_argument("--format", choices=("markdown", "text"), default=None, help="default: text")
    p.set_defaults(func=cmd_show)

    p = subparsers.add_parser("remove", help="remove articles")
    add_library_option(p)
    p.add_argument("refs", nargs="+", metavar="ID")
    p.set_defaults(func=cmd_remove)

    p = subparsers.add_parser(
        "prune", help="remove old articles that are read and not starred (keep_days setting)"
    )
    add_library_option(p)
    p.add_argument(
        "--older-than",
        type=int,
        metavar="DAYS",
        help="age in days past which articles go (default: the keep_days setting)",
    )
    p.add_argument("--unread-too", action="store_true", help="old unread articles go too")
    p.add_argument("--dry-run", action="store_true", help="say what would go; remove nothing")
    p.add_argument("--json", action="store_true", help="one JSON object per article pruned")
    p.set_defaults(func=cmd_prune)

    p = subparsers.add_parser("mark", help="mark articles read, unread, starred or unstarred")
    add_library_option(p)
    p.add_argument("refs", nargs="+", metavar="ID")
    for flag, help_text in (
        ("--read", "mark read"),
        ("--unread", "mark unread"),
        ("--star", "star (keep: never pruned, listed by list --starred)"),
        ("--unstar", "take the star off"),
    ):
        p.add_argument(flag, action="store_true", help=help_text)
    p.set_defaults(func=cmd_mark)

    p = subparsers.add_parser("config", help="settings")
    add_library_option(p)
    config_sub = p.add_subparsers(title="config commands", metavar="ACTION", required=True)
    q = config_sub.add_parser("path", help="print the settings file path")
    add_library_option(q)
    q.set_defaults(func=cmd_config_path)


# --- JSON and text forms ---------------------------------------------------------------------------
def list_record(article: Article) -> dict[str, Any]:
    """The JSON form of an article in ``list --json`` and ``add --json``."""
    return {
        "id": article.id,
        "title": article.title,
        "url": article.url,
        "source": article.source,
        "published": iso(article.published),
        "date_source": article.date_source,
        "fetched": iso(article.fetched),
        "language": article.language,
        "kind": article.kind,
        "tags": list(article.tags),
        "unread": article.unread,
        "finished": article.finished,
        "starred": article.starred,
    }


def show_record(article: Article) -> dict[str, Any]:
    """The JSON form of ``show --json``."""
    from termreader.text.plaintext import markdown_to_text
    from termreader.text.readtime import reading_minutes

    record = list_record(article)
    record.update(
        {
            # Stored with the article; counted here for one stored before it was counted.
            "reading_minutes": article.reading_minutes or reading_minutes(article.body),
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
    print(json.dumps(clean_json(record), ensure_ascii=False), file=out or sys.stdout)


def _date(article: Article) -> str:
    stamp = article.published or article.fetched
    return stamp.strftime("%Y-%m-%d") if stamp else " " * 10


# --- commands ----------------------------------------------------------------------------------
def cmd_add(args: argparse.Namespace) -> int:
    """``add PATH|URL ...``: import each; one failure does not stop the others.

    A feed (told by its content) is not an article: a feed URL is subscribed to and synced, a
    feed file's entries are imported once (see :func:`_add_feed`).
    """
    from termreader.library.ingest import store_article

    library = open_library(args)
    failed = 0
    for ref in args.refs:
        if not is_url(ref) and Path(ref).expanduser().is_dir():
            failed += _add_folder(library, Path(ref).expanduser(), as_json=args.json)
            continue
        try:
            if is_url(ref):
                article = _save_url(library, ref)
            else:
                article = store_article(library, import_ref(ref))
        except IsAFeed as feed:
            try:
                failed += _add_feed(library, ref, feed, as_json=args.json)
            except TermreaderError as exc:
                error(str(exc))
                failed += 1
            continue
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


def _add_folder(library: Any, root: Path, *, as_json: bool) -> int:
    """``add DIR``: every Markdown, text and HTML file under it (see
    :mod:`termreader.library.folder`), with progress on stderr when that is a terminal.
    Returns how many files failed."""
    from termreader.library.folder import import_folder

    show = sys.stderr.isatty()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        now = time.monotonic()
        if show and (done == total or now - last[0] >= 0.1):
            last[0] = now
            sys.stderr.write(f"\r{done}/{total} files imported")
            sys.stderr.flush()

    try:
        result = import_folder(library, root, progress=progress)
    finally:
        if show:
            sys.stderr.write("\n")
    for reason in result.failed:
        error(reason)
    failed = len(result.failed)
    for article in result.stored:
        if as_json:
            _print_json(list_record(article))
        else:
            print(f"{article.id}  {clean_line(article.title)}")
    for path, feed in result.feeds:
        try:
            failed += _add_feed(library, path, feed, as_json=as_json)
        except TermreaderError as exc:
            error(str(exc))
            failed += 1
    sys.stdout.flush()
    return failed


def _add_feed(library: Any, ref: str, feed: IsAFeed, *, as_json: bool) -> int:
    """``add FEED``: subscribe to a feed URL and sync it; take a feed file's entries once.

    A file is not subscribed: subscriptions are URLs that ``sync`` fetches again. Prints one
    line (or one JSON object); returns 1 when the feed's first sync failed, else 0.
    """
    from termreader.web.fetch import FetchResult
    from termreader.web.sync import import_feed_file, subscribe_and_sync_blocking

    if is_url(ref):
        fetched = feed.fetched if isinstance(feed.fetched, FetchResult) else None
        done = subscribe_and_sync_blocking(library, ref, settings=load_settings(), fetched=fetched)
    else:
        path = feed.source or str(Path(ref).expanduser().resolve())
        done = import_feed_file(library, path)
    if as_json:
        record = {
            "feed": done.url,
            "title": done.title,
            "subscribed": done.subscribed,
            "added": done.added,
            "failed": done.failed or None,
        }
        _print_json(record)
    else:
        print(done.summary())
    sys.stdout.flush()
    return 1 if done.failed else 0


def _save_url(library: Any, url: str) -> Article:
    """``add URL``: fetch, store, and keep the page as a saved URL that ``sync`` refreshes.

    The article is keyed by the final URL after redirects (see ``termreader.web.sync.save_url``).
    """
    from termreader.web.sync import save_url_sync

    try:
        return save_url_sync(library, url, settings=load_settings())
    except TermreaderError as exc:
        # Fetch errors name the host, not the URL: with several refs, say which one failed.
        if url not in str(exc):
            exc.args = (f"{url}: {exc}",)
        raise


def cmd_list(args: argparse.Namespace) -> int:
    """``list [--query TEXT] [--unread] [--starred] [--all]``: newest first.

    Articles prefetched by ``sync`` only because another article lists them as related are
    hidden unless ``--all``: the reader did not ask for them (they still open by id or URL).

    Rows are written as the library yields them (newest segments first), so the first row of
    a big library comes at once.
    """
    # Every record read lives to the end of the listing and a listing makes no cycles: the
    # collector's passes over the growing heap of records would be all cost.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        _write_list(args, sys.stdout.write)
    finally:
        if was_enabled:
            gc.enable()
    return 0


def _write_list(args: argparse.Namespace, write: Callable[[str], object]) -> None:
    library = open_library(args, lazy=True)
    records = library.stream(
        args.query or None,
        unread=True if args.unread else None,
        starred=True if args.starred else None,
    )
    if not args.all:
        records = (r for r in records if PREFETCHED_TAG not in r.get("tags", ()))
    _write_rows(records, args.json, write)


def _write_rows(
    records: Iterable[dict[str, Any]], as_json: bool, write: Callable[[str], object]
) -> None:
    """``list``'s rows of index ``records``: JSON objects, or one line of text each."""
    from termreader.cli.rows import json_rows
    from termreader.library.queries import list_fields

    if as_json:
        for rows in json_rows(records):
            write(rows)
        return
    for record in records:
        write(_human_row(list_fields(record)) + "\n")


def _human_row(fields: dict[str, Any]) -> str:
    mark = ("*" if fields["unread"] else " ") + ("+" if fields["starred"] else " ")
    # Stored dates are ISO text in the article's own zone: its first ten characters are the
    # date that zone shows, as _date prints it.
    stamp = fields["published"] or fields["fetched"] or ""
    date = stamp[:10] if len(stamp) >= 10 else " " * 10
    source = f"  ({clean_line(fields['source'])})" if fields["source"] else ""
    return f"{fields['id']}  {mark} {date}  {clean_line(fields['title'])}{source}"


def cmd_show(args: argparse.Namespace) -> int:
    """``show ID|URL|PATH``: the article as JSON, Markdown or plain text."""
    library = open_library(args)
    try:
        article = library.get(library.resolve(args.ref).id)
    except NotFound:
        # A file or URL that is not in the library is shown without storing it.
        if not (is_url(args.ref) or Path(args.ref).expanduser().is_file()):
            if looks_like_path(args.ref) and not Path(args.ref).expanduser().exists():
                raise no_such_file(args.ref) from None
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


def cmd_prune(args: argparse.Namespace) -> int:
    """``prune [--older-than DAYS] [--unread-too] [--dry-run] [--json]``: see
    :mod:`termreader.library.prune`. Lists what goes (``list`` rows), then a summary line
    (on stderr with ``--json``, so the output stays one object per line)."""
    from termreader.library.prune import prune

    days = args.older_than if args.older_than is not None else load_settings().keep_days
    if days < 1:
        error("prune: say how old: --older-than DAYS (at least 1), or keep_days in config.toml")
        return 2
    library = open_library(args, seed_samples=False, lazy=True)
    report = prune(library, days, unread_too=args.unread_too, dry_run=args.dry_run)
    _write_rows(report.removed, args.json, sys.stdout.write)
    print(report.summary(), file=sys.stderr if args.json else sys.stdout)
    return 0


def cmd_config_path(args: argparse.Namespace) -> int:
    """``config path``: where the settings file lives."""
    print(locations.config_file())
    return 0


def cmd_mark(args: argparse.Namespace) -> int:
    """``mark ID... --read|--unread|--star|--unstar``: reading state for scripts.

    ``--read``/``--unread`` and ``--star``/``--unstar`` may be combined (one of each pair);
    each article is reported on one line, a missing one is an error that does not stop the rest.
    """
    if args.read and args.unread or args.star and args.unstar:
        error("mark: --read and --unread (or --star and --unstar) contradict each other")
        return 2
    if not (args.read or args.unread or args.star or args.unstar):
        error("mark: say what to mark: --read, --unread, --star or --unstar")
        return 2
    library = open_library(args, seed_samples=False)
    failed = 0
    done = [
        name
        for name, wanted in (
            ("read", args.read),
            ("unread", args.unread),
            ("starred", args.star),
            ("unstarred", args.unstar),
        )
        if wanted
    ]
    for ref in args.refs:
        try:
            article = library.resolve(ref)
            if args.read or args.unread:
                library.set_unread(article.id, bool(args.unread))
            if args.star or args.unstar:
                library.set_starred(article.id, bool(args.star))
        except TermreaderError as exc:
            error(str(exc))
            failed += 1
            continue
        print(f"{' and '.join(done)} {article.id}  {clean_line(article.title)}")
    return 1 if failed else 0
