"""Read the podcast namespace's value blocks, ``podcast:guid`` and ``podcast:funding`` from a feed.

feedparser keeps neither the value blocks nor more than one funding link, so
the raw XML is read a second time here, strictly and hardened: the stdlib's
expat, with any entity declaration (the billion laughs) and any external
entity or DTD refused before it is expanded. The size is already capped by
the fetcher (:func:`paysupport.feeds.load_feed_bytes`).

Nothing here raises for a bad feed: XML that cannot be read strictly gives
:class:`PodcastTags` with a ``problem`` (feedparser may still have read the
episodes), and a bad value block gives a :class:`ValueReading` with problems
and no block: that episode pays nothing, and the report says why.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, NoReturn
from xml.parsers import expat

from paysupport.errors import PaySupportError
from paysupport.value.model import (
    MSAT_PER_BTC,
    SUPPORTED_METHODS,
    SUPPORTED_TYPE,
    Funding,
    Recipient,
    RemoteItem,
    TimeSplit,
    ValueBlock,
)
from paysupport.value.validate import MAX_RECIPIENTS, MAX_TIME_SPLITS, block_problems

#: The podcast namespace, compared without its scheme and trailing slash (feeds vary).
PODCAST_NS = "podcastindex.org/namespace/1.0"
_ATOM_NS = "http://www.w3.org/2005/Atom"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DECIMAL = re.compile(r"[0-9]{1,20}(?:\.[0-9]{1,20})?")
_INTEGER = re.compile(r"-?[0-9]{1,25}")


class UnsafeXml(PaySupportError):
    """The XML declares entities or reaches for external ones: refused, never expanded."""


@dataclass(frozen=True)
class ValueReading:
    """What one channel's or item's ``podcast:value`` elements amount to.

    ``block`` is set only when it can be paid; otherwise ``problems`` says why
    (an unsupported type, no recipients, a malformed pubkey...).
    """

    block: ValueBlock | None
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemTags:
    """The namespace tags of one ``<item>`` (or Atom ``<entry>``)."""

    guid: str | None
    value: ValueReading | None  # None: the item has no value block of its own
    funding: tuple[Funding, ...] = ()


@dataclass(frozen=True)
class PodcastTags:
    """The namespace tags of a whole feed, items in document order."""

    guid: str | None = None
    value: ValueReading | None = None
    funding: tuple[Funding, ...] = ()
    items: tuple[ItemTags, ...] = ()
    #: Set when the XML could not be read strictly: then nothing above was read.
    problem: str | None = None

    @property
    def identity(self) -> str | None:
        """``urn:uuid:<podcast:guid>`` when the feed declares a well-formed one.

        The podcast:guid follows a show across hosts and feed URLs, so it is
        the best feed identity there is; a malformed one is not trusted as one.
        """
        if self.guid and _UUID.fullmatch(self.guid):
            return f"urn:uuid:{self.guid.lower()}"
        return None


def parse_xml(data: bytes) -> ET.Element:
    """The document's root element, parsed by expat with every entity declaration refused.

    Raises :class:`UnsafeXml` for entity declarations and external entities,
    :class:`~paysupport.errors.PaySupportError` for XML that is not well formed.
    """
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: Any) -> NoReturn:
        raise UnsafeXml("the feed declares XML entities or external ones; refused, not expanded")

    def start(name: str, attributes: dict[str, str]) -> None:
        builder.start(_clark(name), {_clark(k): v for k, v in attributes.items()})

    parser.EntityDeclHandler = refuse  # the hooks defusedxml sets
    parser.UnparsedEntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda name: builder.end(_clark(name))
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise PaySupportError(f"not well-formed XML: {exc}") from None
    root = builder.close()
    return root


def _clark(name: str) -> str:
    """expat's ``uri}local`` as ElementTree's ``{uri}local``."""
    return "{" + name if "}" in name else name


def read_podcast_tags(data: bytes) -> PodcastTags:
    """The feed's podcast:guid, value blocks and funding links; never raises for a bad feed."""
    try:
        root = parse_xml(data)
    except PaySupportError as exc:
        return PodcastTags(problem=f"value blocks, podcast:guid and funding not read: {exc}")
    except RecursionError:  # pathological nesting deeper than the interpreter allows
        return PodcastTags(problem="value blocks not read: the XML is nested too deeply")
    channel = _child(root, "channel") if _local(root.tag) == "rss" else root
    if channel is None:
        return PodcastTags(problem="value blocks not read: the feed has no <channel>")
    entries = [e for e in channel if _local(e.tag) in ("item", "entry")]
    if not entries:  # RSS 1.0 keeps its items beside the channel
        entries = [e for e in root if _local(e.tag) == "item"]
    guid = next((_text(e) for e in _podcast(channel, "guid")), None)
    return PodcastTags(
        guid=guid or None,
        value=read_value(_podcast(channel, "value")),
        funding=_funding(channel),
        items=tuple(
            ItemTags(
                guid=_item_guid(entry),
                value=read_value(_podcast(entry, "value")),
                funding=_funding(entry),
            )
            for entry in entries
        ),
    )


def read_value(elements: Sequence[ET.Element]) -> ValueReading | None:
    """One channel's or item's value blocks as one reading; None when there are none.

    The namespace allows several blocks (one per payment layer): the first
    ``lightning`` block with a supported method is used; with none, the
    reading says which kinds were offered.
    """
    if not elements:
        return None
    chosen = next(
        (
            e
            for e in elements
            if e.get("type") == SUPPORTED_TYPE and e.get("method") in SUPPORTED_METHODS
        ),
        elements[0],
    )
    problems: list[str] = []
    block = _block(chosen, problems)
    if block is not None:
        problems += block_problems(block)
    if problems:
        return ValueReading(None, tuple(problems))
    return ValueReading(block)


def _block(element: ET.Element, problems: list[str]) -> ValueBlock | None:
    suggested = None
    raw = element.get("suggested")
    if raw is not None:
        amount = _decimal(raw)
        if amount is None:
            problems.append(f"suggested amount {raw[:40]!r} is not a number of BTC")
        else:
            suggested = amount * MSAT_PER_BTC
    recipient_elements = _podcast(element, "valueRecipient")
    split_elements = _podcast(element, "valueTimeSplit")
    if len(recipient_elements) > MAX_RECIPIENTS or len(split_elements) > MAX_TIME_SPLITS:
        problems.append(
            f"value block has more than {MAX_RECIPIENTS} recipients"
            f" or {MAX_TIME_SPLITS} time splits"
        )
        return None
    recipients = _recipients(recipient_elements, "value block", problems)
    time_splits = [s for s in (_time_split(e, problems) for e in split_elements) if s]
    if problems:
        return None
    return ValueBlock(
        type=element.get("type") or "",
        method=element.get("method") or "",
        suggested_msat_per_minute=suggested,
        recipients=tuple(recipients),
        time_splits=tuple(time_splits),
    )


def _recipients(elements: Iterable[ET.Element], where: str, problems: list[str]) -> list[Recipient]:
    found = []
    for element in elements:
        name = (element.get("name") or "").strip()
        address = (element.get("address") or "").strip()
        label = f"{where}: recipient {(name or address)[:80]!r}"
        split = _integer(element.get("split"))
        if split is None:
            problems.append(f"{label}: split {element.get('split')!r} is not a whole number")
            continue
        raw_key = element.get("customKey")
        key = None
        if raw_key is not None and raw_key.strip():
            key = _integer(raw_key)
            if key is None:
                problems.append(f"{label}: customKey {raw_key[:40]!r} is not an integer")
                continue
        value = element.get("customValue") if key is not None else None
        found.append(
            Recipient(
                name=name,
                type=(element.get("type") or "").strip(),
                address=address,
                split=split,
                fee=(element.get("fee") or "").strip().lower() == "true",
                custom_key=key,
                custom_value=value,
            )
        )
    return found


def _time_split(element: ET.Element, problems: list[str]) -> TimeSplit | None:
    start, duration = _decimal(element.get("startTime")), _decimal(element.get("duration"))
    where = f"time split at {(element.get('startTime') or '?')[:20]} s"
    if start is None or duration is None:
        problems.append(f"{where}: startTime and duration must be numbers of seconds")
        return None
    percentage = Decimal(100)
    raw = element.get("remotePercentage")
    if raw is not None:
        try:
            percentage = Decimal(raw.strip())
        except InvalidOperation:
            percentage = Decimal("NaN")
        if not percentage.is_finite():
            problems.append(f"{where}: remotePercentage {raw[:20]!r} is not a number")
            return None
        percentage = min(max(percentage, Decimal(0)), Decimal(100))  # as the namespace says
    remote_start = _decimal(element.get("remoteStartTime") or "0") or Decimal(0)
    remote_elements = _podcast(element, "remoteItem")
    remote = None
    if remote_elements:
        if len(remote_elements) > 1:
            problems.append(f"{where}: more than one remote item")
            return None
        item = remote_elements[0]
        remote = RemoteItem((item.get("feedGuid") or "").strip(), item.get("itemGuid"))
    recipients = _recipients(_podcast(element, "valueRecipient"), where, problems)
    return TimeSplit(start, duration, percentage, tuple(recipients), remote, remote_start)


def _funding(node: ET.Element) -> tuple[Funding, ...]:
    return tuple(
        Funding(url=(e.get("url") or "").strip(), text=_text(e))
        for e in _podcast(node, "funding")
        if (e.get("url") or "").strip()
    )


def _item_guid(entry: ET.Element) -> str | None:
    for child in entry:
        if _local(child.tag) in ("guid", "id") and _namespace(child.tag) in ("", _ATOM_NS):
            return _text(child) or None
    return None


def _decimal(raw: str | None) -> Decimal | None:
    """A plain non-negative decimal (no exponent, NaN or infinity); None otherwise."""
    if raw is None or not _DECIMAL.fullmatch(raw.strip()):
        return None
    return Decimal(raw.strip())


def _integer(raw: str | None) -> int | None:
    if raw is None or not _INTEGER.fullmatch(raw.strip()):
        return None
    return int(raw.strip())


def _podcast(node: ET.Element, name: str) -> list[ET.Element]:
    """The children of ``node`` that are ``podcast:<name>``."""
    return [
        child
        for child in node
        if isinstance(child.tag, str) and _local(child.tag) == name and _is_podcast(child.tag)
    ]


def _child(node: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in node if isinstance(c.tag, str) and _local(c.tag) == name), None)


def _is_podcast(tag: str) -> bool:
    namespace = _namespace(tag)
    bare = namespace.split("://", 1)[-1].rstrip("/")
    return bare.lower() == PODCAST_NS


def _namespace(tag: str) -> str:
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _text(element: ET.Element) -> str:
    """The element's own text (guids and funding texts are plain text: markup is ignored)."""
    return (element.text or "").strip()
