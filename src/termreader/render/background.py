"""Parse the rest of a big article in a child process, so the UI thread keeps the GIL to itself.

Opening an uncached big article shows the first chunk at once (:meth:`Builder.first`). Parsed
in a thread, the remaining chunks' pure-Python parse would hold the GIL while a key waits, so
:class:`ChildParser` runs the same :class:`Builder` in a child Python process; the parent only
reads frames from a pipe (without the GIL) and decodes them with :meth:`Block.from_list`.

Both sides of the pipe (the parent's :class:`ChildParser`, the child's :func:`run_child`) stay
in this one module, a little over 500 lines, so that they change together: the hello frame
checks that the child runs this very file.

Protocol (child stdout, every frame a 4-byte big-endian length then that many bytes of UTF-8
JSON, lone surrogates passed through as ``surrogatepass`` would):

* first a hello object ``{"protocol": 1, "version": DOC_VERSION, "package": folder,
  "source": fingerprint}``, so a child running other code (another copy of the package, or
  one upgraded on disk) or given a garbled body is refused;
* then one ``[blocks, links, done]`` array per chunk after the first ``skip`` chunks, where
  ``blocks`` are :meth:`Block.to_list` forms and ``links`` ``[title, url]`` pairs;
* then ``{"end": chunks}`` (chunks parsed in all), or ``{"error": message}`` if parsing failed.

The body goes to the child's stdin as UTF-8 (``surrogatepass``); ``skip`` and the chunk size
are arguments. Run ``python -m termreader.render.background --help`` for the child's side.
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from termreader.errors import TermreaderError
from termreader.models import Link
from termreader.render.chunks import CHUNK_SIZE
from termreader.render.model import DOC_VERSION, Block, fingerprint
from termreader.render.parser import Builder
from termreader.text.sanitize import clean_line

PROTOCOL = 1
"""Version of the frame protocol (in the child's hello frame)."""

DISABLE_ENV = "TERMREADER_NO_CHILD_PARSE"
"""Set to ``1`` to never parse in a child process (debugging, CI): :func:`parse_rest` gives None."""

ENABLED = True
"""Module switch (tests, embedding): False makes :func:`parse_rest` give None."""

NICE = 5
"""How much the child lowers its priority, so it never competes with the UI on a busy machine."""

MAX_FRAME = 256 * 1024 * 1024
"""A frame longer than this is garbage (a 48,000-character chunk makes well under 1 MB)."""

_HEADER = 4
_READ_SIZE = 1 << 20
_STDERR_TAIL = 2000


class ChildParseError(TermreaderError):
    """The child parser could not start, died, or wrote something unreadable.

    Normal, not fatal: the caller parses the remaining chunks in-process instead.
    """


def child_parse_enabled() -> bool:
    """True unless disabled by :data:`ENABLED` or ``TERMREADER_NO_CHILD_PARSE=1``."""
    if not ENABLED or os.environ.get(DISABLE_ENV, "").strip() not in ("", "0"):
        return False
    # A frozen app's executable is not a Python that runs ``-c``.
    return bool(sys.executable) and not getattr(sys, "frozen", False)


def parse_rest(
    body: str, skip: int = 1, *, chunk_size: int = CHUNK_SIZE, timeout: float | None = None
) -> ChildParser | None:
    """Start parsing ``body`` after its first ``skip`` chunks in a child; None when disabled.

    Call it before :meth:`Builder.first` so the child starts up while the first chunk is
    parsed. Never raises: a child that cannot start raises :class:`ChildParseError` when
    iterated.
    """
    if not child_parse_enabled():
        return None
    return ChildParser(body, skip=skip, chunk_size=chunk_size, timeout=timeout)


# The child finds this copy of the package even when the parent found it through a sys.path
# tweak: its folder is appended to the path (appended, so nothing in it shadows the standard
# library), and ``-P`` keeps the current directory off the path (a ``json.py`` there must not
# be imported). The hello frame names the copy the child runs; another copy is refused.
_BOOTSTRAP = (
    "import sys\n"
    "if sys.argv[1] not in sys.path:\n"
    "    sys.path.append(sys.argv[1])\n"
    "from termreader.render.background import main\n"
    "sys.exit(main(sys.argv[2:]))\n"
)


def _package_dir() -> str:
    """The folder of the ``termreader`` package this module belongs to."""
    return str(Path(__file__).resolve().parents[1])


def _child_command() -> list[str]:
    """The child's command line, without arguments (tests replace it to simulate failures)."""
    return [sys.executable, "-P", "-c", _BOOTSTRAP, str(Path(_package_dir()).parent)]


def _kill(process: subprocess.Popen[bytes] | None) -> None:
    """Kill and reap the child (no zombie left)."""
    if process is None:
        return
    if process.poll() is None:
        try:
            process.kill()
        except OSError:
            pass
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - a kill is not refused
        pass


def _stop(process: subprocess.Popen[bytes] | None, files: list[IO[Any]]) -> None:
    """Kill the child, close the pipes (a finalizer: must not refer to the parser)."""
    _kill(process)
    for handle in files:
        try:
            handle.close()
        except OSError:
            pass


class ChildParser:
    """Parse ``body`` in a child process, chunk by chunk.

    Iterate (blocking: in a worker thread) to get ``(blocks, links, done)`` per chunk after the
    first ``skip`` chunks, which the caller parsed itself with :meth:`Builder.first`. Blocks,
    anchors, link numbers, references and footnotes are those of an in-process parse. The last
    tuple has ``done`` True; a body of at most ``skip`` chunks yields nothing.

    Iteration raises :class:`ChildParseError` when the child fails in any way; :attr:`delivered`
    then says how many chunks were yielded, so the caller can go on in-process from there.
    After :meth:`close` (from any thread) iteration stops quietly. The child is killed by
    :meth:`close`, at the end of a ``with`` block, when the parser is garbage collected, or when
    the interpreter exits: never left behind.

    Args:
        body: The Markdown body (the same string the caller's :class:`Builder` got).
        skip: Chunks not to send (already parsed by the caller).
        chunk_size: As for :class:`Builder` (must match the caller's).
        timeout: Seconds to wait for any one frame before the child is given up (None: no
            limit; the child's start-up counts toward the first frame).
    """

    def __init__(
        self,
        body: str,
        *,
        skip: int = 1,
        chunk_size: int = CHUNK_SIZE,
        timeout: float | None = None,
    ) -> None:
        self._body: str | None = body
        self._skip = max(0, skip)
        self._timeout = timeout
        self._closed = False
        self._started = False
        self._reading = False
        self._lock = threading.Lock()
        self._buffer = bytearray()
        self._error: ChildParseError | None = None
        self._stderr: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self.delivered = 0
        """Chunks yielded so far (after the skipped ones)."""
        self.complete = False
        """True once the child confirmed the last chunk (iteration ended normally)."""
        self.error: ChildParseError | None = None
        """Why iteration failed (None while it works): the caller parses in-process instead."""
        self.decode_time = 0.0
        """Thread CPU seconds the iterating thread spent decoding frames (for measurements)."""
        files: list[IO[Any]] = []
        try:
            # A file, not a pipe: nobody reads it until the child is gone, and a child writing
            # a long traceback into a full pipe would hang. Never the terminal (the UI owns it).
            try:
                self._stderr = tempfile.TemporaryFile()
                files.append(self._stderr)
            except OSError:  # no writable temp folder: the child's complaints are lost
                self._stderr = None
            self._process = subprocess.Popen(
                [*_child_command(), "--skip", str(self._skip), "--chunk-size", str(chunk_size)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr if self._stderr is not None else subprocess.DEVNULL,
                close_fds=True,
            )
        except (OSError, ValueError, subprocess.SubprocessError) as exc:
            self._error = ChildParseError(f"cannot start the child parser: {exc}")
        if self._process is not None:
            assert self._process.stdin is not None and self._process.stdout is not None
            files[:0] = [self._process.stdin, self._process.stdout]
        self._finalizer = weakref.finalize(self, _stop, self._process, files)

    # --- lifetime -------------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """The child's process id (None if it never started)."""
        return self._process.pid if self._process is not None else None

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._closed

    def close(self) -> None:
        """Kill the child and reap it; idempotent, safe from any thread.

        While another thread iterates, only the child is killed here (its read then sees the
        end of the pipe and stops quietly); that thread closes the pipes as it leaves, so no
        descriptor is closed under a blocked read (and reused by an unrelated file).
        """
        with self._lock:
            self._closed = True
            self._body = None
            reading = self._reading
        if reading:
            _kill(self._process)
        else:
            self._finalizer()

    def __enter__(self) -> ChildParser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- iteration ------------------------------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[list[Block], list[Link], bool]]:
        with self._lock:
            if self._started:
                raise RuntimeError("a ChildParser can be iterated only once")
            self._started = True
            self._reading = not self._closed
        try:
            yield from self._frames()
        except ChildParseError as exc:
            if not self._closed:
                self.error = exc
                raise
        finally:
            with self._lock:
                self._reading = False
                self._closed = True
            self._finalizer()

    def _frames(self) -> Iterator[tuple[list[Block], list[Link], bool]]:
        if self._error is not None:
            raise self._error
        if self._closed:
            return
        body = self._body
        assert self._process is not None and body is not None
        self._send(body)
        hello = self._read_frame()
        source = fingerprint(body)
        self._body = None  # the child has it: do not keep 2 MB alive for the iteration
        if not isinstance(hello, dict) or hello.get("protocol") != PROTOCOL:
            raise ChildParseError(f"child parser speaks another protocol: {_brief(hello)}")
        if hello.get("version") != DOC_VERSION:
            raise ChildParseError(
                f"child parser makes version {hello.get('version')!r} blocks, not {DOC_VERSION}"
            )
        if hello.get("package") != _package_dir():
            raise ChildParseError(f"child parser runs another termreader: {_brief(hello)}")
        if hello.get("source") != source:
            raise ChildParseError("child parser received another body")
        done = False
        while True:
            frame = self._read_frame()
            if isinstance(frame, dict):
                if "error" in frame:
                    raise ChildParseError(f"child parser failed: {frame['error']}")
                if "end" in frame:
                    end = frame["end"]
                    if self.delivered:
                        complete = done and end == self._skip + self.delivered
                    else:  # a body of at most ``skip`` chunks: nothing to send
                        complete = isinstance(end, int) and 0 <= end <= self._skip
                    if not complete:
                        raise ChildParseError("child parser ended before the last chunk")
                    self.complete = True
                    return
                raise ChildParseError(f"unexpected frame from the child parser: {_brief(frame)}")
            if done:
                raise ChildParseError("child parser sent chunks after the last one")
            start = time.thread_time()
            blocks, links, done = self._decode(frame)
            self.decode_time += time.thread_time() - start
            self.delivered += 1
            yield blocks, links, done

    @staticmethod
    def _decode(frame: Any) -> tuple[list[Block], list[Link], bool]:
        try:
            raw_blocks, raw_links, done = frame
            blocks = [Block.from_list(item) for item in raw_blocks]
            # Links leave the parser here: cleaned again, like a cached document's.
            links = [Link(clean_line(str(t)), clean_line(str(u))) for t, u in raw_links]
        except (ValueError, TypeError, KeyError, IndexError, AttributeError) as exc:
            raise ChildParseError(f"unreadable chunk from the child parser: {exc}") from None
        if not isinstance(done, bool):
            raise ChildParseError("unreadable chunk from the child parser: bad end flag")
        return blocks, links, done

    def _send(self, body: str) -> None:
        assert self._process is not None and self._process.stdin is not None
        data = body.encode("utf-8", "surrogatepass")
        try:
            # The child reads all of its stdin before it writes anything: no deadlock.
            self._process.stdin.write(data)
            self._process.stdin.close()
        except (OSError, ValueError) as exc:
            if self._closed:
                return
            why = self._why(exc)
            raise ChildParseError(f"child parser did not take the article: {why}") from None

    def _read_frame(self) -> Any:
        header = self._read_exactly(_HEADER)
        size = int.from_bytes(header, "big")
        if size > MAX_FRAME:
            raise ChildParseError("child parser wrote garbage (frame too long)")
        payload = self._read_exactly(size)
        start = time.thread_time()
        try:
            value = json.loads(payload.decode("utf-8", "surrogatepass"))
        except ValueError as exc:
            raise ChildParseError(f"child parser wrote garbage: {exc}") from None
        finally:
            self.decode_time += time.thread_time() - start
        return value

    def _read_exactly(self, count: int) -> bytes:
        """``count`` bytes from the child's stdout; the GIL is released while waiting."""
        process = self._process
        assert process is not None and process.stdout is not None
        buffer = self._buffer
        if len(buffer) < count:
            try:
                fd = process.stdout.fileno()
            except ValueError:  # closed by close() from another thread
                raise ChildParseError("child parser was closed") from None
            deadline = None if self._timeout is None else time.monotonic() + self._timeout
            while len(buffer) < count:
                if deadline is not None:
                    self._wait_readable(fd, deadline)
                try:
                    data = os.read(fd, max(_READ_SIZE, count - len(buffer)))
                except OSError as exc:
                    raise ChildParseError(f"child parser pipe failed: {exc}") from None
                if not data:
                    raise ChildParseError(f"child parser stopped early: {self._why(None)}")
                buffer += data
        out = bytes(buffer[:count])
        del buffer[:count]
        return out

    def _wait_readable(self, fd: int, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            try:
                with selectors.DefaultSelector() as selector:
                    selector.register(fd, selectors.EVENT_READ)
                    if selector.select(remaining):
                        return
            except (OSError, ValueError):  # a pipe select cannot watch (Windows): just read
                return
        raise ChildParseError(f"child parser sent nothing for {self._timeout} s")

    def _why(self, exc: BaseException | None) -> str:
        """Why the child stopped: its exit status and the end of its stderr."""
        process = self._process
        if process is None:
            return str(exc or "not started")
        try:
            code = process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            code = None
        tail = ""
        if self._stderr is not None:
            try:
                self._stderr.seek(0, os.SEEK_END)
                size = self._stderr.tell()
                self._stderr.seek(max(0, size - _STDERR_TAIL))
                lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
                tail = clean_line(lines[-1]) if lines else ""
            except (OSError, ValueError):
                pass
        parts = [f"exit status {code}" if code is not None else "still running"]
        if exc is not None:
            parts.append(str(exc))
        if tail:
            parts.append(tail)
        return "; ".join(parts)


def iter_rest(
    builder: Builder, child: ChildParser | None, *, pause: float = 0.0
) -> Iterator[tuple[list[Block], list[Link], bool]]:
    """The chunks of ``builder``'s body after those it parsed: from ``child`` while it works.

    When the child fails (or ``child`` is None), the rest is parsed in-process with
    ``builder``, from the first chunk the child did not deliver: the caller sees one unbroken
    sequence of chunks either way, ending with ``done`` True. Stops quietly, incomplete, if
    ``child`` is closed meanwhile (the caller abandoned the article).

    Args:
        builder: The caller's builder, after :meth:`Builder.first` (``child``'s ``skip``
            chunks parsed).
        child: The child parsing the same body, or None.
        pause: Seconds to sleep after each chunk parsed in-process (those hold the GIL: the
            UI thread gets it between them). Chunks from the child need no pause.
    """
    if child is not None:
        try:
            yield from child
        except ChildParseError:
            # Re-parse (and drop) what the child delivered: the builder's anchors, link numbers
            # and footnotes must go on from where the delivered chunks left them.
            for _ in range(child.delivered):
                if builder.done:
                    break
                builder.parse_next()
                if pause:
                    time.sleep(pause)
        else:
            return
    while not builder.done:
        blocks, links = builder.parse_next()
        yield blocks, links, builder.done
        if pause and not builder.done:
            time.sleep(pause)


def _brief(value: Any) -> str:
    return clean_line(repr(value))[:80]


# --- the child --------------------------------------------------------------------------------
def _write_frame(out: IO[bytes], value: Any) -> None:
    data = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8", "surrogatepass"
    )
    out.write(len(data).to_bytes(_HEADER, "big"))
    out.write(data)
    out.flush()


def run_child(source: IO[bytes], out: IO[bytes], *, skip: int, chunk_size: int) -> int:
    """The child's work: read a body from ``source``, write frames to ``out``; the exit status."""
    from termreader.render.parser import make_parser

    make_parser()  # markdown-it's import while the parent is still sending the body
    body = source.read().decode("utf-8", "surrogatepass")
    hello = {
        "protocol": PROTOCOL,
        "version": DOC_VERSION,
        "package": _package_dir(),
        "source": fingerprint(body),
    }
    _write_frame(out, hello)
    try:
        builder = Builder(body, chunk_size=chunk_size)
        del body
        count = 0
        while not builder.done:
            blocks, links = builder.parse_next()
            count += 1
            if count <= skip:
                continue
            _write_frame(
                out,
                [
                    [block.to_list() for block in blocks],
                    [[link.title, link.url] for link in links],
                    builder.done,
                ],
            )
    except BrokenPipeError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which parses instead
        _write_frame(out, {"error": f"{type(exc).__name__}: {exc}"})
        return 1
    _write_frame(out, {"end": count})
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the child process (``python -m termreader.render.background``)."""
    parser = argparse.ArgumentParser(
        prog="python -m termreader.render.background",
        description="Parse a Markdown body from stdin into render frames on stdout.",
    )
    parser.add_argument("--skip", type=int, default=1, help="chunks parsed but not sent")
    parser.add_argument("--chunk-size", type=int, default=CHUNK_SIZE)
    args = parser.parse_args(argv)
    if hasattr(os, "nice"):
        try:
            os.nice(NICE)
        except OSError:
            pass
    try:
        return run_child(
            sys.stdin.buffer,
            sys.stdout.buffer,
            skip=max(0, args.skip),
            chunk_size=max(1, args.chunk_size),
        )
    except BrokenPipeError:
        # The parent closed the pipe (article closed, app quit): nothing left to do.
        try:
            sys.stdout = None  # type: ignore[assignment]
        finally:
            os._exit(0)


if __name__ == "__main__":
    sys.exit(main())
