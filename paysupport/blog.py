"""Register blog posts as supportable things when they are published.

``register_post`` is idempotent through the provider's ``register()`` (look
up by URL, create when absent, update only what changed, never a duplicate);
the ledger keeps what happened to each URL, so a static site generator can
call ``paysupport publish`` or ``sync-blog`` after every build.

:func:`publish_value` is the other half of publishing: it writes the value
block the config's ``[value]`` section declares (``<podcast:value>`` and
``<podcast:funding>``) into the feed a build generated, so value-for-value
podcatchers, paysupport's among them, pay its recipients
(:mod:`paysupport.value.publish` says how, and how safely).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from paysupport.errors import PaySupportError, Unsupported
from paysupport.ledger import Ledger
from paysupport.provider import Capability, Client
from paysupport.registry import connect
from paysupport.value.model import Funding, ValueBlock


@dataclass
class PostOutcome:
    url: str
    title: str
    status: str  # created | updated | unchanged | removed | absent | failed
    provider: str
    remote_id: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Blog:
    """Registers posts with one provider (Flattr by default)."""

    provider: str = "flattr"
    connect: Callable[[str], Client] = connect
    ledger: Ledger = field(default_factory=Ledger)
    _client: Client | None = field(default=None, repr=False)

    def client(self) -> Client:
        if self._client is None:
            client = self.connect(self.provider)
            if not client.supports(Capability.REGISTER):
                raise Unsupported(
                    f"{client.info.title} cannot register posts",
                    provider=self.provider,
                    capability="register",
                )
            self._client = client
        return self._client

    def register_post(
        self,
        url: str,
        title: str,
        description: str | None = None,
        tags: Sequence[str] = (),
        language: str | None = None,
        category: str | None = None,
        hidden: bool = False,
    ) -> PostOutcome:
        """Make ``url`` supportable; raises the provider's errors after recording them."""
        client = self.client()
        try:
            result = client.register(
                url,
                title,
                description=description,
                tags=tags,
                language=language,
                category=category,
                hidden=hidden,
            )
        except PaySupportError as exc:
            self.ledger.record_registration(
                self.provider, client.account, url, "failed", detail=str(exc)
            )
            raise
        detail = f"changed: {', '.join(result.changed)}" if result.changed else None
        self.ledger.record_registration(
            self.provider, client.account, url, result.status, result.remote_id, detail
        )
        return PostOutcome(url, title, result.status, self.provider, result.remote_id, detail)

    def unregister_post(self, url: str) -> PostOutcome:
        """Remove the registration of ``url`` (``absent`` when there was none)."""
        client = self.client()
        removed = client.unregister(url)
        status = "removed" if removed else "absent"
        self.ledger.record_registration(self.provider, client.account, url, status)
        return PostOutcome(url, "", status, self.provider)

    def sync_feed(
        self, feed: str | os.PathLike[str] | bytes, *, language: str | None = None
    ) -> list[PostOutcome]:
        """Register every entry of a blog feed; one failing post does not stop the others.

        Reading the feed needs the ``feeds`` extra; registering single posts does not.
        """
        from paysupport.feeds import read_feed  # the feeds extra (feedparser)

        parsed = read_feed(feed)
        outcomes = []
        for entry in parsed.episodes:
            if not entry.link:
                outcomes.append(
                    PostOutcome(
                        entry.guid,
                        entry.title,
                        "failed",
                        self.provider,
                        detail="entry has no http(s) link",
                    )
                )
                continue
            try:
                outcomes.append(
                    self.register_post(
                        entry.link,
                        entry.title,
                        description=_plain(entry.summary),
                        tags=entry.tags,
                        language=language,
                    )
                )
            except PaySupportError as exc:
                outcomes.append(
                    PostOutcome(entry.link, entry.title, "failed", self.provider, detail=str(exc))
                )
        return outcomes

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


@dataclass
class FeedOutcome:
    """What :func:`publish_value` did to a feed: ``added`` or ``unchanged``."""

    path: str
    status: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def publish_value(
    feed: str | os.PathLike[str],
    output: str | os.PathLike[str] | None = None,
    *,
    block: ValueBlock | None = None,
    funding: Sequence[Funding] | None = None,
) -> FeedOutcome:
    """Write a value block into the feed file ``feed`` (in place, or to ``output``).

    ``block`` and ``funding`` default to the config file's ``[value]`` section;
    pass them for a feed with its own block. The file is replaced atomically
    (a half-written feed is never served). Raises
    :class:`~paysupport.value.model.ValueForValueError` for a missing or
    unpayable block and a feed that declares another one.
    """
    from paysupport.value.publish import add_value_to_feed, load_block

    if block is None:
        block, declared = load_block()
        funding = declared if funding is None else funding
    source = os.fspath(feed)
    with open(source, "rb") as handle:
        data = handle.read()
    written = add_value_to_feed(data, block, funding or ())
    target = os.fspath(output) if output is not None else source
    if written == data and target == source:
        return FeedOutcome(target, "unchanged")
    _replace_readable(target, written, like=source)
    return FeedOutcome(target, "added" if written != data else "unchanged")


def _replace_readable(path: str, data: bytes, *, like: str) -> None:
    """Replace ``path`` atomically, keeping ``like``'s permissions (a feed is served: 0644)."""
    import stat
    import tempfile

    mode = stat.S_IMODE(os.stat(like).st_mode) if os.path.exists(like) else 0o644
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + "-", dir=folder)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _plain(html: str | None) -> str | None:
    if not html:
        return None
    text = re.sub(r"<[^>]+>", " ", html)
    return " ".join(text.split())[:1000] or None
