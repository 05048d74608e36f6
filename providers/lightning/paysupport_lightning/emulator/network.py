"""The emulated Lightning network: seeded recipient nodes that accept keysend payments.

A keysend reaches a node only if the network knows its pubkey (otherwise the
payment fails: no route). Each node keeps what it received with the TLV
records decoded the way a podcast host's node would show them: UTF-8 text where
it is text, and the bLIP-10 record 7629169 parsed as JSON.
"""

from __future__ import annotations

import json
from typing import Any

from .seed import FEE_PPM
from .store import ReceivedPayment, Store

#: bLIP-10's record type for podcast metadata (a UTF-8 JSON object).
PODCAST_TLV = 7629169


def routing_fee_msat(amount_msat: int) -> int:
    """What the emulated network charges to route ``amount_msat`` (FEE_PPM, rounded down)."""
    return amount_msat * FEE_PPM // 1_000_000


def decode_tlv(record_type: int, value_hex: str) -> dict[str, Any]:
    """One TLV record as the admin view shows it: type, hex value, text and JSON when they parse."""
    decoded: dict[str, Any] = {"type": record_type, "value": value_hex}
    try:
        text = bytes.fromhex(value_hex).decode("utf-8")
    except ValueError:
        return decoded
    decoded["text"] = text
    if record_type == PODCAST_TLV:
        try:
            decoded["json"] = json.loads(text)
        except ValueError:
            decoded["json"] = None
    return decoded


class Network:
    """Delivers keysends to the seeded nodes, recording them in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def knows(self, pubkey: str) -> bool:
        return pubkey.lower() in self.store.recipients

    def deliver(
        self, pubkey: str, payment_hash: str, amount_msat: int, tlv: list[dict[str, Any]], now: int
    ) -> None:
        """Record the payment at the destination node (the caller holds the store's lock)."""
        recipient = self.store.recipients[pubkey.lower()]
        records = [decode_tlv(int(r["type"]), str(r["value"])) for r in tlv]
        self.store.received.append(
            ReceivedPayment(recipient, payment_hash, amount_msat, now, records)
        )
