"""One matching rule for the library: ``Library.list(query=...)`` and the TUI filter agree."""

from __future__ import annotations

from pathlib import Path

import pytest

from termreader.library.query import Query, fold, haystack
from termreader.library.store import Library
from termreader.models import Article
from termreader.ui.article_list import Entry, filter_entries

ARTICLES = [
    ("a1", "abc Terminal Reader", "Example Blog", ["tools"]),
    ("a2", "Café culture", "Ｆｕｌｌ Ｗｉｄｔｈ Ｐｒｅｓｓ", ["Food"]),
    ("a3", "中文排版指南", "博客", ["cjk"]),
    ("a4", "Straße und Weg", "Zeitung", []),
    ("a5", "Reading offline", "abc news", ["Terminal"]),
]

CASES = [
    ("ＡＢＣ reader", {"a1"}),  # full-width letters, two words
    ("reader ABC", {"a1"}),  # any order, any case
    ("abc terminal", {"a1", "a5"}),  # words may come from title, source or tags
    ("abc terminal reader", {"a1"}),
    ("full width", {"a2"}),  # a full-width source
    ("CAFÉ", {"a2"}),
    ("cafe\u0301", {"a2"}),  # a decomposed accent matches the composed one
    ("cafe", set()),  # accents are not stripped
    ("STRASSE", {"a4"}),  # case folding, not lower-casing
    ("排版", {"a3"}),  # substrings: CJK has no spaces
    ("博客 cjk", {"a3"}),
    ("read", {"a1", "a5"}),  # a word matches the start of a word...
    ("eader", set()),  # ...never the inside of one
    ("文排", {"a3"}),  # while CJK matches anywhere, one character or more
    ("排", {"a3"}),
    ('"terminal reader"', {"a1"}),  # a quoted phrase
    ('"reader abc"', set()),
    ("terminal reader offline", set()),  # every word must appear in the same article
    ("   ", {"a1", "a2", "a3", "a4", "a5"}),
]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib")
    lib.add_many(
        Article(id=key, title=title, source=source, tags=tags, body="text")
        for key, title, source, tags in ARTICLES
    )
    return lib


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_store_and_tui_filter_match_the_same_articles(
    library: Library, query: str, expected: set[str]
) -> None:
    entries = [Entry.of(a) for a in library.list()]
    assert {a.id for a in library.list(query)} == expected
    assert {e.article.id for e in filter_entries(entries, query)} == expected


def test_fold_and_haystack() -> None:
    assert fold("  ＡＢＣ \t Reader\n") == "abc reader"
    assert Query("ＡＢＣ  reader").words == ("abc", "reader")
    assert not Query("  ") and not Query(None)
    hay = haystack("abc Terminal Reader", "Example", "tag")
    assert Query("ＡＢＣ reader").matches(hay)
    assert not Query("reader example2").matches(hay)
    assert not Query("reader example").matches(haystack("reader", "other"))
    # A word starts where a word of the text starts ("cx" holds "x" inside a word).
    assert Query("x").select(["xa", "b", "cx", "a-x"], str) == ["xa", "a-x"]
    assert Query('"reader example"').matches(haystack("a reader\n example")) is True


def test_typing_narrows_the_last_result_and_agrees_with_a_fresh_filter() -> None:
    """A keystroke that extends the filter searches the last result for the new words only;
    the result is the one a filter from scratch gives."""
    from datetime import UTC, datetime

    from termreader.models import Article
    from termreader.ui.article_list import Entry, filter_entries

    titles = ["Article 9 news", "article 19", "Other 9", "ARTICLE nine", "Artikel 99", "x"]
    entries = [
        Entry.of(Article(id=f"a{n}", title=t, published=datetime(2025, 1, 1 + n, tzinfo=UTC)))
        for n, t in enumerate(titles)
    ]
    typed = "article 9"
    result = entries
    previous = ""
    for end in range(1, len(typed) + 1):
        text = typed[:end]
        result = filter_entries(entries, text, typed_from=(previous, result))
        assert result == filter_entries(entries, text)
        previous = text
    # "9" starts a word in "Article 9 news" only ("19" and "99" hold it inside a word).
    assert [e.article.id for e in result] == ["a0"]
    # Not an extension (a deleted character): filtered from scratch.
    assert filter_entries(entries, "articl", typed_from=(typed, result)) == filter_entries(
        entries, "articl"
    )


def test_marked_word_starts_agree_with_the_word_start_rule() -> None:
    """The filter's substring test on marked text (mark_word_starts) finds a word exactly where
    find_word does: at a word start for a word that begins with a letter or digit of a spaced
    script, anywhere otherwise (CJK, Thai, punctuation, underscore)."""
    import random

    from termreader.library.query import find_word, mark_word_starts

    alphabet = list("ab9 -_.(\n") + ["é", "中", "文", "ก", "Ⅻ", "٣"]
    rng = random.Random(15)
    for _ in range(3000):
        hay = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        word = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 3))).strip()
        if not word:
            continue
        expected = find_word(word, hay) >= 0
        assert (mark_word_starts(word) in mark_word_starts(hay)) is expected, (word, hay)
