"""Profile one scenario of the bench with cProfile: ``python bench/profiling.py WHAT [--top N]``.

WHAT is ``open`` (cached 2 MB article to first frame), ``open-uncached`` (the same, not yet
parsed), ``outline`` (Enter on outline entries), ``find``, ``filter`` (library filter at 10,000)
or ``sync`` (cold sync against the 50 ms feed site). Prints the termreader functions by
cumulative time, then the heaviest functions overall by own time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402
import probes  # noqa: E402


def _article_library(
    work: Path, cached: bool, size: int = 2 * 1024 * 1024, lang: str = "latin"
) -> tuple[Path, str]:
    from termreader import importers
    from termreader.library.store import Library
    from termreader.render.codec import cache_name, to_bytes
    from termreader.render.parser import parse

    spec = gen.write_document(work, size, lang)
    gen.make_library(work / "lib", 0)
    library = Library.open(work / "lib")
    article = library.add(importers.import_path(spec.path))
    if cached:
        library.write_cache(article.id, cache_name(), to_bytes(parse(article.body)))
    return work / "lib", article.id


async def _app(home: Path, ref: str | None, profiler: cProfile.Profile, what: str) -> None:
    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.ui.app import TermreaderApp

    library = Library.open(home)
    app = TermreaderApp(library, open_ref=ref, settings=Settings())
    if what.startswith("open"):
        profiler.enable()
    async with app.run_test(size=probes.SIZE) as pilot:
        clock = probes.FrameClock(app)
        if what.startswith("open"):
            clock.predicate = lambda: (
                app.main_screen is not None and app.main_screen.reader.document is not None
            )
            while clock.painted_at is None:
                await asyncio.sleep(0.001)
            profiler.disable()
            return
        screen = None
        while screen is None or (
            ref and not (screen.reader.document and screen.reader.document.complete)
        ):
            await pilot.pause(0.02)
            screen = app.main_screen
        reader = screen.reader
        if what == "filter":
            pane = screen.library_pane
            pane.filter_input.focus()
            await pilot.pause()
            for char in "article 9":
                shown = pane.article_list.shown
                profiler.enable()
                await clock.key(char, lambda s=shown: pane.article_list.shown is not s)
                profiler.disable()
            return
        sections = reader.document.sections
        if what == "outline":
            await pilot.press("t")
            await pilot.pause()
            for i in range(5):
                target = sections[len(sections) * (3 + i) // 10]
                reader.scroll_home(animate=False)
                screen.outline.section_list.focus()
                await pilot.pause()
                probes._outline_move(screen.outline, target.anchor)
                await pilot.pause()
                profiler.enable()
                await clock.key("enter", lambda: reader.scroll_y > 0)
                profiler.disable()
        elif what == "find":
            for _ in range(3):
                reader.scroll_home(animate=False)
                await pilot.pause()
                profiler.enable()
                await clock.timed(lambda: reader.find(gen.FIND_NEEDLE), lambda: reader.scroll_y > 0)
                profiler.disable()


def _sync(profiler: cProfile.Profile, work: Path) -> None:
    import run

    from termreader.config import Settings
    from termreader.library.store import Library
    from termreader.web import sync

    with run.FeedSite(10, 10, 1, 0.05) as site:
        gen.make_library(work / "lib", 0)
        library = Library.open(work / "lib")
        for url in site.info["feeds"]:
            sync.add_subscription(library, url)
        profiler.enable()
        report = asyncio.run(sync.sync(library, Settings()))
        profiler.disable()
        print(f"{report.added} added + {report.prefetched} related in {report.elapsed:.2f} s")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "what", choices=["open", "open-uncached", "outline", "find", "filter", "sync"]
    )
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument(
        "--lang", choices=["latin", "cjk"], default="latin", help="generated document"
    )
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="termreader-profile-"))
    profiler = cProfile.Profile()
    import termreader.ui.app  # noqa: F401 - imports are not what is profiled

    if args.what == "sync":
        _sync(profiler, work)
    elif args.what == "filter":
        gen.make_library(work / "lib", 10000)
        asyncio.run(_app(work / "lib", None, profiler, "filter"))
    else:
        home, article_id = _article_library(
            work, cached=args.what != "open-uncached", lang=args.lang
        )
        asyncio.run(_app(home, article_id, profiler, args.what))
    stats: Any = pstats.Stats(profiler)
    stats.sort_stats("cumulative").print_stats("termreader", args.top)
    stats.sort_stats("tottime").print_stats(args.top // 2)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
