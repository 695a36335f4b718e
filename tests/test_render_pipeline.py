"""The work between frames runs on a plain object, driven here by hand instead of an app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from termreader.models import Article
from termreader.render import pipeline
from termreader.render.chunks import CHUNK_SIZE
from termreader.render.codec import from_bytes, to_bytes
from termreader.render.parser import parse
from termreader.render.pipeline import Pipeline


class Host:
    """Stands for the widget: timers wait in a list, threads run at once."""

    def __init__(self) -> None:
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.events: list[tuple[Any, ...]] = []
        self.top = 0
        self.work = Pipeline(
            set_timer=lambda delay, step: self.timers.append((delay, step)),
            run_thread=lambda work, **options: work(),
            call_from_thread=lambda callback, *args: callback(*args),
            top_line=lambda: self.top,
            on_layout=lambda *args: self.events.append(("layout", *args)),
            on_append=lambda *args: self.events.append(("append", *args)),
            on_highlighters=lambda: self.events.append(("highlighters",)),
            on_damaged=lambda: self.events.append(("damaged",)),
            on_ready=lambda article, document: self.events.append(("ready", article.id)),
        )

    def run_timers(self, rounds: int = 1000) -> None:
        for _ in range(rounds):
            if not self.timers:
                return
            _, step = self.timers.pop(0)
            step()
        raise AssertionError("timers never ran out")

    def kinds(self) -> list[str]:
        return [event[0] for event in self.events]


@pytest.fixture(autouse=True)
def still(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reader never scrolls here: every step runs at its first turn."""
    monkeypatch.setattr(pipeline, "_FIRST_FRAME_ALLOWANCE", -1.0)
    monkeypatch.setattr(pipeline, "_WARMED", set())
    monkeypatch.setattr(pipeline, "_READY", set())


def _body(parts: int) -> str:
    return "\n".join(
        f"## Part {n}\n\n{'word ' * 40}\n\n```python\nx = {n}\n```\n" for n in range(parts)
    )


def test_a_body_parsed_here_is_reported_ready_once() -> None:
    host = Host()
    article = Article(id="a" * 16, title="T", body=_body(20))
    builder = host.work.open(article, None, body_pending=False)
    assert builder is not None and builder.done
    host.work.layout_for(40)
    host.work.start(builder)
    assert ("ready", article.id) in host.events
    host.run_timers()
    assert host.kinds().count("ready") == 1
    assert "python" in pipeline._READY and ("highlighters",) in host.events


def test_a_long_body_is_appended_chunk_by_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "_PARSE_PAUSE", 0.0)
    body = _body(3 * CHUNK_SIZE // 300)
    assert CHUNK_SIZE < len(body) < pipeline._CHILD_PARSE_FROM  # parsed in this process
    host = Host()
    article = Article(id="b" * 16, title="T", body=body)
    builder = host.work.open(article, None, body_pending=False)
    assert builder is not None and not builder.done
    host.work.layout_for(60)
    host.work.start(builder)  # the "thread" runs at once
    document = host.work.document
    assert document is not None and document.complete
    assert [b.to_list() for b in document.blocks] == [b.to_list() for b in parse(body).blocks]
    appended = [event for event in host.events if event[0] == "append"]
    assert len(appended) >= 2 and appended[-1][2] is True
    assert ("ready", article.id) in host.events


def test_a_cached_form_decodes_and_indexes_between_frames() -> None:
    body = _body(400)  # more blocks than are wrapped at once: only the first screen decodes
    data = to_bytes(parse(body))
    host = Host()
    article = Article(id="c" * 16, title="T", body=body)
    builder = host.work.open(article, from_bytes(data), body_pending=False)
    assert builder is None
    host.work.layout_for(50)
    host.work.start(builder)
    assert pipeline._DECODE_FIRST in [delay for delay, _ in host.timers]
    assert host.work.document is not None and not host.work.document.loaded
    host.run_timers()
    document = host.work.document
    assert document is not None and document.loaded and not document.damaged
    assert host.work.layout is not None and host.work.layout.complete  # sliced meanwhile
    assert "damaged" not in host.kinds() and "layout" in host.kinds()


def test_a_form_of_another_body_is_never_shown() -> None:
    host = Host()
    old = to_bytes(parse("# Old\n\nold text"))
    article = Article(id="d" * 16, title="T", body="# New\n\nnew text")
    builder = host.work.open(article, from_bytes(old), body_pending=False)
    assert builder is not None  # parsed instead
    assert host.work.document is not None and host.work.document.blocks[0].text == "New"


def test_layouts_are_kept_per_width_and_a_new_article_stops_old_steps() -> None:
    host = Host()
    article = Article(id="e" * 16, title="T", body=_body(5))
    host.work.open(article, None, body_pending=False)
    first = host.work.layout_for(40)
    host.work.layout_for(60)
    assert host.work.layout_for(40) is first
    host.work.clear()
    assert host.work.document is None and host.work.layout is None
    host.run_timers()  # steps of the cleared article find nothing to do
    assert "append" not in host.kinds()


def test_when_still_waits_for_the_reader_and_can_be_called_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    host = Host()
    ran: list[str] = []
    wanted = [True]
    host.work.when_still(lambda: ran.append("x"), lambda: wanted[0])
    monkeypatch.setattr(pipeline, "_QUIET_AFTER_MOVE", 60.0)
    host.work.moved()
    _, step = host.timers.pop(0)
    step()  # still moving: checks again later
    assert ran == [] and len(host.timers) == 1
    monkeypatch.setattr(pipeline, "_QUIET_AFTER_MOVE", 0.0)
    host.run_timers()
    assert ran == ["x"]
    wanted[0] = False
    host.work.when_still(lambda: ran.append("y"), lambda: wanted[0])
    host.run_timers()
    assert ran == ["x"]


def test_cycles_frozen_while_an_article_was_shown_are_collected_after_it_is_left() -> None:
    """Regression (issue 11): objects frozen out of the collector's reach while an article was
    shown (Textual's strips and their caches hold reference cycles) were never collected once
    the article was left: 50 articles opened in a row kept 335,000 dead objects, 79 MB."""
    import gc
    import weakref

    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    host = Host()
    host.work.open(
        Article(id="c" * 16, title="First", body="# First\n\ntext"), None, body_pending=False
    )
    host.run_timers()
    node = Node()
    gone = weakref.ref(node)
    gc.freeze()  # as the reader freezes what it shows
    try:
        del node
        gc.collect()
        assert gone() is not None  # frozen: out of the collector's reach
        host.work.open(
            Article(id="d" * 16, title="Second", body="# Second\n\ntext"), None, body_pending=False
        )
        host.run_timers()
        assert gone() is None
    finally:
        gc.unfreeze()
