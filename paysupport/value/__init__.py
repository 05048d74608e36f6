"""Value for value: pay a podcast's creators what its feed's ``podcast:value`` block says.

The pure core, with no network and no wallet: the model
(:mod:`~paysupport.value.model`), reading value blocks, podcast:guid and
funding links from a feed's XML (:mod:`~paysupport.value.parse`), what makes a
block payable (:mod:`~paysupport.value.validate`), splitting payouts and
batching streams in whole millisatoshis (:mod:`~paysupport.value.splits`) and
the keysend records of each payment (:mod:`~paysupport.value.records`). A
wallet provider (``lightning``) sends what this computes.
"""

from __future__ import annotations

from paysupport.value.model import (
    MSAT_PER_BTC,
    Funding,
    Recipient,
    RemoteItem,
    TimeSplit,
    ValueBlock,
    ValueForValueError,
)
from paysupport.value.parse import (
    ItemTags,
    PodcastTags,
    UnsafeXml,
    ValueReading,
    parse_xml,
    read_podcast_tags,
)
from paysupport.value.records import BLIP10_TLV, blip10_record, keysend_records
from paysupport.value.splits import (
    KEYSEND_MINIMUM_MSAT,
    Share,
    StreamPayment,
    StreamPlan,
    boost_shares,
    split_payout,
    stream_msat,
    stream_payments,
    stream_rate_msat,
)
from paysupport.value.validate import block_problems, is_lightning_address, is_node_pubkey

__all__ = [
    "BLIP10_TLV",
    "KEYSEND_MINIMUM_MSAT",
    "MSAT_PER_BTC",
    "Funding",
    "ItemTags",
    "PodcastTags",
    "Recipient",
    "RemoteItem",
    "Share",
    "StreamPayment",
    "StreamPlan",
    "TimeSplit",
    "UnsafeXml",
    "ValueBlock",
    "ValueForValueError",
    "ValueReading",
    "blip10_record",
    "block_problems",
    "boost_shares",
    "is_lightning_address",
    "is_node_pubkey",
    "keysend_records",
    "parse_xml",
    "read_podcast_tags",
    "split_payout",
    "stream_msat",
    "stream_payments",
    "stream_rate_msat",
]
