"""Ipernity permission categories and levels.

An authorization link asks for ``perm_<category>=<level>``; a token then carries one level
per category (``none`` when not granted), and the catalogue says which level each method
needs. Levels are ordered: ``delete`` implies ``write`` implies ``read``. ``profile`` stops
at ``write``. Client and emulator both use :func:`satisfies`, so they agree on whether a
call is allowed before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CATEGORIES", "LEVELS", "MAX_LEVEL", "normalize", "satisfies"]

#: Levels from weakest to strongest.
LEVELS: tuple[str, ...] = ("none", "read", "write", "delete")

#: The highest level each category can be granted.
MAX_LEVEL: Mapping[str, str] = {
    "doc": "delete",
    "blog": "delete",
    "post": "delete",
    "network": "delete",
    "profile": "write",
}

#: Permission categories, in the order Ipernity lists them.
CATEGORIES: tuple[str, ...] = tuple(MAX_LEVEL)


def _rank(level: str) -> int:
    try:
        return LEVELS.index(level)
    except ValueError:
        raise ValueError(f"unknown Ipernity permission level {level!r}") from None


def satisfies(granted: Mapping[str, str], required: Mapping[str, str]) -> bool:
    """Whether ``granted`` levels cover every ``required`` level (missing means ``none``)."""
    return all(
        _rank(granted.get(category, "none")) >= _rank(level) for category, level in required.items()
    )


def normalize(requested: Mapping[str, str]) -> dict[str, str]:
    """Full category -> level mapping for a grant, ``none`` where nothing was asked.

    Raises :class:`ValueError` for an unknown category, an unknown level, or a level above
    the category's maximum (``profile=delete``).
    """
    grant = dict.fromkeys(CATEGORIES, "none")
    for category, level in requested.items():
        if category not in MAX_LEVEL:
            raise ValueError(f"unknown Ipernity permission category {category!r}")
        if _rank(level) > _rank(MAX_LEVEL[category]):
            raise ValueError(f"{category!r} cannot be granted {level!r}")
        grant[category] = level
    return grant
