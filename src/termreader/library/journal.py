"""The journal (``state.jsonl``): append-only lines of small changes since the last compaction.

Rewriting a big library's whole index for every saved reading position would be slow;
appending one fsync'd line costs little whatever the library's size. A torn last line (a writer
killed mid-append) is never read, and is cut off before the next append.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from termreader.errors import StoreError
from termreader.library.atomic import atomic_write, describe_oserror, dumps, fsync_dir


class Journal:
    """Where this process has read the journal up to, and how to read, append and rewrite it.

    Callers hold the library lock for :meth:`append` and :meth:`rewrite`; :meth:`read` needs
    none (it stops before an incomplete line).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.ino: int | None = None
        self.offset = 0
        """Bytes read: the end of the last complete line seen."""
        self.lines = 0
        """Lines read or written since the journal was last rewritten."""
        self.snapshot_lines = 0
        """Lines at its start that only restate the index (see :meth:`rewrite`)."""
        self.carried = 0
        """Lines after the snapshot that a compaction carried over (see :meth:`rewrite`)."""
        self.head = b""
        """The journal's first line as read: a rewritten journal may get the inode just freed
        and be as long, but its first line (with a random token) differs."""

    def reset(self) -> None:
        """Read again from the start (the index was reloaded)."""
        self.ino = None
        self.offset = 0
        self.lines = 0
        self.snapshot_lines = 0
        self.carried = 0
        self.head = b""

    @property
    def fresh(self) -> int:
        """Lines written since the last compaction."""
        return self.lines - self.snapshot_lines - self.carried

    def read(self, apply: Callable[[dict[str, Any]], None], *, skip_snapshot: bool = True) -> bool:
        """Pass each entry not yet seen to ``apply``. Stops before an incomplete (torn) last line.

        ``skip_snapshot``: the lines that only restate the index (see :meth:`rewrite`) are
        stepped over unparsed; a rebuild of a lost index reads them.

        Returns False, applying nothing, when a compaction elsewhere rewrote the journal: its
        index is newer, so the caller reloads both.

        Raises:
            StoreError: the journal exists but cannot be read.
        """
        try:
            with open(self.path, "rb") as handle:
                st = os.fstat(handle.fileno())
                rewritten = st.st_ino != self.ino or st.st_size < self.offset
                if not rewritten and self.head and self.offset:
                    rewritten = os.pread(handle.fileno(), len(self.head), 0) != self.head
                if rewritten:
                    if self.ino is not None:
                        self.ino = None
                        return False
                    self.ino = st.st_ino
                    self.offset = 0
                if st.st_size == self.offset:
                    return True
                handle.seek(self.offset)
                chunk = handle.read(st.st_size - self.offset)
        except FileNotFoundError:
            self.ino = None
            self.offset = 0
            return True
        except OSError as error:
            raise StoreError(f"cannot read {self.path}: {error.strerror}") from error
        end = chunk.rfind(b"\n")
        if end < 0:
            return True
        start = 0
        if self.offset == 0:
            self.head = chunk[: chunk.find(b"\n") + 1]
        if self.offset == 0 and skip_snapshot:
            start = self._skip_snapshot(chunk, end)
        for line in chunk[start : end + 1].splitlines():
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (ValueError, UnicodeDecodeError):
                continue  # a torn line left by a crash, then trimmed: skip it
            if isinstance(entry, dict):
                apply(entry)
            self.lines += 1
        self.offset += end + 1
        return True

    def _skip_snapshot(self, chunk: bytes, end: int) -> int:
        """Where the lines after a snapshot start in ``chunk`` (0 without a snapshot header)."""
        head_end = chunk.find(b"\n")
        try:
            head = json.loads(chunk[:head_end])
            count, size = int(head["snapshot"]), int(head["bytes"])
            carried = max(0, int(head.get("carried", 0)))
        except (ValueError, TypeError, KeyError, AttributeError, UnicodeDecodeError):
            return 0
        after = head_end + 1 + size
        if size < 0 or after > end + 1 or (size and chunk[after - 1 : after] != b"\n"):
            return 0
        self.lines += count
        self.snapshot_lines = count
        self.carried = carried
        return after

    def append(self, entries: list[dict[str, Any]]) -> None:
        """Append entries with one write and one fsync (under the lock, just after a
        :meth:`read`, so ``offset`` is the end of the last complete line). On failure the
        journal is cut back to its previous end.

        Raises:
            StoreError: the line could not be written (the journal is as it was).
        """
        blob = b"".join(dumps(e) + b"\n" for e in entries)
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        except OSError as error:
            raise StoreError(describe_oserror(error, str(self.path))) from error
        try:
            st = os.fstat(fd)
            if st.st_ino != self.ino:
                # Just created (we hold the lock, so nobody else replaced it): make the new
                # directory entry durable too.
                self.ino = st.st_ino
                self.offset = 0
                fsync_dir(self.path.parent)
            if st.st_size > self.offset:
                # A torn line from a killed writer: cut it so the new line starts clean.
                os.ftruncate(fd, self.offset)
            try:
                view = memoryview(blob)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                # fdatasync: the data and the new size, without a separate mtime update.
                getattr(os, "fdatasync", os.fsync)(fd)
            except OSError as error:
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, self.offset)
                raise StoreError(describe_oserror(error, str(self.path))) from error
        finally:
            os.close(fd)
        if self.offset == 0:
            self.head = blob[: blob.find(b"\n") + 1]
        self.offset += len(blob)
        self.lines += len(entries)

    def rewrite(
        self, entries: list[dict[str, Any]], carried: list[dict[str, Any]] | None = None
    ) -> None:
        """Replace the journal (atomically) with a snapshot: a first line counting the lines
        of the snapshot and their bytes, then ``entries``, which restate what the index just
        written holds (read only to rebuild a lost index), then ``carried``: changes the index
        does not hold yet (read at every load).

        A failure is ignored: the index already holds everything, and the old journal replays
        harmlessly over it.
        """
        body = b"".join(dumps(entry) + b"\n" for entry in entries)
        carry = len(carried or ())
        head = dumps(
            {
                "snapshot": len(entries) + 1,
                "bytes": len(body),
                "carried": carry,
                "token": os.urandom(6).hex(),
            }
        )
        head += b"\n"
        tail = b"".join(dumps(entry) + b"\n" for entry in carried or ())
        blob = head + body + tail
        try:
            atomic_write(self.path, blob)
        except StoreError:
            return
        st = os.stat(self.path)
        self.ino = st.st_ino
        self.offset = st.st_size
        self.head = head
        self.snapshot_lines = len(entries) + 1
        self.carried = carry
        self.lines = self.snapshot_lines + carry
