"""Pilot tests of the reading pane's finish (issue 13): header, related dialog and section,
notifications, theme, help ids, reading time and the small things."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from helpers import wait_until_async
from rich.cells import cell_len
from textual.widgets import Label

from termreader.config import Settings, load
from termreader.importers import import_path
from termreader.library.store import Library
from termreader.models import Article, Related
from termreader.text.outline import sections_from_markdown
from termreader.ui.app import TermreaderApp
from termreader.ui.main_screen import MainScreen
from termreader.ui.related_screen import (
    FETCHABLE,
    IN_LIBRARY,
    LEGEND,
    NOT_FOUND,
    RelatedList,
    RelatedScreen,
)


def seed_library(home: Path, fixtures: Path) -> Library:
    """A library holding the seed-shaped article (long Chinese section titles, a related list)."""
    library = Library.open(home)
    library.add_many([import_path(fixtures / "seed_jiebei.txt")])
    return library


def main(app: TermreaderApp) -> MainScreen:
    screen = app.main_screen
    assert screen is not None
    return screen


def screen_text(app: TermreaderApp) -> str:
    """What the terminal shows, line by line."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def header_line(screen: MainScreen) -> str:
    return screen.header.render().plain


@pytest.mark.parametrize("width", [80, 60, 40])
async def test_header_keeps_the_percentage_and_cuts_the_section(
    tmp_path: Path, fixtures: Path, width: int
) -> None:
    """At 80 columns the seed's header read "… 二、借呗电话催收中的“上门通知”动机 · 4…" and at 60
    the number was gone: the section name gave way only after the number had been cut."""
    library = seed_library(tmp_path / "library", fixtures)
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.reader.focus()
        await pilot.press("g", "}", "}")
        await pilot.pause()
        assert screen.header.section.startswith("二、")
        line = header_line(screen)
        assert cell_len(line) == width
        minutes = screen.header.minutes
        assert minutes >= 1
        assert line.endswith(f" {screen.header.percent}% · {minutes} min ")
        if width >= 60:
            assert "二、借呗" in line and "…" in line


async def test_header_shows_the_saved_percentage_after_a_restart(
    tmp_path: Path, fixtures: Path
) -> None:
    """After a restart the header said 47 % until the first key and 93 % after it, at the same
    place: the progress was first measured against a reader not laid out yet (no height)."""
    home = tmp_path / "library"
    seed_library(home, fixtures)
    app = TermreaderApp(Library.open(home), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.reader.focus()
        await pilot.press("G", *["k"] * 8)
        await pilot.pause()
        before = screen.header.percent
        assert 50 < before < 100
        await pilot.press("q")
    app = TermreaderApp(Library.open(home), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.header.percent == before
        screen.reader.focus()
        await pilot.press("j")
        await pilot.pause()
        assert abs(screen.header.percent - before) <= 3  # one line on, not 40 points


LONG_TITLE = (
    "元气玛特抽奖真实性探析——知乎用户观点与实例分析，以及盲盒市场的规则、概率公示与消费者权益"
)


def related_library(home: Path) -> Library:
    """An article whose related list holds one entry of each kind, a repeat and a long title."""
    library = Library.open(home)
    body = "# Start\n\nSome text.\n"
    library.add_many(
        [
            Article(
                id="main00000000001",
                title="An article with related entries",
                source="example.test",
                published=datetime(2026, 3, 12, 9, 30, tzinfo=UTC),
                body=body,
                sections=sections_from_markdown(body),
                related=[
                    Related("The second article", None, 2),
                    Related("A page on the web", "https://elsewhere.test/page"),
                    Related("Nothing of that name", None, 3),
                    Related(LONG_TITLE, "https://elsewhere.test/long"),
                ],
            ),
            Article(
                id="second000000003",
                title="The second article",
                source="example.test",
                published=datetime(2026, 3, 8, 9, 30, tzinfo=UTC),
                body="Short.\n",
            ),
        ]
    )
    return library


async def test_related_dialog_marks_legend_one_line_titles_and_first_last(tmp_path: Path) -> None:
    """At 80×24 a long title put the mark alone on a line and wrapped below it; "×" meant both
    "not found" and a repeat count ("… ×3"); "●" meant "offline" here and "unread" in the list;
    ``g``/``G`` did nothing."""
    app = TermreaderApp(related_library(tmp_path / "library"), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("main00000000001")
        screen.reader.focus()
        await pilot.press("r")
        await wait_until_async(pilot, lambda: isinstance(app.screen, RelatedScreen))
        await pilot.pause()
        dialog = app.screen
        assert str(dialog.query_one("#related-legend", Label).render()) == LEGEND
        options = dialog.query_one(RelatedList)
        prompts = [str(o.prompt) for o in options.options]
        assert [p[0] for p in prompts] == [IN_LIBRARY, FETCHABLE, NOT_FOUND, FETCHABLE]
        assert len({IN_LIBRARY, FETCHABLE, NOT_FOUND, "●", "×"}) == 5
        assert prompts[0].endswith("The second article (2 times)")
        assert prompts[2].endswith("Nothing of that name (3 times)")
        assert not any("×" in p for p in prompts)
        width = options.scrollable_content_region.width
        assert prompts[3].endswith("…") and cell_len(prompts[3]) <= width
        assert options.virtual_size.height == len(prompts)  # one line each
        assert prompts[3].startswith(f"{FETCHABLE} 元气玛特")
        assert options.highlighted == 0
        await pilot.press("G")
        assert options.highlighted == 3
        await pilot.press("g")
        assert options.highlighted == 0
        await pilot.press("end")
        assert options.highlighted == 3


async def test_notification_over_an_overlay_keeps_every_cjk_character(
    tmp_path: Path, fixtures: Path
) -> None:
    """A notification over the library overlay at 80×24 showed "“ 气玛特…" and "点 实例分析":
    each wide character across the overlay's edge was replaced by spaces where the screen's
    compositor cut the toast's lines at the edges of the widgets below it."""
    title = "元气玛特抽奖真实性探析——知乎用户观点与实例分析"
    app = TermreaderApp(seed_library(tmp_path / "library", fixtures), settings=Settings())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = main(app)
        await pilot.press("L")
        assert screen.library_pane.display
        app.notify(f"No article titled “{title}” in the library", timeout=30)
        await wait_until_async(pilot, lambda: app.screen.query("Toast"))
        await pilot.pause()
        toast = app.screen.query_one("Toast")
        lines = app.screen._compositor.render_strips()
        region = toast.content_region
        shown = "".join(
            lines[y].crop(region.x, region.right).text.strip() for y in region.line_range
        )
        assert title in shown


COMMENTED_CONFIG = """\
# termreader settings, written by hand
reading_width = 90  # a narrower column

[keys]
# vim-like section keys
next_section = "],ctrl+n"
"""


@pytest.mark.parametrize("existing", ["", COMMENTED_CONFIG], ids=["fresh", "commented"])
async def test_theme_picked_in_the_app_is_kept_for_the_next_start(
    tmp_path: Path, fixtures: Path, existing: str
) -> None:
    """A theme picked in the command palette was back to the default after a restart."""
    config = Path(os.environ["TERMREADER_CONFIG"])
    if existing:
        config.write_text(existing, encoding="utf-8")
    home = tmp_path / "library"
    seed_library(home, fixtures)
    app = TermreaderApp(Library.open(home))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "textual-dark"
        app.theme = "nord"  # what the palette's "Change theme" does
        await wait_until_async(pilot, lambda: config.exists() and "nord" in config.read_text())
    text = config.read_text(encoding="utf-8")
    for line in existing.splitlines():
        assert line in text  # comments, keys and tables kept
    assert load(config).theme == "nord"
    assert not [p for p in config.parent.iterdir() if p.name.endswith(".tmp")]
    app = TermreaderApp(Library.open(home))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        if existing:
            assert app.settings.reading_width == 90
            assert app.settings.keys == {"next_section": "],ctrl+n"}


async def test_theme_not_written_over_a_broken_config(tmp_path: Path, fixtures: Path) -> None:
    """A settings file that does not parse is left as the user wrote it (and they are told)."""
    config = Path(os.environ["TERMREADER_CONFIG"])
    config.write_text("theme = [unclosed\n", encoding="utf-8")
    app = TermreaderApp(seed_library(tmp_path / "library", fixtures))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        app.theme = "nord"
        await wait_until_async(
            pilot, lambda: any("not kept" in n.message for n in app._notifications)
        )
    assert config.read_text(encoding="utf-8") == "theme = [unclosed\n"


def readme_keys() -> list[tuple[str, str, str]]:
    """README's Keys table as (keys, action, ids) rows, backticks dropped."""
    text = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    table = []
    for row in rows:
        keys, action, ids = (cell.strip().replace("`", "") for cell in row.strip("|").split("|"))
        table.append((keys, action, ids))
    return table


def test_readme_keys_table_is_the_help_screen() -> None:
    """README's Keys table and ``?`` disagreed (the README promised binding ids ``?`` did not
    show); now both list the same keys, actions and ids, row by row."""
    from termreader.ui.app import binding_ids
    from termreader.ui.help_screen import KEYS

    assert readme_keys() == [(keys, action, ids) for _, ids, keys, action in KEYS]
    listed = {name for _, ids, _, _ in KEYS for name in ids.split()}
    assert listed == binding_ids()


async def test_help_shows_each_binding_id(tmp_path: Path, fixtures: Path) -> None:
    """``?`` listed keys and actions but not the ids config.toml's [keys] takes."""
    from termreader.ui.help_screen import KEYS, HelpScreen

    app = TermreaderApp(seed_library(tmp_path / "library", fixtures), settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await wait_until_async(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert app.screen.ids == [ids for _, ids, _, _ in KEYS]
        await pilot.pause()
        text = screen_text(app)
        assert "[keys] id" in text
        for name in ("line_down", "line_up", "next_section", "prev_top_section"):
            assert name in text


async def test_header_shows_the_reading_time(tmp_path: Path, fixtures: Path) -> None:
    """The header gave no idea of an article's length; it shows the estimated reading time
    (the seed: Chinese counted by characters) and keeps the percentage when room is short."""
    library = seed_library(tmp_path / "library", fixtures)
    minutes = library.list()[0].reading_minutes
    assert minutes >= 1
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert header_line(screen).endswith(f" 0% · {minutes} min ")
        await pilot.resize_terminal(24, 24)
        await pilot.pause()
        assert header_line(screen).endswith(" 0% ")


async def test_related_section_after_the_body(tmp_path: Path) -> None:
    """The related list was only reachable with ``r``: it is shown after the body as a
    "Related" section (in the outline), each entry marked as in the dialog, numbered like the
    links and followed with its number. The stored body and its cached render form stay the
    article's own."""
    library = related_library(tmp_path / "library")
    body_before = library.get("main00000000001").body
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("main00000000001")
        screen.reader.focus()
        await wait_until_async(
            pilot, lambda: "related" in [s.anchor for s in screen.reader.document.sections]
        )
        document = screen.reader.document
        assert [s.title for s in document.sections] == ["Start", "Related"]
        await pilot.press("G")
        await pilot.pause()
        text = screen_text(app)
        assert "Related" in text
        base = document.appendix_links_from
        assert f"{IN_LIBRARY} The second article[{base + 1}]" in text
        assert f"{FETCHABLE} A page on the web[{base + 2}]" in text
        assert f"{NOT_FOUND} Nothing of that name[{base + 3}]" in text
        assert text.count("The second article[") == 1  # listed twice on the page, shown once
        screen.outline.ensure_built()
        outline = screen.outline.section_list._sections
        assert [s.title for s in outline] == ["Start", "Related"]
        for key in str(base + 1):
            await pilot.press(key)
        await pilot.press("enter")
        await wait_until_async(
            pilot, lambda: screen.article is not None and screen.article.id == "second000000003"
        )
    assert library.get("main00000000001").body == body_before
    from termreader.render.codec import cache_name, from_bytes

    cached = library.read_cache("main00000000001", cache_name())
    if cached is not None:
        form = from_bytes(cached)
        assert form.load_step(pieces=100)
        assert "Related" not in [b.text for b in form.blocks]


def test_related_section_heading_by_language() -> None:
    from termreader.render.appendix import heading_for

    assert heading_for("zh") == heading_for("zh-CN") == heading_for("", "借呗逾期") == "相关内容"
    assert heading_for("ja") == "関連記事" and heading_for("ko") == "관련 글"
    assert heading_for("en") == heading_for("", "Field notes") == "Related"


@pytest.mark.parametrize("display", [":0", ""], ids=["browser-fails", "no-display"])
async def test_open_in_browser_reports_failure_and_offers_to_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, display: str
) -> None:
    """``o`` said "Opening … in the browser" whether or not one opened (over SSH none does):
    it now says so and offers to copy the address (OSC 52 through the terminal)."""
    from termreader.ui.question_screen import QuestionScreen

    tried: list[str] = []
    monkeypatch.setattr("webbrowser.open", lambda url, *a, **k: tried.append(url) and False)
    monkeypatch.delenv("BROWSER", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", display)
    library = related_library(tmp_path / "library")
    app = TermreaderApp(library, settings=Settings())
    copied: list[str] = []
    monkeypatch.setattr(app, "copy_to_clipboard", copied.append)
    library.add(
        Article(id="web000000000001", title="On the web", url="https://example.test/a", body="x")
    )
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.open_article("web000000000001")
        screen.reader.focus()
        await pilot.press("o")
        await wait_until_async(pilot, lambda: isinstance(app.screen, QuestionScreen))
        assert tried == (["https://example.test/a"] if display else [])
        assert "No web browser opened" in app.screen.what
        assert app.screen.question.endswith("to the clipboard? y/n")
        await pilot.press("y")
        await wait_until_async(pilot, lambda: copied == ["https://example.test/a"])
        assert any(n.message.startswith("Copied") for n in app._notifications)
        assert not any("Opening" in n.message for n in app._notifications)


async def test_reaching_the_related_section_finishes_the_article(
    tmp_path: Path, fixtures: Path
) -> None:
    """The related list after the body is not the article: reaching the end of the body marks
    it read, without scrolling through seventy related titles."""
    library = seed_library(tmp_path / "library", fixtures)
    app = TermreaderApp(library, settings=Settings())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.reader.focus()
        await wait_until_async(pilot, lambda: screen.reader.document.appendix_from is not None)
        assert screen.article is not None and screen.article.unread
        heading = screen.reader.document.blocks[screen.reader.document.appendix_from]
        screen.following.jump_to_anchor(heading.anchor)
        await wait_until_async(pilot, lambda: not screen.article.unread)
        assert screen.reader.scroll_y < screen.reader.max_scroll_y
