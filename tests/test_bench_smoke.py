"""The benchmark suite still runs: its generators, judging and probes work on tiny inputs (issue 5).

No timing is asserted here: the bench measures, the tests only prove the bench code is sound.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402
import probes  # noqa: E402
import run  # noqa: E402


def test_generated_document_has_the_promised_shape() -> None:
    """A 20 KB document: markers once, ~1 heading per KB, tables, code, lists, links."""
    text, titles = gen.make_markdown(20 * 1024, "latin")
    size = len(text.encode("utf-8"))
    assert 20 * 1024 <= size < 24 * 1024
    assert 15 <= len(titles) <= 25
    headings = re.findall(r"^#{1,6} ", text, re.MULTILINE)
    assert len(headings) == len(titles) + 1  # the title heading
    assert text.count(gen.FIND_NEEDLE) == 1
    assert gen.FIRST_MARKER in text.split("\n\n")[1]
    assert "```python" in text and "|:--|" in text and "\n- " in text and "](https://" in text
    # Deterministic: the bench compares runs.
    assert gen.make_markdown(20 * 1024, "latin")[0] == text


def test_cjk_document_is_the_same_byte_size_and_mostly_cjk() -> None:
    latin, _ = gen.make_markdown(10 * 1024, "latin")
    cjk, titles = gen.make_markdown(10 * 1024, "cjk")
    assert abs(len(cjk.encode()) - len(latin.encode())) < 2048
    han = sum(1 for c in cjk if "\u4e00" <= c <= "\u9fff")
    assert han > len(cjk) * 0.5
    assert titles and titles[0].startswith("第1节")


def test_library_generator_fills_a_library(tmp_path: Path) -> None:
    from termreader.library.store import Library

    articles = gen.make_library(tmp_path / "lib", 30)
    library = Library.open(tmp_path / "lib")
    assert len(library) == 30
    listed = library.list()
    assert listed[0].title == gen.NEWEST_TITLE
    assert len({a.id for a in articles}) == 30
    naive = tmp_path / "naive.json"
    gen.make_tinydb_baseline(naive, articles)
    data = json.loads(naive.read_text())
    assert len(data["_default"]) == 30 and "body" in next(iter(data["_default"].values()))


def test_feed_site_serves_feeds_pages_and_related() -> None:
    from netserver import NetServer

    server = NetServer().start()
    try:
        site = gen.populate_site(server, feeds=2, per_feed=3, related_per_article=1)
        assert len(site.feeds) == 2 and site.articles == 6 and site.related == 6
        import httpx

        feed = httpx.get(site.feeds[0])
        assert feed.status_code == 200 and feed.text.count("<item>") == 3
        page = httpx.get(server.url("/articles/0.html"))
        assert "Related" in page.text and "/related/0-0.html" in page.text
        again = httpx.get(site.feeds[0], headers={"If-None-Match": feed.headers["etag"]})
        assert again.status_code == 304
    finally:
        server.stop()


def test_figures_judge_their_targets_and_render_a_table(tmp_path: Path) -> None:
    bench = run.Bench(tmp_path, quick=True)
    bench.add(run.Figure("g", "ratio ok", 1.2, "s", "ratio_le", 1.5, 1.0, "empty"))
    bench.add(run.Figure("g", "ratio miss", 2.0, "s", "ratio_le", 1.5, 1.0, "empty"))
    bench.add(run.Figure("g", "over ok", 1.8, "s", "over_le", 1.0, 1.0))
    bench.add(run.Figure("g", "floor miss", 40.0, "/s", "ge", 50))
    bench.add(run.Figure("g", "not measured", None, "ms", "le", 50))
    assert [f.ok for f in bench.figures] == [True, False, True, False, False]
    assert bench.figures[0].ratio == 1.2
    table = bench.table()
    assert "ratio miss" in table and "FAIL" in table and "PASS" in table
    out = tmp_path / "results.json"
    bench.save(out, ["g"])
    saved = json.loads(out.read_text())
    assert [f["name"] for f in saved["figures"]][:2] == ["ratio ok", "ratio miss"]


def test_accuracy_rules() -> None:
    assert run.title_right("Losing face", "Losing face | The Japan Times")
    assert run.title_right("蔡健雅", "蔡健雅_百度百科")
    assert not run.title_right("Losing", "Losing face: 6,000 surgical masks")
    assert run.title_right("  Same  Title ", "same title")
    when = datetime(2019, 9, 9, 18, 13, 22, tzinfo=UTC)
    assert run.time_right(when, "2019年09月09日 18:13:22")
    assert run.time_right(when, "2019-09-09")
    assert not run.time_right(when, "2019-09-10")
    assert not run.time_right(None, "2019-09-10")
    assert run._plain("Some **bold** text\\_here") == "some bold text_here"


async def test_key_probe_times_keys_on_a_small_article(tmp_path: Path) -> None:
    """The Pilot probe drives the real app: every key gets a time (whatever it is)."""
    from termreader import importers
    from termreader.library.store import Library

    spec = gen.write_document(tmp_path, 6 * 1024, "latin")
    gen.make_library(tmp_path / "lib", 0)
    library = Library.open(tmp_path / "lib")
    article = library.add(importers.import_path(spec.path))
    result = await probes.reader_keys(
        str(tmp_path / "lib"), article.id, needle=gen.FIND_NEEDLE, repeat=1
    )
    assert "error" not in result, result
    for key in ("G", "g", "]", "[", "outline jump", "find"):
        assert result[key]["n"] == 1 and result[key]["ms"] is not None, (key, result)


async def test_long_session_probe_reports_memory_growth(tmp_path: Path) -> None:
    from termreader import importers
    from termreader.library.store import Library

    gen.make_library(tmp_path / "lib", 0)
    library = Library.open(tmp_path / "lib")
    ids = []
    for seed in (1, 2):
        text, _ = gen.make_markdown(4 * 1024, "latin", seed=seed)
        article = importers.import_bytes(
            text.encode("utf-8"), filename=f"s{seed}.md", content_type="text/markdown"
        )
        ids.append(library.add(article).id)
    result = await probes.long_session(str(tmp_path / "lib"), ids)
    if probes._rss_mb() is None:
        assert "error" in result
        return
    assert "error" not in result, result
    assert result["articles"] == 2 and result["growth_mb"] is not None


async def test_keystroke_baseline_probe() -> None:
    result = await probes.empty_input_keystroke("ab")
    assert result["n"] == 2 and result["ms"] is not None


@pytest.mark.skipif(not run.tui.have_tmux(), reason="tmux is not installed")
def test_tmux_first_paint_of_the_empty_app() -> None:
    with run.tui.Tmux() as tmux:
        paint = tmux.launch(
            [sys.executable, str(BENCH / "empty_app.py")], "bench-empty-app-ready", timeout=20
        )
    assert paint.seconds is not None
    assert paint.rss_mb is None or paint.rss_mb > 5
