"""The bench's search group still has sound inputs (no timing is asserted here)."""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402
import search_bench  # noqa: E402


def test_search_articles_mix_chinese_and_latin(tmp_path: Path) -> None:
    from termreader.library.store import Library

    articles = search_bench.search_articles(12)
    assert [a.title.startswith("文章") for a in articles[:4]] == [True, False, False, False]
    assert sum(gen.FIND_NEEDLE in a.body for a in articles) == 1
    library = Library.open(tmp_path / "lib")
    library.add_many(articles)
    assert [h.id for h in library.search(gen.FIND_NEEDLE)] == [articles[7].id]
    assert library.search("ipsum")
