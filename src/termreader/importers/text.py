"""Plain-text importer: title line, publish-time line, numbered sections, related list, chrome."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rich.cells import cell_len

from termreader.importers.common import (
    build_article,
    escape_heading,
    escape_inline,
    guess_language,
    is_related_label,
    parse_datetime,
)
from termreader.importers.frontmatter import FrontMatter, split_front_matter
from termreader.models import Article, Related
from termreader.text.sanitize import clean, clean_line

#: A numbered line longer than this (characters) is a paragraph, whatever its shape: a sanity
#: bound, not the test (Chinese sites write section titles of 30-60 characters).
MAX_HEADING_CHARS = 100
#: The publish-time line is looked for in this many non-empty lines after the title.
HEADER_LINES = 6

_CN_DIGITS = "一二三四五六七八九十百零〇两"
# (scheme key, pattern). The key identifies a numbering scheme; its rank (see _RANK) decides
# which scheme a heading of another nests under.
_SCHEMES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("chapter", re.compile(rf"^第[{_CN_DIGITS}\d]{{1,4}}章")),
    ("section", re.compile(rf"^第[{_CN_DIGITS}\d]{{1,4}}节")),
    ("part", re.compile(rf"^第[{_CN_DIGITS}\d]{{1,4}}(?:部分|篇|编)")),
    ("cn", re.compile(rf"^[{_CN_DIGITS}]{{1,4}}\s*[、．.]")),
    ("cn-paren", re.compile(rf"^[(（][{_CN_DIGITS}]{{1,4}}[)）]")),
    ("dotted", re.compile(r"^\d{1,3}(?:\.\d{1,3})+\.?(?=\s|[^\d.])")),
    ("num-dot", re.compile(r"^\d{1,3}[.．](?!\d)")),
    ("num-dun", re.compile(r"^\d{1,3}\s*、")),
    ("num-paren", re.compile(r"^[(（]\d{1,3}[)）]")),
    ("num-rparen", re.compile(r"^\d{1,3}[)）](?!\S*[(（])")),
    ("circled", re.compile(r"^[\u2460-\u2473]")),
    (
        "roman",
        re.compile(
            r"^(?:XX|XIX|XVIII|XVII|XVI|XV|XIV|XIII|XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)\.(?=\s)"
        ),
    ),
)
# How schemes nest, outermost first: 第X部分 > 第X章 > 第X节 > 一、/I. > （一） > 1./1、/1.1 >
# 1.1.1 > (1) > 1) > ①. A heading of a scheme ranked at or above an open one closes it; one
# ranked below opens a level under it. Schemes that never meet keep the order they appear in.
_RANK = {
    "part": 0,
    "chapter": 1,
    "section": 2,
    "cn": 3,
    "roman": 3,
    "cn-paren": 4,
    "num-dot": 5,
    "num-dun": 5,
    "dotted1": 6,
    "dotted2": 7,
    "num-paren": 8,
    "num-rparen": 9,
    "circled": 10,
}
# Sentence punctuation inside a line: a sentence, not a title ("1. 保持冷静。接到电话时…").
_SENTENCE_INSIDE = re.compile(r"[。！？!?；;]|[.](?:\s|$)")
_MD_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_SENTENCE_END = tuple("。.!?！？;；,，…")

_PUBLISHED = re.compile(
    r"^\s*(?:发布时间|发表时间|发布日期|发表日期|更新时间|时间|日期|"
    r"published(?:\s+on|\s+at)?|posted(?:\s+on)?|date|updated)"
    r"(?:\s*[:：]\s*|\s*(?=\d))(?P<value>.+)$",
    re.IGNORECASE,
)
_BARE_DATE = re.compile(
    r"^\s*(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?[\d:：\sT+\-Z]*$"
)

_CHROME = re.compile(
    r"^\s*(?:to top|back to top|top of page|返回顶部|回到顶部|顶部|返回页首|↑\s*top|top\s*↑)\s*$",
    re.IGNORECASE,
)
_CHROME_SUFFIX = re.compile(
    r"(?<=\S)\s*(?:To Top|Back to top|返回顶部|回到顶部)\s*$", re.IGNORECASE
)

_URL = re.compile(r"https?://[^\s<>\"'()（）\[\]【】，。、“”]+")
_URL_TRAIL = ".,;:!?"
_BULLET = re.compile(r"^\s*(?:[-*•·▪●◦]|\d{1,3}[.、)）])\s+")
_MD_LINK_LINE = re.compile(r"^\[(?P<title>[^\]]+)\]\((?P<url>[^)\s]+)\)$")
_TITLE_URL = re.compile(r"^(?P<title>.*?)\s*[-–—:：|]?\s*(?P<url>https?://\S+)$")
_LEAD_IN = re.compile(r"^【([^【】\n]{1,30})】")


@dataclass(slots=True)
class _Block:
    lines: list[str]
    scheme: str = ""  # numbering scheme of a single-line block, "" when none
    text: str = ""  # heading text (without "#" for explicit Markdown headings)
    candidate: bool = False  # alone, numbered, no sentence in it: may be a heading
    level: int = 0  # > 0 once decided to be a heading


def import_text(
    text: str,
    *,
    path: Path | None = None,
    url: str = "",
    source: str = "",
) -> Article:
    """Turn a plain-text article (the seed's shape) into an :class:`Article`.

    The first non-empty line is the title (not repeated in the body). A publish-time line
    near the top (``发布时间:…``, ``Published: …``, ``Date: …``) becomes ``published`` and
    leaves the body. A numbered line that stands alone, holds no sentence, has no
    sentence-final mark and is followed by its body becomes a Markdown heading (its length
    does not decide: section titles of 30-60 characters are common); levels follow the
    numbering (第X章 above 一、 above （一） above 1. above (1)). A trailing related block
    (``相关内容:`` then one title per line) becomes ``related``. Page chrome (``To Top``,
    ``返回顶部``) is dropped. Hard-wrapped paragraphs are re-joined; short lines keep their
    breaks (Markdown hard breaks).
    """
    text = clean(text).lstrip("\ufeff")
    # A YAML/TOML front matter block (closed by ``---``, ``...`` or ``+++``) is metadata, not
    # the title line: the GFM spec's ``---`` would otherwise become the title.
    meta, rest, _ = split_front_matter(text)
    if meta is not None and not meta.error:
        text = rest
    else:
        meta = FrontMatter()
    lines = [line.rstrip() for line in text.split("\n")]
    lines = [line for line in lines if not _CHROME.match(line)]
    _strip_chrome_suffix(lines)

    if meta.title:
        title = clean_line(meta.title)
    else:
        title, lines = _take_title(lines, path)
    published_raw, lines = _take_published(lines)
    if meta.published is not None:
        published_raw = meta.published
    lines, related = _take_related(lines)

    language = _guess(title, lines)
    published = parse_datetime(published_raw, language=language) if published_raw else None
    blocks = _blocks(lines)
    _decide_headings(blocks)
    body = "\n\n".join(_render(block) for block in blocks)
    related = [Related(title=t, url=u) for t, u in meta.related] + related
    url = meta.url or url
    return build_article(
        body=body,
        title=title,
        kind="text",
        url=url,
        path=path,
        source=source or meta.source,
        published=published,
        language=meta.language or language,
        related=related,
        tags=meta.tags,
        link_base=url or (str(path) if path is not None else ""),
    )


def _guess(title: str, lines: list[str]) -> str:
    return guess_language(title + "\n" + "\n".join(lines[:200]))


def _strip_chrome_suffix(lines: list[str]) -> None:
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].strip():
            lines[index] = _CHROME_SUFFIX.sub("", lines[index])
            return


def _take_title(lines: list[str], path: Path | None) -> tuple[str, list[str]]:
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or not stripped.strip(_RULE_CHARS):
            continue  # a rule ("---", "***", "...") is never the title
        match = _MD_HEADING.match(stripped)
        if match:
            stripped = match.group(2)
        if cell_len(stripped) <= 160:
            return clean_line(stripped), lines[index + 1 :]
        break
    fallback = path.stem if path is not None else ""
    if not fallback:
        first = next((clean_line(line) for line in lines if line.strip()), "")
        fallback = first[:60] + ("…" if len(first) > 60 else "")
    return fallback or "Untitled", lines


_RULE_CHARS = "-=*_~#.+ \t"


def _take_published(lines: list[str]) -> tuple[str, list[str]]:
    seen = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        seen += 1
        if seen > HEADER_LINES:
            break
        stripped = line.strip()
        value = ""
        match = _PUBLISHED.match(stripped)
        if match and any(ch.isdigit() for ch in match["value"]):
            value = match["value"]
        elif _BARE_DATE.match(stripped):
            value = stripped
        if value and parse_datetime(value) is not None:
            return value, lines[:index] + lines[index + 1 :]
    return "", lines


def _related_entry(line: str) -> Related:
    line = _BULLET.sub("", line.strip(), count=1)
    match = _MD_LINK_LINE.match(line)
    if match:
        return Related(title=match["title"], url=match["url"])
    match = _TITLE_URL.match(line)
    if match:
        return Related(title=match["title"] or match["url"], url=match["url"])
    return Related(title=line, url=None)


def _take_related(lines: list[str]) -> tuple[list[str], list[Related]]:
    """Cut a trailing related block: a label line, then only short title lines to the end."""
    label = None
    for index in range(len(lines) - 1, -1, -1):
        if is_related_label(lines[index]):
            label = index
            break
    if label is None:
        return lines, []
    entries = [line for line in lines[label + 1 :] if line.strip()]
    if not entries or any(cell_len(line.strip()) > 240 for line in entries):
        return lines, []
    return lines[:label], [_related_entry(line) for line in entries]


def _blocks(lines: list[str]) -> list[_Block]:
    blocks: list[_Block] = []
    current: list[str] = []
    for line in lines + [""]:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(_classify(current))
            current = []
    return blocks


def _classify(lines: list[str]) -> _Block:
    block = _Block(lines=lines)
    if len(lines) != 1:
        # A numbered paragraph of several lines is a list item or a paragraph, never a heading;
        # still note its scheme so a scheme used mostly for long items is not taken as headings.
        block.scheme = _scheme_of(lines[0])[0]
        return block
    line = lines[0]
    match = _MD_HEADING.match(line)
    if match:
        block.scheme = f"md{len(match.group(1))}"
        block.text = match.group(2)
        block.candidate = True
        return block
    scheme, _ = _scheme_of(line)
    if not scheme:
        return block
    block.scheme = scheme
    block.text = line
    title = line[_scheme_of(line)[1] :]
    # A title by its shape: a line of its own (checked above), numbered, no sentence in it and
    # no sentence-final mark at its end; its context (body text follows, it is not one of a
    # run of numbered lines) is judged in _decide_headings.
    block.candidate = (
        len(line) <= MAX_HEADING_CHARS
        and not line.endswith(_SENTENCE_END)
        and not _SENTENCE_INSIDE.search(title)
    )
    return block


def _scheme_of(line: str) -> tuple[str, int]:
    for key, pattern in _SCHEMES:
        match = pattern.match(line)
        if match:
            if not line[match.end() :].strip():
                return "", 0  # a bare number is not a heading
            if key == "dotted":
                key = f"dotted{match.group(0).rstrip('.').count('.')}"
            return key, match.end()
    return "", 0


def _decide_headings(blocks: list[_Block]) -> None:
    # A scheme used mostly for long or multi-line items is a list, not a heading scheme.
    long_use: dict[str, int] = {}
    short_use: dict[str, int] = {}
    for block in blocks:
        if block.scheme and not block.scheme.startswith("md"):
            counts = short_use if block.candidate else long_use
            counts[block.scheme] = counts.get(block.scheme, 0) + 1
    for block in blocks:
        if block.candidate and long_use.get(block.scheme, 0) > short_use.get(block.scheme, 0):
            block.candidate = False
    # Consecutive same-scheme candidates with nothing between them are a list.
    index = 0
    while index < len(blocks):
        block = blocks[index]
        end = index + 1
        if block.candidate and not block.scheme.startswith("md"):
            while (
                end < len(blocks) and blocks[end].candidate and blocks[end].scheme == block.scheme
            ):
                end += 1
            if end - index >= 2:
                for item in blocks[index:end]:
                    item.candidate = False
        index = end
    # A heading is followed by its body: text, or a heading of a scheme that nests under it.
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if not block.candidate or block.scheme.startswith("md"):
            continue
        after = blocks[index + 1] if index + 1 < len(blocks) else None
        if after is None or (after.candidate and not _nests_under(after.scheme, block.scheme)):
            block.candidate = False
    stack: list[str] = []
    for block in blocks:
        if not block.candidate:
            continue
        if block.scheme in stack:
            del stack[stack.index(block.scheme) + 1 :]
        else:
            # A scheme of the same or a higher rank than an open one closes it.
            while stack and not _nests_under(block.scheme, stack[-1]):
                stack.pop()
            stack.append(block.scheme)
        block.level = min(len(stack), 6)


def _nests_under(scheme: str, outer: str) -> bool:
    """True when a heading of ``scheme`` may sit under one of ``outer`` (see ``_RANK``).
    Markdown headings (``md1``...) rank above numbered ones, by their own level; schemes
    without a rank (never met together) nest in the order they appear."""
    if scheme == outer:
        return False
    if scheme.startswith("md") or outer.startswith("md"):
        if scheme.startswith("md") and outer.startswith("md"):
            return scheme > outer
        return outer.startswith("md")
    rank, outer_rank = _RANK.get(scheme), _RANK.get(outer)
    if rank is None or outer_rank is None:
        return True
    return rank > outer_rank


def _render(block: _Block) -> str:
    if block.level:
        return "#" * block.level + " " + escape_heading(block.text)
    rendered = [_render_line(line) for line in block.lines]
    if len(rendered) == 1:
        return rendered[0]
    if _hard_wrapped(block.lines):
        return _rejoin(block.lines, rendered)
    return "\\\n".join(rendered)


def _rejoin(raw: list[str], rendered: list[str]) -> str:
    """Re-join hard-wrapped lines: CJK without a space, other scripts with a soft break."""
    out = rendered[0]
    for index in range(1, len(rendered)):
        cjk = _wide(raw[index - 1][-1]) and _wide(raw[index][0])
        out += ("" if cjk else "\n") + rendered[index]
    return out


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _hard_wrapped(lines: list[str]) -> bool:
    widths = [cell_len(line) for line in lines]
    widest = max(widths)
    return widest >= 50 and all(width >= widest * 0.6 for width in widths[:-1])


def _render_line(line: str) -> str:
    parts: list[str] = []
    position = 0
    for match in _URL.finditer(line):
        url = match.group(0).rstrip(_URL_TRAIL)
        parts.append(escape_inline(line[position : match.start()]))
        parts.append(f"<{url}>")
        position = match.start() + len(url)
    parts.append(escape_inline(line[position:]))
    out = "".join(parts)
    out = _escape_block_start(out)
    lead = _LEAD_IN.match(out)
    if lead:
        rest = out[lead.end() :]
        # CommonMark only closes ** before a letter when the ** follows a letter: keep the
        # emphasis inside the brackets when the lead-in runs straight into text.
        if not rest or rest[0].isspace() or unicodedata.category(rest[0]).startswith("P"):
            out = f"**【{lead.group(1)}】**{rest}"
        else:
            out = f"【**{lead.group(1)}**】{rest}"
    return out


_BLOCK_START = re.compile(r"^([#>+=-]|\d{1,9}(?=[.)]))")


def _escape_block_start(line: str) -> str:
    match = _BLOCK_START.match(line)
    if not match:
        return line
    marker = match.group(1)
    if marker[0].isdigit():
        return line[: match.end()] + "\\" + line[match.end() :]
    return "\\" + line
