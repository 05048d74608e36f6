"""Lightning provider for paysupport: keysend payments through Nostr Wallet Connect (NIP-47).

A wallet (Alby Hub, Mutiny, a node behind an NWC service...) hands out a
connection URI, ``nostr+walletconnect://...``; with it :class:`LightningClient`
reads the wallet (``get_info``, ``balance_msat``), pays keysend payments with
TLV records (``pay_keysend``: the podcast metadata of bLIP-10, a recipient's
``customKey``) and settles an unanswered payment by its hash (``lookup``).
Lightning Addresses with keysend (``user@domain``) resolve to a node with
``resolve_lightning_address``. ``paysupport.connect("lightning", ...)`` returns
a :class:`LightningClient`; :func:`connect` here gives it its own type. The
emulator (``paysupport_lightning.emulator``) is its sandbox: a relay, a wallet
service and Lightning Addresses on 127.0.0.1.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport_lightning.auth import NwcUri
    from paysupport_lightning.client import LightningClient, connect
    from paysupport_lightning.errors import (
        InsufficientBalance,
        LightningAddressError,
        NoAnswer,
        PaymentFailed,
        QuotaExceeded,
        RelayError,
        WalletError,
    )
    from paysupport_lightning.info import INFO
    from paysupport_lightning.resources import KeysendRecipient, Payment, WalletInfo

#: Where each public name lives: imported on first use, so reading ``paysupport_lightning.info``
#: (the registry's entry point) imports neither the client nor ``nostr_sdk`` nor ``requests``.
_HOMES = {
    "INFO": "info",
    "InsufficientBalance": "errors",
    "KeysendRecipient": "resources",
    "LightningAddressError": "errors",
    "LightningClient": "client",
    "NoAnswer": "errors",
    "NwcUri": "auth",
    "Payment": "resources",
    "PaymentFailed": "errors",
    "QuotaExceeded": "errors",
    "RelayError": "errors",
    "WalletError": "errors",
    "WalletInfo": "resources",
    "connect": "client",
}

__getattr__, __dir__ = lazy_exports(__name__, _HOMES)

__all__ = [
    "INFO",
    "InsufficientBalance",
    "KeysendRecipient",
    "LightningAddressError",
    "LightningClient",
    "NoAnswer",
    "NwcUri",
    "Payment",
    "PaymentFailed",
    "QuotaExceeded",
    "RelayError",
    "WalletError",
    "WalletInfo",
    "connect",
]
