"""Durable writes for the library: atomic file replacement, fsync'd folders, compact JSON."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from termreader.errors import StoreError


def describe_oserror(error: OSError, what: str) -> str:
    """A one-line, user-facing description of a failed write."""
    if error.errno == errno.ENOSPC or error.errno == errno.EDQUOT:
        reason = "the disk is full"
    elif error.errno in (errno.EROFS,):
        reason = "the library folder is read-only"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = error.strerror or str(error)
    return f"cannot write {what}: {reason}"


def fsync_dir(directory: Path) -> None:
    """Make a rename durable. Some filesystems refuse fsync on directories; that is harmless."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes, *, sync_dir: bool = True) -> None:
    """Replace ``path`` with ``data`` atomically: temp file in the same folder, fsync, rename.

    ``sync_dir=False`` leaves the folder's fsync (which makes the rename durable) to the caller,
    who writes many files and syncs the folder once.

    Raises:
        StoreError: the file could not be written; ``path`` is unchanged and no temp file remains.
    """
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise StoreError(describe_oserror(error, str(path))) from error
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    if sync_dir:
        fsync_dir(path.parent)


OPEN_AT_ONCE = 256
"""Files :func:`atomic_write_many` holds open at a time."""
FSYNC_THREADS = 32
"""Files flushed at once by :func:`atomic_write_many`: the filesystem commits concurrent
flushes together, where one after another each waits for its own disk write."""


def atomic_write_many(items: list[tuple[Path, bytes]]) -> None:
    """:func:`atomic_write` for many files, durable together: every temp file is written, then
    all are flushed at once (threads: ``fsync`` releases the GIL), then renamed, then each
    folder is flushed once. A crash leaves each file old or new, never torn.

    Raises:
        StoreError: a file could not be written; no temp file remains (files renamed before
        the failure stay replaced: the caller undoes them).
    """
    if len(items) <= 1:
        for path, data in items:
            atomic_write(path, data)
        return
    from concurrent.futures import ThreadPoolExecutor

    temps: list[tuple[str, Path]] = []
    try:
        with ThreadPoolExecutor(FSYNC_THREADS) as pool:
            # In groups: each holds its files open until they are flushed, and a process may
            # have only so many open at once.
            for begin in range(0, len(items), OPEN_AT_ONCE):
                handles: list[int] = []
                try:
                    for path, data in items[begin : begin + OPEN_AT_ONCE]:
                        fd, tmp = tempfile.mkstemp(
                            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent
                        )
                        temps.append((tmp, path))
                        handles.append(fd)
                        view = memoryview(data)
                        while view:
                            view = view[os.write(fd, view) :]
                    list(pool.map(os.fsync, handles))
                finally:
                    for fd in handles:
                        with contextlib.suppress(OSError):
                            os.close(fd)
        temps.reverse()  # renamed in order, popped from the end
        while temps:
            tmp, path = temps[-1]
            os.replace(tmp, path)
            temps.pop()
    except OSError as error:
        raise StoreError(describe_oserror(error, str(items[0][0].parent))) from error
    finally:
        for tmp, _ in temps:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
    for folder in {path.parent for path, _ in items}:
        fsync_dir(folder)


def dumps(data: Any) -> bytes:
    """Compact ASCII JSON (index and journal lines)."""
    # ensure_ascii: lone surrogates (undecodable file names) survive a round trip.
    return json.dumps(data, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def dumps_utf8(data: Any) -> bytes:
    """JSON as UTF-8 (body files: ``\\uXXXX`` escapes would make CJK bodies twice as large to
    write, gunzip and decode). Text with lone surrogates, which UTF-8 cannot hold, falls back to
    :func:`dumps`; readers take either form."""
    try:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return dumps(data)
