"""Deprecated: moved to :mod:`paysupport_patreon.webhook_admin` (managing webhooks); goes in 0.3."""

import warnings

warnings.warn(
    "paysupport_patreon.webhook_calls moved to paysupport_patreon.webhook_admin; "
    "the old path goes in 0.3",
    DeprecationWarning,
    stacklevel=2,
)

from paysupport_patreon.webhook_admin import *  # noqa: E402, F403
from paysupport_patreon.webhook_admin import WebhookCalls  # noqa: E402

__all__ = ["WebhookCalls"]
