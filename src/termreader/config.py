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
