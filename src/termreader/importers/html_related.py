"""The related-links block of an HTML page: links listed under a "Related"/"相关新闻" label."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from lxml import etree

from termreader.importers.common import MAX_RELATED, RELATED_LABELS, is_related_label
from termreader.importers.html_tree import HEADINGS, SKIP_TEXT, text_of
from termreader.models import Related

_RELATED_ANYWHERE = re.compile(
    "|".join(re.escape(label) for label in RELATED_LABELS), re.IGNORECASE
)


def _text_sample(tree: Any) -> str:
    body = tree.find("body")
    try:
        return str(
            etree.tostring(body if body is not None else tree, method="text", encoding="unicode")
        )
    except (ValueError, TypeError):
        return ""


def related_blocks(tree: Any, base: str) -> list[Related]:
    """Links listed under a "相关新闻"/"Related"/"See also" label, in page order."""
    related: list[Related] = []
    seen_containers: set[int] = set()
    if not _RELATED_ANYWHERE.search(_text_sample(tree)):
        return related
    for text in tree.xpath("//body//text()[string-length(normalize-space()) < 40]"):
        if len(related) >= MAX_RELATED:
            break
        if not is_related_label(str(text)):
            continue
        label = text.getparent()
        if label is None or label.tag in SKIP_TEXT:
            continue
        if any(a.tag == "a" for a in label.iterancestors()) or label.tag == "a":
            continue  # a navigation link named "Related" is not a block
        container = _links_after(label)
        if container is None or id(container) in seen_containers:
            continue
        seen_containers.add(id(container))
        for anchor in _item_links(container):
            href = (anchor.get("href") or "").strip()
            title = text_of(anchor)
            if not href or href.startswith(("#", "javascript:")) or _generic_link(title):
                continue
            try:
                absolute = urljoin(base, href) if base else href
            except ValueError:
                continue
            related.append(Related(title=title, url=absolute))
            if len(related) >= MAX_RELATED:
                break
    return related


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
        return list(container.iter("a"))
    chosen = []
    for item in items:
        anchors = [a for a in item.iter("a") if a.get("href")]
        if anchors:
            chosen.append(max(anchors, key=lambda a: len(text_of(a))))
    return chosen


def _links_after(label: Any) -> Any:
    """The element holding the links that follow a related label (up to 4 levels up)."""
    node = label
    for _ in range(4):
        sibling = node.getnext()
        hops = 0
        while sibling is not None and hops < 3:
            if isinstance(sibling.tag, str) and sibling.tag not in SKIP_TEXT:
                if sibling.tag in HEADINGS:
                    return None
                if len(sibling.xpath(".//a[@href]")) >= 1:
                    return sibling
            sibling = sibling.getnext()
            hops += 1
        parent = node.getparent()
        if parent is None or parent.tag in ("body", "html"):
            return None
        # The label and its links may share a container: <div><h3>相关</h3><ul>…</ul></div>.
        node = parent
    return None
