"""What the Patreon provider declares: name, capabilities, settings, URLs it acts on, its client.

This is the ``paysupport.providers`` entry point. It imports nothing but the
core's declaration types (:mod:`paysupport.info`) and the standard library, so
``paysupport providers`` and URL routing read it without importing the client,
``requests`` or the HTTP layer; the registry imports :attr:`ProviderInfo.client`
only when a client is made.

Patreon's public pages are here too, as they are what :data:`URL_PATTERNS`
declares: creator pages are ``https://www.patreon.com/<vanity>`` (also
``/c/<vanity>``, ``/join/<vanity>``, ``/checkout/<vanity>``), and a pledge page
is ``/checkout/<vanity>`` or ``/bePatron?...``. Where a person pledges to a
campaign is :func:`paysupport_patreon.client.pledge_url`.
"""

from __future__ import annotations

import re

from paysupport.info import Capability, ProviderInfo

__all__ = ["INFO", "PROVIDER", "RESERVED", "URL_PATTERNS", "creator_vanity"]

#: The provider's name, as errors and the registry spell it.
PROVIDER = "patreon"

_HOST = r"https?://(?:www\.)?patreon\.com"
#: Paths under patreon.com that are not creators.
RESERVED = frozenset(
    {
        "api",
        "oauth2",
        "posts",
        "user",
        "home",
        "login",
        "signup",
        "settings",
        "search",
        "policy",
        "messages",
        "notifications",
        "membership",
        "portal",
        "about",
        "pricing",
    }
)
_VANITY = r"(?P<vanity>[A-Za-z0-9_.-]+)"
_CREATOR = re.compile(rf"^{_HOST}/(?:(?:c|join|checkout)/)?{_VANITY}/?(?:[?#].*)?$", re.IGNORECASE)
PLEDGE_PAGE = re.compile(rf"^{_HOST}/(?:bePatron\?|checkout/)", re.IGNORECASE)

#: ``ProviderInfo.url_patterns``: creator pages and pledge links.
URL_PATTERNS: tuple[str, ...] = (
    rf"^{_HOST}/(?:(?:c|join|checkout)/)?(?!(?:{'|'.join(sorted(RESERVED))})(?:[/?#]|$))"
    r"[A-Za-z0-9_.-]+/?(?:[?#].*)?$",
    rf"^{_HOST}/bePatron\?",
)


def creator_vanity(url: str) -> str | None:
    """The creator's vanity name in a creator-page URL, ``None`` for other URLs."""
    match = _CREATOR.match(url.strip())
    if match is None or match.group("vanity").lower() in RESERVED:
        return None
    return match.group("vanity")


INFO = ProviderInfo(
    name=PROVIDER,
    title="Patreon",
    default_base_url="https://www.patreon.com",
    capabilities=frozenset(
        {
            Capability.IDENTITY,
            Capability.WALK,
            Capability.MEMBERS,
            Capability.CAMPAIGNS,
            Capability.WEBHOOKS,
        }
    ),
    collections=("campaigns", "members", "posts", "supporters"),
    settings=(
        "client_id",
        "client_secret",
        "redirect_uri",
        "access_token",
        "refresh_token",
        "creator_access_token",
        "creator_refresh_token",
    ),
    secret_settings=(
        "client_secret",
        "access_token",
        "refresh_token",
        "creator_access_token",
        "creator_refresh_token",
    ),
    env_aliases={
        "PATREON_CLIENT_ID": "client_id",
        "PATREON_CLIENT_SECRET": "client_secret",
        "PATREON_REDIRECT_URI": "redirect_uri",
        "PATREON_ACCESS_TOKEN": "access_token",
        "PATREON_REFRESH_TOKEN": "refresh_token",
        "PATREON_CREATOR_ACCESS_TOKEN": "creator_access_token",
        "PATREON_CREATOR_REFRESH_TOKEN": "creator_refresh_token",
    },
    url_patterns=URL_PATTERNS,
    auth="oauth2",
    description="Patreon API v2 (and v1): campaigns, members, posts, webhooks",
    client="paysupport_patreon.client:PatreonClient",
)
