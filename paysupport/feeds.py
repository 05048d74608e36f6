"""Read podcast and blog feeds, and find each episode's payment links.

Feeds come from strangers, so everything here assumes hostility: a size cap
on what is read (streamed, so a huge answer is never held whole), a total
deadline (a body trickling a byte a second cannot hold the run), redirects
bounded and never followed from the internet into loopback, private or
link-local addresses, no proxies or netrc credentials taken from the
environment, feedparser's tolerant parser (malformed XML still yields what can
be read, and a feed with nothing readable is a :class:`FeedError`), and links
other than ``http(s)`` kept out of the payment links and reported per episode.
Nothing in this module sends a request except fetching the feed itself.

Payment links are, per episode: ``<atom:link rel="payment">`` and
``<link rel="payment">``, ``<podcast:funding url=...>``, and plain links that
are Flattr auto-submit URLs. An episode without links of its own inherits
the channel's.

The podcast namespace's value-for-value tags are read by
:mod:`paysupport.value` from the same bytes (feedparser drops them): each
episode's :attr:`Episode.value` is its own ``podcast:value`` block, else the
channel's, and is set only when it can be paid (:attr:`Episode.value_problems`
says why not); ``podcast:funding`` links come with their text; and a channel's
``podcast:guid`` becomes the feed's identity.

Needs the ``feeds`` extra (``pip install 'paysupport[feeds]'``), as do the
podcatcher and the blog flow built on it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

import requests

from paysupport._extras import needs_extra
from paysupport.errors import DeadlineExceeded, PaySupportError, ResponseTooLarge
from paysupport.http import HttpClient, HttpOptions
from paysupport.value.model import Funding, ValueBlock
from paysupport.value.parse import ItemTags, PodcastTags, ValueReading, read_podcast_tags

with needs_extra("feeds", "reading feeds (paysupport.feeds, the podcast and blog flows)"):
    import feedparser

#: Feeds larger than this are refused (a podcast feed of 1,000 episodes is ~5 MB).
MAX_FEED_BYTES = 20 * 1024 * 1024
#: The whole fetch (every redirect and the body) must end within this many seconds.
FEED_DEADLINE = 60.0
#: Redirects followed at most (feeds move, but not five times).
MAX_REDIRECTS = 5
SAFE_SCHEMES = ("http", "https")
#: A URL scheme (two letters or more, so a Windows drive letter is still a path).
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:")
#: What the fetcher asks for (the HTTP layer's default is JSON).
_FEED_ACCEPT = {
    "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.8"
}


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
    #: The identity of the feed it came from (see :attr:`Feed.identity`).
    feed: str = ""
    #: The ``podcast:value`` block to pay: the item's own, else the channel's; None
    #: when there is none or it cannot be paid (then :attr:`value_problems` says why).
    value: ValueBlock | None = None
    #: Why this episode's value block cannot be paid (the episode pays nothing then).
    value_problems: list[str] = field(default_factory=list)
    #: The ``podcast:funding`` links of the item, else the channel's (http(s) only).
    funding: list[Funding] = field(default_factory=list)


@dataclass
class Feed:
    title: str
    link: str | None
    episodes: list[Episode]
    #: Entries that could not be used at all, by position, with the reason.
    rejected: list[tuple[int, str]] = field(default_factory=list)
    #: Set when the XML was malformed but some of it could be read.
    warning: str | None = None
    #: What tells this feed apart from others using the same guids: its
    #: ``podcast:guid`` (as ``urn:uuid:...``: it follows the show across hosts),
    #: else its ``atom:link rel="self"``, else the URL or absolute path it was
    #: read from, else its channel ``<link>``.
    identity: str = ""
    #: The channel's ``podcast:guid`` as written (the bLIP-10 ``guid``), if any.
    guid: str | None = None
    #: The channel's payable ``podcast:value`` block (items may override it).
    value: ValueBlock | None = None
    #: Why the channel's value block cannot be paid, or could not be read at all.
    value_problems: list[str] = field(default_factory=list)
    #: The channel's ``podcast:funding`` links (http(s) only).
    funding: list[Funding] = field(default_factory=list)


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
    deadline: float = FEED_DEADLINE,
) -> bytes:
    """The feed's bytes from an http(s) URL or a file, refusing more than ``max_bytes``.

    ``timeout`` bounds each wait for the server, ``deadline`` the whole fetch.
    Without ``session``, one that ignores the environment's proxies and netrc
    is used (a feed is public: no credentials of the user's are sent with it).
    """
    text = os.fspath(source)
    if _URL_SCHEME.match(text):
        if not is_safe_url(text):
            raise FeedError(f"refusing to fetch {text!r}: only http(s) feeds are read")
        return _fetch(text, max_bytes, session, timeout, deadline)
    path = Path(text)
    try:
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise FeedError(f"feed file {path} cannot be read: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise FeedError(f"feed file {path} is larger than {max_bytes} bytes")
    return data


def _fetch(
    url: str,
    max_bytes: int,
    session: requests.Session | None,
    timeout: float,
    deadline: float,
) -> bytes:
    """Fetch through the core's HTTP layer, which bounds the time and the size.

    The layer follows no redirect to another origin, for good reason: its
    requests carry credentials. A feed carries none and moves between hosts
    (a podcast moved to a new host redirects), so redirects are followed here,
    one hop at a time, under :func:`_redirect_target`'s rule, within one
    deadline for the whole fetch.
    """
    options = HttpOptions(
        connect_timeout=min(timeout, 10.0),
        read_timeout=timeout,
        deadline=deadline,
        max_body_bytes=max_bytes,
    )
    http = HttpClient("feed", url, options=options, session=session)
    if session is not None:
        http.session.trust_env = session.trust_env  # a caller's session is used as given
    give_up = time.monotonic() + deadline
    origin = _address_kinds(urlsplit(url).hostname or "")
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            left = give_up - time.monotonic()
            if left <= 0:
                raise FeedError(f"feed {url} took longer than {deadline:g} s; not read")
            response = http.request(
                "GET", url, headers=_FEED_ACCEPT, allow_redirects=False, deadline=left
            )
            location = response.headers.get("Location")
            if response.is_redirect and location:
                url = _redirect_target(url, location, origin)
                continue
            if response.status_code != 200:
                raise FeedError(f"feed {url} answered HTTP {response.status_code}")
            return response.content
    except DeadlineExceeded:
        raise FeedError(f"feed {url} took longer than {deadline:g} s; not read") from None
    except ResponseTooLarge:
        raise FeedError(f"feed {url} is larger than {max_bytes} bytes") from None
    except FeedError:
        raise
    except PaySupportError as exc:
        raise FeedError(f"feed {url} could not be fetched: {exc}") from None
    finally:
        if session is None:
            http.close()
    raise FeedError(f"feed {url}: more than {MAX_REDIRECTS} redirects, not followed further")


def _address_kinds(host: str) -> set[str]:
    """What kind of place ``host`` resolves to: public, private, loopback or forbidden."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        return set()
    kinds = set()
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if address.is_loopback:
            kinds.add("loopback")
        elif (
            address.is_link_local
            or address.is_multicast
            or address.is_unspecified
            or address.is_reserved
        ):
            kinds.add("forbidden")  # cloud metadata (169.254.169.254), 0.0.0.0...
        elif address.is_private:
            kinds.add("private")
        else:
            kinds.add("public")
    return kinds


def _redirect_target(url: str, location: str, origin: set[str]) -> str:
    """Where a redirect may lead: http(s), and only into the kind of network the feed is on.

    A feed on the internet may not send the fetcher to loopback or private
    addresses (the user's router, a local admin page); a feed served on
    127.0.0.1 (the sandbox) may redirect within loopback. Link-local and other
    special addresses are never followed.
    """
    target = urljoin(url, location)
    if not is_safe_url(target):
        raise FeedError(f"feed {url} redirects to {target[:80]!r}: only http(s) is followed")
    kinds = _address_kinds(urlsplit(target).hostname or "")
    if not kinds:
        raise FeedError(f"feed {url} redirects to {target}, whose host cannot be resolved")
    allowed = {"public"} | (origin - {"forbidden"})
    if not kinds <= allowed:
        where = ", ".join(sorted(kinds - allowed))
        raise FeedError(
            f"refusing to follow the redirect of feed {url} to {target}: it leads to a"
            f" {where} address; fetch that URL directly if you trust it"
        )
    return target


def read_feed(source: str | os.PathLike[str] | bytes, **load: Any) -> Feed:
    """Parse a feed from a URL, a path or bytes into episodes with payment links."""
    data = source if isinstance(source, bytes) else load_feed_bytes(source, **load)
    origin = ""
    if not isinstance(source, bytes):
        text = os.fspath(source)
        origin = text if _URL_SCHEME.match(text) else str(Path(text).resolve())
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
    self_link = next(
        (str(k.get("href")) for k in channel.get("links") or [] if k.get("rel") == "self"), None
    )
    tags = read_podcast_tags(data)
    unread = [tags.problem] if tags.problem and b"podcastindex.org/namespace" in data else []
    feed = Feed(
        title=str(channel.get("title") or ""),
        link=_safe(channel.get("link")),
        episodes=[],
        warning=warning,
        identity=tags.identity or _safe(self_link) or origin or _safe(channel.get("link")) or "",
        guid=tags.guid,
        value=tags.value.block if tags.value else None,
        value_problems=unread + list(tags.value.problems if tags.value else ()),
        funding=_safe_funding(tags.funding),
    )
    item_tags = _item_tags(tags, len(entries))
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
        own = item_tags(position, str(entry.get("id") or ""))
        reading: ValueReading | None = own.value if own and own.value else tags.value
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
                feed=feed.identity,
                value=reading.block if reading else None,
                value_problems=unread + list(reading.problems if reading else ()),
                funding=_safe_funding(own.funding if own else ()) or list(feed.funding),
            )
        )
    return feed


def _item_tags(tags: PodcastTags, entries: int) -> Callable[[int, str], ItemTags | None]:
    """Find the namespace tags of feedparser's entry: by position, else by guid.

    Both read the same document in order, so positions agree; should they
    not (feedparser read a malformed feed differently), entries are matched
    by guid, and an entry without a match has no tags of its own.
    """
    if len(tags.items) == entries:
        return lambda position, _guid: tags.items[position]
    by_guid = {item.guid: item for item in tags.items if item.guid}
    return lambda _position, guid: by_guid.get(guid)


def _safe_funding(funding: Iterable[Funding]) -> list[Funding]:
    """Only http(s) funding links (an unsafe one is reported with the payment links)."""
    return [f for f in funding if is_safe_url(f.url)]


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


@dataclass(frozen=True)
class NoMatch:
    """A downloaded item (a guid, URL, file or folder) that names no episode of the feed.

    Reported rather than skipped: a typo in a guid, a folder that does not exist
    (``~`` not expanded by the caller, a disk not mounted) or the wrong show's
    folder would otherwise support nothing without a word.
    """

    item: str
    reason: str
    #: The item could not be looked at (no such file or folder, an unreadable folder, an
    #: unknown ``~user``): an error, where a mismatch is only another show's file or an
    #: episode older than the feed.
    unusable: bool = False


@dataclass
class Downloads:
    """Which episodes were downloaded, and the file names that could be several episodes."""

    episodes: list[Episode]
    #: A file name shared by several episodes' enclosures, with those episodes.
    ambiguous: dict[str, list[Episode]] = field(default_factory=dict)
    #: Items, and files inside given folders, that match no episode.
    unmatched: list[NoMatch] = field(default_factory=list)


def find_downloaded(feed: Feed, downloaded: Iterable[str | os.PathLike[str]]) -> Downloads:
    """Episodes matching guids, enclosure URLs, or files named like one episode's enclosure.

    A file name identifies an episode only when exactly one episode has an
    enclosure of that name: many feeds call every file ``audio.mp3`` under a
    per-episode path, and one such download must not count for all of them.
    Those names are returned in :attr:`Downloads.ambiguous`.

    Paths may start with ``~`` (expanded). Whatever matches nothing is returned
    in :attr:`Downloads.unmatched`: a path that does not exist, an empty folder,
    and each file of a folder named like no enclosure (hidden files, such as
    ``.DS_Store``, are skipped).
    """
    by_guid = {e.guid: e for e in feed.episodes}
    by_url = {url: e for e in feed.episodes for url in e.enclosures}
    by_name: dict[str, list[Episode]] = {}
    for episode in feed.episodes:
        for name in dict.fromkeys(_file_name(url) for url in episode.enclosures):
            by_name.setdefault(name, []).append(episode)
    chosen: dict[str, Episode] = {}
    ambiguous: dict[str, list[Episode]] = {}
    unmatched: list[NoMatch] = []

    def by_file(name: str) -> bool:
        """Whether ``name`` is the enclosure file name of one episode or of several."""
        matches = by_name.get(name, [])
        if len(matches) == 1:
            chosen.setdefault(matches[0].guid, matches[0])
        elif matches:
            ambiguous[name] = matches
        return bool(matches)

    for item in downloaded:
        text = os.fspath(item)
        if text in by_guid:
            chosen.setdefault(text, by_guid[text])
        elif text in by_url:
            chosen.setdefault(by_url[text].guid, by_url[text])
        elif _URL_SCHEME.match(text):
            unmatched.append(NoMatch(text, "no guid or enclosure URL of this feed"))
        else:
            unmatched += _match_path(text, by_file)
    episodes = [e for e in feed.episodes if e.guid in chosen]
    unresolved = {
        name: [e for e in matches if e.guid not in chosen] for name, matches in ambiguous.items()
    }
    return Downloads(episodes, {name: m for name, m in unresolved.items() if m}, unmatched)


def _match_path(text: str, by_file: Callable[[str], bool]) -> list[NoMatch]:
    """Match a file, or each file of a folder, by name; what matched nothing, and why."""
    try:
        path = Path(text).expanduser()
    except RuntimeError:  # "~someone" with no such user, or no home folder at all
        return [NoMatch(text, f"{text.split(os.sep, 1)[0]!r} names no home folder", True)]
    if not path.is_dir():
        if by_file(path.name):
            return []  # a file name (the file itself may be gone: podcatchers delete)
        if path.exists():
            return [NoMatch(text, "no episode of this feed has an enclosure of this file name")]
        missing = f"no guid or enclosure file name of this feed, and no file or folder {path}"
        return [NoMatch(text, missing, True)]
    try:
        files = sorted(
            child for child in path.iterdir() if child.is_file() and not child.name.startswith(".")
        )
    except OSError as exc:
        return [NoMatch(text, f"folder {path} cannot be read: {exc.strerror or exc}", True)]
    if not files:
        return [NoMatch(text, f"folder {path} holds no files")]
    return [
        NoMatch(str(child), "no episode of this feed has an enclosure of this file name")
        for child in files
        if not by_file(child.name)
    ]


def match_downloaded(feed: Feed, downloaded: Iterable[str | os.PathLike[str]]) -> list[Episode]:
    """The episodes of :func:`find_downloaded`, without the ambiguous file names."""
    return find_downloaded(feed, downloaded).episodes


def _file_name(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])
