"""Deterministic seeded data: the wallet, its NWC connections, the recipient nodes and addresses.

Every key is derived from ``settings.seed`` and a label (sha256), so the same
seed gives the same pubkeys, connection URIs and Lightning Addresses on every
run: a test or a doc can name ``host@podcast.example`` and know its node.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

from nostr_sdk import Keys

#: Every NIP-47 method the emulated wallet implements.
WALLET_METHODS = ("pay_keysend", "get_balance", "get_info", "lookup_invoice", "list_transactions")
#: What a read-only connection may do (pay_keysend answers RESTRICTED).
READ_ONLY_METHODS = ("get_balance", "get_info", "lookup_invoice", "list_transactions")

SAT = 1000  # msat
START_BALANCE_MSAT = 1_000_000 * SAT
MONTHLY_BUDGET_MSAT = 100_000 * SAT
#: The emulated network charges this many msat per million as routing fees (0.1 %).
FEE_PPM = 1000


def secret_hex(seed: int, label: str) -> str:
    """A secp256k1 secret key (hex) derived from the seed and a label."""
    return hashlib.sha256(f"paysupport-lightning/{seed}/{label}".encode()).hexdigest()


def xonly_pubkey(secret: str) -> str:
    """The Nostr (x-only, 32-byte) public key of ``secret``, hex."""
    return str(Keys.parse(secret).public_key().to_hex())


def node_pubkey(seed: int, label: str) -> str:
    """A Lightning node id (33-byte compressed point, hex) derived from the seed."""
    return "02" + xonly_pubkey(secret_hex(seed, f"node/{label}"))


@dataclass(frozen=True)
class ConnectionSeed:
    """One NWC connection: its own wallet-service key, the client's secret, its limits.

    ``encryptions`` is what the connection's info event offers; ``None`` means
    the event has no ``encryption`` tag (NIP-47: the wallet speaks nip04 only).
    """

    name: str
    wallet_secret: str
    client_secret: str
    encryptions: tuple[str, ...] | None
    methods: tuple[str, ...]
    budget_msat: int | None
    lud16: str | None = None


@dataclass(frozen=True)
class RecipientSeed:
    """A node of the emulated network that accepts keysend, and its Lightning Address if any."""

    name: str
    pubkey: str
    address: str | None = None
    custom_key: int | None = None
    custom_value: str | None = None


@dataclass(frozen=True)
class World:
    connections: tuple[ConnectionSeed, ...]
    recipients: tuple[RecipientSeed, ...]
    balance_msat: int
    alias: str
    node_pubkey: str


def seed_world(seed: int = 0, sizes: Mapping[str, int] | None = None) -> World:
    """The seeded world; ``sizes["nodes"]`` adds that many plain recipient nodes (node-0, ...)."""

    def conn(name: str, **kw: object) -> ConnectionSeed:
        return ConnectionSeed(
            name=name,
            wallet_secret=secret_hex(seed, f"wallet/{name}"),
            client_secret=secret_hex(seed, f"client/{name}"),
            **kw,  # type: ignore[arg-type]
        )

    connections = (
        conn(
            "podcatcher",
            encryptions=("nip44_v2", "nip04"),
            methods=WALLET_METHODS,
            budget_msat=MONTHLY_BUDGET_MSAT,
            lud16="listener@wallet.example",
        ),
        conn("legacy", encryptions=("nip04",), methods=WALLET_METHODS, budget_msat=None),
        conn("untagged", encryptions=None, methods=WALLET_METHODS, budget_msat=None),
        conn("readonly", encryptions=("nip44_v2",), methods=READ_ONLY_METHODS, budget_msat=0),
    )
    recipients = [
        RecipientSeed("host", node_pubkey(seed, "host"), "host@podcast.example"),
        RecipientSeed("guest", node_pubkey(seed, "guest"), "guest@podcast.example"),
        RecipientSeed(
            "app",
            node_pubkey(seed, "app"),
            "app@fees.example",
            custom_key=696969,
            custom_value="paysupport-app",
        ),
    ]
    for i in range((sizes or {}).get("nodes", 0)):
        recipients.append(RecipientSeed(f"node-{i}", node_pubkey(seed, f"extra/{i}")))
    return World(
        connections=connections,
        recipients=tuple(recipients),
        balance_msat=START_BALANCE_MSAT,
        alias="paysupport sandbox wallet",
        node_pubkey=node_pubkey(seed, "wallet"),
    )
