"""The ``library100k`` bench group (issue 15): a library of 100,000 small articles.

Building 100,000 articles takes minutes, so the built library is cached in the user's cache
folder (``$TERMREADER_BENCH_CACHE``, else ``~/.cache/termreader-bench``) under a key made of
the generator's source and the store's format version; each run works on a copy made of hard links (body
files and index segments are only ever replaced, never written in place) plus real copies of
the two files written in place or renamed over (``library.json``, ``state.jsonl``).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import gen

if TYPE_CHECKING:
    from run import Bench

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIG = 100_000
MID = 10_000
FOLDER_FILES = 10_000


def cache_root() -> Path:
    """Where built libraries are kept between runs."""
    custom = os.environ.get("TERMREADER_BENCH_CACHE")
    return Path(custom) if custom else Path.home() / ".cache" / "termreader-bench"


def _key() -> str:
    """The generator's source and the store's format version: a library built by either
    another generator or another on-disk form is built again."""
    from termreader.library.segments import FORMAT_VERSION

    digest = hashlib.sha256((BENCH / "gen.py").read_bytes())
    digest.update(str(FORMAT_VERSION).encode())
    return digest.hexdigest()[:12]


def cached_library(count: int) -> Path:
    """A built library of ``count`` generated articles (built once per key)."""
    home = cache_root() / f"lib-{count}-{_key()}"
    if (home / "library.json").exists() and (home / ".complete").exists():
        return home
    shutil.rmtree(home, ignore_errors=True)
    for old in cache_root().glob(f"lib-{count}-*"):
        shutil.rmtree(old, ignore_errors=True)  # other keys: stale builds
    from termreader.library.store import Library

    print(f"  building a {count:,}-article library (cached for later runs)", flush=True)
    started = time.perf_counter()
    articles = gen.library_articles(count)
    library = Library.open(home)
    library.kv_put("meta", "seeded", {"at": "bench", "count": 0})
    for begin in range(0, count, 20_000):  # big batches go straight into index segments
        library.add_many(articles[begin : begin + 20_000])
    (home / ".complete").write_text(f"{time.perf_counter() - started:.0f} s\n")
    return home


def working_copy(source: Path, target: Path) -> Path:
    """A copy of ``source`` that the run may change: hard links for the files the store only
    replaces, real copies of the rest."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for name in ("articles", "index", "cache"):
        folder = source / name
        if folder.is_dir():
            (target / name).mkdir()
            for entry in os.scandir(folder):
                os.link(entry.path, target / name / entry.name)
    for name in ("library.json", "state.jsonl"):
        if (source / name).exists():
            shutil.copy2(source / name, target / name)
    return target


def _list_json(bench: Bench, home: Path) -> tuple[float, float]:
    """Seconds to the first row and to the last of ``termreader list --json``."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        bench.termreader("list", "--json", "--library", str(home)),
        stdout=subprocess.PIPE,
        env={**os.environ, **bench.env},
    )
    assert proc.stdout is not None
    first = proc.stdout.readline()
    first_s = time.perf_counter() - started
    for _ in proc.stdout:
        pass
    proc.wait()
    total = time.perf_counter() - started
    return (first_s if first else total), total


def _add_1000(home: Path, seed: int) -> float:
    """Seconds to add 1,000 new articles to the library at ``home`` (one ``add_many``)."""
    from termreader.library.store import Library
    from termreader.models import article_id

    library = Library.open(home)
    library.counts()
    batch = gen.library_articles(1000, seed=seed)
    for n, article in enumerate(batch):  # new ids and URLs: these are additions
        article.url = f"{article.url}?batch={seed}-{n}"
        article.id = article_id(article.url)
    started = time.perf_counter()
    library.add_many(batch)
    return time.perf_counter() - started


def run_group(bench: Bench) -> None:
    """Measure the issue-15 figures at 100,000 articles beside an empty library and 10,000."""
    from run import Figure, probe

    print("library100k (a library of 100,000 small articles)", flush=True)
    # The machine is shared: its load says how much of a figure is someone else's work.
    bench.extra["library100k_load_average_before"] = [round(x, 2) for x in os.getloadavg()]
    work = bench.work
    big = working_copy(cached_library(BIG), work / "lib-100k")
    mid = working_copy(cached_library(MID), work / "lib-10k")
    empty = bench.empty_library("lib100k-empty")
    runs = 3 if bench.quick else 5

    # The TUI's first screen: the second newest title painted (the newest is also the open
    # article's header: this one is in the list only).
    from termreader.library.store import Library

    base_cmd = (bench.termreader("--library", str(empty)), "The library is empty")
    for count, home in ((MID, mid), (BIG, big)):
        marker = Library.open(home, lazy=True).list(limit=2)[1].title[:14]
        seconds, _, note, base = bench.paint_against(
            bench.termreader("--library", str(home)), marker, base_cmd, runs=runs
        )
        bench.add(
            Figure(
                "library100k",
                f"start with {count:,} articles to the newest listed",
                seconds,
                "s",
                "ratio_le",
                1.5,
                base,
                "empty library start",
                note,
            )
        )

    # A filter keystroke, and memory once every row is listed.
    filt: dict[int, dict[str, Any]] = {}
    for count, home in ((MID, mid), (BIG, big)):
        filt[count] = probe("library_filter", {"library_dir": str(home)}, 600)
        bench.extra[f"library_filter_{count}"] = filt[count]
    mid_f, big_f = filt[MID], filt[BIG]
    bench.add(
        Figure(
            "library100k",
            f"filter keystroke at {BIG:,} (median)",
            big_f.get("ms"),
            "ms",
            "le",
            50,
            mid_f.get("ms"),
            f"the same at {MID:,}",
            big_f.get("error") or f"max {big_f.get('max_ms')} ms",
        )
    )
    bench.add(
        Figure(
            "library100k",
            f"resident memory at {BIG:,}, every row listed",
            big_f.get("rss_mb"),
            "MB",
            "le",
            300,
            mid_f.get("rss_mb"),
            f"the same at {MID:,}",
            big_f.get("error") or f"whole list built {big_f.get('filled_s')} s after the start",
        )
    )

    # list --json: first row, all rows.
    timings = {}
    for count, home in ((0, empty), (MID, mid), (BIG, big)):
        pairs = [_list_json(bench, home) for _ in range(runs)]
        timings[count] = (
            statistics.median(p[0] for p in pairs),
            statistics.median(p[1] for p in pairs),
        )
    bench.add(
        Figure(
            "library100k",
            f"list --json at {BIG:,}: first row",
            timings[BIG][0],
            "s",
            "le",
            0.5,
            timings[0][1],
            "list --json, empty library (all of it)",
            f"median of {runs}",
        )
    )
    bench.add(
        Figure(
            "library100k",
            f"list --json at {BIG:,}: all rows",
            timings[BIG][1],
            "s",
            "le",
            2.0,
            timings[MID][1],
            f"the same at {MID:,}",
            f"median of {runs}",
        )
    )

    # Adding 1,000 articles.
    adds = {
        count: [_add_1000(home, 900 + n) for n in range(3)]
        for count, home in ((MID, mid), (BIG, big))
    }
    bench.add(
        Figure(
            "library100k",
            f"add 1,000 articles to {BIG:,} (median of 3)",
            statistics.median(adds[BIG]),
            "s",
            "le",
            2.0,
            statistics.median(adds[MID]),
            f"the same at {MID:,}",
            f"max {max(adds[BIG]):.2f} s",
        )
    )

    # termreader add DIR with 10,000 small files.
    folder = work / "folder10k"
    if not folder.exists():
        articles = gen.library_articles(FOLDER_FILES, seed=11, body_size=1500)
        for n, article in enumerate(articles):
            sub = folder / f"part{n % 10}"
            sub.mkdir(parents=True, exist_ok=True)
            (sub / f"note-{n:05d}.md").write_text(article.body, encoding="utf-8")
    target = bench.empty_library("lib-folder")
    started = time.perf_counter()
    done = subprocess.run(
        bench.termreader("add", str(folder), "--library", str(target)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, **bench.env},
        check=False,
    )
    seconds = time.perf_counter() - started
    bench.add(
        Figure(
            "library100k",
            f"termreader add DIR of {FOLDER_FILES:,} small Markdown files",
            seconds if done.returncode == 0 else None,
            "s",
            "le",
            30.0,
            note=f"{os.cpu_count()} CPUs"
            + (f"; failed: {done.stderr.decode()[-200:]}" if done.returncode else ""),
        )
    )
    bench.extra["library100k_cache"] = str(cache_root())
    bench.extra["library100k_load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    bench.extra["library100k_python"] = sys.version.split()[0]
