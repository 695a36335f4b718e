"""Markdown pieces of the HTML converter: escaped text, emphasis that CommonMark can close,
hard breaks, code fences and the text of highlighted code, TeX of MathML, list and table lines."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from lxml import etree

from termreader.importers.common import escape_inline
from termreader.importers.html_tree import tag_of, text_of

_GUTTER = frozenset(
    "gutter linenos lineno linenodiv lnt ln line-numbers-rows hljs-ln-numbers".split()
)
_NOT_LANGUAGE = frozenset(
    "highlight sourcecode hljs code chroma notranslate prettyprint linenums highlighter-rouge "
    "default none nohighlight".split()
)
_LANGUAGE_CLASS = re.compile(r"(?:^|\s)(?:language|lang|highlight-source|highlight)-([\w+#.-]+)")
_BRUSH = re.compile(r"brush:\s*([\w+#.-]+)")
_LANGUAGE_NAME = re.compile(r"[A-Za-z][\w+#.-]{0,30}")
_CODE_HOSTS = frozenset({"div", "figure", "td", "tr", "tbody", "table", "pre", "code"})

# Sentinels, resolved when a paragraph is assembled (input text never holds them: see escaped).
BR = "\x00"
STRONG, _STRONG_END, EM, _EM_END, DEL, _DEL_END = "\x01\x02\x03\x04\x05\x06"
_MARKS = {STRONG: ("**", _STRONG_END), EM: ("*", _EM_END), DEL: ("~~", _DEL_END)}
_CLOSERS = frozenset({_STRONG_END, _EM_END, _DEL_END})
_SENTINELS = frozenset(_MARKS) | _CLOSERS
_SENTINEL_RE = re.compile("[\x01-\x06]")
_CONTROL = re.compile("[\x00-\x08]")
_WRAP_SPACE = " \t\n\r\f\v\x00"

_DISPLAYSTYLE = re.compile(r"^\{\\displaystyle\s*(.*)\}$", re.S)
_LINE_START = re.compile(
    r"^(?:(#{1,6})(?=[ \t]|$)|([-+])(?=[ \t]|$)|(\d{1,9})([.)])(?=[ \t]|$)|([=-]+)[ \t]*$)"
)
_PARAGRAPH_BREAK = re.compile(r"\x00(?:\s*\x00)+")


def escaped(raw: str | None) -> str:
    """Escaped text of a text node (its sentinel characters removed)."""
    if not raw:
        return ""
    return escape_inline(strip_controls(raw))


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text) if _CONTROL.search(text) else text


def _is_punct(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _resolve_marks(text: str) -> str:
    """Turn emphasis sentinels into Markdown where CommonMark can open and close them there.

    ``**33%**of`` cannot close (punctuation before, a letter after): such a pair is dropped and
    its text stays plain, so no literal ``**`` ever reaches the reader.
    """
    if _SENTINEL_RE.search(text) is None:
        return text
    # Back-to-back spans of one kind are one span: "****" would be a single delimiter run.
    for opener, (_, closer) in _MARKS.items():
        text = text.replace(closer + opener, "")
    chars = list(text)
    stack: list[int] = []
    pairs: list[tuple[int, int]] = []
    for index, char in enumerate(chars):
        if char in _MARKS:
            stack.append(index)
        elif char in _CLOSERS:
            if stack and _MARKS[chars[stack[-1]]][1] == char:
                pairs.append((stack.pop(), index))
            else:
                chars[index] = ""
    for index in stack:  # unclosed (a pair cut by a paragraph break)
        chars[index] = ""
    for start, end in pairs:  # inner pairs first: they close first
        marker = _MARKS[chars[start]][0]
        chars[start] = chars[end] = ""
        # Markers go into gaps: "before item g". "a**,b,**c" cannot open or close; the
        # punctuation at its edges moves outside the markers ("a,**b**,c").
        if not _opens(chars, start):
            while start < end and (not chars[start] or _movable(chars[start][0])):
                start += 1
        if not _closes(chars, end):
            while end > start and (not chars[end - 1] or _movable(chars[end - 1][-1])):
                end -= 1
        if start < end and _opens(chars, start) and _closes(chars, end):
            chars[start] = marker + chars[start]
            chars[end] = marker + chars[end]
    return "".join(chars)


def _movable(char: str) -> bool:
    """Punctuation a marker may step over: not the end of a link, a code span or math."""
    return _is_punct(char) and char not in ")]`$>"


def _before(chars: list[str], gap: int) -> str:
    for index in range(gap - 1, -1, -1):
        if chars[index]:
            return " " if chars[index][-1] == BR else chars[index][-1]
    return ""


def _after(chars: list[str], gap: int) -> str:
    for index in range(gap, len(chars)):
        if chars[index]:
            return " " if chars[index][0] == BR else chars[index][0]
    return ""


def _opens(chars: list[str], gap: int) -> bool:
    """CommonMark's left-flanking rule for a marker in ``gap``."""
    before, first = _before(chars, gap), _after(chars, gap)
    return (
        first != ""
        and not first.isspace()
        and (not _is_punct(first) or not before or before.isspace() or _is_punct(before))
    )


def _closes(chars: list[str], gap: int) -> bool:
    """CommonMark's right-flanking rule for a marker in ``gap``."""
    last, after = _before(chars, gap), _after(chars, gap)
    return (
        last != ""
        and not last.isspace()
        and (not _is_punct(last) or not after or after.isspace() or _is_punct(after))
    )


def _escape_line_start(line: str) -> str:
    """Escape what would start a heading, a list item or a setext underline."""
    match = _LINE_START.match(line)
    if match is None:
        return line
    if match.group(3):
        cut = len(match.group(3))
        return line[:cut] + "\\" + line[cut:]
    return "\\" + line


def paragraphs(raw: str) -> list[str]:
    """Paragraphs of inline Markdown: whitespace folded, <br> a hard break, <br><br> a new one."""
    found: list[str] = []
    for part in _PARAGRAPH_BREAK.split(raw):
        text = _resolve_marks(" ".join(part.split()))
        text = text.strip(BR + " ")
        if not text:
            continue
        if BR in text:
            text = re.sub(r" ?\x00 ?", "\\\n", text)
        found.append("\n".join(_escape_line_start(line) for line in text.split("\n")))
    return found


def one_line(raw: str) -> str:
    return _resolve_marks(" ".join(raw.replace(BR, " ").split()))


def wrap(inner: str, mark: str) -> str:
    """Emphasis around ``inner`` with its outer whitespace moved outside the markers."""
    core = inner.strip(_WRAP_SPACE)
    if not core:
        return inner
    lead = inner[: len(inner) - len(inner.lstrip(_WRAP_SPACE))]
    trail = inner[len(inner.rstrip(_WRAP_SPACE)) :]
    return f"{lead}{mark}{core}{_MARKS[mark][1]}{trail}"


def code_fence(code: str, lang: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0) if "`" in code else 0
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{code}\n{fence}"


def code_language(pre: Any) -> str:
    """The code's language from the class conventions of highlighters (Prism, highlight.js,
    Pygments, Rouge, Chroma, Hexo's ``figure.highlight LANG``, SyntaxHighlighter's brush)."""
    candidates = [pre, *pre.iter("code")][:3]
    parent = pre.getparent()
    for _ in range(6):
        if parent is None or tag_of(parent) not in _CODE_HOSTS:
            break
        candidates.append(parent)
        parent = parent.getparent()
    for element in candidates:
        for attr in ("data-lang", "data-language"):
            value = (element.get(attr) or "").strip()
            if _LANGUAGE_NAME.fullmatch(value):
                return value.lower()
        cls = str(element.get("class") or "")
        match = _LANGUAGE_CLASS.search(cls) or _BRUSH.search(cls)
        if match and match.group(1).lower() not in _NOT_LANGUAGE:
            return match.group(1).rstrip(";").lower()
        tokens = cls.split()
        if tokens and tokens[0].lower() in ("highlight", "sourcecode", "hljs", "code"):
            for token in tokens[1:]:
                if token.lower() not in _NOT_LANGUAGE and _LANGUAGE_NAME.fullmatch(token):
                    return token.lower()
    return ""


def is_gutter(element: Any) -> bool:
    return any(t in _GUTTER for t in str(element.get("class") or "").lower().split())


def pre_text(pre: Any) -> str:
    """The text of a <pre> as shown: <br> and block lines as newlines, line numbers left out.
    Iterative, so nesting depth does not matter."""
    parts: list[str] = []
    skipping: Any = None
    lines: list[int] = []  # where each open line element's text began in parts
    for event, element in etree.iterwalk(pre, events=("start", "end")):
        tag = tag_of(element)
        line = tag in ("div", "p", "li", "tr") and element is not pre
        if event == "start":
            if skipping is not None:
                continue
            if element is not pre and (is_gutter(element) or tag in ("script", "style")):
                skipping = element
                continue
            if line:
                if parts and not parts[-1].endswith("\n"):
                    parts.append("\n")
                lines.append(len(parts))
            if tag == "br":
                parts.append("\n")
            if tag and element.text:
                parts.append(element.text)
            continue
        if skipping is element:
            skipping = None
        elif skipping is not None:
            continue
        elif line:
            began = lines.pop() if lines else 0
            # An empty line element is a blank line of the code.
            if not "".join(parts[began:]) or not parts[-1].endswith("\n"):
                parts.append("\n")
        if element is not pre and element.tail:
            parts.append(element.tail)
    code = strip_controls("".join(parts))
    rows = code.split("\n")
    while rows and not rows[0].strip():
        rows.pop(0)
    while rows and not rows[-1].strip():
        rows.pop()
    return "\n".join(row.rstrip() for row in rows)


def math_tex(element: Any) -> str:
    """The TeX of a <math>: its TeX annotation, its alttext, else the text of its MathML."""
    tex = ""
    for node in element.iter():
        if tag_of(node).rsplit(":", 1)[-1] == "annotation" and "tex" in (
            node.get("encoding") or ""
        ):
            tex = (node.text or "").strip()
            break
    tex = tex or (element.get("alttext") or "").strip()
    if not tex:
        return text_of(element)
    match = _DISPLAYSTYLE.match(tex)  # Wikipedia wraps every formula in {\displaystyle …}
    return match.group(1).strip() if match else tex


def join_item(blocks: list[str]) -> str:
    """Blocks of one list item: a line apart where the next one can interrupt a paragraph
    (keeps the list tight), a blank line apart otherwise."""
    text = blocks[0]
    for block in blocks[1:]:
        tight = re.match(r"(?:[-*+] |1[.)] |```|~~~|> |#)", block) is not None
        text += ("\n" if tight else "\n\n") + block
    return text


def hang(text: str, first: str) -> str:
    pad = " " * len(first)
    lines = text.split("\n")
    return "\n".join([first + lines[0]] + [pad + ln if ln else "" for ln in lines[1:]])


def code_span(code: str) -> str:
    code = strip_controls(code).replace("\n", " ")
    if not code.strip():
        return code
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0) if "`" in code else 0
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def table_row(cells: list[str], width: int) -> str:
    cells = (cells + [""] * width)[:width]
    return "| " + " | ".join(cell or " " for cell in cells) + " |"


# A paragraph that is one bold run and nothing else.
_BOLD_LINE = re.compile(r"^\*\*((?:[^*\n\\]|\\.)+)\*\*$")
_HEADING_LINE = re.compile(r"^(#{1,6}) ")
# How a sentence, a label ("Read also:") or a list of clauses ends; a title ends otherwise.
_SENTENCE_END = tuple(".。!！?？:：;；,，、…")
_FULL_STOP = tuple(".。!！?？…")
_CLOSING = "\"'”’」』）)]》» "
_SECTION_NUMBER = re.compile(r"^(?:\d{1,3}|[一二三四五六七八九十]{1,3}|[IVXivx]{1,5})[.、．]?$")
_BODY_BLOCK = re.compile(r"^(?:[-*] |\d{1,9}[.)] |> |```|~~~|\|)")
_BODY_CHARS = 40
# A byline or an attribution set in bold ("By …", "— Author").
_NOT_TITLE = re.compile(r"^(?:[-—–―~]|(?:by|von|par|por|door|przez)\s)", re.IGNORECASE)
#: A bold paragraph longer than this (characters or words) is emphasis, not a title.
TITLE_CHARS = 60
TITLE_WORDS = 12


def _bold_title(block: str) -> str | None:
    """The text of a block that reads as a section title set in bold, else None."""
    found = _BOLD_LINE.match(block)
    if found is None:
        return None
    text = found.group(1).strip()
    bare = text.rstrip(_CLOSING)
    if (
        not text
        or len(text) > TITLE_CHARS
        or len(text.split()) > TITLE_WORDS
        or "](" in text  # a bold link is a call to read another page
        or _NOT_TITLE.match(text) is not None
        or bare.endswith(_SENTENCE_END)
    ):
        return None
    return text


def _is_body(block: str) -> bool:
    """Whether a block is body text a title can stand over: a sentence or a paragraph of some
    length, a list, a quote, code or a table; not a heading, an image, a short control
    ("print")."""
    if _HEADING_LINE.match(block) or block.startswith(("![", "[![")):
        return False
    return (
        len(block) >= _BODY_CHARS
        or block.rstrip(_CLOSING).endswith(_FULL_STOP)
        or _BODY_BLOCK.match(block) is not None
    )


def bold_titles(blocks: list[str]) -> list[str]:
    """Blocks with the bold paragraphs that stand for section titles made headings.

    Many sites (Chinese portals above all) set their section titles as ``<p><strong>一、…
    </strong></p>``: a short bold paragraph, not ending as a sentence or a label does,
    between a heading or body text and body text, becomes a heading one level below the heading before it (level 2
    when there is none). A run of them (a title and its subtitle) becomes a run of headings;
    a lone section number ("1", "二") before a title joins it.
    """
    out: list[str] = []
    level = 1
    body = False  # whether a heading or a paragraph of body text came before
    index = 0
    while index < len(blocks):
        block = blocks[index]
        heading = _HEADING_LINE.match(block)
        if heading is not None:
            level = len(heading.group(1))
            body = level > 1  # a subtitle may follow a section's heading, not the page title
            out.append(block)
            index += 1
            continue
        run: list[str] = []
        end = index
        while end < len(blocks) and (title := _bold_title(blocks[end])) is not None:
            run.append(title)
            end += 1
        if not run or not body or end >= len(blocks) or not _is_body(blocks[end]):
            # No body text before (a byline, a source line) or after: emphasis, not a title.
            out.extend(blocks[index : max(end, index + 1)])
            body = body or _is_body(block)
            index = max(end, index + 1)
            continue
        mark = "#" * min(level + 1, 6)
        number, label = "", ""
        for original, title in zip(blocks[index:end], run, strict=True):
            if _SECTION_NUMBER.match(title):
                if number:
                    out.append(number)  # a number alone titles nothing
                number, label = original, title + " "
                continue
            out.append(f"{mark} {label}{title}")
            number, label = "", ""
        if number:
            out.append(number)
        index = end
    return out
