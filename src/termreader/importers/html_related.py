"""The related-links block of an HTML page: article links listed under a "Related"/"相关新闻" label."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from lxml import etree

from termreader.importers.common import (
    MAX_RELATED,
    RELATED_LABELS,
    is_related_label,
    label_pattern,
)
from termreader.importers.html_tree import HEADINGS, SKIP_TEXT, text_of
from termreader.models import Related
from termreader.text.outline import names_itself

# Labels a page uses for a block of other articles beyond the shared list (which the plain-text
# and Markdown importers also use, where a bare "推荐" line would be too loose).
_EXTRA_LABELS = (
    "推荐",
    "相关",
    "为你推荐",
    "精彩推荐",
    "编辑推荐",
    "recommended",
    "recommended for you",
    "read next",
    "more from this section",
)
_LABEL_RE = label_pattern((*RELATED_LABELS, *_EXTRA_LABELS))
# The labels no other label is part of: a page without any of them has no labelled block. A
# substring test per label is far quicker than one regex alternation over the page's text.
_ANYWHERE = tuple(
    sorted(
        {
            label.lower()
            for label in (*RELATED_LABELS, *_EXTRA_LABELS)
            if not any(o.lower() in label.lower() and o != label for o in RELATED_LABELS)
            and not any(o.lower() in label.lower() and o != label for o in _EXTRA_LABELS)
        }
    )
)


def _is_label(text: str) -> bool:
    return is_related_label(text, _LABEL_RE)


def _text_sample(tree: Any) -> str:
    body = tree.find("body")
    try:
        return str(
            etree.tostring(body if body is not None else tree, method="text", encoding="unicode")
        )
    except (ValueError, TypeError):
        return ""


def related_blocks(tree: Any, base: str, title: str = "", url: str = "") -> list[Related]:
    """Article links listed under a "相关新闻"/"Related"/"See also" label, in page order.

    Only links that read as other articles are kept: never the page itself (``base`` or ``url``,
    its canonical address, with another query; or ``title`` with or without the site name), never site chrome (about, login, language
    versions, comment pages), never a list of one-word channel links. A title cut short
    ("…") gives way to its full form.
    """
    related: list[Related] = []
    own = _Own((base, url), title)
    sample = _text_sample(tree).lower()
    present = [label for label in _ANYWHERE if label in sample]
    if not present:
        return _merge_truncated(_list_after_body(tree, base, own))
    seen_containers: set[int] = set()
    for text, label in _short_texts(tree, present):
        if len(related) >= MAX_RELATED:
            break
        if not _is_label(text) or label.tag in SKIP_TEXT:
            continue
        if label.tag == "a" or any(a.tag == "a" for a in label.iterancestors()):
            continue  # a navigation link named "Related" is not a block
        container = _links_after(label)
        if container is None or id(container) in seen_containers:
            continue
        seen_containers.add(id(container))
        related.extend(_block_entries(container, base, own))
        del related[MAX_RELATED:]
    if not related:
        related = _list_after_body(tree, base, own)
    return _merge_truncated(related)


def _short_texts(tree: Any, words: list[str]) -> Iterator[tuple[str, Any]]:
    """Each text run under ``<body>`` of under 40 characters (spaces folded) holding one of
    ``words`` (lower-case), in document order, with the element that holds it (for a tail, the
    element it follows, as lxml's text nodes say).

    The filter runs inside the XPath engine: a Python test per text run of the page cost more
    than the rest of the related search."""
    upper = "".join(
        sorted({c.upper() for w in words for c in w if len(c.upper()) == 1} - set("".join(words)))
    )
    lower = "".join(c.lower() for c in upper)
    tests = " or ".join(f"contains(translate(., $up, $low), $w{i})" for i in range(len(words)))
    query = f"//body//text()[string-length(normalize-space()) < 40][{tests}]"
    found = tree.xpath(query, up=upper, low=lower, **{f"w{i}": w for i, w in enumerate(words)})
    for text in found:
        owner = text.getparent()
        if owner is not None:
            yield str(text), owner


_MAX_PARAGRAPHS = 5000


def _list_after_body(tree: Any, base: str, own: _Own) -> list[Related]:
    """An unlabelled list of article links right after the article's text, or nothing.

    The body is the element holding the most paragraph text; the first element after it that
    holds links decides: a list of at least three article links with headline-sized titles
    (and little else) is the related block, anything else (a share bar, a comment form) ends
    the search.
    """
    weight: dict[Any, int] = {}
    for count, paragraph in enumerate(tree.iter("p")):
        if count >= _MAX_PARAGRAPHS:
            break
        parent = paragraph.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(text_of(paragraph))
    if not weight:
        return []
    body, size = max(weight.items(), key=lambda item: item[1])
    if size < 200:
        return []
    for sibling in _elements_after(body, levels=3):
        anchors = sibling.xpath(".//a[@href]")
        if anchors:
            entries = _block_entries(sibling, base, own)
            addresses = {(a.get("href") or "").strip() for a in anchors}
            linked = sum(len(text_of(a)) for a in anchors)
            listed = linked * 5 >= len(text_of(sibling)) * 3  # links, not prose
            if listed and len(entries) >= 3 and len(entries) * 5 >= len(addresses) * 4:
                return entries
            return []
        if text_of(sibling):
            return []  # text between the body and the list: not right after it
    return []


def _elements_after(
    node: Any, levels: int, climb: Callable[[Any, Any], bool] = lambda node, parent: True
) -> Iterator[Any]:
    """The elements that follow ``node``: its next three siblings, then (while ``climb`` allows)
    its parent's, up to ``levels`` levels up, never past ``<body>``. Comments and elements with
    no readable text (scripts, styles) are passed over but count among the three."""
    for _ in range(levels):
        sibling = node.getnext()
        hops = 0
        while sibling is not None and hops < 3:
            if isinstance(sibling.tag, str) and sibling.tag not in SKIP_TEXT:
                yield sibling
            sibling = sibling.getnext()
            hops += 1
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html") or not climb(node, parent):
            return
        node = parent


def _block_entries(container: Any, base: str, own: _Own) -> list[Related]:
    """The article links of one block, or none when the block is a navigation or tag list."""
    site = _site(base)
    links: list[tuple[str, str]] = []  # (title, absolute address) of the links to pages
    for anchor in _item_links(container):
        href = (anchor.get("href") or "").strip()
        if not href or href.startswith("#") or _hidden(anchor, container):
            continue
        try:
            absolute = urljoin(base, href) if base else href
        except ValueError:
            continue
        if _article_url(absolute, site):
            links.append((text_of(anchor), absolute))
    # Channel navigation and tag clouds: mostly one-word links to pages. A block whose
    # addresses mostly carry no headline-sized text is not a related block at all.
    longest: dict[str, str] = {}
    for link_title, absolute in links:
        if not _generic_link(link_title) and len(link_title) >= len(longest.get(absolute, "")):
            longest[absolute] = link_title
    short = sum(1 for t in longest.values() if not _long_enough(t))
    if len(longest) >= 4 and short * 5 >= len(longest) * 3:
        return []
    entries: list[Related] = []
    for link_title, absolute in links:
        if not _long_enough(link_title) or _generic_link(link_title):
            continue
        if _chrome_title(link_title) or own.is_self(absolute, link_title):
            continue
        entries.append(Related(title=link_title, url=absolute))
        if len(entries) >= MAX_RELATED:
            break
    return entries


# --- the page itself ---------------------------------------------------------------------------
def _url_key(url: str) -> str:
    """An address for comparison: no scheme, "www.", fragment or trailing slash, and no query
    unless the query names the story (a numeric id: ``landing?nid=news_9653646731``)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    host = parts.netloc.lower().removeprefix("www.")
    query = f"?{parts.query}" if _NUMBER.search(parts.query) else ""
    return f"{host}{parts.path.rstrip('/')}{query}"


class _Own:
    """The page's own address and title, to keep the page out of its own related list."""

    def __init__(self, urls: tuple[str, ...], title: str) -> None:
        self.urls = {_url_key(url) for url in urls if url}
        self.own_title = title

    def is_self(self, url: str, title: str) -> bool:
        if _url_key(url) in self.urls:
            return True
        # The headline, or it with the site name cut off or added ("标题_新浪财经", "Title | Site").
        return names_itself(title, self.own_title)


# --- titles ------------------------------------------------------------------------------------
_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# A headline weighs at least this much: each CJK character counts 1, each other word 2. CJK
# headlines run 8-30 characters while channel names, column names and people's names run 2-5; a
# Latin headline has three words or more while tags, names and share buttons have one or two
# ("Ben Popper", "Twitter"). A See-also entry of one or two words is lost with them: it reads
# the same as a tag or a section link, and chrome in the related list costs the reader more.
_MIN_TITLE_WEIGHT = 6


def _weight(title: str) -> int:
    cjk = len(_CJK_CHAR.findall(title))
    words = sum(1 for word in _WORD.findall(_CJK_CHAR.sub(" ", title)))
    return cjk + 2 * words


def _long_enough(title: str) -> bool:
    return _weight(title) >= _MIN_TITLE_WEIGHT


_GENERIC_LINK = frozenset(
    {
        "详细",
        "详情",
        "更多",
        "全文",
        "查看更多",
        "阅读全文",
        "more",
        "read more",
        "details",
        "continue reading",
        "weiterlesen",
        "mehr",
    }
)


def _generic_link(title: str) -> bool:
    """Link texts that name no article ("【详细】", "+更多", "Read more »")."""
    core = title.strip(" +»›>…<«‹[]【】()（）.:：").lower()
    return len(core) < 2 or core in _GENERIC_LINK


# Link texts of site chrome: account, company, language and app links. Each phrase is one a
# headline does not start with ("Privacy rules tighten", "注册制改革" and "Contact tracing
# app" are news), or a language name standing alone ("SINA English", "中文版").
_CHROME_TITLE = re.compile(
    r"^\s*(?:about\s+(?:us\b|\w+$)|contact\s+us|log\s*(?:in|out)\b|sign\s*(?:in|up|out)\b"
    r"|register\s+(?:now|here|today|for\s+free)|subscribe\s+(?:to|now|here)|get\s+the\s+app"
    r"|download\s+(?:the|our)\s+app|follow\s+us|privacy\s+(?:policy|notice|settings)"
    r"|terms\s+of\s+(?:use|service)|cookie\s+(?:policy|settings)|advertise\s+with\s+us"
    r"|关于我们|联系我们|免费注册|立即注册|通行证|客户端|意见反馈|网站地图|广告服务|招聘信息"
    r"|隐私(?:政策|条款|声明)|版权(?:声明|所有)|违法和不良信息举报|下载\S{0,8}(?:app|客户端))"
    r"|^\s*(?:\w+\s+)?(?:english|中文|简体中文|繁體中文|繁体中文|日本語|한국어|deutsch|français"
    r"|español)(?:\s+(?:version|edition|site)\b.*|版)?\s*$"
    r"|(?:注册|登录|登陆|客户端|app\s*下载|下载\s*app)\s*$",
    re.IGNORECASE,
)


def _chrome_title(title: str) -> bool:
    return bool(_CHROME_TITLE.search(title))


def _stem(title: str) -> str:
    """The title without a trailing ellipsis ("…", "...", "。。。"), or "" when it has none."""
    stripped = re.sub(r"(?:…+|\.{2,}|。{2,}|·{3,})\s*$", "", title).rstrip()
    return stripped if stripped != title.rstrip() else ""


def _merge_truncated(entries: list[Related]) -> list[Related]:
    """One entry per story: a title cut short ("Title…") gives way to its full form, which
    takes the earlier place, and a second link to the same address (a teaser under the
    headline) is dropped. Exact repeats stay for ``collapse_related`` to count."""
    out: list[Related] = []
    keys: list[tuple[str, str]] = []  # (address key, title without ellipsis) of each kept entry
    for entry in entries:
        url = _url_key(entry.url or "")
        cut = _stem(entry.title)
        stem = cut or entry.title
        place = -1
        for index, (kept_url, kept_stem) in enumerate(keys):
            kept = out[index]
            if kept.title == entry.title:
                continue
            same_url = kept_url == url
            if same_url or (cut and _starts(kept.title, stem)):
                place = index  # a cut form or a second text of a kept story
                if _starts(entry.title, kept_stem):
                    out[index] = Related(title=entry.title, url=entry.url)
                    keys[index] = (url, entry.title)
                break
            if _stem(kept.title) and _starts(entry.title, kept_stem):
                out[index] = Related(title=entry.title, url=entry.url)
                keys[index] = (url, entry.title)
                place = index
                break
        if place < 0:
            out.append(entry)
            keys.append((url, stem))
    return out


def _starts(full: str, stem: str) -> bool:
    """True when the longer title ``full`` begins with ``stem``, itself long enough to tell."""
    return len(stem) < len(full) and full.startswith(stem) and _long_enough(stem)


# --- addresses ---------------------------------------------------------------------------------
_TWO_PART_SUFFIX = frozenset({"com", "net", "org", "gov", "edu", "co", "ac", "or", "ne", "go"})

# Path segments (file names without extension) of pages that are no article: accounts, company
# pages, help, feeds, comment pages, author/tag/category listings, share buttons.
_CHROME_SEGMENTS = frozenset(
    """about aboutus about-us login logon logout signin sign-in signup sign-up register
    account accounts profile help faq contact contactus contact-us privacy privacy-policy
    terms tos legal copyright impressum datenschutz feedback rss feed feeds atom subscribe
    newsletter download downloads app apps comment comments share sharer intent author
    authors tag tags category categories topics search user users u member members cart
    advertise ads jobs careers sitemap""".split()
)
_CHROME_HOST = re.compile(
    r"^(?:comments?\d*|login|passport|signup|register|account|accounts|my|help|mail|auth|sso"
    r"|share|feedback|member|user)\.",
    re.IGNORECASE,
)
_LISTING_STEM = re.compile(r"^(?:index|default|home|main|list|(?:article)?list[_-]\d.*)$", re.I)
_DATE = re.compile(r"(?:19|20)\d\d[-/_]?(?:0[1-9]|1[0-2])(?:\b|[-/_]|\d|$)")
_LANGUAGE_CODE = re.compile(r"^[a-z]{2}(?:[-_][a-z]{2,4})?$", re.IGNORECASE)
_NUMBER = re.compile(r"\d{5,}")
_ARTICLE_EXT = re.compile(r"\.(?:s?html?|php|aspx?|jsp|cms)$", re.IGNORECASE)


def _site(url: str) -> str:
    """The registrable part of a host ("sina.com.cn", "bbc.co.uk", "example.org")."""
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    labels = host.split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _TWO_PART_SUFFIX:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _article_url(url: str, site: str) -> bool:
    """True when ``url`` reads as another article: not chrome, not a home or listing page, and
    either on the page's own site or clearly article-shaped (a date or a numeric id)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https", ""):
        return False  # mailto:, javascript:, tel:, data:
    if _CHROME_HOST.match(parts.netloc):
        return False
    segments = [s for s in parts.path.split("/") if s]
    if all(_LANGUAGE_CODE.match(s) for s in segments) and not _NUMBER.search(parts.query):
        return False  # a home page, or a language version of it ("/en/", "/zh-cn/")
    stems = [s.rsplit(".", 1)[0].lower() if "." in s else s.lower() for s in segments]
    if any(stem in _CHROME_SEGMENTS for stem in stems):
        return False
    if stems and _LISTING_STEM.match(stems[-1]):
        return False
    if not parts.netloc or _site(url) == site:
        return True
    dated = bool(_DATE.search(parts.path))
    numbered = bool(_NUMBER.search(parts.path) or _NUMBER.search(parts.query))
    return dated or numbered


# --- blocks ------------------------------------------------------------------------------------
def _hidden(element: Any, stop: Any) -> bool:
    """True inside an element hidden from the reader (SEO copies of lists are)."""
    node = element
    while node is not None:
        style = (node.get("style") or "").replace(" ", "").lower()
        if "display:none" in style or node.get("hidden") is not None:
            return True
        if node is stop:
            return False
        node = node.getparent()
    return False


def _item_links(container: Any) -> list[Any]:
    """One link per list item or card (its longest-titled one), else every link.

    Related cards often carry a category and an author link beside the story's own link.
    """
    items = [
        item
        for item in container.iter("li", "article")
        if not any(a.tag in ("li", "article") for a in item.iterancestors() if a is not container)
        or item.getparent() is container
    ]
    if not items:
        return [a for a in container.iter("a") if a.get("href")]
    chosen = []
    for item in items:
        anchors = [a for a in item.iter("a") if a.get("href")]
        if anchors:
            chosen.append(max(anchors, key=lambda a: len(text_of(a))))
    return chosen


def _links_after(label: Any) -> Any:
    """The element holding the links that follow a related label (up to 4 levels up)."""
    # The label and its links may share a container: <div><h3>相关</h3><ul>…</ul></div>, so
    # the search climbs while the label heads its container.
    for sibling in _elements_after(label, levels=4, climb=_heads):
        if sibling.tag in HEADINGS:
            return None
        if sibling.xpath(".//a[@href]"):
            return sibling
    return None


def _heads(node: Any, parent: Any) -> bool:
    """True when ``node`` comes first in ``parent``'s visible text: it labels what follows.

    A label deep inside other text (a "推荐" vote button under the article) labels nothing
    that a climb to the enclosing container would find.
    """
    if (parent.text or "").strip():
        return False
    for sibling in node.itersiblings(preceding=True):
        if isinstance(sibling.tag, str) and sibling.tag not in SKIP_TEXT and text_of(sibling):
            return False
        if (sibling.tail or "").strip():
            return False
    return True
