"""Bench inputs, generated deterministically: long Markdown documents, libraries, a feed site."""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

FIRST_MARKER = "benchfirstscreen"
"""A word in the first paragraph of every generated document (the first-paint probe looks for it)."""
FIND_NEEDLE = "zanzibarquokka"
"""A word that occurs once, near the end of every generated document (the find probe)."""

_LATIN_WORDS = (
    "lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut "
    "labore et dolore magna aliqua enim ad minim veniam quis nostrud exercitation ullamco laboris "
    "nisi aliquip ex ea commodo consequat duis aute irure in reprehenderit voluptate velit esse "
    "cillum fugiat nulla pariatur excepteur sint occaecat cupidatat non proident sunt culpa qui "
    "officia deserunt mollit anim id est laborum reader terminal article library section outline"
).split()
# Common Chinese characters (frequency-ordered slice) and punctuation that the line breaker
# must treat with the prohibition rules.
_CJK_CHARS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说"
    "产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使"
    "点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明"
    "看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料"
)
_CJK_PUNCT = "，。、；："


@dataclass(slots=True)
class DocSpec:
    """What a generated document holds (for the probes)."""

    path: Path
    size: int
    lang: str
    headings: int
    first_marker: str = FIRST_MARKER
    needle: str = FIND_NEEDLE
    heading_titles: list[str] = field(default_factory=list)


def _latin_sentence(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_LATIN_WORDS) for _ in range(words)]
    return " ".join(chosen).capitalize() + "."


def _cjk_sentence(rng: random.Random, chars: int) -> str:
    out = []
    for i in range(chars):
        out.append(rng.choice(_CJK_CHARS))
        if i and i % rng.randint(7, 15) == 0:
            out.append(rng.choice(_CJK_PUNCT))
    return "".join(out) + "。"


def _paragraph(rng: random.Random, lang: str, target: int, n: int) -> str:
    """About ``target`` bytes of running text with a link, inline code and emphasis."""
    parts: list[str] = []
    size = 0
    while size < target:
        if lang == "cjk":
            sentence = _cjk_sentence(rng, rng.randint(15, 40))
        else:
            sentence = _latin_sentence(rng, rng.randint(8, 18))
        parts.append(sentence)
        size += len(sentence.encode("utf-8")) + 1
    k = len(parts)
    if lang == "cjk":
        parts[rng.randrange(k)] += f"参见[链接{n}](https://example.org/page/{n})。"
        parts[rng.randrange(k)] += "调用`parse()`，或阅读**粗体**和*斜体*文字。"
    else:
        parts[rng.randrange(k)] += f" See [link {n}](https://example.org/page/{n}) for more."
        parts[rng.randrange(k)] += " Call `parse()` or read **bold** and *italic* text."
    sep = "" if lang == "cjk" else " "
    return sep.join(parts)


def _table(rng: random.Random, lang: str, n: int) -> str:
    head = (
        "| Name | Value | Notes |\n|:--|--:|:--|\n"
        if lang != "cjk"
        else "| 名称 | 数值 | 说明 |\n|:--|--:|:--|\n"
    )
    rows = []
    for i in range(4):
        note = _cjk_sentence(rng, 8) if lang == "cjk" else _latin_sentence(rng, 4)
        rows.append(f"| item {n}.{i} | {rng.randint(1, 99999)} | {note} |")
    return head + "\n".join(rows)


def _code(rng: random.Random, n: int) -> str:
    lines = [f"def function_{n}(value: int) -> int:", '    """Docstring."""']
    for i in range(rng.randint(3, 8)):
        lines.append(f"    value = value * {i + 2} + {rng.randint(0, 99)}  # step {i}")
    lines.append("    return value")
    return "```python\n" + "\n".join(lines) + "\n```"


def _list(rng: random.Random, lang: str) -> str:
    items = []
    for i in range(rng.randint(3, 6)):
        text = _cjk_sentence(rng, 12) if lang == "cjk" else _latin_sentence(rng, 6)
        items.append(f"- {text}")
        if i == 1:
            items.append(f"  - {'嵌套项目' if lang == 'cjk' else 'nested item'} {i}")
    return "\n".join(items)


def make_markdown(size: int, lang: str = "latin", *, seed: int = 1) -> tuple[str, list[str]]:
    """A Markdown document of about ``size`` bytes (UTF-8) with ~1 heading per KB.

    Holds headings on three levels, paragraphs with links, inline code and emphasis, tables,
    fenced code blocks and lists. The first paragraph contains :data:`FIRST_MARKER`; a paragraph
    near the end contains :data:`FIND_NEEDLE` (once). Returns ``(text, heading titles)``.
    """
    rng = random.Random(f"{seed}-{size}-{lang}")
    cjk = lang == "cjk"
    title = f"基准文档 {size // 1024} KB" if cjk else f"Bench document {size // 1024} KB"
    intro = (
        f"{FIRST_MARKER} 这是基准测试的第一段。" + _cjk_sentence(rng, 60)
        if cjk
        else f"{FIRST_MARKER} is the first paragraph of this bench document. "
        + _latin_sentence(rng, 20)
    )
    blocks: list[str] = [f"# {title}", intro]
    titles: list[str] = []
    total = sum(len(b.encode("utf-8")) + 2 for b in blocks)
    n = 0
    needle_at = int(size * 0.97)
    needle_done = False
    while total < size:
        n += 1
        level = 2 if n % 10 == 1 else 3 if n % 3 else 4
        heading = (
            (f"第{n}节 " + _cjk_sentence(rng, 6).rstrip("。"))
            if cjk
            else f"Section {n}: " + " ".join(rng.choice(_LATIN_WORDS) for _ in range(3))
        )
        titles.append(heading)
        section = ["#" * level + " " + heading]
        # ~1 KB per section: one or two paragraphs plus, now and then, a table/code/list.
        section.append(_paragraph(rng, lang, rng.randint(350, 650), n))
        kind = n % 7
        if kind == 2:
            section.append(_table(rng, lang, n))
        elif kind == 4:
            section.append(_code(rng, n))
        elif kind == 6:
            section.append(_list(rng, lang))
        else:
            section.append(_paragraph(rng, lang, rng.randint(150, 300), n + 100000))
        if not needle_done and total >= needle_at:
            section.append(
                f"{FIND_NEEDLE} 只出现一次。"
                if cjk
                else f"The word {FIND_NEEDLE} occurs only here."
            )
            needle_done = True
        text = "\n\n".join(section)
        blocks.append(text)
        total += len(text.encode("utf-8")) + 2
    if not needle_done:
        blocks.append(
            f"{FIND_NEEDLE} 只出现一次。" if cjk else f"The word {FIND_NEEDLE} occurs only here."
        )
    return "\n\n".join(blocks) + "\n", titles


def write_document(folder: Path, size: int, lang: str = "latin") -> DocSpec:
    """Write ``bench-<size>-<lang>.md`` into ``folder``; returns its spec."""
    text, titles = make_markdown(size, lang)
    path = folder / f"bench-{size // 1024}k-{lang}.md"
    path.write_text(text, encoding="utf-8")
    return DocSpec(path, len(text.encode("utf-8")), lang, len(titles), heading_titles=titles)


# --- libraries ---------------------------------------------------------------------------------

NEWEST_TITLE = "Bench newest article"
"""Title of the newest article of a generated library (tops the list: the first-paint probe)."""


def library_articles(count: int, *, body_size: int = 3000, seed: int = 7) -> list:
    """``count`` small Articles (distinct titles, sources, tags, dates), newest last."""
    from termreader.models import Article, article_id

    rng = random.Random(seed)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    sources = [f"source{i}.example" for i in range(40)]
    articles = []
    for i in range(count):
        title = (
            NEWEST_TITLE
            if i == count - 1
            else f"Article {i} " + " ".join(rng.choice(_LATIN_WORDS) for _ in range(4))
        )
        body = f"# {title}\n\n" + "\n\n".join(
            _paragraph(rng, "latin", body_size // 3, i) for _ in range(3)
        )
        url = f"https://{sources[i % 40]}/post/{i}"
        articles.append(
            Article(
                id=article_id(url),
                title=title,
                url=url,
                source=sources[i % 40],
                published=start + timedelta(minutes=17 * i),
                body=body,
                tags=[rng.choice(["news", "tech", "food", "sport"])],
            )
        )
    return articles


def make_library(home: Path, count: int, *, body_size: int = 3000) -> list:
    """Create a library of ``count`` articles at ``home`` (no sample articles). Returns them."""
    from termreader.library.store import Library

    articles = library_articles(count, body_size=body_size)
    library = Library.open(home)
    # Mark the library as seeded so the app does not import the samples on first start.
    library.kv_put("meta", "seeded", {"at": "bench", "count": 0})
    for start in range(0, len(articles), 1000):
        library.add_many(articles[start : start + 1000])
    return articles


def make_tinydb_baseline(path: Path, articles: list) -> None:
    """The naive design: one TinyDB JSON file with every article's body inside."""
    from tinydb import TinyDB

    db = TinyDB(path)
    db.insert_multiple(a.to_dict() for a in articles)
    db.close()


# --- the feed site -----------------------------------------------------------------------------


def article_page(title: str, n: int, related: list[tuple[str, str]], *, size: int = 8000) -> bytes:
    """An HTML article page of about ``size`` bytes with a "Related" block."""
    rng = random.Random(n)
    paras = []
    total = 0
    while total < size:
        p = _paragraph(rng, "latin", 400, n).replace("`", "")
        paras.append(f"<p>{html.escape(p)}</p>")
        total += len(p) + 7
        if len(paras) % 4 == 0:
            paras.append(f"<h2>Part {len(paras) // 4} of {html.escape(title)}</h2>")
    rel = "".join(f'<li><a href="{u}">{html.escape(t)}</a></li>' for u, t in related)
    related_html = (
        f'<aside class="related"><h3>Related</h3><ul>{rel}</ul></aside>' if related else ""
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{html.escape(title)} | Bench Site</title>"
        '<meta property="article:published_time" content="2024-05-0%dT10:00:00Z">'
        % (1 + n % 9)
        + "</head><body><nav><a href=/>Home</a> <a href=/about>About</a></nav>"
        f"<article><h1>{html.escape(title)}</h1>{''.join(paras)}</article>{related_html}"
        "<footer>Copyright Bench Site</footer></body></html>"
    ).encode("utf-8")


def rss_feed(title: str, base: str, items: list[tuple[str, str]]) -> bytes:
    """An RSS 2.0 feed whose items carry only a one-line summary (so the pages get fetched)."""
    entries = "".join(
        f"<item><title>{html.escape(t)}</title><link>{base}{u}</link><guid>{base}{u}</guid>"
        f"<description>Summary of {html.escape(t)}.</description>"
        f"<pubDate>Mon, 06 May 2024 10:{i % 60:02d}:00 +0000</pubDate></item>"
        for i, (u, t) in enumerate(items)
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{html.escape(title)}</title><link>{base}/</link><description>bench</description>"
        f"{entries}</channel></rss>"
    ).encode()


@dataclass(slots=True)
class Site:
    """What :func:`populate_site` served."""

    feeds: list[str]
    articles: int
    related: int


def populate_site(server, feeds: int, per_feed: int, related_per_article: int = 1) -> Site:
    """Serve ``feeds`` RSS feeds of ``per_feed`` entries; each page lists its related pages.

    ``server`` is a ``tests/netserver.py`` NetServer. Feeds carry ETags (a re-sync gets 304s).
    """
    base = server.url("")
    urls = []
    related_total = 0
    for f in range(feeds):
        items = []
        for e in range(per_feed):
            n = f * 10000 + e
            related = []
            for r in range(related_per_article):
                path = f"/related/{n}-{r}.html"
                rtitle = f"Related page {n}-{r}"
                server.add(path, article_page(rtitle, n * 10 + r, []), etag=f'"r{n}-{r}"')
                related.append((base + path, rtitle))
                related_total += 1
            title = f"Feed {f} story {e}"
            server.add(f"/articles/{n}.html", article_page(title, n, related), etag=f'"a{n}"')
            items.append((f"/articles/{n}.html", title))
        urls.append(
            server.add(
                f"/feeds/{f}.xml",
                rss_feed(f"Bench feed {f}", base, items),
                content_type="application/rss+xml",
                etag=f'"feed{f}"',
            )
        )
    return Site(urls, feeds * per_feed, related_total)
