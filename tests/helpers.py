"""Waiting in tests without guessing how fast the machine is: poll the awaited state.

A fixed sleep before an assertion is a guess about speed that a loaded machine (two CPU burners
beside the suite) proves wrong. These helpers poll for the state a test waits for; their
timeout only bounds a hang, so it is generous. Budgets (how fast something must be) live in
``bench/``, not here.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

HANG = 120.0
"""Seconds after which a wait counts as a hang: far beyond any slow machine, short of forever.
(A 2 MB background parse on two cores shared with seven CPU-bound processes took over 30 s.)"""


def _hung(predicate: Callable[[], object], timeout: float, message: str) -> AssertionError:
    what = message or getattr(predicate, "__name__", repr(predicate))
    return AssertionError(f"still waiting after {timeout:.0f} s: {what}")


def wait_until(
    predicate: Callable[[], object],
    timeout: float = HANG,
    *,
    interval: float = 0.01,
    message: str = "",
) -> None:
    """Return once ``predicate()`` is true; fail the test if it is still false after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise _hung(predicate, timeout, message)
        time.sleep(interval)


async def wait_until_async(
    pilot: Any,
    predicate: Callable[[], object],
    timeout: float = HANG,
    *,
    message: str = "",
) -> None:
    """:func:`wait_until` for async tests: between polls a Pilot's app runs (``pilot.pause()``),
    or, with ``pilot=None``, the event loop's other tasks."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise _hung(predicate, timeout, message)
        if pilot is None:
            await asyncio.sleep(0.01)
        else:
            await pilot.pause()


BLOWUP = 10.0
"""CPU seconds for one hostile input that only a blow-up reaches (quadratic or worse: the
regressions these guard against took from 7 s to minutes); normal work takes a fraction."""


def cpu_seconds(call: Callable[[], T]) -> tuple[T, float]:
    """``call()``'s result and the CPU time this process spent on it.

    For bounds on work (a pathological input must not blow up): CPU time counts what the
    parser did, not how long other processes kept it waiting, so it holds on a busy machine.
    """
    started = time.process_time()
    result = call()
    return result, time.process_time() - started
