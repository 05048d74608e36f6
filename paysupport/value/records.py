"""The keysend TLV records of a value-for-value payment: bLIP-10 metadata and custom records.

A keysend payment carries its records inside the onion, whose hop payloads
share 1300 bytes with the route itself; records much over a kilobyte make the
payment unroutable. So: a boostagram ``message`` is capped at
:data:`MAX_MESSAGE_BYTES` (an error: the listener wrote it and must shorten
it), descriptive texts (podcast and episode titles, names) are cut to
:data:`MAX_TEXT_CHARS` (Podverse does the same), and all the records of one
payment together must stay within :data:`MAX_RECORDS_BYTES`.
"""

from __future__ import annotations

import json
from typing import Any

from paysupport.value.model import Recipient, ValueForValueError

#: The bLIP-10 record type (Podcasting 2.0 payment metadata, UTF-8 JSON).
BLIP10_TLV = 7629169
ACTIONS = ("stream", "boost", "auto")
#: The longest boostagram message, in UTF-8 bytes.
MAX_MESSAGE_BYTES = 500
#: Titles and names longer than this many characters are cut (with an ellipsis).
MAX_TEXT_CHARS = 100
#: All custom records of one payment together, in bytes (values plus 16 per record's header).
MAX_RECORDS_BYTES = 1000


def blip10_record(
    *,
    action: str,
    value_msat: int,
    value_msat_total: int,
    podcast: str | None = None,
    episode: str | None = None,
    guid: str | None = None,
    feed_id: int | None = None,
    url: str | None = None,
    episode_guid: str | None = None,
    ts: int | None = None,
    app_name: str | None = None,
    app_version: str | None = None,
    sender_name: str | None = None,
    message: str | None = None,
    name: str | None = None,
    remote_feed_guid: str | None = None,
    remote_item_guid: str | None = None,
    boost_uuid: str | None = None,
    seconds_back: int | None = None,
) -> tuple[int, bytes]:
    """The bLIP-10 record ``(7629169, UTF-8 JSON)`` for one payment to one recipient.

    ``guid`` is the channel's podcast:guid, ``feed_id`` the Podcast Index id,
    ``ts`` the playback position in seconds, ``value_msat`` this payment and
    ``value_msat_total`` what the listener chose before splitting, ``name`` the
    recipient's name in the value block. Fields left None are left out.

    Raises :class:`~paysupport.value.model.ValueForValueError` for an unknown
    action, a message on a stream (bLIP-10: streams carry none), a message
    over :data:`MAX_MESSAGE_BYTES`, negative amounts, or nothing identifying
    the podcast (one of ``podcast``, ``guid``, ``feed_id``, ``url`` is required).
    """
    if action not in ACTIONS:
        raise ValueForValueError(f"action {action!r} is not one of {', '.join(ACTIONS)}")
    if value_msat < 0 or value_msat_total < 0:
        raise ValueForValueError("payment amounts must not be negative")
    if podcast is None and guid is None and feed_id is None and url is None:
        raise ValueForValueError("name the podcast: one of podcast, guid, feed_id or url")
    if message is not None:
        if action == "stream":
            raise ValueForValueError("a stream payment carries no message (bLIP-10)")
        size = len(message.encode())
        if size > MAX_MESSAGE_BYTES:
            raise ValueForValueError(
                f"the message is {size} bytes; a payment carries at most {MAX_MESSAGE_BYTES}"
            )
    fields: dict[str, Any] = {
        "action": action,
        "podcast": _cut(podcast),
        "guid": guid,
        "feedID": feed_id,
        "url": url,
        "episode": _cut(episode),
        "episode_guid": episode_guid,
        "ts": ts,
        "value_msat": value_msat,
        "value_msat_total": value_msat_total,
        "app_name": _cut(app_name),
        "app_version": app_version,
        "sender_name": _cut(sender_name),
        "message": message,
        "name": _cut(name),
        "remote_feed_guid": remote_feed_guid,
        "remote_item_guid": remote_item_guid,
        "boost_uuid": boost_uuid,
        "seconds_back": seconds_back,
    }
    payload = {k: v for k, v in fields.items() if v is not None}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    return BLIP10_TLV, data


def keysend_records(recipient: Recipient, *records: tuple[int, bytes]) -> dict[int, bytes]:
    """The TLV records to send to ``recipient``: ``records`` plus its customKey/customValue.

    Raises :class:`~paysupport.value.model.ValueForValueError` when two records
    share a type or they no longer fit in a payment (:data:`MAX_RECORDS_BYTES`).
    """
    found: dict[int, bytes] = {}
    extra = []
    if recipient.custom_key is not None:
        extra.append((recipient.custom_key, (recipient.custom_value or "").encode()))
    for key, value in [*records, *extra]:
        if key in found:
            raise ValueForValueError(f"two records of type {key} for {recipient.label!r}")
        found[key] = value
    size = sum(len(v) + 16 for v in found.values())
    if size > MAX_RECORDS_BYTES:
        raise ValueForValueError(
            f"the payment's records take {size} bytes; at most {MAX_RECORDS_BYTES} fit"
        )
    return found


def _cut(text: str | None) -> str | None:
    if text is None or len(text) <= MAX_TEXT_CHARS:
        return text
    return text[: MAX_TEXT_CHARS - 1] + "…"
