"""What the Ipernity provider declares: name, capabilities, settings and where its client is.

The ``paysupport.providers`` entry point names :data:`INFO`, so listing providers, reading
Ipernity's settings or matching its URLs imports only :mod:`paysupport.info`: no client, no
``requests``. The registry imports :attr:`ProviderInfo.client` when a client is made.
"""

from __future__ import annotations

from paysupport.info import Capability, ProviderInfo

__all__ = ["INFO"]

INFO = ProviderInfo(
    name="ipernity",
    title="Ipernity",
    default_base_url="https://api.ipernity.com",
    capabilities=frozenset({Capability.IDENTITY, Capability.WALK, Capability.UPLOAD}),
    collections=("docs", "albums", "album_docs", "doc_search"),
    settings=("api_key", "api_secret", "auth_token", "callback_url"),
    secret_settings=("api_key", "api_secret", "auth_token"),
    env_aliases={
        "IPERNITY_API_KEY": "api_key",
        "IPERNITY_API_SECRET": "api_secret",
        "IPERNITY_API_TOKEN": "auth_token",
    },
    url_patterns=(r"^https?://(?:www\.)?ipernity\.com/(?:doc|home|blog|group)/[^/?#]+",),
    auth="frob",
    description="Photo and document sharing: signed calls, frob login, walks, uploads",
    client="paysupport_ipernity.client:IpernityClient",
)
