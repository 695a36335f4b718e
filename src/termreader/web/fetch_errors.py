"""What can go wrong in a fetch: one :class:`FetchError` subclass per failure a user can act on,
and the mapping from httpx, socket and TLS errors to them, each with a one-line message."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import ssl
from datetime import UTC, datetime

import httpx

from termreader.errors import FetchError
from termreader.text.sanitize import clean_line

log = logging.getLogger(__name__)


class DNSError(FetchError):
    """The host name does not resolve."""


class ConnectionRefused(FetchError):
    """Nothing listens at the host and port."""


class FetchTimeout(FetchError):
    """Connecting or reading took longer than allowed."""


class TLSError(FetchError):
    """The TLS handshake failed (bad or self-signed certificate, protocol mismatch...)."""


class HTTPStatusError(FetchError):
    """The server answered with a 4xx or 5xx status."""

    def __init__(self, status: int, reason: str, retry_after: str | None = None) -> None:
        message = f"HTTP {status} {reason}".strip()
        if retry_after:
            message += f" (retry after {retry_after})"
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class TooManyRedirects(FetchError):
    """A redirect loop, or a chain longer than the cap."""


class RedirectRefused(FetchError):
    """A redirect pointed to a scheme other than http(s) (``file:``, ``javascript:``...)."""


class TooLarge(FetchError):
    """The body (raw or decompressed) exceeds the download cap."""


class ConnectionBroken(FetchError):
    """The connection was reset or closed before the whole body arrived."""


def host_of(url: httpx.URL | str) -> str:
    try:
        return httpx.URL(str(url)).host or str(url)
    except Exception:  # noqa: BLE001 - only for messages
        log.debug("no host in %r", url, exc_info=True)
        return str(url)


def _chain(error: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and current not in seen and len(seen) < 10:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def map_error(error: BaseException, url: str, timeout: float, *, redirects: int) -> FetchError:
    """Turn an httpx/OS/ssl error into one of ours, with a one-line message."""
    host = host_of(url)
    chain = _chain(error)
    text = " ".join(str(e) for e in chain).lower()
    if isinstance(error, FetchError):
        return error
    if isinstance(error, httpx.TooManyRedirects):
        return TooManyRedirects(f"too many redirects (more than {redirects}) from {host}")
    if isinstance(error, (httpx.TimeoutException, TimeoutError, asyncio.TimeoutError)):
        return FetchTimeout(f"timed out after {timeout:g} s fetching from {host}")
    kinds = {type(e) for e in chain}
    # Exception types first; the message texts are a fallback (they may quote the host name,
    # which may itself contain "ssl" or "refused").
    if any(issubclass(k, socket.gaierror) for k in kinds) or any(
        s in text
        for s in (
            "name or service not known",
            "nodename nor servname",
            "getaddrinfo failed",
            "no address associated",
            "temporary failure in name resolution",
        )
    ):
        return DNSError(f"cannot resolve host {host}")
    if any(issubclass(k, ConnectionRefusedError) for k in kinds) or (
        not any(issubclass(k, ssl.SSLError) for k in kinds) and "connection refused" in text
    ):
        port = httpx.URL(url).port or (443 if url.startswith("https") else 80)
        return ConnectionRefused(f"connection refused by {host}:{port}")
    if any(issubclass(k, ssl.SSLError) for k in kinds) or any(
        s in text for s in ("[ssl", "certificate verify", "tlsv1", "wrong version number")
    ):
        reason = "certificate verify failed" if "certificate" in text else "handshake failed"
        for e in chain:
            if isinstance(e, ssl.SSLCertVerificationError) and e.verify_message:
                reason = f"certificate verify failed: {e.verify_message}"
                break
        return TLSError(f"TLS error with {host}: {clean_line(reason)}")
    if isinstance(error, httpx.ConnectError):
        return FetchError(f"cannot connect to {host}: {clean_line(str(error))[:120]}")
    if isinstance(error, (httpx.ReadError, httpx.RemoteProtocolError)) or any(
        isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError))
        for e in chain
    ):
        return ConnectionBroken(f"connection to {host} closed before the whole page arrived")
    if isinstance(error, httpx.UnsupportedProtocol):
        return RedirectRefused(f"unsupported link scheme: {clean_line(str(error))[:120]}")
    if isinstance(error, (httpx.HTTPError, OSError)):
        return FetchError(
            f"cannot fetch from {host}: {clean_line(str(error))[:120] or type(error).__name__}"
        )
    return FetchError(f"cannot fetch from {host}: {type(error).__name__}")


def retry_after(value: str | None) -> str | None:
    """``Retry-After`` as something to tell the user: seconds, or a time."""
    if not value:
        return None
    value = clean_line(value)[:64]
    if value.isdigit():
        return f"{int(value)} s"
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = int((when - datetime.now(UTC)).total_seconds())
    return f"{max(seconds, 0)} s"
