"""GitHub Sponsors provider for paysupport: sponsors, sponsorships, tiers, entitlement, webhooks.

Reads GitHub's GraphQL API (``https://api.github.com/graphql``) with a token or
an OAuth login: a maintainer's sponsors (``walk("sponsors")``, or
``walk("supporters")`` in the common shape), an account's own sponsorships,
a listing's tiers, and whether someone sponsors you (``is_sponsored_by``).
Sponsorship webhooks are verified and parsed by :mod:`paysupport_github.webhooks`.
``paysupport.connect("github", ...)`` returns a :class:`GitHubClient`;
:func:`connect` here gives it its own type. The emulator
(``paysupport_github.emulator``) is its sandbox.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paysupport_github.client import GitHubClient, connect
    from paysupport_github.errors import (
        BodyTooLarge,
        FieldNotFound,
        InvalidSignature,
        UnknownEvent,
        WebhookError,
    )
    from paysupport_github.info import INFO
    from paysupport_github.resources import Entitlement, SponsorEntity, Sponsorship, Tier
    from paysupport_github.transport import RateLimit
    from paysupport_github.webhooks import (
        DeliveryLog,
        SponsorshipEvent,
        WebhookReceiver,
        flask_view,
        parse,
        sign,
        verify,
    )

#: Where each public name lives: imported on first use, so reading ``paysupport_github.info``
#: (the registry's entry point) does not import the client, requests or the HTTP layer.
_HOMES = {
    "INFO": "info",
    "BodyTooLarge": "errors",
    "DeliveryLog": "webhooks",
    "Entitlement": "resources",
    "FieldNotFound": "errors",
    "GitHubClient": "client",
    "InvalidSignature": "errors",
    "RateLimit": "transport",
    "SponsorEntity": "resources",
    "Sponsorship": "resources",
    "SponsorshipEvent": "webhooks",
    "Tier": "resources",
    "UnknownEvent": "errors",
    "WebhookError": "errors",
    "WebhookReceiver": "webhooks",
    "connect": "client",
    "flask_view": "webhooks",
    "parse": "webhooks",
    "sign": "webhooks",
    "verify": "webhooks",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'paysupport_github' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"paysupport_github.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "INFO",
    "BodyTooLarge",
    "DeliveryLog",
    "Entitlement",
    "FieldNotFound",
    "GitHubClient",
    "InvalidSignature",
    "RateLimit",
    "SponsorEntity",
    "Sponsorship",
    "SponsorshipEvent",
    "Tier",
    "UnknownEvent",
    "WebhookError",
    "WebhookReceiver",
    "connect",
    "flask_view",
    "parse",
    "sign",
    "verify",
]
