"""The outline pane: the article's sections as a tree that follows the reading position."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, Tree
from textual.widgets.tree import TreeNode

from termreader.models import Section
from termreader.sanitize import clean_line


class OutlineTree(Tree[Section]):
    """The section tree; Enter or a click jumps to the section.

    | Key | Action |
    | :- | :- |
    | `j`/`k`, arrows | Move. |
    | `enter` | Jump to the section. |
    | `space` | Fold or unfold. |
    """

    BINDINGS: list[BindingType] = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    def action_scroll_home(self) -> None:
        self.cursor_line = 0

    def action_scroll_end(self) -> None:
        self.cursor_line = self.last_line


class OutlinePane(Vertical):
    """Holds the outline tree and keeps the current section highlighted."""

    class Jump(Message):
        """The user chose a section to jump to."""

        def __init__(self, section: Section) -> None:
            super().__init__()
            self.section = section

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._section_nodes: dict[str, TreeNode[Section]] = {}
        self._sections: list[Section] = []
        self._built = True
        self.current_anchor: str = ""
        """The anchor of the highlighted section ("" before the first heading)."""

    def compose(self) -> ComposeResult:
        yield Static("Outline", id="outline-title", markup=False)
        tree: OutlineTree = OutlineTree("Outline", id="outline-tree")
        tree.show_root = False
        tree.guide_depth = 2
        yield tree

    @property
    def tree(self) -> OutlineTree:
        """The tree widget."""
        return self.query_one(OutlineTree)

    def set_sections(self, sections: list[Section]) -> None:
        """Show the outline of a new article (built when the pane is shown: 2,000 headings
        cost a few hundred ms, which a hidden pane need not pay on every article)."""
        self._sections = sections
        self._built = False
        self.current_anchor = ""
        count = len(sections)
        title = f"Outline · {count}" if count else "Outline · no sections"
        self.query_one("#outline-title", Static).update(title)
        if self.display:
            self.ensure_built()

    def ensure_built(self) -> None:
        """Build the tree if the current sections are not in it yet."""
        if self._built:
            return
        self._built = True
        tree = self.tree
        tree.clear()
        self._section_nodes.clear()
        # One cache invalidation for the whole build instead of one per node.
        invalidate = tree._invalidate
        tree._invalidate = lambda: None  # type: ignore[method-assign]
        try:
            # A stack of (level, node): each heading hangs under the nearest shallower one.
            stack: list[tuple[int, TreeNode[Section]]] = [(0, tree.root)]
            for section in self._sections:
                while len(stack) > 1 and stack[-1][0] >= section.level:
                    stack.pop()
                parent = stack[-1][1]
                # Headings are untrusted text: a clean Text label, never read as markup.
                node = parent.add(_label(section), data=section, expand=True)
                node.allow_expand = False
                if parent is not tree.root:
                    parent.allow_expand = True
                self._section_nodes[section.anchor] = node
                stack.append((section.level, node))
        finally:
            del tree._invalidate  # back to the class method
            invalidate()
        if self.current_anchor:
            self.highlight(self.current_anchor)

    def highlight(self, anchor: str) -> None:
        """Move the tree cursor to the section ``anchor`` (its node, expanding parents)."""
        self.current_anchor = anchor
        if not self._built:
            return
        node = self._section_nodes.get(anchor)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded and parent.allow_expand:
                parent.expand()
            parent = parent.parent
        tree = self.tree
        if node.line >= 0:
            tree.move_cursor(node, animate=False)
        else:
            # The tree lays out lazily: place the cursor once its lines exist.
            self.call_after_refresh(lambda: tree.move_cursor(node, animate=False))

    @property
    def highlighted(self) -> Section | None:
        """The section under the tree cursor."""
        node = self.tree.cursor_node
        return node.data if node is not None else None

    @on(Tree.NodeSelected, "#outline-tree")
    def _selected(self, event: Tree.NodeSelected[Section]) -> None:
        event.stop()
        if event.node.data is not None:
            self.post_message(self.Jump(event.node.data))


def _label(section: Section) -> Text:
    """A tree label: plain Text (never markup), cleaned of terminal controls (issue 6)."""
    return Text(clean_line(section.title) or "(untitled)", no_wrap=True, overflow="ellipsis")
