"""Moved to :mod:`paysupport_flattr.resources`; this path warns and goes in 0.3."""

import warnings

from paysupport_flattr.resources import *  # noqa: F403
from paysupport_flattr.resources import (
    Activity,
    Flattr,
    FlattrResult,
    FlattrUser,
    MiniThing,
    MiniUser,
    parse_activities,
)

__all__ = [
    "Activity",
    "Flattr",
    "FlattrResult",
    "FlattrUser",
    "MiniThing",
    "MiniUser",
    "parse_activities",
]

warnings.warn(
    "paysupport_flattr.models moved to paysupport_flattr.resources; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
