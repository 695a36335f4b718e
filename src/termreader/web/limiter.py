"""Request slots for a sync: a cap on requests in flight overall and, optionally, per host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit


class Limiter:
    """At most ``total`` requests in flight, and at most ``per_host`` to any one host.

    The slots wrap single HTTP requests, not whole sources: a feed waiting for its entries'
    pages must not hold a slot those pages need (that would deadlock).
    """

    def __init__(self, total: int, per_host: int = 0) -> None:
        self.slots = asyncio.Semaphore(max(1, total))
        self.per_host = per_host if 0 < per_host < total else 0  # 0: no separate cap
        self.hosts: dict[str, asyncio.Semaphore] = {}

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """Hold a slot for one request to ``url``."""
        # The host's slot first: a request waiting for its host must not hold a global slot.
        async with self.host_slot(url), self.slots:
            yield

    def host_slot(self, url: str) -> contextlib.AbstractAsyncContextManager[Any]:
        """The per-host cap for ``url``; a no-op when off."""
        if not self.per_host:
            return contextlib.nullcontext()
        try:
            host = (urlsplit(url).hostname or "").lower()
        except ValueError:
            host = ""
        slot = self.hosts.get(host)
        if slot is None:
            slot = self.hosts[host] = asyncio.Semaphore(self.per_host)
        return slot
