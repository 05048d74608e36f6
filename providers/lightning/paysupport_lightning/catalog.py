"""What NIP-47 allows: the event kinds, the methods, the error codes, the encryptions.

The names are NIP-47's own (``shared/reference/value4value/nips/47.md`` in
the project's references), so a reader can hold this module against the spec.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The wallet service's info event (replaceable): its methods and encryptions.
INFO_KIND = 13194
#: A client's request to the wallet service.
REQUEST_KIND = 23194
#: The wallet service's response, with an ``e`` tag naming the request.
RESPONSE_KIND = 23195
#: Notifications, NIP-44 (23197) and the NIP-04 legacy kind (23196).
NOTIFICATION_KIND = 23197
LEGACY_NOTIFICATION_KIND = 23196

#: The methods NIP-47 defines; the client sends ``get_info``, ``get_balance``,
#: ``pay_keysend`` and ``lookup_invoice``.
METHODS = (
    "pay_invoice",
    "multi_pay_invoice",
    "pay_keysend",
    "multi_pay_keysend",
    "make_invoice",
    "lookup_invoice",
    "list_transactions",
    "get_balance",
    "get_info",
    "make_hold_invoice",
    "cancel_hold_invoice",
    "settle_hold_invoice",
)

#: NIP-47's error codes and what each means (NIP-47 "Error codes" and the methods' errors).
ERROR_CODES: Mapping[str, str] = {
    "RATE_LIMITED": "the client is sending commands too fast; retry in a few seconds",
    "NOT_IMPLEMENTED": "the command is not known or intentionally not implemented",
    "INSUFFICIENT_BALANCE": "the wallet cannot cover the amount or the fee reserve",
    "QUOTA_EXCEEDED": "the connection's spending quota (budget) is exceeded",
    "RESTRICTED": "this connection may not use this method",
    "UNAUTHORIZED": "no wallet is connected to this key",
    "INTERNAL": "an internal error of the wallet service",
    "UNSUPPORTED_ENCRYPTION": "the wallet service does not support the request's encryption",
    "PAYMENT_FAILED": "the payment failed (no route, timeout, capacity)",
    "NOT_FOUND": "no invoice or payment matches",
    "OTHER": "another error",
}

#: Encryption schemes, in the order the client prefers them (NIP-44 v2 first; NIP-04 is
#: legacy, used only with a wallet that offers nothing else).
NIP44 = "nip44_v2"
NIP04 = "nip04"
ENCRYPTIONS = (NIP44, NIP04)

#: Keysend TLV record type of a payment's podcast metadata (bLIP-10): UTF-8 JSON.
PODCAST_METADATA_TLV = 7629169
#: The TLV record type carrying a keysend payment's preimage (BOLT keysend).
KEYSEND_PREIMAGE_TLV = 5482373484

#: ``lookup_invoice`` states of an outgoing payment, as :class:`~.resources.Payment` keeps them.
PAYMENT_STATES = ("settled", "pending", "failed")


def choose_encryption(offered: tuple[str, ...] | None) -> str | None:
    """The scheme to use with a wallet whose info event offers ``offered``.

    ``None`` (no ``encryption`` tag) means NIP-04 alone, as NIP-47 says. Returns
    ``None`` when the wallet offers nothing this client speaks.
    """
    if offered is None:
        return NIP04
    for scheme in ENCRYPTIONS:
        if scheme in offered:
            return scheme
    return None


__all__ = [
    "ENCRYPTIONS",
    "ERROR_CODES",
    "INFO_KIND",
    "KEYSEND_PREIMAGE_TLV",
    "LEGACY_NOTIFICATION_KIND",
    "METHODS",
    "NIP04",
    "NIP44",
    "NOTIFICATION_KIND",
    "PAYMENT_STATES",
    "PODCAST_METADATA_TLV",
    "REQUEST_KIND",
    "RESPONSE_KIND",
    "choose_encryption",
]
