"""The project's own exceptions: every failure the user can meet becomes one of these."""

from __future__ import annotations


class TermreaderError(Exception):
    """Base class. ``str(error)`` is a one-line message fit for the user."""

    def __str__(self) -> str:  # one line, always
        text = super().__str__()
        return " ".join(text.split()) if text else self.__class__.__name__


class ImportFailed(TermreaderError):
    """A file or document could not be turned into an article (binary, empty, unknown...)."""


class IsAFeed(ImportFailed):
    """The document is a feed (RSS, Atom, JSON Feed): subscribe to it rather than read it.

    Attributes:
        source: The URL or path of the feed, as given to the importer.
        kind: ``rss``, ``atom``, ``rdf`` or ``json``.
        fetched: The fetch result that held the feed, when it came over the network, so that
            subscribing to it does not download it again.
    """

    def __init__(self, message: str, *, source: str = "", kind: str = "") -> None:
        super().__init__(message)
        self.source = source
        self.kind = kind
        self.fetched: object | None = None


class StoreError(TermreaderError):
    """The library could not be read or written (permissions, full disk...)."""


class NotFound(TermreaderError):
    """No article matches the given id, URL or path."""


class FetchError(TermreaderError):
    """A network fetch failed (DNS, refused, timeout, TLS, HTTP status, too large...)."""


class NotAnArticle(FetchError):
    """The fetched resource is not text we can read (image, binary, ...)."""


class LinkRefused(TermreaderError):
    """A link was refused by the link policy (file:, javascript:, data:, outside the tree...)."""


class ConfigError(TermreaderError):
    """The configuration file is broken; the message names the line."""
