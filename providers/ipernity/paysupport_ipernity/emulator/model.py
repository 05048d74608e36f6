"""Moved to :mod:`paysupport_ipernity.emulator.store`; this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.emulator.store import *  # noqa: F403
from paysupport_ipernity.emulator.store import (
    Album,
    Doc,
    Frob,
    Original,
    Tag,
    Ticket,
    Token,
    User,
)

__all__ = ["Album", "Doc", "Frob", "Original", "Tag", "Ticket", "Token", "User"]

warnings.warn(
    "paysupport_ipernity.emulator.model moved to paysupport_ipernity.emulator.store; "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
