"""The search index's rows made in a worker process: the same index as made in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from termreader.library import search as search_module
from termreader.library import search_build
from termreader.library.store import Library
from termreader.models import Article

ARTICLES = [
    Article(
        id=f"a{n}",
        title=f"第{n}篇 茶与催收" if n % 3 == 0 else f"Terminal notes {n}",
        source="中文网" if n % 3 == 0 else "Example Blog",
        tags=["tea"] if n % 2 else [],
        body=(
            f"关于催\n收的报道{n}。还有中国人民的故事，以及茶。"
            if n % 3 == 0
            else f"A **terminal** reader, note {n}: it goes on\nacross lines. Straße."
        ),
    )
    for n in range(30)
]
QUERIES = ("茶", "催收", "中国人", "terminal", '"goes on across lines"', "strasse tea", "note 7")


def _index_rows(home: Path) -> list[tuple[Any, ...]]:
    index = search_module.SearchIndex(home)
    connection = index._connect()
    rows = connection.execute(
        "SELECT id, fp, title, source, tags, date, body FROM docs ORDER BY id"
    )
    return [tuple(row) for row in rows]


def _answers(library: Library) -> dict[str, list[str]]:
    return {query: [hit.id for hit in library.search(query, limit=None)] for query in QUERIES}


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_a_worker_process_builds_the_same_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, start: str
) -> None:
    """A rebuild whose rows a worker process makes (a big library; here every batch) finds
    what an in-process rebuild finds, from the same stored rows."""
    library = Library.open(tmp_path / "lib")
    library.add_many(ARTICLES)
    expected = _answers(library)
    expected_rows = _index_rows(library.home)
    assert all(expected.values())

    started: list[str] = []
    make_pool = search_build._pool

    def pool() -> Any:
        made = make_pool()
        assert made is not None
        started.append("pool")
        return made

    made_there: list[int] = []
    result = search_build._result

    def counted(future: Any) -> Any:
        rows = result(future)
        made_there.append(0 if rows is None else len(rows))
        return rows

    monkeypatch.setattr(search_build, "PARALLEL_AT", 1)
    monkeypatch.setattr(search_build, "_pool", pool)
    monkeypatch.setattr(search_build, "_result", counted)
    if start == "spawn":  # as from the TUI, whose worker threads rule out forking
        monkeypatch.setattr(search_build.threading, "active_count", lambda: 2)
    library._search.discard()
    fresh = Library.open(library.home)
    assert _answers(fresh) == expected
    assert started == ["pool"]
    assert sum(made_there) == len(ARTICLES)  # every row came from the worker
    assert _index_rows(fresh.home) == expected_rows


def test_a_worker_that_fails_leaves_the_rows_to_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker process that cannot run (no process may start, or it dies) must not cost an
    article: the writing process makes the rows itself."""

    class Broken:
        def submit(self, *args: object) -> None:
            raise RuntimeError("no processes here")

        def shutdown(self, **kwargs: object) -> None:
            pass

    monkeypatch.setattr(search_build, "PARALLEL_AT", 1)
    monkeypatch.setattr(search_build, "_pool", Broken)
    library = Library.open(tmp_path / "lib")
    library.add_many(ARTICLES)
    assert not (library.home / search_module.STALE_NAME).exists()
    assert len(library._search) == len(ARTICLES)
    assert {hit.id for hit in library.search("茶", limit=None)} == {
        a.id for a in ARTICLES if "茶" in a.title
    }
