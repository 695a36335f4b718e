"""Account commands of the CLI: ``account add KIND URL``, ``account list``, ``account remove``.

The password is never an argument (argv is visible to every user of the machine through ``ps``
and lands in shell history): it is read from stdin when stdin is not a terminal, else asked for
without echo.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from termreader.cli.common import add_library_option, error, load_settings, open_library
from termreader.text.sanitize import clean_line

KINDS = ("fever", "miniflux", "greader")
"""As :data:`termreader.accounts.kinds.KINDS` (not imported: every start of the CLI, the
reader's included, imports this module)."""


def register(subparsers: Any) -> None:
    """Add ``account`` and its actions to the CLI's subparsers."""
    p = subparsers.add_parser(
        "account",
        help="accounts on feed servers (Fever, Miniflux, Google Reader API)",
        description="Sync with the feed server you already run. `termreader sync` pulls each "
        "account's entries and sends what you marked, also after reading offline.",
    )
    add_library_option(p)
    sub = p.add_subparsers(title="account commands", metavar="ACTION", required=True)

    q = sub.add_parser(
        "add",
        help="add an account (the password is read from stdin, or asked for)",
        description="Add an account. KIND is fever, miniflux or greader (FreshRSS and others: "
        "the URL ends in /api/greader.php). The password (or a Miniflux API token, with no "
        "--user) is read from stdin when it is not a terminal, else asked for; it is kept in "
        "the system keyring, or in a file only you can read.",
    )
    add_library_option(q)
    q.add_argument("kind", choices=KINDS, metavar="KIND", help="fever, miniflux or greader")
    q.add_argument("url", metavar="URL", help="the API's address")
    q.add_argument("--user", default="", help="the user name (email for coldsweat)")
    q.add_argument("--name", default="", help="a short name (default: the server's host)")
    q.add_argument(
        "--no-check",
        action="store_true",
        help="do not log in to the server first (it is checked by default)",
    )
    q.set_defaults(func=cmd_account_add)

    q = sub.add_parser("list", help="list the accounts (never the password)")
    add_library_option(q)
    q.add_argument("--json", action="store_true", help="one JSON object per line")
    q.set_defaults(func=cmd_account_list)

    q = sub.add_parser("remove", help="forget an account and its password (articles stay)")
    add_library_option(q)
    q.add_argument("name", metavar="NAME")
    q.set_defaults(func=cmd_account_remove)


def read_password(prompt: str) -> str:
    """The password from stdin (one line) when it is not a terminal, else asked for."""
    if sys.stdin is None:
        return ""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    import getpass

    return getpass.getpass(prompt)


def cmd_account_add(args: argparse.Namespace) -> int:
    from termreader.accounts import registry

    if args.kind != "miniflux" and not args.user:
        error(f"account add: --user is needed for a {args.kind} account")
        return 2
    what = "API token" if args.kind == "miniflux" and not args.user else "password"
    secret = read_password(f"{what} for {args.user or args.url}: ")
    if not secret:
        error(f"account add: no {what} given")
        return 1
    library = open_library(args, seed_samples=False)
    # (A URL that is not http(s) is refused by registry.add: nothing to log in to.)
    web = args.url.strip().lower().startswith(("http://", "https://"))
    checked = _check(args, secret, what) if web and not args.no_check else ""
    if checked is None:
        return 1
    account = registry.add(library, args.kind, args.url, args.user, secret, name=args.name)
    where = "the system keyring" if account.secret == "keyring" else "a file only you can read"
    print(
        f"account {account.name} added ({account.kind}, {clean_line(account.url)}{checked}); "
        f"{what} kept in {where}; run `termreader sync` to fetch it"
    )
    return 0


def _check(args: argparse.Namespace, secret: str, what: str) -> str | None:
    """Log in once before keeping the account: a refused password is an error and nothing is
    kept (returns None); a server out of reach is only a warning (offline first: the account
    is kept and the next sync tries it). Returns the note for the "added" line."""
    from termreader.accounts.kinds import AccountError, AuthFailed
    from termreader.accounts.sync import check_login_blocking

    try:
        feeds = check_login_blocking(args.kind, args.url, args.user, secret, load_settings())
    except AuthFailed as exc:
        error(f"account add: {clean_line(str(exc))}; nothing was saved (check the {what})")
        return None
    except AccountError as exc:
        error(f"account add: could not log in now ({clean_line(str(exc))}); the next sync will try")
        return ", not checked"
    return f", logged in: {feeds} feed{'s' if feeds != 1 else ''}"


def cmd_account_list(args: argparse.Namespace) -> int:
    from termreader.accounts import queue, registry

    library = open_library(args, seed_samples=False)
    for account in registry.accounts(library):
        record: dict[str, object] = dict(account.public())
        record["waiting"] = queue.waiting(library, account.name)
        if args.json:
            print(json.dumps(record, ensure_ascii=False))
            continue
        line = f"{account.name}  {account.kind}  {record['url']}"
        if account.user:
            line += f"  user {record['user']}"
        line += f"  last sync {account.last_sync or 'never'}"
        if record["waiting"]:
            line += f"  {record['waiting']} changes waiting"
        if account.last_error:
            line += f"  [error: {record['last_error']}]"
        print(line)
    return 0


def cmd_account_remove(args: argparse.Namespace) -> int:
    from termreader.accounts import registry

    library = open_library(args, seed_samples=False)
    registry.remove(library, args.name)
    print(f"account {clean_line(args.name)} removed (its articles stay in the library)")
    return 0
