"""Where credentials and settings come from, in order of precedence.

1. explicit arguments (``paysupport.connect('flattr', client_id=...)``);
2. the INI file: ``$PAYSUPPORT_CONFIG``, else ``config.ini`` in the platform's
   config directory; one section per provider, keys as in the arguments;
3. the environment: ``PAYSUPPORT_<PROVIDER>_<KEY>``, then names a provider
   declares (``IPERNITY_API_KEY``...).

A malformed file raises :class:`~paysupport.errors.ConfigError` naming the
file and the line, never a bare ``configparser`` error. A file that parses but
names a section or key nothing reads (``[flatr]``, ``client_secrett``) still
loads, since the rest of it is good, but each such name is reported once with
:class:`ConfigWarning` (``warnings.warn``), its line and a "did you mean": a
misspelt setting is otherwise ignored in silence.
"""

from __future__ import annotations

import configparser
import difflib
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from importlib.metadata import entry_points
from pathlib import Path

import platformdirs

from paysupport.errors import ConfigError

APP_NAME = "paysupport"

#: Sections the core itself reads besides one per installed provider: ``[value]``, the
#: value block a publisher declares (:mod:`paysupport.value.publish`).
CORE_SECTIONS: Mapping[str, frozenset[str]] = {
    "value": frozenset({"suggested", "method", "recipients", "funding", "funding_text"}),
}

_HEADER = re.compile(r"\[(?P<header>.+)\]")
_KEY = re.compile(r"(?P<key>[^\s=:][^=:]*?)\s*[=:]")


class ConfigWarning(UserWarning):
    """The config file names a section or key that nothing reads: most likely a typo.

    ``path`` and ``line`` point at it. Turn it into an error with
    ``warnings.simplefilter("error", ConfigWarning)``, or silence it the same way.
    """

    def __init__(self, message: str, *, path: str, line: int | None) -> None:
        self.path = path
        self.line = line
        where = f" ({path}" + (f", line {line}" if line else "") + ")"
        super().__init__(message + where)


def config_path() -> Path:
    """The INI file in use: ``$PAYSUPPORT_CONFIG`` or the platform config directory's."""
    explicit = os.environ.get("PAYSUPPORT_CONFIG")
    if explicit:
        return Path(explicit).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / "config.ini"


def load_config(path: str | os.PathLike[str] | None = None) -> configparser.ConfigParser:
    """Read the INI file; a missing file is an empty configuration.

    Raises :class:`ConfigError` for a malformed file; warns with
    :class:`ConfigWarning` about sections and keys that nothing reads.
    """
    file = Path(path) if path is not None else config_path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        if path is not None or os.environ.get("PAYSUPPORT_CONFIG"):
            raise ConfigError("config file not found", path=str(file)) from None
        return configparser.ConfigParser(interpolation=None)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"config file cannot be read: {exc}", path=str(file)) from None
    unclosed = _unclosed_header(text)
    if unclosed is not None:
        line, header = unclosed
        # Whatever configparser says about the lines after it is a consequence; an
        # error before it is the real first one.
        _parse("".join(text.splitlines(keepends=True)[: line - 1]), file)
        raise ConfigError(
            f"section header {header!r} is not closed: write [{header.strip('[ ')}]",
            path=str(file),
            line=line,
        )
    parser = _parse(text, file)
    _warn_unknown_names(parser, text, str(file))
    return parser


def _parse(text: str, file: Path) -> configparser.ConfigParser:
    """``text`` parsed, or a :class:`ConfigError` naming ``file`` and the line."""
    parser = configparser.ConfigParser(interpolation=None)
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


def _unclosed_header(text: str) -> tuple[int, str] | None:
    """The first line that opens a section header without closing it, and its text.

    configparser reads ``[patreon`` as a malformed key, or as a line before any
    section, and blames a later line (a key that then "appears twice" in the
    section before). Only unindented lines are headers: an indented one continues
    the value above it.
    """
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("[") and "]" not in line:
            return number, line.rstrip()
    return None


def known_settings() -> dict[str, frozenset[str] | None]:
    """The sections a config file may have, each with the keys read from it.

    One section per installed provider, named by its entry point, so listing
    them imports no provider. A provider's keys are its declared settings plus
    :data:`~paysupport.info.COMMON_SETTINGS`, read from the providers'
    declarations without importing their clients. A provider that fails to load has
    ``None``: its keys cannot be known, so none is called unknown.
    """
    from paysupport import registry
    from paysupport.info import COMMON_SETTINGS

    names = {ep.name for ep in entry_points(group=registry.PROVIDERS_NAMESPACE)}
    infos = registry.provider_infos() if names else {}
    known: dict[str, frozenset[str] | None] = dict(CORE_SECTIONS)
    for name in names:
        info = infos.get(name)
        known[name] = frozenset((*info.settings, *COMMON_SETTINGS)) if info else None
    return known


def _warn_unknown_names(parser: configparser.ConfigParser, text: str, path: str) -> None:
    """A :class:`ConfigWarning` for each section and key nothing reads, at its line."""
    defaults = parser.defaults()
    if not parser.sections() and not defaults:
        return
    lines = _name_lines(text)
    known = known_settings()

    def warn(message: str, section: str, key: str | None = None) -> None:
        line = lines.get((section, key))
        warnings.warn(ConfigWarning(message, path=path, line=line), stacklevel=4)

    for section in parser.sections():
        if section not in known:
            listing = ", ".join(f"[{name}]" for name in sorted(known)) or "none"
            warn(
                f"section [{section}] is ignored: no installed provider has this name"
                f"{_did_you_mean(section, known, '[{}]')} (known sections: {listing})",
                section,
            )
            continue
        allowed = known[section]
        if allowed is None:
            continue
        for key in parser[section]:
            if key not in allowed and key not in defaults:
                warn(
                    f"key {key!r} in section [{section}] is ignored: {section} does not read it"
                    f"{_did_you_mean(key, allowed)} (it reads: {', '.join(sorted(allowed))})",
                    section,
                    key,
                )
    if any(keys is None for keys in known.values()):
        return
    every_key = frozenset().union(*(keys for keys in known.values() if keys is not None))
    for key in defaults:
        if key not in every_key:
            warn(
                f"key {key!r} in section [{parser.default_section}] is ignored: "
                f"no provider reads it{_did_you_mean(key, every_key)}",
                parser.default_section,
                key,
            )


def _did_you_mean(name: str, known: Iterable[str], shape: str = "{!r}") -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f"; did you mean {shape.format(close[0])}?" if close else ""


def _name_lines(text: str) -> dict[tuple[str, str | None], int]:
    """Where each section header (``(section, None)``) and key first appears, by line."""
    where: dict[tuple[str, str | None], int] = {}
    section = configparser.DEFAULTSECT
    for number, line in enumerate(text.splitlines(), start=1):
        if not line or line[0].isspace() or line[0] in "#;":
            continue
        header = _HEADER.match(line)
        if header:
            section = header.group("header")
            where.setdefault((section, None), number)
            continue
        key = _KEY.match(line)
        if key:
            where.setdefault((section, key.group("key").strip().lower()), number)
    return where


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
