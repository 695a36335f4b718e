"""The HTTP side of the account clients: one httpx client per sync with the project's settings,
and every failure turned into one line that names the server, never a credential."""

from __future__ import annotations

import json
import logging
from typing import TYPE_CHECKING, Any

import httpx

from termreader.accounts.kinds import AccountError, AuthFailed
from termreader.config import Settings
from termreader.web.fetch import USER_AGENT
from termreader.web.fetch_errors import host_of, map_error

if TYPE_CHECKING:
    from collections.abc import Mapping

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
MAX_ANSWER_BYTES = 64_000_000
"""An API answer larger than this is refused (a page of entries is far smaller)."""


class Api:
    """A base URL, an httpx client and error mapping shared by the kinds."""

    def __init__(self, base: str, settings: Settings | None = None, *, transport: Any = None):
        settings = settings or Settings()
        self.base = base.rstrip("/")
        self.timeout = float(settings.fetch_timeout)
        self.host = host_of(self.base)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=16),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json, */*;q=0.5"},
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
        )
        self.requests = 0

    async def aclose(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        data: Mapping[str, Any] | list[tuple[str, Any]] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        ok: tuple[int, ...] = (),
    ) -> httpx.Response:
        """One request to ``base + path``.

        Raises:
            AuthFailed: 401 or 403.
            AccountError: the server is unreachable, timed out or answered an error status.
        """
        url = self.base + path if path.startswith(("/", "?")) or not path else path
        self.requests += 1
        try:
            response = await self.client.request(
                method,
                url,
                params=params,  # type: ignore[arg-type]
                data=data,  # type: ignore[arg-type]
                json=body,
                headers=headers,
                auth=auth,
            )
        except (httpx.HTTPError, OSError) as error:
            log.debug("request to %s failed", self.host, exc_info=True)
            raise AccountError(
                str(map_error(error, self.base, self.timeout, redirects=MAX_REDIRECTS))
            ) from None
        status = response.status_code
        if status in ok:
            return response
        if status in (401, 403):
            raise AuthFailed(f"{self.host} refused the user name or password (HTTP {status})")
        if status >= 400:
            raise AccountError(f"{self.host} answered HTTP {status} ({response.reason_phrase})")
        if len(response.content) > MAX_ANSWER_BYTES:
            raise AccountError(f"{self.host} sent an answer too large to read")
        return response

    def json_of(self, response: httpx.Response) -> Any:
        """The answer as JSON. Raises AccountError when it is not JSON."""
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            raise AccountError(
                f"{self.host} did not answer with JSON (is the URL the API's address?)"
            ) from None
