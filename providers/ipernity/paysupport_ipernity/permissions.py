"""Moved to :mod:`paysupport_ipernity.auth`; this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.auth import *  # noqa: F403
from paysupport_ipernity.auth import (
    CATEGORIES,
    LEVELS,
    MAX_LEVEL,
    normalize,
    satisfies,
)

__all__ = ["CATEGORIES", "LEVELS", "MAX_LEVEL", "normalize", "satisfies"]

warnings.warn(
    "paysupport_ipernity.permissions moved to paysupport_ipernity.auth; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
