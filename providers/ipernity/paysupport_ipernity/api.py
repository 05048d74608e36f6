"""Moved to :mod:`paysupport_ipernity.transport`; this path warns and goes in 0.3."""

import warnings

from paysupport_ipernity.transport import *  # noqa: F403
from paysupport_ipernity.transport import (  # noqa: F401
    RESERVED,
    TOKENLESS_METHODS,
    ApiCaller,
    PreparedCall,
    encode_value,
    method_path,
)

__all__ = ["ApiCaller", "PreparedCall", "encode_value", "method_path"]

warnings.warn(
    "paysupport_ipernity.api moved to paysupport_ipernity.transport; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
