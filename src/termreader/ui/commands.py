"""Command palette providers: open any library article by title."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from termreader.text.sanitize import clean_line

if TYPE_CHECKING:
    from termreader.models import Article
    from termreader.ui.app import TermreaderApp

MAX_HITS = 50
"""At most this many articles are offered per query (the palette stays quick on big libraries)."""


def label_of(article: Article) -> str:
    """``Open: <title>``, cleaned of terminal controls (a stored title may predate cleaning)."""
    return f"Open: {clean_line(article.title) or '(untitled)'}"


def literal_markup(text: str) -> str:
    """``text`` as Textual markup that shows exactly ``text``.

    Every ``[`` is escaped. ``textual.markup.escape`` is not enough: it leaves an unclosed
    ``[@x=/`` alone, which then raises MarkupError, and it adds backslashes that show.
    """
    return text.replace("[", "\\[")


def help_of(article: Article) -> str | None:
    """The article's source as palette help text (Textual parses help as markup)."""
    source = clean_line(article.source)
    return literal_markup(source) if source else None


def highlight(matcher: Matcher, label: str) -> Content:
    """``label`` as literal content with the fuzzy-matched characters styled.

    ``Matcher.highlight`` parses its candidate as markup, so a title holding ``[/]`` would crash
    the palette and ``[@click=...]`` would become an action (issue 6); this builds the same
    highlight on plain content.
    """
    content = Content(label)
    score, offsets = matcher.fuzzy_search.match(matcher.query, label)
    if not score:
        return content
    for offset in offsets:
        if not label[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


class ArticleCommands(Provider):
    """``Open: <title>`` for every article; fuzzy matched on title and source."""

    @property
    def _app(self) -> TermreaderApp:
        return cast("TermreaderApp", self.app)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        library = self._app.library
        if library is None:
            return
        found = 0
        for article in self._app.articles():
            label = label_of(article)
            score = matcher.match(label)
            if score <= 0:
                continue
            yield Hit(
                score,
                highlight(matcher, label),
                partial(self._app.open_article, article.id),
                text=label,
                help=help_of(article),
            )
            found += 1
            if found >= MAX_HITS:
                return

    async def discover(self) -> Hits:
        for article in self._app.articles()[:10]:
            label = label_of(article)
            yield DiscoveryHit(
                Content(label),
                partial(self._app.open_article, article.id),
                text=label,
                help=help_of(article),
            )
