"""Old path of subscriptions, kept for one release: it warns and goes in 0.3.

Moved to :mod:`paysupport_flattr.resources` and :mod:`paysupport_flattr.subscription_calls`.
"""

import warnings

from paysupport_flattr.resources import Subscription
from paysupport_flattr.subscription_calls import SubscriptionsService

__all__ = ["Subscription", "SubscriptionsService"]

warnings.warn(
    "paysupport_flattr.subscriptions moved to paysupport_flattr.resources and "
    "paysupport_flattr.subscription_calls; the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)
