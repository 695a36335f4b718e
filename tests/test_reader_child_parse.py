"""A long article's rest is parsed in a child process (issue 5): same document, keys answered."""

from __future__ import annotations

import pytest
from helpers import wait_until_async
from test_reader_widget import ReaderApp, _article

from termreader.render import pipeline
from termreader.render.parser import parse
from termreader.ui.reader import ReaderView


def _long_body() -> str:
    parts = ["# A long article", ""]
    for n in range(1, 2000):
        parts += [f"## Part {n}", "", f"Paragraph {n} with [a link](https://example.test/{n}).", ""]
        parts += ["终端阅读让人专注。" * 16, "", "```python", f"x = {n}", "```", ""]
    return "\n".join(parts)


@pytest.mark.parametrize("child", [True, False])
async def test_long_article_parses_whole_with_or_without_a_child(
    child: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _long_body()
    assert len(body) > pipeline._CHILD_PARSE_FROM
    if not child:
        monkeypatch.setenv("TERMREADER_NO_CHILD_PARSE", "1")
    app = ReaderApp()
    async with app.run_test(size=(100, 30)) as pilot:
        reader = app.query_one(ReaderView)
        reader.focus()
        reader.show_article(_article(body))
        assert reader.document is not None and not reader.document.complete
        await pilot.press("j", "j", "j")
        assert reader.scroll_y == 3  # keys answered while the rest is parsed
        await wait_until_async(pilot, lambda: reader.document.complete)
        whole = parse(body)
        got = reader.document
        assert got.complete
        assert [b.to_list() for b in got.blocks] == [b.to_list() for b in whole.blocks]
        assert [(x.title, x.url) for x in got.links] == [(x.title, x.url) for x in whole.links]
        assert [s.anchor for s in got.sections] == [s.anchor for s in whole.sections]
        await pilot.press("G")
        assert "Back to top" in "".join(
            reader.render_line(y).text for y in range(reader.scrollable_content_region.height)
        )
