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
from dataclasses import dataclass
from itertools import accumulate, chain
from operator import itemgetter
from typing import Any

from lxml import etree

from termreader.importers.html_tree import SKIP_TEXT, lead_image

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
        "meta",
        "hot",
        "popular",
        "trending",
        "cta",
        "noprint",
    }
)
# Longer words also mark a compound name ("sharebar", "commentlist", "relatedposts").
_CLUTTER_PREFIXES = tuple(w for w in _CLUTTER_WORDS if len(w) >= 6)
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
# Headings of widgets beside an article.
_WIDGET_TITLE = re.compile(
    r"^(?:related|recommended|more (?:from|on|in|stories|news|articles)|most (?:read|popular|viewed)"
    r"|popular|trending|you (?:may|might) also like|read next|also read"
    r"|(?:相关|延伸|推荐|热门|热点|精彩|编辑)(?:阅读|新闻|文章|推荐|链接|报道|资讯|视频)"
    r"|猜你喜欢|大家都在看|排行榜"
    r"|(?:\d+\s*)?(?:comments?\b|条?评论|条?跟贴)|leave a (?:reply|comment)|网友评论)",
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
        self.elements: list[Any] = list(root.iter(etree.Element))
        self.position: dict[Any, int] = {e: i for i, e in enumerate(self.elements)}
        self.parent: list[int] = [self.position.get(e.getparent(), -1) for e in self.elements]
        if self.parent:
            self.parent[0] = -1
        self.size = self._sums([1] * len(self.elements))
        self._tokens: list[str] = []
        self._bounds: list[int] = [0]
        self._owners: list[int] = []
        own_total, own_links = self._build()
        self.total = self._sums(own_total)
        self.links = self._sums(own_links)

    def _build(self) -> tuple[list[int], list[int]]:
        """Tokenize the visible text in document order; per element, its own token counts."""
        count = len(self.elements)
        parent, size = self.parent, self.size
        hidden = [False] * count
        linked = [False] * count
        # Text chunks keyed by document order: an element's text at its place in the
        # pre-order, its tail after its subtree (inner tails before outer ones).
        keyed: list[tuple[tuple[int, int, int], str, int]] = []
        add = keyed.append
        for index, (element, up) in enumerate(zip(self.elements, parent, strict=True)):
            tag = element.tag
            if up >= 0:
                hide = hidden[index] = hidden[up] or tag in SKIP_TEXT
                linked[index] = linked[up] or tag == "a"
                tail = element.tail
                if tail and not hidden[up]:
                    add(((index + size[index], 0, -index), tail, up))
            else:
                hide = hidden[index] = tag in SKIP_TEXT
                linked[index] = tag == "a"
            if not hide:
                text = element.text
                if text:
                    add(((index, 1, 0), text, index))
        keyed.sort(key=itemgetter(0))
        texts = [chunk for _, chunk, _ in keyed]
        lowered = "\x00".join(texts).lower().split("\x00")
        if len(lowered) != len(texts):
            lowered = [chunk.lower() for chunk in texts]
        found = list(map(_TOKEN.findall, lowered))
        counts = list(map(len, found))
        self._tokens = list(chain.from_iterable(found))
        self._bounds = list(accumulate(counts, initial=0))
        self._owners = [owner for _, _, owner in keyed]
        own_total = [0] * count
        own_links = [0] * count
        for owner, number in zip(self._owners, counts, strict=True):
            own_total[owner] += number
            if linked[owner]:
                own_links[owner] += number
        return own_total, own_links

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
        done = list(accumulate(flags, initial=0))
        bounds = self._bounds
        own = [0] * len(self.elements)
        for chunk, owner in enumerate(self._owners):
            own[owner] += done[bounds[chunk + 1]] - done[bounds[chunk]]
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
        minor = matched[node] // 4
        titled = self._titled_widgets(node, matched, core, minor)
        index = node + 1
        end = node + self.size[node]
        while index < end:
            if self.contains(index, core) and index != core:
                index += 1  # what leads down to the article stays, its other children are judged
                continue
            outside = not self.contains(core, index)
            loose = outside and matched[index] == 0
            picture = loose and index < core and self._is_lead_image(index)
            if (
                (loose and not picture and not _holds_code_or_quote(self.elements[index]))
                or index in titled
                or self._is_clutter(index, matched, small, minor)
            ):
                doomed.append(self.elements[index])
                cut.total += self.total[index]
                cut.matched += matched[index]
                index += self.size[index]
            elif self.elements[index].tag in ("pre", "code"):
                # Code is shown verbatim: a highlighter's <span class="comment"> or
                # <span class="meta"> is a part of it, not a comment thread or a byline.
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

    def _is_lead_image(self, index: int) -> bool:
        """A cover or lead photo before the article's text (its alt is often the title)."""
        return self.total[index] <= 20 and lead_image(self.elements[index])

    def _is_clutter(self, index: int, matched: list[int], small: int, minor: int = 0) -> bool:
        element = self.elements[index]
        tag = element.tag if isinstance(element.tag, str) else ""
        total = self.total[index]
        kept = matched[index]
        words = _name_words(element)
        hinted = bool(words) and (
            not words.isdisjoint(_CLUTTER_WORDS)
            or any(w.startswith(_CLUTTER_PREFIXES) for w in words)
        )
        if hinted and _named_pictures(words) and lead_image(element):
            hinted = False  # "related images": the article's own pictures, not a link list
        if 0 < total <= 8 and _CLUTTER_TEXT.match(" ".join(element.text_content().split())):
            return True  # a control ("Jump to navigation", "加载更多", "[edit]"), kept or not
        if total <= small and (hinted or self._is_promo(index)):
            # Extractors keep small widgets inside the body: a "letters" call to action, a
            # "Read more: <link>" line.
            return not _holds_code_or_quote(element)
        if hinted and kept < minor and not _holds_structure(element):
            # A comment thread the extractor took along: a clutter name and a small share of
            # the article's text (a content wrapper with a "share" modifier holds most of it).
            return True
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
        return False

    def _titled_widgets(self, node: int, matched: list[int], core: int, minor: int) -> set[int]:
        """Blocks under a heading such as "Related", "Most read", "推荐" or "相关阅读" that the
        extractor did not keep (the widest such block around each heading)."""
        found: set[int] = set()
        for heading in self.elements[node].iter("h2", "h3", "h4", "h5", "h6", "strong"):
            index = self.position.get(heading)
            if index is None or self.total[index] > 12:
                continue
            if not _WIDGET_TITLE.search(" ".join(heading.text_content().split())):
                continue
            best = -1
            # Up to the widest block that is not the article's: the extractor did not keep
            # it, or it holds a small share of what the extractor kept.
            while index != node and (
                2 * matched[index] <= self.total[index] or matched[index] < minor
            ):
                if self.contains(index, core):
                    break
                best = index
                index = self.parent[index]
            if best < 0 or best == self.position[heading] or self.elements[best].tag == "p":
                continue  # a heading alone is a section's, not a widget's
            found.add(best)
        return found

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


def _named_pictures(words: set[str]) -> bool:
    """Whether the only clutter word of a name is "related" (a gallery of the article's
    pictures is named so as often as a list of links to other articles)."""
    hints = {w for w in words if w in _CLUTTER_WORDS or w.startswith(_CLUTTER_PREFIXES)}
    return bool(hints) and all(w.startswith("related") for w in hints)


def _holds_structure(element: Any) -> bool:
    return any(True for _ in element.iter(*_KEEP_INSIDE, "h2", "h3", "h4", "h5", "h6"))


def _holds_code_or_quote(element: Any) -> bool:
    return any(True for _ in element.iter(*_KEEP_INSIDE))


def _is_article_container(element: Any) -> bool:
    if element.tag == "article":
        return True
    if (element.get("itemprop") or "").lower() in ("articlebody", "text"):
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    return bool(names) and _ARTICLE_NAME.search(names) is not None
