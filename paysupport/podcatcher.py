"""Support each downloaded podcast episode exactly once.

For every episode the podcatcher picks a payment link an installed provider
handles (routing by the providers' own URL patterns), claims the episode in
the :class:`~paysupport.ledger.Ledger`, asks the provider to support it, and
records the outcome. Links no installed provider handles are reported and
never requested; providers that cannot support through their API (Patreon)
are reported as ``manual`` with the page to open, not as failures.

The monthly budget is counted by the ledger in the transaction that claims,
so concurrent runs (one per download, as podcatcher hooks start them) cannot
overspend it. When the ledger itself fails (:class:`~paysupport.errors.LedgerError`)
the run stops: nothing more is requested, and each episode left says so.
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
    LedgerError,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    TransportError,
)
from paysupport.feeds import Episode, Feed, PaymentLink, find_downloaded, read_feed
from paysupport.ledger import DONE, FAILED, Claim, Ledger, month_start
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
    "conflict",
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
    #: Support an episode again when its payment target changed since it was recorded.
    accept_new_target: bool = False
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

    def _run_budget_left(self) -> bool:
        return self.budget.per_run is None or self._supported < self.budget.per_run

    def support_episode(self, episode: Episode) -> Outcome:
        """Support one episode (at most once, ever); never raises for provider errors.

        Raises :class:`~paysupport.errors.LedgerError` when the ledger cannot
        record the intent (nothing was requested then) or the outcome (its
        message says the support was made; the next run settles it).
        """
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
        if not self._run_budget_left():
            outcome.status, outcome.detail = "budget", "support budget of this run reached"
            return outcome
        try:
            client = self._client(name)
        except PaySupportError as exc:
            self._locked_out[name] = str(exc)
            outcome.status, outcome.detail = "error", str(exc)
            return outcome
        account = client.account
        month = (
            (month_start(), self.budget.per_month) if self.budget.per_month is not None else None
        )
        claim = self.ledger.claim(
            name,
            account,
            episode.guid,
            route.link.url,
            feed=episode.feed,
            retry_failed=self.retry_failed,
            accept_new_target=self.accept_new_target,
            month_budget=month,
        )
        if not claim.taken:
            outcome.status, outcome.detail = _refused(claim)
            return outcome
        try:
            return self._attempt(client, name, account, claim.feed, episode, route, outcome)
        except LedgerError as exc:
            if outcome.status == "supported" or outcome.status == "already":
                raise LedgerError(
                    f"{episode.title!r} was supported through {name}, but the ledger could not"
                    f" record it ({exc.message}); the next run settles it with the provider",
                    path=exc.path,
                ) from None
            raise

    def _attempt(
        self,
        client: Client,
        name: str,
        account: str,
        feed: str,
        episode: Episode,
        route: _Route,
        outcome: Outcome,
    ) -> Outcome:
        """Ask the provider, then record the outcome (``outcome.status`` is set first)."""
        guid = episode.guid
        try:
            client.support(route.link.url)
        except AlreadySupported as exc:
            outcome.status, outcome.detail = "already", "the provider already had this support"
            self.ledger.finish(name, account, guid, DONE, f"already supported: {exc}", feed=feed)
        except (TransportError, RateLimited, ResponseFormatError) as exc:
            outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
            self.ledger.release(name, account, guid, str(exc), feed=feed)
        except AuthError as exc:
            self._locked_out[name] = f"not authorized: {exc}"
            outcome.status, outcome.detail = "error", str(exc)
            self.ledger.release(name, account, guid, str(exc), feed=feed)
        except HTTPError as exc:
            if exc.status is not None and exc.status >= 500:
                outcome.status, outcome.detail = "error", f"will retry next run: {exc}"
                self.ledger.release(name, account, guid, str(exc), feed=feed)
            else:
                outcome.status, outcome.detail = "failed", str(exc)
                self.ledger.finish(name, account, guid, FAILED, str(exc), feed=feed)
        except PaySupportError as exc:
            outcome.status, outcome.detail = "failed", str(exc)
            self.ledger.finish(name, account, guid, FAILED, str(exc), feed=feed)
        else:
            self._supported += 1
            outcome.status = "supported"
            self.ledger.finish(name, account, guid, DONE, feed=feed)
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
        ambiguous: dict[str, list[Episode]] = {}
        if downloaded is not None:
            found = find_downloaded(parsed, downloaded)
            episodes, ambiguous = found.episodes, found.ambiguous
        wanted = set(guids) if guids is not None else None
        if wanted is not None:
            episodes = [e for e in episodes if e.guid in wanted]
        outcomes: list[Outcome] = []
        for position, episode in enumerate(episodes):
            try:
                outcomes.append(self.support_episode(episode))
            except LedgerError as exc:
                outcomes.append(Outcome(episode.guid, episode.title, "error", detail=str(exc)))
                outcomes += [
                    Outcome(e.guid, e.title, "error", detail="not attempted: the ledger failed")
                    for e in episodes[position + 1 :]
                ]
                break
        for name, matches in ambiguous.items():
            outcomes += [
                Outcome(
                    e.guid,
                    e.title,
                    "error",
                    detail=f"the downloaded file {name!r} could be any of {len(matches)} episodes"
                    " with files of that name; name the episode with --guid",
                )
                for e in matches
                if wanted is None or e.guid in wanted
            ]
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


def _refused(claim: Claim) -> tuple[str, str | None]:
    """The outcome status and detail of an episode the ledger did not let this run claim."""
    if claim.status == "settled":
        entry = claim.entry
        return ("already" if entry is None or entry.state == DONE else entry.state), claim.detail
    if claim.status == "stuck":
        return "error", claim.detail
    return claim.status, claim.detail
