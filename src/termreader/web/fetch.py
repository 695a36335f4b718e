"""Fetch web documents with one long-lived httpx client, bounded in time, size and content.

What can go wrong is in :mod:`termreader.web.fetch_errors`: each failure is one of its
:class:`~termreader.errors.FetchError` subclasses, with a one-line message.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import httpx

from termreader import __version__
from termreader.config import Settings
from termreader.errors import FetchError, LinkRefused, NotAnArticle
from termreader.text.charset import looks_binary
from termreader.text.sanitize import clean_line
from termreader.web.fetch_errors import (
    HTTPStatusError,
    RedirectRefused,
    TooLarge,
    host_of,
    map_error,
    retry_after,
)
from termreader.web.linkpolicy import WEB_SCHEMES, check_web_link

log = logging.getLogger(__name__)

USER_AGENT = f"termreader/{__version__} (+https://termreader.example)"
MAX_REDIRECTS = 10
ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/xml;q=0.9,text/*;q=0.8,*/*;q=0.5"
)


# --- results ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class FetchResult:
    """What a fetch brought back.

    Attributes:
        url: The final URL, after redirects.
        status: The HTTP status (200, 304...).
        content_type: The media type, lower-case, without parameters ("" when absent).
        data: The body, decompressed; ``None`` for 304 Not Modified.
        etag: The ``ETag`` header, for the next conditional request.
        last_modified: The ``Last-Modified`` header, likewise.
        encoding: The ``charset`` parameter of ``Content-Type`` (a hint for decoding), or None.
        headers: The response headers (lower-case names).
    """

    url: str
    status: int
    content_type: str = ""
    data: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    encoding: str | None = None
    headers: dict[str, str] | None = None

    @property
    def not_modified(self) -> bool:
        """True for a 304 answer to a conditional request: nothing to re-extract."""
        return self.status == 304

    @property
    def content_type_header(self) -> str:
        """``content_type`` with its charset, as importers and feed parsers expect it."""
        if self.encoding:
            return f"{self.content_type}; charset={self.encoding}"
        return self.content_type


# --- content policy --------------------------------------------------------------------------------
_TEXT_TYPES = frozenset(
    {
        "application/xhtml+xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/x-rss+xml",
        "application/x-atom+xml",
        "application/json",
        "application/feed+json",
        "application/x-javascript",
        "application/javascript",
        "application/markdown",
        "application/x-markdown",
    }
)


def is_text_type(content_type: str) -> bool | None:
    """True for types worth reading, False for binary ones, None when unknown (sniff the body)."""
    if not content_type or content_type in ("application/octet-stream", "binary/octet-stream"):
        # Servers label anything unknown octet-stream; the body decides, like a browser sniffing.
        return None
    if content_type.startswith("text/") or content_type in _TEXT_TYPES:
        return True
    if content_type.endswith(("+xml", "+json")):
        return True
    return False


class _Decoder:
    """Bounded decompression of a Content-Encoding: never produces more than ``limit`` bytes."""

    def __init__(self, encoding: str, limit: int, host: str) -> None:
        self.encoding = encoding
        self.limit = limit
        self.host = host
        self.total = 0
        self._zlib: Any = None
        self._deflate_probe = False
        if encoding in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(zlib.MAX_WBITS | 16)
        elif encoding == "deflate":
            self._zlib = zlib.decompressobj()
            self._deflate_probe = True  # some servers send raw deflate; retry on the first error
        elif encoding not in ("", "identity"):
            raise FetchError(
                f"unsupported content encoding {clean_line(encoding)[:40]!r} from {host}"
            )

    def _too_large(self) -> TooLarge:
        mb = self.limit / 1_000_000
        return TooLarge(f"page from {self.host} is larger than {mb:g} MB once decompressed")

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            self.total += len(chunk)
            return chunk
        out = bytearray()
        data = chunk
        while data:
            try:
                # max_length bounds the output of this step, so a gzip bomb never inflates in RAM.
                piece = self._zlib.decompress(data, self.limit - self.total + 1)
            except zlib.error:
                if self._deflate_probe and self.total == 0:
                    self._deflate_probe = False
                    self._zlib = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise FetchError(f"corrupt compressed body from {self.host}") from None
            self._deflate_probe = False
            self.total += len(piece)
            out += piece
            if self.total > self.limit:
                raise self._too_large()
            data = self._zlib.unconsumed_tail
            if self._zlib.eof:
                break
        return bytes(out)

    def flush(self) -> bytes:
        if self._zlib is None:
            return b""
        piece = self._zlib.flush()
        self.total += len(piece)
        if self.total > self.limit:
            raise self._too_large()
        return piece


class Fetcher:
    """One long-lived HTTP client for a run (an app session, a ``sync``).

    Use as an async context manager::

        async with Fetcher(settings) as fetcher:
            result = await fetcher.fetch(url, etag=old_etag)

    Args:
        settings: Supplies ``fetch_timeout`` and ``max_download_mb`` (defaults when None).
        transport: An httpx transport (tests pass ``httpx.MockTransport``).
        timeout: Overrides ``settings.fetch_timeout``: each phase and the whole fetch.
        max_bytes: Overrides the size cap, raw and decompressed.
        max_connections: Size of the connection pool.
        verify: TLS verification (an ``ssl.SSLContext`` or a bool), as httpx takes it.
        http2: Offer HTTP/2 when the optional ``h2`` package is installed (ignored otherwise).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | None = None,
        max_bytes: int | None = None,
        max_connections: int = 20,
        verify: ssl.SSLContext | bool = True,
        http2: bool = False,
    ) -> None:
        settings = settings or Settings()
        self.timeout = float(timeout if timeout is not None else settings.fetch_timeout)
        self.max_bytes = int(
            max_bytes if max_bytes is not None else settings.max_download_mb * 1_000_000
        )
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)),
            limits=httpx.Limits(
                max_connections=max_connections,
                max_keepalive_connections=max_connections,
                keepalive_expiry=30.0,
            ),
            headers={
                "User-Agent": USER_AGENT,
                "Accept": ACCEPT,
                # Only what _Decoder can bound; brotli/zstd would bypass the decompressed cap.
                "Accept-Encoding": "gzip, deflate",
            },
            follow_redirects=True,
            max_redirects=MAX_REDIRECTS,
            transport=transport,
            verify=verify,
            http2=http2 and _has_h2(),
            event_hooks={"request": [self._check_hop]},
        )
        self.requests = 0
        """How many HTTP requests went out (redirect hops included); the bench reads it."""

    async def _check_hop(self, request: httpx.Request) -> None:
        # Runs before every request, including each redirect hop: a redirect to file:,
        # javascript: or data: is refused before any transport sees it.
        self.requests += 1
        if request.url.scheme not in WEB_SCHEMES:
            raise RedirectRefused(
                f"redirect to a {request.url.scheme}: link refused ({clean_line(str(request.url))[:80]})"
            )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections."""
        await self._client.aclose()

    async def fetch(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET ``url`` (conditionally when validators are given) and return the body.

        Raises:
            LinkRefused: ``url`` is not http(s).
            NotAnArticle: the content type (or the body, when untyped) is not text.
            FetchError: any network or HTTP failure, with a one-line message (subclasses above).
        """
        url = check_web_link(url).split("#", 1)[0]
        headers: dict[str, str] = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        try:
            # The per-phase timeouts do not stop a server dripping a byte a second; the
            # deadline bounds the whole fetch.
            async with asyncio.timeout(self.timeout):
                return await self._fetch(url, headers)
        except (FetchError, LinkRefused):
            raise
        except httpx.InvalidURL:
            # Only a redirect can get here (the start URL passed the link policy): httpx cannot
            # even build the next hop, e.g. "javascript:alert(1)" taken for a host.
            raise RedirectRefused("redirect to an invalid or non-web link refused") from None
        except (httpx.HTTPError, OSError, TimeoutError, ssl.SSLError) as error:
            raise map_error(error, url, self.timeout, redirects=MAX_REDIRECTS) from None

    async def _fetch(self, url: str, headers: dict[str, str]) -> FetchResult:
        async with self._client.stream("GET", url, headers=headers) as response:
            final = str(response.url)
            host = host_of(final)
            status = response.status_code
            media, _, params = response.headers.get("content-type", "").partition(";")
            media = clean_line(media).strip().lower()
            charset = _charset_param(params)
            result = FetchResult(
                url=final,
                status=status,
                content_type=media,
                etag=_header(response, "etag"),
                last_modified=_header(response, "last-modified"),
                encoding=charset,
                headers={k.lower(): clean_line(v) for k, v in response.headers.items()},
            )
            if status == 304:
                # Reading the (empty) rest lets the connection go back to the pool; an unread
                # response closes it, and an all-304 sync would reconnect for every source.
                await response.aread()
                return result
            if status >= 400:
                await _drain_small(response)
                raise HTTPStatusError(
                    status,
                    clean_line(response.reason_phrase)[:60],
                    retry_after(response.headers.get("retry-after"))
                    if status in (429, 503)
                    else None,
                )
            if 300 <= status < 400:
                raise FetchError(f"HTTP {status} without a usable Location from {host}")
            kind = is_text_type(media)
            if kind is False:
                raise NotAnArticle(f"not an article: {host} sent {media}")
            length = response.headers.get("content-length", "")
            mb = self.max_bytes / 1_000_000
            if length.isdigit() and int(length) > self.max_bytes:
                raise TooLarge(f"page from {host} is larger than {mb:g} MB ({int(length):,} bytes)")
            decoder = _Decoder(
                response.headers.get("content-encoding", "").strip().lower(), self.max_bytes, host
            )
            body = bytearray()
            if response.is_stream_consumed:
                # A response built in memory (httpx.MockTransport): httpx already decoded it.
                decoder = _Decoder("", self.max_bytes, host)
                chunks = _once(response.content)
            else:
                chunks = response.aiter_raw()
            async for chunk in chunks:
                if response.num_bytes_downloaded > self.max_bytes:
                    raise TooLarge(f"page from {host} is larger than {mb:g} MB")
                body += decoder.feed(chunk)
                if decoder.total > self.max_bytes:
                    raise decoder._too_large()
                if kind is None and len(body) >= 1024:
                    if looks_binary(bytes(body[:1024])):
                        raise NotAnArticle(f"not an article: {host} sent binary data")
                    kind = True
            body += decoder.flush()
            if kind is None and looks_binary(bytes(body[:1024])):
                raise NotAnArticle(f"not an article: {host} sent binary data")
            result.data = bytes(body)
            return result


def _has_h2() -> bool:
    try:
        import h2  # noqa: F401
    except ImportError:
        return False
    return True


async def _drain_small(response: httpx.Response, limit: int = 65_536) -> None:
    """Read a short error body so the connection can be reused; leave long ones unread."""
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) <= limit and not response.is_stream_consumed:
        try:
            await response.aread()
        except httpx.HTTPError:
            pass


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


def _header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name)
    return clean_line(value)[:512] if value else None


def _charset_param(params: str) -> str | None:
    for part in params.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == "charset":
            value = clean_line(value).strip().strip("\"'").lower()
            return value[:40] or None
    return None


def fetch_sync(
    url: str,
    *,
    settings: Settings | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FetchResult:
    """Fetch one URL from synchronous code (the CLI's ``add``). Same errors as :meth:`Fetcher.fetch`."""

    async def run() -> FetchResult:
        async with Fetcher(settings, transport=transport) as fetcher:
            return await fetcher.fetch(url, etag=etag, last_modified=last_modified)

    return asyncio.run(run())
