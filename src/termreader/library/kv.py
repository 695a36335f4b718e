"""Small named key-value tables kept in the library index (subscriptions, HTTP validators...)."""

from __future__ import annotations

import json
from typing import Any

from termreader.errors import StoreError
from termreader.library.files import ID_RE
from termreader.library.index import Index


def _check_table(table: str) -> str:
    if not table or not ID_RE.match(table):
        raise StoreError(f"invalid table name {table!r}")
    return table


class KVTables:
    """The kv tables of one library index: each write is one journal line.

    Records are JSON objects; readers get copies, so changing one changes nothing stored.
    """

    def __init__(self, index: Index) -> None:
        self._index = index

    def get(self, table: str, key: str) -> dict[str, Any] | None:
        """A record, or None."""
        self._index.refresh(partial=True)  # the tables live in the manifest
        value = self._index.tables.get(_check_table(table), {}).get(key)
        return json.loads(json.dumps(value)) if value is not None else None

    def put_many(self, table: str, values: dict[str, dict[str, Any]]) -> None:
        """Insert or replace records with one write. ``values`` must be JSON-ready."""
        _check_table(table)
        if not values:
            return
        index = self._index
        with index.locked():
            index.refresh(partial=True)
            index.append([{"kv": table, "k": str(k), "v": dict(v)} for k, v in values.items()])
            index.maybe_compact()

    def delete(self, table: str, key: str) -> None:
        """Delete a record (no error when absent)."""
        _check_table(table)
        index = self._index
        with index.locked():
            index.refresh(partial=True)
            if key in index.tables.get(table, {}):
                index.append([{"kv": table, "k": key, "v": None}])
                index.maybe_compact()

    def delete_many(self, table: str, keys: list[str]) -> None:
        """Delete records with one write (no error for keys that are absent)."""
        _check_table(table)
        index = self._index
        with index.locked():
            index.refresh()
            present = index.tables.get(table, {})
            lines = [{"kv": table, "k": key, "v": None} for key in keys if key in present]
            if lines:
                index.append(lines)
                index.maybe_compact()

    def all(self, table: str) -> dict[str, dict[str, Any]]:
        """Every record of a table, by key."""
        self._index.refresh(partial=True)
        return json.loads(json.dumps(self._index.tables.get(_check_table(table), {})))
