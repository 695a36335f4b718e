"""Back/forward history (termreader.navigation.history.Navigator), without the app."""

from __future__ import annotations

from termreader.models import Position
from termreader.navigation.history import Location, Navigator


def test_back_restores_position_left_behind() -> None:
    nav = Navigator()
    nav.visit(Location("a"))
    nav.visit(Location("b"), leaving=Position("intro", 7, 0.2))
    back = nav.back(leaving=Position("end", 3, 0.9))
    assert back is not None and back.article_id == "a"
    assert back.position == Position("intro", 7, 0.2)
    forward = nav.forward()
    assert forward is not None and forward.article_id == "b"
    assert forward.position == Position("end", 3, 0.9)


def test_visit_drops_forward_stack() -> None:
    nav = Navigator()
    for name in "abc":
        nav.visit(Location(name))
    nav.back()
    nav.back()
    nav.visit(Location("d"))
    assert [e.article_id for e in nav.entries] == ["a", "d"]
    assert not nav.can_go_forward
    assert nav.forward() is None


def test_in_article_jumps_are_entries() -> None:
    nav = Navigator()
    nav.visit(Location("a", Position("", 0)))
    nav.visit(Location("a", Position("part-2", 0)), leaving=Position("part-1", 4))
    back = nav.back()
    assert back == Location("a", Position("part-1", 4))


def test_same_location_twice_is_one_entry() -> None:
    nav = Navigator()
    nav.visit(Location("a"))
    nav.visit(Location("a"))
    assert len(nav) == 1
    assert nav.back() is None


def test_limit_drops_oldest() -> None:
    nav = Navigator(limit=3)
    for name in "abcde":
        nav.visit(Location(name))
    assert [e.article_id for e in nav.entries] == ["c", "d", "e"]
    assert nav.current == Location("e")


def test_returned_locations_are_copies() -> None:
    nav = Navigator()
    nav.visit(Location("a", Position("x", 1)))
    nav.visit(Location("b"))
    back = nav.back()
    assert back is not None
    back.position.offset = 99
    assert nav.current is not None and nav.current.position.offset == 1


def test_forget_removes_article_and_keeps_current() -> None:
    nav = Navigator()
    for name in "abab":
        nav.visit(Location(name, Position(name, len(nav))))
    nav.visit(Location("c"))
    nav.forget("b")
    assert [e.article_id for e in nav.entries] == ["a", "a", "c"]
    assert nav.current is not None and nav.current.article_id == "c"
    nav.forget("c")
    assert nav.current is not None and nav.current.article_id == "a"
    nav.clear()
    assert nav.current is None and not nav.can_go_back
