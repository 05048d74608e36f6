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
