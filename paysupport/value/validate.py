"""What makes a value block payable: the checks shared by the feed reader and the arithmetic.

Each check yields a sentence for the user; an empty list means the block can
be paid. The feed reader reports them per episode (the episode then pays
nothing), the split arithmetic refuses a block that has any.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from paysupport.value.model import (
    RECIPIENT_TYPES,
    SUPPORTED_METHODS,
    SUPPORTED_TYPE,
    Recipient,
    ValueBlock,
)

#: More shares than this in one ``split`` is not a real feed: refused as absurd.
MAX_SPLIT = 1_000_000
#: Recipients in one block (or one time split) beyond which the block is refused.
MAX_RECIPIENTS = 100
#: Time splits in one block beyond which it is refused (a long music playlist has ~100).
MAX_TIME_SPLITS = 1_000
#: A suggestion above 100,000 sats a minute is refused rather than ever paid.
MAX_SUGGESTED_MSAT_PER_MINUTE = 100_000_000
#: Custom records are TLV types of 64 bits, at least 2^16 (value.md, Lightning).
MIN_CUSTOM_KEY = 2**16
MAX_CUSTOM_KEY = 2**64 - 1
#: Record types a recipient's customKey may not take: the payment's own records.
RESERVED_KEYS = {7629169: "the bLIP-10 metadata record", 5482373484: "the keysend preimage"}
#: A customValue longer than this would crowd the payment's onion.
MAX_CUSTOM_VALUE_BYTES = 200

_NODE_PUBKEY = re.compile(r"0[23][0-9a-fA-F]{64}")
# LUD-16: the user part is a-z0-9-_. (case-insensitive here; '+' is common in practice);
# the domain a DNS name of letter-ending labels.
_LNADDRESS = re.compile(
    r"[a-z0-9._+-]{1,64}@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]",
    re.IGNORECASE,
)


def is_node_pubkey(address: str) -> bool:
    """A compressed secp256k1 public key in hex: 66 characters starting 02 or 03."""
    return _NODE_PUBKEY.fullmatch(address) is not None


def is_lightning_address(address: str) -> bool:
    """``user@domain`` as LUD-16 allows (resolved later at ``https://domain/.well-known/keysend/user``)."""
    return len(address) <= 320 and _LNADDRESS.fullmatch(address) is not None


def block_problems(block: ValueBlock) -> list[str]:
    """Every reason ``block`` cannot be paid, in the feed's order; empty when payable."""
    problems: list[str] = []
    if block.type != SUPPORTED_TYPE:
        problems.append(f"value type {block.type!r} is not supported (only {SUPPORTED_TYPE!r})")
    if block.method not in SUPPORTED_METHODS:
        problems.append(
            f"value method {block.method!r} is not supported"
            f" (only {', '.join(map(repr, SUPPORTED_METHODS))})"
        )
    suggested = block.suggested_msat_per_minute
    if suggested is not None and not 0 <= suggested <= MAX_SUGGESTED_MSAT_PER_MINUTE:
        problems.append(
            f"suggested amount of {suggested} msat a minute is outside"
            f" 0..{MAX_SUGGESTED_MSAT_PER_MINUTE}"
        )
    problems += recipients_problems(block.recipients, "value block")
    if len(block.time_splits) > MAX_TIME_SPLITS:
        problems.append(f"more than {MAX_TIME_SPLITS} time splits")
        return problems
    previous = None
    for split in sorted(block.time_splits, key=lambda s: (s.start_s, s.end_s)):
        where = f"time split at {split.start_s} s"
        if split.start_s < 0 or split.duration_s <= 0:
            problems.append(f"{where}: start must be >= 0 and duration > 0 seconds")
        if not 0 <= split.remote_percentage <= 100:
            problems.append(f"{where}: remotePercentage must be within 0..100")
        if split.remote is None:
            problems += recipients_problems(split.recipients, where)
        elif split.recipients:
            problems.append(f"{where}: has both a remote item and recipients")
        elif not split.remote.feed_guid:
            problems.append(f"{where}: its remote item has no feedGuid")
        if previous is not None and split.start_s < previous.end_s:
            problems.append(
                f"{where} overlaps the time split at {previous.start_s} s"
                f" (which lasts until {previous.end_s} s)"
            )
        previous = split if previous is None or split.end_s > previous.end_s else previous
    return problems


def recipients_problems(recipients: Iterable[Recipient], where: str) -> list[str]:
    """Why these recipients cannot share a payment (see :func:`block_problems`)."""
    recipients = tuple(recipients)
    problems: list[str] = []
    if not recipients:
        return [f"{where}: no recipients"]
    if len(recipients) > MAX_RECIPIENTS:
        return [f"{where}: more than {MAX_RECIPIENTS} recipients"]
    for recipient in recipients:
        problems += [f"{where}: recipient {recipient.label!r}: {p}" for p in _problems(recipient)]
    if len(recipients) == 1:
        return problems  # a lone recipient takes everything, whatever its split says
    fees = sum(r.split for r in recipients if r.fee)
    if fees > 100:
        problems.append(f"{where}: fee recipients take {fees}%, more than the whole payment")
    if not any(r.split > 0 for r in recipients if not r.fee):
        problems.append(f"{where}: the splits of the recipients other than fees sum to 0")
    return problems


def _problems(recipient: Recipient) -> list[str]:
    problems = []
    if recipient.type not in RECIPIENT_TYPES:
        problems.append(f"address type {recipient.type!r} is not supported")
    elif recipient.type == "node" and not is_node_pubkey(recipient.address):
        problems.append(f"{recipient.address[:80]!r} is not a node public key (66 hex, 02/03)")
    elif recipient.type == "lnaddress" and not is_lightning_address(recipient.address):
        problems.append(f"{recipient.address[:80]!r} is not a Lightning Address (user@domain)")
    if not 0 <= recipient.split <= MAX_SPLIT:
        problems.append(f"split {recipient.split} is outside 0..{MAX_SPLIT}")
    if recipient.custom_key is not None:
        if not MIN_CUSTOM_KEY <= recipient.custom_key <= MAX_CUSTOM_KEY:
            problems.append(f"customKey {recipient.custom_key} is not a TLV type in 2^16..2^64-1")
        elif recipient.custom_key in RESERVED_KEYS:
            problems.append(
                f"customKey {recipient.custom_key} is {RESERVED_KEYS[recipient.custom_key]}"
            )
    if (recipient.custom_value is None) != (recipient.custom_key is None):
        problems.append("customKey and customValue come together or not at all")
    elif (
        recipient.custom_value is not None
        and len(recipient.custom_value.encode()) > MAX_CUSTOM_VALUE_BYTES
    ):
        problems.append(f"customValue is longer than {MAX_CUSTOM_VALUE_BYTES} bytes")
    return problems
