"""Where a page's main content sits in its own tree: an extractor's text mapped back onto the
DOM, and the clutter a reader never wants cut out of that subtree.

Extractors (trafilatura, readability) are good at *finding* the article but rebuild it in their
own simplified markup, losing headings, code, quotes and images on the way. So their output is
used only as evidence: every element of the original tree gets the share of its text that the
extractor kept (3-token shingles, one linear pass, CJK counted per character), the article is
the smallest element holding most of that text, and the original subtree is what gets
converted after its clutter (share bars, comment sections, navigation lists, skip and edit
links, "load more" buttons, cookie notes) is cut out by general rules.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import compress
from typing import Any

from lxml import etree

from termreader.importers.html_tree import SKIP_TEXT

_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")

#: The article is the smallest element holding this share of the extractor's text.
COVER = 0.85
#: A widget this small (in tokens, and a tenth of the article at most) goes when its class
#: says clutter, even if the extractor kept its text.
SMALL_WIDGET = 40
#: An extraction with fewer tokens than this asks for a second opinion.
FEW_TOKENS = 150

# Elements a reader never wants inside an article, unless the extractor kept their text.
_CLUTTER_TAGS = frozenset(
    {
        "nav",
        "aside",
        "footer",
        "form",
        "button",
        "select",
        "input",
        "textarea",
        "iframe",
        "dialog",
        "menu",
        "object",
        "embed",
    }
)
_CLUTTER_ROLES = frozenset(
    {
        "navigation",
        "banner",
        "contentinfo",
        "complementary",
        "search",
        "menu",
        "menubar",
        "toolbar",
        "dialog",
        "alertdialog",
        "button",
    }
)
# Words of class and id names that mark page furniture (readability's "unlikely candidates",
# plus the Chinese portals' share/comment/recommend widgets).
_CLUTTER_WORDS = frozenset(
    {
        "share",
        "sharing",
        "shares",
        "social",
        "sns",
        "comment",
        "comments",
        "disqus",
        "respond",
        "replies",
        "related",
        "recommend",
        "recommended",
        "recommends",
        "recommendation",
        "recommendations",
        "recirculation",
        "newsletter",
        "subscribe",
        "subscription",
        "signup",
        "cookie",
        "cookies",
        "consent",
        "gdpr",
        "breadcrumb",
        "breadcrumbs",
        "crumbs",
        "sidebar",
        "navbar",
        "nav",
        "navigation",
        "menu",
        "footer",
        "pagination",
        "pager",
        "skip",
        "skiplink",
        "jump",
        "advert",
        "advertisement",
        "ads",
        "ad",
        "adsbygoogle",
        "sponsor",
        "sponsored",
        "promo",
        "popup",
        "modal",
        "toolbar",
        "editsection",
        "loadmore",
        "outbrain",
        "taboola",
        "tags",
        "taglist",
        "author",
        "authors",
        "autor",
        "byline",
        "cta",
        "hidden",
        "noprint",
        "print",
    }
)
# Longer words also mark a compound name ("sharebar", "commentlist", "relatedposts").
_CLUTTER_PREFIXES = tuple(w for w in _CLUTTER_WORDS if len(w) >= 6 and w not in ("hidden",))
_NAME_SPLIT = re.compile(r"[^a-z0-9]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# Whole texts of small elements that are controls, not content.
_CLUTTER_TEXT = re.compile(
    r"^(?:(?:jump|skip) to\b.*|(?:load|show|view|see|read) more\b.*|more (?:news|stories|articles)"
    r"|\[?(?:edit|编辑|編集|modifier|bearbeiten|editar|редактировать)(?: source)?\]?"
    r"|(?:share|tweet|share this(?: article| story| page)?|分享到?.{0,6})"
    r"|(?:点击|點擊)?(?:加载|載入|加載|查看|显示|顯示|展开|展開)(?:更多|全部|全文).{0,6}"
    r"|(?:返回顶部|返回首页|回到顶部|back to top|top)|[¶#§]|\^)$",
    re.IGNORECASE,
)
_DISPLAY_NONE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Containers whose class or id says "the article body".
_ARTICLE_NAME = re.compile(
    r"(?:^|[\s_-])(?:post|entry|article|story|blog|main|page|news|text|rich)[-_]?"
    r"(?:content|body|text|container|detail|main|inner)(?:$|[\s_-])|^(?:content|article|main)$",
    re.IGNORECASE,
)
_LINK_DENSE_TAGS = frozenset({"div", "ul", "ol", "section", "table", "dl", "p", "span", "header"})
_KEEP_INSIDE = ("pre", "blockquote", "math", "table", "code")


def tokens(text: str) -> list[str]:
    """Words (and single CJK characters) of ``text``, lower-cased."""
    return _TOKEN.findall(text.lower())


def _name_words(element: Any) -> set[str]:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    if not names.strip():
        return set()
    return set(_NAME_SPLIT.split(_CAMEL.sub(" ", names).lower())) - {""}


@dataclass(slots=True)
class Cleaned:
    """What :meth:`TextIndex.clean` cut: tokens overall and tokens the extractor had kept."""

    total: int = 0
    matched: int = 0


class TextIndex:
    """Token counts of every element of a tree, built in one pass over its text.

    ``total[i]``, ``links[i]`` and ``size[i]`` count the tokens, the tokens inside links and the
    elements of the subtree of ``elements[i]`` (pre-order, so a subtree is a contiguous range).
    """

    def __init__(self, root: Any) -> None:
        self.root = root
        self.elements: list[Any] = []
        self.position: dict[Any, int] = {}
        self.parent: list[int] = []
        self.total: list[int] = []
        self.links: list[int] = []
        self._tokens: list[str] = []
        self._owner: list[int] = []
        self._build(root)
        self.size = self._sums([1] * len(self.elements))
        self.total = self._sums(self.total)
        self.links = self._sums(self.links)

    def _emit(self, text: str, owner: int, linked: bool) -> None:
        found = _TOKEN.findall(text.lower())
        if found:
            self._tokens.extend(found)
            self._owner.extend([owner] * len(found))
            self.total[owner] += len(found)
            if linked:
                self.links[owner] += len(found)

    def _build(self, root: Any) -> None:
        # Kinds on the stack: 0 plain, 1 hides its text (script, style...), 2 a link.
        stack: list[tuple[int, int]] = []
        hidden = 0
        linked = 0
        for event, element in etree.iterwalk(root, events=("start", "end")):
            tag = element.tag
            if not isinstance(tag, str):
                if event == "end" and element.tail and stack and not hidden:
                    self._emit(element.tail, stack[-1][0], linked > 0)
                continue
            if event == "start":
                index = len(self.elements)
                self.elements.append(element)
                self.position[element] = index
                self.parent.append(stack[-1][0] if stack else -1)
                self.total.append(0)
                self.links.append(0)
                kind = 0
                if not hidden and tag in SKIP_TEXT:
                    kind, hidden = 1, hidden + 1
                elif tag == "a":
                    kind, linked = 2, linked + 1
                stack.append((index, kind))
                if element.text and not hidden:
                    self._emit(element.text, index, linked > 0)
            else:
                _, kind = stack.pop()
                if kind == 1:
                    hidden -= 1
                elif kind == 2:
                    linked -= 1
                if element.tail and stack and not hidden:
                    self._emit(element.tail, stack[-1][0], linked > 0)

    def _sums(self, own: list[int]) -> list[int]:
        """Per-element counts summed over each subtree (children come after their parent)."""
        sums = list(own)
        parent = self.parent
        for index in range(len(sums) - 1, 0, -1):
            up = parent[index]
            if up >= 0:
                sums[up] += sums[index]
        return sums

    def match(self, text: str) -> list[int]:
        """Per element, how many of its tokens lie in a 3-token run that ``text`` also has."""
        want = tokens(text)
        grams = set(zip(want, want[1:], want[2:], strict=False))
        have = self._tokens
        starts = [gram in grams for gram in zip(have, have[1:], have[2:], strict=False)]
        # A token is matched when a matched run starts on it or on one of the two before it.
        flags = [
            a or b or c
            for a, b, c in zip(
                starts + [False, False],
                [False] + starts + [False],
                [False, False] + starts,
                strict=False,
            )
        ]
        own = [0] * len(self.elements)
        for owner, count in Counter(compress(self._owner, flags)).items():
            own[owner] = count
        return self._sums(own)

    def locate(self, matched: list[int], start: Any) -> int | None:
        """The index of the smallest element under ``start`` holding :data:`COVER` of the
        matched text (None when nothing under it matched)."""
        top = self.position.get(start)
        if top is None or matched[top] <= 0:
            return None
        need = COVER * matched[top]
        node = top
        while True:
            for child in self.elements[node]:
                index = self.position.get(child)
                if index is not None and matched[index] >= need:
                    node = index
                    break
            else:
                break
        return node

    def contains(self, outer: int, inner: int) -> bool:
        """Whether ``elements[inner]`` is ``elements[outer]`` or inside it."""
        return outer <= inner < outer + self.size[outer]

    def looks_partial(self, node: int) -> bool:
        """Whether the parent of ``elements[node]`` holds far more running text (not links)
        than it: the extractor may have taken one block of an article split in several."""
        up = self.parent[node]
        if up < 0:
            return False
        own = self.total[node] - self.links[node]
        return (self.total[up] - self.links[up]) - own >= 2 * max(own, FEW_TOKENS)

    def widen(self, node: int, matched: list[int]) -> int:
        """Climb from ``elements[node]`` to a parent that holds more of the extractor's text
        (a lead paragraph beside the body) for not much else, or to a named article container
        (``<article>``, ``itemprop=articleBody``, ``.entry-content``) around it."""
        best = node
        current = node
        for _ in range(4):
            up = self.parent[current]
            if up < 0 or self.elements[up].tag in ("body", "html"):
                break
            gained = matched[up] - matched[best]
            # Link text (navigation, related lists) does not count: the clean-up cuts it.
            extra = self._loose(up, matched) - self._loose(best, matched)
            if (gained > 0 and extra <= 3 * gained) or (
                _is_article_container(self.elements[up]) and extra <= self.total[best] // 2
            ):
                best = up
            current = up
        return best

    def _loose(self, index: int, matched: list[int]) -> int:
        """Running text of ``elements[index]`` that the extractor did not keep."""
        return max(0, self.total[index] - self.links[index] - matched[index])

    def clean(self, node: int, matched: list[int], core: int) -> Cleaned:
        """Cut the clutter out of the subtree of ``elements[node]`` (the tree is changed).

        Around ``core`` (the element :meth:`locate` found, when :meth:`widen` climbed above
        it) only what holds the extractor's text, code or quotes stays: the widening was
        for a lead paragraph, not for the picture credits and legends beside it.
        """
        cut = Cleaned()
        doomed: list[Any] = []
        small = min(SMALL_WIDGET, self.total[node] // 10)
        index = node + 1
        end = node + self.size[node]
        while index < end:
            if self.contains(index, core) and index != core:
                index += 1  # what leads down to the article stays, its other children are judged
                continue
            outside = not self.contains(core, index)
            if (
                outside and matched[index] == 0 and not _holds_code_or_quote(self.elements[index])
            ) or self._is_clutter(index, matched, small):
                doomed.append(self.elements[index])
                cut.total += self.total[index]
                cut.matched += matched[index]
                index += self.size[index]
            else:
                index += 1
        for element in doomed:
            element.drop_tree()
        # The converter looks for an <article>/<main> inside what it gets: none is left.
        for element in self.elements[node].iter("article", "main"):
            if element is not self.elements[node]:
                element.tag = "div"
        return cut

    def _is_clutter(self, index: int, matched: list[int], small: int) -> bool:
        element = self.elements[index]
        tag = element.tag if isinstance(element.tag, str) else ""
        total = self.total[index]
        kept = matched[index]
        words = _name_words(element)
        hinted = bool(words) and (
            not words.isdisjoint(_CLUTTER_WORDS)
            or any(w.startswith(_CLUTTER_PREFIXES) for w in words)
        )
        if total <= small and (hinted or self._is_promo(index)):
            # Extractors keep small widgets inside the body: a "letters" call to action, a
            # "Read more: <link>" line.
            return not _holds_code_or_quote(element)
        if kept >= 5 and kept * 2 > total:
            return False  # the extractor counts it as content
        if tag in _CLUTTER_TAGS:
            return True
        if tag == "header":
            # The article's own header holds its title, byline and date (shown apart); a
            # section's header holds the section's heading.
            return not any(True for _ in element.iter("h2", "h3", "h4", "h5", "h6"))
        if (element.get("role") or "").strip().lower() in _CLUTTER_ROLES:
            return True
        if element.get("hidden") is not None or _DISPLAY_NONE.search(element.get("style") or ""):
            return element.find(".//math") is None and tag != "math"
        if hinted:
            return not _holds_code_or_quote(element) or kept == 0 and total < 30
        if total and tag in _LINK_DENSE_TAGS and self.links[index] * 2 > total:
            return not _holds_code_or_quote(element)
        if 0 < total <= 8:
            text = " ".join(element.text_content().split())
            return bool(_CLUTTER_TEXT.match(text))
        return False

    def _is_promo(self, index: int) -> bool:
        """A paragraph that is a label and a link to another article ("Read more: <link>")."""
        element = self.elements[index]
        if element.tag not in ("p", "div", "li") or self.links[index] * 5 < self.total[index] * 3:
            return False
        label = element.text or ""
        for child in element.iter():
            if child.tag == "a":
                break
            if child is not element:
                label += (child.text or "") + (child.tail or "")
        label = label.strip()
        return label.endswith((":", "：", "»", "→")) and 0 < len(tokens(label)) <= 6


def _holds_code_or_quote(element: Any) -> bool:
    return any(True for _ in element.iter(*_KEEP_INSIDE))


def _is_article_container(element: Any) -> bool:
    if element.tag == "article":
        return True
    if (element.get("itemprop") or "").lower() in ("articlebody", "text"):
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    return bool(names) and _ARTICLE_NAME.search(names) is not None
