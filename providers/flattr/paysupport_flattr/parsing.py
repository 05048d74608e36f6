"""Moved to :mod:`paysupport_flattr.resources`; this path warns and goes in 0.3."""

import warnings

from paysupport_flattr.resources import *  # noqa: F403
from paysupport_flattr.resources import Reader, as_list, fail

__all__ = ["Reader", "as_list", "fail"]

warnings.warn(
    "paysupport_flattr.parsing moved to paysupport_flattr.resources; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
