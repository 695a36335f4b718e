"""The one-line header above the reading pane: title, source, date and progress."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from termreader.models import Article
from termreader.text.sanitize import clean_line
from termreader.ui.article_list import date_label
from termreader.ui.cells import ellipsize

_SECTION_AT_LEAST = 4
"""Cells below which a section name (or the source) is left out rather than cut to a stub."""


class ArticleHeader(Widget):
    """Title · source · date on the left, ``section · 42% · 7 min`` on the right, truncated by
    cells."""

    DEFAULT_CSS = """
    ArticleHeader { height: 1; }
    """

    COMPONENT_CLASSES = {
        "article-header--title",
        "article-header--meta",
        "article-header--progress",
    }

    title: reactive[str] = reactive("")
    """The article title ("" when nothing is open)."""
    meta: reactive[str] = reactive("")
    """Source and publish date."""
    section: reactive[str] = reactive("")
    """The section being read."""
    percent: reactive[int] = reactive(0)
    """Reading progress, 0–100."""
    minutes: reactive[int] = reactive(0)
    """Estimated minutes to read the article (0: not known, not shown)."""
    busy: reactive[str] = reactive("")
    """A loading message that replaces the progress while something is fetched."""

    def show_article(self, article: Article | None) -> None:
        """Show ``article``'s title and metadata (or the empty state)."""
        if article is None:
            self.title, self.meta, self.section, self.percent = "termreader", "", "", 0
            self.minutes = 0
            return
        self.minutes = article.reading_minutes
        self.title = article.title or "(untitled)"
        self.meta = " · ".join(bit for bit in (article.source, date_label(article)) if bit)
        self.section = ""

    def _progress_label(self, room: int) -> str:
        """``section · 42% · 7 min`` in at most ``room`` cells (spaces around it included): the
        number always shows; the reading time goes when there is no room for it, and the section
        name is cut with ``…`` or left out."""
        number = f"{self.percent}%"
        if self.minutes and cell_len(number) + len(" · 999 min") + 2 <= room:
            number += f" · {self.minutes} min"
        section = clean_line(self.section)
        space = room - 2 - cell_len(number) - len(" · ")
        if not section or space < _SECTION_AT_LEAST:
            return number
        return f"{ellipsize(section, space)} · {number}"

    def render(self) -> Text:
        # Every field is cleaned here, where it is drawn: titles, sources, section names and
        # the host in a busy message may come from a record stored before cleaning (issue 6).
        width = self.size.width
        progress_style = self.get_component_rich_style("article-header--progress")
        if self.busy:
            right = Text(f" {clean_line(self.busy)} ", progress_style)
            right.truncate(max(8, width // 2), overflow="ellipsis")
        else:
            right = Text(f" {self._progress_label(max(8, width // 2))} ", progress_style)
        meta = clean_line(self.meta)
        room = max(0, width - right.cell_len)
        title = ellipsize(f" {clean_line(self.title)}", room)
        meta_room = room - cell_len(title)
        meta = ellipsize(f"  {meta}", meta_room) if meta and meta_room > _SECTION_AT_LEAST else ""
        left = Text.assemble(
            (title, self.get_component_rich_style("article-header--title")),
            (meta, self.get_component_rich_style("article-header--meta")),
            no_wrap=True,
        )
        left.pad_right(room - left.cell_len)
        return Text.assemble(left, right, no_wrap=True)
