"""Deprecated: moved to :mod:`paysupport_patreon.catalog` (what the API allows); goes in 0.3."""

import warnings

warnings.warn(
    "paysupport_patreon.query moved to paysupport_patreon.catalog; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)

from paysupport_patreon.catalog import *  # noqa: E402, F403
from paysupport_patreon.catalog import Fields, build_params, split_names  # noqa: E402

__all__ = ["Fields", "build_params", "split_names"]
