"""Old path of hosts, kept for one release: it warns and goes in 0.3.

Moved to :mod:`paysupport_flattr.auth` and :mod:`paysupport_flattr.transport`.
"""

import warnings

from paysupport_flattr.auth import SCOPES
from paysupport_flattr.transport import (
    API_PREFIX,
    CLOSED_MESSAGE,
    CLOSED_ROOTS,
    REAL_API_ROOT,
    REAL_SITE_ROOT,
    ClosedService,
    Hosts,
    refuse_closed_hosts,
)

__all__ = [
    "API_PREFIX",
    "CLOSED_MESSAGE",
    "CLOSED_ROOTS",
    "REAL_API_ROOT",
    "REAL_SITE_ROOT",
    "SCOPES",
    "ClosedService",
    "Hosts",
    "refuse_closed_hosts",
]

warnings.warn(
    "paysupport_flattr.hosts moved to paysupport_flattr.auth and paysupport_flattr.transport; "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
