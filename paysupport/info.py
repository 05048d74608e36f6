"""What a provider declares about itself: its name, capabilities, settings and client.

This module imports nothing but the standard library, so a provider's
``info.py`` (its ``paysupport.providers`` entry point) can be read, and
``paysupport providers`` can list every installed provider, without importing
any client, ``requests`` or the HTTP layer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

__all__ = ["AUTH_KINDS", "COMMON_SETTINGS", "VERBS", "Capability", "ProviderInfo"]

#: Settings every client reads besides its own.
COMMON_SETTINGS = ("base_url", "token_store", "account", "app_name")


class Capability(str, Enum):
    """What a provider can do; shown by ``paysupport providers``."""

    IDENTITY = "identity"
    SUPPORT = "support"
    REGISTER = "register"
    SUBSCRIPTIONS = "subscriptions"
    MEMBERS = "members"
    CAMPAIGNS = "campaigns"
    WEBHOOKS = "webhooks"
    UPLOAD = "upload"
    WALK = "walk"

    def __str__(self) -> str:
        return self.value


#: What ``ProviderInfo.auth`` may declare: how a user logs in (``none``: nobody does).
AUTH_KINDS = ("oauth2", "frob", "none")

#: The verbs of the common API and the capability each one needs.
VERBS: Mapping[str, Capability] = {
    "identity": Capability.IDENTITY,
    "support": Capability.SUPPORT,
    "register": Capability.REGISTER,
    "unregister": Capability.REGISTER,
    "walk": Capability.WALK,
}


@dataclass(frozen=True)
class ProviderInfo:
    """A provider's declaration: who it is, what it can do, what it needs.

    ``settings`` are the keyword arguments the client reads through the
    configuration chain; ``secret_settings`` are masked in logs and errors.
    ``url_patterns`` are regular expressions of URLs this provider can act on
    (payment links in feeds). ``auth`` is ``"oauth2"``, ``"frob"`` or ``"none"``.
    """

    name: str
    title: str
    default_base_url: str
    capabilities: frozenset[Capability]
    collections: tuple[str, ...] = ()
    settings: tuple[str, ...] = ()
    secret_settings: tuple[str, ...] = ()
    env_aliases: Mapping[str, str] = field(default_factory=dict)
    url_patterns: tuple[str, ...] = ()
    auth: str = "none"
    description: str = ""
    #: Where the client class lives, ``"package.module:ClassName"``: the registry imports
    #: it only when a client is made. Empty for a ProviderInfo declared on the class itself.
    client: str = ""
