"""The store calls behind managing the library from the reader: tags, restore (undo), batch read."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from test_store import make, reopen

from termreader.errors import NotFound
from termreader.library.store import Library
from termreader.models import PREFETCHED_TAG, Position


@pytest.fixture
def lib(library_home: Path) -> Library:
    return Library.open(library_home)


def body_file_tags(lib: Library, article_id: str) -> list[str]:
    data = json.loads(gzip.decompress((lib.articles_dir / f"{article_id}.json.gz").read_bytes()))
    return list(data["tags"])


def test_set_tags_is_one_journal_line_and_leaves_the_body_file(lib: Library) -> None:
    (article,) = lib.add_many([make(1)])
    body = (lib.articles_dir / f"{article.id}.json.gz").read_bytes()
    index = (lib.home / "library.json").read_bytes()
    journal = (
        (lib.home / "state.jsonl").read_bytes() if (lib.home / "state.jsonl").exists() else b""
    )
    kept = lib.set_tags(article.id, [" rust ", "long\x1b[31m read", "rust", "", "CJK 中文"])
    assert kept == ["rust", "long read", "CJK 中文"]  # the escape sequence is gone whole
    assert (lib.articles_dir / f"{article.id}.json.gz").read_bytes() == body
    assert (lib.home / "library.json").read_bytes() == index
    new_lines = (lib.home / "state.jsonl").read_bytes()[len(journal) :].splitlines()
    assert len(new_lines) == 1
    assert reopen(lib).meta(article.id).tags == kept
    assert [a.id for a in reopen(lib).list("中文")] == [article.id]  # the filter sees new tags


def test_set_tags_of_a_missing_article_is_notfound(lib: Library) -> None:
    with pytest.raises(NotFound):
        lib.set_tags("0123456789abcdef", ["x"])


def test_edited_tags_survive_compaction_and_an_index_rebuild(lib: Library) -> None:
    """The journal snapshot restates edited tags: the body file still has the old ones, so a
    rebuilt index would otherwise bring them back."""
    articles = lib.add_many([make(n) for n in range(3)])
    lib.set_tags(articles[0].id, ["kept"])
    lib.compact()
    assert body_file_tags(lib, articles[0].id) == ["demo"]
    (lib.home / "library.json").write_bytes(b"garbage")
    again = reopen(lib)
    assert again.meta(articles[0].id).tags == ["kept"]
    assert again.meta(articles[1].id).tags == ["demo"]


def test_a_new_version_of_the_article_keeps_edited_tags(lib: Library) -> None:
    """A sync storing a newer version of an entry must not undo the reader's tag edit; the
    source still takes the prefetched tag off."""
    (article,) = lib.add_many([make(1, tags=[PREFETCHED_TAG])])
    lib.set_tags(article.id, ["mine", PREFETCHED_TAG])
    lib.add(make(1, title="Article 1, revised", tags=["theirs"]))
    meta = reopen(lib).meta(article.id)
    assert meta.title == "Article 1, revised" and meta.tags == ["mine"]


def test_restore_puts_back_body_state_and_position(lib: Library) -> None:
    (article,) = lib.add_many([make(1)])
    lib.set_position(article.id, Position("article-1", 7, 42.0))
    lib.set_unread(article.id, False)
    lib.set_starred(article.id, True)
    lib.set_tags(article.id, ["edited"])
    whole = lib.get(article.id)
    lib.remove(article.id)
    assert article.id not in reopen(lib)
    lib.restore(whole)
    again = reopen(lib)
    back = again.get(article.id)
    assert back.body == article.body and back.links == article.links
    assert back.position == Position("article-1", 7, 42.0)
    assert (back.unread, back.starred, back.tags) == (False, True, ["edited"])


def test_set_unread_many_is_one_write_and_skips_missing(lib: Library) -> None:
    articles = lib.add_many([make(n) for n in range(4)])
    journal = lib.home / "state.jsonl"
    before = journal.stat().st_size if journal.exists() else 0
    done = lib.set_unread_many([a.id for a in articles[:3]] + ["0123456789abcdef"], False)
    assert done == 3
    assert [a.unread for a in reopen(lib).list()] == [True, False, False, False]
    assert journal.stat().st_size > before


def test_search_follows_restore_and_tag_edits(lib: Library) -> None:
    """An undone remove came back to the list but not to full-text search, and an edited tag
    was not searchable (until another process rebuilt the index): restore and set_tags now
    update the search index in the same step."""
    (article,) = lib.add_many([make(1, body="# Article 1\n\nA walk through 茶馆 at dusk.\n")])
    assert [hit.id for hit in lib.search("茶馆")] == [article.id]  # the index is checked now
    whole = lib.get(article.id)
    lib.remove(article.id)
    assert lib.search("茶馆") == []
    lib.restore(whole)
    assert [hit.id for hit in lib.search("茶馆")] == [article.id]
    lib.set_tags(article.id, ["teahouses"])
    assert [hit.id for hit in lib.search("teahouses")] == [article.id]
