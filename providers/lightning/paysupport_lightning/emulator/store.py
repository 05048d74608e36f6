"""The emulator's state: balance, NWC connections, payments sent and received, faults, the lock.

One :class:`Store` per emulator; the wallet service (on the event loop) and the
WSGI admin routes (on werkzeug's threads) both change it, always under
:attr:`Store.lock`.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

from .seed import ConnectionSeed, RecipientSeed, World, xonly_pubkey

FaultKind = Literal["drop", "late", "duplicate", "disconnect", "error"]
FAULT_KINDS: tuple[str, ...] = ("drop", "late", "duplicate", "disconnect", "error")


@dataclass
class Fault:
    """A misbehaviour applied to the next ``times`` requests (of ``method``, or any).

    - ``drop``: the request is carried out (a payment is made) but never answered.
    - ``late``: the answer is published ``delay`` seconds late.
    - ``duplicate``: the answer is published twice (two events, same ``e`` tag).
    - ``disconnect``: the request is carried out, then the relay cuts every
      client connection; the answer is lost with them.
    - ``error``: the wallet answers ``code`` without doing anything.
    """

    kind: FaultKind
    method: str | None = None
    times: int = 1
    delay: float = 1.0
    code: str = "INTERNAL"
    message: str = "injected fault"

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.times < 1:
            raise ValueError("times must be at least 1")
        if self.delay < 0:
            raise ValueError("delay must not be negative")

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "method": self.method,
            "times": self.times,
            "delay": self.delay,
            "code": self.code,
            "message": self.message,
        }


@dataclass
class Connection:
    """An NWC connection's keys, limits and what it has spent this month."""

    seed: ConnectionSeed
    relay_url: str
    spent_msat: int = 0
    budget_msat: int | None = None
    requests: deque[float] = field(default_factory=deque)

    @property
    def name(self) -> str:
        return self.seed.name

    @property
    def wallet_pubkey(self) -> str:
        return xonly_pubkey(self.seed.wallet_secret)

    @property
    def client_pubkey(self) -> str:
        return xonly_pubkey(self.seed.client_secret)

    @property
    def encryptions(self) -> tuple[str, ...]:
        """The schemes this connection accepts (no tag in the info event: nip04 only)."""
        return self.seed.encryptions if self.seed.encryptions is not None else ("nip04",)

    @property
    def uri(self) -> str:
        """The ``nostr+walletconnect://`` URI a client is given (a sandbox-only secret)."""
        uri = (
            f"nostr+walletconnect://{self.wallet_pubkey}?relay={quote(self.relay_url, safe='')}"
            f"&secret={self.seed.client_secret}"
        )
        return uri + (f"&lud16={quote(self.seed.lud16, safe='@')}" if self.seed.lud16 else "")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "wallet_pubkey": self.wallet_pubkey,
            "client_pubkey": self.client_pubkey,
            "encryption": list(self.seed.encryptions) if self.seed.encryptions else None,
            "methods": list(self.seed.methods),
            "budget_msat": self.budget_msat,
            "budget_renewal": "monthly",
            "spent_msat": self.spent_msat,
            "remaining_msat": (
                None if self.budget_msat is None else max(0, self.budget_msat - self.spent_msat)
            ),
            "nwc_uri": self.uri,
        }


@dataclass
class OutgoingPayment:
    """A keysend the wallet sent (or failed to send), keyed by its payment hash."""

    payment_hash: str
    preimage: str
    amount_msat: int
    fees_paid_msat: int
    destination: str
    tlv_records: list[dict[str, Any]]
    state: Literal["settled", "failed"]
    created_at: int
    connection: str
    settled_at: int | None = None

    def to_nip47(self) -> dict[str, Any]:
        """The NIP-47 transaction shape (lookup_invoice, list_transactions)."""
        tx: dict[str, Any] = {
            "type": "outgoing",
            "state": self.state,
            "payment_hash": self.payment_hash,
            "amount": self.amount_msat,
            "fees_paid": self.fees_paid_msat,
            "created_at": self.created_at,
            "metadata": {"tlv_records": self.tlv_records},
        }
        if self.state == "settled":
            tx["preimage"] = self.preimage
            tx["settled_at"] = self.settled_at
        return tx

    def to_dict(self) -> dict[str, Any]:
        return {
            "payment_hash": self.payment_hash,
            "preimage": self.preimage,
            "amount_msat": self.amount_msat,
            "fees_paid_msat": self.fees_paid_msat,
            "destination": self.destination,
            "state": self.state,
            "created_at": self.created_at,
            "settled_at": self.settled_at,
            "connection": self.connection,
            "tlv_records": self.tlv_records,
        }


@dataclass
class ReceivedPayment:
    """A keysend as the recipient node saw it, TLV records decoded."""

    recipient: RecipientSeed
    payment_hash: str
    amount_msat: int
    received_at: int
    tlv_records: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        boost = next((r.get("json") for r in self.tlv_records if r["type"] == 7629169), None)
        return {
            "recipient": self.recipient.name,
            "pubkey": self.recipient.pubkey,
            "address": self.recipient.address,
            "payment_hash": self.payment_hash,
            "amount_msat": self.amount_msat,
            "received_at": self.received_at,
            "tlv_records": self.tlv_records,
            "podcast": boost,
        }


class Store:
    """Everything the emulator knows; reset to the seeded world with :meth:`reset`."""

    def __init__(
        self,
        world: World,
        relay_url: str,
        *,
        rate_limit: int | None = None,
        rate_window: float = 3600.0,
    ) -> None:
        self.world = world
        self.relay_url = relay_url
        self.lock = threading.RLock()
        self.seeded_rate_limit = rate_limit
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.connections: dict[str, Connection] = {}
        self.by_wallet_pubkey: dict[str, Connection] = {}
        self.recipients = {r.pubkey: r for r in world.recipients}
        self.reset()

    def reset(self) -> None:
        """Back to the seeded balance, budgets and rate limit; no payments, faults or counters."""
        with self.lock:
            self.rate_limit = self.seeded_rate_limit
            self.balance_msat = self.world.balance_msat
            self.connections = {
                c.name: Connection(c, self.relay_url, budget_msat=c.budget_msat)
                for c in self.world.connections
            }
            self.by_wallet_pubkey = {c.wallet_pubkey: c for c in self.connections.values()}
            self.payments: dict[str, OutgoingPayment] = {}
            self.received: list[ReceivedPayment] = []
            self.faults: list[Fault] = []
            self.requests_seen = 0
            self.expired_ignored = 0
            self.answered = 0

    def take_fault(self, method: str) -> Fault | None:
        """The fault to apply to this request, if any (uses up one of its ``times``)."""
        with self.lock:
            for fault in self.faults:
                if fault.method in (None, method):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def recipient_by_address(self, user: str, domain: str) -> RecipientSeed | None:
        address = f"{user}@{domain}".lower()
        return next(
            (r for r in self.world.recipients if r.address and r.address.lower() == address),
            None,
        )
