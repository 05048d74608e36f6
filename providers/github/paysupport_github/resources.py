"""Typed GitHub Sponsors records: sponsorships, the accounts in them, tiers.

Each record reads one shape GitHub sends: GraphQL nodes (camelCase, as
:mod:`.catalog` asks for them) through ``from_node``, webhook payloads
(snake_case, octokit/webhooks' schemas) through ``from_webhook``. Both keep
what came in ``raw`` and offer ``to_dict()``, the flat record every provider's
records share (see :mod:`paysupport.resource`). Money is exact: a tier's price
is :class:`~paysupport.money.Money` in US cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from paysupport.money import Money

CURRENCY = "USD"


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (``2019-12-20T19:24:46Z`` or ``+00:00``); ``None`` if unreadable."""
    if not isinstance(value, str) or not value:
        return None
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True)
class SponsorEntity:
    """A GitHub account in a sponsorship: a ``User`` or an ``Organization`` (``kind``).

    ``id`` is the account's GraphQL node id (``MDQ6VXNlcjI=``), stable across
    login renames; ``database_id`` the REST API's number. ``email`` is the public
    email when the token may see it (a user's with ``user:email``).
    """

    id: str
    login: str
    kind: str = "User"
    name: str | None = None
    email: str | None = None
    database_id: int | None = None
    url: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> SponsorEntity:
        return cls(
            id=str(node.get("id") or ""),
            login=str(node.get("login") or ""),
            kind=str(node.get("__typename") or "User"),
            name=_text(node.get("name")),
            email=_text(node.get("email")) or _text(node.get("publicEmail")),
            database_id=_int(node.get("databaseId")),
            url=_text(node.get("url")),
            raw=node,
        )

    @classmethod
    def from_webhook(cls, account: Mapping[str, Any]) -> SponsorEntity:
        return cls(
            id=str(account.get("node_id") or ""),
            login=str(account.get("login") or ""),
            kind=str(account.get("type") or "User"),
            name=_text(account.get("name")),
            email=_text(account.get("email")),
            database_id=_int(account.get("id")),
            url=_text(account.get("html_url")),
            raw=account,
        )

    @property
    def is_organization(self) -> bool:
        return self.kind == "Organization"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "login": self.login,
            "kind": self.kind,
            "name": self.name,
            "email": self.email,
            "database_id": self.database_id,
            "url": self.url,
        }


@dataclass(frozen=True)
class Tier:
    """A Sponsors tier: its name and monthly price (one-time tiers: the price paid once)."""

    id: str
    name: str
    monthly_price_in_cents: int
    is_one_time: bool = False
    is_custom_amount: bool = False
    description: str | None = None
    created_at: datetime | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Tier:
        return cls(
            id=str(node.get("id") or ""),
            name=str(node.get("name") or ""),
            monthly_price_in_cents=_int(node.get("monthlyPriceInCents")) or 0,
            is_one_time=node.get("isOneTime") is True,
            is_custom_amount=node.get("isCustomAmount") is True,
            description=_text(node.get("description")),
            created_at=parse_time(node.get("createdAt")),
            raw=node,
        )

    @classmethod
    def from_webhook(cls, tier: Mapping[str, Any]) -> Tier:
        return cls(
            id=str(tier.get("node_id") or ""),
            name=str(tier.get("name") or ""),
            monthly_price_in_cents=_int(tier.get("monthly_price_in_cents")) or 0,
            is_one_time=tier.get("is_one_time") is True,
            is_custom_amount=tier.get("is_custom_amount") is True,
            description=_text(tier.get("description")),
            created_at=parse_time(tier.get("created_at")),
            raw=tier,
        )

    @property
    def price(self) -> Money:
        """The price as exact money (US cents)."""
        return Money(self.monthly_price_in_cents, CURRENCY)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "monthly_price_in_cents": self.monthly_price_in_cents,
            "currency": CURRENCY,
            "is_one_time": self.is_one_time,
            "is_custom_amount": self.is_custom_amount,
            "description": self.description,
            "created_at": _iso(self.created_at),
        }


@dataclass(frozen=True)
class Sponsorship:
    """One sponsorship: who (``sponsor``) sponsors whom (``sponsorable``), on what tier.

    ``sponsor`` is ``None`` when GitHub does not let the token see who it is (a
    private sponsorship of someone else). ``is_active`` is False for a past
    sponsor; ``privacy_level`` is ``PUBLIC`` or ``PRIVATE`` (webhooks say it in
    lower case; it is kept upper case here); ``payment_source`` is ``GITHUB`` or
    ``PATREON`` (a sponsor paying through a linked Patreon account).
    """

    id: str
    created_at: datetime | None
    is_active: bool = True
    is_one_time_payment: bool = False
    privacy_level: str = "PUBLIC"
    payment_source: str | None = None
    tier_selected_at: datetime | None = None
    tier: Tier | None = None
    sponsor: SponsorEntity | None = None
    sponsorable: SponsorEntity | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def from_node(cls, node: Mapping[str, Any]) -> Sponsorship:
        tier = node.get("tier")
        sponsor = node.get("sponsorEntity")
        sponsorable = node.get("sponsorable")
        return cls(
            id=str(node.get("id") or ""),
            created_at=parse_time(node.get("createdAt")),
            is_active=node.get("isActive") is not False,
            is_one_time_payment=node.get("isOneTimePayment") is True,
            privacy_level=str(node.get("privacyLevel") or "PUBLIC").upper(),
            payment_source=_text(node.get("paymentSource")),
            tier_selected_at=parse_time(node.get("tierSelectedAt")),
            tier=Tier.from_node(tier) if isinstance(tier, Mapping) else None,
            sponsor=SponsorEntity.from_node(sponsor) if isinstance(sponsor, Mapping) else None,
            sponsorable=(
                SponsorEntity.from_node(sponsorable) if isinstance(sponsorable, Mapping) else None
            ),
            raw=node,
        )

    @classmethod
    def from_webhook(cls, sponsorship: Mapping[str, Any]) -> Sponsorship:
        """A webhook's ``sponsorship`` object: the sponsorship as it is after the event."""
        tier = sponsorship.get("tier")
        sponsor = sponsorship.get("sponsor")
        sponsorable = sponsorship.get("sponsorable")
        parsed_tier = Tier.from_webhook(tier) if isinstance(tier, Mapping) else None
        return cls(
            id=str(sponsorship.get("node_id") or ""),
            created_at=parse_time(sponsorship.get("created_at")),
            is_active=True,
            is_one_time_payment=parsed_tier.is_one_time if parsed_tier else False,
            privacy_level=str(sponsorship.get("privacy_level") or "public").upper(),
            tier=parsed_tier,
            sponsor=SponsorEntity.from_webhook(sponsor) if isinstance(sponsor, Mapping) else None,
            sponsorable=(
                SponsorEntity.from_webhook(sponsorable)
                if isinstance(sponsorable, Mapping)
                else None
            ),
            raw=sponsorship,
        )

    @property
    def is_private(self) -> bool:
        return self.privacy_level == "PRIVATE"

    @property
    def amount(self) -> Money | None:
        """The tier's price (per month, or once for a one-time payment); ``None`` without a tier."""
        return None if self.tier is None else self.tier.price

    def to_dict(self) -> dict[str, Any]:
        """A flat record: the sponsorship, then its sponsor's and tier's main fields."""
        return {
            "id": self.id,
            "created_at": _iso(self.created_at),
            "is_active": self.is_active,
            "is_one_time_payment": self.is_one_time_payment,
            "privacy_level": self.privacy_level,
            "payment_source": self.payment_source,
            "tier_selected_at": _iso(self.tier_selected_at),
            "sponsor.id": self.sponsor.id if self.sponsor else None,
            "sponsor.login": self.sponsor.login if self.sponsor else None,
            "sponsor.kind": self.sponsor.kind if self.sponsor else None,
            "sponsor.name": self.sponsor.name if self.sponsor else None,
            "sponsorable.login": self.sponsorable.login if self.sponsorable else None,
            "tier.id": self.tier.id if self.tier else None,
            "tier.name": self.tier.name if self.tier else None,
            "tier.monthly_price_in_cents": (
                self.tier.monthly_price_in_cents if self.tier else None
            ),
        }


@dataclass(frozen=True)
class Entitlement:
    """Whether an account sponsors the maintainer (at a minimum, when asked), and why.

    ``bool(entitlement)`` is ``entitled``. ``tier``, ``amount`` and
    ``sponsorship`` are known when a minimum was asked (the check then reads the
    sponsorship itself); a plain check asks GitHub's ``isSponsoredBy`` only.
    """

    entitled: bool
    reason: str
    sponsor: str
    maintainer: str | None = None
    tier: Tier | None = None
    amount: Money | None = None
    sponsorship: Sponsorship | None = field(default=None, repr=False)

    def __bool__(self) -> bool:
        return self.entitled

    @property
    def id(self) -> str:
        return f"{self.maintainer or 'viewer'}:{self.sponsor}"

    @property
    def raw(self) -> Any:
        return None if self.sponsorship is None else self.sponsorship.raw

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entitled": self.entitled,
            "reason": self.reason,
            "sponsor": self.sponsor,
            "maintainer": self.maintainer,
            "tier.id": self.tier.id if self.tier else None,
            "tier.name": self.tier.name if self.tier else None,
            "amount_minor": None if self.amount is None else self.amount.minor,
            "currency": None if self.amount is None else self.amount.currency,
        }


__all__ = ["CURRENCY", "Entitlement", "SponsorEntity", "Sponsorship", "Tier", "parse_time"]
