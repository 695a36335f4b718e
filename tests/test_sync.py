"""Subscriptions and sync against a real server on 127.0.0.1 (issues 4 and 6).

The acceptance path: subscribe to a local feed, sync fills the library, a second sync makes only
conditional requests and adds nothing, and with the server stopped the library still reads.
Every network fault is one line for its source while the rest of the sync carries on.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import httpx
import pytest
from helpers import HANG
from netserver import (
    WORDS,
    NetServer,
    drip,
    gzip_bomb,
    huge_body,
    netserver_fixture,  # noqa: F401 - provides `netserver`
    page,
    reset_mid_body,
    rss,
)

from termreader.cli.main import main as cli_main
from termreader.config import Settings
from termreader.library.store import Library
from termreader.models import Position, article_id
from termreader.web.fetch import Fetcher
from termreader.web.sync import (
    HTTP,
    SAVED_URLS,
    SUBSCRIPTIONS,
    SyncProgress,
    add_subscription,
    save_url,
    subscribe,
    subscriptions,
    sync,
    unsubscribe,
)


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib")
    yield lib
    lib.close()


def fast(**overrides: object) -> Settings:
    # The timeout only bounds a hang: a busy machine must not turn a slow answer into a failure.
    settings = Settings(fetch_timeout=HANG)
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


class Overlap:
    """A test server's slow answer that holds each request until ``want`` are in flight at once.

    With a bare sleep the overlap a test asserts was only likely: on a busy machine the client
    could start the requests one by one. Here it is certain when the client allows it; when it
    does not (a cap), each request waits ``HANG / 4`` and the peak tells. ``hold`` keeps each
    answer slow after that, so a broken cap has time to show as a higher peak.
    """

    def __init__(self, want: int, *, hold: float = 0.0) -> None:
        self.want, self.hold = want, hold
        self.now = self.peak = 0
        self.changed = threading.Condition()

    def __enter__(self) -> None:
        with self.changed:
            self.now += 1
            self.peak = max(self.peak, self.now)
            self.changed.notify_all()
            self.changed.wait_for(lambda: self.peak >= self.want, timeout=HANG / 4)
        time.sleep(self.hold)

    def __exit__(self, *exc: object) -> None:
        with self.changed:
            self.now -= 1


def serve_summary_feed(server: NetServer, n: int = 3, related: int = 2) -> str:
    """A feed with summaries only; each page lists ``related`` related pages."""
    items = []
    for i in range(n):
        rel = [(f"Related {i}-{j}", f"/related/{i}-{j}") for j in range(related)]
        server.add(f"/post/{i}", page(f"Post {i}", related=rel))
        for title, url in rel:
            server.add(url, page(title))
        items.append({"title": f"Post {i}", "link": server.url(f"/post/{i}")})
    return server.add(
        "/feed.xml", rss("Local feed", items), content_type="application/rss+xml", etag='"f1"'
    )


# --- acceptance --------------------------------------------------------------------------------
async def test_acceptance_subscribe_sync_resync_offline(
    netserver: NetServer, library: Library
) -> None:
    """Issue 4 acceptance: fill, re-sync conditionally adding nothing, read offline."""
    feed_url = serve_summary_feed(netserver, n=3, related=2)
    sub = await subscribe(library, feed_url, settings=fast())
    assert sub.title == "Local feed" and [s.url for s in subscriptions(library)] == [feed_url]

    first = await sync(library, fast())
    assert (first.added, first.updated, first.failed, first.prefetched) == (3, 0, [], 6)
    for i in range(3):  # summaries only in the feed: the full pages were fetched and extracted
        article = library.get(library.by_url(netserver.url(f"/post/{i}")).id)
        assert article.title == f"Post {i}" and article.source == "Local feed"
        assert "paragraph 11" in article.body
        assert netserver.hits[f"/post/{i}"] == 1
    assert library.by_url(netserver.url("/related/0-1")) is not None
    assert library.kv_get(HTTP, feed_url) == {"etag": '"f1"', "last_modified": None}
    count = len(library)

    hits_before = sum(netserver.hits.values())
    second = await sync(library, fast())
    assert (second.added, second.updated, second.unchanged, second.failed) == (0, 0, 1, [])
    assert sum(netserver.hits.values()) - hits_before == 1  # only the feed, conditionally
    assert netserver.conditional_hits["/feed.xml"] == 1 and netserver.not_modified["/feed.xml"] == 1
    assert len(library) == count

    netserver.stop()
    offline = Library.open(library.home)  # a fresh process's view
    titles = {a.title for a in offline.list()}
    assert {"Post 0", "Post 1", "Post 2", "Related 0-0", "Related 2-1"} <= titles
    related = offline.by_url(netserver.url("/related/1-0"))
    assert related is not None and "paragraph 3" in offline.get(related.id).body
    failed = await sync(library, fast())  # offline sync: one line, nothing lost
    assert len(failed.failed) == 1 and failed.failed[0][1].startswith("connection refused")
    assert len(library) == count


def test_cli_subscribe_sync_list_show(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same through the command line: subscribe && sync --json, then list/show offline."""
    feed_url = serve_summary_feed(netserver, n=2, related=0)
    home = str(tmp_path / "cli-lib")
    assert cli_main(["--library", home, "subscribe", feed_url]) == 0
    assert "subscribed to Local feed" in capsys.readouterr().out
    assert cli_main(["--library", home, "sync", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["added"] == 2 and report["failed"] == []
    assert cli_main(["--library", home, "sync", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["added"] == 0 and again["unchanged"] == 1
    netserver.stop()
    assert cli_main(["--library", home, "list", "--json"]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    post = next(a for a in listed if a["title"] == "Post 1")
    assert cli_main(["--library", home, "show", post["id"]]) == 0
    assert "paragraph 5" in capsys.readouterr().out
    assert cli_main(["--library", home, "subscriptions", "--json"]) == 0
    (sub,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert sub["url"] == feed_url and sub["title"] == "Local feed" and sub["last_error"] is None


# --- feeds ------------------------------------------------------------------------------------------
async def test_full_content_feed_is_imported_without_fetching_pages(
    netserver: NetServer, library: Library
) -> None:
    body = "".join(f"<p>Full text paragraph {i}. {WORDS * 3}</p>" for i in range(10))
    netserver.add("/post/full", page("Never fetched"))
    feed_url = netserver.add(
        "/full.xml",
        rss(
            "Full feed",
            [{"title": "Complete entry", "link": netserver.url("/post/full"), "content": body}],
        ),
        content_type="application/rss+xml",
    )
    add_subscription(library, feed_url)
    report = await sync(library, fast(related_depth=0))
    assert report.added == 1 and netserver.hits["/post/full"] == 0
    article = library.get(library.by_url(netserver.url("/post/full")).id)
    assert article.title == "Complete entry" and "Full text paragraph 9" in article.body
    assert article.published == datetime(2026, 11, 1, tzinfo=UTC)


async def test_entry_page_failure_falls_back_to_the_feed_text(
    netserver: NetServer, library: Library
) -> None:
    feed_url = netserver.add(
        "/f.xml",
        rss(
            "Feed",
            [
                {
                    "title": "Gone",
                    "link": netserver.url("/missing"),
                    "summary": "Only this summary survives.",
                }
            ],
        ),
        content_type="application/rss+xml",
    )
    add_subscription(library, feed_url)
    report = await sync(library, fast())
    assert report.added == 1 and report.failed == []
    assert report.warnings == [(netserver.url("/missing"), "HTTP 404 Not Found")]
    article = library.get(library.by_url(netserver.url("/missing")).id)
    assert "Only this summary survives." in article.body


async def test_subscribe_to_a_page_that_advertises_its_feed(
    netserver: NetServer, library: Library
) -> None:
    feed_url = serve_summary_feed(netserver, n=1, related=0)
    netserver.add(
        "/blog/",
        '<html><head><title>Blog</title><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>hi</body></html>',
    )
    sub = await subscribe(library, netserver.url("/blog/"))
    assert sub.url == feed_url and sub.title == "Local feed"


async def test_subscribe_to_a_page_without_feed_is_one_line(
    netserver: NetServer, library: Library
) -> None:
    url = netserver.add("/plain", page("No feed here"))
    with pytest.raises(Exception) as info:
        await subscribe(library, url)
    assert str(info.value).startswith("no feed found at ") and "\n" not in str(info.value)
    assert subscriptions(library) == []


async def test_feed_served_with_wrong_type_and_name_is_sniffed(
    netserver: NetServer, library: Library
) -> None:
    atom = (
        Path(__file__).parent / "fixtures" / "feeds" / "feed-rs" / "rss_2.0_reddit.xml"
    ).read_bytes()
    url = netserver.add("/news.rss", atom, content_type="text/plain")
    sub = await subscribe(library, url)
    assert sub.title == "reddit.com: search results - site:kevincox.ca"


def test_unsubscribe(library: Library) -> None:
    add_subscription(library, "https://Example.org/feed.xml", "Ex")
    assert unsubscribe(library, "https://example.org/feed.xml")
    assert not unsubscribe(library, "https://example.org/feed.xml")
    assert subscriptions(library) == []


# --- saved URLs ----------------------------------------------------------------------------------
async def test_saved_url_is_refreshed_conditionally_then_updated(
    netserver: NetServer, library: Library
) -> None:
    url = netserver.add("/saved", page("Saved v1"), last_modified="Tue, 01 Apr 2025 10:00:00 GMT")
    article = await save_url(library, url, settings=fast())
    assert library.kv_get(SAVED_URLS, url)["title"] == "Saved v1"
    report = await sync(library, fast(related_depth=0))
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert (
        netserver.request_headers["/saved"]["if-modified-since"] == "Tue, 01 Apr 2025 10:00:00 GMT"
    )
    netserver.add("/saved", page("Saved v2"), last_modified="Wed, 02 Apr 2025 10:00:00 GMT")
    report = await sync(library, fast(related_depth=0))
    assert (report.added, report.updated) == (0, 1)
    assert library.get(article.id).title == "Saved v2" and len(library) == 1


# --- faults: one line each, the rest carries on, nothing stored for the failed source ----------
def _faulty_sources(server: NetServer) -> dict[str, str]:
    """Feed subscriptions, each hitting one fault; value: the expected reason's start."""
    server.route("/drip.xml")(drip(byte_interval=0.2, count=30))
    server.route("/reset.xml")(reset_mid_body())
    server.route("/huge.xml")(huge_body(50_000_000, chunked=True))
    server.route("/bomb.xml")(gzip_bomb(30_000_000))
    server.add("/500.xml", "oops", status=500)
    server.add("/503.xml", "busy", status=503, headers={"Retry-After": "30"})
    server.redirect("/loop1.xml", "/loop2.xml")
    server.redirect("/loop2.xml", "/loop1.xml")
    server.redirect("/file.xml", "file:///etc/passwd")
    server.add("/image.xml", b"\x89PNG\r\n\x1a\n" + b"\0" * 500, content_type="image/png")
    server.add("/untyped.xml", b"\x00\x01\x02" * 1000, content_type=None)
    server.add("/notfeed.xml", page("Just a page"))
    server.add(
        "/broken.xml",
        b"<?xml version='1.0'?><rss><channel><title>x",
        content_type="application/rss+xml",
    )
    return {
        server.url("/drip.xml"): "timed out after 1.5 s",
        server.url("/reset.xml"): "connection to 127.0.0.1 closed before the whole page arrived",
        server.url("/huge.xml"): "page from 127.0.0.1 is larger than 1 MB",
        server.url("/bomb.xml"): "page from 127.0.0.1 is larger than 1 MB once decompressed",
        server.url("/500.xml"): "HTTP 500 Internal Server Error",
        server.url("/503.xml"): "HTTP 503 Service Unavailable (retry after 30 s)",
        server.url("/404.xml"): "HTTP 404 Not Found",
        server.url("/loop1.xml"): "too many redirects",
        server.url("/file.xml"): "redirect to a file: link refused",
        server.url("/image.xml"): "not an article: 127.0.0.1 sent image/png",
        server.url("/untyped.xml"): "not an article: 127.0.0.1 sent binary data",
        server.url("/notfeed.xml"): "not a feed",
        server.url("/broken.xml"): "broken feed with no entries",
        "http://no-such-host.invalid/feed.xml": "cannot resolve host no-such-host.invalid",
    }


async def test_every_fault_is_one_line_and_the_rest_of_the_sync_carries_on(
    netserver: NetServer, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 6 network faults: each source fails alone; the good feed and page still land."""
    real_getaddrinfo = socket.getaddrinfo

    def resolver(host: object, *args: object, **kwargs: object) -> object:
        if str(host).endswith(".invalid"):  # no DNS query leaves the machine
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    good_feed = serve_summary_feed(netserver, n=2, related=0)
    # a legacy page lying about its charset: declared gb2312 in the header, really UTF-8
    lying = netserver.add(
        "/lying",
        page("中文标题：字符集声明错误").encode("utf-8"),
        content_type="text/html; charset=gb2312",
    )
    faults = _faulty_sources(netserver)
    for url in [good_feed, *faults]:
        add_subscription(library, url)
    library.kv_put(SAVED_URLS, lying, {"title": "", "added": "", "last_sync": "", "last_error": ""})

    settings = fast(fetch_timeout=1.5, max_download_mb=1.0, related_depth=0)
    events: list[SyncProgress] = []
    report = await sync(library, settings, progress=events.append)

    assert report.added == 3, report.failed  # two posts + the saved page
    failed = dict(report.failed)
    assert set(failed) == set(faults)
    for url, expected in faults.items():
        assert failed[url].startswith(expected), (url, failed[url])
        assert "\n" not in failed[url]
        assert library.kv_get(SUBSCRIPTIONS, url)["last_error"] == failed[url]
        assert library.by_url(url) is None
    assert library.kv_get(SUBSCRIPTIONS, good_feed)["last_error"] == ""
    stored = {a.url for a in library.list()}
    assert stored == {netserver.url("/post/0"), netserver.url("/post/1"), lying}
    assert library.get(library.by_url(lying).id).title  # its charset: see the next test
    assert events[-1].done == events[-1].total == len(faults) + 2
    assert sum(1 for e in events if e.source and not e.ok) == len(faults)


async def test_page_declaring_gb2312_that_is_utf8_reads_correctly(
    netserver: NetServer, library: Library
) -> None:
    """Issue 4: "a page declaring gb2312 that is really UTF-8 still reads correctly"."""
    url = netserver.add(
        "/lying",
        page("中文标题：字符集声明错误").encode("utf-8"),
        content_type="text/html; charset=gb2312",
    )
    article = await save_url(library, url, settings=fast())
    assert article.title == "中文标题：字符集声明错误"


@pytest.mark.skipif(not __import__("shutil").which("openssl"), reason="needs the openssl CLI")
async def test_tls_error_fails_only_that_source(
    netserver: NetServer, library: Library, tmp_path: Path
) -> None:
    from test_fetch import _self_signed

    context = _self_signed(tmp_path)
    if context is None:
        pytest.skip("could not make a certificate")
    tls = NetServer(tls_context=context).start()
    try:
        bad = tls.add("/feed.xml", rss("TLS", []), content_type="application/rss+xml")
        good = serve_summary_feed(netserver, n=1, related=0)
        add_subscription(library, bad)
        add_subscription(library, good)
        report = await sync(library, fast(related_depth=0))
    finally:
        tls.stop()
    assert report.added == 1
    assert report.failed == [(bad, report.failed[0][1])]
    assert report.failed[0][1].startswith("TLS error with 127.0.0.1: certificate verify failed")


# --- concurrency and related limits --------------------------------------------------------------
async def test_sources_are_fetched_concurrently_within_the_bound(
    netserver: NetServer, library: Library
) -> None:
    gate = Overlap(2, hold=0.15)

    def slow_feed(n: int):
        body = rss(f"Feed {n}", []).encode()

        def handler(req: BaseHTTPRequestHandler) -> None:
            with gate:
                pass
            req.send_response(200)
            req.send_header("Content-Type", "application/rss+xml")
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)

        return handler

    for n in range(12):
        netserver.route(f"/c{n}.xml")(slow_feed(n))
        add_subscription(library, netserver.url(f"/c{n}.xml"))
    report = await sync(library, fast(), concurrency=4)
    assert report.failed == [] and report.unchanged == 12
    assert 2 <= gate.peak <= 4


async def test_related_prefetch_respects_limit_and_depth(
    netserver: NetServer, library: Library
) -> None:
    # Headline-like titles: a one-word link is not taken for a related article.
    rel = [(f"Related story number {j}", f"/r/{j}") for j in range(6)]
    for j, (title, url) in enumerate(rel):
        netserver.add(url, page(title, related=[(f"A deeper story under {j}", f"/deep/{j}")]))
        netserver.add(f"/deep/{j}", page(f"A deeper story under {j}"))
    url = netserver.add("/hub", page("Hub", related=rel))
    library.kv_put(SAVED_URLS, url, {"title": "", "added": "", "last_sync": "", "last_error": ""})
    report = await sync(library, fast(related_limit=3, related_depth=1))
    assert report.prefetched == 3
    assert sum(netserver.hits[u] for _, u in rel) == 3
    assert sum(v for k, v in netserver.hits.items() if k.startswith("/deep/")) == 0
    prefetched = library.by_url(netserver.url("/r/0"))
    assert prefetched is not None and "prefetched" in prefetched.tags

    library2 = Library.open(library.home.parent / "lib2")
    library2.kv_put(SAVED_URLS, url, {"title": "", "added": "", "last_sync": "", "last_error": ""})
    report = await sync(library2, fast(related_limit=2, related_depth=2))
    assert report.prefetched == 4  # 2 related, then 1 deeper for each of them


# --- unit: MockTransport -------------------------------------------------------------------------
async def test_sync_with_mock_transport(library: Library) -> None:
    feed = rss(
        "Mock",
        [{"title": "M1", "link": "https://mock.example/1", "content": "<p>" + WORDS * 40 + "</p>"}],
    )

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/feed":
            if request.headers.get("if-none-match") == '"m"':
                return httpx.Response(304)
            return httpx.Response(
                200, text=feed, headers={"content-type": "application/rss+xml", "etag": '"m"'}
            )
        return httpx.Response(404)

    add_subscription(library, "https://mock.example/feed")
    async with Fetcher(fast(), transport=httpx.MockTransport(handler)) as fetcher:
        first = await sync(library, fast(), fetcher=fetcher)
        second = await sync(library, fast(), fetcher=fetcher)
    assert first.added == 1 and second.unchanged == 1 and second.requests == 1
    assert library.by_url("https://mock.example/1").id == article_id("https://mock.example/1")


def test_cli_sync_text_output_and_exit_code(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    feed_url = serve_summary_feed(netserver, n=1, related=0)
    home = str(tmp_path / "lib")
    assert cli_main(["--library", home, "subscribe", feed_url]) == 0
    lib = Library.open(home)
    add_subscription(lib, netserver.url("/gone.xml"))
    capsys.readouterr()
    assert cli_main(["--library", home, "sync"]) == 1  # a source failed
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "1 added, 0 updated, 0 unchanged, 1 failed"
    assert "Post 0  (Local feed)" in out
    assert err == f"termreader: {netserver.url('/gone.xml')}: HTTP 404 Not Found\n"


async def test_store_failure_writes_no_validators(
    netserver: NetServer, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failed batch write must not leave an ETag behind: the next sync would get a 304
    and the entries would never arrive."""
    from termreader.errors import StoreError

    feed_url = serve_summary_feed(netserver, n=2, related=0)
    add_subscription(library, feed_url)

    def broken(articles: object) -> None:
        raise StoreError("disk full")

    monkeypatch.setattr(library, "add_many", broken)
    with pytest.raises(StoreError):
        await sync(library, fast())
    monkeypatch.undo()
    assert library.kv_get(HTTP, feed_url) is None
    report = await sync(library, fast())
    assert report.added == 2


async def test_removed_saved_article_is_not_brought_back(
    netserver: NetServer, library: Library
) -> None:
    url = netserver.add("/saved", page("Saved"))
    article = await save_url(library, url, settings=fast())
    library.remove(article.id)
    report = await sync(library, fast())
    assert report.added == 0 and library.by_url(url) is None
    assert library.kv_get(SAVED_URLS, url) is None and netserver.hits["/saved"] == 1


async def test_removed_feed_article_does_not_come_back(
    netserver: NetServer, library: Library
) -> None:
    body = "<p>" + WORDS * 30 + "</p>"
    items = [
        {"title": f"E{i}", "link": netserver.url(f"/e/{i}"), "content": body} for i in range(2)
    ]
    feed_url = netserver.add(
        "/f.xml", rss("F", items), content_type="application/rss+xml", etag='"1"'
    )
    add_subscription(library, feed_url)
    assert (await sync(library, fast())).added == 2
    library.remove(library.by_url(netserver.url("/e/0")).id)
    items.insert(0, {"title": "E2", "link": netserver.url("/e/2"), "content": body})
    netserver.add("/f.xml", rss("F", items), content_type="application/rss+xml", etag='"2"')
    report = await sync(library, fast())
    assert [a["title"] for a in report.articles] == ["E2"]
    assert library.by_url(netserver.url("/e/0")) is None
    assert unsubscribe(library, feed_url) and library.kv_get("feed_entries", feed_url) is None


# --- loose ends of issue 4: changed entries, prefetched articles, progress, politeness, add ------
def atom(title: str, entries: list[dict[str, str]]) -> str:
    """An Atom feed; each entry: title, link, updated (ISO), content (HTML)."""
    parts = "".join(
        f'<entry><title>{e["title"]}</title><link href="{e["link"]}"/><id>{e["link"]}</id>'
        f"<updated>{e['updated']}</updated>"
        f'<content type="html">{__import__("html").escape(e["content"])}</content></entry>'
        for e in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{title}</title><id>urn:x</id><updated>2026-11-01T00:00:00Z</updated>{parts}</feed>"
    )


def _long(text: str) -> str:
    return "".join(f"<p>{text} paragraph {i}. {WORDS * 3}</p>" for i in range(8))


@pytest.mark.parametrize("kind", ["atom", "rss"])
async def test_changed_feed_entry_is_updated_keeping_reading_state(
    netserver: NetServer, library: Library, kind: str
) -> None:
    """Atom says so with <updated>; RSS only by changed content: either way the stored article
    is replaced, under the same id, with the reader's position and read mark kept."""
    entries = [
        {
            "title": f"Entry {i}",
            "link": netserver.url(f"/e/{i}"),
            "updated": "2026-11-01T00:00:00Z",
            "content": _long(f"First version of {i}"),
        }
        for i in range(2)
    ]

    def publish(version: int) -> str:
        if kind == "atom":
            return netserver.add(
                "/f", atom("F", entries), content_type="application/atom+xml", etag=f'"{version}"'
            )
        return netserver.add(
            "/f", rss("F", entries), content_type="application/rss+xml", etag=f'"{version}"'
        )

    add_subscription(library, publish(1))
    assert (await sync(library, fast())).added == 2
    first = library.by_url(netserver.url("/e/0"))
    library.set_unread(first.id, False)
    library.set_position(first.id, Position("paragraph-3", 7, 40.0))
    count = len(library)

    entries[0]["content"] = _long("Second version of 0")
    entries[0]["updated"] = "2026-11-02T09:30:00Z"
    publish(2)
    report = await sync(library, fast())
    assert (report.added, report.updated, report.failed) == (0, 1, [])
    assert [(a["title"], a["status"]) for a in report.articles] == [("Entry 0", "updated")]
    again = library.get(first.id)
    assert "Second version of 0" in again.body and "First version" not in again.body
    assert again.unread is False and again.position == Position("paragraph-3", 7, 40.0)
    assert len(library) == count and netserver.hits["/e/0"] == 0  # full content: no page fetch

    publish(3)  # a new ETag, the same entries: nothing to do
    report = await sync(library, fast())
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)


async def test_feed_that_redates_every_entry_is_not_refetched(
    netserver: NetServer, library: Library
) -> None:
    """Many feeds are rebuilt with every <updated> set to "now": that alone re-imports nothing
    (a summary feed would re-download every page on every sync), while a changed text still
    counts."""
    entries = []
    for i in range(8):
        netserver.add(f"/p/{i}", page(f"Page {i}"))
        entries.append(
            {
                "title": f"Page {i}",
                "link": netserver.url(f"/p/{i}"),
                "updated": "2026-11-01T00:00:00Z",
                "content": f"<p>Summary {i}.</p>",
            }
        )
    feed = netserver.add("/f", atom("F", entries), content_type="application/atom+xml")
    add_subscription(library, feed)
    assert (await sync(library, fast(related_depth=0))).added == 8
    for entry in entries:
        entry["updated"] = "2026-11-03T00:00:00Z"
    entries[5]["content"] = "<p>Summary 5, corrected.</p>"
    netserver.add("/p/5", page("Page 5 corrected"))
    netserver.add("/f", atom("F", entries), content_type="application/atom+xml")
    report = await sync(library, fast(related_depth=0))
    assert (report.added, report.updated) == (0, 1)
    assert [netserver.hits[f"/p/{i}"] for i in range(8)] == [1, 1, 1, 1, 1, 2, 1, 1]
    assert library.get(library.by_url(netserver.url("/p/5")).id).title == "Page 5"  # feed title
    assert "Page 5 corrected" in library.get(library.by_url(netserver.url("/p/5")).id).body

    entries[2]["updated"] = "2026-11-04T00:00:00Z"  # one entry re-dated: the page is checked
    netserver.add("/p/2", page("Page 2, second edition"))
    netserver.add("/f", atom("F", entries), content_type="application/atom+xml")
    report = await sync(library, fast(related_depth=0))
    assert report.updated == 1 and netserver.hits["/p/2"] == 2


async def test_changed_entry_the_reader_removed_stays_removed(
    netserver: NetServer, library: Library
) -> None:
    entries = [
        {
            "title": "Gone",
            "link": netserver.url("/e/0"),
            "updated": "2026-11-01T00:00:00Z",
            "content": _long("v1"),
        }
    ]
    feed = netserver.add("/f", atom("F", entries), content_type="application/atom+xml")
    add_subscription(library, feed)
    await sync(library, fast())
    library.remove(library.by_url(netserver.url("/e/0")).id)
    entries[0].update(updated="2026-11-05T00:00:00Z", content=_long("v2"))
    netserver.add("/f", atom("F", entries), content_type="application/atom+xml")
    report = await sync(library, fast())
    assert (report.added, report.updated) == (0, 0) and len(library) == 0


async def test_state_from_before_marks_sets_a_baseline_without_reimporting(
    netserver: NetServer, library: Library
) -> None:
    """A library synced by an earlier version has entry keys but no marks: no mass update."""
    feed_url = serve_summary_feed(netserver, n=2, related=0)
    add_subscription(library, feed_url)
    await sync(library, fast())
    record = library.kv_get("feed_entries", feed_url)
    library.kv_put("feed_entries", feed_url, {"keys": record["keys"]})
    netserver.add("/feed.xml", netserver.routes["/feed.xml"].body, etag='"f2"')
    report = await sync(library, fast())
    assert (report.added, report.updated, report.unchanged) == (0, 0, 1)
    assert set(library.kv_get("feed_entries", feed_url)["marks"]) == set(record["keys"])


def test_prefetched_articles_are_hidden_from_list_unless_all(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Related pages fetched for offline reading do not crowd `list`; `--all` shows them,
    and they still open by URL."""
    feed_url = serve_summary_feed(netserver, n=2, related=1)
    home = str(tmp_path / "lib")
    assert cli_main(["--library", home, "subscribe", feed_url]) == 0
    assert cli_main(["--library", home, "sync", "--json"]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["prefetched"] == 2
    ours = netserver.url("/")  # the samples seeded into a new library are listed too

    def listed_titles(*flags: str) -> dict[str, dict[str, object]]:
        assert cli_main(["--library", home, "list", "--json", *flags]) == 0
        records = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
        return {r["title"]: r for r in records if r["url"].startswith(ours)}

    assert set(listed_titles()) == {"Post 0", "Post 1"}
    listed = listed_titles("--all")
    assert set(listed) == {"Post 0", "Post 1", "Related 0-0", "Related 1-0"}
    assert listed["Related 0-0"]["tags"] == ["prefetched"]
    assert cli_main(["--library", home, "show", netserver.url("/related/1-0")]) == 0
    assert "Related 1-0: paragraph 4" in capsys.readouterr().out


async def test_feed_entry_takes_over_a_prefetched_copy(
    netserver: NetServer, library: Library
) -> None:
    """A page first prefetched as related, then published in a followed feed, joins the
    library proper: one article, no longer tagged prefetched, counted as added."""
    later = "A later story from the hub"
    hub = netserver.add("/hub", page("Hub", related=[(later, "/later")]))
    netserver.add("/later", page(later))
    library.kv_put(SAVED_URLS, hub, {"title": "", "added": "", "last_sync": "", "last_error": ""})
    assert (await sync(library, fast())).prefetched == 1
    copy = library.by_url(netserver.url("/later"))
    items = [{"title": later, "link": netserver.url("/later")}]
    add_subscription(
        library, netserver.add("/f", rss("F", items), content_type="application/rss+xml")
    )
    report = await sync(library, fast())
    assert report.added == 1 and [a["title"] for a in report.articles] == [later]
    now_in = library.by_url(netserver.url("/later"))
    assert now_in.id == copy.id and "prefetched" not in now_in.tags
    assert now_in.source == "F"


async def test_progress_counts_related_prefetching(netserver: NetServer, library: Library) -> None:
    feed_url = serve_summary_feed(netserver, n=3, related=2)
    add_subscription(library, feed_url)
    netserver.add("/post/2", page("Post 2", related=[("A missing page of the site", "/nowhere")]))
    events: list[SyncProgress] = []
    report = await sync(library, fast(), progress=events.append)
    assert report.prefetched == 4 and len(report.warnings) == 1
    assert all(0 <= e.done <= e.total for e in events)
    assert [e.done for e in events] == sorted(e.done for e in events)
    assert events[-1].done == events[-1].total == 1 + 5  # the feed, then 5 related pages
    assert max(e.total for e in events[:2]) == 1  # the total grew once links were found
    assert [e.source for e in events if not e.ok] == [netserver.url("/nowhere")]


async def test_per_host_cap(netserver: NetServer, library: Library) -> None:
    gate = Overlap(2, hold=0.1)
    body = rss("Slow", []).encode()

    def handler(req: BaseHTTPRequestHandler) -> None:
        with gate:
            pass
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    for n in range(8):
        netserver.route(f"/h{n}.xml")(handler)
        add_subscription(library, netserver.url(f"/h{n}.xml"))
    report = await sync(library, fast(sync_per_host=2), concurrency=8)
    assert report.failed == [] and gate.peak == 2
    assert Settings().sync_per_host == 0  # off by default: only sync_concurrency applies


def test_added_url_is_refreshed_by_sync_without_duplicates(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`add URL` keys the article by the final URL after redirects; sync refreshes that very
    article: conditionally, then as an update when the page changes."""
    netserver.add("/real", page("Added v1"), etag='"a1"')
    netserver.redirect("/short", "/real")
    home = str(tmp_path / "lib")
    assert cli_main(["--library", home, "add", netserver.url("/short"), "--json"]) == 0
    added = json.loads(capsys.readouterr().out)
    assert added["url"] == netserver.url("/real")
    lib = Library.open(home)
    assert list(lib.kv_all(SAVED_URLS)) == [netserver.url("/real")]

    assert cli_main(["--library", home, "sync", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["updated"], report["unchanged"]) == (0, 0, 1)
    assert netserver.not_modified["/real"] == 1 and netserver.hits["/short"] == 1

    netserver.add("/real", page("Added v2"), etag='"a2"')
    assert cli_main(["--library", home, "sync", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["updated"] == 1 and report["articles"][0]["id"] == added["id"]
    lib = Library.open(home)
    assert [a.title for a in lib.list() if a.url.startswith(netserver.url("/"))] == ["Added v2"]


def test_add_url_error_names_the_url(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = netserver.url("/missing")
    assert cli_main(["--library", str(tmp_path / "lib"), "add", missing]) == 1
    assert capsys.readouterr().err == f"termreader: {missing}: HTTP 404 Not Found\n"


async def test_concurrency_above_the_default_pool_is_not_capped(
    netserver: NetServer, library: Library
) -> None:
    """The fetcher's pool grows with --concurrency (a 20-connection pool capped 32 at 20)."""
    gate = Overlap(21)
    body = rss("Slow", []).encode()

    def handler(req: BaseHTTPRequestHandler) -> None:
        with gate:
            pass
        req.send_response(200)
        req.send_header("Content-Type", "application/rss+xml")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    for n in range(26):
        netserver.route(f"/p{n}.xml")(handler)
        add_subscription(library, netserver.url(f"/p{n}.xml"))
    report = await sync(library, fast(), concurrency=26)
    assert report.failed == [] and gate.peak > 20
