"""Moved to :mod:`paysupport_flattr.transport`; this path warns and goes in 0.3."""

import warnings

from paysupport_flattr.transport import *  # noqa: F403
from paysupport_flattr.transport import Context

__all__ = ["Context"]

warnings.warn(
    "paysupport_flattr.context moved to paysupport_flattr.transport; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
