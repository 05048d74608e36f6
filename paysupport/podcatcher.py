"""Support each downloaded podcast episode exactly once.

For every episode the podcatcher picks a payment link an installed provider
handles (routing by the providers' own URL patterns), claims the episode in
the :class:`~paysupport.ledger.Ledger`, asks the provider to support it, and
records the outcome. Links no installed provider handles are reported and
never requested; providers that cannot support through their API (Patreon)
are reported as ``manual`` with the page to open, not as failures.

Budgets are counted by the ledger in the transaction that claims, after the
ledger's own answer (an episode supported before is ``already``, never
``budget``), so concurrent runs (one per download, as podcatcher hooks start
them) cannot overspend them. A budget in money needs to know what a support
costs before it is made: only clients that say so (:class:`PricedSupport`) can
be held to one, and :class:`~paysupport.errors.Unsupported` is raised, before
anything is requested, for a provider that cannot.

Episodes with a ``podcast:value`` block are paid over Lightning instead, when
the podcatcher is given :class:`ValueSupport` (``support-feed --value-sats``):
the ``auto`` action of :mod:`paysupport.value.pay`, a fixed amount split over
the block's recipients, each recipient's part recorded in the same ledger and
paid exactly once. An episode whose block cannot be paid reports why and pays
nothing; episodes without a block go through their payment links as before.

Whatever was asked for and matches nothing (a ``guid`` not in the feed, a
download folder that does not exist, a file of another show) is reported as an
outcome, never skipped in silence. When the ledger itself fails
(:class:`~paysupport.errors.LedgerError`) the run stops: nothing more is
requested, and each episode left says so.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

from paysupport._args import several
from paysupport.errors import (
    AlreadySupported,
    AuthError,
    ConfigError,
    HTTPError,
    LedgerError,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    TransportError,
    Unsupported,
)
from paysupport.feeds import Episode, Feed, PaymentLink, find_downloaded, read_feed
from paysupport.ledger import DONE, FAILED, Claim, Ledger, month_start
from paysupport.money import Money
from paysupport.provider import Capability, Client, ProviderInfo
from paysupport.registry import available, connect
from paysupport.routing import provider_for_url
from paysupport.value.pay import ValueOutcome, ValuePayer, wallet_of

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
    "no-match",
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


@runtime_checkable
class PricedSupport(Protocol):
    """A client whose ``support()`` pays a known amount, and says how much before paying.

    A money budget counts these amounts; a provider whose supports have no
    amount (Flattr splits a monthly sum among its flattrs) can be held to a
    count budget only.
    """

    def support_amount(self, target: str) -> Money: ...


@dataclass(frozen=True)
class Budget:
    """Limits on what one run and one calendar month (UTC) may spend.

    ``per_run`` and ``per_month`` count supports; ``per_month_amount`` is money,
    in whole minor units of ``currency`` (``Budget(per_month_amount=500,
    currency="EUR")`` is 5.00 EUR), for providers whose supports have an amount.
    Raises :class:`~paysupport.errors.ConfigError` for a negative limit or an
    amount without its currency.
    """

    per_run: int | None = None
    per_month: int | None = None
    per_month_amount: int | None = None
    currency: str | None = None

    def __post_init__(self) -> None:
        for name in ("per_run", "per_month", "per_month_amount"):
            value = getattr(self, name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise ConfigError(f"budget {name} must be a whole number, 0 or more: {value!r}")
        if self.per_month_amount is not None and not self.currency:
            raise ConfigError(
                "a budget in money (per_month_amount, --monthly-budget-amount) needs its"
                " currency (currency='EUR', --budget-currency EUR)"
            )
        if self.currency:
            object.__setattr__(self, "currency", self.currency.upper())


@dataclass(frozen=True)
class ValueSupport:
    """Pay episodes that have a ``podcast:value`` block ``sats`` each, split over the block.

    ``provider`` names the wallet provider (its client needs ``pay_keysend``,
    ``lookup`` and ``resolve_lightning_address``); ``monthly_budget_sats``
    limits value payments per calendar month, counting runs in progress.
    """

    sats: int
    provider: str = "lightning"
    monthly_budget_sats: int | None = None
    sender_name: str | None = None

    def __post_init__(self) -> None:
        if isinstance(self.sats, bool) or not isinstance(self.sats, int) or self.sats < 1:
            raise ConfigError(
                f"value payments need a whole number of sats, 1 or more: {self.sats!r}"
            )


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
    #: Pay podcast:value blocks over Lightning (the ``auto`` action); None: links only.
    value: ValueSupport | None = None
    _clients: dict[str, Client] = field(default_factory=dict, repr=False)
    _payer: ValuePayer | None = field(default=None, repr=False)
    _feed: Feed | None = field(default=None, repr=False)
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
        if self.value is not None and (episode.value is not None or episode.value_problems):
            return self._support_value(episode, self.value)
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
            done = self.ledger.settled(name, episode.feed, episode.guid, route.link.url)
            if done is not None:
                outcome.status, outcome.detail = "already", "recorded as supported in the ledger"
            else:
                outcome.status, outcome.detail = "dry-run", f"would support through {name}"
            return outcome
        if name in self._locked_out:
            outcome.status, outcome.detail = "error", self._locked_out[name]
            return outcome
        try:
            client = self._client(name)
        except PaySupportError as exc:
            self._locked_out[name] = str(exc)
            outcome.status, outcome.detail = "error", str(exc)
            return outcome
        self._require_amounts(client)
        try:
            cost = self._cost(client, route.link.url)
        except PaySupportError as exc:
            outcome.status = "error"
            outcome.detail = f"will retry next run: what the support costs is unknown: {exc}"
            return outcome
        account = client.account
        since, budget = month_start(), self.budget
        claim = self.ledger.claim(
            name,
            account,
            episode.guid,
            route.link.url,
            feed=episode.feed,
            retry_failed=self.retry_failed,
            accept_new_target=self.accept_new_target,
            month_budget=None if budget.per_month is None else (since, budget.per_month),
            cost=None if cost is None else (cost.minor, cost.currency),
            month_amount=(
                None
                if budget.per_month_amount is None or budget.currency is None
                else (since, budget.per_month_amount, budget.currency)
            ),
            run_budget_spent=(
                None if self._run_budget_left() else "support budget of this run reached"
            ),
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

    def _support_value(self, episode: Episode, value: ValueSupport) -> Outcome:
        """Pay the episode's value block (``auto``); one outcome summing up its recipients."""
        outcome = Outcome(episode.guid, episode.title, "error", provider=value.provider)
        if episode.value is None:
            outcome.detail = "podcast:value cannot be paid: " + "; ".join(episode.value_problems)
            return outcome
        if value.provider in self._locked_out:
            outcome.detail = self._locked_out[value.provider]
            return outcome
        if self._payer is None:
            try:
                wallet = wallet_of(self._client(value.provider))
            except PaySupportError as exc:
                self._locked_out[value.provider] = str(exc)
                outcome.detail = str(exc)
                return outcome
            self._payer = ValuePayer(
                wallet,
                self.ledger,
                sender_name=value.sender_name,
                monthly_budget_sats=value.monthly_budget_sats,
                retry_failed=self.retry_failed,
                dry_run=self.dry_run,
            )
        parts = self._payer.auto(episode, value.sats, feed=self._feed)
        outcome.status, outcome.detail = _value_status(parts)
        return outcome

    def _require_amounts(self, client: Client) -> None:
        """Raise :class:`Unsupported` when a money budget is set and ``client`` has no amounts."""
        if self.budget.per_month_amount is None or isinstance(client, PricedSupport):
            return
        info = client.info
        raise Unsupported(
            f"a budget in money needs the amount of each support, and {info.title}'s supports"
            " have none (its client has no support_amount()); use a budget in supports"
            " (per_month, --monthly-budget) instead",
            provider=info.name,
            capability="support amounts",
        )

    @staticmethod
    def _cost(client: Client, url: str) -> Money | None:
        """What supporting ``url`` costs, when the provider says (recorded in the ledger)."""
        return client.support_amount(url) if isinstance(client, PricedSupport) else None

    def _check_amounts(self, episodes: Iterable[Episode]) -> None:
        """Before anything is paid: every provider a money budget would meet has amounts."""
        if self.budget.per_month_amount is None:
            return
        for episode in episodes:
            route = self._route(episode)[0]
            if route is None or route.info.name in self._locked_out:
                continue
            try:
                client = self._client(route.info.name)
            except PaySupportError:
                continue  # reported with the episode, as any connection failure
            self._require_amounts(client)

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
        """Support the feed's downloaded episodes (or the given guids, or every episode).

        ``downloaded`` holds guids, enclosure URLs, files and folders (``~``
        expanded). Besides one outcome per episode, what matched nothing is
        reported: a guid not in the feed and a path that does not exist as
        ``error``, a file no enclosure is named like (or an empty folder) as
        ``no-match``. Raises :class:`~paysupport.errors.Unsupported` before any
        request when a money budget is set and an episode's provider has no amounts.
        """
        parsed = feed if isinstance(feed, Feed) else read_feed(feed)
        self._feed = parsed
        episodes = parsed.episodes
        ambiguous: dict[str, list[Episode]] = {}
        unmatched: list[Outcome] = []
        if downloaded is not None:
            found = find_downloaded(parsed, several(downloaded, "downloaded"))
            episodes, ambiguous = found.episodes, found.ambiguous
            unmatched += [
                Outcome("", miss.item, "error" if miss.unusable else "no-match", detail=miss.reason)
                for miss in found.unmatched
            ]
        wanted: set[str] | None = None
        if guids is not None:
            asked = several(guids, "guids")
            wanted = set(asked)
            unmatched += _unmatched_guids(parsed, asked, episodes, ambiguous)
            episodes = [e for e in episodes if e.guid in wanted]
        self._check_amounts(episodes)
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
        return outcomes + unmatched

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


def _unmatched_guids(
    feed: Feed,
    asked: Iterable[str],
    chosen: list[Episode],
    ambiguous: dict[str, list[Episode]],
) -> list[Outcome]:
    """The asked-for guids that name no episode to support: not in the feed, or not downloaded."""
    in_feed = {e.guid: e for e in feed.episodes}
    found = {e.guid for e in chosen} | {e.guid for m in ambiguous.values() for e in m}
    outcomes = []
    for guid in dict.fromkeys(asked):
        episode = in_feed.get(guid)
        if episode is None:
            detail = f"no episode of this feed has the guid {guid!r}"
            outcomes.append(Outcome(guid, guid, "error", detail=detail))
        elif guid not in found:
            detail = "in the feed, but none of the downloads is this episode"
            outcomes.append(Outcome(guid, episode.title, "no-match", detail=detail))
    return outcomes


def _value_status(parts: list[ValueOutcome]) -> tuple[str, str]:
    """One episode's status and detail from its recipients' value outcomes.

    ``supported`` when every part is paid now or before (``already`` when all
    were before); otherwise the worst status of a part, with each part's story.
    """
    statuses = {p.status for p in parts} - {"skipped"}
    sats = sum(p.amount_msat for p in parts if p.status == "paid") / 1000
    story = "; ".join(
        f"{p.recipient or 'episode'}: {p.status}"
        + (f" {p.amount_msat / 1000:g} sats" if p.amount_msat else "")
        + (f" ({p.detail})" if p.detail and p.status not in ("paid", "already") else "")
        for p in parts
    )
    for worst in ("error", "failed", "busy", "budget", "pending", "dry-run"):
        if worst in statuses:
            return ("error" if worst == "pending" else worst), story
    if statuses == {"already"}:
        return "already", story
    if statuses <= {"paid", "already"} and statuses:
        return "supported", f"paid {sats:g} sats over podcast:value: {story}"
    return "error", story or "nothing to pay"


def _refused(claim: Claim) -> tuple[str, str | None]:
    """The outcome status and detail of an episode the ledger did not let this run claim."""
    if claim.status == "settled":
        entry = claim.entry
        return ("already" if entry is None or entry.state == DONE else entry.state), claim.detail
    if claim.status == "stuck":
        return "error", claim.detail
    return claim.status, claim.detail
