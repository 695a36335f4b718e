"""Pruning: dropping the articles a reader is done with once they are old, so a library of years
of feeds stays the size of what is still wanted (newsboat's ``keep-articles-days``).

An article goes when its date (published, else fetched) is older than the cut-off and it is
read. Starred articles are kept whatever their age; unread ones too, unless asked, except the
related pages ``sync`` prefetched that were never opened: the reader never asked for those.
A feed entry once taken is remembered by its feed (``feed_entries``), so a pruned article does
not come back with the next sync.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from termreader.library.store import Library
from termreader.models import PREFETCHED_TAG

DAY = 86400.0


@dataclass(slots=True)
class PruneReport:
    """What a prune removed (or, for a dry run, would remove) and what it kept back.

    Attributes:
        days: The age, in days, past which articles were pruned.
        removed: The index records of the articles removed, newest first.
        kept_starred: Articles old enough that were kept because they are starred.
        kept_unread: Articles old enough that were kept because they are unread.
        dry_run: True when nothing was removed.
    """

    days: int
    removed: list[dict[str, Any]] = field(default_factory=list)
    kept_starred: int = 0
    kept_unread: int = 0
    dry_run: bool = False

    def summary(self) -> str:
        """One line for the terminal."""
        verb = "would prune" if self.dry_run else "pruned"
        count = len(self.removed)
        kept = []
        if self.kept_starred:
            kept.append(f"{self.kept_starred} starred")
        if self.kept_unread:
            kept.append(f"{self.kept_unread} unread")
        text = f"{verb} {count} article{'s' if count != 1 else ''} older than {self.days} days"
        return text + (f" (kept {', '.join(kept)})" if kept else "")


def prune(
    library: Library,
    days: int,
    *,
    unread_too: bool = False,
    dry_run: bool = False,
    now: float | None = None,
) -> PruneReport:
    """Remove the articles older than ``days`` days that are read and not starred (unread ones
    too with ``unread_too``; never starred ones). One journal write for all of them.

    Raises:
        ValueError: ``days`` is less than 1.
        StoreError: the library cannot be written.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    cutoff = (time.time() if now is None else now) - days * DAY
    report = PruneReport(days, dry_run=dry_run)
    for record in library.older_than(cutoff):  # (undated articles are never among them)
        if record.get("starred", False):
            report.kept_starred += 1
            continue
        unread = bool(record.get("unread", True))
        if unread and not unread_too and PREFETCHED_TAG not in record.get("tags", ()):
            report.kept_unread += 1
            continue
        report.removed.append(record)
    if report.removed and not dry_run:
        library.remove_many(record["id"] for record in report.removed)
    return report
