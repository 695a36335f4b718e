"""Which links termreader follows: web links only over http(s), local links only inside their tree."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from termreader.errors import LinkRefused
from termreader.text.sanitize import clean_line, is_clean

WEB_SCHEMES = frozenset({"http", "https"})

# Browsers drop ASCII tab/newline anywhere in a URL and trim C0 controls and spaces at both ends;
# doing the same keeps "java\tscript:" from slipping past the scheme check.
_URL_JUNK = re.compile(r"[\t\n\r]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACE = re.compile(r"\s")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def _strip(url: str) -> str:
    return _URL_JUNK.sub("", url).strip(
        "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f"
        "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b"
        "\x1c\x1d\x1e\x1f "
    )


def scheme_of(url: str) -> str:
    """The lower-cased scheme of ``url`` as a browser would see it, or ``""`` when relative."""
    match = _SCHEME.match(_strip(url))
    return match.group(1).lower() if match else ""


def _shown(url: str, limit: int = 80) -> str:
    """A short, terminal-safe rendering of a refused URL for messages."""
    text = clean_line(url)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def check_web_link(url: str) -> str:
    """Return ``url`` normalized when it may be fetched, else raise :class:`LinkRefused`.

    Only absolute ``http``/``https`` URLs with a host pass. Normalization lower-cases the scheme
    and host, drops default ports and an empty path becomes ``/``; the fragment is kept (it names
    a section of the target), the rest of the URL is left as written.

    Raises:
        LinkRefused: for ``file:``, ``javascript:``, ``data:``, other schemes, relative or
            host-less URLs, URLs that :func:`termreader.text.sanitize.is_clean` rejects (controls, lone
            surrogates, U+FEFF, bidi characters) and URLs with whitespace other than a plain space
            inside (a space is sent as ``%20``, as browsers do).
    """
    # A plain space inside a link is common in hand-written HTML; browsers send it as %20.
    raw = _strip(url).replace(" ", "%20")
    scheme = scheme_of(raw)
    if not scheme:
        raise LinkRefused(f"not an absolute web link: {_shown(url)}")
    # What is returned gets shown and stored, so it must be clean as the sanitizer defines it
    # (lone surrogates, U+FEFF, line separators too, issue 6); whitespace inside is no URL.
    if _CONTROL.search(raw) or not is_clean(raw) or _SPACE.search(raw):
        raise LinkRefused(f"link with control characters or spaces refused: {_shown(url)}")
    if scheme not in WEB_SCHEMES:
        raise LinkRefused(f"{scheme}: links are not followed: {_shown(url)}")
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as error:
        raise LinkRefused(f"malformed link ({error}): {_shown(url)}") from None
    host = (parts.hostname or "").lower()
    if not host or any(c in host for c in ' %<>"\\^`{|}') or not host.isprintable():
        raise LinkRefused(f"link without a valid host: {_shown(url)}")
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = 80 if scheme == "http" else 443
    netloc = host if port in (None, default) else f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, parts.query, parts.fragment))


def can_open_external(url: str) -> bool:
    """True when ``url`` may be handed to the external browser (``o``): http(s) only."""
    try:
        check_web_link(url)
    except LinkRefused:
        return False
    return True


def check_local_link(base_file: Path | str | None, target: str) -> Path:
    """Resolve a link of a local article to a file inside the article's directory tree.

    Args:
        base_file: The local file the article was imported from. ``None`` (or a URL) means the
            article came from the web, and web articles never open local files.
        target: The link as written: a relative path (``notes/b.md``, ``../x.md#part``,
            percent-encoded or not), an absolute path, or a ``file:`` URL.

    Returns:
        The resolved path (symlinks followed), guaranteed to lie under ``base_file``'s directory.

    Raises:
        LinkRefused: for web articles, non-file schemes, and anything resolving outside the tree.
    """
    if base_file is None or scheme_of(str(base_file)) in WEB_SCHEMES:
        raise LinkRefused("local files are opened only from local articles")
    raw = _strip(target)
    scheme = scheme_of(raw)
    if scheme == "file":
        parts = urlsplit(raw)
        if parts.netloc not in ("", "localhost"):
            raise LinkRefused(f"file link to another host refused: {_shown(target)}")
        raw = parts.path
    elif scheme and not (len(scheme) == 1 and raw[1:3] in (":\\", ":/")):  # not a drive letter
        raise LinkRefused(f"{scheme}: is not a local file link: {_shown(target)}")
    else:
        raw = raw.split("#", 1)[0].split("?", 1)[0]
    if not raw:
        raise LinkRefused("empty local link")
    path_text = unquote(raw)
    if "\x00" in path_text:
        raise LinkRefused(f"malformed local link: {_shown(target)}")
    base_dir = Path(base_file).expanduser().resolve().parent
    candidate = Path(path_text)
    if not candidate.is_absolute():
        candidate = base_dir / candidate
    resolved = candidate.resolve()
    if resolved != base_dir and base_dir not in resolved.parents:
        raise LinkRefused(f"outside the article's folder: {_shown(target)}")
    return resolved
