"""Checks for arguments of the public API that take several values.

A ``str`` is itself an iterable of one-letter strings, so ``tags="python"``
would silently become six tags and ``tier_ids="123"`` three tiers. Every verb
that takes a list (tags, tickets, tier ids, triggers...) passes it through
:func:`several` before anything is sent, so a bare string is refused with the
argument's name instead of being split. Where a string is a documented form of
the argument (Patreon's ``includes="a,b"``, Flattr's search ``language="en"``),
the caller handles the string first and only the other values come here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from paysupport.errors import InvalidRequest

T = TypeVar("T")

_SHOWN = 40


def several(
    value: Iterable[T] | None,
    argument: str,
    *,
    provider: str | None = None,
    error: Callable[[str], Exception] | None = None,
) -> tuple[T, ...]:
    """``value`` as a tuple (``None`` is empty); a string, bytes or a non-iterable is refused.

    Raises :class:`~paysupport.errors.InvalidRequest` naming ``argument`` (or what
    ``error`` builds from the message, for a provider's own subclass), before any
    request is sent.
    """
    if value is None:
        return ()
    if isinstance(value, (str, bytes, bytearray)):
        text = repr(value[:_SHOWN]) + ("..." if len(value) > _SHOWN else "")
        message = (
            f"{argument} takes a list of values, not the single string {text}: "
            f"write {argument}=[{text}] for one value"
        )
        raise (error or _invalid(provider))(message)
    try:
        return tuple(value)
    except TypeError:
        message = f"{argument} takes a list of values, not {type(value).__name__}"
        raise (error or _invalid(provider))(message) from None


def _invalid(provider: str | None) -> Callable[[str], Exception]:
    return lambda message: InvalidRequest(message, provider=provider)
