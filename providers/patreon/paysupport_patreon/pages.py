"""Deprecated: moved to :mod:`paysupport_patreon.info` (URLs) and ``.client`` (``pledge_url``).

The URL patterns and :func:`creator_vanity` are the provider's declaration now;
``pledge_url`` is next to ``PatreonClient.pledge_url``. This path goes in 0.3.
"""

import warnings

warnings.warn(
    "paysupport_patreon.pages moved to paysupport_patreon.info (RESERVED, URL_PATTERNS, "
    "creator_vanity) and paysupport_patreon.client (pledge_url); the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)

from paysupport_patreon.client import pledge_url  # noqa: E402
from paysupport_patreon.info import *  # noqa: E402, F403
from paysupport_patreon.info import RESERVED, URL_PATTERNS, creator_vanity  # noqa: E402

__all__ = ["RESERVED", "URL_PATTERNS", "creator_vanity", "pledge_url"]
