"""What the GitHub Sponsors provider declares: name, capabilities, settings, where the client is.

Read without importing the client (the ``paysupport.providers`` entry point), so
``paysupport providers`` lists GitHub Sponsors at the cost of this module alone.
"""

from __future__ import annotations

from paysupport.info import Capability, ProviderInfo

#: Pages of a GitHub Sponsors profile: ``https://github.com/sponsors/<login>``.
URL_PATTERNS = (
    r"^https://github\.com/sponsors/(?P<login>[A-Za-z0-9][A-Za-z0-9-]{0,38})/?(?:[?#].*)?$",
)

INFO = ProviderInfo(
    name="github",
    title="GitHub Sponsors",
    default_base_url="https://api.github.com",
    capabilities=frozenset(
        {Capability.IDENTITY, Capability.WALK, Capability.MEMBERS, Capability.WEBHOOKS}
    ),
    collections=("sponsors", "sponsorships", "tiers", "supporters"),
    settings=(
        "access_token",
        "refresh_token",
        "client_id",
        "client_secret",
        "redirect_uri",
        "login",
        "webhook_secret",
        "rate_limit_mode",
        "rate_limit_wait",
    ),
    secret_settings=("access_token", "refresh_token", "client_secret", "webhook_secret"),
    env_aliases={
        "GITHUB_TOKEN": "access_token",
        "GITHUB_CLIENT_ID": "client_id",
        "GITHUB_CLIENT_SECRET": "client_secret",
        "GITHUB_REDIRECT_URI": "redirect_uri",
        "GITHUB_WEBHOOK_SECRET": "webhook_secret",
    },
    url_patterns=URL_PATTERNS,
    auth="oauth2",
    description="GitHub Sponsors (GraphQL API): sponsors, sponsorships, tiers, webhooks",
    client="paysupport_github.client:GitHubClient",
)

__all__ = ["INFO", "URL_PATTERNS"]
