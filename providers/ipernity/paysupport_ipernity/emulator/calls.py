"""Moved to :mod:`paysupport_ipernity.emulator.api`; this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.emulator.api import *  # noqa: F403
from paysupport_ipernity.emulator.api import Call, split_keywords

__all__ = ["Call", "split_keywords"]

warnings.warn(
    "paysupport_ipernity.emulator.calls moved to paysupport_ipernity.emulator.api; "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
