"""Settings from ``config.toml`` (see :func:`termreader.locations.config_file`); defaults when absent."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from termreader.errors import ConfigError
from termreader.locations import config_file


@dataclass(slots=True)
class Settings:
    """Every setting, with its default. The README documents each one."""

    theme: str = "textual-dark"
    """Any Textual theme name (``textual-dark``, ``textual-light``, ``nord``, ``gruvbox``...)."""
    reading_width: int = 100
    """Maximum width of the reading column in cells; text is centred in wider terminals."""
    layout: str = "auto"
    """Pane layout: ``auto`` (library pane shown when the terminal is ≥ 110 cells wide),
    ``wide`` (always shown) or ``narrow`` (reading pane only; library as an overlay)."""
    show_outline: bool = False
    """Whether the outline pane is open at start."""
    keys: dict[str, str] = field(default_factory=dict)
    """Key overrides: action name → comma-separated keys, e.g. ``next_section = "],ctrl+n"``."""
    sync_concurrency: int = 16
    """How many requests ``sync`` keeps in flight at once (feeds, pages and related links).
    16 keeps a sync of many slow sources quick (a re-sync where everything answers 304 waits on
    round trips, not on work, so requests in flight set its pace); lower it on a slow link."""
    sync_per_host: int = 0
    """At most this many of those requests go to one host at once (politeness towards a site
    whose feed lists many of its own pages); 0, or a value ≥ ``sync_concurrency``, means no
    separate cap: only ``sync_concurrency`` applies."""
    fetch_timeout: float = 20.0
    """Seconds before a fetch gives up."""
    max_download_mb: float = 10.0
    """Largest response body accepted, in MB (compressed and decompressed)."""
    related_depth: int = 1
    """How deep ``sync`` prefetches related links (0 turns prefetching off)."""
    related_limit: int = 20
    """At most this many related links are prefetched per article."""
    keep_days: int = 0
    """After each full ``sync``, articles older than this many days that are read and not
    starred are pruned (``termreader prune``); 0 keeps everything."""


def load(path: Path | None = None) -> Settings:
    """Read settings; a missing file means defaults; a broken one raises :class:`ConfigError`."""
    path = path or config_file()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    import tomllib  # here: with no settings file (the usual start) it is never needed

    try:
        data: dict[str, Any] = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: {error}") from None
    settings = Settings()
    known = {f.name: f for f in fields(Settings)}
    for key, value in data.items():
        name = key.replace("-", "_")
        if name not in known:
            raise ConfigError(f"{path}: unknown setting {key!r}")
        default = getattr(settings, name)
        expected = type(default)
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
            raise ConfigError(
                f"{path}: setting {key!r} must be {expected.__name__}, not {type(value).__name__}"
            )
        setattr(settings, name, value)
    return settings


def save_setting(name: str, value: str | int | float | bool, path: Path | None = None) -> Path:
    """Set one top-level setting in ``config.toml``, keeping the rest of the file as it is.

    The user's comments, the order and spelling of the other keys and their tables stay; a
    setting already there (also spelled with dashes) is changed in place, else added before
    the first table. The file is replaced atomically (a temp file in
    the same folder, fsync, rename), keeping its permissions; a missing file is created.

    Raises:
        ConfigError: the file cannot be read or parsed (it is left alone), or cannot be written.
    """
    import tomlkit  # here: only the rare change of a setting from the app needs it
    from tomlkit.exceptions import TOMLKitError

    path = path or config_file()
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raw = ""
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    try:
        document = tomlkit.parse(raw)
    except TOMLKitError as error:
        raise ConfigError(f"{path}: {error}") from None
    key = next((k for k in document if k.replace("-", "_") == name), name)
    # A new top-level key goes before the first [table] (tomlkit places it so): after a table
    # header it would belong to that table.
    document[key] = value
    text = tomlkit.dumps(document)
    _replace_file(path, text.encode("utf-8"))
    return path


def _replace_file(path: Path, data: bytes) -> None:
    """Write ``path`` atomically, with the old file's permissions (``0o644`` for a new one)."""
    import os
    import tempfile

    tmp: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = 0o644
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
        tmp = None
    except OSError as error:
        raise ConfigError(f"{path}: cannot write: {error.strerror or error}") from None
    finally:
        if tmp is not None:
            try:
                os.unlink(tmp)
            except OSError:
                pass
