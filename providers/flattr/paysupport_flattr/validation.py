"""Moved to :mod:`paysupport_flattr.catalog`; this path warns and goes in 0.3."""

import warnings

from paysupport_flattr.catalog import *  # noqa: F403
from paysupport_flattr.catalog import (
    check_choice,
    check_hidden,
    check_tags,
    check_text,
    check_url,
    refusal,
)

__all__ = ["check_choice", "check_hidden", "check_tags", "check_text", "check_url", "refusal"]

warnings.warn(
    "paysupport_flattr.validation moved to paysupport_flattr.catalog; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
