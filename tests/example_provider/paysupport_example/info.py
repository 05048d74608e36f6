"""What the Example provider declares: its name, capabilities, settings and where its client is.

This is the ``paysupport.providers`` entry point. It imports nothing but the core's
declaration types (:mod:`paysupport.info`), so listing providers, reading Example's
settings or routing a ``tips.example`` URL to it imports no client and no ``requests``.
The registry imports :attr:`~paysupport.info.ProviderInfo.client` when a client is made.
"""

from __future__ import annotations

from paysupport.info import Capability, ProviderInfo

__all__ = ["INFO", "PROVIDER"]

#: The provider's name, as errors and the registry spell it.
PROVIDER = "example"

INFO = ProviderInfo(
    name=PROVIDER,
    title="Example",
    default_base_url="https://api.example.invalid",
    capabilities=frozenset({Capability.IDENTITY, Capability.WALK, Capability.SUPPORT}),
    collections=("items",),
    settings=("api_key",),  # read through the configuration chain
    secret_settings=("api_key",),  # masked in logs, errors and reprs
    env_aliases={"EXAMPLE_API_KEY": "api_key"},
    url_patterns=(r"^https?://tips\.example/",),  # payment links this provider pays
    auth="none",  # nobody logs in: the API key is the application's
    description="A test provider proving the plugin boundary",
    client="paysupport_example.client:ExampleClient",
)
