"""Typed GitHub Sponsors records (sponsorships, the accounts in them, tiers) and the pages of walks.

Each record is a msgspec ``Struct`` declaring a GraphQL node as :mod:`.catalog`'s
documents select it, so a walk decodes a page's bytes straight into the records
users read: one pass, no dicts, no wrapper per node (:class:`Answer`, the page).
The fields are the response's own names and values (``createdAt`` is GitHub's
text); the typed snake_case properties read them (``created_at`` is a
``datetime``). Where a property has its field's name the field carries a trailing
underscore (``name_`` is what ``name`` reads, ``None`` when empty or not asked).

Records are also read from shapes that are not a decoded page: a GraphQL node
already decoded as dicts (``from_node``: single reads, and a page with a field
the declaration does not know) and a webhook payload (``from_webhook``:
snake_case, octokit/webhooks' schemas). Every record keeps what came in as
``raw``: the mapping it was read from, or, for a decoded one, the node rebuilt
from its fields on access (equal to what GitHub sent). ``to_dict()`` is the flat
record every provider's records share (see :mod:`paysupport.resource`). Money is
exact: a tier's price is :class:`~paysupport.money.Money` in US cents.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import msgspec
from msgspec import UNSET, Struct, UnsetType

from paysupport.decode import ResponseFieldError, read_as
from paysupport.money import Money
from paysupport_github.errors import PROVIDER

CURRENCY = "USD"

N = TypeVar("N", bound="Node")


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


class Node(Struct, kw_only=True, frozen=True, gc=False, forbid_unknown_fields=True):
    """Base of the records: ``raw``, and reading a node that is already dicts.

    ``_source`` is the mapping a record was read from when it was not decoded
    from bytes (its name cannot be a GraphQL response name, so no answer fills
    it). Records are not tracked by the garbage collector (``gc=False``): they
    refer to their parts, never back. Equal records are equal field by field;
    the hash is the node id's.
    """

    _source: Any = msgspec.field(default=UNSET, name="paysupport:source")

    @property
    def raw(self) -> Any:
        """What GitHub sent for this record (the GraphQL node, or the webhook's object)."""
        source = self._source
        return msgspec.to_builtins(self) if source is UNSET else source

    def __hash__(self) -> int:
        return hash((type(self).__name__, getattr(self, "id", None)))

    def __repr__(self) -> str:
        """The fields GitHub sent; not ``raw``'s source (a webhook payload is long)."""
        values = ((name, getattr(self, name)) for name in self.__struct_fields__)
        shown = ", ".join(f"{n}={v!r}" for n, v in values if n != "_source" and v is not UNSET)
        return f"{type(self).__name__}({shown})"

    @classmethod
    def from_node(cls: type[N], node: Mapping[str, Any]) -> N:
        """A GraphQL node decoded as dicts: converted when it is as declared, else read leniently.

        The lenient reader (:meth:`_read`) is the one records always had: a value
        of another type reads as absent, a field the declaration does not know is
        kept in ``raw``.
        """
        try:
            return read_as(node, cls, provider=PROVIDER)
        except ResponseFieldError:
            return cls._read(node)

    @classmethod
    def _read(cls: type[N], node: Mapping[str, Any]) -> N:  # pragma: no cover - per record
        raise NotImplementedError


class SponsorEntity(Node, frozen=True):
    """A GitHub account in a sponsorship: a ``User`` or an ``Organization`` (``kind``).

    ``id`` is the account's GraphQL node id (``MDQ6VXNlcjI=``), stable across
    login renames; ``database_id`` the REST API's number. ``email`` is the public
    email when the token may see it (a user's with ``user:email``). A sponsorship's
    ``sponsorable`` is read with its ``id`` and ``login`` only.
    """

    id: str
    login: str
    typename: str | UnsetType = msgspec.field(default=UNSET, name="__typename")
    name_: str | UnsetType | None = msgspec.field(default=UNSET, name="name")
    email_: str | UnsetType | None = msgspec.field(default=UNSET, name="email")
    publicEmail: str | UnsetType | None = UNSET  # an organization's email (catalog)
    databaseId: int | UnsetType | None = UNSET
    url_: str | UnsetType | None = msgspec.field(default=UNSET, name="url")

    @classmethod
    def _read(cls, node: Mapping[str, Any]) -> SponsorEntity:
        return cls(
            id=str(node.get("id") or ""),
            login=str(node.get("login") or ""),
            typename=_text(node.get("__typename")) or UNSET,
            name_=_text(node.get("name")),
            email_=_text(node.get("email")),
            publicEmail=_text(node.get("publicEmail")),
            databaseId=_int(node.get("databaseId")),
            url_=_text(node.get("url")),
            _source=node,
        )

    @classmethod
    def from_webhook(cls, account: Mapping[str, Any]) -> SponsorEntity:
        return cls(
            id=str(account.get("node_id") or ""),
            login=str(account.get("login") or ""),
            typename=_text(account.get("type")) or UNSET,
            name_=_text(account.get("name")),
            email_=_text(account.get("email")),
            databaseId=_int(account.get("id")),
            url_=_text(account.get("html_url")),
            _source=account,
        )

    @property
    def kind(self) -> str:
        """``User`` or ``Organization`` (``User`` when GitHub did not say)."""
        return _text(self.typename) or "User"

    @property
    def name(self) -> str | None:
        return _text(self.name_)

    @property
    def email(self) -> str | None:
        return _text(self.email_) or _text(self.publicEmail)

    @property
    def database_id(self) -> int | None:
        return _int(self.databaseId)

    @property
    def url(self) -> str | None:
        return _text(self.url_)

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


class Tier(Node, frozen=True):
    """A Sponsors tier: its name and monthly price (one-time tiers: the price paid once)."""

    id: str
    name: str
    monthlyPriceInCents: int
    isOneTime: bool = False
    isCustomAmount: bool = False
    description_: str | None = msgspec.field(default=None, name="description")
    createdAt: str | None = None
    monthlyPriceInDollars: int | UnsetType = UNSET

    @classmethod
    def _read(cls, node: Mapping[str, Any]) -> Tier:
        return cls(
            id=str(node.get("id") or ""),
            name=str(node.get("name") or ""),
            monthlyPriceInCents=_int(node.get("monthlyPriceInCents")) or 0,
            isOneTime=node.get("isOneTime") is True,
            isCustomAmount=node.get("isCustomAmount") is True,
            description_=_text(node.get("description")),
            createdAt=_text(node.get("createdAt")),
            _source=node,
        )

    @classmethod
    def from_webhook(cls, tier: Mapping[str, Any]) -> Tier:
        return cls(
            id=str(tier.get("node_id") or ""),
            name=str(tier.get("name") or ""),
            monthlyPriceInCents=_int(tier.get("monthly_price_in_cents")) or 0,
            isOneTime=tier.get("is_one_time") is True,
            isCustomAmount=tier.get("is_custom_amount") is True,
            description_=_text(tier.get("description")),
            createdAt=_text(tier.get("created_at")),
            _source=tier,
        )

    @property
    def monthly_price_in_cents(self) -> int:
        return self.monthlyPriceInCents

    @property
    def is_one_time(self) -> bool:
        return self.isOneTime

    @property
    def is_custom_amount(self) -> bool:
        return self.isCustomAmount

    @property
    def description(self) -> str | None:
        return _text(self.description_)

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.createdAt)

    @property
    def price(self) -> Money:
        """The price as exact money (US cents)."""
        return Money(self.monthlyPriceInCents, CURRENCY)

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


class Sponsorship(Node, frozen=True):
    """One sponsorship: who (``sponsor``) sponsors whom (``sponsorable``), on what tier.

    ``sponsor`` is ``None`` when GitHub does not let the token see who it is (a
    private sponsorship of someone else). ``is_active`` is False for a past
    sponsor; ``privacy_level`` is ``PUBLIC`` or ``PRIVATE`` (webhooks say it in
    lower case; it reads upper case here); ``payment_source`` is ``GITHUB`` or
    ``PATREON`` (a sponsor paying through a linked Patreon account).
    """

    id: str
    createdAt: str | None = None
    isActive: bool = True
    isOneTimePayment: bool = False
    privacyLevel: str = "PUBLIC"
    paymentSource: str | None = None
    tierSelectedAt: str | None = None
    tier: Tier | None = None
    sponsorEntity: SponsorEntity | None = None
    sponsorable: SponsorEntity | None = None

    @classmethod
    def _read(cls, node: Mapping[str, Any]) -> Sponsorship:
        tier = node.get("tier")
        sponsor = node.get("sponsorEntity")
        sponsorable = node.get("sponsorable")
        return cls(
            id=str(node.get("id") or ""),
            createdAt=_text(node.get("createdAt")),
            isActive=node.get("isActive") is not False,
            isOneTimePayment=node.get("isOneTimePayment") is True,
            privacyLevel=str(node.get("privacyLevel") or "PUBLIC"),
            paymentSource=_text(node.get("paymentSource")),
            tierSelectedAt=_text(node.get("tierSelectedAt")),
            tier=Tier.from_node(tier) if isinstance(tier, Mapping) else None,
            sponsorEntity=(
                SponsorEntity.from_node(sponsor) if isinstance(sponsor, Mapping) else None
            ),
            sponsorable=(
                SponsorEntity.from_node(sponsorable) if isinstance(sponsorable, Mapping) else None
            ),
            _source=node,
        )

    @classmethod
    def from_webhook(cls, sponsorship: Mapping[str, Any], *, active: bool = True) -> Sponsorship:
        """A webhook's ``sponsorship`` object: the sponsorship as it is after the event.

        ``active=False`` for a ``cancelled`` delivery (the payload does not say).
        """
        tier = sponsorship.get("tier")
        sponsor = sponsorship.get("sponsor")
        sponsorable = sponsorship.get("sponsorable")
        parsed_tier = Tier.from_webhook(tier) if isinstance(tier, Mapping) else None
        return cls(
            id=str(sponsorship.get("node_id") or ""),
            createdAt=_text(sponsorship.get("created_at")),
            isActive=active,
            isOneTimePayment=parsed_tier.is_one_time if parsed_tier else False,
            privacyLevel=str(sponsorship.get("privacy_level") or "public"),
            tier=parsed_tier,
            sponsorEntity=(
                SponsorEntity.from_webhook(sponsor) if isinstance(sponsor, Mapping) else None
            ),
            sponsorable=(
                SponsorEntity.from_webhook(sponsorable)
                if isinstance(sponsorable, Mapping)
                else None
            ),
            _source=sponsorship,
        )

    @property
    def sponsor(self) -> SponsorEntity | None:
        return self.sponsorEntity

    @property
    def created_at(self) -> datetime | None:
        return parse_time(self.createdAt)

    @property
    def is_active(self) -> bool:
        return self.isActive

    @property
    def is_one_time_payment(self) -> bool:
        return self.isOneTimePayment

    @property
    def privacy_level(self) -> str:
        return self.privacyLevel.upper()

    @property
    def payment_source(self) -> str | None:
        return _text(self.paymentSource)

    @property
    def tier_selected_at(self) -> datetime | None:
        return parse_time(self.tierSelectedAt)

    @property
    def is_private(self) -> bool:
        return self.privacy_level == "PRIVATE"

    @property
    def amount(self) -> Money | None:
        """The tier's price (per month, or once for a one-time payment); ``None`` without a tier."""
        return None if self.tier is None else self.tier.price

    def to_dict(self) -> dict[str, Any]:
        """A flat record: the sponsorship, then its sponsor's and tier's main fields."""
        sponsor, sponsorable, tier = self.sponsorEntity, self.sponsorable, self.tier
        return {
            "id": self.id,
            "created_at": _iso(self.created_at),
            "is_active": self.is_active,
            "is_one_time_payment": self.is_one_time_payment,
            "privacy_level": self.privacy_level,
            "payment_source": self.payment_source,
            "tier_selected_at": _iso(self.tier_selected_at),
            "sponsor.id": sponsor.id if sponsor else None,
            "sponsor.login": sponsor.login if sponsor else None,
            "sponsor.kind": sponsor.kind if sponsor else None,
            "sponsor.name": sponsor.name if sponsor else None,
            "sponsorable.login": sponsorable.login if sponsorable else None,
            "tier.id": tier.id if tier else None,
            "tier.name": tier.name if tier else None,
            "tier.monthly_price_in_cents": tier.monthly_price_in_cents if tier else None,
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


# -- pages, as the walks decode them ----------------------------------------------------


class PageInfo(Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """``pageInfo { hasNextPage endCursor }``."""

    hasNextPage: bool
    endCursor: str | None = None


class Connection(Struct, Generic[N], gc=False, forbid_unknown_fields=True):
    """A connection page: ``totalCount``, ``pageInfo`` and ``nodes`` (GraphQL lets one be null)."""

    totalCount: int
    pageInfo: PageInfo
    nodes: list[N | None]


class SponsorsListing(Struct, gc=False, forbid_unknown_fields=True):
    """An account's Sponsors listing, as the ``Tiers`` documents read it."""

    id: str
    name: str
    url: str
    tiers: Connection[Tier]


class Account(Struct, gc=False, forbid_unknown_fields=True):
    """The account a walk's document reads (``viewer``, ``user`` or ``organization``)."""

    login: str
    sponsorshipsAsMaintainer: Connection[Sponsorship] | UnsetType = UNSET
    sponsorshipsAsSponsor: Connection[Sponsorship] | UnsetType = UNSET
    sponsorsListing: SponsorsListing | UnsetType | None = UNSET


class Roots(Struct, gc=False, forbid_unknown_fields=True):
    viewer: Account | UnsetType | None = UNSET
    user: Account | UnsetType | None = UNSET
    organization: Account | UnsetType | None = UNSET


class Answer(Struct, gc=False, forbid_unknown_fields=True):
    """A walk's page as GitHub answers it: ``{"data": {<root>: {<connection>}}}``.

    Anything else in it (``errors``, an account field the documents do not ask
    for) is :class:`~paysupport.decode.Undeclared`: the walk then reads the page
    with its generic reader.
    """

    data: Roots
    extensions: Any = UNSET


__all__ = [
    "CURRENCY",
    "Account",
    "Answer",
    "Connection",
    "Entitlement",
    "Node",
    "PageInfo",
    "SponsorEntity",
    "Sponsorship",
    "Tier",
    "parse_time",
]
