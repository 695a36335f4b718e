"""The library store: round trips, reading state, batching, lookups, corruption and faults (#2, #5, #6)."""

from __future__ import annotations

import errno
import gzip
import json
import multiprocessing
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from termreader import locations
from termreader.errors import ImportFailed, NotFound, StoreError
from termreader.library import atomic, files
from termreader.library import index as index_mod
from termreader.library import segments as segments_mod
from termreader.library.index import open_tinydb
from termreader.library.seeding import open_seeded, seed_samples
from termreader.library.store import Library
from termreader.models import Article, Link, Position, Related, Section, article_id

BASE = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def make(n: int, **kw: object) -> Article:
    url = str(kw.pop("url", f"https://example.com/articles/{n}"))
    fields: dict[str, object] = {
        "id": article_id(url),
        "title": f"Article {n}",
        "url": url,
        "source": "Example",
        "published": BASE + timedelta(days=n),
        "body": f"# Article {n}\n\nBody of article {n}.\n",
        "sections": [Section(level=1, title=f"Article {n}", anchor=f"article-{n}", position=0)],
        "links": [Link(title="next", url=f"https://example.com/articles/{n + 1}")],
        "related": [Related(title="Other", url=None, count=2)],
        "tags": ["demo"],
    }
    fields.update(kw)
    return Article(**fields)  # type: ignore[arg-type]


@pytest.fixture
def lib(library_home: Path) -> Library:
    return Library.open(library_home)


def reopen(lib: Library) -> Library:
    return Library.open(lib.home)


def stored_records(home: Path) -> dict[str, dict[str, object]]:
    """The article records as the index files hold them, read through TinyDB: every segment
    the manifest (``library.json``) names."""
    records: dict[str, dict[str, object]] = {}
    for entry in open_tinydb(home / "library.json").table("segments"):
        segment = open_tinydb(home / "index" / str(entry.doc_id)).table("articles")
        records.update({str(doc.doc_id): dict(doc) for doc in segment})
    return records


def index_bytes(home: Path) -> bytes:
    """Every index file (manifest and segments), concatenated."""
    paths = [home / "library.json", *sorted((home / "index").glob("*.json"))]
    return b"".join(path.read_bytes() for path in paths)


# --- round trip and reading state -------------------------------------------------------------


def test_round_trip_keeps_every_field(lib: Library) -> None:
    article = make(1, title="标题 Title", language="zh", kind="text")
    lib.add(article)
    got = reopen(lib).get(article.id)
    assert got.title == "标题 Title"
    assert got.body == article.body
    assert got.sections == article.sections
    assert got.links == article.links
    assert got.related == article.related
    assert got.published == article.published
    assert got.fetched is not None
    assert (got.language, got.kind, got.tags, got.unread) == ("zh", "text", ["demo"], True)


def test_meta_has_outline_but_no_body_and_list_is_lean(lib: Library) -> None:
    article = lib.add(make(1))
    meta = lib.meta(article.id)
    assert meta.body == "" and meta.sections == article.sections and meta.title == "Article 1"
    listed = lib.list()[0]
    assert listed.id == article.id and listed.body == "" and listed.sections == []


def test_body_is_not_in_the_index(lib: Library) -> None:
    lib.add_many([make(1, body="UNIQUE-BODY-MARKER " * 50)])
    lib.compact()
    assert b"UNIQUE-BODY-MARKER" not in index_bytes(lib.home)
    assert (lib.home / "articles" / f"{make(1).id}.json.gz").is_file()


def test_reading_state_survives_reopen_and_compaction(lib: Library) -> None:
    a, b = lib.add(make(1)), lib.add(make(2))
    lib.set_position(a.id, Position(anchor="article-1", offset=7, percent=0.25))
    lib.set_unread(a.id, False)
    lib.set_finished(b.id)
    again = reopen(lib)
    assert again.meta(a.id).position == Position("article-1", 7, 0.25)
    assert again.meta(a.id).unread is False
    assert again.meta(b.id).finished is True
    again.compact()
    assert reopen(lib).get(a.id).position.offset == 7
    record = stored_records(lib.home).get(a.id)
    assert record is not None and record["unread"] is False


def test_index_spells_out_only_what_differs_from_the_defaults(lib: Library) -> None:
    """A big library loads faster when its index leaves out default values; every field still
    reads back the same, default or not, through the library and through TinyDB."""
    plain = lib.add(make(1, tags=[], published=None))
    read = lib.add(make(2, language="ja", kind="text"))
    lib.set_unread(read.id, False)
    lib.set_position(read.id, Position(anchor="article-2", offset=3, percent=0.5))
    lib.compact()
    index = stored_records(lib.home)
    assert set(index[plain.id]) == {
        "id",
        "title",
        "url",
        "source",
        "fetched",
        "body_fp",
        "reading_minutes",
    }
    again = reopen(lib)
    got = again.meta(plain.id)
    assert (got.language, got.kind, got.tags, got.unread, got.finished) == (
        "",
        "markdown",
        [],
        True,
        False,
    )
    assert got.published is None and got.position == Position()
    other = again.meta(read.id)
    assert (other.language, other.kind, other.unread) == ("ja", "text", False)
    assert other.position == Position("article-2", 3, 0.5)
    record = stored_records(lib.home).get(read.id)
    assert record is not None and record["unread"] is False and record["language"] == "ja"


def test_readd_keeps_reading_state_and_updates_metadata(lib: Library) -> None:
    a = lib.add(make(1))
    lib.set_unread(a.id, False)
    lib.set_position(a.id, Position("x", 3, 0.5))
    stored = lib.add(make(1, title="Renamed", body="new body"))
    assert stored.unread is False and stored.position.offset == 3
    got = reopen(lib).get(a.id)
    assert (got.title, got.body, got.unread, got.position.anchor) == (
        "Renamed",
        "new body",
        False,
        "x",
    )
    assert len(lib) == 1


def test_state_of_unknown_article_is_notfound(lib: Library) -> None:
    with pytest.raises(NotFound):
        lib.set_position("0123456789abcdef", Position())
    with pytest.raises(NotFound):
        lib.get("0123456789abcdef")
    with pytest.raises(NotFound):
        lib.meta("nope")


def test_add_many_appends_and_never_rewrites_old_segments(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15: adding 1,000 articles to a library of 100,000 rewrote its whole 31 MB index.
    A batch is now one journal write; a compaction writes new segments and leaves the segments
    it did not change as they were."""
    writes: list[str] = []
    real = atomic.atomic_write

    def counting(path: Path, data: bytes, **options: bool) -> None:
        writes.append(path.name)
        real(path, data, **options)

    def counting_many(items: list[tuple[Path, bytes]]) -> None:
        writes.extend(path.name for path, _ in items)
        atomic.atomic_write_many(items)

    monkeypatch.setattr(segments_mod, "atomic_write", counting)  # index files
    monkeypatch.setattr(files, "atomic_write_many", counting_many)  # body files
    monkeypatch.setattr(index_mod, "COMPACT_LINES", 500)
    monkeypatch.setattr(index_mod, "SEGMENT_TARGET", 100)
    lib.add_many(make(n) for n in range(600))  # straight into segments
    old = {path.name: path.stat() for path in (lib.home / "index").glob("*.json")}
    assert len(old) == 6
    writes.clear()
    stored = lib.add_many(make(n) for n in range(1000, 1300))
    assert len(stored) == 300 and len(reopen(lib)) == 900
    assert not any(name.endswith(".json") for name in writes)  # the journal holds them
    assert sum(name.endswith(".json.gz") for name in writes) == 300
    lib.add_many(make(n) for n in range(2000, 2300))  # past COMPACT_LINES: compacts
    assert len(reopen(lib)) == 1200
    for name, before in old.items():
        after = (lib.home / "index" / name).stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert len(stored_records(lib.home)) == 1200


def test_single_add_does_not_rewrite_the_index(lib: Library) -> None:
    lib.add_many([make(n) for n in range(20)])
    before = (lib.home / "library.json").stat().st_mtime_ns
    lib.add(make(99))
    lib.set_position(make(1).id, Position("a", 1, 0.1))
    assert (lib.home / "library.json").stat().st_mtime_ns == before
    assert len(reopen(lib)) == 21


def test_journal_is_compacted_when_long(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(index_mod, "COMPACT_LINES", 10)
    for n in range(25):
        lib.add(make(n))
    lines = (lib.home / "state.jsonl").read_bytes().count(b"\n")
    assert lines <= 11
    assert len(stored_records(lib.home)) >= 11
    assert len(reopen(lib)) == 25


def test_big_state_snapshot_does_not_force_compaction_on_every_add(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(index_mod, "COMPACT_LINES", 10)
    articles = lib.add_many([make(n) for n in range(30)])
    for article in articles:
        lib.set_unread(article.id, False)
    lib.add(make(100))  # 31 fresh lines: compacts; the journal keeps 30 state lines
    index = lib.home / "library.json"
    before = index.stat().st_mtime_ns
    lib.add(make(101))
    lib.add(make(102))
    assert index.stat().st_mtime_ns == before
    again = reopen(lib)
    assert len(again) == 33 and len(again.list(unread=False)) == 30


# --- list, lookups --------------------------------------------------------------------------


def test_list_sorts_newest_first_using_fetched_when_unpublished(lib: Library) -> None:
    lib.add(make(1))
    lib.add(make(5))
    lib.add(make(3, published=None, fetched=BASE + timedelta(days=4)))
    lib.add(make(2, published=datetime(2024, 5, 3, 12, 0)))  # naive: treated as UTC
    assert [a.title for a in lib.list()] == ["Article 5", "Article 3", "Article 2", "Article 1"]


def test_list_filters_by_query_and_unread(lib: Library) -> None:
    a = lib.add(make(1, title="Terminal Typography"))
    lib.add(make(2, title="中文排版指南", source="博客"))
    lib.add(make(3, title="Other", tags=["Offline"]))
    lib.set_unread(a.id, False)
    assert [x.title for x in lib.list("typo")] == ["Terminal Typography"]
    assert [x.title for x in lib.list("排版")] == ["中文排版指南"]
    assert [x.title for x in lib.list("博客")] == ["中文排版指南"]
    assert [x.title for x in lib.list("OFFLINE")] == ["Other"]
    assert {x.title for x in lib.list(unread=True)} == {"中文排版指南", "Other"}
    assert [x.title for x in lib.list(unread=False)] == ["Terminal Typography"]
    assert lib.list("no such thing") == []


def test_resolve_by_id_prefix_url_and_path(
    lib: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    web = lib.add(make(1, url="https://Example.com/post?id=3"))
    local_file = tmp_path / "notes" / "a.md"
    local_file.parent.mkdir()
    local_file.write_text("# A\n")
    local = lib.add(
        make(2, url=str(local_file.absolute()), id=article_id(str(local_file.absolute())))
    )
    assert lib.resolve(web.id).id == web.id
    assert lib.resolve(web.id[:6]).id == web.id
    assert lib.resolve("https://example.com/post?id=3#comments").id == web.id
    assert lib.by_url("HTTPS://EXAMPLE.COM/post?id=3").id == web.id  # type: ignore[union-attr]
    assert lib.by_url("https://example.com/other") is None
    monkeypatch.chdir(tmp_path)
    assert lib.resolve("notes/a.md").id == local.id
    assert lib.resolve(str(local_file)).id == local.id
    assert lib.resolve(local_file.as_uri()).id == local.id
    with pytest.raises(NotFound):
        lib.resolve(web.id[:3])  # too short to be a prefix
    with pytest.raises(NotFound):
        lib.resolve("https://example.com/missing")
    with pytest.raises(NotFound):
        lib.resolve("")


def test_ambiguous_prefix_is_notfound(lib: Library) -> None:
    lib.add_many([make(n, id=f"abcd{n:012x}") for n in range(2)])
    with pytest.raises(NotFound, match="ambiguous"):
        lib.resolve("abcd")
    assert lib.resolve("abcd000000000001").title == "Article 1"


def test_by_title_folds_case_and_spaces(lib: Library) -> None:
    lib.add(make(1, title="Offline  Habits"))
    lib.add(make(2, title="offline habits"))
    lib.add(make(3, title="Offline habits, part 2"))
    assert [a.title for a in lib.by_title(" OFFLINE habits ")] == [
        "offline habits",
        "Offline  Habits",
    ]
    assert lib.by_title("") == []


def test_remove_deletes_article_and_files(lib: Library) -> None:
    a, b = lib.add(make(1)), lib.add(make(2))
    lib.write_cache(a.id, "render", b"cached")
    lib.remove(a.id)
    assert [x.id for x in reopen(lib).list()] == [b.id]
    assert not (lib.home / "articles" / f"{a.id}.json.gz").exists()
    assert lib.read_cache(a.id, "render") is None
    with pytest.raises(NotFound):
        lib.remove(a.id)
    with pytest.raises(NotFound):
        lib.get(a.id)


def test_two_instances_see_each_others_writes(library_home: Path) -> None:
    one = Library.open(library_home)
    two = Library.open(library_home)
    a = one.add(make(1))
    assert two.meta(a.id).title == "Article 1"
    two.set_unread(a.id, False)
    assert one.meta(a.id).unread is False
    one.add_many([make(n) for n in range(2, 6)])  # compaction replaces both files
    two.set_position(a.id, Position("z", 9, 0.9))
    assert one.meta(a.id).position.offset == 9 and len(one) == 5 and len(two) == 5


# --- caches and kv ---------------------------------------------------------------------------


def test_cache_round_trip_and_names_are_confined(lib: Library) -> None:
    a = lib.add(make(1))
    lib.write_cache(a.id, "../../evil", b"x")
    assert lib.read_cache(a.id, "../../evil") == b"x"
    assert all(p.parent == lib.home / "cache" for p in (lib.home / "cache").iterdir())
    assert lib.read_cache(a.id, "missing") is None


def test_kv_tables_round_trip_and_survive_compaction(lib: Library) -> None:
    lib.kv_put("subscriptions", "feed1", {"url": "https://example.com/feed", "n": 1})
    lib.kv_put("subscriptions", "feed2", {"url": "https://example.org/feed"})
    lib.kv_delete("subscriptions", "feed2")
    lib.kv_delete("subscriptions", "never-there")
    value = lib.kv_get("subscriptions", "feed1")
    assert value == {"url": "https://example.com/feed", "n": 1}
    value["n"] = 99  # type: ignore[index]
    assert lib.kv_get("subscriptions", "feed1")["n"] == 1  # type: ignore[index]
    lib.compact()
    again = reopen(lib)
    assert again.kv_all("subscriptions") == {"feed1": {"url": "https://example.com/feed", "n": 1}}
    assert again.kv_get("validators", "x") is None
    with pytest.raises(StoreError):
        lib.kv_put("../bad", "k", {})


# --- corruption and faults (#6) ----------------------------------------------------------------


@pytest.mark.parametrize(
    "garbage",
    [b'{"articles": {"abc', b"\x00\xff\xfe not json at all", b"[1, 2, 3]", b'{"articles": 5}'],
    ids=["truncated", "binary", "not-an-object", "bad-table"],
)
def test_unreadable_index_is_moved_aside_and_rebuilt(lib: Library, garbage: bytes) -> None:
    articles = lib.add_many([make(n) for n in range(5)])
    lib.set_position(articles[0].id, Position("kept", 4, 0.4))
    lib.kv_put("subscriptions", "f", {"url": "https://example.com/feed"})
    lib.compact()  # state now lives in the index and the journal snapshot
    lib.set_unread(articles[1].id, False)  # and in a journal line after it
    (lib.home / "library.json").write_bytes(garbage)
    again = reopen(lib)
    assert len(again.notices) == 1 and "moved to library.json.broken-" in again.notices[0]
    assert "\n" not in again.notices[0]
    assert list(lib.home.glob("library.json.broken-*"))[0].read_bytes() == garbage
    assert sorted(a.id for a in again.list()) == sorted(a.id for a in articles)
    assert again.meta(articles[0].id).position == Position("kept", 4, 0.4)
    assert again.meta(articles[1].id).unread is False
    assert again.kv_get("subscriptions", "f") == {"url": "https://example.com/feed"}
    assert again.get(articles[2].id).body == articles[2].body
    assert reopen(lib).notices == []  # fixed for good


def test_missing_index_with_article_files_is_rebuilt(lib: Library) -> None:
    lib.add_many([make(n) for n in range(3)])
    (lib.home / "library.json").unlink()
    again = reopen(lib)
    assert len(again) == 3 and len(again.notices) == 1 and "rebuilt 3 articles" in again.notices[0]


@pytest.mark.parametrize("damage", ["garbage", "wrong-json", "missing", "truncated-gzip"])
def test_bad_body_file_fails_that_article_only(lib: Library, damage: str) -> None:
    good, bad = lib.add(make(1)), lib.add(make(2))
    path = lib.home / "articles" / f"{bad.id}.json.gz"
    if damage == "garbage":
        path.write_bytes(b"\x00garbage")
    elif damage == "wrong-json":
        path.write_bytes(gzip.compress(b'{"id": "someone-else", "body": ""}'))
    elif damage == "missing":
        path.unlink()
    else:
        path.write_bytes(path.read_bytes()[:20])
    again = reopen(lib)
    with pytest.raises(StoreError, match=bad.id):
        again.get(bad.id)
    assert again.get(good.id).body == good.body
    assert {a.id for a in again.list()} == {good.id, bad.id}
    assert again.meta(bad.id).title == "Article 2"


def _snapshot(home: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(home)): p.read_bytes()
        for p in sorted(home.rglob("*"))
        if p.is_file() and p.name != "library.lock"
    }


def test_full_disk_changes_nothing(lib: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    a = lib.add(make(1))
    lib.add_many([make(n) for n in range(2, 5)])
    before = _snapshot(lib.home)

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", no_space)
    with pytest.raises(StoreError, match="disk is full") as info:
        lib.add(make(1, title="changed"))
    assert "\n" not in str(info.value)
    with pytest.raises(StoreError, match="disk is full"):
        lib.add_many([make(9), make(10)])
    monkeypatch.undo()
    assert _snapshot(lib.home) == before
    assert reopen(lib).get(a.id).title == "Article 1"
    assert len(reopen(lib)) == 4


def test_full_disk_on_journal_append_changes_nothing(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = lib.add(make(1))
    lib.set_position(a.id, Position("s", 1, 0.1))
    before = _snapshot(lib.home)
    real_write = os.write

    def half_then_full(fd: int, data: bytes) -> int:
        if len(data) > 10:  # write part of the line, then the disk is full
            real_write(fd, bytes(data[:10]))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", half_then_full)
    with pytest.raises(StoreError, match="disk is full"):
        lib.set_position(a.id, Position("s", 2, 0.2))
    with pytest.raises(StoreError):
        lib.add(make(1, title="changed"))
    with pytest.raises(StoreError):
        lib.kv_put("t", "k", {"v": 1})
    monkeypatch.undo()
    assert _snapshot(lib.home) == before
    again = reopen(lib)
    assert again.get(a.id).position.offset == 1 and again.get(a.id).title == "Article 1"
    lib.set_position(a.id, Position("s", 3, 0.3))  # and it still works afterwards
    assert reopen(lib).meta(a.id).position.offset == 3


def test_read_only_library_gives_clear_error_and_changes_nothing(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root, where chmod cannot make a folder read-only: simulate EROFS instead.
    lib.add(make(1))
    before = _snapshot(lib.home)

    def read_only(*args: object, **kwargs: object) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(atomic.tempfile, "mkstemp", read_only)
    monkeypatch.setattr(os, "open", read_only)
    with pytest.raises(StoreError, match="read-only"):
        lib.add(make(2))
    monkeypatch.undo()
    assert _snapshot(lib.home) == before


def test_library_folder_that_cannot_be_created(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError) as info:
        Library.open(blocker / "library")
    assert "cannot write" in str(info.value) and "\n" not in str(info.value)


def test_torn_journal_line_is_ignored_and_trimmed(lib: Library) -> None:
    a = lib.add(make(1))
    lib.set_position(a.id, Position("s", 5, 0.5))
    with open(lib.home / "state.jsonl", "ab") as handle:
        handle.write(b'{"s": "' + a.id.encode() + b'", "position": {"anch')
    again = reopen(lib)
    assert again.meta(a.id).position.offset == 5 and again.notices == []
    again.set_unread(a.id, False)
    for line in (lib.home / "state.jsonl").read_bytes().splitlines():
        json.loads(line)  # every line is whole again
    assert reopen(lib).meta(a.id).unread is False


# --- seeding --------------------------------------------------------------------------------


@pytest.fixture
def samples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "samples"
    folder.mkdir()
    for name in ("one.md", "two.txt", "broken.bin"):
        (folder / name).write_text(name)
    monkeypatch.setattr(locations, "sample_articles_dir", lambda: folder)

    def fake_import(path: Path | str) -> Article:
        path = Path(path)
        if path.suffix == ".bin":
            raise ImportFailed(f"{path.name}: not a text file")
        return make(0, url=str(path.absolute()), title=path.stem)

    import termreader.importers

    monkeypatch.setattr(termreader.importers, "import_path", fake_import)
    return folder


def test_first_start_seeds_samples_once(library_home: Path, samples: Path) -> None:
    lib = open_seeded(library_home)
    assert sorted(a.title for a in lib.list()) == ["one", "two"]
    assert lib.notices == ["sample broken.bin not imported: broken.bin: not a text file"]
    assert lib.kv_get("meta", "seeded")["count"] == 2  # type: ignore[index]
    for article in lib.list():
        lib.remove(article.id)
    assert len(open_seeded(library_home)) == 0  # removed samples stay removed


def test_open_does_not_seed_and_a_nonempty_library_is_not_seeded(
    library_home: Path, samples: Path
) -> None:
    assert len(Library.open(library_home)) == 0
    lib = Library.open(library_home)
    lib.add(make(1))
    seed_samples(lib)
    assert len(lib) == 1 and lib.notices == []
    assert len(open_seeded(library_home)) == 1


def test_real_samples_import(library_home: Path) -> None:
    """The shipped samples import without notices."""
    lib = open_seeded(library_home)
    assert len(lib) >= 10 and lib.notices == []


# --- two processes -----------------------------------------------------------------------------


def _writer(home: str, tag: str, count: int, start: object, spans: object) -> None:
    lib = Library.open(home)
    ids = []
    start.wait(60)  # type: ignore[attr-defined]
    first = time.monotonic()
    for n in range(count):
        if n % 2 == 0 or not ids:
            url = f"https://example.com/{tag}/{n}"
            lib.add(
                Article(id=article_id(url), title=f"{tag} {n}", url=url, body=f"body {tag} {n}")
            )
            ids.append(article_id(url))
        else:
            lib.set_position(ids[-1], Position(anchor=tag, offset=n, percent=0.5))
        if n % 97 == 0:
            lib.kv_put("progress", tag, {"n": n})
    spans.put((first, time.monotonic()))  # type: ignore[attr-defined]


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(library_home: Path) -> None:
    Library.open(library_home)
    ctx = multiprocessing.get_context("spawn")
    count = 500
    start, spans = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_writer, args=(str(library_home), tag, count, start, spans))
        for tag in ("p", "q")
    ]
    for proc in procs:
        proc.start()
    start.set()
    for proc in procs:
        proc.join(120)
        assert proc.exitcode == 0
    (a0, a1), (b0, b1) = spans.get(timeout=5), spans.get(timeout=5)
    assert a0 < b1 and b0 < a1  # the two really wrote at the same time
    lib = Library.open(library_home)
    assert len(lib) == count  # 250 adds from each
    for tag in ("p", "q"):
        for n in range(0, count, 2):
            article = lib.get(article_id(f"https://example.com/{tag}/{n}"))
            assert article.body == f"body {tag} {n}"
            if n + 1 < count:
                assert article.position == Position(anchor=tag, offset=n + 1, percent=0.5)
        assert lib.kv_get("progress", tag) == {"n": 485}


# --- cost of reading state at 10,000 articles (#5) ---------------------------------------------


def test_reading_state_in_a_big_library_leaves_the_index_alone(library_home: Path) -> None:
    """What keeps a position or unread write cheap at 10,000 articles: the index file is not
    rewritten (the state goes to a journal). Its time is a bench figure ("set_position")."""
    lib = Library.open(library_home)
    # Build the index directly: 10,000 body files would take the test's whole budget.
    records = {}
    for n in range(10_000):
        record = make(n).to_dict()
        for key in ("body", "sections", "links", "related"):
            record.pop(key)
        records[record["id"]] = record
    (library_home / "library.json").write_text(json.dumps({"articles": records}))
    (library_home / "state.jsonl").unlink(missing_ok=True)
    lib = Library.open(library_home)
    assert len(lib) == 10_000
    ids = list(records)
    index = library_home / "library.json"
    before = index.stat()
    for n in range(200):
        lib.set_position(ids[n], Position("a", n, 0.1))
        lib.set_unread(ids[n], False)
    after = index.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino,
        before.st_mtime_ns,
        before.st_size,
    )
    again = reopen(lib)
    assert again.meta(ids[199]).position.offset == 199
    assert not again.meta(ids[199]).unread and again.meta(ids[200]).unread


# --- properties ---------------------------------------------------------------------------------

_text = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("\ud800\x00\x1b\n"),
    max_size=200,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(title=_text, body=_text, tags=st.lists(_text, max_size=3), offset=st.integers(0, 10**9))
def test_store_round_trips_any_text(
    library_home: Path, title: str, body: str, tags: list[str], offset: int
) -> None:
    lib = Library.open(library_home)
    article = lib.add(make(1, title=title, body=body, tags=tags))
    lib.set_position(article.id, Position(anchor=title, offset=offset, percent=0.5))
    got = reopen(lib).get(article.id)
    assert (got.title, got.body, got.tags) == (title, body, tags)
    assert got.position == Position(anchor=title, offset=offset, percent=0.5)


def test_stale_temp_files_are_cleaned_on_compaction(lib: Library) -> None:
    stale = lib.home / "articles" / ".0123.json.gz.abc.tmp"
    fresh = lib.home / ".library.json.def.tmp"
    stale.write_bytes(b"x")
    fresh.write_bytes(b"y")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    lib.add_many([make(1)])
    lib.compact()
    assert not stale.exists() and fresh.exists()  # a fresh one may belong to a live writer


def test_cjk_body_file_is_utf8_and_old_escaped_files_still_read(lib: Library) -> None:
    body = "汉字的正文。" * 2000
    stored = lib.add(make(1, body=body))
    path = lib.articles_dir / f"{stored.id}.json.gz"
    raw = gzip.decompress(path.read_bytes())
    # UTF-8 (3 bytes a character), not \uXXXX escapes (6 bytes a character).
    assert "汉字的正文".encode() in raw
    assert len(raw) < len(body) * 4
    assert lib.get(stored.id).body == body
    # A file written the old way (ASCII escapes) reads the same.
    data = json.loads(raw)
    path.write_bytes(gzip.compress(json.dumps(data, ensure_ascii=True).encode("ascii")))
    assert lib.get(stored.id).body == body


def test_body_with_lone_surrogate_round_trips(lib: Library) -> None:
    stored = lib.add(make(2, title="bad \udcff name", body="text \udcff and 中文\n"))
    assert "\udcff" in lib.get(stored.id).body


def test_resolve_id_reads_no_body_file(lib: Library) -> None:
    stored = lib.add(make(3))
    (lib.articles_dir / f"{stored.id}.json.gz").unlink()
    assert lib.resolve_id(stored.id) == stored.id
    assert lib.resolve_id(stored.url) == stored.id
    assert lib.resolve_id(stored.id[:6]) == stored.id
    with pytest.raises(NotFound):
        lib.resolve_id("https://example.com/nowhere")


def test_brief_gives_index_fields_without_the_body_file(lib: Library) -> None:
    article = lib.add(make(1))
    lib.set_position(article.id, Position(anchor="article-1", offset=3, percent=40.0))
    (lib.home / "articles" / f"{article.id}.json.gz").unlink()
    brief = lib.brief(article.id)
    assert (brief.title, brief.url, brief.tags) == ("Article 1", article.url, ["demo"])
    assert brief.position.anchor == "article-1" and brief.position.offset == 3
    assert brief.body == "" and brief.related == [] and brief.links == []
    with pytest.raises(StoreError):
        lib.get(article.id)  # the body file is what is missing
    with pytest.raises(NotFound):
        lib.brief("0000000000000000")


def test_index_knows_each_body_fingerprint(lib: Library) -> None:
    from termreader.models import body_fingerprint

    article = lib.add(make(1))
    assert lib.body_fingerprint(article.id) == body_fingerprint(article.body)
    lib.add(make(1, body="# Article 1\n\nA new version.\n"))
    assert reopen(lib).body_fingerprint(article.id) == body_fingerprint(
        "# Article 1\n\nA new version.\n"
    )


def test_list_limit_keeps_the_newest(lib: Library) -> None:
    lib.add_many([make(n) for n in range(30)])
    whole = [a.id for a in lib.list()]
    assert [a.id for a in reopen(lib).list(limit=5)] == whole[:5]
    assert [a.id for a in lib.list(limit=100)] == whole
    assert lib.counts() == (30, 30)
    lib.set_unread(whole[0], False)
    assert lib.counts() == (30, 29)


def test_map_cache_reads_a_blob_without_loading_it_whole(lib: Library) -> None:
    article = lib.add(make(1))
    assert lib.map_cache(article.id, "render-x") is None  # missing
    lib.write_cache(article.id, "render-x", b"")
    assert lib.map_cache(article.id, "render-x") is None  # empty: nothing to map
    lib.write_cache(article.id, "render-x", b"header\nbody")
    mapped = lib.map_cache(article.id, "render-x")
    assert mapped is not None and mapped[:6] == b"header" and mapped.find(b"\n") == 6
    lib.write_cache(article.id, "render-x", b"new")  # replaced by a rename: the map keeps the old
    assert mapped[:] == b"header\nbody"
    assert bytes(lib.map_cache(article.id, "render-x")) == b"new"


# --- segments, migration, lazy loading (#15) ----------------------------------------------------

FIRST_FORMAT = Path(__file__).parent / "fixtures" / "library-v1"
"""A library written by the code before issue 15: every record in library.json, a journal with
an add, a removal, reading state and a kv record after its last compaction."""


def test_library_of_the_first_format_opens_and_is_converted(tmp_path: Path) -> None:
    import shutil

    home = tmp_path / "old"
    shutil.copytree(FIRST_FORMAT, home)
    lib = Library.open(home)
    ids = {a.title: a.id for a in lib.list()}
    assert sorted(ids) == ["Old article 0", "Old article 1", "Old article 3", "Old article 4"]
    assert lib.meta(ids["Old article 0"]).unread is False
    assert lib.meta(ids["Old article 1"]).position == Position("old-1", 5, 40.0)
    assert lib.meta(ids["Old article 4"]).finished is True
    assert lib.kv_get("subscriptions", "feed") == {"url": "https://example.com/feed.xml"}
    assert lib.get(ids["Old article 3"]).body == "# Old 3\n\nBody 3.\n"
    manifest = json.loads((home / "library.json").read_text())
    assert "articles" not in manifest and manifest["segments"]
    assert len(stored_records(home)) == 4
    again = reopen(lib)
    assert again.notices == [] and {a.id for a in again.list()} == set(ids.values())
    assert again.meta(ids["Old article 1"]).position.offset == 5


def _dated(n: int) -> Article:
    return make(n, title=f"Dated {n:05d}")


def test_lazy_library_reads_the_newest_segments_first(
    library_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first screen of a big library needs its newest articles: a lazily opened library
    lists them after reading a segment or two, with the journal's changes applied to them."""
    monkeypatch.setattr(index_mod, "SEGMENT_TARGET", 50)
    lib = Library.open(library_home)
    articles = lib.add_many(_dated(n) for n in range(600))
    lib.compact()
    newest = articles[-1]
    lib.set_unread(newest.id, False)  # a journal line about a record of the newest segment
    lib.remove(articles[-2].id)
    lazy = Library.open(library_home, lazy=True)
    first = lazy.list(limit=10)
    assert [a.title for a in first] == [f"Dated {n:05d}" for n in (599, *range(597, 588, -1))]
    assert first[0].unread is False
    assert not lazy.fully_loaded
    assert lazy.counts(estimate=True) == (599, 598)
    assert [r["title"] for r in lazy.stream()] == [a.title for a in lib.list()]
    assert lazy.fully_loaded and lazy.counts() == (599, 598)


def test_stream_matches_list_with_out_of_order_dates(library_home: Path) -> None:
    """Segments overlap in dates when articles arrive out of order (a sync of old entries):
    the stream still gives exactly what list gives, in its order."""
    lib = Library.open(library_home)
    for batch in range(4):
        lib.add_many(_dated((n * 7919 + batch) % 1000) for n in range(batch, 1000, 4))
        lib.compact()
    lazy = Library.open(library_home, lazy=True)
    unread_only = [r["id"] for r in lazy.stream("dated 00", unread=True)]
    assert unread_only == [a.id for a in lib.list("dated 00", unread=True)]
    lazy = Library.open(library_home, lazy=True)
    assert [a.id for a in lazy.list(limit=5)] == [a.id for a in lib.list()[:5]]


def test_a_change_by_another_process_changes_the_stamp(library_home: Path) -> None:
    lib = Library.open(library_home)
    lib.add(make(1))
    stamp = lib.stamp()
    assert lib.stamp() == stamp
    other = Library.open(library_home)
    other.add(make(2))
    assert lib.stamp() != stamp
    stamp = lib.stamp()
    other.set_unread(make(1).id, False)
    assert lib.stamp() != stamp and lib.counts() == (2, 1)


def test_a_batch_bigger_than_the_open_files_limit_is_written_in_groups(
    lib: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch of 20,000 bodies once held every temp file open until all were flushed and ran
    out of file descriptors ("Too many open files")."""
    monkeypatch.setattr(atomic, "OPEN_AT_ONCE", 3)
    stored = lib.add_many(make(n) for n in range(10))
    assert len(stored) == 10
    assert all(reopen(lib).get(a.id).body == a.body for a in stored)
    assert not list(lib.articles_dir.glob(".*.tmp"))


def test_a_stream_interrupted_by_a_full_load_still_gives_every_record(
    library_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader lists a big library from a stream while it uses the same library; a write
    that loads every segment meanwhile must not make the stream skip the segments it had not
    reached."""
    monkeypatch.setattr(index_mod, "SEGMENT_TARGET", 20)
    lib = Library.open(library_home)
    lib.add_many(_dated(n) for n in range(200))
    lib.compact()
    lazy = Library.open(library_home, lazy=True)
    stream = lazy.stream()
    got = [next(stream)["id"]]
    lazy.compact()  # completes the view behind the stream's back
    got += [record["id"] for record in stream]
    assert sorted(got) == sorted(a.id for a in lib.list())
