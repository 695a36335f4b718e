"""``termreader list --json`` rows: written straight from index records, the same as the
general path (``list_fields`` + ``clean_line`` + ``json.dumps``) for any record."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from termreader.cli.rows import BATCH, json_row, json_rows
from termreader.library.queries import list_fields
from termreader.text.sanitize import FORBIDDEN, clean_line

# Text that exercises every rule of the fast check: controls, DEL, C1, bidi, separators, the
# BOM, surrogates, odd whitespace, spaces at the ends and doubled, quotes and backslashes.
_TRICKY = st.sampled_from(
    [
        " a",
        "a ",
        "a  b",
        "a\tb",
        "a\nb",
        "\x1b[31mred",
        "\x7f",
        "\x85",
        "\x9b2J",
        "\u202eevil",
        "\u2028",
        "\ufeff",
        "\ud83d",
        "\u3000全角",
        "\xa0nbsp",
        'say "hi" ',
        "back\\slash",
        "\\n",
        ", x",
        '"',
        "催收措施",
        "",
    ]
)
_TEXT = st.text(max_size=20) | _TRICKY
_RECORD = st.fixed_dictionaries(
    {"id": st.text(alphabet="0123456789abcdef", min_size=16, max_size=16)},
    optional={
        "title": _TEXT,
        "url": _TEXT,
        "source": _TEXT,
        "published": st.none() | st.just("") | _TEXT,
        "date_source": _TEXT,
        "fetched": st.none() | _TEXT,
        "language": _TEXT,
        "kind": _TEXT,
        "tags": st.lists(_TEXT, max_size=3),
        "unread": st.booleans() | st.none(),
        "finished": st.booleans(),
        "starred": st.booleans(),
        "position": st.just({"anchor": "", "offset": 3, "percent": 0.5}),
        "body_fp": st.just("12-abc"),
    },
)


def _general(record: dict[str, Any]) -> str:
    fields = list_fields(record)
    for key, value in fields.items():
        if isinstance(value, str):
            fields[key] = clean_line(value)
        elif isinstance(value, list):
            fields[key] = [clean_line(v) for v in value]
    return json.dumps(fields, ensure_ascii=False)


@settings(max_examples=400)
@given(_RECORD)
@example({"id": "0123456789abcdef", "tags": ["news", "last tag "]})
@example({"id": "0123456789abcdef", "title": " lead", "source": "tail "})
@example({"id": "0123456789abcdef", "title": "C0 \x07 and DEL \x7f", "url": "\u202e"})
def test_a_row_is_the_general_listing_of_its_record(record: dict[str, Any]) -> None:
    """The fast row must never let through what clean_line would change (a control, a bidi
    override, a doubled or edge space), and must be the same line otherwise."""
    row = json_row(record)
    assert row == _general(record)
    assert not FORBIDDEN.intersection(row)


@settings(max_examples=60)
@given(st.lists(_RECORD, max_size=BATCH + 40))
def test_batches_clean_only_their_unclean_rows(records: list[dict[str, Any]]) -> None:
    """A batch holding one dirty row is written with every row right, in order."""
    text = "".join(json_rows(records))
    assert text == "".join(_general(record) + "\n" for record in records)


def test_a_field_of_an_unexpected_type_takes_the_general_path() -> None:
    """An old library's record with a number for a title or tag lists as it always did."""
    record = {"id": "0123456789abcdef", "title": 42, "tags": ["a", 7], "unread": False}
    row = json.loads(json_row(record))
    assert row["title"] == 42 and row["tags"] == ["a", 7] and row["unread"] is False
