"""The long fuzz run: 100,000+ generated inputs per parser, every finding kept with its input.

Usage::

    python fuzz/run.py [--examples N] [--parser NAME ...] [--engine mutate|hypothesis]
                       [--seed S] [--hang-seconds S] [--out DIR]

Runs each target of ``fuzz/targets.py`` (the same inputs and invariants as the suite's property
tests, many more of them). Two engines:

- ``mutate`` (default): Hypothesis generates a pool of structured inputs (``--pool``, default
  1,000: feeds with entity bombs, HTML trees, front matter, numbered lines, deep nesting...), then
  a mutator in the style of AFL/libFuzzer derives every further input from them: bit flips,
  "interesting" bytes (ESC, C1, NUL, 0xff), dictionary tokens (``<div>``, ``> ``, ``&#27;``,
  ``<!ENTITY``), deletions, repeated chunks (deep nesting), splices of two pool inputs,
  truncation. Generation costs microseconds, so 100,000 inputs per parser take minutes.
- ``hypothesis``: every input straight from Hypothesis in generate-only mode (no database, no
  deadline, no shrinking); about ten times slower.

In both, one failure does not stop the run. An input counts as a failure when the parser raises
anything but a ``TermreaderError``, returns unsanitized text, or runs longer than
``--hang-seconds``. Findings are grouped by exception type and the innermost termreader frame;
the smallest input of each group is written to ``--out`` as a reproducer.

Prints, per parser: inputs run, failures (and distinct kinds), slowest input time, inputs/s.
Exit status 1 when anything was found.
"""

from __future__ import annotations

import argparse
import json
import random
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed

sys.path.insert(0, str(Path(__file__).resolve().parent))

from targets import TARGETS, Target  # noqa: E402


class Hang(BaseException):
    """Raised by the alarm when one input takes longer than the hang limit.

    A BaseException, so that parsers catching ``Exception`` (feedparser does) cannot swallow it.
    """


@dataclass
class Finding:
    """One kind of failure: how often it happened and its smallest input."""

    kind: str
    count: int = 0
    smallest: Any = None
    size: int = 0
    detail: str = ""


@dataclass
class Report:
    """What one parser's run found."""

    name: str
    inputs: int = 0
    failures: int = 0
    slowest: float = 0.0
    slowest_input_size: int = 0
    slowest_input: Any = None
    seconds: float = 0.0
    findings: dict[str, Finding] = field(default_factory=dict)


def _size(value: Any) -> int:
    if isinstance(value, (bytes, str)):
        return len(value)
    if isinstance(value, tuple):
        return sum(_size(v) for v in value)
    return len(repr(value))


def _kind(error: BaseException) -> tuple[str, str]:
    """A grouping key (type + innermost frame in termreader) and a one-line detail."""
    frames = traceback.extract_tb(error.__traceback__)
    ours = [f for f in frames if "termreader" in f.filename] or frames
    where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
    detail = ascii(" ".join(str(error).split())[:200])[1:-1]  # printable whatever it holds
    if isinstance(error, AssertionError) and frames:
        # An invariant of fuzz/targets.py failed: group by which one (its line), not by message.
        last = frames[-1]
        return f"invariant at {Path(last.filename).name}:{last.lineno}", detail
    return f"{type(error).__name__} at {where}", detail


def _on_alarm(signum: int, frame: Any) -> None:
    raise Hang()


# --- the mutation engine ------------------------------------------------------------------------
_INTERESTING = b"\x00\x07\x0a\x0d\x1b\x7f\x80\x85\x90\x9b\x9c\x9d\xc2\xe2\xef\xfe\xff<>&;\"'[]#*-`"
_DICTIONARY = [
    b"\x1b]0;",
    b"\x1b[2J",
    b"\x1bP",
    b"\x1b\\",
    b"\x07",
    b"\xc2\x9b",
    b"\xc2\x9d",
    b"\xe2\x80\xae",
    b"\xef\xbb\xbf",
    b"\xff\xfe",
    b"<div>",
    b"</div>",
    b"<p>",
    b'<a href="',
    b"<title>",
    b"<meta charset=",
    b"<blockquote>",
    b"<table><tr><td>",
    b"<script>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"<!DOCTYPE x [",
    b'<!ENTITY a "',
    b"&a;",
    b"&#27;",
    b"&#x9b;",
    b"&amp;",
    b"&nbsp;",
    b"> ",
    b"- ",
    b"1. ",
    b"# ",
    b"```",
    b"---\n",
    b"+++\n",
    b"[x](",
    b"](",
    b"**",
    b"\n\n",
    b"\r\n",
    b"\t",
    b"\xe4\xb8\x80\xe3\x80\x81",
    b"\xe7\x9b\xb8\xe5\x85\xb3\xe5\x86\x85\xe5\xae\xb9",
    b"Related\n",
    b"Published: 2024-04-02\n",
    b"<item>",
    b"</item>",
    b"<entry>",
    b'<rss version="2.0">',
    b'<feed xmlns="http://www.w3.org/2005/Atom">',
    b'<outline xmlUrl="',
    b'{"version":',
    b'"items": [',
    b"\\udc9b",
    b"\\u001b",
    b"javascript:",
    b"file:///etc/passwd",
    b"http://",
    b"https://x.test/",
    b"../",
    b"\x00",
]
MAX_MUTANT = 64 * 1024


def _mutate_bytes(data: bytes, rnd: random.Random, pool: list[bytes]) -> bytes:
    """Apply 1-4 random mutations to ``data``."""
    buf = bytearray(data)
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randrange(9)
        pos = rnd.randint(0, len(buf))
        if op == 0 and buf:  # bit flip
            i = rnd.randrange(len(buf))
            buf[i] ^= 1 << rnd.randrange(8)
        elif op == 1 and buf:  # interesting byte
            buf[rnd.randrange(len(buf))] = rnd.choice(_INTERESTING)
        elif op in (2, 3):  # dictionary token
            buf[pos:pos] = rnd.choice(_DICTIONARY)
        elif op == 4 and buf:  # delete a range
            end = min(len(buf), pos + rnd.randint(1, 64))
            del buf[pos:end]
        elif op == 5 and buf:  # repeat a chunk: deep nesting, long lines
            start = rnd.randrange(len(buf))
            chunk = bytes(buf[start : start + rnd.randint(1, 12)])
            buf[pos:pos] = chunk * rnd.choice((2, 10, 100, 1000, 3000))
        elif op == 6 and pool:  # splice with another input
            other = rnd.choice(pool)
            cut = rnd.randint(0, len(other))
            buf = buf[:pos] + bytearray(other[cut : cut + rnd.randint(1, 2000)])
        elif op == 7 and buf:  # truncate
            del buf[rnd.randint(0, len(buf)) :]
        else:  # random bytes
            buf[pos:pos] = rnd.randbytes(rnd.randint(1, 16))
        if len(buf) > MAX_MUTANT:
            del buf[MAX_MUTANT:]
    return bytes(buf)


def _as_bytes(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    if isinstance(value, tuple):
        return _as_bytes(value[0])
    return repr(value).encode()


def _mutant(seed: Any, rnd: random.Random, pool: list[bytes], extras: list[Any]) -> Any:
    """A mutant of ``seed`` of the same shape (bytes, str, or (bytes, content type))."""
    data = _mutate_bytes(_as_bytes(seed), rnd, pool)
    if isinstance(seed, bytes):
        return data
    if isinstance(seed, str):
        # Mostly clean decoding; sometimes lone surrogates, as JSON or file names can produce.
        return data.decode("utf-8", rnd.choice(("replace", "replace", "surrogateescape")))
    if isinstance(seed, tuple):
        other = rnd.choice(extras)[1] if extras and rnd.random() < 0.3 else seed[1]
        return (data, other)
    return seed


def _pool_of(target: Target, size: int, seed: int) -> list[Any]:
    """``size`` structured inputs generated by Hypothesis (the mutator's seeds)."""
    values: list[Any] = [target.warmup]

    @hypothesis_seed(seed)  # with the mutator's seed, a run is reproducible
    @settings(
        max_examples=size,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(target.strategy)
    def collect(value: Any) -> None:
        values.append(value)

    collect()
    return values


def _record(
    report: Report, value: Any, error: BaseException | None, took: float, hang_seconds: float
) -> None:
    report.inputs += 1
    if took > report.slowest:
        report.slowest, report.slowest_input_size = took, _size(value)
        report.slowest_input = value
    if error is None and took > hang_seconds:
        error = Hang()  # over the limit, but something swallowed the alarm
    if error is None:
        return
    report.failures += 1
    key, detail = ("Hang", f"over {hang_seconds} s") if isinstance(error, Hang) else _kind(error)
    finding = report.findings.setdefault(key, Finding(key, detail=detail))
    finding.count += 1
    size = _size(value)
    if finding.smallest is None or size < finding.size:
        finding.smallest, finding.size, finding.detail = value, size, detail


def _check_one(
    target: Target, value: Any, hang_seconds: float
) -> tuple[BaseException | None, float]:
    signal.setitimer(signal.ITIMER_REAL, hang_seconds)
    began = time.perf_counter()
    error: BaseException | None = None
    try:
        target.check(value)
    except Hang as caught:
        error = caught
    except RecursionError as caught:  # noqa: B014 - named for the reader: a crash, not an answer
        error = caught
    except Exception as caught:  # noqa: BLE001 - every escape is a finding
        error = caught
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    return error, time.perf_counter() - began


def _progress(report: Report, start: float) -> None:
    rate = report.inputs / max(time.monotonic() - start, 1e-9)
    print(
        f"  {report.name}: {report.inputs} inputs, {report.failures} failures, "
        f"slowest {report.slowest:.3f} s, {rate:.0f}/s",
        file=sys.stderr,
        flush=True,
    )


def run_mutate(
    target: Target, examples: int, hang_seconds: float, progress: int, seed: int, pool_size: int
) -> Report:
    """Mutation engine: a Hypothesis-generated pool, then mutants of it."""
    report = Report(target.name)
    start = time.monotonic()
    target.check(target.warmup)
    seeds = _pool_of(target, pool_size, seed)
    raw_pool = [_as_bytes(v) for v in seeds]
    rnd = random.Random(seed)
    for index in range(examples):
        # One input in ten straight from the pool, the rest mutants.
        value = (
            seeds[index % len(seeds)]
            if index % 10 == 0
            else _mutant(rnd.choice(seeds), rnd, raw_pool, seeds)
        )
        error, took = _check_one(target, value, hang_seconds)
        _record(report, value, error, took, hang_seconds)
        if progress and report.inputs % progress == 0:
            _progress(report, start)
    report.seconds = time.monotonic() - start
    return report


def run_target(target: Target, examples: int, hang_seconds: float, progress: int) -> Report:
    """Hypothesis engine: run ``examples`` generated inputs; never stops at a failure."""
    report = Report(target.name)
    start = time.monotonic()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=False,
    )
    @given(target.strategy)
    def one(value: Any) -> None:
        error, took = _check_one(target, value, hang_seconds)
        _record(report, value, error, took, hang_seconds)
        if progress and report.inputs % progress == 0:
            _progress(report, start)

    target.check(target.warmup)  # load the parser's imports outside the timing
    one()
    report.seconds = time.monotonic() - start
    return report


SLOW_NOTE = 1.0
"""The slowest input of a parser is written out (``<parser>-slowest.txt``) above this many s."""


def _write_findings(report: Report, out: Path, slow_note: float = SLOW_NOTE) -> list[Path]:
    written: list[Path] = []
    if report.slowest >= slow_note:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{report.name}-slowest.txt"
        path.write_text(
            f"parser: {report.name}\nslowest: {report.slowest:.3f} s (wall clock)\n"
            f"input (repr):\n{report.slowest_input!r}\n",
            encoding="utf-8",
            errors="backslashreplace",
        )
        written.append(path)
    for index, finding in enumerate(report.findings.values()):
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{report.name}-{index}.txt"
        path.write_text(
            f"parser: {report.name}\nkind: {finding.kind}\ncount: {finding.count}\n"
            f"detail: {finding.detail}\ninput (repr):\n{finding.smallest!r}\n",
            encoding="utf-8",
            errors="backslashreplace",  # lone surrogates in a detail or an input
        )
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run the chosen parsers one after the other, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=100_000, help="inputs per parser")
    parser.add_argument(
        "--parser",
        action="append",
        choices=sorted(TARGETS),
        help="parser to fuzz (repeatable; default: all)",
    )
    parser.add_argument(
        "--engine",
        choices=("mutate", "hypothesis"),
        default="mutate",
        help="mutants of a Hypothesis pool (fast) or Hypothesis only",
    )
    parser.add_argument("--pool", type=int, default=1000, help="pool size for --engine mutate")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: time)")
    parser.add_argument(
        "--hang-seconds",
        type=float,
        default=10.0,
        help="one input taking longer than this is a finding",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent / "findings",
        help="where reproducers of findings are written",
    )
    parser.add_argument(
        "--slow-note",
        type=float,
        default=SLOW_NOTE,
        help="write the slowest input of a parser when it took at least this many seconds",
    )
    parser.add_argument("--progress", type=int, default=10_000, help="report every N inputs")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per parser")
    args = parser.parse_args(argv)

    signal.signal(signal.SIGALRM, _on_alarm)
    names = args.parser or sorted(TARGETS)
    seed = args.seed if args.seed is not None else int(time.time())
    print(f"engine {args.engine}, seed {seed}, {args.examples} inputs per parser", flush=True)
    reports: list[Report] = []
    for name in names:
        print(f"fuzzing {name} with {args.examples} inputs...", file=sys.stderr, flush=True)
        if args.engine == "mutate":
            report = run_mutate(
                TARGETS[name], args.examples, args.hang_seconds, args.progress, seed, args.pool
            )
        else:
            report = run_target(TARGETS[name], args.examples, args.hang_seconds, args.progress)
        reports.append(report)
        files = _write_findings(report, args.out, args.slow_note)
        line = (
            f"{name:<11} inputs {report.inputs:>7}  failures {report.failures:>5} "
            f"({len(report.findings)} kinds)  slowest {report.slowest:7.3f} s "
            f"({report.slowest_input_size} B)  {report.inputs / max(report.seconds, 1e-9):6.0f}/s"
            f"  {report.seconds:6.0f} s"
        )
        print(line, flush=True)
        for finding in report.findings.values():
            print(f"    {finding.count} x {finding.kind}: {finding.detail[:120]}", flush=True)
        for path in files:
            print(f"    reproducer: {path}", flush=True)
        if args.json:
            print(
                json.dumps(
                    {
                        "parser": name,
                        "inputs": report.inputs,
                        "failures": report.failures,
                        "kinds": sorted(report.findings),
                        "slowest_seconds": round(report.slowest, 4),
                        "seconds": round(report.seconds, 1),
                    }
                ),
                flush=True,
            )
    total = sum(r.inputs for r in reports)
    failures = sum(r.failures for r in reports)
    print(f"total: {total} inputs over {len(reports)} parsers, {failures} failures", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
