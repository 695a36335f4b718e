"""The offline queue: local read/unread/star/unstar changes not yet sent to the account's server.

The queue is not a second log fed by every place that marks an article: it is the difference
between the library's own reading state and the state last agreed with the server
(``account_entries``). A change is queued the moment the store has it: the store's journal
line is fsync'd before ``set_unread``/``set_starred`` return, so a change survives a crash, and
every path that marks (the reader, ``termreader mark``, whatever comes later) feeds the queue
without a hook. Sending a change and then recording the new agreed state removes it; a crash in
between sends it once more next time, which is harmless (marking read twice is still read).

Conflicts follow from the same three states (local, agreed, server): a local change not yet sent
(local differs from agreed) wins over the server's state for that entry; once sent (local equals
agreed), the server is the truth again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from termreader.accounts.kinds import Change
from termreader.accounts.registry import ENTRIES
from termreader.library.store import Library


@dataclass(slots=True)
class Pending:
    """An entry whose local state differs from what the server last agreed to."""

    article_id: str
    record: dict[str, Any]
    local: dict[str, bool]

    def changes(self) -> list[Change]:
        """The actions that bring the server to the local state."""
        out: list[Change] = []
        rid = str(self.record.get("r", ""))
        if self.local["unread"] != bool(self.record.get("u", True)):
            out.append(Change(rid, "unread" if self.local["unread"] else "read"))
        if self.local["starred"] != bool(self.record.get("s", False)):
            out.append(Change(rid, "star" if self.local["starred"] else "unstar"))
        return out


def agreed(record: dict[str, Any]) -> dict[str, bool]:
    """The state of an entry record last agreed with the server."""
    return {"unread": bool(record.get("u", True)), "starred": bool(record.get("s", False))}


def pending(
    library: Library,
    account: str | None = None,
    entries: dict[str, dict[str, Any]] | None = None,
) -> list[Pending]:
    """Entries of ``account`` (every account when None) with changes waiting to be sent.

    An entry whose article was removed from the library has nothing to send.
    """
    table = entries if entries is not None else library.kv_all(ENTRIES)
    mine = {k: v for k, v in table.items() if account is None or v.get("a") == account}
    local = library.states(mine)
    return [
        Pending(key, mine[key], state) for key, state in local.items() if state != agreed(mine[key])
    ]


def waiting(
    library: Library,
    account: str | None = None,
    entries: dict[str, dict[str, Any]] | None = None,
) -> int:
    """How many changes wait to be sent (read/unread and star/unstar count one each)."""
    return sum(len(p.changes()) for p in pending(library, account, entries))
