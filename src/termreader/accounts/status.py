"""The reader's one-line account status: when each account last synced and how many changes wait."""

from __future__ import annotations

from datetime import datetime

from termreader.accounts import queue, registry
from termreader.library.store import Library
from termreader.text.sanitize import clean_line


def _when(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp).astimezone()
    except ValueError:
        return "never"
    today = datetime.now().astimezone().date()
    return moment.strftime("%H:%M" if moment.date() == today else "%Y-%m-%d %H:%M")


class AccountsStatus:
    """The line and the count of waiting changes behind it, kept up to date one mark at a time
    (counting the whole queue reads every entry record: too slow for a key press at thousands
    of entries)."""

    def __init__(self) -> None:
        self.waiting = 0

    def refresh(self, library: Library) -> str:
        """Count everything again (at start and after a sync); returns the line."""
        self.waiting = queue.waiting(library)
        return status_line(library, self.waiting)

    def read_changed(self, library: Library, article_id: str, was_unread: bool) -> str | None:
        """An article was marked read or unread here: the new line, or None when it is no
        account's entry (nothing changed)."""
        record = library.kv_get(registry.ENTRIES, article_id)
        if record is None:
            return None
        agreed = queue.agreed(record)["unread"]
        now_unread = library.brief(article_id).unread
        self.waiting += int(now_unread != agreed) - int(was_unread != agreed)
        self.waiting = max(0, self.waiting)
        return status_line(library, self.waiting)


def status_line(library: Library, waiting: int | None = None) -> str:
    """``""`` without accounts; else e.g. ``"cs synced 14:02 · 3 changes waiting"``
    (``waiting`` counted from the queue when not given)."""
    accounts = registry.accounts(library)
    if not accounts:
        return ""
    parts = []
    for account in accounts:
        text = f"{account.name} synced {_when(account.last_sync) if account.last_sync else 'never'}"
        if account.last_error:
            text += " (last sync failed)"
        parts.append(clean_line(text))
    if waiting is None:
        waiting = queue.waiting(library)
    if waiting:
        parts.append(f"{waiting} change{'s' if waiting != 1 else ''} waiting")
    return " · ".join(parts)
