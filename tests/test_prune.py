"""Pruning old articles: read ones go, starred ones never, unread ones only when asked; by
``termreader prune`` and after a sync with ``keep_days``."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from netserver import (
    NetServer,
    netserver_fixture,  # noqa: F401 - provides `netserver`
    rss,
)
from test_cli import run
from test_store import make, reopen
from test_sync import fast

from termreader.library.prune import prune
from termreader.library.segments import SEGMENT_TARGET
from termreader.library.store import Library
from termreader.models import PREFETCHED_TAG
from termreader.web.sync import subscribe, sync

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def aged(n: int, days: float, **kw: object) -> object:
    """Article ``n`` published ``days`` days before NOW."""
    return make(n, published=NOW - timedelta(days=days), **kw)


@pytest.fixture
def lib(library_home: Path) -> Library:
    return Library.open(library_home)


def test_old_read_articles_go_starred_and_unread_stay(lib: Library) -> None:
    old_read, old_starred, old_unread, new_read, prefetched = lib.add_many(
        [aged(1, 100), aged(2, 200), aged(3, 300), aged(4, 5), aged(5, 400, tags=[PREFETCHED_TAG])]
    )
    for article in (old_read, old_starred, new_read):
        lib.set_unread(article.id, False)
    lib.set_starred(old_starred.id, True)

    report = prune(lib, 30, now=NOW.timestamp())

    assert [r["id"] for r in report.removed] == [old_read.id, prefetched.id]
    assert (report.kept_starred, report.kept_unread) == (1, 1)
    assert report.summary() == "pruned 2 articles older than 30 days (kept 1 starred, 1 unread)"
    again = reopen(lib)
    assert {a.id for a in again.list()} == {old_starred.id, old_unread.id, new_read.id}
    assert not (lib.articles_dir / f"{old_read.id}.json.gz").exists()
    assert [hit.id for hit in again.search("Article 1")] == []  # gone from search too


def test_unread_too_takes_old_unread_but_never_starred(lib: Library) -> None:
    unread, starred = lib.add_many([aged(1, 100), aged(2, 100)])
    lib.set_starred(starred.id, True)
    report = prune(lib, 30, unread_too=True, now=NOW.timestamp())
    assert [r["id"] for r in report.removed] == [unread.id]
    assert [a.id for a in reopen(lib).list()] == [starred.id]


def test_a_dry_run_changes_nothing(lib: Library) -> None:
    (article,) = lib.add_many([aged(1, 100)])
    lib.set_unread(article.id, False)
    before = sorted(p.name for p in lib.home.rglob("*"))
    report = prune(lib, 30, dry_run=True, now=NOW.timestamp())
    assert [r["id"] for r in report.removed] == [article.id]
    assert report.summary().startswith("would prune 1 article older than 30 days")
    assert sorted(p.name for p in lib.home.rglob("*")) == before
    assert article.id in reopen(lib)


def test_a_lazily_opened_big_library_prunes_from_its_old_segments(lib: Library) -> None:
    """Only segments whose oldest record is old enough need reading; the records in them go
    all the same, and the newest stay."""
    count = SEGMENT_TARGET * 3
    articles = lib.add_many(aged(n, 1000 - n * 1000 / count) for n in range(count))
    lib.set_unread_many([a.id for a in articles], False)
    lib.compact()
    lazy = Library.open(lib.home, lazy=True)
    report = prune(lazy, 500, now=NOW.timestamp())
    assert len(report.removed) == count // 2
    left = reopen(lib)
    assert len(left) == count - count // 2
    assert all(
        a.published is not None and a.published >= NOW - timedelta(days=500) for a in left.list()
    )


def test_cli_prune_lists_what_goes_and_json_stays_one_object_per_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "lib"
    lib = Library.open(home)
    old, new = lib.add_many(
        [make(1, published=datetime(2001, 1, 1, tzinfo=UTC)), make(2, published=datetime.now(UTC))]
    )
    lib.set_unread_many([old.id, new.id], False)
    lib.kv_put("meta", "seeded", {"count": 0})
    monkeypatch.setenv("TERMREADER_HOME", str(home))

    code, out, err = run(capsys, "prune", "--older-than", "30", "--dry-run", "--json")
    assert code == 0 and [json.loads(line)["id"] for line in out.splitlines()] == [old.id]
    assert err == "would prune 1 article older than 30 days\n"
    code, out, _ = run(capsys, "prune", "--older-than", "30")
    assert code == 0 and out.splitlines()[0].startswith(old.id)
    assert out.splitlines()[-1] == "pruned 1 article older than 30 days"
    assert [a.id for a in reopen(lib).list()] == [new.id]

    code, _, err = run(capsys, "prune")  # no age given and no keep_days setting
    assert code == 2 and err.startswith("termreader: prune: say how old")


async def test_sync_with_keep_days_prunes_and_the_feed_does_not_bring_them_back(
    netserver: NetServer, library_home: Path
) -> None:
    """A feed still listing a pruned entry must not re-add it on the next sync (newsboat's
    keep-articles-days would otherwise be undone every time)."""
    lib = Library.open(library_home)
    items = [
        {"title": f"Entry {n}", "link": netserver.url(f"/e/{n}"), "content": "<p>Full text.</p>"}
        for n in range(3)
    ]
    feed = netserver.add("/feed.xml", rss("Feed", items), content_type="application/rss+xml")
    await subscribe(lib, feed, settings=fast())
    first = await sync(lib, fast())
    assert first.added == 3 and first.pruned == 0
    lib.set_unread_many([a.id for a in lib.list()], False)

    second = await sync(lib, fast(keep_days=1))  # the entries are dated weeks ago

    assert second.pruned == 3 and "3 old pruned" in second.summary()
    assert len(reopen(lib)) == 0
    third = await sync(lib, fast(keep_days=1))
    assert (third.added, third.pruned) == (0, 0) and len(reopen(lib)) == 0
