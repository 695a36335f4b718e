"""Full-text search: what it finds, its snippets, and an index that is rebuilt, never trusted."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from termreader.library import search as search_module
from termreader.library.query import Query, haystack
from termreader.library.search_text import fts_query, plain_body, snippet, tokens
from termreader.library.store import Library
from termreader.models import Article
from termreader.ui.article_list import Entry, filter_entries

SRC = Path(__file__).resolve().parents[1] / "src"

ARTICLES = [
    Article(
        id="tea1",
        title="Tea culture",
        source="Example Blog",
        tags=["food"],
        body="# Tea\n\nWe drink 茶 every day.\nThe reader of [links](https://x.example/y) likes "
        "**bold** text,\nand this sentence goes on\nacross lines.",
    ),
    Article(
        id="zh1",
        title="催收新闻",
        source="中文网",
        body="关于催\n收的报道。还有中国人民的故事，\n以及排版。",
    ),
    Article(
        id="term",
        title="Terminal readers",
        source="Ｆｕｌｌ Ｗｉｄｔｈ Ｐｒｅｓｓ",
        tags=["tools"],
        body="Nothing here but a terminal and e-mail. Straße.",
    ),
    Article(
        id="body",
        title="Other things",
        source="news",
        body="A long text that mentions the terminal reader only in its body, twice: reader.",
    ),
]


@pytest.fixture
def library(tmp_path: Path) -> Library:
    lib = Library.open(tmp_path / "lib")
    lib.add_many(ARTICLES)
    return lib


def ids(library: Library, query: str) -> list[str]:
    return [hit.id for hit in library.search(query)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("茶", {"tea1"}),  # one CJK character: an index of trigrams alone misses it
        ("催收", {"zh1"}),  # two characters, across a line break in the body
        ("中国人", {"zh1"}),
        ("收的报道", {"zh1"}),
        ("read", {"tea1", "term", "body"}),  # a word matches the start of a word...
        ("eader", set()),  # ...not its inside
        ("READER terminal", {"term", "body"}),  # words are ANDed, case folded
        ('"goes on across lines"', {"tea1"}),  # a phrase across line breaks
        ('"links likes bold text"', {"tea1"}),  # markup and link targets are not text
        ("x.example", set()),
        ("full width", {"term"}),  # NFKC: a full-width source
        ("STRASSE", {"term"}),
        ("mail", {"term"}),
        ("food tea", {"tea1"}),  # tags count
        ("--", set()),  # nothing to narrow: every article is checked
        ("", set()),
    ],
)
def test_search_finds(library: Library, query: str, expected: set[str]) -> None:
    assert set(ids(library, query)) == expected


def test_title_matches_rank_first(library: Library) -> None:
    assert ids(library, "terminal")[0] == "term"
    assert ids(library, "reader")[0] == "term"


def test_snippet_marks_the_first_match(library: Library) -> None:
    hit = library.search("催收")[0]
    assert hit.field == "body"
    assert hit.snippet.marked() == "关于[催收]的报道。还有中国人民的故事，以及排版。"
    assert hit.find == "催收"
    text = next(h for h in library.search("reader") if h.id == "tea1").snippet
    assert "[reader]" in text.marked()
    assert "\n" not in text.text


def test_snippet_is_one_line_within_its_width() -> None:
    text = plain_body(("lorem ipsum " * 40) + "needle " + ("dolor sit " * 40))
    found = snippet(text, ("needle",), cells=60)
    assert found is not None
    assert len(found.text) <= 62 and found.text.startswith("…") and found.text.endswith("…")
    start, end = found.spans[0]
    assert found.text[start:end] == "needle"
    wide = snippet("字" * 200 + "茶" + "字" * 200, ("茶",), cells=40)
    assert wide is not None and len(wide.text) <= 22


def test_snippet_maps_folded_offsets_back() -> None:
    """Folding that changes lengths (ß -> ss) must not shift the marks."""
    found = snippet("Die Straße ist lang und die Strasse auch", ("strasse",))
    assert found is not None
    assert found.marked() == "Die [Straße] ist lang und die [Strasse] auch"


def test_tokens_and_query() -> None:
    stream, singles = tokens("催收 abc 茶x中国人")
    assert stream.split() == ["催收", "abc", "x", "中国", "国人"]
    assert singles == "催 收 茶 中 国 人"
    assert fts_query(("茶",), "{b}", "s") == 's : "茶"'
    assert fts_query(("e-mail",), "{b}", "s") == '{b} : "e" AND {b} : "mail"*'
    assert fts_query(("中国人",), "{b}", "s") == '{b} : "中国 国人"'
    assert fts_query(("--",), "{b}", "s") is None


def test_search_filter_and_list_query_agree(library: Library) -> None:
    """One rule: ``list --query`` and the TUI filter match title, source and tags; search
    matches the same way over those and the body, so it finds at least what they find."""
    entries = [Entry.of(a) for a in library.list()]
    for query in [
        "read",
        "terminal reader",
        "ＦＵＬＬ",
        "催收",
        "茶",
        "mail",
        "tea food",
        '"tea c"',
    ]:
        listed = {a.id for a in library.list(query)}
        filtered = {e.article.id for e in filter_entries(entries, query)}
        found = set(ids(library, query))
        assert listed == filtered
        assert listed <= found
        rule = Query(query)
        expected = {
            a.id
            for a in ARTICLES
            if rule.matches(haystack(a.title, a.source, *a.tags, plain_body(a.body)))
        }
        assert found == expected, query


def test_index_follows_add_and_remove(library: Library) -> None:
    library.add(Article(id="new1", title="Fresh", source="s", body="oolong 乌龙茶"))
    assert ids(library, "乌龙") == ["new1"]
    library.add(Article(id="new1", title="Fresh", source="s", body="sencha"))
    assert ids(library, "乌龙") == [] and ids(library, "sencha") == ["new1"]
    library.remove("new1")
    assert ids(library, "sencha") == []


def test_an_article_added_for_later_is_found_by_the_next_search(library: Library) -> None:
    """``add(search_later=True)`` (a big article opened from the command line or the reader)
    leaves the index to catch up: the next search, here or in another process or from the
    reader's search dialog, finds it all the same."""
    library.search("tea")  # this process has checked the index already
    library.add(
        Article(id="late1", title="Later", source="s", body="hojicha 焙茶"), search_later=True
    )
    assert ids(Library.open(library.home), "hojicha") == ["late1"]
    assert ids(library, "焙茶") == ["late1"]
    library.add(
        Article(id="late2", title="Later too", source="s", body="kukicha"), search_later=True
    )
    assert [hit.id for hit in library.searcher().search("kukicha")] == ["late2"]


def test_another_library_instance_sees_the_writes(library: Library) -> None:
    other = Library.open(library.home)
    other.add(Article(id="x1", title="From elsewhere", source="s", body="genmaicha"))
    assert ids(library, "genmaicha") == ["x1"]


@pytest.mark.parametrize("damage", ["delete", "truncate", "garbage", "half"])
def test_lost_or_damaged_index_is_rebuilt(library: Library, damage: str) -> None:
    assert ids(library, "茶") == ["tea1"]
    path = library.home / search_module.FILE_NAME
    fresh = Library.open(library.home)
    search_module.SearchIndex(library.home).close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    if damage == "delete":
        path.unlink()
    elif damage == "truncate":
        path.write_bytes(b"")
    elif damage == "garbage":
        path.write_bytes(os.urandom(5000))
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] + b"\x00" * 512)
    assert ids(fresh, "茶") == ["tea1"]
    assert set(ids(fresh, "reader")) == {"tea1", "term", "body"}
    assert len(fresh) == len(ARTICLES)


def test_an_out_of_date_index_catches_up(library: Library, tmp_path: Path) -> None:
    """An index older than the library (e.g. restored, or written by an older version) is
    brought up to date by comparing body fingerprints: added, changed and removed articles."""
    ids(library, "茶")
    library._search.close()
    path = library.home / search_module.FILE_NAME
    saved = tmp_path / "old.sqlite"
    saved.write_bytes(path.read_bytes())
    library.add(Article(id="late", title="Late", source="s", body="hojicha"))
    library.add(Article(id="tea1", title="Tea culture", source="s", body="only matcha now"))
    library.remove("zh1")
    library._search.close()
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.write_bytes(saved.read_bytes())
    fresh = Library.open(library.home)
    assert ids(fresh, "hojicha") == ["late"]
    assert ids(fresh, "matcha") == ["tea1"] and ids(fresh, "茶") == []
    assert ids(fresh, "催收") == []


def test_a_failing_index_never_blocks_an_add(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library is the source of truth: an index that cannot be written marks itself stale
    and the next search indexes what it missed."""

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(search_module.SearchIndex, "_put", broken)
    monkeypatch.setattr(search_module.SearchIndex, "_drop", broken)
    library.add(Article(id="kept", title="Kept", source="s", body="kukicha"))
    library.add_many([Article(id="kept2", title="Kept too", source="s", body="kukicha")])
    library.remove("term")
    assert "kept" in library and "kept2" in library and "term" not in library
    assert (library.home / search_module.STALE_NAME).exists()
    monkeypatch.undo()
    assert set(ids(library, "kukicha")) == {"kept", "kept2"}
    assert "term" not in ids(library, "terminal")
    assert not (library.home / search_module.STALE_NAME).exists()


def test_searcher_works_from_another_thread(library: Library) -> None:
    import threading

    searcher = library.searcher()
    found: list[list[str]] = []
    worker = threading.Thread(target=lambda: found.append([h.id for h in searcher.search("茶")]))
    worker.start()
    worker.join()
    assert found == [["tea1"]]


_WRITER = """
import sys
from termreader.library.store import Library
from termreader.models import Article
lib = Library.open(sys.argv[1])
tag = sys.argv[2]
for i in range(15):
    lib.add(Article(id=f"{tag}{i}", title=f"{tag} {i}", source="s", body=f"shared 共享 {tag}word"))
"""


def test_two_processes_adding_at_once(library: Library) -> None:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(library.home), tag], env=env)
        for tag in ("p", "q")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    assert not (library.home / search_module.STALE_NAME).exists()
    assert len(library.search("共享", limit=None)) == 30
    assert len(library.search("pword", limit=None)) == 15
    assert len(library.search("qword", limit=None)) == 15


def test_a_very_common_query_ranks_the_newest_matches(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bm25 scores every match: past RANK_AT_MOST matches a limited search ranks and lists
    only the newest (its cost stays bounded however common the word); an unlimited one lists
    every match."""
    library.add_many(
        Article(id=f"common{n}", title=f"Common {n}", source="s", body="plenty of matcha")
        for n in range(6)
    )
    monkeypatch.setattr(search_module, "RANK_AT_MOST", 3)
    found = ids(library, "matcha")
    assert sorted(found) == ["common3", "common4", "common5"]
    assert len(library.search("matcha", limit=None)) == 6


def test_opening_and_listing_a_library_never_imports_sqlite(library: Library) -> None:
    """Start-up stays lean: only searching and indexing load sqlite3."""
    code = (
        "import sys; from termreader.library.store import Library;"
        f" lib = Library.open({str(library.home)!r}); lib.list();"
        " print('sqlite3' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert out.stdout.strip() == "False", out.stderr


def test_snippet_fills_its_cells_with_the_match_a_third_in() -> None:
    """Wide characters used to be counted as if each dropped one freed a single cell: a CJK
    snippet kept only a few characters around its match."""
    from rich.cells import cell_len

    cjk = "据报道该公司近日对借款人采取了一系列措施包括电话短信和上门拜访" * 6
    for cells in (41, 60, 100):
        found = snippet(cjk + "催收" + cjk, ("催收",), cells=cells)
        assert found is not None and found.marked().count("[催收]") == 1
        assert cells - 1 <= cell_len(found.text) <= cells
        assert found.text[1:-1] in cjk + "催收" + cjk  # whole characters only
        before = cell_len(found.text[: found.spans[0][0]])
        assert cells // 4 <= before <= cells // 2
    latin = plain_body(" ".join(f"w{n}" for n in range(300)) + " needle " + "tail " * 100)
    found = snippet(latin, ("needle",), cells=90)
    assert found is not None and len(found.text) == 90
    # A cut before the match starts at a word; the one after it is between characters.
    assert found.text.startswith("…w") and found.text.endswith("…")


def test_a_wide_snippet_fits_any_narrower_row() -> None:
    text = plain_body(" ".join(f"w{n}" for n in range(300)) + " needle " + "tail " * 100)
    wide = snippet(text, ("needle",), cells=300)
    assert wide is not None
    for cells in (30, 64, 99, 120):
        assert wide.fit(cells) == snippet(text, ("needle",), cells=cells)
    short = snippet("a needle here", ("needle",), cells=300)
    assert short is not None and short.fit(20).marked() == "a [needle] here"
