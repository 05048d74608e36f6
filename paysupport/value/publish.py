"""The publisher's side: write ``<podcast:value>`` and ``<podcast:funding>`` into a feed.

A blog or podcast declares its value block once (the config file's ``[value]``
section, :func:`block_from_config`, or a :class:`~paysupport.value.model.ValueBlock`
built in Python for one feed), and :func:`add_value_to_feed` writes it into
the RSS or Atom feed a site generator made, so what one paysupport user
publishes, another's podcatcher pays.

Safely: the feed is read by the same hardened parser the podcatcher uses
(entity declarations and external entities refused, never expanded), the block
is checked with :func:`~paysupport.value.validate.block_problems` (an
unpayable block is never published), and the new elements are *inserted* as
text before the channel's end tag, every other byte of the feed kept as it
was. A feed that already declares the same block is returned unchanged (so a
build step may run it every time); one that declares another block is refused.

The ``[value]`` section::

    [value]
    suggested = 0.00000005000
    recipients =
        Host, lnaddress, host@podcast.example, 90
        Hosting, node, 02...66 hex, 5, fee
        App, lnaddress, app@fees.example, 5, fee, customKey=696969, customValue=paysupport-app
    funding = https://podcast.example/support
    funding_text = Support the show

One recipient a line: name, type (``node`` or ``lnaddress``), address, split,
then optionally ``fee`` and ``customKey=``/``customValue=``. Names may not
hold commas. ``suggested`` is in BTC per minute, as the namespace writes it.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from paysupport.errors import PaySupportError
from paysupport.value.model import MSAT_PER_BTC, Funding, Recipient, ValueBlock, ValueForValueError
from paysupport.value.parse import PODCAST_NS, parse_xml, read_podcast_tags
from paysupport.value.validate import block_problems

#: The namespace URI written into feeds that do not declare it yet.
PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
#: The config file section a publisher declares the value block in.
SECTION = "value"
#: The keys :func:`block_from_config` reads (the config file's check knows them too).
KEYS = frozenset({"suggested", "method", "recipients", "funding", "funding_text"})
_ENCODING = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_ASCII_COMPATIBLE = ("utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1")


def block_from_config(section: Mapping[str, str]) -> tuple[ValueBlock, tuple[Funding, ...]]:
    """The value block and funding links a ``[value]`` section declares (see the module).

    Raises :class:`~paysupport.value.model.ValueForValueError` naming what is
    wrong: a malformed recipient line, an unknown flag, a block that cannot be paid.
    """
    recipients = tuple(
        _recipient(line.strip(), number)
        for number, line in enumerate(section.get("recipients", "").splitlines(), start=1)
        if line.strip()
    )
    suggested = None
    raw = section.get("suggested")
    if raw:
        try:
            suggested = Decimal(raw) * MSAT_PER_BTC
        except InvalidOperation:
            raise ValueForValueError(f"[value] suggested = {raw!r} is not a number") from None
    block = ValueBlock("lightning", section.get("method") or "keysend", suggested, recipients)
    _check(block)
    funding: tuple[Funding, ...] = ()
    if section.get("funding"):
        funding = (Funding(section["funding"], section.get("funding_text") or ""),)
    return block, funding


def _recipient(line: str, number: int) -> Recipient:
    fields = [f.strip() for f in line.split(",")]
    if len(fields) < 4:
        raise ValueForValueError(
            f"[value] recipients, line {number}: expected 'name, type, address, split'"
        )
    name, kind, address, split_text = fields[:4]
    try:
        split = int(split_text)
    except ValueError:
        raise ValueForValueError(
            f"[value] recipients, line {number}: split {split_text!r} is not a whole number"
        ) from None
    fee, custom_key, custom_value = False, None, None
    for flag in fields[4:]:
        key, sep, value = flag.partition("=")
        if flag == "fee":
            fee = True
        elif sep and key == "customKey" and value.isdigit():
            custom_key = int(value)
        elif sep and key == "customValue":
            custom_value = value
        else:
            raise ValueForValueError(
                f"[value] recipients, line {number}: {flag!r} is not fee, customKey=<number>"
                " or customValue=<text>"
            )
    return Recipient(name, kind, address, split, fee, custom_key, custom_value)


def load_block(
    config: configparser.ConfigParser | None = None,
) -> tuple[ValueBlock, tuple[Funding, ...]]:
    """The ``[value]`` section of the config file (or ``config``) as a block and funding."""
    if config is None:
        from paysupport.config import load_config

        config = load_config()
    if not config.has_section(SECTION):
        raise ValueForValueError(
            "no [value] section in the config file: declare the recipients to publish"
        )
    return block_from_config(config[SECTION])


def value_elements(
    block: ValueBlock, funding: Sequence[Funding] = (), prefix: str = "podcast"
) -> str:
    """The XML of ``block`` and ``funding`` (elements with ``prefix``), one per line."""
    _check(block)
    p = prefix
    attrs = f"type={quoteattr(block.type)} method={quoteattr(block.method)}"
    if block.suggested_msat_per_minute is not None:
        btc = block.suggested_msat_per_minute / MSAT_PER_BTC
        attrs += f' suggested="{btc:.11f}"'
    lines = [f"<{p}:value {attrs}>"]
    for r in block.recipients:
        one = (
            f"<{p}:valueRecipient name={quoteattr(r.name)} type={quoteattr(r.type)}"
            f' address={quoteattr(r.address)} split="{r.split}"'
        )
        if r.fee:
            one += ' fee="true"'
        if r.custom_key is not None:
            one += f' customKey="{r.custom_key}" customValue={quoteattr(r.custom_value or "")}'
        lines.append("  " + one + "/>")
    lines.append(f"</{p}:value>")
    lines += [
        f"<{p}:funding url={quoteattr(f.url)}>{escape(f.text)}</{p}:funding>" for f in funding
    ]
    return "\n".join(lines)


def add_value_to_feed(data: bytes, block: ValueBlock, funding: Sequence[Funding] = ()) -> bytes:
    """``data`` (an RSS or Atom feed) with ``block`` and ``funding`` in its channel.

    Returns ``data`` itself when the channel already declares this block.
    Raises :class:`~paysupport.value.parse.UnsafeXml` for entity declarations,
    :class:`~paysupport.errors.PaySupportError` for XML that is not a feed, and
    :class:`~paysupport.value.model.ValueForValueError` for an unpayable block,
    a channel with another value block, or an encoding text cannot be added to.
    """
    _check(block)
    parse_xml(data)  # refuses entities and malformed XML before anything else
    existing = read_podcast_tags(data).value
    if existing is not None:
        if existing.block == block:
            return data
        raise ValueForValueError(
            "the feed already declares another podcast:value block in its channel; remove it"
            " (or publish this one there by hand)"
        )
    encoding = _encoding(data)
    where = _positions(data)
    prefix = where.prefix or "podcast"
    text = "\n" + value_elements(block, funding, prefix) + "\n"
    insert = text.encode(encoding, errors="xmlcharrefreplace")
    out = data[: where.channel_end] + insert + data[where.channel_end :]
    if where.prefix is None:
        declaration = f' xmlns:podcast="{PODCAST_NAMESPACE}"'.encode(encoding)
        out = out[: where.root_name_end] + declaration + out[where.root_name_end :]
    return out


class _Positions:
    root_name_end = 0
    channel_end = 0
    prefix: str | None = None


def _positions(data: bytes) -> _Positions:
    """Where the root's name ends, where the channel's end tag starts, the podcast prefix."""
    found = _Positions()
    parser = expat.ParserCreate()  # no namespace processing: prefixes as written
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    root: list[str] = []

    def start(name: str, attributes: dict[str, str]) -> None:
        if not stack:
            root.append(name)
            found.root_name_end = parser.CurrentByteIndex + 1 + len(name.encode())
            for key, value in attributes.items():
                if key.startswith("xmlns:") and _is_podcast(value):
                    found.prefix = key[len("xmlns:") :]
                elif key == "xmlns:podcast":
                    raise ValueForValueError(
                        f"the feed binds the prefix podcast to {value!r}, not the podcast namespace"
                    )
        stack.append(name)

    def end(name: str) -> None:
        stack.pop()
        local = name.rpartition(":")[2]
        is_channel = (len(stack) == 1 and local == "channel" and root[0].endswith("rss")) or (
            not stack and local == "feed"
        )
        if is_channel and not found.channel_end:
            found.channel_end = parser.CurrentByteIndex

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise PaySupportError(f"not well-formed XML: {exc}") from None
    if not found.channel_end or data[found.channel_end : found.channel_end + 2] != b"</":
        raise ValueForValueError("not an RSS feed with a <channel> or an Atom <feed>")
    return found


def _is_podcast(uri: str) -> bool:
    return uri.split("://", 1)[-1].rstrip("/") == PODCAST_NS


def _encoding(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ValueForValueError("UTF-16 feeds are not supported: write the feed in UTF-8")
    match = _ENCODING.match(data.lstrip(b"\xef\xbb\xbf"))
    encoding = match.group(1).decode().lower() if match else "utf-8"
    if encoding not in _ASCII_COMPATIBLE:
        raise ValueForValueError(f"feeds in {encoding} are not supported: write it in UTF-8")
    return encoding


def _check(block: ValueBlock) -> None:
    problems = block_problems(block)
    if problems:
        raise ValueForValueError("the value block cannot be paid: " + "; ".join(problems))
