"""Typed records of the wallet's answers: the wallet, a payment, a keysend recipient.

Each has an ``id``, the ``raw`` answer it was read from and ``to_dict()`` (a flat
record), the shape every provider's records share (:class:`paysupport.resource.Record`).
Amounts are integers in millisatoshis, named ``*_msat``, as NIP-47 counts them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport.errors import ResponseFormatError
from paysupport_lightning.errors import PROVIDER


def payment_hash_of(preimage: bytes) -> str:
    """The payment hash a preimage pays to: ``sha256(preimage)``, in hex."""
    return hashlib.sha256(preimage).hexdigest()


def _words(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, (list, tuple)):
        return tuple(str(v) for v in value)
    return ()


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ResponseFormatError(
            f"the wallet sent {what}={value!r}, not a whole number", provider=PROVIDER
        )
    return value


@dataclass(frozen=True)
class WalletInfo:
    """The wallet service: its ``pubkey`` (the connection's wallet key), alias, methods.

    ``methods`` and ``encryptions`` come from the wallet's info event (kind 13194);
    ``alias``, ``network``, ``node_pubkey`` and ``notifications`` from ``get_info``
    when the wallet offers it. ``encryptions`` is ``("nip04",)`` for a wallet whose
    info event has no ``encryption`` tag, as NIP-47 says.
    """

    pubkey: str
    alias: str | None = None
    network: str | None = None
    node_pubkey: str | None = None
    methods: tuple[str, ...] = ()
    notifications: tuple[str, ...] = ()
    encryptions: tuple[str, ...] = ()
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.pubkey

    @classmethod
    def from_answers(
        cls, pubkey: str, info_event: Mapping[str, Any], get_info: Mapping[str, Any] | None
    ) -> WalletInfo:
        """From the info event (as JSON) and ``get_info``'s ``result`` (``None``: not offered)."""
        tags = {str(t[0]): t[1:] for t in info_event.get("tags", ()) if t}
        encryption = tags.get("encryption")
        got = dict(get_info or {})
        methods = _words(got.get("methods")) or _words(info_event.get("content", ""))
        notifications = _words(got.get("notifications")) or _words(
            (tags.get("notifications") or [""])[0]
        )
        return cls(
            pubkey=pubkey,
            alias=got.get("alias") or None,
            network=got.get("network") or None,
            node_pubkey=got.get("pubkey") or None,
            methods=methods,
            notifications=notifications,
            encryptions=_words(encryption[0]) if encryption else ("nip04",),
            raw={"info_event": dict(info_event), "get_info": got or None},
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pubkey,
            "alias": self.alias,
            "network": self.network,
            "node_pubkey": self.node_pubkey,
            "methods": list(self.methods),
            "notifications": list(self.notifications),
            "encryptions": list(self.encryptions),
        }


@dataclass(frozen=True)
class Payment:
    """An outgoing payment: its hash, preimage, amount, fees and state.

    ``state`` is ``"settled"``, ``"pending"`` or ``"failed"``. ``preimage`` is the
    proof of payment once settled (for a keysend, the one the client chose).
    ``fees_paid_msat`` is ``None`` when the wallet does not say.
    """

    payment_hash: str
    preimage: str
    amount_msat: int
    fees_paid_msat: int | None
    state: str
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.payment_hash

    @property
    def settled(self) -> bool:
        return self.state == "settled"

    @classmethod
    def from_lookup(cls, result: Mapping[str, Any]) -> Payment:
        """From ``lookup_invoice``'s ``result``."""
        payment_hash = result.get("payment_hash")
        if not isinstance(payment_hash, str) or not payment_hash:
            raise ResponseFormatError("lookup_invoice sent no payment_hash", provider=PROVIDER)
        state = str(result.get("state") or ("settled" if result.get("settled_at") else "pending"))
        fees = result.get("fees_paid")
        return cls(
            payment_hash=payment_hash,
            preimage=str(result.get("preimage") or ""),
            amount_msat=_int(result.get("amount", 0), "amount"),
            fees_paid_msat=None if fees is None else _int(fees, "fees_paid"),
            state=state,
            raw=dict(result),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.payment_hash,
            "preimage": self.preimage,
            "amount_msat": self.amount_msat,
            "fees_paid_msat": self.fees_paid_msat,
            "state": self.state,
        }


@dataclass(frozen=True)
class KeysendRecipient:
    """Where a Lightning Address's keysend payments go: a node ``pubkey``, and maybe a record.

    ``custom_key``/``custom_value`` are one more TLV record to send with each payment
    (the podcast namespace's ``customKey``/``customValue``: a wallet behind a shared node).
    """

    pubkey: str
    custom_key: int | None = None
    custom_value: str | None = None
    address: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> str:
        return self.pubkey

    def tlv_records(self) -> dict[int, bytes]:
        """The recipient's own TLV record, ready for ``pay_keysend(tlv_records=...)``."""
        if self.custom_key is None or self.custom_value is None:
            return {}
        return {self.custom_key: self.custom_value.encode("utf-8")}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.pubkey,
            "address": self.address,
            "custom_key": self.custom_key,
            "custom_value": self.custom_value,
        }


__all__ = ["KeysendRecipient", "Payment", "WalletInfo", "payment_hash_of"]
