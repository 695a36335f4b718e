"""Back/forward navigation history across articles and in-article jumps (no UI)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from termreader.models import Position


@dataclass(slots=True)
class Location:
    """One place the reader has been: an article and a reading position in it.

    Attributes:
        article_id: The id of the article in the library.
        position: Where the reader was; updated when they leave, so going back restores it.
    """

    article_id: str
    position: Position = field(default_factory=Position)


class Navigator:
    """A browser-like history: ``visit`` pushes (dropping the forward stack), ``back``/``forward`` move.

    The caller passes the current reading position when it leaves a location, so the entry it
    returns to later restores exactly where the reader was.
    """

    def __init__(self, limit: int = 200) -> None:
        """Create an empty history keeping at most ``limit`` entries (oldest dropped first)."""
        self._stack: list[Location] = []
        self._index = -1
        self.limit = max(2, limit)

    @property
    def current(self) -> Location | None:
        """The location shown now, or None before the first visit."""
        return self._stack[self._index] if self._index >= 0 else None

    @property
    def can_go_back(self) -> bool:
        """Whether :meth:`back` has somewhere to go."""
        return self._index > 0

    @property
    def can_go_forward(self) -> bool:
        """Whether :meth:`forward` has somewhere to go."""
        return 0 <= self._index < len(self._stack) - 1

    @property
    def entries(self) -> list[Location]:
        """A copy of every entry, oldest first."""
        return [_copy(entry) for entry in self._stack]

    @property
    def index(self) -> int:
        """The index of :attr:`current` in :attr:`entries` (-1 when empty)."""
        return self._index

    def __len__(self) -> int:
        return len(self._stack)

    def update(self, position: Position) -> None:
        """Record the reading position of the current location (e.g. before leaving it)."""
        if self.current is not None:
            self.current.position = replace(position)

    def visit(self, location: Location, *, leaving: Position | None = None) -> None:
        """Go to a new location; ``leaving`` is the position at the current one.

        Visiting the same place again (same article and position) does not add an entry.
        """
        if leaving is not None:
            self.update(leaving)
        current = self.current
        if current is not None and current == location:
            return
        del self._stack[self._index + 1 :]
        self._stack.append(_copy(location))
        if len(self._stack) > self.limit:
            del self._stack[: len(self._stack) - self.limit]
        self._index = len(self._stack) - 1

    def back(self, leaving: Position | None = None) -> Location | None:
        """Step back; returns the location to show (a copy), or None at the start."""
        if not self.can_go_back:
            return None
        if leaving is not None:
            self.update(leaving)
        self._index -= 1
        return _copy(self._stack[self._index])

    def forward(self, leaving: Position | None = None) -> Location | None:
        """Step forward; returns the location to show (a copy), or None at the end."""
        if not self.can_go_forward:
            return None
        if leaving is not None:
            self.update(leaving)
        self._index += 1
        return _copy(self._stack[self._index])

    def forget(self, article_id: str) -> None:
        """Drop every entry of an article (e.g. removed from the library)."""
        current = self.current
        kept = [entry for entry in self._stack if entry.article_id != article_id]
        if current is not None and current.article_id != article_id:
            self._index = next(i for i, e in enumerate(kept) if e is current)
        else:
            self._index = len(kept) - 1 if kept else -1
        self._stack = kept

    def clear(self) -> None:
        """Forget everything."""
        self._stack.clear()
        self._index = -1


def _copy(location: Location) -> Location:
    return replace(location, position=replace(location.position))
