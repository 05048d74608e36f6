"""Where credentials and settings come from, in order of precedence.

1. explicit arguments (``paysupport.connect('flattr', client_id=...)``);
2. the INI file: ``$PAYSUPPORT_CONFIG``, else ``config.ini`` in the platform's
   config directory; one section per provider, keys as in the arguments;
3. the environment: ``PAYSUPPORT_<PROVIDER>_<KEY>``, then names a provider
   declares (``IPERNITY_API_KEY``...).

A malformed file raises :class:`~paysupport.errors.ConfigError` naming the
file and the line, never a bare ``configparser`` error.
"""

from __future__ import annotations

import configparser
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import platformdirs

from paysupport.errors import ConfigError

APP_NAME = "paysupport"


def config_path() -> Path:
    """The INI file in use: ``$PAYSUPPORT_CONFIG`` or the platform config directory's."""
    explicit = os.environ.get("PAYSUPPORT_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.ini"


def load_config(path: str | os.PathLike[str] | None = None) -> configparser.ConfigParser:
    """Read the INI file; a missing file is an empty configuration."""
    file = Path(path) if path is not None else config_path()
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is not None or os.environ.get("PAYSUPPORT_CONFIG"):
            raise ConfigError("config file not found", path=str(file)) from None
        return parser
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file cannot be read: {exc}", path=str(file)) from None
    try:
        parser.read_string(text, source=str(file))
    except configparser.MissingSectionHeaderError as exc:
        raise ConfigError(
            "settings must come after a [provider] section header", path=str(file), line=exc.lineno
        ) from None
    except configparser.ParsingError as exc:
        line = exc.errors[0][0] if exc.errors else None
        raise ConfigError("line is not 'key = value'", path=str(file), line=line) from None
    except configparser.DuplicateSectionError as exc:
        raise ConfigError(
            f"section [{exc.section}] appears twice", path=str(file), line=exc.lineno
        ) from None
    except configparser.DuplicateOptionError as exc:
        raise ConfigError(
            f"key {exc.option!r} appears twice in section [{exc.section}]",
            path=str(file),
            line=exc.lineno,
        ) from None
    except configparser.Error as exc:
        raise ConfigError(f"invalid config: {exc.message}", path=str(file)) from None
    return parser


def resolve_settings(
    provider: str,
    keys: Iterable[str],
    explicit: Mapping[str, object] | None = None,
    *,
    env_aliases: Mapping[str, str] | None = None,
    config: configparser.ConfigParser | None = None,
) -> dict[str, str]:
    """Settings for ``provider`` by precedence; keys found nowhere are left out.

    ``env_aliases`` maps extra environment variable names to keys, e.g.
    ``{"IPERNITY_API_KEY": "api_key"}``.
    """
    explicit = explicit or {}
    parser = config if config is not None else load_config()
    section = parser[provider] if parser.has_section(provider) else {}
    aliases_by_key: dict[str, list[str]] = {}
    for env_name, key in (env_aliases or {}).items():
        aliases_by_key.setdefault(key, []).append(env_name)
    resolved: dict[str, str] = {}
    for key in keys:
        value = explicit.get(key)
        if value is None:
            value = section.get(key) or None
        if value is None:
            value = os.environ.get(f"PAYSUPPORT_{provider.upper()}_{key.upper()}")
        if value is None:
            value = next(
                (os.environ[n] for n in aliases_by_key.get(key, ()) if n in os.environ), None
            )
        if value is not None:
            resolved[key] = str(value)
    return resolved
