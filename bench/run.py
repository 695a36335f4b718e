"""The termreader benchmark suite: ``python bench/run.py [--quick] [--only NAME ...]``.

Generates its inputs in a temporary folder, measures each figure beside a baseline taken in
the same run, prints a table (value, target, baseline, ratio, pass) and writes
``bench/results.json``. Groups (``--only``): startup, uncached, keys, library, library100k,
session, sync, accounts, import, accuracy, fidelity, search. ``--quick`` runs a smaller subset in
about a minute.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "tests"))  # netserver.py, the test suite's HTTP server

import fidelity_corpus  # noqa: E402
import gen  # noqa: E402
import search_bench  # noqa: E402
import tui  # noqa: E402

PYTHON = sys.executable
CORPUS = Path(os.environ.get("TERMREADER_CORPUS", ROOT.parent / "shared" / "corpus"))
RESULTS = BENCH / "results.json"
ACCURACY_BASELINE = BENCH / "accuracy_baseline.json"
FIDELITY_BASELINE = BENCH / "fidelity_baseline.json"
GROUPS = (
    "startup",
    "uncached",
    "keys",
    "library",
    "library100k",
    "session",
    "sync",
    "accounts",
    "import",
    "accuracy",
    "fidelity",
    "search",
)
CONTENT_SHARE_GOAL = 26 / 31
"""Issue 12: pages of trafilatura's evaluation with every must and no must-not snippet."""
MB2 = 2 * 1024 * 1024
SESSION_ARTICLES = 50
SESSION_SIZE = 100 * 1024
SESSION_GROWTH_MB = 40.0
"""Resident-memory growth allowed over a session of SESSION_ARTICLES opens (caches fill)."""
QUICK_SKIPS = ("uncached", "library100k")
"""Groups --quick leaves out (an uncached 2 MB open alone takes longer than the quick budget)."""


# --- figures -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Figure:
    """One measured figure beside its baseline.

    ``kind`` says how the target reads: ``le`` value ≤ target, ``ge`` value ≥ target,
    ``ratio_le`` value/baseline ≤ target, ``over_le`` value − baseline ≤ target, ``info`` none.
    """

    group: str
    name: str
    value: float | None
    unit: str
    kind: str = "info"
    target: float | None = None
    baseline: float | None = None
    baseline_label: str = ""
    note: str = ""
    ratio: float | None = None
    ok: bool | None = None

    def judge(self) -> Figure:
        if self.value is not None and self.baseline:
            self.ratio = round(self.value / self.baseline, 3)
        v, t, b = self.value, self.target, self.baseline
        if v is None or self.kind == "info" or t is None:
            self.ok = None if self.kind == "info" else False
        elif self.kind == "le":
            self.ok = v <= t
        elif self.kind == "ge":
            self.ok = v >= t
        elif self.kind == "ratio_le":
            self.ok = self.ratio is not None and self.ratio <= t
        elif self.kind == "over_le":
            self.ok = b is not None and v - b <= t
        return self

    def target_text(self) -> str:
        unit = self.unit
        t = self.target
        return {
            "le": f"≤ {_fmt(t, unit)}",
            "ge": f"≥ {_fmt(t, unit)}",
            "ratio_le": f"≤ {t}× base",
            "over_le": f"≤ base + {_fmt(t, unit)}",
        }.get(self.kind, "")


def _fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "%":
        return f"{value:.0f} %"
    if unit in ("ms", "MB"):
        return f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "x":
        return f"{value:.2f}×"
    if unit == "/s":
        return f"{value:.0f}/s"
    return f"{value:g} {unit}".strip()


def precompile() -> None:
    """Write termreader's bytecode (``.pyc``), as installing the package does.

    An editable install under ``PYTHONDONTWRITEBYTECODE=1`` (this machine's default) would
    otherwise compile every module from source at each launch (about 60 ms of a 0.3 s start)
    while Textual, installed from a wheel, starts from its bytecode: the startup figures then
    measured the install mode, not the app. Stale bytecode is never used (Python checks the
    source's timestamp).
    """
    import compileall

    import termreader

    compileall.compile_dir(Path(termreader.__file__).parent, quiet=1)


class Bench:
    """Runs the groups, collects figures, prints and saves them."""

    def __init__(self, work: Path, quick: bool) -> None:
        self.work = work
        self.quick = quick
        self.figures: list[Figure] = []
        self.extra: dict[str, Any] = {}
        self.env = {
            "TERMREADER_CONFIG": str(work / "no-config.toml"),
            "TERMREADER_HOME": str(work / "default-library"),
            "TEXTUAL_ANIMATIONS": "none",
        }
        os.environ.update(self.env)
        precompile()
        self._docs: dict[tuple[int, str], gen.DocSpec] = {}
        self._cached: dict[str, tuple[Path, str]] = {}
        self._empty_startup: float | None = None
        self._empty_rss: float | None = None
        self._tmux: tui.Tmux | None = None

    def add(self, figure: Figure) -> Figure:
        figure.judge()
        self.figures.append(figure)
        mark = {True: "ok", False: "MISS", None: ""}[figure.ok]
        print(
            f"  {figure.name}: {_fmt(figure.value, figure.unit)}  {figure.note}  {mark}", flush=True
        )
        return figure

    @property
    def tmux(self) -> tui.Tmux | None:
        if self._tmux is None and tui.have_tmux():
            self._tmux = tui.Tmux().start()
        return self._tmux

    def close(self) -> None:
        if self._tmux is not None:
            self._tmux.stop()

    # inputs ------------------------------------------------------------------------------------
    def doc(self, size: int, lang: str) -> gen.DocSpec:
        key = (size, lang)
        if key not in self._docs:
            folder = self.work / "docs"
            folder.mkdir(exist_ok=True)
            self._docs[key] = gen.write_document(folder, size, lang)
        return self._docs[key]

    def empty_library(self, name: str) -> Path:
        """A library with no articles (marked seeded: the samples are not imported)."""
        home = self.work / name
        if home.exists():
            shutil.rmtree(home)
        gen.make_library(home, 0)
        return home

    def cached_article(self, path: Path, key: str) -> tuple[Path, str]:
        """A library holding ``path`` imported the way ``termreader add`` stores it, with its
        render cache (``termreader.library.ingest`` when present; else the reader's cache form)."""
        if key in self._cached:
            return self._cached[key]
        from termreader import importers
        from termreader.library.store import Library
        from termreader.render.codec import cache_name, from_bytes, to_bytes

        home = self.empty_library(f"lib-cached-{key}")
        library = Library.open(home)
        started = time.perf_counter()
        article = importers.import_path(path)
        try:
            from termreader.library.ingest import store_article
        except ImportError:
            from termreader.render.parser import parse

            article = library.add(article)
            library.write_cache(article.id, cache_name(), to_bytes(parse(article.body)))
        else:
            article = store_article(library, article)
        self.extra.setdefault("import_and_store_seconds", {})[key] = round(
            time.perf_counter() - started, 3
        )
        # The figure is only "cached" if the reader accepts that cache.
        data = library.read_cache(article.id, cache_name())
        try:
            accepted = bool(data) and from_bytes(data) is not None
        except ValueError:
            accepted = False
        if not accepted:
            print(
                f"  WARNING: no usable render cache for {key}: the 'cached' figures parse the body"
            )
        self._cached[key] = (home, article.id)
        return home, article.id

    def launches(self) -> int:
        return 3 if self.quick else 9

    # startup in tmux -----------------------------------------------------------------------------
    def paint(
        self,
        argv: list[str],
        marker: str,
        *,
        runs: int,
        after=None,
        timeout: float = 60.0,
        prepare: Callable[[], None] | None = None,
    ) -> tuple[float | None, float | None, str]:
        """Median seconds to ``marker`` over ``runs`` launches; max RSS in MB; a note."""
        tmux = self.tmux
        if tmux is None:
            return None, None, "tmux missing"
        times: list[float] = []
        rss: list[float] = []
        misses = 0
        screen = ""
        for _ in range(runs):
            if prepare is not None:
                prepare()
            result = tmux.launch(argv, marker, env=self.env, cwd=ROOT, timeout=timeout, after=after)
            screen = result.screen
            if result.seconds is None:
                misses += 1
            else:
                times.append(result.seconds)
            if result.rss_mb is not None:
                rss.append(result.rss_mb)
        note = f"median of {len(times)}" + (
            f", {misses} not shown in {timeout:.0f} s" if misses else ""
        )
        if not times:
            tail = " | ".join(line.strip() for line in screen.splitlines() if line.strip())[-200:]
            note += f"; screen: {tail}"
        return (statistics.median(times) if times else None), (max(rss) if rss else None), note

    def paint_against(
        self,
        argv: list[str],
        marker: str,
        baseline: tuple[list[str], str],
        *,
        runs: int,
        after=None,
        prepare: Callable[[], None] | None = None,
        timeout: float = 60.0,
    ) -> tuple[float | None, float | None, str, float | None]:
        """:meth:`paint` with the baseline launched in turn with it (baseline, subject,
        baseline...): both medians come from the same minutes of a machine whose speed drifts
        (this VM's empty-app start moved between 0.20 and 0.31 s from one minute to the next).
        Returns (seconds, max RSS, note, baseline seconds)."""
        base_argv, base_marker = baseline
        times: list[float] = []
        base_times: list[float] = []
        rss: list[float] = []
        notes: list[str] = []
        for _ in range(runs):
            base, _, _ = self.paint(base_argv, base_marker, runs=1, timeout=timeout)
            if base is not None:
                base_times.append(base)
            seconds, peak, note = self.paint(
                argv, marker, runs=1, after=after, prepare=prepare, timeout=timeout
            )
            if seconds is not None:
                times.append(seconds)
            else:
                notes.append(note)
            if peak is not None:
                rss.append(peak)
        note = f"median of {len(times)}, baseline launched in turn"
        if len(times) < runs:
            note += f"; {runs - len(times)} not shown: {notes[-1]}"
        return (
            statistics.median(times) if times else None,
            max(rss) if rss else None,
            note,
            statistics.median(base_times) if base_times else None,
        )

    def empty_startup(self) -> tuple[float | None, float | None]:
        if self._empty_startup is None:
            seconds, rss, _ = self.paint(
                [PYTHON, str(BENCH / "empty_app.py")], "bench-empty-app-ready", runs=self.launches()
            )
            self._empty_startup, self._empty_rss = seconds, rss
            self.extra["empty_app_startup_s"] = seconds
            self.extra["empty_app_rss_mb"] = rss
        return self._empty_startup, self._empty_rss

    @property
    def empty_app(self) -> tuple[list[str], str]:
        """The baseline app's command and the line it paints."""
        return [PYTHON, str(BENCH / "empty_app.py")], "bench-empty-app-ready"

    def termreader(self, *args: str) -> list[str]:
        exe = Path(PYTHON).with_name("termreader")
        return [
            str(exe) if exe.exists() else PYTHON,
            *([] if exe.exists() else ["-m", "termreader"]),
            *args,
        ]

    def group_startup(self) -> None:
        print("startup (tmux, first paint)", flush=True)
        _, empty_rss = self.empty_startup()
        label = "empty Textual app"
        langs = ("latin",) if self.quick else ("latin", "cjk")
        latin_time: float | None = None
        for lang in langs:
            spec = self.doc(MB2, lang)
            home, article_id = self.cached_article(spec.path, f"2m-{lang}")
            seconds, rss, note, empty = self.paint_against(
                self.termreader("open", article_id, "--library", str(home)),
                gen.FIRST_MARKER,
                self.empty_app,
                runs=self.launches(),
                after=[("G", 0.8), ("g", 0.3)],
                prepare=lambda h=home, a=article_id: reset_position(h, a),
            )
            if lang == "latin":
                latin_time = seconds
            self.add(
                Figure(
                    "startup",
                    f"open cached 2 MB article ({lang}) to first screen",
                    seconds,
                    "s",
                    "ratio_le",
                    1.5,
                    empty,
                    label,
                    note,
                )
            )
            self.add(
                Figure(
                    "startup",
                    f"peak memory, cached 2 MB article open ({lang})",
                    rss,
                    "MB",
                    "le",
                    200,
                    empty_rss,
                    label,
                    "ru_maxrss via GNU time; after G and g",
                )
            )
            if lang == "cjk" and latin_time and seconds:
                self.add(
                    Figure(
                        "startup",
                        "CJK / Latin: cached 2 MB first screen",
                        seconds / latin_time,
                        "x",
                        "le",
                        1.25,
                        None,
                        "",
                        "same byte size",
                    )
                )
        if not self.quick:
            changelog = CORPUS / "markdown" / "large" / "pandoc-changelog.md"
            if changelog.is_file():
                home, article_id = self.cached_article(changelog, "pandoc")
                seconds, rss, note, empty = self.paint_against(
                    self.termreader("open", article_id, "--library", str(home)),
                    "Raw HTML: fix handling of void",
                    self.empty_app,
                    runs=self.launches(),
                    prepare=lambda: reset_position(home, article_id),
                )
                self.add(
                    Figure(
                        "startup",
                        "open cached pandoc changelog (1.3 MB) to first screen",
                        seconds,
                        "s",
                        "ratio_le",
                        1.5,
                        empty,
                        label,
                        note,
                    )
                )
            else:
                print("  (corpus missing: pandoc changelog skipped)")

    # uncached --------------------------------------------------------------------------------------
    def group_uncached(self) -> None:
        print("uncached open (tmux, first paint)", flush=True)
        empty, _ = self.empty_startup()
        label = "empty Textual app"
        runs = 1 if self.quick else 3
        cases: list[tuple[str, Path, str]] = []
        for lang in ("latin",) if self.quick else ("latin", "cjk"):
            cases.append((f"2 MB file ({lang})", self.doc(MB2, lang).path, gen.FIRST_MARKER))
        changelog = CORPUS / "markdown" / "large" / "pandoc-changelog.md"
        if not self.quick and changelog.is_file():
            cases.append(("pandoc changelog (1.3 MB)", changelog, "Raw HTML: fix handling of void"))
        times: dict[str, float | None] = {}
        for name, path, marker in cases:
            home = self.work / "lib-uncached"

            def fresh(home: Path = home) -> None:
                self.empty_library(home.name)

            seconds, _, note = self.paint(
                self.termreader("open", str(path), "--library", str(home)),
                marker,
                runs=runs,
                prepare=fresh,
                timeout=90,
            )
            times[name] = seconds
            self.add(
                Figure(
                    "uncached",
                    f"termreader open {name}, not in library, to first screen",
                    seconds,
                    "s",
                    "over_le",
                    1.0,
                    empty,
                    label,
                    note,
                )
            )
        if times.get("2 MB file (cjk)") and times.get("2 MB file (latin)"):
            self.add(
                Figure(
                    "uncached",
                    "CJK / Latin: uncached 2 MB first screen",
                    times["2 MB file (cjk)"] / times["2 MB file (latin)"],
                    "x",
                    "le",
                    1.25,
                )
            )
        # Responsiveness while the outline is parsed in the background (in-process, Pilot).
        spec = self.doc(MB2, "latin")
        home = self.empty_library("lib-uncached-pilot")
        from termreader import importers
        from termreader.library.store import Library

        library = Library.open(home)
        article = library.add(importers.import_path(spec.path))
        result = probe(
            "reader_input_while_parsing", {"library_dir": str(home), "path": article.id}, 300
        )
        base = self.keystroke_baseline()
        if "error" in result:
            self.add(
                Figure(
                    "uncached",
                    "key j during background parse (max)",
                    None,
                    "ms",
                    "le",
                    50,
                    note=result["error"],
                )
            )
        else:
            self.add(
                Figure(
                    "uncached",
                    "key j during background parse (max)",
                    result.get("max_ms"),
                    "ms",
                    "le",
                    50,
                    base,
                    "Input keystroke, empty app",
                    f"median {result.get('ms')} ms; {result.get('during_parse')} presses while parsing",
                )
            )

    # keys --------------------------------------------------------------------------------------
    def keystroke_baseline(self) -> float | None:
        if "keystroke_ms" not in self.extra:
            result = probe("empty_input_keystroke", {}, 60)
            self.extra["keystroke_ms"] = result.get("ms")
        return self.extra["keystroke_ms"]

    def group_keys(self) -> None:
        print("keys on long articles (Pilot, 120×40, key to painted frame)", flush=True)
        repeat = 3 if self.quick else 7
        mv_base: dict[str, Any] = {}
        if not self.quick:
            mv_path = self.doc(200 * 1024, "latin").path
            mv_base = probe("markdown_viewer", {"path": str(mv_path), "repeat": 3}, 300)
            self.extra["markdown_viewer_200k"] = mv_base
            cap = 30
            mv_big = probe(
                "markdown_viewer", {"path": str(self.doc(MB2, "latin").path), "repeat": 1}, cap
            )
            self.extra["markdown_viewer_2m"] = mv_big
            load_note = (
                f"{mv_big['load_s']} s" if mv_big.get("load_s") else f"did not finish in {cap} s"
            )
            self.add(
                Figure(
                    "keys",
                    "MarkdownViewer load 200 KB (anchor)",
                    mv_base.get("load_s"),
                    "s",
                    note=f"MarkdownViewer on 2 MB: {load_note}",
                )
            )
            home200, id200 = self.cached_article(self.doc(200 * 1024, "latin").path, "200k-latin")
            small = probe(
                "reader_keys",
                {
                    "library_dir": str(home200),
                    "article_id": id200,
                    "needle": gen.FIND_NEEDLE,
                    "repeat": repeat,
                },
                300,
            )
            self.extra["reader_keys_200k"] = small
        langs = ("latin",) if self.quick else ("latin", "cjk")
        per_lang: dict[str, dict[str, Any]] = {}
        for lang in langs:
            home, article_id = self.cached_article(self.doc(MB2, lang).path, f"2m-{lang}")
            result = probe(
                "reader_keys",
                {
                    "library_dir": str(home),
                    "article_id": article_id,
                    "needle": gen.FIND_NEEDLE,
                    "repeat": repeat,
                },
                600,
            )
            per_lang[lang] = result
            self.extra[f"reader_keys_2m_{lang}"] = result
            if "error" in result:
                self.add(
                    Figure(
                        "keys", f"keys on 2 MB ({lang})", None, "ms", "le", 50, note=result["error"]
                    )
                )
                continue
            for key in ("G", "g", "]", "[", "outline jump", "find"):
                got = result.get(key) or {}
                base = (mv_base.get(key) or {}).get("ms") if lang == "latin" else None
                label = "MarkdownViewer 200 KB" if base is not None else ""
                if key in ("]", "[") and lang == "latin" and not self.quick:
                    label, base = "MarkdownViewer: no section keys", None
                if key == "find" and lang == "latin" and not self.quick:
                    label = "MarkdownViewer: no find"
                note = f"median of {got.get('n')}, max {got.get('max_ms')} ms"
                self.add(
                    Figure(
                        "keys",
                        f"{key} on cached 2 MB ({lang})",
                        got.get("ms"),
                        "ms",
                        "le",
                        50,
                        base,
                        label,
                        note,
                    )
                )
        changelog = CORPUS / "markdown" / "large" / "pandoc-changelog.md"
        if changelog.is_file():
            home, article_id = self.cached_article(changelog, "pandoc")
            pages = probe(
                "reader_pages",
                {
                    "library_dir": str(home),
                    "article_id": article_id,
                    "presses": 20 if self.quick else 60,
                },
                300,
            )
            self.extra["pandoc_pages"] = pages
            self.add(
                Figure(
                    "keys",
                    "page down through pandoc changelog (max)",
                    pages.get("max_ms"),
                    "ms",
                    "le",
                    50,
                    self.keystroke_baseline(),
                    "Input keystroke, empty app",
                    pages.get("error")
                    or f"median {pages.get('ms')} ms over {pages.get('n')} pages",
                )
            )
        if not self.quick:
            # First paint in-process: termreader (uncached 200 KB, parsed at open) vs MarkdownViewer.
            from termreader import importers
            from termreader.library.store import Library

            home = self.empty_library("lib-200k-uncached")
            article = Library.open(home).add(
                importers.import_path(self.doc(200 * 1024, "latin").path)
            )
            shown = probe("open_in_pilot", {"library_dir": str(home), "ref": article.id}, 120)
            self.add(
                Figure(
                    "keys",
                    "open 200 KB article, not parsed yet, in-process (Pilot)",
                    shown.get("s"),
                    "s",
                    "info",
                    None,
                    mv_base.get("load_s"),
                    "MarkdownViewer load, same document",
                    shown.get("error", ""),
                )
            )
        if "latin" in per_lang and "cjk" in per_lang:
            ratios = []
            for key in ("G", "g", "]", "[", "outline jump", "find"):
                a = (per_lang["latin"].get(key) or {}).get("ms")
                b = (per_lang["cjk"].get(key) or {}).get("ms")
                if a and b:
                    ratios.append(b / a)
            if ratios:
                self.add(
                    Figure(
                        "keys",
                        "CJK / Latin: keys on 2 MB (geometric mean)",
                        round(statistics.geometric_mean(ratios), 3),
                        "x",
                        "le",
                        1.25,
                        note="both far below target, so noise dominates this ratio",
                    )
                )

    # library -------------------------------------------------------------------------------------
    def group_library(self) -> None:
        print("library", flush=True)
        sizes = (1000,) if self.quick else (1000, 10000)
        libs: dict[int, tuple[Path, list]] = {}
        for count in sizes:
            home = self.work / f"lib-{count}"
            started = time.perf_counter()
            articles = gen.make_library(home, count)
            self.extra[f"library_{count}_build_s"] = round(time.perf_counter() - started, 2)
            libs[count] = (home, articles)
        biggest = sizes[-1]
        home, articles = libs[biggest]
        empty_home = self.empty_library("lib-empty")
        marker = articles[-2].title[:14]
        seconds, _, note, empty = self.paint_against(
            self.termreader("--library", str(home)),
            marker,
            (self.termreader("--library", str(empty_home)), "The library is empty"),
            runs=self.launches(),
        )
        self.add(
            Figure(
                "library",
                f"start with {biggest:,} articles to populated list",
                seconds,
                "s",
                "ratio_le",
                1.5,
                empty,
                "empty library start",
                note,
            )
        )
        result = probe("library_filter", {"library_dir": str(home)}, 300)
        base = self.keystroke_baseline()
        if "error" in result:
            self.add(
                Figure(
                    "library",
                    f"filter keystroke at {biggest:,}",
                    None,
                    "ms",
                    "le",
                    50,
                    note=result["error"],
                )
            )
        else:
            self.add(
                Figure(
                    "library",
                    f"filter keystroke at {biggest:,} (median)",
                    result.get("ms"),
                    "ms",
                    "le",
                    50,
                    base,
                    "Input keystroke, empty app",
                    f"max {result.get('max_ms')} ms",
                )
            )
        for count in sizes:
            self.state_writes(count, *libs[count])

        # list --json
        def run_list(lib: Path) -> float:
            started = time.perf_counter()
            subprocess.run(
                self.termreader("list", "--json", "--library", str(lib)),
                stdout=subprocess.DEVNULL,
                env={**os.environ, **self.env},
                check=True,
            )
            return time.perf_counter() - started

        empty_list = statistics.median(run_list(empty_home) for _ in range(3))
        full_list = statistics.median(run_list(home) for _ in range(3))
        self.add(
            Figure(
                "library",
                f"termreader list --json at {biggest:,}",
                full_list,
                "s",
                "le",
                1.0,
                empty_list,
                "list --json, empty library",
                "median of 3",
            )
        )

    def group_library100k(self) -> None:
        import library100k

        library100k.run_group(self)

    def state_writes(self, count: int, home: Path, articles: list) -> None:
        from tinydb import TinyDB

        from termreader.library.store import Library
        from termreader.models import Position

        library = Library.open(home)
        n = 30 if self.quick else 100
        pos, unread = [], []
        for i in range(n):
            article_id = articles[(i * 37) % count].id
            started = time.perf_counter()
            library.set_position(article_id, Position("", i, i / n * 100))
            pos.append(time.perf_counter() - started)
            started = time.perf_counter()
            library.set_unread(article_id, bool(i % 2))
            unread.append(time.perf_counter() - started)
        naive = self.work / f"tinydb-{count}.json"
        gen.make_tinydb_baseline(naive, articles)
        db = TinyDB(naive)
        baseline = []
        for i in range(3):
            started = time.perf_counter()
            db.update({"position": {"anchor": "", "offset": i, "percent": 1.0}}, doc_ids=[i + 1])
            baseline.append(time.perf_counter() - started)
        db.close()
        base_ms = statistics.median(baseline) * 1000
        label = "TinyDB, bodies inside, 1 update"
        self.add(
            Figure(
                "library",
                f"set_position at {count:,} (median)",
                statistics.median(pos) * 1000,
                "ms",
                "le",
                10,
                base_ms,
                label,
                f"max {max(pos) * 1000:.1f} ms",
            )
        )
        self.add(
            Figure(
                "library",
                f"set_unread at {count:,} (median)",
                statistics.median(unread) * 1000,
                "ms",
                "le",
                10,
                base_ms,
                label,
                f"max {max(unread) * 1000:.1f} ms",
            )
        )

    # session -------------------------------------------------------------------------------------
    def group_session(self) -> None:
        print("long session (Pilot, articles opened in a row)", flush=True)
        from termreader import importers
        from termreader.library.store import Library

        count = 10 if self.quick else SESSION_ARTICLES
        home = self.empty_library("lib-session")
        library = Library.open(home)
        ids = []
        for i in range(count):
            # Distinct documents (one in five CJK), so no article's caches serve the next.
            text, _ = gen.make_markdown(
                SESSION_SIZE, "cjk" if i % 5 == 4 else "latin", seed=100 + i
            )
            article = importers.import_bytes(
                text.encode("utf-8"), filename=f"session-{i}.md", content_type="text/markdown"
            )
            ids.append(library.add(article).id)
        result = probe("long_session", {"library_dir": str(home), "article_ids": ids}, 900)
        self.extra["long_session"] = result
        self.add(
            Figure(
                "session",
                f"memory growth over {count} articles opened in a row ({SESSION_SIZE // 1024} KB each)",
                result.get("growth_mb"),
                "MB",
                "le",
                SESSION_GROWTH_MB,
                result.get("first_mb"),
                "resident after the first article",
                result.get("error")
                or f"resident {result.get('last_mb')} MB after the last, "
                f"{result.get('after_collect_mb')} MB after a full collection; "
                f"{result.get('frozen_garbage')} objects of garbage were frozen",
            )
        )

    # sync ----------------------------------------------------------------------------------------
    def group_sync(self) -> None:
        print(
            "sync (local server in its own process, 50 ms added latency per response)", flush=True
        )
        if not (ROOT / "tests" / "netserver.py").is_file():
            print("  (tests/netserver.py missing: sync skipped)")
            return
        from termreader.config import Settings
        from termreader.library.store import Library
        from termreader.web import sync

        settings = Settings()
        feeds, per_feed = (4, 10) if self.quick else (20, 10)
        with FeedSite(feeds, per_feed, 1, 0.05) as site:
            home = self.empty_library("lib-sync")
            library = Library.open(home)
            for url in site.info["feeds"]:
                sync.add_subscription(library, url)
            report = asyncio.run(sync.sync(library, settings))
            got = report.added + report.prefetched
            rate = got / report.elapsed if report.elapsed else None
            base = asyncio.run(
                bare_fetch_rate(site.info["pages"], site.info["feeds"], settings.sync_concurrency)
            )
            self.extra["sync_cold_report"] = {
                "added": report.added,
                "prefetched": report.prefetched,
                "failed": report.failed[:5],
                "warnings": report.warnings[:5],
                "elapsed": round(report.elapsed, 3),
                "requests": report.requests,
            }
            self.add(
                Figure(
                    "sync",
                    f"cold sync, articles/s ({feeds} feeds, {got} articles, concurrency "
                    f"{settings.sync_concurrency})",
                    rate,
                    "/s",
                    "ge",
                    50,
                    base,
                    "bare httpx GETs, same URLs & concurrency",
                    f"{report.added} added + {report.prefetched} related in {report.elapsed:.2f} s; "
                    f"{len(report.failed)} failed, {len(report.warnings)} warnings",
                )
            )
        # Re-sync where every source answers 304: many sources.
        many = 50 if self.quick else 200
        with FeedSite(many, 1, 0, 0.05) as site:
            home2 = self.empty_library("lib-sync-304")
            library2 = Library.open(home2)
            for url in site.info["feeds"]:
                sync.add_subscription(library2, url)
            asyncio.run(sync.sync(library2, settings))
            before = site.stats()
            again = asyncio.run(sync.sync(library2, settings))
            after = site.stats()
            answered = after["not_modified"] - before["not_modified"]
            rate2 = again.sources / again.elapsed if again.elapsed else None
            ceiling = settings.sync_concurrency / 0.05
            self.extra["sync_304_report"] = {
                "sources": again.sources,
                "unchanged": again.unchanged,
                "added": again.added,
                "elapsed": round(again.elapsed, 3),
                "not_modified_answers": answered,
            }
            self.add(
                Figure(
                    "sync",
                    f"re-sync, all 304, sources/s ({many} feeds, concurrency "
                    f"{settings.sync_concurrency})",
                    rate2,
                    "/s",
                    "ge",
                    200,
                    ceiling,
                    "ceiling = concurrency / latency",
                    f"{answered} × 304 in {again.elapsed:.2f} s",
                )
            )
            if not self.quick:
                faster = asyncio.run(sync.sync(library2, settings, concurrency=32))
                self.add(
                    Figure(
                        "sync",
                        "re-sync, all 304, sources/s at concurrency 32 (info)",
                        faster.sources / faster.elapsed if faster.elapsed else None,
                        "/s",
                        note=f"{faster.sources} sources in {faster.elapsed:.2f} s; ceiling 640/s",
                    )
                )

    # accounts -------------------------------------------------------------------------------------
    def group_accounts(self) -> None:
        print("accounts (replay server in its own process, 50 ms added latency)", flush=True)
        import accounts_bench

        got = accounts_bench.measure(self.work, self.quick)
        self.extra["accounts"] = got
        first = got["first"]
        self.add(
            Figure(
                "accounts",
                f"first sync, entries/s ({got['entries']} entries, {got['feeds']} feeds)",
                got["first_rate"],
                "/s",
                "ge",
                100,
                note=f"{first['added']} added in {first['elapsed']:.1f} s",
            )
        )
        self.add(
            Figure(
                "accounts",
                "first sync, entries per CPU second (info: the rate on an unshared machine)",
                first["added"] / got["first_cpu"] if got["first_cpu"] else None,
                "/s",
                note=f"{got['first_cpu']:.1f} s of CPU for {first['added']} entries",
            )
        )
        self.add(
            Figure(
                "accounts",
                f"sync with nothing new ({got['entries']} entries)",
                got["nothing_new"],
                "s",
                "le",
                1.0,
                note=f"{got['again']['added']} added, {got['again']['received']} received",
            )
        )
        self.add(
            Figure(
                "accounts",
                f"sync sending {got['queued']} queued changes",
                got["sending"],
                "s",
                "le",
                2.0,
                note=f"{got['sent']['sent']} sent, {got['sent']['waiting']} left",
            )
        )

    # import ---------------------------------------------------------------------------------------
    def group_import(self) -> None:
        print("import (HTML extraction, pages of 60-160 KB from the shared corpus)", flush=True)
        pages = typical_pages()
        if not pages:
            print("  (corpus missing: import skipped)")
            return
        import trafilatura

        from termreader import importers

        runs = 1 if self.quick else 5
        if self.quick:
            pages = pages[:: max(1, len(pages) // 5)]
        ours, theirs, cpu = [], [], []
        for path in pages:
            data = path.read_bytes()
            ours.append(
                _median_time(
                    lambda d=data, n=path.name: importers.import_bytes(
                        d, content_type="text/html", filename=n
                    ),
                    runs,
                )
            )
            # Processor time too: on a shared machine the wall time moves with the load, the
            # work (in memory, one thread) does not.
            cpu.append(
                _median_time(
                    lambda d=data, n=path.name: importers.import_bytes(
                        d, content_type="text/html", filename=n
                    ),
                    runs,
                    clock=time.process_time,
                )
            )
            theirs.append(
                _median_time(
                    lambda d=data: trafilatura.extract(
                        d, output_format="markdown", with_metadata=True
                    ),
                    runs,
                )
            )
        kb = statistics.median(p.stat().st_size for p in pages) / 1024
        self.add(
            Figure(
                "import",
                f"extract a ~100 KB HTML page (median of {len(pages)} pages, "
                f"median size {kb:.0f} KB)",
                statistics.median(ours) * 1000,
                "ms",
                "le",
                50,
                statistics.median(theirs) * 1000,
                "trafilatura.extract (defaults, markdown)",
                f"slowest page {max(ours) * 1000:.0f} ms; processor time median "
                f"{statistics.median(cpu) * 1000:.0f} ms",
            )
        )

    # accuracy -------------------------------------------------------------------------------------
    def group_accuracy(self) -> None:
        print("extraction accuracy (shared corpus)", flush=True)
        scores = extraction_accuracy()
        if scores is None:
            print("  (corpus missing: accuracy skipped)")
            return
        self.extra["accuracy"] = scores
        committed: dict[str, float] = {}
        if ACCURACY_BASELINE.is_file():
            committed = json.loads(ACCURACY_BASELINE.read_text()).get("shares", {})
        for key, share in scores["shares"].items():
            base = committed.get(key)
            figure = Figure(
                "accuracy",
                f"{key} ({scores['counts'][key]})",
                share * 100,
                "%",
                "ge" if base is not None else "info",
                base * 100 if base is not None else None,
                base * 100 if base is not None else None,
                "committed baseline" if base is not None else "",
            )
            self.add(figure)
            if base is not None and share + 1e-9 < base:
                print(
                    f"REGRESSION: {key} is {share:.3f}, below the committed {base:.3f}", flush=True
                )

    # fidelity -------------------------------------------------------------------------------------
    def group_fidelity(self) -> None:
        print("fidelity (structure of the shared corpus's HTML pages)", flush=True)
        aotu = fidelity_corpus.measure_aotu(CORPUS)
        structure = fidelity_corpus.measure_structure(CORPUS)
        content = fidelity_corpus.measure_content(CORPUS)
        if aotu is None and structure is None and content is None:
            print("  (corpus missing: fidelity skipped)")
            return
        self.extra["fidelity"] = {"aotu": aotu, "structure": structure, "content": content}
        committed: dict[str, float] = {}
        if FIDELITY_BASELINE.is_file():
            committed = json.loads(FIDELITY_BASELINE.read_text()).get("values", {})
        for figure in fidelity_figures(aotu, structure, content, committed):
            self.add(figure)
            base = committed.get(figure.name.split(" (")[0])
            if base is None or figure.value is None:
                continue
            worse = figure.value > base if figure.kind == "le" else figure.value + 1e-6 < base
            if worse:
                print(
                    f"REGRESSION: {figure.name} is {figure.value:g}, committed {base:g}", flush=True
                )

    # output ---------------------------------------------------------------------------------------
    def table(self) -> str:
        rows = [("figure", "value", "target", "baseline", "ratio", "pass")]
        for f in self.figures:
            base = _fmt(f.baseline, f.unit) if f.baseline is not None else "—"
            if f.baseline_label:
                base += f" ({f.baseline_label})"
            rows.append(
                (
                    f.name,
                    _fmt(f.value, f.unit),
                    f.target_text(),
                    base,
                    f"{f.ratio:.2f}×" if f.ratio is not None else "—",
                    {True: "PASS", False: "FAIL", None: "info"}[f.ok],
                )
            )
        widths = [max(len(r[i]) for r in rows) for i in range(6)]
        lines = []
        for n, row in enumerate(rows):
            lines.append(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())
            if n == 0:
                lines.append("-+-".join("-" * w for w in widths))
        return "\n".join(lines)

    def group_search(self) -> None:
        print("search", flush=True)
        search_bench.run(self, Figure)

    def save(self, path: Path, groups: list[str]) -> None:
        data = {
            "when": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": _git_commit(),
            "quick": self.quick,
            "groups": groups,
            "machine": {
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
                "system": platform.platform(),
            },
            "figures": [asdict(f) for f in self.figures],
            "details": self.extra,
        }
        _carry_over(data, path, groups)
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


# --- helpers -------------------------------------------------------------------------------------


def _carry_over(data: dict[str, Any], path: Path, groups: list[str]) -> None:
    """Keep the figures of the groups not run (``--only``) from the results already at ``path``,
    each group marked under ``carried_over`` with the run it was measured in."""
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if not isinstance(previous, dict):
        return
    origins = previous.get("carried_over") or {}
    kept = [f for f in previous.get("figures", []) if f.get("group") not in groups]
    if not kept:
        return
    carried = {}
    for figure in kept:
        group = figure.get("group")
        carried[group] = origins.get(group) or {
            "when": previous.get("when"),
            "commit": previous.get("commit"),
        }
    order = {g: n for n, g in enumerate(GROUPS)}
    figures = kept + data["figures"]
    figures.sort(key=lambda f: order.get(f.get("group"), len(order)))
    data["figures"] = figures
    data["carried_over"] = carried
    details = dict(previous.get("details") or {})
    seconds = {**details.get("group_seconds", {}), **data["details"].get("group_seconds", {})}
    details.update(data["details"])
    details["group_seconds"] = seconds
    data["details"] = details


def probe(name: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Run ``bench/probes.py NAME`` in its own process; its JSON result, or ``{"error": ...}``."""
    try:
        done = subprocess.run(
            [PYTHON, str(BENCH / "probes.py"), name, json.dumps(args)],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"did not finish in {timeout:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"probe failed: {tail[:200]}"}
    return json.loads(lines[-1])


def reset_position(home: Path, article_id: str) -> None:
    """Put the reading position back at the top (the app restores where the last run left)."""
    from termreader.library.store import Library
    from termreader.models import Position

    Library.open(home).set_position(article_id, Position())


def _median_time(
    action: Callable[[], Any], runs: int, clock: Callable[[], float] = time.perf_counter
) -> float:
    times = []
    for _ in range(runs):
        started = clock()
        action()
        times.append(clock() - started)
    return statistics.median(times)


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


class FeedSite:
    """``bench/serve.py`` in a subprocess: the feed site, with its URLs in ``info``."""

    def __init__(self, feeds: int, per_feed: int, related: int, latency: float) -> None:
        self.args = [str(feeds), str(per_feed), str(related), str(latency)]
        self.process: subprocess.Popen[str] | None = None
        self.info: dict[str, Any] = {}

    def __enter__(self) -> FeedSite:
        self.process = subprocess.Popen(
            [PYTHON, str(BENCH / "serve.py"), *self.args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )
        assert self.process.stdout is not None
        self.info = json.loads(self.process.stdout.readline())
        return self

    def stats(self) -> dict[str, int]:
        import httpx

        return httpx.get(f"http://127.0.0.1:{self.info['port']}/_stats", timeout=10).json()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


async def bare_fetch_rate(pages: list[str], feeds: list[str], concurrency: int) -> float:
    """Baseline: plain httpx GETs of every URL a cold sync fetches, same concurrency (pages/s)."""
    import httpx

    slots = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=concurrency)) as client:

        async def one(url: str) -> None:
            async with slots:
                (await client.get(url)).raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(one(u) for u in [*feeds, *pages]))
        elapsed = time.perf_counter() - started
    return len(pages) / elapsed


def typical_pages() -> list[Path]:
    """The corpus HTML pages of 60-160 KB (a "typical 100 KB page")."""
    folders = [CORPUS / "html" / "trafilatura" / "pages", CORPUS / "html" / "gne"]
    pages = [p for folder in folders if folder.is_dir() for p in sorted(folder.glob("*.html"))]
    return [p for p in pages if 60_000 <= p.stat().st_size <= 160_000]


# --- fidelity ------------------------------------------------------------------------------------


def fidelity_figures(
    aotu: dict[str, Any] | None,
    structure: dict[str, Any] | None,
    content: dict[str, Any] | None,
    committed: dict[str, float],
) -> list[Figure]:
    """The fidelity group's rows. Figure names up to " (" are the keys of
    ``bench/fidelity_baseline.json``; shares are in %."""
    rows: list[Figure] = []

    def share(name: str, value: float, count: str, goal: float) -> None:
        base = committed.get(name)
        rows.append(
            Figure(
                "fidelity",
                f"{name} ({count})",
                round(value * 100, 2),
                "%",
                "ge",
                goal,
                base,
                "committed baseline" if base is not None else "",
            )
        )

    if aotu is not None:
        for kind in ("headings", "code"):
            label = (
                "aotu.io headings of the source kept"
                if kind == "headings"
                else ("aotu.io code blocks of the source kept")
            )
            share(label, aotu["shares"][kind], aotu["counts"][kind], 100)
    if structure is not None:
        goals = {"headings": 90, "code": 90, "quotes": 80, "image alts": 80}
        for kind, goal in goals.items():
            share(
                f"structure: {kind} kept",
                structure["shares"][kind],
                structure["counts"][kind],
                goal,
            )
        for name, key in (
            ("pages with an empty section title", "empty title pages"),
            ("pages showing a literal **", "literal bold pages"),
        ):
            base = committed.get(name)
            rows.append(
                Figure(
                    "fidelity",
                    f"{name} (of {structure['pages measured']})",
                    len(structure[key]),
                    "",
                    "le",
                    0,
                    base,
                    "committed baseline" if base is not None else "",
                )
            )
    if content is not None:
        if content["content share"] is not None:
            share(
                "content share, must/must-not snippets",
                content["content share"],
                content["content count"],
                round(CONTENT_SHARE_GOAL * 100, 2),
            )
        for name, key, pages in (
            (
                "body token F1 vs GNE expected text",
                "token f1",
                f"{content['token f1 pages']} pages",
            ),
            ("snippet F1, trafilatura's scoring", "snippet f1", "trafilatura eval pages"),
        ):
            ours, theirs = content[key]["ours"], content[key]["trafilatura"]
            if ours is None:
                continue
            rows.append(
                Figure(
                    "fidelity",
                    f"{name} ({pages})",
                    round(ours * 100, 2),
                    "%",
                    "ge",
                    round(theirs * 100, 2),
                    round(theirs * 100, 2),
                    "trafilatura.extract, same run",
                    f"committed {committed[name]:g} %" if name in committed else "",
                )
            )
    return rows


def fidelity_baseline_values(figures: list[Figure]) -> dict[str, float]:
    """The committed-baseline form of the fidelity rows: name (before " (") -> value."""
    return {
        f.name.split(" (")[0]: f.value
        for f in figures
        if f.group == "fidelity" and f.value is not None
    }


# --- extraction accuracy ---------------------------------------------------------------------------


def _norm(text: str) -> str:
    import unicodedata

    # Invisible format characters (U+2063, soft hyphens, ZWSP) must not hide a snippet.
    text = "".join(
        c for c in unicodedata.normalize("NFKC", text or "") if unicodedata.category(c) != "Cf"
    )
    return " ".join(text.casefold().split())


def _plain(body: str) -> str:
    try:
        from termreader.text.plaintext import markdown_to_text

        text = markdown_to_text(body)
    except Exception:  # noqa: BLE001 - fall back to the raw Markdown
        text = body
    # Markdown escapes and emphasis must not hide a snippet.
    for mark in ("\\", "**", "__", "*", "`"):
        text = text.replace(mark, "")
    return _norm(text)


def title_right(got: str, expected: str) -> bool:
    """Equal after folding, or ``got`` is ``expected`` without a site suffix ("Title | Site")."""
    g, e = _norm(got), _norm(expected)
    if not e or g == e:
        return True
    return (
        bool(g)
        and e.startswith(g)
        and re.match(r"\s*(?:[|｜_–—·•»]|-\s|--)", e[len(g) :]) is not None
    )


def time_right(got: datetime | None, expected: str) -> bool:
    """Same calendar day (date-only expectations) or same minute (expectations with a time)."""
    from dateutil import parser as dateparser

    if not expected:
        return True
    if got is None:
        return False
    text = expected.replace("年", "-").replace("月", "-").replace("日", " ").strip()
    try:
        want = dateparser.parse(text)
    except (ValueError, OverflowError):
        return False
    local = got.replace(tzinfo=None)
    if len(expected.strip()) <= 10:
        return local.date() == want.date()
    return local.replace(second=0, microsecond=0) == want.replace(second=0, microsecond=0)


def extraction_accuracy() -> dict[str, Any] | None:
    """Share of corpus pages whose title, time and content the importer gets right."""
    from termreader import importers

    traf = CORPUS / "html" / "trafilatura"
    gne = CORPUS / "html" / "gne"
    if not (traf / "expected_selected.json").is_file():
        return None
    checks: dict[str, list[bool]] = {
        "title": [],
        "time": [],
        "content": [],
        "gne title": [],
        "gne time": [],
    }
    pages: dict[str, dict[str, Any]] = {}
    expected = json.loads((traf / "expected_selected.json").read_text(encoding="utf-8"))
    for name, want in sorted(expected.items()):
        path = traf / "pages" / name
        if not path.is_file():
            continue
        record: dict[str, Any] = {}
        try:
            article = importers.import_bytes(
                path.read_bytes(), url=want.get("url", ""), content_type="text/html", filename=name
            )
        except Exception as error:  # noqa: BLE001 - a failed page scores zero
            article = None
            record["error"] = str(error)[:200]
        body = _plain(article.body) if article else ""
        if want.get("title"):
            ok = article is not None and title_right(article.title, want["title"])
            checks["title"].append(ok)
            record["title"] = ok
        if want.get("date"):
            ok = article is not None and time_right(article.published, want["date"])
            checks["time"].append(ok)
            record["time"] = ok
        missing = [s for s in want.get("with", []) if _norm(s) not in body]
        leaked = [s for s in want.get("without", []) if _norm(s) in body]
        ok = article is not None and not missing and not leaked
        checks["content"].append(ok)
        record.update(content=ok, missing=missing, leaked=leaked)
        pages[name] = record
    if (gne / "expected.json").is_file():
        for name, want in sorted(
            json.loads((gne / "expected.json").read_text(encoding="utf-8")).items()
        ):
            path = gne / name
            if not path.is_file():
                continue
            try:
                article = importers.import_bytes(
                    path.read_bytes(), content_type="text/html", filename=name
                )
            except Exception:  # noqa: BLE001
                article = None
            t = article is not None and title_right(article.title, want.get("title", ""))
            p = article is not None and time_right(article.published, want.get("publish_time", ""))
            checks["gne title"].append(t)
            checks["gne time"].append(p)
            pages[f"gne/{name}"] = {
                "title": t,
                "time": p,
                "got_title": article.title if article else None,
                "got_time": article.published.isoformat()
                if article and article.published
                else None,
            }
    shares = {k: round(sum(v) / len(v), 4) for k, v in checks.items() if v}
    counts = {k: f"{sum(v)}/{len(v)}" for k, v in checks.items() if v}
    return {"shares": shares, "counts": counts, "pages": pages}


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smaller subset (about a minute)")
    parser.add_argument(
        "--only",
        action="append",
        choices=GROUPS,
        metavar="NAME",
        help=f"run only these groups ({', '.join(GROUPS)}); repeatable",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help="where to write the JSON results"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the generated inputs (path printed)"
    )
    parser.add_argument(
        "--update-accuracy-baseline",
        action="store_true",
        help="write the accuracy shares measured now to bench/accuracy_baseline.json",
    )
    parser.add_argument(
        "--update-fidelity-baseline",
        action="store_true",
        help="write the fidelity figures measured now to bench/fidelity_baseline.json",
    )
    args = parser.parse_args(argv)
    groups = args.only or list(GROUPS)
    work = Path(tempfile.mkdtemp(prefix="termreader-bench-"))
    bench = Bench(work, args.quick)
    started = time.perf_counter()
    try:
        for group in groups:
            if bench.quick and group in QUICK_SKIPS:
                print(f"{group}: skipped in --quick")
                continue
            began = time.perf_counter()
            getattr(bench, f"group_{group}")()
            bench.extra.setdefault("group_seconds", {})[group] = round(
                time.perf_counter() - began, 1
            )
    finally:
        bench.close()
        if args.keep:
            print(f"inputs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(bench.table())
    print(
        f"\n{len(bench.figures)} figures in {time.perf_counter() - started:.0f} s; "
        f"{sum(f.ok is False for f in bench.figures)} missed"
    )
    bench.save(args.output, groups)
    print(f"results written to {args.output}")
    if args.update_accuracy_baseline and "accuracy" in bench.extra:
        shares = bench.extra["accuracy"]["shares"]
        note = "Extraction accuracy on ../shared/corpus/html; bench/run.py prints REGRESSION below these."
        ACCURACY_BASELINE.write_text(
            json.dumps(
                {"note": note, "shares": shares, "counts": bench.extra["accuracy"]["counts"]},
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"accuracy baseline written to {ACCURACY_BASELINE}")
    if args.update_fidelity_baseline and "fidelity" in bench.extra:
        note = (
            "Fidelity figures on ../shared/corpus/html (bench/run.py group fidelity), shares in %; "
            "bench/run.py prints REGRESSION when one gets worse than these."
        )
        FIDELITY_BASELINE.write_text(
            json.dumps(
                {
                    "note": note,
                    "commit": _git_commit(),
                    "values": fidelity_baseline_values(bench.figures),
                },
                indent=1,
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
        print(f"fidelity baseline written to {FIDELITY_BASELINE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
