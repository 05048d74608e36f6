"""Moved to :mod:`paysupport_ipernity.emulator.auth`; this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.emulator.auth import *  # noqa: F403
from paysupport_ipernity.emulator.auth import LinkError, authorize

__all__ = ["LinkError", "authorize"]

warnings.warn(
    "paysupport_ipernity.emulator.authorize moved to paysupport_ipernity.emulator.auth; "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
