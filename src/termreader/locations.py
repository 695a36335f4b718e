"""Where termreader keeps its data and config, resolved lazily so tests can override them."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "termreader"


def library_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The library folder: ``override``, else ``$TERMREADER_HOME``, else the user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get("TERMREADER_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def cache_dir() -> Path:
    """The user's cache folder for termreader (``$XDG_CACHE_HOME/termreader`` on Linux): what can
    be rebuilt at any time and is never shared with a library (parsed stylesheets)."""
    return Path(platformdirs.user_cache_dir(APP, appauthor=False))


def config_file() -> Path:
    """The settings file: ``$TERMREADER_CONFIG``, else ``config.toml`` in the user config dir."""
    env = os.environ.get("TERMREADER_CONFIG")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def credentials_file() -> Path:
    """Where account passwords are kept when no system keyring is usable:
    ``$TERMREADER_CREDENTIALS``, else ``credentials.json`` in the user config dir (mode 0600;
    never in a library folder, which may be synced or shared)."""
    env = os.environ.get("TERMREADER_CREDENTIALS")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "credentials.json"


def _resource(name: str) -> Path:
    """A folder shipped in the wheel (``termreader/<name>``) or, from a checkout, the repo's."""
    packaged = Path(__file__).parent / name
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / name


def styles_dir() -> Path:
    """The Textual CSS folder."""
    return _resource("styles")


def sample_articles_dir() -> Path:
    """The embedded sample library."""
    return _resource("sample_articles")
