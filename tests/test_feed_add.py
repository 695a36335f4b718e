"""Feeds are not articles (issue 12): the content tells a feed, ``add`` subscribes, the reader asks.

Before: ``termreader add feed1.atom`` stored an article titled ``<?xml version="1.0"
encoding="utf-8"?>`` showing raw XML; an RSS served as ``application/xml`` opened as raw XML, and
one served as ``application/x-rss+xml`` failed with "Could not open URL: URL: … is not an article
type" (the URL twice).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import wait_until_async
from netserver import (
    NetServer,
    netserver_fixture,  # noqa: F401 - provides `netserver`
    page,
    rss,
)

from termreader.cli.main import main as cli_main
from termreader.errors import IsAFeed
from termreader.importers import feed_kind, import_bytes, import_path
from termreader.library.store import Library
from termreader.web.sync import SUBSCRIPTIONS

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
TRAFILATURA = FEEDS / "trafilatura"
RAW_STARTS = ("<?xml", "<rss", "<feed", "<rdf", '{"version"')


def atom(title: str, entries: list[tuple[str, str]]) -> str:
    items = "".join(
        f"<entry><title>{t}</title><link href='{link}'/><id>{link}</id>"
        f"<updated>2026-11-0{n + 1}T10:00:00Z</updated><summary>Short.</summary></entry>"
        for n, (t, link) in enumerate(entries)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!-- generated -->\n'
        f'<feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>'
        f"<id>urn:x</id><updated>2026-11-01T10:00:00Z</updated>{items}</feed>"
    )


def no_raw_feed_articles(library: Library) -> None:
    for article in library.list(None):
        body = library.get(article.id).body.lstrip()
        assert not body.startswith(RAW_STARTS), (article.title, body[:80])
        assert not article.title.startswith(RAW_STARTS), article.title


# --- the sniff -------------------------------------------------------------------------------------
FEED_FILES = sorted(
    p for p in FEEDS.rglob("*") if p.suffix in (".xml", ".atom", ".rss") and "invalid" not in p.name
) + [TRAFILATURA / "feed.json", FEEDS / "feed-rs" / "jsonfeed_elastic_1.1.json"]


@pytest.mark.parametrize("path", FEED_FILES, ids=lambda p: p.name)
def test_every_fixture_feed_is_told_a_feed(path: Path) -> None:
    """RSS 0.9x/2.0, Atom, RSS 1.0 (with DOCTYPE and entity declarations), UTF-16, JSON Feed."""
    assert feed_kind(path.read_bytes()) in ("rss", "atom", "rdf", "json")


def test_content_decides_not_the_name_or_type() -> None:
    """A .rss holding Atom is Atom; XHTML served as XML is a page; a comment is not a root."""
    atom_bytes = (TRAFILATURA / "feed1.atom").read_bytes()
    assert feed_kind(atom_bytes) == "atom"
    assert feed_kind((TRAFILATURA / "feed2.rss").read_bytes()) == "rss"
    xhtml = (
        b'<?xml version="1.0"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" '
        b'"http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>P</title></head>'
        b"<body><p>A page.</p></body></html>"
    )
    assert feed_kind(xhtml) == ""
    assert feed_kind(b"<!-- <rss version='2.0'> -->\n<html><body>x</body></html>") == ""
    assert feed_kind(b'<!DOCTYPE x [<!ENTITY e "<rss>">]><html/>') == ""
    assert feed_kind(b'<!DOCTYPE rss [<!ENTITY e "]>">]><rss version="2.0"/>') == "rss"
    assert feed_kind(b"<feed><entry/></feed>") == ""  # no Atom namespace: some other XML
    assert feed_kind(b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/>') == ""
    assert feed_kind(b'{"version": "1.0", "items": []}') == ""
    assert feed_kind(b"# A note about <rss> feeds\n") == ""
    assert feed_kind(atom_bytes.decode().encode("utf-16")) == "atom"


@pytest.mark.parametrize(
    "data",
    [b"<!--" * 50_000, b"<?" * 50_000, b"<!DOCTYPE [" * 50_000, b"<a>" * 10_000, b"[" * 100_000],
    ids=["comments", "pis", "subsets", "nesting", "brackets"],
)
def test_hostile_prologs_are_bounded(data: bytes) -> None:
    """Unclosed or deeply repeated prolog constructs end the sniff, never raise."""
    assert feed_kind(data) == ""


def test_importers_refuse_a_feed_with_its_own_error(tmp_path: Path) -> None:
    """The file that became an article titled ``<?xml ...?>`` is now refused as a feed."""
    with pytest.raises(IsAFeed) as caught:
        import_path(TRAFILATURA / "feed1.atom")
    assert caught.value.kind == "atom" and caught.value.source.endswith("feed1.atom")
    assert "Atom feed, not an article" in str(caught.value)
    misnamed = tmp_path / "news.rss"
    misnamed.write_bytes((TRAFILATURA / "feed1.atom").read_bytes())
    with pytest.raises(IsAFeed):
        import_path(misnamed)
    for content_type in ("application/xml", "application/x-rss+xml", "text/xml", ""):
        with pytest.raises(IsAFeed) as caught:
            import_bytes(
                (TRAFILATURA / "feed2.rss").read_bytes(),
                url="https://example.test/feed",
                content_type=content_type,
            )
        assert caught.value.source == "https://example.test/feed" and caught.value.kind == "rss"
    with pytest.raises(IsAFeed):
        import_bytes((TRAFILATURA / "feed.json").read_bytes(), url="https://example.test/j")
    page_xml = b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
    page_xml += b"<title>An XHTML page</title></head><body><h1>An XHTML page</h1>"
    page_xml += b"<p>" + b"Prose of the page. " * 30 + b"</p></body></html>"
    article = import_bytes(page_xml, url="https://example.test/p", content_type="application/xml")
    assert article.title == "An XHTML page" and not article.body.startswith("<")


# --- the command line ------------------------------------------------------------------------------
def serve_feeds(netserver: NetServer) -> dict[str, str]:
    """An Atom feed as application/xml, an RSS as application/x-rss+xml, a .rss that is Atom."""
    for name in ("a1", "a2", "r1", "r2", "m1"):
        netserver.add(f"/post/{name}", page(f"Post {name}", paragraphs=3))
    links = {n: netserver.url(f"/post/{n}") for n in ("a1", "a2", "r1", "r2", "m1")}
    return {
        "atom": netserver.add(
            "/atom",
            atom("Atom news", [("Post a1", links["a1"]), ("Post a2", links["a2"])]),
            content_type="application/xml",
        ),
        "rss": netserver.add(
            "/feed",
            rss(
                "Rss news",
                [
                    {"title": "Post r1", "link": links["r1"]},
                    {"title": "Post r2", "link": links["r2"]},
                ],
            ),
            content_type="application/x-rss+xml",
        ),
        "misnamed": netserver.add(
            "/news.rss",
            atom("Misnamed news", [("Post m1", links["m1"])]),
            content_type="application/rss+xml",
        ),
    }


def test_cli_add_feed_url_subscribes_and_syncs(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``add URL`` of a feed: one line per feed, a subscription, its entries as articles."""
    urls = serve_feeds(netserver)
    home = str(tmp_path / "lib")
    assert cli_main(["--library", home, "add", *urls.values()]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "feed: Atom news — subscribed; 2 new articles",
        "feed: Rss news — subscribed; 2 new articles",
        "feed: Misnamed news — subscribed; 1 new article",
    ]
    assert cli_main(["--library", home, "subscriptions", "--json"]) == 0
    subs = {json.loads(line)["url"] for line in capsys.readouterr().out.splitlines()}
    assert subs == set(urls.values())
    assert cli_main(["--library", home, "list", "--json"]) == 0
    titles = {json.loads(line)["title"] for line in capsys.readouterr().out.splitlines()}
    assert {"Post a1", "Post a2", "Post r1", "Post r2", "Post m1"} <= titles
    library = Library.open(home)
    try:
        no_raw_feed_articles(library)
        assert library.kv_get(SUBSCRIPTIONS, urls["atom"])["title"] == "Atom news"  # type: ignore[index]
    finally:
        library.close()
    assert cli_main(["--library", home, "add", "--json", urls["rss"]]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again == {
        "feed": urls["rss"],
        "title": "Rss news",
        "subscribed": True,
        "added": 0,
        "failed": None,
    }


def test_cli_add_feed_file_imports_entries_once_without_subscribing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A feed file has no URL to refresh: its entries are imported once, nothing subscribed."""
    home = str(tmp_path / "lib")
    feed = TRAFILATURA / "feed1.atom"
    assert cli_main(["--library", home, "add", str(feed)]) == 0
    out = capsys.readouterr().out
    assert out == (
        "feed: Example Feed — 2 new articles imported from the file "
        "(not subscribed: a file is not refreshed)\n"
    )
    assert cli_main(["--library", home, "add", str(feed)]) == 0
    assert "— 0 new articles imported" in capsys.readouterr().out
    assert cli_main(["--library", home, "subscriptions"]) == 0
    assert capsys.readouterr().out == ""
    library = Library.open(home)
    try:
        mine = [a for a in library.list(None) if a.source == "Example Feed"]
        assert sorted(a.title for a in mine) == [
            "Atom-Powered Robots Run Amok",
            "Self-referenced link",
        ]
        no_raw_feed_articles(library)
    finally:
        library.close()


# --- the reader ------------------------------------------------------------------------------------
async def test_following_a_link_to_a_feed_asks_and_y_subscribes(
    netserver: NetServer, tmp_path: Path
) -> None:
    """One line says what the link is, a dialog asks, ``y`` subscribes and syncs that feed
    (from the download the link already made: the sync downloaded it a second time)."""
    from test_app import build_library, make_app, open_field_notes

    from termreader.ui.subscribe_screen import SubscribeScreen

    library = build_library(tmp_path / "library")
    urls = serve_feeds(netserver)
    app = make_app(library, related_depth=0)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.following.follow_url(urls["atom"])
        await wait_until_async(pilot, lambda: isinstance(app.screen, SubscribeScreen))
        dialog = app.screen
        assert isinstance(dialog, SubscribeScreen)
        assert dialog.question == "Subscribe to “Atom news”? y/n"
        said = [n.message for n in app._notifications if "feed" in n.message]
        assert said == [f"{urls['atom']} is an Atom feed, not an article"]
        assert screen.article is not None and screen.article.id == "field0000000001"
        await pilot.press("y")
        await wait_until_async(pilot, lambda: library.by_url(netserver.url("/post/a2")) is not None)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert library.kv_get(SUBSCRIPTIONS, urls["atom"]) is not None
        assert any(n.message.startswith("Sync:") for n in app._notifications)
        assert netserver.hits["/atom"] == 1
        no_raw_feed_articles(library)

        screen.following.follow_url(urls["rss"])
        await wait_until_async(pilot, lambda: isinstance(app.screen, SubscribeScreen))
        await pilot.press("n")
        await pilot.pause()
        assert library.kv_get(SUBSCRIPTIONS, urls["rss"]) is None
        no_raw_feed_articles(library)


async def test_not_an_article_type_names_the_url_once(netserver: NetServer, tmp_path: Path) -> None:
    """ "Could not open URL: URL: … is not an article type" said the URL twice."""
    from test_app import build_library, make_app, open_field_notes

    library = build_library(tmp_path / "library")
    url = netserver.add("/odd", page("Not a feed"), content_type="application/x-rss+xml")
    app = make_app(library)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_field_notes(pilot, app)
        screen.following.follow_url(url)
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        (message,) = [n.message for n in app._notifications if "Could not open" in n.message]
        assert message == f"Could not open {url}: application/x-rss+xml is not an article type"


def test_cli_add_feed_url_downloads_the_feed_once(
    netserver: NetServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: ``add FEED_URL`` fetched the feed three times (to tell it is a feed, to
    subscribe, to sync); the bytes fetched first now serve all three."""
    urls = serve_feeds(netserver)
    feed = netserver.routes["/atom"]
    netserver.add("/atom", feed.body, content_type="application/xml", etag='"v1"')
    home = str(tmp_path / "lib")
    assert cli_main(["--library", home, "add", urls["atom"]]) == 0
    assert capsys.readouterr().out.strip() == "feed: Atom news — subscribed; 2 new articles"
    assert netserver.hits["/atom"] == 1
    assert netserver.hits["/post/a1"] == 1 and netserver.hits["/post/a2"] == 1
    # The next sync asks again, with the validators of that one download.
    assert cli_main(["--library", home, "sync"]) == 0
    assert netserver.hits["/atom"] == 2 and netserver.not_modified["/atom"] == 1
