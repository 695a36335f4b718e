"""The shipped sample library has the shape the first start depends on (issue 2).

These tests read the files directly and import no importer, so they hold the samples to their
contract even while the importers change: every format present, titles that related lists can
resolve offline, and a related graph in which every sample can be reached from every other.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from termreader.locations import sample_articles_dir
from termreader.text.sanitize import is_clean

SAMPLES = sample_articles_dir()
URL_PREFIX = "https://termreader.example/samples/"
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7a3]")
TXT_SECTION = re.compile(r"^[一二三四五六七八九十]+、\S")
TXT_SUBPOINT = re.compile(r"^\d+\. \S")
MD_HEADING = re.compile(r"^(#{1,6}) +(.+?)\s*#*\s*$")
MD_SAMPLE_LINK = re.compile(r"\]\((https://termreader\.example/samples/[^)\s]+)\)")


def _files(suffix: str) -> list[Path]:
    return sorted(SAMPLES.glob(f"*{suffix}"))


def _front_matter(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    match = re.match(r"---\n(.*?)\n---\n", text, re.DOTALL)
    assert match, f"{path.name}: no YAML front matter between --- lines"
    data = yaml.safe_load(match.group(1))
    assert isinstance(data, dict), f"{path.name}: front matter is not a mapping"
    return data, text[match.end() :]


def _md_headings(body: str) -> list[tuple[int, str]]:
    """ATX headings outside fenced code blocks."""
    headings: list[tuple[int, str]] = []
    fence: str | None = None
    for line in body.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = None if fence == marker else (fence or marker)
            continue
        if fence is None and (match := MD_HEADING.match(line)):
            headings.append((len(match.group(1)), match.group(2)))
    return headings


class _PageParser(HTMLParser):
    """Collects what the HTML sample must show: title, time, headings, related links."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.charset = ""
        self.times: list[str] = []
        self.tags: Counter[str] = Counter()
        self.related: list[tuple[str, str]] = []
        self._in_title = False
        self._aside_depth = 0
        self._href: str | None = None
        self._link_text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.tags[tag] += 1
        if tag == "title":
            self._in_title = True
        elif tag == "meta" and attributes.get("charset"):
            self.charset = attributes["charset"] or ""
        elif tag == "time" and attributes.get("datetime"):
            self.times.append(attributes["datetime"] or "")
        elif tag == "aside":
            self._aside_depth += 1
        elif tag == "a" and self._aside_depth:
            self._href = attributes.get("href") or ""
            self._link_text = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "aside":
            self._aside_depth -= 1
        elif tag == "a" and self._href is not None:
            self.related.append((" ".join(self._link_text.split()), self._href))
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._href is not None:
            self._link_text += data


def _page(path: Path) -> _PageParser:
    parser = _PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    parser.close()
    return parser


def _txt_lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").rstrip("\n").split("\n")


def _txt_related(path: Path) -> list[str]:
    lines = _txt_lines(path)
    start = lines.index("相关内容:") + 1
    return [line for line in lines[start:-1] if line.strip()]


def _catalogue() -> dict[str, dict]:
    """Every sample by title: its file, its url (if it has one) and the titles it relates to."""
    samples: dict[str, dict] = {}

    def put(title: str, path: Path, url: str | None, related: list[str]) -> None:
        assert title not in samples, f"{path.name}: title {title!r} used twice"
        samples[title] = {"path": path, "url": url, "related": related}

    for path in _files(".md"):
        data, _ = _front_matter(path)
        put(data["title"], path, data["url"], [entry["title"] for entry in data["related"]])
    for path in _files(".txt"):
        put(_txt_lines(path)[0], path, None, _txt_related(path))
    for path in _files(".html"):
        page = _page(path)
        put(page.title.rsplit(" | ", 1)[0], path, None, [title for title, _ in page.related])
    return samples


def test_library_has_enough_files_in_known_formats() -> None:
    files = [p for p in SAMPLES.iterdir() if not p.name.startswith(".")]
    assert len(files) >= 10
    # The first start imports every file here: anything else would be a refused import.
    assert {p.suffix for p in files} <= {".md", ".txt", ".html"}
    assert _files(".md") and _files(".txt") and _files(".html")


@pytest.mark.parametrize("path", _files(".md"), ids=lambda p: p.name)
def test_markdown_front_matter(path: Path) -> None:
    data, body = _front_matter(path)
    for key in ("title", "date", "url", "source", "tags", "language", "related"):
        assert key in data, f"{path.name}: front matter lacks {key!r}"
    assert isinstance(data["date"], datetime) and data["date"].tzinfo is not None, (
        f"{path.name}: date must be ISO 8601 with a time zone"
    )
    assert data["url"].startswith(URL_PREFIX)
    assert isinstance(data["tags"], list) and data["tags"]
    assert isinstance(data["related"], list) and data["related"]
    for entry in data["related"]:
        assert set(entry) <= {"title", "url"} and entry["title"], f"{path.name}: {entry!r}"
    assert _md_headings(body), f"{path.name}: no headings"


def test_urls_are_unique_and_related_urls_match_their_titles() -> None:
    samples = _catalogue()
    urls = [s["url"] for s in samples.values() if s["url"]]
    assert len(urls) == len(set(urls))
    url_of = {title: s["url"] for title, s in samples.items()}
    for path in _files(".md"):
        data, _ = _front_matter(path)
        for entry in data["related"]:
            if "url" in entry:
                assert url_of.get(entry["title"]) == entry["url"], f"{path.name}: {entry!r}"
            else:
                # Title-only entries are for samples without a front-matter url.
                assert url_of.get(entry["title"]) is None, f"{path.name}: {entry!r} lacks its url"


def test_related_titles_name_other_samples() -> None:
    samples = _catalogue()
    for title, sample in samples.items():
        assert sample["related"], f"{sample['path'].name}: empty related list"
        for other in sample["related"]:
            assert other in samples, f"{sample['path'].name}: unknown related title {other!r}"
            assert other != title, f"{sample['path'].name}: relates to itself"


def test_inline_links_between_samples_resolve() -> None:
    known = {s["url"] for s in _catalogue().values() if s["url"]}
    for path in _files(".md"):
        _, body = _front_matter(path)
        for url in MD_SAMPLE_LINK.findall(body):
            if url.startswith(URL_PREFIX + "img/"):
                continue  # an image: shown by its description, never followed
            assert url in known, f"{path.name}: link to unknown sample {url}"
    for path in _files(".html"):
        for _, href in _page(path).related:
            assert href in known, f"{path.name}: related link to unknown sample {href}"


def test_related_graph_is_connected_and_mostly_two_way() -> None:
    samples = _catalogue()
    edges = {(a, b) for a, s in samples.items() for b in s["related"]}
    neighbours: dict[str, set[str]] = {title: set() for title in samples}
    for a, b in edges:
        if b not in neighbours:
            continue  # reported by test_related_titles_name_other_samples
        neighbours[a].add(b)
        neighbours[b].add(a)
    start = next(iter(samples))
    seen, todo = {start}, [start]
    while todo:
        for other in neighbours[todo.pop()] - seen:
            seen.add(other)
            todo.append(other)
    assert seen == set(samples), f"unreachable: {sorted(set(samples) - seen)}"
    two_way = sum((b, a) in edges for a, b in edges)
    assert two_way / len(edges) > 0.5


def test_plain_text_samples_have_the_seed_shape() -> None:
    seed_shaped = 0
    for path in _files(".txt"):
        lines = _txt_lines(path)
        assert lines[0].strip() and lines[1] == "", f"{path.name}: title line, then a blank line"
        assert re.fullmatch(r"发布时间:\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", lines[2]), path.name
        sections = [line for line in lines if TXT_SECTION.match(line)]
        prefixes = [line[: line.index("、")] for line in sections]
        assert prefixes[:3] == ["一", "二", "三"], f"{path.name}: sections {prefixes}"
        assert any(TXT_SUBPOINT.match(line) for line in lines), f"{path.name}: no 1. sub-points"
        assert any(line.startswith("【") and "】" in line for line in lines), path.name
        assert "相关内容:" in lines and lines[-1] == "To Top", path.name
        related = _txt_related(path)
        assert max(Counter(related).values()) >= 2, f"{path.name}: no repeated related title"
        seed_shaped += 1
    assert seed_shaped >= 2


def test_html_sample_is_a_realistic_saved_page() -> None:
    (path,) = _files(".html")
    page = _page(path)
    assert page.charset.lower() == "utf-8"
    assert " | " in page.title
    assert page.times and datetime.fromisoformat(page.times[0]).tzinfo is not None
    for tag in ("nav", "header", "footer", "aside", "h2", "h3", "ul", "table", "p"):
        assert page.tags[tag], f"no <{tag}>"
    assert len(page.related) >= 3
    assert "Back to top" in path.read_text(encoding="utf-8")


def test_a_long_sample_for_section_navigation() -> None:
    longest = max(
        (_md_headings(_front_matter(path)[1]) for path in _files(".md")),
        key=len,
    )
    assert len(longest) >= 40
    assert {level for level, _ in longest} >= {1, 2, 3}


def test_cjk_is_everywhere_wide_text_is_needed() -> None:
    with_cjk = [p for p in SAMPLES.iterdir() if CJK.search(p.read_text(encoding="utf-8"))]
    assert len(with_cjk) >= 3
    languages = {_front_matter(p)[0]["language"] for p in _files(".md")}
    assert {"en", "zh", "ja", "ko"} <= languages


@pytest.mark.parametrize("path", sorted(SAMPLES.iterdir()), ids=lambda p: p.name)
def test_samples_are_clean_utf8(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")  # raises on anything but UTF-8
    assert not text.startswith("\ufeff")
    assert is_clean(text), f"{path.name}: holds characters the sanitizer would remove"
    assert "\t" not in text and text.endswith("\n")
