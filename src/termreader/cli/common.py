"""What every command module of the CLI shares: error lines, ``--library``, opening references."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from termreader import locations
from termreader.errors import FetchError, ImportFailed, NotFound
from termreader.models import Article
from termreader.text.sanitize import clean, clean_line

PROG = "termreader"


def error(message: str) -> None:
    """Print one sanitized line on stderr: ``termreader: message``."""
    print(f"{PROG}: {clean_line(str(message))}", file=sys.stderr)


def add_library_option(parser: argparse.ArgumentParser) -> None:
    """``--library`` after a subcommand; SUPPRESS keeps it from overwriting a value given before."""
    parser.add_argument(
        "--library", metavar="DIR", default=argparse.SUPPRESS, help="the library folder to use"
    )


def open_library(args: argparse.Namespace, *, seed_samples: bool = True, lazy: bool = False) -> Any:
    """Open the library chosen by ``--library`` / ``$TERMREADER_HOME`` and print its notices
    (``lazy``: see :meth:`termreader.library.store.Library.open`).

    Raises:
        StoreError: the library cannot be opened.
    """
    from termreader.library.seeding import open_seeded
    from termreader.library.store import Library

    home = locations.library_dir(getattr(args, "library", None))
    library = open_seeded(home, lazy=lazy) if seed_samples else Library.open(home, lazy=lazy)
    for notice in library.notices:
        error(notice)
    library.notices.clear()
    return library


def load_settings() -> Any:
    """The user's settings (:func:`termreader.config.load`)."""
    from termreader.config import load

    return load()


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


def no_such_file(ref: str) -> NotFound:
    """The one error for a path that does not exist (``add``, ``open``, ``show``)."""
    return NotFound(f"no such file: {ref}")


def looks_like_path(ref: str) -> bool:
    """True for a reference written as a file path (``/x``, ``./x``, ``~/x``, ``dir/x``,
    ``notes.md``) rather than an article id (hex) or a URL."""
    if is_url(ref):
        return False
    return "/" in ref or "\\" in ref or ref.startswith(("~", ".")) or Path(ref).suffix != ""


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
        raise no_such_file(ref)
    if path.is_dir():
        raise ImportFailed(f"{ref}: is a directory")
    return importers.import_path(path)


def clean_json(value: Any, *, multiline: bool = False) -> Any:
    """``value`` for ``--json`` output with every string as ``clean_line`` leaves it (``text``
    and ``markdown`` values as ``clean`` does). Defence in depth: stored text is clean already,
    but old libraries may not be."""
    if isinstance(value, str):
        return clean(value) if multiline else clean_line(value)
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    if isinstance(value, dict):
        return {k: clean_json(v, multiline=k in ("text", "markdown")) for k, v in value.items()}
    return value
