"""Command palette providers: open any library article by title."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.command import DiscoveryHit, Hit, Hits, Provider

if TYPE_CHECKING:
    from termreader.ui.app import TermreaderApp

MAX_HITS = 50
"""At most this many articles are offered per query (the palette stays quick on big libraries)."""


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
            label = f"Open: {article.title}"
            score = matcher.match(label)
            if score <= 0:
                continue
            yield Hit(
                score,
                matcher.highlight(label),
                partial(self._app.open_article, article.id),
                text=label,
                help=article.source or None,
            )
            found += 1
            if found >= MAX_HITS:
                return

    async def discover(self) -> Hits:
        for article in self._app.articles()[:10]:
            label = f"Open: {article.title}"
            yield DiscoveryHit(
                Text(label, no_wrap=True, overflow="ellipsis"),
                partial(self._app.open_article, article.id),
                text=label,
                help=article.source or None,
            )
