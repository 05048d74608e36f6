"""Patreon provider for paysupport: API v2 and v1, OAuth and creator tokens, webhooks, gating.

``paysupport.connect("patreon", ...)`` returns a :class:`PatreonClient`, typed as the
core's ``Client``; :func:`connect` here (or ``paysupport.connect("patreon",
PatreonClient)``) gives it its own type. The emulator (``paysupport_patreon.emulator``)
is its sandbox.
"""

from paysupport_patreon.client import PatreonClient, connect
from paysupport_patreon.entitlement import Entitlement
from paysupport_patreon.errors import InvalidSignature, UnknownTrigger, WebhookError
from paysupport_patreon.resources import Campaign, Member, PatreonUser, Post, Tier, Webhook
from paysupport_patreon.walks import extract_cursor
from paysupport_patreon.webhooks import WebhookEvent, WebhookReceiver, flask_view, parse, verify

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
