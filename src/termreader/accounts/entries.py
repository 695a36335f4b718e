"""A feed server's entry as an article, when the entry carries its full content.

The server already took the article out of its page, so its HTML is all content: it is
converted straight to Markdown (the importers' converter and article builder), without the
page extractor, whose boilerplate pass is most of a page import's time. An entry with only a
summary goes through the feed sync's path instead (the page fetched and extracted).
"""

from __future__ import annotations

from datetime import datetime

from termreader.errors import ImportFailed
from termreader.importers.common import build_article, guess_language
from termreader.importers.html_markdown import to_markdown
from termreader.models import Article, article_id
from termreader.text.sanitize import clean, clean_line


def content_article(
    html: str,
    *,
    title: str,
    link: str,
    source: str,
    published: datetime | None,
    where: str,
) -> Article:
    """The article of an entry's own HTML. ``where`` names the entry when it has no link.

    Raises:
        ImportFailed: the HTML holds no text.
    """
    import lxml.etree
    import lxml.html

    # Terminal sequences go whole before lxml parses (it would drop an ESC and keep the rest).
    text = clean(html)
    try:
        tree = lxml.html.fragment_fromstring(text, create_parent="div") if text.strip() else None
    except (lxml.etree.ParserError, ValueError) as error:
        raise ImportFailed(f"unreadable entry HTML ({clean_line(str(error))[:80]})") from None
    body = to_markdown(tree, base_url=link) if tree is not None else ""
    if not body.strip() and not title:
        raise ImportFailed("the entry holds no text")
    # The script of the first few thousand characters tells the language as well as the whole
    # text would, at a fraction of the cost on long entries.
    language = guess_language(body[:4000] or title)
    article = build_article(
        body=body,
        title=title,
        kind="html",
        url=link,
        source=source,
        published=published,
        language=language,
    )
    if not link:
        article.id = article_id(where)
    return article
