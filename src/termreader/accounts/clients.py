"""A client of the right kind for an account (each kind's module, and httpx, imported here, late)."""

from __future__ import annotations

from typing import Any

from termreader.accounts.kinds import KINDS, AccountError, ServerKind
from termreader.config import Settings


def make_client(
    kind: str,
    url: str,
    user: str,
    secret: str,
    settings: Settings | None = None,
    *,
    transport: Any = None,
) -> ServerKind:
    """A client of ``kind`` for the server at ``url`` (the web stack is imported here, late).

    Raises:
        AccountError: an unknown kind.
    """
    from termreader.accounts.http import Api

    api = Api(url, settings, transport=transport)
    if kind == "fever":
        from termreader.accounts.fever import Fever

        return Fever(api, user, secret)
    if kind == "miniflux":
        from termreader.accounts.miniflux import Miniflux

        return Miniflux(api, user, secret)
    if kind == "greader":
        from termreader.accounts.greader import GReader

        return GReader(api, user, secret)
    raise AccountError(f"unknown kind of server {kind!r} (one of {', '.join(KINDS)})")
