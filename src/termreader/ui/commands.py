"""Command palette providers: open any library article by title."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from termreader.models import Article
from termreader.text.sanitize import clean_line
from termreader.ui.main_screen import MainScreen, main_screen_of

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


def read(screen: MainScreen, article_id: str) -> None:
    """Open an article for reading (what choosing it in the palette does)."""
    screen.open_article(article_id)
    screen.reader.focus()


class ArticleCommands(Provider):
    """``Open: <title>`` for every article of the main screen's listing; fuzzy matched on title
    and source. The main screen is found in the app's screen stack (the palette may be opened
    over another screen)."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        screen = main_screen_of(self.app)
        if screen is None:
            return
        found = 0
        for article in screen.articles:
            label = label_of(article)
            score = matcher.match(label)
            if score <= 0:
                continue
            yield Hit(
                score,
                highlight(matcher, label),
                partial(read, screen, article.id),
                text=label,
                help=help_of(article),
            )
            found += 1
            if found >= MAX_HITS:
                return

    async def discover(self) -> Hits:
        screen = main_screen_of(self.app)
        if screen is None:
            return
        for article in screen.articles[:10]:
            label = label_of(article)
            yield DiscoveryHit(
                Content(label),
                partial(read, screen, article.id),
                text=label,
                help=help_of(article),
            )
