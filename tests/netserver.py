"""A real HTTP server on 127.0.0.1 for network tests: routes per test, faults on demand, hit counts.

Usage in a test module::

    from netserver import netserver_fixture  # noqa: F401  (provides the `netserver` fixture)

    def test_x(netserver):
        netserver.add("/feed.xml", FEED_BYTES, content_type="application/rss+xml", etag='"v1"')
        url = netserver.url("/feed.xml")

Each route answers with a fixed body (``add``) or a handler function (``route``) that writes the
whole response itself, which is how the fault cases (drip, reset, huge bodies) are made.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, formatdate
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

Handler = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Static:
    """A fixed response; honours If-None-Match / If-Modified-Since when validators are set."""

    body: bytes
    status: int = 200
    content_type: str | None = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # the default 5 drops SYNs under a concurrent sync: 1 s stalls

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients hang up on purpose in these tests (caps, timeouts)


class NetServer:
    """A threaded HTTP(S) server on an ephemeral port of 127.0.0.1."""

    def __init__(self, tls_context: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Static | Handler] = {}
        self.hits: Counter[str] = Counter()
        """Requests per path."""
        self.conditional_hits: Counter[str] = Counter()
        """Requests per path that carried If-None-Match or If-Modified-Since."""
        self.not_modified: Counter[str] = Counter()
        """304 answers per path."""
        self.request_headers: dict[str, dict[str, str]] = {}
        """Headers of the last request per path."""
        self.latency = 0.0
        """Seconds added before every response (the bench sets 0.05)."""
        self._lock = threading.Lock()
        owner = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                owner._handle(self)

            do_HEAD = do_GET

        self._httpd = _Server(("127.0.0.1", 0), RequestHandler)
        self.scheme = "http"
        if tls_context is not None:
            self._httpd.socket = tls_context.wrap_socket(self._httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self._httpd.server_address[1]
        self._thread: threading.Thread | None = None

    # --- lifecycle ---------------------------------------------------------------------------
    def start(self) -> NetServer:
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the port (later requests are refused)."""
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self._httpd.server_close()

    # --- routes ------------------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        """Serve ``body`` at ``path`` (see :class:`Static` for the options); returns the URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Static(data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def route(self, path: str) -> Callable[[Handler], Handler]:
        """Decorator: ``handler(request)`` writes the whole response for ``path``."""

        def register(handler: Handler) -> Handler:
            self.routes[path] = handler
            return handler

        return register

    def redirect(self, path: str, location: str, status: int = 302) -> str:
        def handler(req: BaseHTTPRequestHandler) -> None:
            req.send_response(status)
            req.send_header("Location", location)
            req.send_header("Content-Length", "0")
            req.end_headers()

        self.routes[path] = handler
        return self.url(path)

    # --- serving -----------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path
        with self._lock:
            self.hits[path] += 1
            self.request_headers[path] = {k.lower(): v for k, v in req.headers.items()}
            if req.headers.get("If-None-Match") or req.headers.get("If-Modified-Since"):
                self.conditional_hits[path] += 1
        if self.latency:
            time.sleep(self.latency)
        route = self.routes.get(path)
        if route is None:
            _send(req, 404, b"<h1>Not found</h1>", "text/html")
            return
        if callable(route):
            try:
                route(req)
            except (BrokenPipeError, ConnectionResetError, ssl.SSLError, OSError):
                req.close_connection = True
            return
        self._static(req, path, route)

    def _static(self, req: BaseHTTPRequestHandler, path: str, route: Static) -> None:
        inm = req.headers.get("If-None-Match")
        ims = req.headers.get("If-Modified-Since")
        if (route.etag and inm == route.etag) or (
            route.last_modified and not route.etag and ims == route.last_modified
        ):
            with self._lock:
                self.not_modified[path] += 1
            req.send_response(304)
            if route.etag:
                req.send_header("ETag", route.etag)
            req.send_header("Content-Length", "0")
            req.end_headers()
            return
        headers = dict(route.headers)
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        body = route.body
        if route.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        _send(req, route.status, body, route.content_type, headers)


def _send(
    req: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str | None,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        req.send_response(status)
        if content_type is not None:
            req.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            req.send_header(name, value)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if req.command != "HEAD":
            req.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        req.close_connection = True


# --- ready-made fault handlers ------------------------------------------------------------------
def drip(byte_interval: float = 0.2, count: int = 50) -> Handler:
    """Headers at once, then one byte every ``byte_interval`` s (bounded by ``count``)."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(count))
        req.end_headers()
        for _ in range(count):
            req.wfile.write(b"x")
            req.wfile.flush()
            time.sleep(byte_interval)

    return handler


def reset_mid_body(sent: int = 2000, announced: int = 100_000) -> Handler:
    """Announce ``announced`` bytes, send ``sent``, then reset the connection (RST)."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Length", str(announced))
        req.end_headers()
        req.wfile.write(b"<html><body><p>" + b"a" * sent)
        req.wfile.flush()
        # SO_LINGER 0 makes close() send RST instead of FIN: a genuine reset mid-body.
        req.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        req.connection.close()
        req.close_connection = True

    return handler


def huge_body(
    size: int = 50_000_000, chunked: bool = False, sent_counter: list[int] | None = None
) -> Handler:
    """A ``size``-byte text body generated lazily; records how much was really sent."""

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        if chunked:
            req.send_header("Transfer-Encoding", "chunked")
        else:
            req.send_header("Content-Length", str(size))
        req.end_headers()
        block = b"<p>" + b"z" * 65_530 + b"</p>"
        sent = 0
        try:
            while sent < size:
                piece = block[: min(len(block), size - sent)]
                if chunked:
                    req.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                else:
                    req.wfile.write(piece)
                sent += len(piece)
            if chunked:
                req.wfile.write(b"0\r\n\r\n")
        finally:
            if sent_counter is not None:
                sent_counter.append(sent)

    return handler


def gzip_bomb(decompressed: int = 30_000_000) -> Handler:
    """A small gzip body (about 0.1% of its size) that inflates to ``decompressed`` bytes."""
    compressor = __import__("zlib").compressobj(9, 8, 31)  # wbits 31: gzip container
    block = b"\0" * 1_000_000
    parts = [compressor.compress(block) for _ in range(decompressed // len(block))]
    parts.append(compressor.flush())
    payload = b"".join(parts)

    def handler(req: BaseHTTPRequestHandler) -> None:
        req.send_response(200)
        req.send_header("Content-Type", "text/html")
        req.send_header("Content-Encoding", "gzip")
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)

    return handler


def http_date(seconds: float | None = None) -> str:
    return formatdate(seconds if seconds is not None else time.time(), usegmt=True)


# --- content builders (tests and the sync bench) ---------------------------------------------
WORDS = "The quick brown fox jumps over the lazy dog near the riverbank at dawn. "


def page(title: str, paragraphs: int = 12, related: list[tuple[str, str]] | None = None) -> str:
    body = "".join(f"<p>{escape(title)}: paragraph {i}. {WORDS * 4}</p>" for i in range(paragraphs))
    block = ""
    if related:
        items = "".join(f'<li><a href="{u}">{escape(t)}</a></li>' for t, u in related)
        block = f"<h2>Related</h2><ul>{items}</ul>"
    return (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head>"
        f"<body><article><h1>{escape(title)}</h1>{body}{block}</article></body></html>"
    )


def rss(title: str, items: list[dict[str, str]]) -> str:
    parts = []
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    for n, item in enumerate(items):
        content = ""
        if "content" in item:
            content = f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>"
        parts.append(
            f"<item><title>{escape(item['title'])}</title><link>{item['link']}</link>"
            f"<guid>{item['link']}</guid>"
            f"<pubDate>{format_datetime(stamp - timedelta(days=n))}</pubDate>"
            f"<description>{escape(item.get('summary', 'A short summary.'))}</description>{content}</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>http://127.0.0.1/</link><description>d</description>"
        + "".join(parts)
        + "</channel></rss>"
    )


@pytest.fixture(name="netserver")
def netserver_fixture() -> Iterator[NetServer]:
    """A started :class:`NetServer`, stopped after the test."""
    server = NetServer().start()
    try:
        yield server
    finally:
        server.stop()
