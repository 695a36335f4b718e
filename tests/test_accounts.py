"""Accounts on feed servers, against local replay servers of the Fever, Miniflux and Google Reader
APIs (tests/feedservers.py): add, sync both ways, offline marking and the queue, conflicts,
failures as one line, and where the password may never appear."""

from __future__ import annotations

import io
import json
import stat
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from feedservers import FeedServer

from termreader import locations
from termreader.accounts import queue, registry
from termreader.cli.main import main
from termreader.library.store import Library

PASSWORD = "s3cret-pass"
KINDS = ("fever", "miniflux", "greader")
LONG_TEXT = "<p>" + "Termreader keeps reading when the server is away. " * 40 + "</p>"
CJK_TEXT = "<p>" + "离线阅读的时候，服务器不在也没有关系。" * 120 + "</p>"


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer(password=PASSWORD).start()
    english = srv.add_feed("English news")
    chinese = srv.add_feed("中文新闻")
    for n in range(6):
        srv.add_item(english, f"English story {n}", LONG_TEXT, url=f"https://example.org/en/{n}")
        srv.add_item(chinese, f"中文故事 {n}", CJK_TEXT, url=f"https://example.org/zh/{n}")
    yield srv
    srv.stop()


def run(
    args: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stdin: str = "",
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def add_account(
    kind: str, srv: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    code, out, err = run(
        ["account", "add", kind, srv.url(kind), "--user", srv.user, "--name", kind],
        monkeypatch,
        capsys,
        stdin=PASSWORD + "\n",
    )
    assert code == 0, err
    assert "added" in out
    return kind


def sync_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict, str]:
    code, out, err = run(["sync", "--json"], monkeypatch, capsys)
    data = json.loads(out)
    assert len(data["accounts"]) == 1
    return code, data["accounts"][0], err


def by_remote(library: Library, kind: str) -> dict[str, str]:
    """Server item id -> article id."""
    table = library.kv_all(registry.ENTRIES)
    return {str(rec["r"]): key for key, rec in table.items() if rec["a"] == kind}


def remote_id(kind: str, n: int) -> str:
    return str(n)


@pytest.mark.parametrize("kind", KINDS)
def test_two_way_sync_offline_marks_and_the_queue(
    kind: str,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The issue's scenario: add, sync 12 entries (Chinese and English, full content), mark in
    termreader and see it on the server, mark on the server and see it here, sync with the server
    down (one line, exit 1, queue kept, reading unaffected), then send the queue when it is back."""
    add_account(kind, server, monkeypatch, capsys)
    code, report, err = sync_json(monkeypatch, capsys)
    assert code == 0, err
    assert report["added"] == 12 and report["error"] is None and report["feeds"] == 2
    library = Library.open()
    ids = by_remote(library, kind)
    assert len(ids) == 12
    zh = library.get(ids["2"])
    assert zh.source == "中文新闻" and "服务器不在" in zh.body
    assert "server is away" in library.get(ids["1"]).body

    # Local marks go to the server at the next sync.
    assert run(["mark", ids["1"], "--read", "--star"], monkeypatch, capsys)[0] == 0
    assert queue.waiting(library) == 2
    code, report, _ = sync_json(monkeypatch, capsys)
    assert code == 0 and report["sent"] == 2 and report["waiting"] == 0
    assert server.items[1].read and server.items[1].starred
    assert queue.waiting(library) == 0

    # Marks on the server come here.
    server.set(3, read=True)
    server.set(4, starred=True)
    code, report, _ = sync_json(monkeypatch, capsys)
    assert code == 0 and report["received"] == 2 and report["added"] == 0
    assert not library.brief(ids["3"]).unread and library.brief(ids["4"]).starred

    # The server goes away: reading and marking go on, sync fails in one line naming the account.
    server.down = True
    assert run(["mark", ids["5"], "--read"], monkeypatch, capsys)[0] == 0
    assert run(["mark", ids["6"], "--star"], monkeypatch, capsys)[0] == 0
    code, out, err = run(["sync"], monkeypatch, capsys)
    assert code == 1
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and kind in lines[0] and "503" in lines[0], err
    assert queue.waiting(library) == 2
    code, out, _ = run(["show", ids["5"]], monkeypatch, capsys)
    assert code == 0 and "English" in out or "中文" in out
    code, out, _ = run(["account", "list", "--json"], monkeypatch, capsys)
    assert json.loads(out)["waiting"] == 2 and "503" in json.loads(out)["last_error"]

    # Back: the queue goes out.
    server.down = False
    code, report, _ = sync_json(monkeypatch, capsys)
    assert code == 0 and report["sent"] == 2 and report["waiting"] == 0
    assert server.items[5].read and server.items[6].starred


@pytest.mark.parametrize("kind", KINDS)
def test_unsent_local_change_wins_then_the_server_is_the_truth(
    kind: str,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_account(kind, server, monkeypatch, capsys)
    sync_json(monkeypatch, capsys)
    library = Library.open()
    ids = by_remote(library, kind)
    # Both sides change entry 7 before a sync: the local change (read) wins.
    library.set_unread(ids["7"], False)
    server.set(7, read=False, starred=True)
    server.set(8, read=True)
    code, report, _ = sync_json(monkeypatch, capsys)
    assert code == 0
    assert server.items[7].read  # sent
    assert not library.brief(ids["8"]).unread  # received
    # Once sent, the server is the truth again.
    server.set(7, read=False)
    sync_json(monkeypatch, capsys)
    assert library.brief(ids["7"]).unread


@pytest.mark.parametrize("kind", KINDS)
def test_a_new_entry_comes_with_its_server_state_and_only_once(
    kind: str,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    add_account(kind, server, monkeypatch, capsys)
    sync_json(monkeypatch, capsys)
    new = server.add_item(
        1, "Later story", LONG_TEXT, url="https://example.org/en/later", read=True, starred=True
    )
    code, report, _ = sync_json(monkeypatch, capsys)
    assert report["added"] == 1
    library = Library.open()
    article = library.brief(by_remote(library, kind)[str(new)])
    assert not article.unread and article.starred
    assert sync_json(monkeypatch, capsys)[1]["added"] == 0
    assert len(by_remote(library, kind)) == 13


@pytest.mark.parametrize("kind", KINDS)
def test_bad_password_is_one_line_and_exit_1(
    kind: str,
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``account add`` logs in first: a refused password is one line and nothing is kept; an
    account kept without the check (``--no-check``) is refused at sync, one line naming it."""
    add = ["account", "add", kind, server.url(kind), "--user", server.user, "--name", "x"]
    code, out, err = run(add, monkeypatch, capsys, stdin="wrong-password\n")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "refused" in err and "nothing was saved" in err
    assert run(["account", "list", "--json"], monkeypatch, capsys)[1] == ""
    assert "wrong-password" not in out + err

    code, _, err = run([*add, "--no-check"], monkeypatch, capsys, stdin="wrong-password\n")
    assert code == 0, err
    code, out, err = run(["sync"], monkeypatch, capsys)
    assert code == 1
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "account x" in lines[0] and "refused" in lines[0]
    assert "wrong-password" not in out + err


def test_account_add_says_it_logged_in_and_keeps_an_account_whose_server_is_down(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Offline first: a server out of reach at ``add`` is a warning, not a lost account."""

    def add(name: str) -> tuple[int, str, str]:
        args = ["account", "add", "fever", server.url("fever"), "--user", server.user]
        return run([*args, "--name", name], monkeypatch, capsys, stdin=PASSWORD + "\n")

    code, out, _ = add("up")
    assert code == 0 and "logged in: 2 feeds" in out
    server.down = True
    code, out, err = add("down")
    assert code == 0 and "not checked" in out
    assert len(err.strip().splitlines()) == 1 and "could not log in now" in err
    names = [
        json.loads(line)["name"]
        for line in run(["account", "list", "--json"], monkeypatch, capsys)[1].splitlines()
    ]
    assert sorted(names) == ["down", "up"]


def test_timeout_and_refused_connection_are_one_line(
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    add_account("fever", server, monkeypatch, capsys)
    config = tmp_path / "config.toml"
    config.write_text("fetch_timeout = 0.2\n")
    monkeypatch.setenv("TERMREADER_CONFIG", str(config))
    server.latency = 1.0
    code, _, err = run(["sync"], monkeypatch, capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "timed out" in err
    server.latency = 0
    server.stop()
    code, _, err = run(["sync"], monkeypatch, capsys)
    assert code == 1 and len(err.strip().splitlines()) == 1 and "refused" in err


def test_the_password_is_never_in_the_library_json_or_messages(
    server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Secrets never reach the library folder, --json, any message or the logs (debug level,
    tracebacks included); the credentials file is the user's alone (0600)."""
    import hashlib
    import logging

    caplog.set_level(logging.DEBUG)
    seen = ""
    for kind in KINDS:
        code, out, err = run(
            ["account", "add", kind, server.url(kind), "--user", server.user, "--name", kind],
            monkeypatch,
            capsys,
            stdin=PASSWORD + "\n",
        )
        seen += out + err
    for args in (["account", "list"], ["account", "list", "--json"], ["sync", "--json"], ["sync"]):
        seen += "".join(run(args, monkeypatch, capsys)[1:])
    server.down = True
    seen += "".join(run(["sync", "--json"], monkeypatch, capsys)[1:])
    server.stop()  # refused connections: tracebacks in the debug log
    seen += "".join(run(["sync", "--json"], monkeypatch, capsys)[1:])
    fever_key = hashlib.md5(f"{server.user}:{PASSWORD}".encode()).hexdigest()
    assert "refused" in caplog.text or "503" in seen
    for secret in (PASSWORD, fever_key):
        assert secret not in seen and secret not in caplog.text
    home = locations.library_dir()
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert PASSWORD.encode() not in data and fever_key.encode() not in data, path
    credentials = locations.credentials_file()
    assert not credentials.is_relative_to(home)
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    assert PASSWORD in credentials.read_text()
    # There is no way to give it as an argument.
    code, _, err = run(
        ["account", "add", "fever", server.url("fever"), "--user", "u", "--password", "p"],
        monkeypatch,
        capsys,
    )
    assert code == 2


def test_account_remove_forgets_the_password_and_keeps_the_articles(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    add_account("fever", server, monkeypatch, capsys)
    sync_json(monkeypatch, capsys)
    code, out, _ = run(["account", "remove", "fever"], monkeypatch, capsys)
    assert code == 0
    assert PASSWORD not in locations.credentials_file().read_text()
    assert run(["account", "list", "--json"], monkeypatch, capsys)[1] == ""
    assert sum(1 for a in Library.open().list() if a.source in ("English news", "中文新闻")) == 12
    code, _, err = run(["account", "remove", "fever"], monkeypatch, capsys)
    assert code == 1 and "no account" in err


def test_a_usable_keyring_keeps_the_password_out_of_files(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    keyring = pytest.importorskip("keyring")
    from keyring.backend import KeyringBackend

    class Memory(KeyringBackend):
        priority = 1  # type: ignore[assignment]
        store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(Memory())
    monkeypatch.delenv("TERMREADER_KEYRING")
    try:
        code, out, _ = run(
            ["account", "add", "fever", server.url("fever"), "--user", server.user],
            monkeypatch,
            capsys,
            stdin=PASSWORD + "\n",
        )
        assert code == 0 and "keyring" in out
        assert not locations.credentials_file().exists()
        assert PASSWORD in Memory.store.values()
        code, report, _ = sync_json(monkeypatch, capsys)
        assert code == 0 and report["added"] == 12
    finally:
        keyring.set_keyring(previous)


def test_greader_ids_in_both_forms_are_one_entry() -> None:
    """FreshRSS sends long hex ids in entries and decimal ones (signed on some servers) in id
    lists; both must name the same entry, or every starred item would look unknown."""
    from termreader.accounts.greader import item_id

    assert item_id("tag:google.com,2005:reader/item/000000000000001f") == "31"
    assert item_id("31") == "31"
    assert item_id("tag:google.com,2005:reader/item/ffffffffffffffff") == item_id("-1")
    assert item_id("garbage") == ""


def test_miniflux_with_an_api_token(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        ["account", "add", "miniflux", server.url("miniflux")],
        monkeypatch,
        capsys,
        stdin=server.token + "\n",
    )
    assert code == 0, err
    code, report, _ = sync_json(monkeypatch, capsys)
    assert code == 0 and report["added"] == 12


def test_greader_follows_crawl_time_not_publication_dates(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Regression: the mark for ``ot`` was the newest *publication* date seen, so one entry dated
    in the future (crawled now) set it years ahead and every later entry was never pulled."""
    add_account("greader", server, monkeypatch, capsys)
    server.add_item(
        1,
        "Dated 2040",
        LONG_TEXT,
        url="https://example.org/f",
        published=2_200_000_000,
        crawled=1_700_000_100,
    )
    assert sync_json(monkeypatch, capsys)[1]["added"] == 13
    server.add_item(
        1, "Crawled later", LONG_TEXT, url="https://example.org/l", crawled=1_700_000_200
    )
    assert sync_json(monkeypatch, capsys)[1]["added"] == 1


def test_the_cli_offers_every_kind() -> None:
    from termreader.accounts.kinds import KINDS as SERVER_KINDS
    from termreader.cli.accounts import KINDS as CLI_KINDS

    assert CLI_KINDS == SERVER_KINDS
