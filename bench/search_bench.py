"""The ``search`` group of bench/run.py: full-text search over generated libraries.

A library of 10,000 articles (one in four Chinese, the rest the Latin text of gen.py) is built
through ``Library.add_many`` (so the index is filled the way sync and ``add`` fill it), then:
the time to rebuild the index from the article files, a 2-character CJK query and English word
queries (median of warm runs, in-process, 20 results with snippets; the index lookup alone is
measured too), and the cost the index adds to one ``add`` and to a batch of 1,000. At 100,000
the index is built straight from generated articles (no library: building one takes minutes
before issue 15's store work) when indexing 1,000 extrapolates to under 2 minutes, or when
``TERMREADER_BENCH_SEARCH_100K=1`` (on a busy machine the extrapolation is pessimistic).
"""

from __future__ import annotations

import os
import random
import resource
import shutil
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gen

CJK_QUERY = "中国"
"""Two common characters: in about one Chinese article in forty of the generated text."""
WORD_QUERIES = ("terminal", "zanzibarquokka", "lorem ipsum")
"""A word in most Latin articles, one in a single article, two words ANDed."""
RUNS = 15


def search_articles(count: int, *, seed: int = 11) -> list[Any]:
    """``count`` articles: gen.library_articles' Latin ones, every fourth replaced by Chinese
    text of the same size; one article holds ``zanzibarquokka``."""
    from termreader.models import Article

    articles = gen.library_articles(count, body_size=3000, seed=seed)
    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    for i in range(0, count, 4):
        title = f"文章 {i} " + "".join(rng.choice(gen._CJK_CHARS) for _ in range(8))
        body = f"# {title}\n\n" + "\n\n".join(gen._paragraph(rng, "cjk", 1000, i) for _ in range(3))
        old = articles[i]
        articles[i] = Article(
            id=old.id,
            title=title,
            url=old.url,
            source=old.source,
            published=start + timedelta(minutes=17 * i),
            body=body,
            tags=old.tags,
        )
    needle = articles[count // 2 + 1]
    needle.body += f"\n\nThe {gen.FIND_NEEDLE} appears once.\n"
    return articles


def _children_cpu() -> float:
    """Processor time of the finished child processes (the index's worker process)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _median_ms(action: Any, runs: int = RUNS) -> float:
    action()  # warm: the connection and the pages
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return round(statistics.median(times) * 1000, 2)


def _lookup_ms(index: Any, query: str) -> float:
    """The FTS5 lookup alone: the 20 best rows by bm25, no checking, no snippets."""
    from termreader.library.query import Query
    from termreader.library.search_text import fts_query

    expression = fts_query(Query(query).words, "{title meta body}", "singles")
    connection = index._connect()
    sql = "SELECT rowid FROM fts WHERE fts MATCH ? ORDER BY bm25(fts) LIMIT 20"
    return _median_ms(lambda: connection.execute(sql, (expression,)).fetchall())


def run(bench: Any, figure: Any) -> None:
    """Measure and add the group's figures to ``bench`` (``figure``: run.py's Figure)."""
    from termreader.library import search as search_module
    from termreader.library.store import Library

    count = 1000 if bench.quick else 10_000
    home = bench.work / f"search-{count}"
    articles = search_articles(count)
    library = Library.open(home)
    library.kv_put("meta", "seeded", {"at": "bench", "count": 0})
    started = time.perf_counter()
    for at in range(0, count, 1000):
        library.add_many(articles[at : at + 1000])
    bench.extra[f"search_library_{count}_build_s"] = round(time.perf_counter() - started, 2)

    # The index rebuilt from the article files (what a lost or damaged index costs).
    library._search.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{home / search_module.FILE_NAME}{suffix}").unlink(missing_ok=True)
    library = Library.open(home)
    started, cpu, worker = time.perf_counter(), time.process_time(), _children_cpu()
    library.search(CJK_QUERY)
    build = time.perf_counter() - started
    cpu = time.process_time() - cpu
    worker = _children_cpu() - worker
    size_mb = (home / search_module.FILE_NAME).stat().st_size / 1e6
    bench.add(
        figure(
            "search",
            f"index rebuilt from {count:,} article files",
            round(build, 2),
            "s",
            "le",
            120,
            note=f"index file {size_mb:.0f} MB; CPU {cpu:.1f} s + {worker:.1f} s in the worker",
        )
    )
    _queries(bench, figure, library, count)
    batch_seconds = _add_cost(bench, figure, library, count)
    # The index's own cost per 1,000 (reading 100,000 body files is the library's part).
    forced = os.environ.get("TERMREADER_BENCH_SEARCH_100K") == "1"
    if not bench.quick and (forced or batch_seconds * 100 < 120):
        _at_100k(bench, figure)
    else:
        bench.extra["search_100k"] = "skipped: indexing 1,000 extrapolates past 2 minutes"


def _queries(bench: Any, figure: Any, library: Any, count: int) -> None:
    hits = len(library.search(CJK_QUERY, limit=None))
    bench.add(
        figure(
            "search",
            f"2-character CJK query at {count:,} (20 results, snippets)",
            _median_ms(lambda: library.search(CJK_QUERY)),
            "ms",
            "le",
            50,
            note=f"{hits} articles match",
        )
    )
    bench.add(
        figure(
            "search",
            f"2-character CJK index lookup at {count:,}",
            _lookup_ms(library._search, CJK_QUERY),
            "ms",
            "le",
            5,
            note="FTS5 bm25 top 20 only (the ~1 ms of the issue)",
        )
    )
    for query in WORD_QUERIES:
        hits = len(library.search(query, limit=None))
        bench.add(
            figure(
                "search",
                f"word query “{query}” at {count:,} (20 results, snippets)",
                _median_ms(lambda q=query: library.search(q)),
                "ms",
                "le",
                50,
                note=f"{hits} articles match",
            )
        )


def _add_cost(bench: Any, figure: Any, library: Any, count: int) -> float:
    """Adds the add figures; returns the wall time of indexing 1,000 new articles."""
    from termreader.library import search as search_module

    extra = search_articles(1001, seed=99)
    for n, article in enumerate(extra):
        article.id = f"extra{n:06d}"
        article.url = f"https://extra.example/{n}"

    numbers = iter(range(1, 1001))
    added = search_module.SearchIndex.added
    series: dict[bool, list[float]] = {True: [], False: []}
    # Interleaved, so both series meet the same journal compactions and the same load.
    for turn in range(22):
        with_index = turn % 2 == 0
        if not with_index:
            search_module.SearchIndex.added = lambda self, docs: None  # type: ignore[method-assign]
        try:
            started = time.perf_counter()
            library.add(extra[next(numbers)])
            series[with_index].append(time.perf_counter() - started)
        finally:
            search_module.SearchIndex.added = added  # type: ignore[method-assign]
    with_ms, without_ms = (
        round(statistics.median(series[flag][1:]) * 1000, 2) for flag in (True, False)
    )
    bench.add(
        figure(
            "search",
            f"add one article at {count:,} with the index update",
            with_ms,
            "ms",
            "over_le",
            10,
            without_ms,
            "add without the index (interleaved)",
        )
    )
    # The index's share of an add_many of 1,000 (into the index of this library).
    batch = search_articles(1000, seed=5)
    makers = [
        lambda n=n, a=a: search_module.Doc.of(
            {"id": f"batch{n:06d}", "title": a.title, "source": a.source}, a.body, ""
        )
        for n, a in enumerate(batch)
    ]
    started, cpu = time.perf_counter(), time.process_time()
    library._search.added(makers)
    wall = time.perf_counter() - started
    bench.add(
        figure(
            "search",
            f"index 1,000 new articles at {count:,} (CPU time; the index's share of add_many)",
            round(time.process_time() - cpu, 2),
            "s",
            "le",
            1.0,
            note=f"wall {wall:.2f} s on this machine's load",
        )
    )
    return wall


def _at_100k(bench: Any, figure: Any) -> None:
    from termreader.library import search as search_module

    folder = bench.work / "search-100k"
    folder.mkdir(exist_ok=True)
    index = search_module.SearchIndex(folder)
    build = cpu = 0.0
    worker = _children_cpu()
    for part in range(10):
        articles = search_articles(10_000, seed=1000 + part)
        started, cpu_started = time.perf_counter(), time.process_time()
        index.added(
            (
                lambda a=a, n=n, part=part: search_module.Doc.of(
                    {
                        "id": f"{part}-{n}",
                        "title": a.title,
                        "source": a.source,
                        "tags": a.tags,
                        "published": a.published.isoformat(),
                    },
                    a.body,
                    "",
                )
            )
            for n, a in enumerate(articles)
        )
        build += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    worker = _children_cpu() - worker
    size_mb = (folder / search_module.FILE_NAME).stat().st_size / 1e6
    bench.add(
        figure(
            "search",
            "index built from 100,000 generated articles",
            round(build, 1),
            "s",
            "le",
            120,
            note=f"index file {size_mb:.0f} MB; CPU {cpu:.0f} s + {worker:.0f} s in the worker;"
            " generating the articles not counted",
        )
    )
    for query in (CJK_QUERY, "terminal", "zanzibarquokka"):
        hits = len(index.search(query, limit=None))
        label = "2-character CJK query" if query == CJK_QUERY else f"word query “{query}”"
        bench.add(
            figure(
                "search",
                f"{label} at 100,000 (20 results, snippets)",
                _median_ms(lambda q=query: index.search(q), runs=7),
                "ms",
                "le",
                50,
                note=f"{hits} articles match",
            )
        )
    shutil.rmtree(folder, ignore_errors=True)
