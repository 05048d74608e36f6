"""Patreon provider for paysupport: API v2 and v1, OAuth and creator tokens, webhooks, gating.

``paysupport.connect("patreon", ...)`` returns a :class:`PatreonClient`, typed as the
core's ``Client``; :func:`connect` here (or ``paysupport.connect("patreon",
PatreonClient)``) gives it its own type. The declaration is
:data:`paysupport_patreon.info.INFO` (the ``paysupport.providers`` entry point). The
emulator (``paysupport_patreon.emulator``) is its sandbox.

The names below are imported on first use, so that reading the declaration
(``paysupport_patreon.info``, which imports this package first) imports no client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport_patreon.client import PatreonClient, connect
    from paysupport_patreon.entitlement import Entitlement
    from paysupport_patreon.errors import InvalidSignature, UnknownTrigger, WebhookError
    from paysupport_patreon.resources import Campaign, Member, PatreonUser, Post, Tier, Webhook
    from paysupport_patreon.walks import extract_cursor
    from paysupport_patreon.webhooks import (
        WebhookEvent,
        WebhookReceiver,
        flask_view,
        parse,
        verify,
    )

__all__ = [
    "Campaign",
    "Entitlement",
    "InvalidSignature",
    "Member",
    "PatreonClient",
    "PatreonUser",
    "Post",
    "Tier",
    "UnknownTrigger",
    "Webhook",
    "WebhookError",
    "WebhookEvent",
    "WebhookReceiver",
    "connect",
    "extract_cursor",
    "flask_view",
    "parse",
    "verify",
]

#: Where each public name lives.
_HOMES = {
    "PatreonClient": "client",
    "connect": "client",
    "Entitlement": "entitlement",
    "InvalidSignature": "errors",
    "UnknownTrigger": "errors",
    "WebhookError": "errors",
    "Campaign": "resources",
    "Member": "resources",
    "PatreonUser": "resources",
    "Post": "resources",
    "Tier": "resources",
    "Webhook": "resources",
    "extract_cursor": "walks",
    "WebhookEvent": "webhooks",
    "WebhookReceiver": "webhooks",
    "flask_view": "webhooks",
    "parse": "webhooks",
    "verify": "webhooks",
}


__getattr__, __dir__ = lazy_exports(__name__, _HOMES)
