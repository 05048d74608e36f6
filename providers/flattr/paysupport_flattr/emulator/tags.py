"""The tag filter syntax of ``GET /things/search`` (resources/things.md, "Tags").

``|`` is OR, ``&`` is AND and ``!`` is AND NOT, read left to right:
``game | games ! software`` means (game OR games) AND NOT software. Operators
separate terms, so a term may contain spaces; tags compare case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Set

_OPERATOR = re.compile(r"([|&!])")


def parse(expression: str) -> list[tuple[str, bool, str]]:
    """Split an expression into ``(operator, negated, tag)`` steps.

    The first step's operator is ``""``. Raises :class:`ValueError` when the
    expression names no tag at all (``"&"``, ``"!"``, ``""``).
    """
    steps: list[tuple[str, bool, str]] = []
    operator = ""
    negated = False
    for piece in _OPERATOR.split(expression):
        token = piece.strip()
        if token in ("|", "&"):
            operator = token
        elif token == "!":
            negated = True
        elif token:
            steps.append((operator if steps else "", negated, token.lower()))
            operator, negated = "&", False
    if not steps:
        raise ValueError(f"no tag in {expression!r}")
    return steps


def evaluate(
    expression: str,
    lookup: Callable[[str], Set[int]],
    universe: Callable[[], Set[int]],
) -> set[int]:
    """The ids matching ``expression``; ``lookup(tag)`` gives the ids carrying a tag.

    ``universe`` is only called for a leading or OR-ed negation, so common
    queries never touch every thing.
    """
    result: set[int] | None = None
    for operator, negated, tag in parse(expression):
        ids = lookup(tag)
        if result is None:
            result = set(universe()) - ids if negated else set(ids)
        elif operator == "|":
            result |= (set(universe()) - ids) if negated else ids
        elif negated:
            result -= ids
        else:
            result &= ids
    assert result is not None
    return result
