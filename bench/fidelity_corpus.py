"""The fidelity measures over the shared corpus: aotu.io against sources, structure, body F1.

Each ``measure_*`` takes the corpus folder and returns a JSON-ready dictionary (None when its
part of the corpus is absent); the measuring rules themselves are in ``fidelity.py``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from fidelity import (
    KINDS,
    Rendered,
    empty_titles,
    f1_of_counts,
    literal_bold,
    main_content,
    match_code,
    match_headings,
    page_bold_marks,
    parse_page,
    snippet_counts,
    source_code_first_lines,
    source_headings,
    structure_of,
    survival,
    token_f1,
)


def _import(data: bytes, url: str = "", name: str = "") -> Any:
    from termreader import importers

    return importers.import_bytes(data, url=url, content_type="text/html", filename=name)


def aotu_pairs(corpus: Path) -> list[tuple[Path, Path, str]]:
    """``(page, Markdown source, URL)`` for each aotu.io page whose source is in the corpus."""
    pages = corpus / "html" / "misc" / "aotu.io"
    sources = corpus / "markdown" / "zh" / "aotu"
    pairs = []
    for md in sorted(sources.glob("*.md")) if sources.is_dir() else []:
        date = re.match(r"(\d{4})-(\d{2})-(\d{2})-(.+)$", md.stem)
        if not date:
            continue
        page = pages / f"{date.group(4)}.html"
        if page.is_file():
            url = "https://aotu.io/notes/{}/{}/{}/{}/".format(*date.groups())
            pairs.append((page, md, url))
    return pairs


def measure_aotu(corpus: Path) -> dict[str, Any] | None:
    """Headings (text and relative level) and code first lines of the sources found in the
    imported aotu.io pages."""
    pairs = aotu_pairs(corpus)
    if not pairs:
        return None
    totals = {"headings": [0, 0], "code": [0, 0]}
    pages: dict[str, Any] = {}
    for page, md, url in pairs:
        source = md.read_text(encoding="utf-8")
        article = _import(page.read_bytes(), url, page.name)
        headings = match_headings(
            source_headings(source), [(s.level, s.title) for s in article.sections]
        )
        code = match_code(source_code_first_lines(source), Rendered(article.body).code_blocks)
        for kind, got in (("headings", headings), ("code", code)):
            totals[kind][0] += got["found"]
            totals[kind][1] += got["total"]
        pages[page.name] = {
            "headings": f"{headings['found']}/{headings['total']}",
            "code": f"{code['found']}/{code['total']}",
            "missing headings": headings["missing"][:20],
            "missing code": code["missing"][:20],
        }
    return {
        "shares": {k: round(f / t, 4) if t else 1.0 for k, (f, t) in totals.items()},
        "counts": {k: f"{f}/{t}" for k, (f, t) in totals.items()},
        "pages": pages,
    }


def corpus_pages(corpus: Path) -> list[tuple[Path, str, list[str]]]:
    """Every HTML page of the corpus with its URL (when known) and expected snippets."""
    html = corpus / "html"
    traf = html / "trafilatura"
    expected = _load(traf / "expected_selected.json")
    gne = _load(html / "gne" / "expected.json")
    found = []
    for page in sorted(html.rglob("*.html")):
        url, snippets = "", []
        if page.parent == traf / "pages":
            want = expected.get(page.name, {})
            url, snippets = want.get("url", ""), list(want.get("with", []))
        elif page.parent == html / "gne" and gne.get(page.name, {}).get("content"):
            lines = [ln for ln in gne[page.name]["content"].splitlines() if len(ln.strip()) >= 8]
            if lines:
                snippets = [lines[0], lines[len(lines) // 2], lines[-1]]
        found.append((page, url, snippets))
    return found


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def measure_structure(corpus: Path) -> dict[str, Any] | None:
    """The structure score and the two hard checks over every HTML page of the corpus."""
    pages = corpus_pages(corpus)
    if not pages:
        return None
    totals = {kind: [0, 0] for kind in KINDS}
    empty_pages: list[str] = []
    bold_pages: list[str] = []
    details: dict[str, Any] = {}
    for path, url, snippets in pages:
        name = str(path.relative_to(corpus / "html"))
        data = path.read_bytes()
        try:
            article = _import(data, url, path.name)
        except Exception as error:  # noqa: BLE001 - a page that fails keeps nothing
            article, failure = None, str(error)[:200]
        root = parse_page(data)
        marks = page_bold_marks(root)
        element, rule = main_content(root, snippets)
        structure = structure_of(element) if element is not None else {}
        if article is None:
            kept = {k: {"found": 0, "total": len(v), "lost": v[:20]} for k, v in structure.items()}
            details[name] = {"main": rule, "error": failure}
        else:
            rendered = Rendered(article.body)
            kept = survival(structure, article.title, article.sections, rendered)
            empty = empty_titles(article.sections)
            if empty:
                empty_pages.append(name)
            if literal_bold(rendered, marks):
                bold_pages.append(name)
            details[name] = {"main": rule, "empty titles": empty}
        for kind, got in kept.items():
            totals[kind][0] += got["found"]
            totals[kind][1] += got["total"]
            if got["total"]:
                details[name][kind] = f"{got['found']}/{got['total']}"
            if got["lost"]:
                details[name][f"lost {kind}"] = got["lost"]
    return {
        "shares": {k: round(f / t, 4) if t else 1.0 for k, (f, t) in totals.items()},
        "counts": {k: f"{f}/{t}" for k, (f, t) in totals.items()},
        "pages measured": len(pages),
        "empty title pages": empty_pages,
        "literal bold pages": bold_pages,
        "pages": details,
    }


def measure_content(corpus: Path) -> dict[str, Any] | None:
    """Body F1 for the importer and for ``trafilatura.extract`` on the same pages, this run.

    GNE pages with expected content: token F1 (CJK by character). Trafilatura's evaluation
    pages (only snippets are expected): trafilatura's own scoring, F1 of must/must-not
    snippets summed over pages; plus the share of pages with every must and no must-not.
    """
    import trafilatura

    from termreader.text.plaintext import markdown_to_text

    html = corpus / "html"
    gne = _load(html / "gne" / "expected.json")
    expected = _load(html / "trafilatura" / "expected_selected.json")
    if not gne and not expected:
        return None

    def ours(data: bytes, url: str, name: str) -> str:
        try:
            return markdown_to_text(_import(data, url, name).body)
        except Exception:  # noqa: BLE001 - a failed page scores zero
            return ""

    def theirs(data: bytes, url: str) -> str:
        # Comments off: the expected texts hold no reader comments, and a stronger baseline
        # is the honest one to beat.
        return trafilatura.extract(data, url=url or None, include_comments=False) or ""

    f1: dict[str, list[float]] = {"ours": [], "trafilatura": []}
    pages: dict[str, Any] = {}
    for name, want in sorted(gne.items()):
        path = html / "gne" / name
        if not path.is_file() or not want.get("content"):
            continue
        data = path.read_bytes()
        a, b = (
            token_f1(ours(data, "", name), want["content"]),
            token_f1(theirs(data, ""), want["content"]),
        )
        f1["ours"].append(a)
        f1["trafilatura"].append(b)
        pages[f"gne/{name}"] = {"f1 ours": round(a, 4), "f1 trafilatura": round(b, 4)}
    snippets = {"ours": Counter(), "trafilatura": Counter()}
    complete = []
    for name, want in sorted(expected.items()):
        path = html / "trafilatura" / "pages" / name
        if not path.is_file():
            continue
        data, url = path.read_bytes(), want.get("url", "")
        must, must_not = want.get("with", []), want.get("without", [])
        mine = snippet_counts(_plain(ours(data, url, name)), must, must_not)
        other = snippet_counts(theirs(data, url), must, must_not)
        snippets["ours"].update(mine)
        snippets["trafilatura"].update(other)
        complete.append(mine["fn"] == 0 and mine["fp"] == 0)
        pages[name] = {"ours": mine, "trafilatura": other}
    mean = {k: round(sum(v) / len(v), 4) if v else None for k, v in f1.items()}
    return {
        "token f1": mean,
        "token f1 pages": len(f1["ours"]),
        "snippet f1": {k: round(f1_of_counts(c), 4) for k, c in snippets.items()},
        "snippet counts": {k: dict(c) for k, c in snippets.items()},
        "content share": round(sum(complete) / len(complete), 4) if complete else None,
        "content count": f"{sum(complete)}/{len(complete)}",
        "pages": pages,
    }


def _plain(text: str) -> str:
    # Escapes and emphasis marks left in the plain text must not hide a snippet.
    for mark in ("\\", "**", "__", "*", "`"):
        text = text.replace(mark, "")
    return text
