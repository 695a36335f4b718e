"""Fetching against a real server on 127.0.0.1 and httpx.MockTransport: every fault is one line."""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from helpers import wait_until_async
from netserver import (
    NetServer,
    drip,
    gzip_bomb,
    huge_body,
    netserver_fixture,  # noqa: F401 - provides the `netserver` fixture
    reset_mid_body,
)

from termreader import __version__
from termreader.errors import FetchError, LinkRefused, NotAnArticle
from termreader.web.fetch import Fetcher, fetch_sync
from termreader.web.fetch_errors import (
    ConnectionBroken,
    ConnectionRefused,
    DNSError,
    FetchTimeout,
    HTTPStatusError,
    RedirectRefused,
    TLSError,
    TooLarge,
    TooManyRedirects,
)

PAGE = "<html><head><title>Hello</title></head><body><p>Text</p></body></html>"


def one_line(error: BaseException) -> str:
    assert isinstance(error, FetchError)  # the project's own type, whatever went wrong
    text = str(error)
    assert "\n" not in text and text
    assert "Traceback" not in text
    return text


async def fetch(url: str, **kwargs: object) -> object:
    async with Fetcher(**kwargs) as fetcher:  # type: ignore[arg-type]
        return await fetcher.fetch(url)


# --- success paths -------------------------------------------------------------------------
async def test_fetch_page_reports_type_charset_and_validators(netserver: NetServer) -> None:
    url = netserver.add(
        "/a",
        PAGE,
        content_type="text/html; charset=ISO-8859-1",
        etag='"v1"',
        last_modified="Tue, 01 Apr 2025 10:00:00 GMT",
    )
    result = await fetch(url)
    assert result.status == 200
    assert result.data == PAGE.encode()
    assert result.content_type == "text/html"
    assert result.encoding == "iso-8859-1"
    assert result.etag == '"v1"'
    assert result.last_modified == "Tue, 01 Apr 2025 10:00:00 GMT"
    headers = netserver.request_headers["/a"]
    assert headers["user-agent"] == f"termreader/{__version__} (+https://termreader.example)"


async def test_conditional_get_returns_not_modified_without_body(netserver: NetServer) -> None:
    url = netserver.add("/a", PAGE, etag='"v1"')
    async with Fetcher() as fetcher:
        first = await fetcher.fetch(url)
        second = await fetcher.fetch(url, etag=first.etag)
    assert second.not_modified and second.data is None
    assert netserver.conditional_hits["/a"] == 1 and netserver.not_modified["/a"] == 1


async def test_last_modified_conditional(netserver: NetServer) -> None:
    stamp = "Tue, 01 Apr 2025 10:00:00 GMT"
    url = netserver.add("/a", PAGE, last_modified=stamp)
    async with Fetcher() as fetcher:
        result = await fetcher.fetch(url, last_modified=stamp)
    assert result.not_modified
    assert netserver.request_headers["/a"]["if-modified-since"] == stamp


async def test_gzip_body_is_decompressed(netserver: NetServer) -> None:
    url = netserver.add("/z", PAGE * 100, gzip=True)
    result = await fetch(url)
    assert result.data == (PAGE * 100).encode()


async def test_redirect_is_followed_and_final_url_reported(netserver: NetServer) -> None:
    target = netserver.add("/final", PAGE)
    url = netserver.redirect("/start", "/final", status=301)
    result = await fetch(url)
    assert result.url == target and result.data == PAGE.encode()


async def test_missing_content_type_with_text_body_is_accepted(netserver: NetServer) -> None:
    url = netserver.add("/untyped", PAGE, content_type=None)
    result = await fetch(url)
    assert result.content_type == "" and result.data == PAGE.encode()


async def test_wrong_content_type_text_plain_still_fetches(netserver: NetServer) -> None:
    url = netserver.add("/plain", PAGE, content_type="text/plain")
    assert (await fetch(url)).data == PAGE.encode()


def test_fetch_sync_for_the_cli(netserver: NetServer) -> None:
    url = netserver.add("/a", PAGE)
    assert fetch_sync(url).data == PAGE.encode()


# --- faults: each a one-line FetchError --------------------------------------------------------
async def test_404(netserver: NetServer) -> None:
    with pytest.raises(HTTPStatusError) as info:
        await fetch(netserver.url("/missing"))
    assert one_line(info.value) == "HTTP 404 Not Found"
    assert info.value.status == 404


async def test_500(netserver: NetServer) -> None:
    url = netserver.add("/boom", "oops", status=500)
    with pytest.raises(HTTPStatusError, match=r"^HTTP 500 Internal Server Error$"):
        await fetch(url)


async def test_503_says_retry_after(netserver: NetServer) -> None:
    url = netserver.add("/busy", "later", status=503, headers={"Retry-After": "120"})
    with pytest.raises(HTTPStatusError) as info:
        await fetch(url)
    assert one_line(info.value) == "HTTP 503 Service Unavailable (retry after 120 s)"


async def test_connection_refused() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(ConnectionRefused) as info:
        await fetch(f"http://127.0.0.1:{port}/")
    assert one_line(info.value) == f"connection refused by 127.0.0.1:{port}"


async def test_dns_failure_via_transport() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    with pytest.raises(DNSError) as info:
        await fetch("http://no-such-host.invalid/", transport=httpx.MockTransport(handler))
    assert one_line(info.value) == "cannot resolve host no-such-host.invalid"


async def test_dns_failure_through_the_real_stack(monkeypatch: pytest.MonkeyPatch) -> None:
    """The resolver's own error, through httpx/anyio (no DNS query leaves the machine)."""

    def no_such_host(*args: object, **kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    with pytest.raises(DNSError) as info:
        await fetch("http://no-such-host.invalid/", timeout=5)
    assert one_line(info.value) == "cannot resolve host no-such-host.invalid"


async def test_slow_drip_is_bounded_by_the_deadline(netserver: NetServer) -> None:
    netserver.route("/drip")(drip(byte_interval=0.1, count=40))
    with pytest.raises(FetchTimeout) as info:
        await fetch(netserver.url("/drip"), timeout=0.5)
    assert one_line(info.value) == "timed out after 0.5 s fetching from 127.0.0.1"


async def test_reset_mid_body(netserver: NetServer) -> None:
    netserver.route("/reset")(reset_mid_body())
    with pytest.raises(ConnectionBroken) as info:
        await fetch(netserver.url("/reset"))
    assert "closed before the whole page arrived" in one_line(info.value)


async def test_redirect_loop(netserver: NetServer) -> None:
    netserver.redirect("/a", "/b")
    netserver.redirect("/b", "/a")
    with pytest.raises(TooManyRedirects) as info:
        await fetch(netserver.url("/a"))
    assert one_line(info.value) == "too many redirects (more than 10) from 127.0.0.1"
    assert netserver.hits["/a"] + netserver.hits["/b"] == 11


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "javascript:alert(1)", "data:text/html,hi"]
)
async def test_redirect_to_other_scheme_is_refused(netserver: NetServer, location: str) -> None:
    url = netserver.redirect("/r", location)
    with pytest.raises(RedirectRefused) as info:
        await fetch(url)
    assert "link refused" in one_line(info.value)


async def test_content_length_over_cap_is_refused_before_download(netserver: NetServer) -> None:
    sent: list[int] = []
    netserver.route("/big")(huge_body(50_000_000, sent_counter=sent))
    with pytest.raises(TooLarge) as info:
        await fetch(netserver.url("/big"))
    assert one_line(info.value) == "page from 127.0.0.1 is larger than 10 MB (50,000,000 bytes)"


async def test_chunked_50mb_body_is_aborted_early(netserver: NetServer) -> None:
    sent: list[int] = []
    netserver.route("/big")(huge_body(50_000_000, chunked=True, sent_counter=sent))
    with pytest.raises(TooLarge, match="larger than 1 MB"):
        await fetch(netserver.url("/big"), max_bytes=1_000_000)
    # The handler records what it sent once it notices the hang-up.
    await wait_until_async(None, lambda: bool(sent))
    assert sent[0] < 20_000_000


async def test_gzip_bomb_is_stopped_at_the_decompressed_cap(netserver: NetServer) -> None:
    netserver.route("/bomb")(gzip_bomb(30_000_000))
    with pytest.raises(TooLarge) as info:
        await fetch(netserver.url("/bomb"), max_bytes=2_000_000)
    assert one_line(info.value) == "page from 127.0.0.1 is larger than 2 MB once decompressed"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100),
        ("application/pdf", b"%PDF-1.7"),
        ("video/mp4", b"\0\0\0\x18ftypmp42"),
        ("application/zip", b"PK\x03\x04"),
    ],
)
async def test_binary_types_are_not_articles(
    netserver: NetServer, content_type: str, body: bytes
) -> None:
    url = netserver.add("/bin", body, content_type=content_type)
    with pytest.raises(NotAnArticle) as info:
        await fetch(url)
    assert one_line(info.value) == f"not an article: 127.0.0.1 sent {content_type}"


@pytest.mark.parametrize("content_type", [None, "application/octet-stream"])
async def test_untyped_binary_is_sniffed(netserver: NetServer, content_type: str | None) -> None:
    url = netserver.add("/bin", b"\x89PNG\r\n\x1a\n" + b"\0" * 2000, content_type=content_type)
    with pytest.raises(NotAnArticle, match="binary data"):
        await fetch(url)


async def test_non_web_url_is_refused_without_a_request() -> None:
    calls = []
    transport = httpx.MockTransport(lambda r: calls.append(r) or httpx.Response(200))
    with pytest.raises(LinkRefused):
        await fetch("file:///etc/passwd", transport=transport)
    assert calls == []


async def test_mock_transport_unit_case() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept-encoding"] == "gzip, deflate"
        body = gzip.compress(b"<p>hi</p>")
        return httpx.Response(
            200, content=body, headers={"content-type": "text/html", "content-encoding": "gzip"}
        )

    result = await fetch("https://example.org/x#frag", transport=httpx.MockTransport(handler))
    assert result.data == b"<p>hi</p>" and result.url == "https://example.org/x"


async def test_raw_deflate_is_accepted() -> None:
    import zlib

    raw = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = raw.compress(b"<p>deflated</p>") + raw.flush()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=body, headers={"content-type": "text/html", "content-encoding": "deflate"}
        )

    assert (
        await fetch("https://example.org/", transport=httpx.MockTransport(handler))
    ).data == b"<p>deflated</p>"


# --- TLS ---------------------------------------------------------------------------------------
def _self_signed(tmp: Path) -> ssl.SSLContext | None:
    openssl = shutil.which("openssl")
    if not openssl:
        return None
    key, cert = tmp / "key.pem", tmp / "cert.pem"
    done = subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
        ],
        capture_output=True,
        timeout=30,
        check=False,
    )
    if done.returncode != 0:
        return None
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def test_self_signed_certificate_is_a_tls_error(tmp_path: Path) -> None:
    context = _self_signed(tmp_path)
    if context is None:
        pytest.skip("openssl CLI not available to make a test certificate")
    server = NetServer(tls_context=context).start()
    try:
        url = server.add("/a", PAGE)
        with pytest.raises(TLSError) as info:
            await fetch(url)
        assert one_line(info.value).startswith(
            "TLS error with 127.0.0.1: certificate verify failed"
        )
    finally:
        server.stop()


async def test_server_that_never_answers_times_out() -> None:
    """Issue 6 "Timeout": the connection opens (kernel backlog) but no byte ever comes back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)  # never accept()ed
        port = sock.getsockname()[1]
        with pytest.raises(FetchTimeout) as info:
            await fetch(f"http://127.0.0.1:{port}/", timeout=0.3)
    assert one_line(info.value) == "timed out after 0.3 s fetching from 127.0.0.1"


async def test_https_to_a_plain_http_server_is_a_tls_error(netserver: NetServer) -> None:
    netserver.add("/a", PAGE)
    with pytest.raises(TLSError) as info:
        await fetch(f"https://127.0.0.1:{netserver.port}/a")
    assert one_line(info.value).startswith("TLS error with 127.0.0.1:")
