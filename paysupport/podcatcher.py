"""Support each downloaded podcast episode exactly once.

For every episode the podcatcher picks a payment link an installed provider
handles (routing by the providers' own URL patterns), claims the episode in
the :class:`~paysupport.ledger.Ledger`, asks the provider to support it, and
records the outcome. Links no installed provider handles are reported and
never requested; providers that cannot support through their API (Patreon)
are reported as ``manual`` with the page to open, not as failures.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import urlsplit

from paysupport.errors import (
    AlreadySupported,
    AuthError,
    HTTPError,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    TransportError,
)
from paysupport.feeds import Episode, Feed, PaymentLink, match_downloaded, read_feed
from paysupport.ledger import DONE, FAILED, Ledger, month_start
from paysupport.provider import Capability, Client, ProviderInfo
from paysupport.registry import available, connect
from paysupport.routing import provider_for_url

#: Outcome statuses, in the order a summary lists them.
STATUSES = (
    "supported",
    "already",
    "manual",
    "dry-run",
    "budget",
    "busy",
    "no-link",
    "failed",
    "error",
)


@dataclass
class Outcome:
    """What happened to one episode in this run."""

    guid: str
    title: str
    status: str
    provider: str | None = None
    url: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Budget:
    """At most ``per_run`` supports in one run and ``per_month`` in a calendar month (UTC)."""

    per_run: int | None = None
    per_month: int | None = None


@dataclass
class _Route:
    link: PaymentLink
    info: ProviderInfo


@dataclass
class Podcatcher:
    """Supports episodes through installed providers, recording each in the ledger.

    ``connect`` makes a client for a provider name (default:
    :func:`paysupport.connect` with settings from config and environment).
    """

    connect: Callable[[str], Client] = connect
    ledger: Ledger = field(default_factory=Ledger)
    budget: Budget = field(default_factory=Budget)
    dry_run: bool = False
    retry_failed: bool = False
    providers: list[ProviderInfo] | None = None
    _clients: dict[str, Client] = field(default_factory=dict, repr=False)
    _locked_out: dict[str, str] = field(default_factory=dict, repr=False)
    _supported: int = 0

    def _infos(self) -> list[ProviderInfo]:
        if self.providers is None:
            self.providers = available()
        return self.providers

    def _client(self, name: str) -> Client:
        if name not in self._clients:
            self._clients[name] = self.connect(name)
        return self._clients[name]

    def _route(self, episode: Episode) -> tuple[_Route | None, _Route | None, list[str]]:
        """The first supportable route, the first manual one, and hosts nobody handles."""
        supportable = manual = None
        unknown: list[str] = []
        for link in episode.payment_links:
            info = provider_for_url(link.url, self._infos())
            if info is None:
                unknown.append(urlsplit(link.url).hostname or link.url)
            elif Capability.SUPPORT in info.capabilities:
                supportable = supportable or _Route(link, info)
            else:
                manual = manual or _Route(link, info)
        return supportable, manual, unknown

    def _budget_left(self) -> bool:
        if self.budget.per_run is not None and self._supported >= self.budget.per_run:
            return False
        if self.budget.per_month is not None:
            return self.ledger.done_since(month_start()) < self.budget.per_month
        return True

    def support_episode(self, episode: Episode) -> Outcome:
        """Support one episode (at most once, ever); never raises for provider errors."""
        outcome = Outcome(episode.guid, episode.title, "no-link")
        route, manual, unknown = self._route(episode)
        if route is None:
            if manual is not None:
                outcome.status, outcome.provider = "manual", manual.info.name
                outcome.url = manual.link.url
                outcome.detail = f"open {manual.link.url} to support by hand"
            elif unknown:
                outcome.status = "error"
                outcome.detail = f"no installed provider handles {', '.join(sorted(set(unknown)))}"
            elif episode.problems:
                outcome.status, outcome.detail = "error", "; ".join(episode.problems)
            return outcome
        name = route.info.name
        outcome.provider, outcome.url = name, route.link.url
        if self.dry_run:
            outcome.status, outcome.detail = "dry-run", f"would support through {name}"
            return outcome
        if name in self._locked_out:
            outcome.status, outcome.detail = "error", self._locked_out[name]
            return outcome
        if not self._budget_left():
            outcome.status, outcome.detail = "budget", "support budget reached"
            return outcome
        try:
            client = self._client(name)
        except PaySupportError as exc:
            self._locked_out[name] = str(exc)
            outcome.status, outcome.detail = "error", str(exc)
            return outcome
        account = client.account
        claimed, entry = self.ledger.claim(
            name, account, episode.guid, route.link.url, retry_failed=self.retry_failed
        )
        if not claimed:
            assert entry is not None
            outcome.status = (
                "busy"
                if entry.state == "claimed"
                else ("already" if entry.state == DONE else entry.state)
            )
            outcome.detail = entry.detail
            return outcome
        return self._attempt(client, name, account, episode, route, outcome)

    def _attempt(
        self,
        client: Client,
        name: str,
        account: str,
        episode: Episode,
        route: _Route,
        outcome: Outcome,
    ) -> Outcome:
        try:
            client.support(route.link.url)
        except AlreadySupported as exc:
            self.ledger.finish(name, account, episode.guid, DONE, f"already supported: {exc}")
            outcome.status, outcome.detail = "already", "the provider already had this support"
        except (TransportError, RateLimited, ResponseFormatError) as exc:
            self.ledger.release(name, account, episode.guid, str(exc))
            outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
        except AuthError as exc:
            self.ledger.release(name, account, episode.guid, str(exc))
            self._locked_out[name] = f"not authorized: {exc}"
            outcome.status, outcome.detail = "error", str(exc)
        except HTTPError as exc:
            if exc.status is not None and exc.status >= 500:
                self.ledger.release(name, account, episode.guid, str(exc))
                outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
            else:
                self.ledger.finish(name, account, episode.guid, FAILED, str(exc))
                outcome.status, outcome.detail = "failed", str(exc)
        except PaySupportError as exc:
            self.ledger.finish(name, account, episode.guid, FAILED, str(exc))
            outcome.status, outcome.detail = "failed", str(exc)
        else:
            self.ledger.finish(name, account, episode.guid, DONE)
            self._supported += 1
            outcome.status = "supported"
        return outcome

    def support_feed(
        self,
        feed: Feed | str | os.PathLike[str],
        *,
        downloaded: Iterable[str | os.PathLike[str]] | None = None,
        guids: Iterable[str] | None = None,
    ) -> list[Outcome]:
        """Support the feed's downloaded episodes (or the given guids, or every episode)."""
        parsed = feed if isinstance(feed, Feed) else read_feed(feed)
        episodes = parsed.episodes
        if downloaded is not None:
            episodes = match_downloaded(parsed, downloaded)
        if guids is not None:
            wanted = set(guids)
            episodes = [e for e in episodes if e.guid in wanted]
        outcomes = [self.support_episode(episode) for episode in episodes]
        outcomes += [
            Outcome(f"entry #{position}", "(unreadable entry)", "error", detail=reason)
            for position, reason in parsed.rejected
        ]
        return outcomes

    def close(self) -> None:
        for client in self._clients.values():
            client.close()


def support_downloaded(
    feed: Feed | str | os.PathLike[str],
    downloaded: Iterable[str | os.PathLike[str]] | None = None,
    **options: Any,
) -> list[Outcome]:
    """One call for scripts: support what was downloaded from ``feed``."""
    catcher = Podcatcher(**options)
    try:
        return catcher.support_feed(feed, downloaded=downloaded)
    finally:
        catcher.close()


def summarize(outcomes: Iterable[Outcome]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for outcome in outcomes:
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return {k: v for k, v in counts.items() if v}
