"""What the Flattr provider declares: name, capabilities, settings, URLs it acts on, its client.

This is the ``paysupport.providers`` entry point. It imports nothing but the
core's declaration types (:mod:`paysupport.info`), so ``paysupport providers``
and URL routing read it without importing the client, its transport or the
emulator; the registry imports :attr:`ProviderInfo.client` only when a client is made.

Flattr closed its service in 2023: ``default_base_url`` names the real API for
the URLs old feeds and archives carry, and the client refuses every request to
it (see :mod:`paysupport_flattr.transport`).
"""

from __future__ import annotations

from paysupport.info import Capability, ProviderInfo

__all__ = ["INFO", "PROVIDER", "URL_PATTERNS"]

#: The provider's name, as errors and the registry spell it.
PROVIDER = "flattr"

#: Thing pages and auto-submit links (feed.md: recognised by pattern alone, no redirects).
URL_PATTERNS = (
    r"^https?://(?:www\.)?flattr\.com/thing/\d+(?:[/?#]|$)",
    r"^https?://(?:www\.)?flattr\.com/submit/auto/?\?",
)

INFO = ProviderInfo(
    name=PROVIDER,
    title="Flattr",
    default_base_url="https://api.flattr.com",
    capabilities=frozenset(
        {
            Capability.IDENTITY,
            Capability.SUPPORT,
            Capability.REGISTER,
            Capability.WALK,
            Capability.SUBSCRIPTIONS,
        }
    ),
    collections=("things", "flattrs", "subscriptions", "search", "activities"),
    settings=("client_id", "client_secret", "redirect_uri", "access_token", "rate_limit_mode"),
    secret_settings=("client_secret", "access_token"),
    env_aliases={
        "FLATTR_CLIENT_ID": "client_id",
        "FLATTR_CLIENT_SECRET": "client_secret",
        "FLATTR_ACCESS_TOKEN": "access_token",
    },
    url_patterns=URL_PATTERNS,
    auth="oauth2",
    description="Flattr REST API v2: flattr things and URLs, register things, subscriptions",
    client="paysupport_flattr.client:FlattrClient",
)
