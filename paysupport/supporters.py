"""One supporter model across providers: who supports an account, with how much, since when.

Each provider that receives support (Patreon members, GitHub sponsors...)
offers ``walk("supporters")`` yielding :class:`Supporter`, built from its own
resource; the field-by-field source of each provider is documented in
docs/supporters.md. A web app or a creator's export then asks the same
question the same way everywhere, and can merge providers into one list
(:func:`merged`, with :class:`Totals` per currency and per tier, as ``paysupport
supporters`` prints them). :func:`is_supporter` is the one entitlement check a web
app makes across the accounts it has connected, and says which provider(s) made
it true.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any

from paysupport.errors import (
    InvalidRequest,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
    TransportError,
    Unsupported,
)
from paysupport.money import Money

if TYPE_CHECKING:  # the client base class pulls in the HTTP layer; only its type is needed
    from paysupport.provider import Client

__all__ = [
    "NO_TIER",
    "TABLE_COLUMNS",
    "Period",
    "Sums",
    "SupportAnswer",
    "SupportCheck",
    "Supporter",
    "SupporterStatus",
    "Totals",
    "find_supporter",
    "is_supporter",
    "merged",
    "minimums",
    "supporter_clients",
    "totals_of",
]


class SupporterStatus(str, Enum):
    """Where a supporter stands today."""

    ACTIVE = "active"  # supporting now, on a recurring plan
    ONE_TIME = "one-time"  # paid once, no recurring plan
    PENDING = "pending"  # started, first payment not settled (or a cancellation pending)
    DECLINED = "declined"  # the last charge failed
    PAST = "past"  # supported before, not now

    def __str__(self) -> str:
        return self.value


class Period(str, Enum):
    """What ``Supporter.amount`` is paid for."""

    MONTH = "month"
    YEAR = "year"
    ONCE = "once"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Supporter:
    """A supporter of one connected account on one provider.

    ``id`` is the supporter's id on that provider (a Patreon user id, a GitHub
    login's node id); ``account`` names the connected account they support.
    ``amount`` is what they pay per ``period``, exact (minor units), ``None``
    when the provider does not say. ``resource`` is the provider's own record,
    for anything this model does not carry.
    """

    provider: str
    id: str
    name: str | None
    status: SupporterStatus
    amount: Money | None = None
    period: Period | None = None
    tier: str | None = None
    tier_id: str | None = None
    email: str | None = None
    since: datetime | None = None
    last_charge: datetime | None = None
    account: str | None = None
    resource: Any = field(default=None, repr=False, compare=False)

    @property
    def active(self) -> bool:
        """Supporting now (recurring or one-time within its period)."""
        return self.status in (SupporterStatus.ACTIVE, SupporterStatus.ONE_TIME)

    def monthly(self) -> Money | None:
        """The amount per month (a yearly amount divided by 12, rounded down); one-time: None."""
        if self.amount is None or self.period in (None, Period.ONCE):
            return None
        if self.period is Period.YEAR:
            return Money(self.amount.minor // 12, self.amount.currency)
        return self.amount

    def to_dict(self) -> dict[str, Any]:
        """A flat record (the same keys for every provider), for tables, CSV and JSON."""
        return {
            "provider": self.provider,
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "status": str(self.status),
            "amount_minor": None if self.amount is None else self.amount.minor,
            "currency": None if self.amount is None else self.amount.currency,
            "period": None if self.period is None else str(self.period),
            "tier": self.tier,
            "tier_id": self.tier_id,
            "since": None if self.since is None else self.since.isoformat(),
            "last_charge": None if self.last_charge is None else self.last_charge.isoformat(),
            "account": self.account,
        }

    @property
    def raw(self) -> Any:
        """What the provider sent for this supporter (its resource's ``raw``), if anything."""
        return getattr(self.resource, "raw", None)

    def to_row(self) -> dict[str, Any]:
        """The row for tables and CSV: :meth:`to_dict` (every value is already a scalar)."""
        return self.to_dict()

    def compared_amount(self) -> Money | None:
        """What an entitlement minimum is compared with: :meth:`monthly`, else the amount.

        A recurring amount counts per month (a yearly one divided by 12); a one-time
        payment, or an amount whose period the provider does not state (a Patreon
        campaign paid per creation), counts at its face value.
        """
        monthly = self.monthly()
        return monthly if monthly is not None else self.amount


# -- merging providers -----------------------------------------------------------------

#: The columns a table of supporters shows by default: enough to tell providers apart.
TABLE_COLUMNS = ("provider", "name", "status", "amount_minor", "currency", "period", "tier")

#: Where a supporter without a tier is counted in the totals per tier.
NO_TIER = "(no tier)"


def supporter_clients(clients: Mapping[str, Client] | Iterable[Client]) -> dict[str, Client]:
    """``clients`` by provider name: a mapping as given, or clients keyed by ``info.name``."""
    if isinstance(clients, Mapping):
        return dict(clients)
    keyed: dict[str, Client] = {}
    for client in clients:
        name = client.info.name
        if name in keyed:
            raise InvalidRequest(
                f"two {name} clients given: pass a mapping {{name: client}} to tell them apart"
            )
        keyed[name] = client
    return keyed


def merged(
    clients: Mapping[str, Client] | Iterable[Client], *, past: bool = False
) -> Iterator[Supporter]:
    """Every client's ``walk("supporters")``, one provider after the other, lazily.

    One page of one provider is in memory at a time, so any number of supporters
    streams into a table, a file or :class:`Totals`. ``past=True`` asks every
    provider for past supporters too. A client without a ``supporters``
    collection is :class:`~paysupport.errors.Unsupported` before anything is sent.
    """
    chosen = supporter_clients(clients)
    for name, client in chosen.items():
        if "supporters" not in client.info.collections:
            raise Unsupported(
                f"{client.info.title} has no supporters collection",
                provider=name,
                capability="supporters",
            )
    for client in chosen.values():
        yield from client.walk("supporters", **({"past": True} if past else {}))


@dataclass
class Sums:
    """Supporting now, in one currency: how many, and how much per month, once, or otherwise.

    ``monthly`` adds recurring amounts per month (yearly ones divided by 12,
    rounded down); ``one_time`` adds one-time payments; ``other`` adds amounts
    whose period the provider does not state (a Patreon campaign paid per
    creation). Past, pending and declined supporters are counted in
    :attr:`Totals.by_status`, never in money.
    """

    currency: str
    active: int = 0
    monthly: int = 0
    one_time: int = 0
    other: int = 0

    def add(self, supporter: Supporter, amount: Money) -> None:
        self.active += 1
        monthly = supporter.monthly()
        if monthly is not None:
            self.monthly += monthly.minor
        elif supporter.period is Period.ONCE:
            self.one_time += amount.minor
        else:
            self.other += amount.minor

    def to_dict(self) -> dict[str, Any]:
        return {
            "currency": self.currency,
            "active": self.active,
            "monthly_minor": self.monthly,
            "one_time_minor": self.one_time,
            "other_minor": self.other,
        }


@dataclass
class Totals:
    """Totals of a stream of supporters, added one at a time (memory: one entry per key).

    ``by_status`` counts every supporter; ``by_currency`` and ``by_tier`` sum the
    amounts of those supporting now (:attr:`Supporter.active`) with a stated
    amount, per currency and per (provider, tier, currency): a tier's price is in
    its provider's currency, and currencies are never added together.
    ``unpriced`` counts active supporters whose amount the provider does not show.
    """

    count: int = 0
    unpriced: int = 0
    by_status: dict[str, int] = field(default_factory=dict)
    by_currency: dict[str, Sums] = field(default_factory=dict)
    by_tier: dict[tuple[str, str, str], Sums] = field(default_factory=dict)

    def add(self, supporter: Supporter) -> Supporter:
        """Count ``supporter``; returns it, so a stream is counted as it passes."""
        self.count += 1
        status = str(supporter.status)
        self.by_status[status] = self.by_status.get(status, 0) + 1
        if not supporter.active:
            return supporter
        amount = supporter.amount
        if amount is None:
            self.unpriced += 1
            return supporter
        currency = amount.currency
        sums = self.by_currency.get(currency)
        if sums is None:
            sums = self.by_currency[currency] = Sums(currency)
        sums.add(supporter, amount)
        key = (supporter.provider, supporter.tier or NO_TIER, currency)
        tier = self.by_tier.get(key)
        if tier is None:
            tier = self.by_tier[key] = Sums(currency)
        tier.add(supporter, amount)
        return supporter

    def counted(self, supporters: Iterable[Supporter]) -> Iterator[Supporter]:
        """``supporters``, each counted as it is read (for writing and totalling in one pass)."""
        for supporter in supporters:
            yield self.add(supporter)

    def currency_rows(self) -> list[dict[str, Any]]:
        """One row per currency, currencies sorted."""
        return [self.by_currency[c].to_dict() for c in sorted(self.by_currency)]

    def tier_rows(self) -> list[dict[str, Any]]:
        """One row per (provider, tier, currency), sorted by provider then monthly amount."""
        keys = sorted(self.by_tier, key=lambda k: (k[0], -self.by_tier[k].monthly, k[1], k[2]))
        return [
            {"provider": provider, "tier": tier, **self.by_tier[(provider, tier, c)].to_dict()}
            for provider, tier, c in keys
        ]

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: counts, then the sums per currency and per tier (minor units)."""
        return {
            "supporters": self.count,
            "by_status": dict(sorted(self.by_status.items())),
            "unpriced": self.unpriced,
            "by_currency": self.currency_rows(),
            "by_tier": self.tier_rows(),
        }


def totals_of(supporters: Iterable[Supporter]) -> Totals:
    """The :class:`Totals` of ``supporters``, read once."""
    tally = Totals()
    for supporter in supporters:
        tally.add(supporter)
    return tally


# -- entitlement -----------------------------------------------------------------------


@dataclass(frozen=True)
class SupportAnswer:
    """One provider's part of an :func:`is_supporter` check.

    ``supporter`` is the record found (``None``: not a supporter there).
    ``missing_minimum`` names the supporter's currency when minimums were given
    but none in that currency: the amount was not compared, and the answer is no.
    ``error`` is the provider's failure (unreachable, rate limited, a 5xx) when it
    could not answer; the other providers still did.
    """

    provider: str
    supported: bool
    reason: str
    supporter: Supporter | None = None
    missing_minimum: str | None = None
    error: PaySupportError | None = field(default=None, compare=False)

    def __bool__(self) -> bool:
        return self.supported

    def to_dict(self) -> dict[str, Any]:
        return {
            "provider": self.provider,
            "supported": self.supported,
            "reason": self.reason,
            "missing_minimum": self.missing_minimum,
            "error": None if self.error is None else str(self.error),
            "supporter": None if self.supporter is None else self.supporter.to_dict(),
        }


@dataclass(frozen=True)
class SupportCheck:
    """Whether a person supports the app's accounts, and which provider(s) say so.

    ``bool(check)`` is ``supported``: true when at least one provider's answer is.
    ``answers`` holds one :class:`SupportAnswer` per provider asked, in the order
    asked; ``providers`` and ``supporters`` are those that made it true.
    ``complete`` is false when a provider could not answer (see ``errors``): a
    "no" may then become a "yes" on a later try.
    """

    supported: bool
    answers: tuple[SupportAnswer, ...]

    def __bool__(self) -> bool:
        return self.supported

    @property
    def providers(self) -> tuple[str, ...]:
        return tuple(a.provider for a in self.answers if a.supported)

    @property
    def supporters(self) -> tuple[Supporter, ...]:
        return tuple(a.supporter for a in self.answers if a.supported and a.supporter)

    @property
    def errors(self) -> dict[str, PaySupportError]:
        return {a.provider: a.error for a in self.answers if a.error is not None}

    @property
    def complete(self) -> bool:
        return not self.errors

    def answer(self, provider: str) -> SupportAnswer:
        """The answer of ``provider`` (``KeyError`` if it was not asked)."""
        for answer in self.answers:
            if answer.provider == provider:
                return answer
        raise KeyError(provider)

    def to_dict(self) -> dict[str, Any]:
        return {
            "supported": self.supported,
            "providers": list(self.providers),
            "answers": [a.to_dict() for a in self.answers],
        }


def minimums(minimum: Money | Iterable[Money] | None) -> dict[str, Money]:
    """``minimum`` as one floor per currency; two floors in one currency are refused."""
    if minimum is None:
        return {}
    given = [minimum] if isinstance(minimum, Money) else list(minimum)
    floors: dict[str, Money] = {}
    for floor in given:
        if not isinstance(floor, Money):
            raise InvalidRequest(f"a minimum is a Money (minor units and currency), not {floor!r}")
        if floor.currency in floors:
            raise InvalidRequest(f"two minimums in {floor.currency}: give one per currency")
        floors[floor.currency] = floor
    return floors


def find_supporter(client: Client, who: Any) -> Supporter | None:
    """``who``'s :class:`Supporter` record on ``client``'s account, ``None`` if not one.

    A client that offers ``find_supporter(who)`` answers in the provider's own
    way, in one call where its API allows (GitHub's sponsorship of a login,
    Patreon's membership from a patron's login). Otherwise the ``supporters``
    collection is read until a record's ``id`` is ``who``: a whole walk, which a
    provider avoids by offering ``find_supporter``.
    """
    lookup = getattr(client, "find_supporter", None)
    if callable(lookup):
        found = lookup(who)
        if found is not None and not isinstance(found, Supporter):
            raise TypeError(f"{client.info.name}'s find_supporter returned {found!r}")
        return found
    if "supporters" not in client.info.collections:
        raise Unsupported(
            f"{client.info.title} has no supporters to check",
            provider=client.info.name,
            capability="supporters",
        )
    wanted = str(who)
    return next((s for s in client.walk("supporters") if s.id == wanted), None)


def _unavailable(exc: PaySupportError) -> bool:
    """A failure of the provider, not of the question: the check goes on without it."""
    if isinstance(exc, (TransportError, ResponseFormatError, RateLimited)):
        return True
    status = getattr(exc, "status", None)
    return isinstance(status, int) and status >= 500


def _verdict(provider: str, found: Supporter | None, floors: Mapping[str, Money]) -> SupportAnswer:
    if found is None:
        return SupportAnswer(provider, False, "not a supporter")
    if not found.active:
        reason = f"{found.status} supporter, not supporting now"
        return SupportAnswer(provider, False, reason, found)
    if not floors:
        return SupportAnswer(provider, True, f"{found.status} supporter", found)
    amount = found.compared_amount()
    if amount is None:
        return SupportAnswer(provider, False, "supports, but the amount is not visible", found)
    per = "a month" if found.monthly() is not None else (found.period or "per payment")
    shown = f"{amount.minor} {amount.currency} (minor units) {per}"
    floor = floors.get(amount.currency)
    if floor is None:
        asked = ", ".join(sorted(floors))
        reason = (
            f"supports at {shown}; no minimum in {amount.currency} was given "
            f"(minimums in {asked}), so it was not compared"
        )
        return SupportAnswer(provider, False, reason, found, missing_minimum=amount.currency)
    if amount < floor:
        reason = f"supports at {shown}, below the minimum of {floor.minor}"
        return SupportAnswer(provider, False, reason, found)
    return SupportAnswer(provider, True, f"supports at {shown}", found)


def is_supporter(
    clients: Mapping[str, Client] | Iterable[Client],
    who: Mapping[str, Any],
    *,
    minimum: Money | Iterable[Money] | None = None,
) -> SupportCheck:
    """Does this person support the app's accounts (at ``minimum`` or more)? Which providers say so?

    ``clients`` are the app's connected clients, one per provider (each with its
    creator's or maintainer's token), as a mapping ``{name: client}`` or a list.
    ``who`` is the person's identity on each provider they logged in with, by
    provider name: ``{"github": "octocat", "patreon": patron_token}`` (each
    provider's ``find_supporter`` says what it takes); only those providers are
    asked, one call each where the provider allows.

    ``minimum`` is a :class:`Money` or one per currency
    (``[Money(500, "USD"), Money(450, "EUR")]``), compared with the supporter's
    amount per month (:meth:`Supporter.compared_amount`). An amount in a currency
    no minimum names is never converted: that answer is no, and says so
    (``missing_minimum``). Without ``minimum`` any active supporter counts.

    A provider that cannot answer (network, rate limit, 5xx) is recorded in the
    check (``errors``, ``complete``); refusals of the question itself (a revoked
    patron token, a malformed ``who``) raise.
    """
    chosen = supporter_clients(clients)
    unknown = [name for name in who if name not in chosen]
    if unknown:
        raise InvalidRequest(
            f"no client for {', '.join(sorted(unknown))} "
            f"(connected: {', '.join(sorted(chosen)) or 'none'})"
        )
    if not who:
        raise InvalidRequest("is_supporter needs the person's identity on at least one provider")
    floors = minimums(minimum)
    answers: list[SupportAnswer] = []
    for provider, identity in who.items():
        try:
            found = find_supporter(chosen[provider], identity)
        except PaySupportError as exc:
            if not _unavailable(exc):
                raise
            answers.append(SupportAnswer(provider, False, f"could not ask: {exc}", error=exc))
            continue
        answers.append(_verdict(provider, found, floors))
    return SupportCheck(any(a.supported for a in answers), tuple(answers))
