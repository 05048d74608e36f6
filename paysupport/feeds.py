"""Read podcast and blog feeds, and find each episode's payment links.

Feeds come from strangers, so everything here assumes hostility: a size cap
on what is read, feedparser's tolerant parser (malformed XML still yields what
can be read, and a feed with nothing readable is a :class:`FeedError`), and
links other than ``http(s)`` kept out of the payment links and reported per
episode. Nothing in this module sends a request except fetching the feed
itself.

Payment links are, per episode: ``<atom:link rel="payment">`` and
``<link rel="payment">``, ``<podcast:funding url=...>``, and plain links that
are Flattr auto-submit URLs. An episode without links of its own inherits
the channel's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import requests

from paysupport.errors import PaySupportError

#: Feeds larger than this are refused (a podcast feed of 1,000 episodes is ~5 MB).
MAX_FEED_BYTES = 20 * 1024 * 1024
SAFE_SCHEMES = ("http", "https")
#: A URL scheme (two letters or more, so a Windows drive letter is still a path).
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")


class FeedError(PaySupportError):
    """The feed could not be read at all (unreachable, too large, not a feed)."""


@dataclass(frozen=True)
class PaymentLink:
    """A link where the episode's author can be supported; ``kind`` says how it was found."""

    url: str
    kind: str  # "payment", "funding" or "auto-submit"
    title: str | None = None


@dataclass
class Episode:
    """One feed entry with what identifies it and where to support it."""

    guid: str
    title: str
    link: str | None = None
    enclosures: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    summary: str | None = None
    payment_links: list[PaymentLink] = field(default_factory=list)
    #: Problems found with this entry (an unsafe link, say); the entry is still usable.
    problems: list[str] = field(default_factory=list)


@dataclass
class Feed:
    title: str
    link: str | None
    episodes: list[Episode]
    #: Entries that could not be used at all, by position, with the reason.
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: Set when the XML was malformed but some of it could be read.
    warning: str | None = None


def is_safe_url(url: str) -> bool:
    """An absolute http(s) URL with a host: nothing else is ever followed."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    return parts.scheme.lower() in SAFE_SCHEMES and bool(parts.hostname)


def load_feed_bytes(
    source: str | os.PathLike[str],
    *,
    max_bytes: int = MAX_FEED_BYTES,
    session: requests.Session | None = None,
    timeout: float = 30.0,
) -> bytes:
    """The feed's bytes from an http(s) URL or a file, refusing more than ``max_bytes``."""
    text = os.fspath(source)
    if _URL_SCHEME.match(text):
        if not is_safe_url(text):
            raise FeedError(f"refusing to fetch {text!r}: only http(s) feeds are read")
        http = session or requests.Session()
        try:
            with http.get(text, stream=True, timeout=timeout) as response:
                if response.status_code != 200:
                    raise FeedError(f"feed {text} answered HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_content(65536):
                    body += chunk
                    if len(body) > max_bytes:
                        raise FeedError(f"feed {text} is larger than {max_bytes} bytes")
                return bytes(body)
        except requests.RequestException as exc:
            raise FeedError(f"feed {text} could not be fetched: {type(exc).__name__}") from None
    path = Path(text)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FeedError(f"feed file {path} cannot be read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise FeedError(f"feed file {path} is larger than {max_bytes} bytes")
    return data


def read_feed(source: str | os.PathLike[str] | bytes, **load: Any) -> Feed:
    """Parse a feed from a URL, a path or bytes into episodes with payment links."""
    data = source if isinstance(source, bytes) else load_feed_bytes(source, **load)
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if not entries and not parsed.get("version"):
        raise FeedError("not a feed: no RSS or Atom document found")
    warning = None
    if parsed.get("bozo"):
        problem = parsed.get("bozo_exception")
        warning = f"malformed feed: {type(problem).__name__}: {problem}"
        if not entries:
            raise FeedError(f"not a readable feed ({warning})")
    channel = parsed.get("feed") or {}
    channel_links = _payment_links(channel, [])
    feed = Feed(
        title=str(channel.get("title") or ""),
        link=_safe(channel.get("link")),
        episodes=[],
        warning=warning,
    )
    seen: set[str] = set()
    for position, entry in enumerate(entries):
        problems: list[str] = []
        enclosures = [str(e.get("href")) for e in entry.get("enclosures") or [] if e.get("href")]
        guid = str(entry.get("id") or (enclosures[0] if enclosures else entry.get("link")) or "")
        if not guid:
            feed.rejected.append((position, "entry has no guid, enclosure or link"))
            continue
        if guid in seen:
            feed.rejected.append((position, f"duplicate guid {guid!r}"))
            continue
        seen.add(guid)
        links = _payment_links(entry, problems) or list(channel_links)
        feed.episodes.append(
            Episode(
                guid=guid,
                title=str(entry.get("title") or guid),
                link=_safe(entry.get("link")),
                enclosures=[e for e in enclosures if is_safe_url(e)],
                tags=[str(t.get("term")) for t in entry.get("tags") or [] if t.get("term")],
                summary=entry.get("summary"),
                payment_links=links,
                problems=problems,
            )
        )
    return feed


def _safe(url: Any) -> str | None:
    return str(url) if isinstance(url, str) and is_safe_url(url) else None


def _payment_links(node: Any, problems: list[str]) -> list[PaymentLink]:
    found: list[PaymentLink] = []
    candidates: list[tuple[str, str, str | None]] = []
    for link in node.get("links") or []:
        href = link.get("href")
        if not href:
            continue
        if link.get("rel") == "payment":
            candidates.append((str(href), "payment", link.get("title")))
        elif _is_auto_submit(str(href)):
            candidates.append((str(href), "auto-submit", link.get("title")))
    funding = node.get("podcast_funding")
    if isinstance(funding, dict) and funding.get("url"):
        candidates.append((str(funding["url"]), "funding", None))
    seen: set[str] = set()
    for url, kind, title in candidates:
        if not is_safe_url(url):
            problems.append(f"ignored unsafe {kind} link {url[:60]!r}")
            continue
        if url not in seen:
            seen.add(url)
            found.append(PaymentLink(url=url, kind=kind, title=title))
    return found


def _is_auto_submit(url: str) -> bool:
    parts = urlsplit(url)
    return parts.path.rstrip("/").endswith("/submit/auto")


def match_downloaded(feed: Feed, downloaded: Iterable[str | os.PathLike[str]]) -> list[Episode]:
    """Episodes matching guids, enclosure URLs, or files (by enclosure file name)."""
    wanted: set[str] = set()
    for item in downloaded:
        text = os.fspath(item)
        path = Path(text)
        if "://" not in text and path.is_dir():
            wanted.update(p.name for p in path.iterdir() if p.is_file())
        else:
            wanted.add(text)
            wanted.add(path.name)
    chosen = []
    for episode in feed.episodes:
        names = {urlsplit(e).path.rsplit("/", 1)[-1] for e in episode.enclosures}
        if episode.guid in wanted or wanted & set(episode.enclosures) or wanted & names:
            chosen.append(episode)
    return chosen
