"""The accounts of a library and the entries they brought, kept in the library's small tables.

``accounts``:          name -> ``{kind, url, user, secret, added, last_sync, last_error,
                       entries_mark, state_mark}`` (``secret`` says where the password is kept:
                       ``keyring`` or ``file``; never the password itself)
``account_entries``:   article id -> ``{a: account, r: the server's id, f: feed id, u: unread,
                       s: starred}``: the state last agreed with the server (see
                       :mod:`termreader.accounts.queue`)
``account_feeds``:     ``NAME feed-id`` -> ``{account, title, url}``
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from termreader.accounts import secrets
from termreader.accounts.kinds import KINDS, AccountError
from termreader.library.store import Library
from termreader.models import now
from termreader.text.sanitize import clean_line

ACCOUNTS = "accounts"
ENTRIES = "account_entries"
FEEDS = "account_feeds"

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(slots=True)
class Account:
    """An account on a feed server (no password: see :mod:`termreader.accounts.secrets`)."""

    name: str
    kind: str
    url: str
    user: str = ""
    secret: str = "file"
    added: str = ""
    last_sync: str = ""
    last_error: str = ""
    entries_mark: str = ""
    state_mark: str = ""

    @property
    def secret_key(self) -> str:
        return secrets.secret_key(self.kind, self.url, self.user)

    def record(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "url": self.url,
            "user": self.user,
            "secret": self.secret,
            "added": self.added,
            "last_sync": self.last_sync,
            "last_error": self.last_error,
            "entries_mark": self.entries_mark,
            "state_mark": self.state_mark,
        }

    def public(self) -> dict[str, str | None]:
        """What ``account list --json`` shows: never the password."""
        return {
            "name": self.name,
            "kind": self.kind,
            "url": clean_line(self.url),
            "user": clean_line(self.user),
            "credentials": self.secret,
            "added": self.added or None,
            "last_sync": self.last_sync or None,
            "last_error": clean_line(self.last_error) or None,
        }


def accounts(library: Library) -> list[Account]:
    """Every account, by name."""
    return [_account(name, rec) for name, rec in sorted(library.kv_all(ACCOUNTS).items())]


def get(library: Library, name: str) -> Account:
    """The account called ``name``. Raises AccountError."""
    record = library.kv_get(ACCOUNTS, name)
    if record is None:
        raise AccountError(
            f"no account called {clean_line(name)!r} (see `termreader account list`)"
        )
    return _account(name, record)


def _account(name: str, record: dict[str, object]) -> Account:
    return Account(name=name, **{k: str(record.get(k) or "") for k in _FIELDS})


_FIELDS = (
    "kind",
    "url",
    "user",
    "secret",
    "added",
    "last_sync",
    "last_error",
    "entries_mark",
    "state_mark",
)


def default_name(library: Library, kind: str, url: str) -> str:
    """A free name from the server's host (``miniflux.example.org`` -> ``miniflux.example.org``,
    then ``-2``...)."""
    from urllib.parse import urlsplit

    host = (urlsplit(url).hostname or kind).strip(".")
    base = re.sub(r"[^A-Za-z0-9._-]+", "-", host)[:60].strip("-._") or kind
    taken = library.kv_all(ACCOUNTS)
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}-{n}"
    return name


def add(library: Library, kind: str, url: str, user: str, password: str, name: str = "") -> Account:
    """Record an account and keep its password (keyring or 0600 file). Nothing is synced.

    Raises:
        AccountError: a bad kind, URL or name, a name in use, or the password could not be kept.
    """
    if kind not in KINDS:
        raise AccountError(f"unknown kind {clean_line(kind)!r}: one of {', '.join(KINDS)}")
    url = clean_line(url).strip()
    if not url.lower().startswith(("http://", "https://")):
        raise AccountError("the server URL must start with http:// or https://")
    name = name or default_name(library, kind, url)
    if not _NAME.match(name):
        raise AccountError(
            "an account name is letters, digits, '.', '_' or '-' (at most 64, not starting with a sign)"
        )
    if library.kv_get(ACCOUNTS, name) is not None:
        raise AccountError(f"there is already an account called {name!r}")
    account = Account(name=name, kind=kind, url=url, user=clean_line(user), added=now().isoformat())
    account.secret = secrets.store(account.secret_key, password)
    library.kv_put(ACCOUNTS, name, account.record())
    return account


def save(library: Library, account: Account) -> None:
    library.kv_put(ACCOUNTS, account.name, account.record())


def password(account: Account) -> str:
    """The account's password. Raises AccountError when it is not kept any more."""
    value = secrets.load(account.secret_key, account.secret)
    if value is None:
        raise AccountError(
            "no password kept for this account; remove it and add it again "
            f"(`termreader account remove {account.name}`)"
        )
    return value


def remove(library: Library, name: str) -> int:
    """Forget an account, its password and its entry records; its articles stay in the library.
    Returns how many entries it had."""
    account = get(library, name)
    entries = [k for k, v in library.kv_all(ENTRIES).items() if v.get("a") == name]
    library.kv_delete_many(ENTRIES, entries)
    library.kv_delete_many(
        FEEDS, [k for k, v in library.kv_all(FEEDS).items() if v.get("account") == name]
    )
    library.kv_delete(ACCOUNTS, name)
    secrets.forget(account.secret_key, account.secret)
    return len(entries)
