"""Where account passwords live: the system keyring when one is usable, else a file only the user
can read (mode 0600, in the user's config folder: never in a library folder, which may be copied,
synced or shared).

The keyring package finds no backend on most servers and containers (no D-Bus secret service);
it is then not used at all, and the file takes over. ``TERMREADER_KEYRING=off`` skips it too.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from termreader import locations
from termreader.accounts.kinds import AccountError

log = logging.getLogger(__name__)

SERVICE = "termreader"


def secret_key(kind: str, url: str, user: str) -> str:
    """The name a password is kept under: one per server and user, whatever the library."""
    return f"{kind} {user}@{url}"


def _keyring() -> Any:
    """The keyring module when a real backend is there, else None."""
    if os.environ.get("TERMREADER_KEYRING", "").lower() in ("off", "0", "no", "file"):
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        log.debug("keyring not installed", exc_info=True)
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - a broken keyring configuration: use the file
        log.debug("no usable keyring", exc_info=True)
        return None
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    if not getattr(backend, "backends", True):  # a chainer with nothing behind it
        return None
    return keyring


def store(key: str, secret: str) -> str:
    """Keep ``secret`` under ``key``; returns where (``keyring`` or ``file``).

    Raises:
        AccountError: neither the keyring nor the file could take it.
    """
    ring = _keyring()
    if ring is not None:
        try:
            ring.set_password(SERVICE, key, secret)
            return "keyring"
        except Exception:  # noqa: BLE001 - locked or refused keyring: use the file
            log.debug("keyring refused the password; using the file", exc_info=True)
    secrets = _read_file()
    secrets[key] = secret
    _write_file(secrets)
    return "file"


def load(key: str, where: str) -> str | None:
    """The secret kept under ``key`` (``where`` is what :func:`store` returned), or None."""
    if where == "keyring":
        ring = _keyring()
        if ring is None:
            return None
        try:
            value = ring.get_password(SERVICE, key)
        except Exception:  # noqa: BLE001 - an unusable keyring is a missing password
            log.debug("keyring read failed", exc_info=True)
            return None
        return value if isinstance(value, str) else None
    value = _read_file().get(key)
    return value if isinstance(value, str) else None


def forget(key: str, where: str) -> None:
    """Remove the secret (no error when it is not there)."""
    if where == "keyring":
        ring = _keyring()
        if ring is not None:
            with contextlib.suppress(Exception):
                ring.delete_password(SERVICE, key)
        return
    secrets = _read_file()
    if secrets.pop(key, None) is not None:
        _write_file(secrets)


def _read_file() -> dict[str, Any]:
    path = locations.credentials_file()
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise AccountError(
            f"cannot read the credentials file {path}: {error.__class__.__name__}"
        ) from None
    return data if isinstance(data, dict) else {}


def _write_file(secrets: dict[str, Any]) -> None:
    """Write the file atomically, created 0600 from the start (never readable by others even
    for a moment), in a folder only the user can enter when we create it."""
    path = locations.credentials_file()
    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".credentials.", suffix=".tmp", dir=path.parent)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(secrets, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        tmp = None
        os.chmod(path, 0o600)
    except OSError as error:
        raise AccountError(
            f"cannot write the credentials file {path}: {error.strerror or error}"
        ) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                Path(tmp).unlink()
