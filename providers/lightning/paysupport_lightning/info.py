"""What the Lightning provider declares: name, capabilities, settings, where the client is.

Read without importing the client (the ``paysupport.providers`` entry point), so
``paysupport providers`` lists Lightning at the cost of this module alone: no
``nostr_sdk``, no ``requests``.
"""

from __future__ import annotations

from paysupport.info import Capability, ProviderInfo

INFO = ProviderInfo(
    name="lightning",
    title="Lightning (Nostr Wallet Connect)",
    # NWC has no HTTP API: the wallet is reached over the relay named in ``nwc_uri``. HTTP
    # serves only Lightning Addresses, at each address's own domain (or ``lnaddress_base_url``).
    default_base_url="https://nwc.invalid",
    capabilities=frozenset({Capability.IDENTITY}),
    settings=("nwc_uri", "lnaddress_base_url", "request_timeout"),
    secret_settings=("nwc_uri",),
    env_aliases={"NWC_URI": "nwc_uri"},
    auth="none",
    description="Lightning payments through a Nostr Wallet Connect wallet (NIP-47): keysend",
    client="paysupport_lightning.client:LightningClient",
)

__all__ = ["INFO"]
