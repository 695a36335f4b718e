"""``termreader search``: full-text search of the library, best first, one snippet per result.

Like grep, it prints nothing and exits with 1 when nothing matches, so scripts can test it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from termreader.cli.common import add_library_option, error, open_library
from termreader.text.sanitize import clean_line


def register(subparsers: Any) -> None:
    """Add ``search`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "search",
        help="find articles by their text (title, body, source, tags), best first",
        description='Words are ANDed; a "quoted phrase" matches as written (across line breaks '
        "too); a word matches the start of a word, CJK text anywhere. Exits with 1 when "
        "nothing matches.",
    )
    add_library_option(p)
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument(
        "--limit", "-n", type=int, default=20, metavar="N", help="at most N results (default 20)"
    )
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    p.set_defaults(func=cmd_search)


def hit_record(hit: Any) -> dict[str, Any]:
    """The JSON form of a result: the article's fields, the snippet and where its matches are
    (``matches``: [start, end) character offsets in ``snippet``)."""
    snippet = hit.snippet
    return {
        "id": hit.id,
        "title": clean_line(hit.title),
        "source": clean_line(hit.source),
        "date": hit.date,
        "snippet": clean_line(snippet.text),
        "field": hit.field,
        "matches": [[start, end] for start, end in snippet.spans],
    }


def _human(hit: Any) -> str:
    date = hit.date[:10] if hit.date else " " * 10
    source = f"  ({clean_line(hit.source)})" if hit.source else ""
    line = f"{hit.id}  {date}  {clean_line(hit.title)}{source}"
    # Marks are placed on the stored text, which is clean already; cleaning the marked line
    # keeps the offsets meaningful only for --json, which reports them on the unmarked text.
    return f"{line}\n    {clean_line(hit.snippet.marked())}" if hit.snippet.text else line


def cmd_search(args: argparse.Namespace) -> int:
    """``search QUERY... [--json] [--limit N]``: 0 with results, 1 without (nothing printed)."""
    query = " ".join(args.query)
    if not query.strip() or args.limit < 1:
        error("search needs a query and a --limit of at least 1")
        return 2
    library = open_library(args)
    hits = library.search(query, limit=args.limit)
    out = sys.stdout
    for hit in hits:
        if args.json:
            out.write(json.dumps(hit_record(hit), ensure_ascii=False) + "\n")
        else:
            out.write(_human(hit) + "\n")
    return 0 if hits else 1
