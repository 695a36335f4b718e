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


def status_line(library: Library) -> str:
    """``""`` without accounts; else e.g. ``"cs synced 14:02 · 3 changes waiting"``."""
    accounts = registry.accounts(library)
    if not accounts:
        return ""
    parts = []
    for account in accounts:
        text = f"{account.name} synced {_when(account.last_sync) if account.last_sync else 'never'}"
        if account.last_error:
            text += " (last sync failed)"
        parts.append(clean_line(text))
    waiting = queue.waiting(library)
    if waiting:
        parts.append(f"{waiting} change{'s' if waiting != 1 else ''} waiting")
    return " · ".join(parts)
