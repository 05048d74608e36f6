"""The wallet behind NWC: what each NIP-47 method does to the balance, budgets and payments.

Pure request handling, no Nostr: :meth:`Wallet.handle` takes a connection, a
method and its params and returns the NIP-47 ``result`` or raises
:class:`WalletError` with a NIP-47 error code. The service (nwc.py) does the
relay, encryption, expiration and faults around it.

Keysend is exactly-once by payment hash: a second ``pay_keysend`` whose
preimage hashes to a settled payment answers the first result and pays nothing.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable, Mapping
from typing import Any

from .network import Network, routing_fee_msat
from .store import Connection, OutgoingPayment, Store


class WalletError(Exception):
    """A NIP-47 error answer: ``code`` is one of NIP-47's error codes."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _int_param(params: Mapping[str, Any], name: str, *, required: bool = True) -> int | None:
    value = params.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise WalletError("OTHER", f"{name} must be a non-negative integer (msat)")
    return value


def _hex_param(params: Mapping[str, Any], name: str, size: int | None = None) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        raw = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        raw = None
    if raw is None or (size is not None and len(raw) != size):
        what = f"{size} bytes of hex" if size else "hex"
        raise WalletError("OTHER", f"{name} must be {what}")
    return raw.hex()


class Wallet:
    """The emulated wallet's NIP-47 methods over a :class:`Store` and a :class:`Network`."""

    def __init__(self, store: Store, network: Network, clock: Callable[[], float] = time.time):
        self.store = store
        self.network = network
        self.clock = clock

    def handle(self, conn: Connection, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        handler = getattr(self, f"_m_{method}", None) if method.isidentifier() else None
        if handler is None:
            raise WalletError("NOT_IMPLEMENTED", f"{method} is not implemented by this wallet")
        if method not in conn.seed.methods:
            raise WalletError("RESTRICTED", f"this connection may not call {method}")
        self._rate_limit(conn)
        result: dict[str, Any] = handler(conn, params)
        return result

    def _rate_limit(self, conn: Connection) -> None:
        limit = self.store.rate_limit
        if limit is None:
            return
        now = self.clock()
        with self.store.lock:
            while conn.requests and conn.requests[0] <= now - self.store.rate_window:
                conn.requests.popleft()
            if len(conn.requests) >= limit:
                raise WalletError("RATE_LIMITED", "too many requests; retry in a few seconds")
            conn.requests.append(now)

    def _m_get_info(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        world = self.store.world
        return {
            "alias": world.alias,
            "color": "#f7931a",
            "pubkey": world.node_pubkey,
            "network": "regtest",
            "block_height": 800_000,
            "block_hash": hashlib.sha256(b"paysupport-block").hexdigest(),
            "methods": list(conn.seed.methods),
            "notifications": [],
        }

    def _m_get_balance(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        with self.store.lock:
            return {"balance": self.store.balance_msat}

    def _m_pay_keysend(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        amount = _int_param(params, "amount")
        assert amount is not None
        if amount == 0:
            raise WalletError("OTHER", "amount must be positive")
        pubkey = _hex_param(params, "pubkey", 33)
        if pubkey is None:
            raise WalletError("OTHER", "pubkey is required")
        preimage = _hex_param(params, "preimage", 32) or os.urandom(32).hex()
        tlv = self._tlv_records(params.get("tlv_records", []))
        payment_hash = hashlib.sha256(bytes.fromhex(preimage)).hexdigest()
        now = int(self.clock())
        with self.store.lock:
            earlier = self.store.payments.get(payment_hash)
            if earlier is not None and earlier.state == "settled":
                return {"preimage": earlier.preimage, "fees_paid": earlier.fees_paid_msat}
            fee = routing_fee_msat(amount)
            if amount + fee > self.store.balance_msat:
                raise WalletError(
                    "INSUFFICIENT_BALANCE", "the balance does not cover amount + fees"
                )
            if conn.budget_msat is not None and conn.spent_msat + amount + fee > conn.budget_msat:
                raise WalletError("QUOTA_EXCEEDED", "this connection's monthly budget is spent")
            payment = OutgoingPayment(
                payment_hash, preimage, amount, 0, pubkey, tlv, "failed", now, conn.name
            )
            self.store.payments[payment_hash] = payment
            if not self.network.knows(pubkey):
                raise WalletError("PAYMENT_FAILED", "no route to the destination node")
            self.network.deliver(pubkey, payment_hash, amount, tlv, now)
            self.store.balance_msat -= amount + fee
            conn.spent_msat += amount + fee
            payment.state, payment.fees_paid_msat, payment.settled_at = "settled", fee, now
            return {"preimage": preimage, "fees_paid": fee}

    @staticmethod
    def _tlv_records(raw: Any) -> list[dict[str, Any]]:
        if not isinstance(raw, list):
            raise WalletError("OTHER", "tlv_records must be a list")
        records = []
        for item in raw:
            if not isinstance(item, dict):
                raise WalletError("OTHER", "each TLV record is {type, value}")
            kind = _int_param(item, "type")
            value = _hex_param(item, "value")
            records.append({"type": kind, "value": value or ""})
        return records

    def _m_lookup_invoice(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        payment_hash = _hex_param(params, "payment_hash", 32)
        if payment_hash is None:
            raise WalletError("OTHER", "lookup_invoice needs payment_hash (invoices are not kept)")
        with self.store.lock:
            payment = self.store.payments.get(payment_hash)
            if payment is None:
                raise WalletError("NOT_FOUND", "no payment with this hash")
            return payment.to_nip47()

    def _m_list_transactions(self, conn: Connection, params: Mapping[str, Any]) -> dict[str, Any]:
        since = _int_param(params, "from", required=False) or 0
        until = _int_param(params, "until", required=False)
        limit = _int_param(params, "limit", required=False)
        offset = _int_param(params, "offset", required=False) or 0
        if params.get("type") == "incoming":
            return {"transactions": []}
        with self.store.lock:
            found = [
                p.to_nip47()
                for p in self.store.payments.values()
                if p.created_at >= since and (until is None or p.created_at <= until)
            ]
        found.reverse()  # newest first; payments were inserted in creation order
        end = None if limit is None else offset + limit
        return {"transactions": found[offset:end]}
