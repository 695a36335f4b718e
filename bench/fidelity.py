"""How faithfully HTML pages come in (issue 12): outline and code against sources, structure kept, body F1.

Plain functions, used by ``bench/run.py`` (group ``fidelity``) and unit-tested on tiny inputs
(``tests/test_fidelity_measures.py``) so the instrument cannot silently pass. The corpus-level
measures built on them are in ``fidelity_corpus.py``.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

# --- normalisation and tokens ----------------------------------------------------------------------

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s|(?<=[。！？])")
_FRONT_KEY = re.compile(r"^[A-Za-z_][\w-]*:")


def fold(text: str) -> str:
    """NFKC, case-folded, invisible format characters dropped (soft hyphens, ZWSP)."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(c for c in text if unicodedata.category(c) != "Cf").casefold()


def squash(text: str) -> str:
    """The text compared: folded, with every space and punctuation mark removed.

    Permalink marks (``#``, ``¶``), brackets and quotes do not decide whether a heading
    survived; its words do.
    """
    return "".join(
        c for c in fold(text) if not c.isspace() and not unicodedata.category(c).startswith("P")
    )


def collapse(line: str) -> str:
    """One line with its runs of white space made single spaces, stripped."""
    return " ".join(line.split())


def tokens(text: str) -> list[str]:
    """Word tokens: every CJK character (Han, kana, Hangul) alone, other scripts by word."""
    return _TOKEN.findall(fold(text))


def token_f1(got: str, expected: str) -> float:
    """F1 of the token bags of ``got`` against ``expected`` (1.0 when both are empty)."""
    g, e = Counter(tokens(got)), Counter(tokens(expected))
    if not g and not e:
        return 1.0
    common = sum((g & e).values())
    if not common:
        return 0.0
    precision = common / sum(g.values())
    recall = common / sum(e.values())
    return 2 * precision * recall / (precision + recall)


def snippet_counts(text: str, must: Sequence[str], must_not: Sequence[str]) -> dict[str, int]:
    """Trafilatura's evaluation counts for one page: ``tp`` must-snippets found, ``fn`` missed,
    ``fp`` must-not snippets found, ``tn`` absent. ``text`` and snippets are compared folded
    with white space collapsed."""
    body = collapse(fold(text))
    found = [collapse(fold(s)) in body for s in must]
    leaked = [collapse(fold(s)) in body for s in must_not]
    return {
        "tp": sum(found),
        "fn": len(found) - sum(found),
        "fp": sum(leaked),
        "tn": len(leaked) - sum(leaked),
    }


def f1_of_counts(counts: dict[str, int]) -> float:
    """F1 from summed ``tp``/``fp``/``fn`` (0.0 when nothing was found)."""
    tp, fp, fn = counts.get("tp", 0), counts.get("fp", 0), counts.get("fn", 0)
    if not tp:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def first_line(text: str) -> str:
    """The first non-empty line of ``text``, white space collapsed ("" when there is none)."""
    for line in text.splitlines():
        if line.strip():
            return collapse(line)
    return ""


def first_sentence(text: str) -> str:
    """The first sentence of ``text`` (up to ``.!?`` and a space, or ``。！？``)."""
    text = collapse(text)
    return _SENTENCE_END.split(text, maxsplit=1)[0].strip() if text else ""


# --- Markdown sources --------------------------------------------------------------------------------


def strip_front_matter(markdown: str) -> str:
    """The Markdown without its front matter: ``---``-fenced, or Hexo's bare ``key: value``
    lines closed by ``---``."""
    lines = markdown.splitlines(keepends=True)
    if not lines:
        return markdown
    if lines[0].strip() == "---":
        start = 1
    elif _FRONT_KEY.match(lines[0]):
        start = 0
    else:
        return markdown
    for index in range(start, min(len(lines), 200)):
        if index > 0 and lines[index].strip() == "---":
            return "".join(lines[index + 1 :])
    return markdown


def source_headings(markdown: str) -> list[tuple[int, str]]:
    """``(level, title)`` of every heading of a Markdown source, by the project's own outline."""
    from termreader.text.outline import sections_from_markdown

    return [(s.level, s.title) for s in sections_from_markdown(strip_front_matter(markdown))]


def source_code_first_lines(markdown: str) -> list[str]:
    """The first non-empty line of every fenced code block of a Markdown source (empty fences
    skipped)."""
    from termreader.text.outline import BLOCK_PARSER

    found = []
    for token in BLOCK_PARSER.parse(strip_front_matter(markdown)):
        if token.type == "fence":
            line = first_line(token.content)
            if line:
                found.append(line)
    return found


def match_headings(
    source: Sequence[tuple[int, str]], page: Sequence[tuple[int, str]]
) -> dict[str, Any]:
    """How many source headings are page sections with the same text and relative level.

    Texts are compared :func:`squash`-ed and matched in order. Levels are compared relative to
    each other: the page may put its title as ``h1`` above the source's ``##`` headings, so the
    offset is the most common level difference among the text matches (ties: the smallest),
    and a heading counts when its difference is that offset.
    """
    pairs: list[tuple[int, int] | None] = []
    cursor = 0
    keys = [squash(t) for _, t in page]
    for level, title in source:
        want = squash(title)
        hit = None
        for index in range(cursor, len(page)):
            if want and keys[index] == want:
                hit = index
                break
        if hit is None:
            pairs.append(None)
        else:
            pairs.append((level, page[hit][0]))
            cursor = hit + 1
    offsets = Counter(p - s for pair in pairs if pair for s, p in [pair])
    offset = min(offsets, key=lambda o: (-offsets[o], abs(o))) if offsets else 0
    missing = [
        f"h{level} {title}"
        for (level, title), pair in zip(source, pairs, strict=True)
        if pair is None or pair[1] - pair[0] != offset
    ]
    return {"found": len(source) - len(missing), "total": len(source), "missing": missing}


def match_code(source_lines: Sequence[str], code_blocks: Iterable[str]) -> dict[str, Any]:
    """How many source code first lines are the first line of a page code block (each page
    block counts once)."""
    available = Counter(first_line(text) for text in code_blocks)
    missing = []
    for line in source_lines:
        if available[line] > 0:
            available[line] -= 1
        else:
            missing.append(line)
    return {
        "found": len(source_lines) - len(missing),
        "total": len(source_lines),
        "missing": missing,
    }


# --- the rendered article ----------------------------------------------------------------------------


class Rendered:
    """What a reader sees of an article body: parsed with the reader's own parser."""

    def __init__(self, body: str) -> None:
        from termreader.render.model import CODE, TABLE
        from termreader.render.parser import parse

        self.code_blocks: list[str] = []
        self.code_lines: set[str] = set()
        quotes: list[str] = []
        texts: list[str] = []
        prose: list[str] = []  # text outside code (blocks and inline spans)
        for block in parse(body).blocks:
            texts.append(block.text)
            if block.kind == CODE:
                self.code_blocks.append(block.text)
                self.code_lines.update(collapse(line) for line in block.text.splitlines())
                continue
            if block.quote:
                quotes.append(block.text)
            if block.kind == TABLE:
                spans = [s for row in block.data[1] for cell in row for s in cell]
            else:
                spans = list(block.spans)
            prose.append("".join(t for t, style in spans if "code" not in style.split()))
        self.text = "\n".join(texts)
        self.prose = "\n".join(prose)
        self.squashed = squash(self.text)
        self.quotes = squash("".join(quotes))


def literal_bold(rendered: Rendered, page_marks: int = 0) -> bool:
    """True when ``**`` shows as text outside code more often than the page's own text outside
    code has it (``page_marks``, from :func:`page_bold_marks`): emphasis the Markdown could not
    close. A page that writes ``/Users/**/Desktop`` in its prose is shown faithfully."""
    return rendered.prose.count("**") > page_marks


def empty_titles(sections: Iterable[Any]) -> int:
    """How many sections have no title (an "(untitled)" outline entry)."""
    return sum(1 for s in sections if not s.title.strip())


# --- the original page ---------------------------------------------------------------------------------

KINDS = ("headings", "code", "quotes", "image alts")


def parse_page(data: bytes) -> Any:
    """The page's lxml tree (decoded as the importer decodes), scripts and styles removed,
    ``<br>`` and code-line elements made line breaks in the text."""
    import lxml.html

    from termreader.text.charset import decode

    text, _ = decode(data)
    text = re.sub(r"^\s*<\?xml[^>]*>", "", text)
    root = lxml.html.document_fromstring(text or "<html></html>")
    # Furigana readings (<rt>, <rp>) annotate the words; a heading is its words without them.
    for bad in list(root.iter("script", "style", "noscript", "template", "rt", "rp")):
        bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    # Highlighters put each code line in its own block element inside <pre>.
    for pre in root.iter("pre"):
        for line in pre.iter("div", "p", "li", "tr"):
            line.tail = "\n" + (line.tail or "")
    return root


_PROSE_TEXT = (
    "//body//text()[not(ancestor::code or ancestor::pre or ancestor::kbd or ancestor::samp"
    " or ancestor::tt)]"
)


def page_bold_marks(root: Any) -> int:
    """How many ``**`` the page's visible text outside code holds (a tree from
    :func:`parse_page`)."""
    try:
        return "".join(str(t) for t in root.xpath(_PROSE_TEXT)).count("**")
    except (ValueError, TypeError):
        return 0


def _text(element: Any) -> str:
    try:
        return str(element.text_content())
    except (ValueError, TypeError):
        return ""


def main_content(root: Any, snippets: Sequence[str] = ()) -> tuple[Any | None, str]:
    """The element standing for the page's main content, and the rule that chose it.

    The smallest element containing every expected snippet found in the page; without
    snippets (or none found), ``<main>``, the ``<article>`` (the smallest element holding all
    of them when there are several), else None: the whole body would score page chrome.
    """
    body = root.find("body")
    if body is None:
        body = root
    whole = squash(_text(body))
    wanted = [w for w in (squash(s) for s in snippets) if w and w in whole]
    if wanted:
        node = body
        while True:
            for child in node:
                if isinstance(child.tag, str) and all(w in squash(_text(child)) for w in wanted):
                    node = child
                    break
            else:
                return node, f"snippets ({len(wanted)}/{len(snippets)})"
    for tag in ("main", "article"):
        found = [e for e in body.iter(tag)]
        if len(found) == 1:
            return found[0], tag
        if found:
            return _common_ancestor(found), f"{len(found)} {tag}s"
    return None, "none (not scored)"


def _common_ancestor(elements: Sequence[Any]) -> Any:
    chains = [list(e.iterancestors())[::-1] + [e] for e in elements]
    common = chains[0][0]
    for column in zip(*chains, strict=False):
        if all(c is column[0] for c in column):
            common = column[0]
        else:
            break
    return common


def structure_of(element: Any) -> dict[str, list[Any]]:
    """The structure a reader navigates by inside ``element``.

    ``headings``: for each ``h1``-``h6``, the texts it may read as (whole, and without its links:
    a Wikipedia "[edit]" link or a permalink is clutter); ``code``: first line of each ``<pre>``
    (line-number gutters, digits only, skipped); ``quotes``: first sentence of each
    ``<blockquote>``; ``image alts``: each non-empty ``<img alt>``.
    """
    found: dict[str, list[Any]] = {kind: [] for kind in KINDS}
    for node in element.iter():
        tag = node.tag.lower() if isinstance(node.tag, str) else ""
        if tag not in _SCORED or _chrome(node, element):
            continue
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            if _teaser_heading(node):
                continue
            whole = collapse(_text(node))
            bare = collapse(
                (node.text or "")
                + "".join(
                    ("" if _is_link(c) else _text(c)) + (c.tail or "")
                    for c in node
                    if isinstance(c.tag, str)
                )
            )
            if squash(whole):
                found["headings"].append([whole, bare] if squash(bare) else [whole])
        elif tag == "pre":
            line = first_line(_text(node))
            if line and not re.fullmatch(r"[\d\s]+", _text(node)):
                found["code"].append(line)
        elif tag == "blockquote":
            sentence = first_sentence(_text(node))
            if squash(sentence):
                found["quotes"].append(sentence)
        elif tag == "img":
            alt = collapse(node.get("alt") or "")
            if squash(alt) and not _icon(node) and not _teaser_image(node):
                found["image alts"].append(alt)
    return found


_SCORED = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote", "img"})
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "form"})
_CHROME_ROLES = frozenset({"navigation", "complementary", "contentinfo", "search"})
# Class and id words by which a page names the widgets beside its article: share bars, comment
# threads, sidebars; and "related" on a block of links to other pages (the related list, shown
# apart as the article's related links).
_CHROME_WORDS = frozenset("share sharing sharetools sharebar comments sidebar".split())
_NAME_WORD = re.compile(r"[a-z0-9]+")
_IMAGE_FILE = re.compile(r"\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?)$", re.IGNORECASE)
_ICON_NAME = re.compile(r"logo|icon|avatar|emoji|spinner|loader|loading|sprite|spacer", re.I)
_PIXELS = re.compile(r"(?:^|[;\s])(width|height)\s*:\s*(\d+)px", re.IGNORECASE)
#: An image this small (declared width or height, CSS pixels) is an icon, not a picture.
ICON_PIXELS = 64


def _chrome(node: Any, top: Any) -> bool:
    """True inside what the page itself marks as not the article, below ``top``: nav, aside,
    footer, form, their ARIA roles, hidden elements, and widgets whose class or id calls them
    related, share or comments or a sidebar (:data:`_CHROME_WORDS`)."""
    for el in (node, *node.iterancestors()):
        if el is top:
            return False
        if (
            el.tag in _CHROME_TAGS
            or el.get("role") in _CHROME_ROLES
            or el.get("hidden") is not None
            or el.get("aria-hidden") == "true"
        ):
            return True
        names = f"{el.get('class') or ''} {el.get('id') or ''}".lower()
        words = set(_NAME_WORD.findall(names)) if names.strip() else set()
        if not _CHROME_WORDS.isdisjoint(words):
            return True
        if "related" in words and any(_away(a) for a in el.iter("a")):
            return True  # a related list; a block of "related images" with no links is not
    return False


def _away(link: Any) -> bool:
    """Whether a link leads to another page: not a fragment of this one, not a script, not an
    image file (a "click to enlarge" link keeps its figure the article's)."""
    href = (link.get("href") or "").strip()
    if not href or href.startswith("#") or href.lower().startswith("javascript:"):
        return False
    return _IMAGE_FILE.search(href.split("#", 1)[0].split("?", 1)[0]) is None


def _teaser_image(img: Any) -> bool:
    """An image in a link to another page that also holds a text title: a teaser's picture
    (the picture of the article it links to). A picture alone in a link (an image viewer, a
    cover linking to its issue) stays the article's."""
    for link in img.iterancestors("a"):
        return _away(link) and bool(squash(_text(link)))
    return False


def _teaser_heading(node: Any) -> bool:
    """A heading that is a link to another page: a teaser's title, not a section."""
    if any(_away(a) for a in node.iterancestors("a")):
        return True
    text = squash(_text(node))
    linked = squash("".join(_text(a) for a in node.iter("a") if _away(a)))
    return bool(text) and linked == text


def _icon(img: Any) -> bool:
    """An icon, logo, spinner or avatar: declared at most :data:`ICON_PIXELS` wide or high
    (attribute or inline style), or named so in its class or source."""
    sizes = [(img.get("width") or ""), (img.get("height") or "")]
    sizes += [m.group(2) for m in _PIXELS.finditer(img.get("style") or "")]
    for size in sizes:
        size = size.strip().removesuffix("px")
        if size.isdigit() and int(size) <= ICON_PIXELS:
            return True
    names = f"{img.get('class') or ''} {img.get('src') or ''}"
    return _ICON_NAME.search(names) is not None


def _is_link(element: Any) -> bool:
    return element.tag.lower() == "a" or any(True for _ in element.iter("a"))


def survival(
    structure: dict[str, list[Any]], title: str, sections: Iterable[Any], rendered: Rendered
) -> dict[str, dict[str, Any]]:
    """Per kind: how many of the page's elements survive in the article, and the lost ones.

    A heading survives as a section title (or the article's title); a ``<pre>`` when its first
    line is a line of a code block; a quote when its first sentence is inside quote blocks; an
    image alt when its text shows anywhere.
    """
    titles = {squash(s.title) for s in sections} | {squash(title)}
    titles.discard("")
    checks = {
        "headings": lambda texts: any(squash(t) in titles for t in texts),
        "code": lambda line: line in rendered.code_lines,
        "quotes": lambda sentence: squash(sentence) in rendered.quotes,
        "image alts": lambda alt: squash(alt) in rendered.squashed,
    }
    result: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        items = structure.get(kind, [])
        lost = [item for item in items if not checks[kind](item)]
        result[kind] = {
            "found": len(items) - len(lost),
            "total": len(items),
            "lost": [item[0] if isinstance(item, list) else item for item in lost][:20],
        }
    return result
