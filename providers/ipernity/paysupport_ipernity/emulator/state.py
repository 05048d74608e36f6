"""Moved to :mod:`paysupport_ipernity.emulator.store` (``App``, ``State``) and
:mod:`paysupport_ipernity.emulator.auth` (``sandbox_app``; issuing and checking frobs and
tokens, once ``State`` methods, are its functions). This path warns and goes in 0.3.
"""

import warnings

from paysupport_ipernity.emulator.auth import *  # noqa: F403
from paysupport_ipernity.emulator.auth import FROB_LIFETIME, sandbox_app
from paysupport_ipernity.emulator.store import *  # noqa: F403
from paysupport_ipernity.emulator.store import App, State

__all__ = ["FROB_LIFETIME", "App", "State", "sandbox_app"]

warnings.warn(
    "paysupport_ipernity.emulator.state moved to paysupport_ipernity.emulator.store "
    "(frobs and tokens: paysupport_ipernity.emulator.auth); the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
