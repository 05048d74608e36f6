"""The value-for-value model: value blocks, recipients, time splits, funding links.

Plain frozen records, free of parsing and arithmetic, so the feed reader, the
split arithmetic and a payment ledger share one vocabulary. Amounts of money
are exact: ``Decimal`` for what a feed suggests (it may name fractions of a
millisatoshi), whole ``int`` millisatoshis for anything paid.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from paysupport.errors import PaySupportError

#: One bitcoin in millisatoshis: ``suggested`` is in BTC, payments in msat.
MSAT_PER_BTC = 100_000_000_000
#: The only payment layer this library pays over.
SUPPORTED_TYPE = "lightning"
#: Transports it can pay with. ``lnaddress`` is the namespace's own example for
#: blocks of Lightning Address recipients (value-recipient.md); they are paid by
#: keysend too, once each address is resolved to a node. ``amp`` is not supported.
SUPPORTED_METHODS = ("keysend", "lnaddress")
RECIPIENT_TYPES = ("node", "lnaddress")


class ValueForValueError(PaySupportError, ValueError):
    """A value block, amount or payment record that cannot be used as given.

    Raised for what a caller passed (an invalid block handed to the split
    arithmetic, a boostagram message too long for a payment); a bad feed is
    never an exception, it is reported per episode (see :mod:`paysupport.value.parse`).
    """


@dataclass(frozen=True)
class Recipient:
    """One ``podcast:valueRecipient``: who is paid, and their share of each payment.

    ``split`` is a number of shares among the non-fee recipients; for a
    ``fee`` recipient it is a percentage of the whole payment, taken off the top.
    """

    name: str
    type: str  # "node" (a node pubkey in hex) or "lnaddress" (user@domain)
    address: str
    split: int
    fee: bool = False
    #: An extra keysend TLV record the recipient's node needs to route the payment.
    custom_key: int | None = None
    custom_value: str | None = None

    @property
    def payee(self) -> tuple[str, str, int | None, str | None]:
        """Who actually receives the money: two entries with the same payee are one payee.

        The ledger keys payments by it, and the arithmetic merges entries that
        share it (one payment, not two, to the same wallet).
        """
        return (self.type, self.address.lower(), self.custom_key, self.custom_value)

    @property
    def label(self) -> str:
        """How problems and reports name this recipient."""
        return self.name or self.address


@dataclass(frozen=True)
class RemoteItem:
    """A ``podcast:remoteItem`` in a time split: another feed's value block is paid.

    The pure core cannot read the other feed: its share is handed back under
    this reference for the caller to fetch that feed and split again (with
    only the remote block's root recipients: its own time splits are ignored).
    """

    feed_guid: str
    item_guid: str | None = None

    @property
    def payee(self) -> tuple[str, str, int | None, str | None]:
        return ("remote", f"{self.feed_guid}#{self.item_guid or ''}", None, None)

    @property
    def label(self) -> str:
        return f"remote item {self.item_guid or '(feed)'} of feed {self.feed_guid}"


@dataclass(frozen=True)
class TimeSplit:
    """A ``podcast:valueTimeSplit``: other recipients for a stretch of the episode.

    During ``[start_s, start_s + duration_s)`` the time split's recipients (or
    the remote item's) take ``remote_percentage`` percent of what is left
    after the block's fees; the block's own non-fee recipients share the rest.
    ``remote_percentage`` is clamped to 0..100, as the namespace says.
    """

    start_s: Decimal
    duration_s: Decimal
    remote_percentage: Decimal = Decimal(100)
    recipients: tuple[Recipient, ...] = ()
    remote: RemoteItem | None = None
    #: Where the stretch starts in the remote item (for the payment's ``ts``).
    remote_start_s: Decimal = Decimal(0)

    @property
    def end_s(self) -> Decimal:
        return self.start_s + self.duration_s


@dataclass(frozen=True)
class ValueBlock:
    """A ``podcast:value`` block: how to pay, whom, and what the creator suggests."""

    type: str
    method: str
    #: ``suggested`` (BTC per minute) in millisatoshis per minute, exactly; None when absent.
    suggested_msat_per_minute: Decimal | None
    recipients: tuple[Recipient, ...]
    time_splits: tuple[TimeSplit, ...] = ()


@dataclass(frozen=True)
class Funding:
    """A ``podcast:funding`` link: where to support the show, with the creator's words."""

    url: str
    text: str = ""
