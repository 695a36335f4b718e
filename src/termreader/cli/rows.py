"""The JSON rows of ``termreader list --json``, written straight from index records.

``json.dumps(list_fields(record))`` per row, with each text field checked by ``clean_line``,
was most of a 100,000-row listing. :func:`json_row` writes the same bytes from the record with
the C string encoder and checks the finished line once: the checks below find every character
and every space ``clean_line`` would change, so a line that passes is the one the slow path
would have written, and any other line takes the slow path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any

from termreader.cli.common import clean_json
from termreader.library.queries import list_fields

_DUMPS = json.JSONEncoder(ensure_ascii=False).encode

# What clean_line would change, as it shows in a line encoded with ", " and ": " separators:
# - a character clean() removes: C0 controls come out as backslash escapes (any backslash
#   counts: a title with a real one only costs its row the slow path); DEL, C1, bidi, the line
#   separators, the BOM and lone surrogates come out raw;
# - whitespace other than the space (clean_line folds it to one);
# - two spaces, a space after an opening quote (separators never put one there), or before a
#   closing quote (one that is followed by a comma or a bracket: no string ends a row).
# An ASCII line (the common one, checked at C speed) can only hold the backslash, DEL and the
# spaces; the character class is scanned for the others.
_UNCLEAN_CHARS = re.compile(
    # clean()'s removals past ASCII, then the rest of str.isspace() past ASCII.
    "[\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029\ufeff\ud800-\udfff"
    "\x85\xa0\u1680\u2000-\u200a\u202f\u205f\u3000]"
)


def _unclean(line: str) -> bool:
    return (
        "\\" in line
        or "\x7f" in line
        or "  " in line
        or '" ' in line
        or ' ",' in line
        or ' "]' in line
        or (not line.isascii() and _UNCLEAN_CHARS.search(line) is not None)
    )


BATCH = 256
"""Rows checked and written together: one scan of their joined text finds a clean batch."""


def json_rows(records: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The JSON lines (each ending in a newline) of ``records``' listings
    (:func:`termreader.library.queries.list_fields`), every text field as ``clean_line``
    leaves it; yielded a batch of rows at a time."""
    batch: list[dict[str, Any]] = []
    lines: list[str] = []
    for record in records:
        batch.append(record)
        lines.append(_encoded_or_slow(record))
        if len(batch) >= BATCH:
            yield _checked(batch, lines)
            batch, lines = [], []
    if batch:
        yield _checked(batch, lines)


def json_row(record: dict[str, Any]) -> str:
    """One row of :func:`json_rows` (without its newline)."""
    return _checked([record], [_encoded_or_slow(record)])[:-1]


def _encoded_or_slow(record: dict[str, Any]) -> str:
    try:
        return _encoded(record)
    except (TypeError, AttributeError):  # a field of an unexpected type: the general path
        return _slow_row(record)


def _checked(records: list[dict[str, Any]], lines: list[str]) -> str:
    text = "\n".join(lines)
    if _unclean(text):  # (the newlines joining the lines are no mark of anything)
        text = "\n".join(
            _slow_row(record) if _unclean(line) else line
            for record, line in zip(records, lines, strict=True)
        )
    return text + "\n"


def _slow_row(record: dict[str, Any]) -> str:
    return _DUMPS(clean_json(list_fields(record)))


def _encoded(record: dict[str, Any]) -> str:
    s = encode_basestring
    get = record.get
    published = get("published")
    fetched = get("fetched")
    # The LISTED_STATE flags close the line, with their defaults (a test holds all of this
    # to list_fields).
    return (
        f'{{"id": {s(record["id"])}, "title": {s(get("title", ""))}, '
        f'"url": {s(get("url", ""))}, "source": {s(get("source", ""))}, '
        f'"published": {s(published) if published else "null"}, '
        f'"date_source": {s(get("date_source", ""))}, '
        f'"fetched": {s(fetched) if fetched else "null"}, '
        f'"language": {s(get("language", ""))}, "kind": {s(get("kind", "markdown"))}, '
        f'"tags": [{", ".join(map(s, get("tags", ())))}], '
        f'"unread": {"true" if get("unread", True) else "false"}, '
        f'"finished": {"true" if get("finished", False) else "false"}, '
        f'"starred": {"true" if get("starred", False) else "false"}}}'
    )
