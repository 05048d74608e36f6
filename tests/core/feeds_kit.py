"""Build podcast feeds for the tests: any number of episodes, any payment links."""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr


def podcast_feed(
    episodes: int,
    *,
    link: str = "https://tips.example/show/{n}",
    funding: str | None = None,
    channel_payment: str | None = None,
    guid: str = "ep-{n}",
    enclosure: str = "https://cdn.show.example/ep{n}.mp3",
) -> bytes:
    """An RSS 2.0 feed whose episode ``n`` has a payment link formatted from ``link``.

    ``guid`` and ``enclosure`` are formatted with ``n`` too.
    """
    items = []
    for n in range(1, episodes + 1):
        extra = (
            f"<podcast:funding url={quoteattr(funding)}>Support</podcast:funding>"
            if funding
            else ""
        )
        payment = f'<atom:link rel="payment" href={quoteattr(link.format(n=n))}/>' if link else ""
        items.append(
            f"<item><title>Episode {n}</title><guid>{escape(guid.format(n=n))}</guid>"
            f"<link>https://show.example/{n}</link>{payment}{extra}"
            f"<enclosure url={quoteattr(enclosure.format(n=n))}"
            ' length="1" type="audio/mpeg"/>'
            "</item>"
        )
    channel_link = (
        f'<atom:link rel="payment" href={quoteattr(channel_payment)}/>' if channel_payment else ""
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        f"<title>{escape('Show & Tell')}</title><link>https://show.example/</link>{channel_link}"
        + "".join(items)
        + "</channel></rss>"
    ).encode()


#: Node pubkeys from the namespace's own examples (value-recipient.md).
ALICE = "02d5c1bf8b940dc9cadca86d1b0a3c37fbe39cee4c7e839e33bef9174531d27f52"
BOB = "032f4ffbbafffbe51726ad3c164a3d0d37ec27bc67b29a159b0f49ae8ac21b8508"
CAROL = "02dd306e68c46681aa21d88a436fb35355a8579dd30201581cefa17cb179fc4c15"
HOSTING = "03ae9f91a0cb8ff43840e3c322c4c61f019d8c1c3cea15a25cfc425ac605e61a4a"


def recipient_xml(
    name: str,
    address: str,
    split: int | str,
    *,
    type: str = "node",
    fee: bool = False,
    custom_key: int | str | None = None,
    custom_value: str | None = None,
) -> str:
    """One ``<podcast:valueRecipient>``; ``split`` may be a string to write a bad one."""
    attributes = {"name": name, "type": type, "address": address, "split": str(split)}
    if fee:
        attributes["fee"] = "true"
    if custom_key is not None:
        attributes["customKey"] = str(custom_key)
    if custom_value is not None:
        attributes["customValue"] = custom_value
    written = " ".join(f"{key}={quoteattr(value)}" for key, value in attributes.items())
    return f"<podcast:valueRecipient {written}/>"


def time_split_xml(
    start: float | str,
    duration: float | str,
    *recipients: str,
    remote_percentage: float | str | None = None,
    remote: tuple[str, str | None] | None = None,
) -> str:
    """One ``<podcast:valueTimeSplit>``: recipients, or a remote item ``(feedGuid, itemGuid)``."""
    extra = ""
    if remote_percentage is not None:
        extra = f" remotePercentage={quoteattr(str(remote_percentage))}"
    inner = "".join(recipients)
    if remote is not None:
        item = f" itemGuid={quoteattr(remote[1])}" if remote[1] else ""
        inner += f"<podcast:remoteItem feedGuid={quoteattr(remote[0])}{item}/>"
    return (
        f'<podcast:valueTimeSplit startTime="{start}" duration="{duration}"{extra}>'
        f"{inner}</podcast:valueTimeSplit>"
    )


def value_xml(
    *children: str,
    type: str = "lightning",
    method: str = "keysend",
    suggested: str | None = "0.00000005000",
) -> str:
    """One ``<podcast:value>`` block around recipients and time splits (5 sats a minute)."""
    extra = f" suggested={quoteattr(suggested)}" if suggested is not None else ""
    return (
        f"<podcast:value type={quoteattr(type)} method={quoteattr(method)}{extra}>"
        + "".join(children)
        + "</podcast:value>"
    )


def value_feed(
    *items: str,
    channel: str = "",
    podcast_guid: str | None = None,
    self_link: str | None = None,
) -> bytes:
    """An RSS feed with namespace tags: ``channel`` and each item's extra XML are written as given.

    Item ``n`` (from 1) has guid ``ep-n`` and title ``Episode n``.
    """
    guid = f"<podcast:guid>{escape(podcast_guid)}</podcast:guid>" if podcast_guid else ""
    link = f'<atom:link rel="self" href={quoteattr(self_link)}/>' if self_link else ""
    written = "".join(
        f"<item><title>Episode {n}</title><guid>ep-{n}</guid>{extra}</item>"
        for n, extra in enumerate(items, start=1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
        ' xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel>'
        f"<title>Value Show</title><link>https://show.example/</link>{link}{guid}{channel}"
        + written
        + "</channel></rss>"
    ).encode()
