"""Deprecated: the v2 read calls are :class:`~paysupport_patreon.client.PatreonClient`'s own.

``get_identity``, ``get_campaigns``, ``get_campaign``, ``get_campaign_members``,
``get_member``, ``get_campaign_posts`` and ``get_post`` are methods of the client
in :mod:`paysupport_patreon.client`; the ``V2Calls`` mixin is gone and its name
stands for the client. This path goes in 0.3.
"""

import warnings

warnings.warn(
    "paysupport_patreon.v2 moved to paysupport_patreon.client (the v2 calls are "
    "PatreonClient's methods); the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)

from paysupport_patreon.client import *  # noqa: E402, F403
from paysupport_patreon.client import Includes, PatreonClient  # noqa: E402

#: The mixin's old name: its calls are ``PatreonClient``'s own methods now.
V2Calls = PatreonClient

__all__ = ["Includes", "PatreonClient", "V2Calls"]
