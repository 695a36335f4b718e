"""Accounts against a REAL Fever server: coldsweat from PyPI, run on 127.0.0.1 (tests/coldsweat.py),
reading feeds served by a local HTTP server. The issue's scenario end to end, and a sync killed
with SIGKILL that loses and duplicates nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from html import escape
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from coldsweat_server import ROOT, Coldsweat, ensure_installed, wait_port_closed
from helpers import wait_until
from netserver import NetServer, netserver_fixture, rss  # noqa: F401
from test_accounts import run

from termreader.accounts import queue, registry
from termreader.library.store import Library

EMAIL = "reader@example.org"
PASSWORD = "a long pass phrase"
ENGLISH = "Offline reading keeps going when the feed server is away. " * 40
CHINESE = "服务器不在的时候，也能继续阅读和标记文章。" * 100


def chinese_page(title: str) -> str:
    paragraphs = "".join(f"<p>{CHINESE} 第{n}段。</p>" for n in range(4))
    return (
        f"<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>{escape(title)}</title>"
        f"</head><body><article><h1>{escape(title)}</h1>{paragraphs}</article></body></html>"
    )


def serve_feeds(net: NetServer, extra: int = 0) -> Path:
    """Two feeds (6 English entries with full content; 6 Chinese, the odd ones summaries whose
    page is on the server) plus ``extra`` new English summaries; returns an OPML file."""
    english = [
        {"title": f"English story {n}", "link": net.url(f"/en/{n}"), "content": f"<p>{ENGLISH}</p>"}
        for n in range(6)
    ]
    english += [{"title": f"Late story {n}", "link": net.url(f"/late/{n}")} for n in range(extra)]
    chinese = []
    for n in range(6):
        item = {"title": f"中文故事 {n}", "link": net.url(f"/zh/{n}")}
        if n % 2 == 0:
            item["content"] = f"<p>{CHINESE}</p>"
        else:
            item["summary"] = "摘要。"
            net.add(f"/zh/{n}", chinese_page(f"中文故事 {n}"))
        chinese.append(item)
    net.add("/en.xml", rss("English news", english), content_type="application/rss+xml")
    net.add("/zh.xml", rss("中文新闻", chinese), content_type="application/rss+xml")
    opml = Path(os.environ["TERMREADER_HOME"]).parent / "feeds.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="1.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="English news" xmlUrl="{net.url("/en.xml")}"/>'
        f'<outline type="rss" text="中文新闻" xmlUrl="{net.url("/zh.xml")}"/>'
        "</body></opml>",
        encoding="utf-8",
    )
    return opml


@pytest.fixture
def coldsweat(netserver: NetServer, tmp_path: Path) -> Iterator[Coldsweat]:
    program = ensure_installed()
    if not program:
        pytest.skip("coldsweat could not be installed (pip install coldsweat in .venv-coldsweat)")
    home = tmp_path / "coldsweat"
    home.mkdir()
    server = Coldsweat(program, home, EMAIL, PASSWORD)
    try:
        server.setup(serve_feeds(netserver))
        server.start()
    except RuntimeError as error:
        server.stop()
        pytest.skip(f"coldsweat could not start: {error}")
    yield server
    server.stop()


def sync_report(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict]:
    code, out, err = run(["sync", "--json"], monkeypatch, capsys)
    return code, json.loads(out)["accounts"][0]


def ids_by_title(library: Library) -> dict[str, str]:
    table = library.kv_all(registry.ENTRIES)
    return {library.brief(key).title: str(rec["r"]) for key, rec in table.items()}


def add(cs: Coldsweat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(
        ["account", "add", "fever", cs.fever_url, "--user", EMAIL, "--name", "cs"],
        monkeypatch,
        capsys,
        stdin=PASSWORD + "\n",
    )
    assert code == 0, err


def test_coldsweat_two_way_and_offline(
    coldsweat: Coldsweat, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cs = coldsweat
    add(cs, monkeypatch, capsys)
    code, report = sync_report(monkeypatch, capsys)
    assert code == 0 and report["added"] == 12 and report["error"] is None, report
    library = Library.open()
    remote = ids_by_title(library)
    by_title = {library.brief(k).title: k for k in library.kv_all(registry.ENTRIES)}
    assert len(remote) == 12 and len(by_title) == 12
    summary_only = library.get(by_title["中文故事 1"])
    assert "第3段" in summary_only.body  # the page was fetched: the feed had only a summary
    full = library.get(by_title["English story 2"])
    assert full.source == "English news" and "feed server is away" in full.body

    # Marked here -> on the server after sync.
    code, _, _ = run(["mark", by_title["English story 0"], "--read", "--star"], monkeypatch, capsys)
    assert code == 0
    code, report = sync_report(monkeypatch, capsys)
    assert code == 0 and report["sent"] == 2
    assert remote["English story 0"] not in cs.ids("unread_item_ids")
    assert remote["English story 0"] in cs.ids("saved_item_ids")

    # Marked on the server -> here after sync.
    cs.mark(remote["中文故事 2"], "read")
    cs.mark(remote["English story 3"], "saved")
    code, report = sync_report(monkeypatch, capsys)
    assert code == 0 and report["received"] == 2
    assert not library.brief(by_title["中文故事 2"]).unread
    assert library.brief(by_title["English story 3"]).starred

    # The server stops: read and mark on; sync fails in one line, exit 1, the queue kept.
    cs.stop()
    wait_port_closed(cs.port)
    code, out, _ = run(["show", by_title["中文故事 4"]], monkeypatch, capsys)
    assert code == 0 and "服务器不在" in out
    assert run(["mark", by_title["中文故事 4"], "--read"], monkeypatch, capsys)[0] == 0
    assert run(["mark", by_title["English story 5"], "--star"], monkeypatch, capsys)[0] == 0
    code, out, err = run(["sync"], monkeypatch, capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "account cs" in lines[0] and "refused" in lines[0], err
    assert queue.waiting(library) == 2

    # Started again: the queued changes go out.
    cs.start()
    code, report = sync_report(monkeypatch, capsys)
    assert code == 0 and report["sent"] == 2 and report["waiting"] == 0
    assert remote["中文故事 4"] not in cs.ids("unread_item_ids")
    assert remote["English story 5"] in cs.ids("saved_item_ids")


def test_a_sync_killed_midway_loses_and_duplicates_nothing(
    coldsweat: Coldsweat,
    netserver: NetServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGKILL while a sync fetches the page of a new entry (its changes already sent, the page of
    entries not stored yet); the next sync ends with every entry once and every change sent."""
    cs = coldsweat
    add(cs, monkeypatch, capsys)
    assert sync_report(monkeypatch, capsys)[1]["added"] == 12
    library = Library.open()
    by_title = {library.brief(k).title: k for k in library.kv_all(registry.ENTRIES)}
    remote = ids_by_title(library)
    library.set_unread(by_title["English story 1"], False)
    library.set_starred(by_title["中文故事 3"], True)

    release = threading.Event()

    def slow_page(req: BaseHTTPRequestHandler) -> None:
        release.wait(60)
        body = chinese_page("Late").encode()
        req.send_response(200)
        req.send_header("Content-Type", "text/html; charset=utf-8")
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        req.wfile.write(body)

    serve_feeds(netserver, extra=3)
    for n in range(3):
        netserver.route(f"/late/{n}")(slow_page)
    cs.fetch_now()

    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "termreader", "sync"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(
            lambda: (
                netserver.hits["/late/0"] + netserver.hits["/late/1"] + netserver.hits["/late/2"]
                > 0
            )
        )
        child.send_signal(signal.SIGKILL)
        child.wait(30)
    finally:
        release.set()
        if child.poll() is None:
            child.kill()
            child.wait(30)

    code, report = sync_report(monkeypatch, capsys)
    assert code == 0 and report["added"] == 3 and report["waiting"] == 0, report
    library = Library.open()
    titles = [library.brief(k).title for k in library.kv_all(registry.ENTRIES)]
    assert len(titles) == 15 and len(set(titles)) == 15
    assert sorted(t for t in titles if t.startswith("Late")) == [
        f"Late story {n}" for n in range(3)
    ]
    assert remote["English story 1"] not in cs.ids("unread_item_ids")
    assert remote["中文故事 3"] in cs.ids("saved_item_ids")
    assert sync_report(monkeypatch, capsys)[1]["added"] == 0
