"""Parsed stylesheets kept between runs: Textual parses every CSS source at each start.

Parsing our styles, the widgets' default CSS and Textual's own at each start of the reader
holds up the first screen. The parsed rule sets are pickled into the user's cache folder
(:func:`termreader.locations.cache_dir`, private to the user: a pickle is code, so it never lives in
a library folder, which may come from elsewhere) when the app exits, and handed back to Textual's
stylesheet at the next start (unpickling is far quicker than parsing).

A file is used only by the same Textual files, Python and theme variables (its name hashes them); each
entry is keyed by the CSS text itself, so an edited source is parsed again. Any problem reading or
writing the file means parsing as usual. This leans on ``Stylesheet._parse_cache``, a private
attribute: Textual is pinned to one minor version (see ``pyproject.toml``), and a Textual without it
simply gets no cache.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import zlib
from pathlib import Path
from typing import Any

import textual
import textual.css.model as textual_model
from textual.app import App

log = logging.getLogger(__name__)

FORMAT = 1
"""Bumped when what is pickled changes shape."""

DISABLE_ENV = "TERMREADER_NO_CSS_CACHE"
"""Set (to anything) to parse every stylesheet at each start, as Textual does."""


def _textual_stamp() -> tuple[object, ...]:
    """Which Textual is installed: its files' paths, sizes and times (``textual.__version__``
    reads the package metadata, a slow import at start-up)."""
    stamp: list[object] = []
    for module in (textual, textual_model):
        path = getattr(module, "__file__", None) or ""
        try:
            info = os.stat(path)
        except OSError:
            return ()
        stamp += [path, info.st_size, info.st_mtime_ns]
    return tuple(stamp)


def cache_file(folder: Path, app: App[Any]) -> Path:
    """The cache file for this Textual, Python and set of theme variables, in ``folder``."""
    variables = sorted(getattr(app.stylesheet, "_variables", {}).items())
    key = repr((FORMAT, _textual_stamp(), sys.version, variables)).encode("utf-8")
    digest = f"{zlib.crc32(key):08x}{zlib.adler32(key):08x}"
    return folder / f"styles-{digest}.pickle"


def load(app: App[Any], folder: Path | None) -> int:
    """Give ``app``'s stylesheet the rules parsed by an earlier run; returns how many sources."""
    cache = getattr(app.stylesheet, "_parse_cache", None)
    if folder is None or cache is None or os.environ.get(DISABLE_ENV):
        return 0
    try:
        entries = pickle.loads(cache_file(folder, app).read_bytes())
    except Exception:  # missing, damaged, or from a Textual whose classes changed: parse
        log.debug("stylesheet cache not loaded", exc_info=True)
        return 0
    if not isinstance(entries, dict):
        return 0
    for key, rules in entries.items():
        if isinstance(key, tuple) and isinstance(rules, list):
            cache[key] = rules
    return len(entries)


def save(app: App[Any], folder: Path | None, loaded: int) -> None:
    """Keep what ``app``'s stylesheet parsed, when it parsed more than it was given."""
    cache = getattr(app.stylesheet, "_parse_cache", None)
    if folder is None or cache is None or os.environ.get(DISABLE_ENV):
        return
    entries = {key: cache[key] for key in cache.keys()}
    if len(entries) <= loaded:
        return
    from termreader.library.atomic import atomic_write

    target = cache_file(folder, app)
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(target, pickle.dumps(entries, pickle.HIGHEST_PROTOCOL))
        for old in folder.glob("styles-*.pickle"):  # another Textual or theme: left behind
            if old != target:
                old.unlink(missing_ok=True)
    except Exception:  # a read-only home, a full disk, rules that do not pickle: no cache
        log.debug("stylesheet cache not saved", exc_info=True)
        return
