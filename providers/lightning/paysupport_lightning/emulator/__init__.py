"""A local Lightning wallet behind Nostr Wallet Connect (NIP-47), for tests and the sandbox.

It runs a Nostr relay on 127.0.0.1 and a wallet service with seeded NWC
connections (``credentials()["nwc_uri"]``), pays keysends to seeded recipient
nodes, serves their Lightning Addresses at ``/.well-known/keysend/<user>``
and shows everything under ``/_admin``. Close it when done (the sandbox does).
"""

from .app import LightningEmulator, create_emulator
from .store import Fault

__all__ = ["Fault", "LightningEmulator", "create_emulator"]
