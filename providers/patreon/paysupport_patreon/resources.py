"""Typed views of Patreon's resources: the attributes users reach for, with their types checked.

Each class wraps one :class:`~paysupport.jsonapi.JsonApiResource` (kept as
``.resource``, so ``relationship()`` and every raw attribute stay reachable)
and is a :class:`paysupport.Resource` itself: ``raw`` is the JSON:API resource
object as sent, ``to_dict()`` the flat record of the typed properties (dates in
ISO 8601, lists joined with ``"; "``), the same idea as every provider's.
v2 sends only the attributes a call asked for, so a property is ``None`` when its
attribute was not requested or is null; an attribute of the wrong type is a
``ResponseFormatError``, never a ``TypeError`` later in the caller's code. A
related resource that was not included is ``None`` (to-one) or left out
(to-many), as in the core reader.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urljoin

from paysupport.errors import ResponseFormatError
from paysupport.jsonapi import JsonApiResource
from paysupport.resource import Resource, joined
from paysupport_patreon.errors import PROVIDER

#: Where relative URLs in Patreon's attributes (``pledge_url``) point.
SITE = "https://www.patreon.com"


class PatreonResource(Resource):
    """Base of the typed views; ``TYPE`` is the JSON:API type it accepts."""

    __slots__ = ("resource",)
    TYPE: ClassVar[str] = ""

    def __init__(self, resource: JsonApiResource) -> None:
        if self.TYPE and resource.type != self.TYPE:
            raise ResponseFormatError(
                f"expected a {self.TYPE} resource, got {resource.type}:{resource.id}",
                provider=PROVIDER,
            )
        super().__init__(resource.type, resource.id, resource.attributes, resource.raw)
        self.resource = resource

    def _typed(self, name: str, kinds: tuple[type, ...], label: str) -> Any:
        value = self.attributes.get(name)
        if value is None:
            return None
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise ResponseFormatError(
                f"{self.type}:{self.id} attribute {name!r} is not {label}: {value!r:.40}",
                provider=PROVIDER,
            )
        return value

    def _str(self, name: str) -> str | None:
        value: str | None = self._typed(name, (str,), "a string")
        return value

    def _int(self, name: str) -> int | None:
        value = self._typed(name, (int, float), "a number")
        return None if value is None else int(value)

    def _bool(self, name: str) -> bool | None:
        value: bool | None = self._typed(name, (bool,), "a boolean")
        return value

    def _datetime(self, name: str) -> datetime | None:
        text = self._str(name)
        if text is None:
            return None
        try:
            return datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            raise ResponseFormatError(
                f"{self.type}:{self.id} attribute {name!r} is not a date: {text!r:.40}",
                provider=PROVIDER,
            ) from None

    def _one(self, name: str) -> JsonApiResource | None:
        value = self.resource.relationship(name)
        if isinstance(value, list):
            raise ResponseFormatError(
                f"{self.type}:{self.id} relationship {name!r} is a list, expected one",
                provider=PROVIDER,
            )
        return value


class Tier(PatreonResource):
    """A reward level of a campaign."""

    __slots__ = ()
    TYPE = "tier"

    @property
    def title(self) -> str | None:
        return self._str("title")

    @property
    def amount_cents(self) -> int | None:
        return self._int("amount_cents")

    @property
    def url(self) -> str | None:
        return self._str("url")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "amount_cents": self.amount_cents,
            "url": self.url,
        }


class PatreonUser(PatreonResource):
    """A Patreon account (a patron or the creator)."""

    __slots__ = ()
    TYPE = "user"

    @property
    def full_name(self) -> str | None:
        return self._str("full_name")

    @property
    def email(self) -> str | None:
        return self._str("email")

    @property
    def url(self) -> str | None:
        return self._str("url")

    @property
    def vanity(self) -> str | None:
        return self._str("vanity")

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "full_name": self.full_name,
            "email": self.email,
            "url": self.url,
            "vanity": self.vanity,
        }


class Campaign(PatreonResource):
    """A creator's campaign; ``pledge_url`` is absolute (Patreon sends it relative)."""

    __slots__ = ()
    TYPE = "campaign"

    @property
    def name(self) -> str | None:
        return self._str("name") or self._str("creation_name")

    @property
    def url(self) -> str | None:
        return self._str("url")

    @property
    def vanity(self) -> str | None:
        return self._str("vanity")

    @property
    def patron_count(self) -> int | None:
        return self._int("patron_count")

    @property
    def pledge_url(self) -> str | None:
        relative = self._str("pledge_url")
        return urljoin(SITE + "/", relative) if relative else None

    @property
    def tiers(self) -> list[Tier]:
        return [Tier(r) for r in self.resource.related("tiers") if r.type == "tier"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "vanity": self.vanity,
            "patron_count": self.patron_count,
            "pledge_url": self.pledge_url,
            "tier_ids": [rid for _, rid in self.resource.relationship_ids("tiers")],
        }


class Member(PatreonResource):
    """A user's membership of a campaign: status, what they are entitled to, who they are."""

    __slots__ = ()
    TYPE = "member"

    #: Columns of :meth:`to_dict` and :meth:`to_row`, in order (``paysupport
    #: export-members`` writes them).
    ROW_COLUMNS: ClassVar[tuple[str, ...]] = (
        "id",
        "user_id",
        "full_name",
        "email",
        "patron_status",
        "currently_entitled_amount_cents",
        "will_pay_amount_cents",
        "lifetime_support_cents",
        "last_charge_status",
        "last_charge_date",
        "pledge_relationship_start",
        "tier_ids",
        "tier_titles",
    )

    @property
    def full_name(self) -> str | None:
        return self._str("full_name")

    @property
    def email(self) -> str | None:
        return self._str("email")

    @property
    def patron_status(self) -> str | None:
        """``active_patron``, ``declined_patron``, ``former_patron`` or ``None`` (never pledged)."""
        return self._str("patron_status")

    @property
    def is_active(self) -> bool:
        return self.patron_status == "active_patron"

    @property
    def currently_entitled_amount_cents(self) -> int | None:
        return self._int("currently_entitled_amount_cents")

    @property
    def will_pay_amount_cents(self) -> int | None:
        return self._int("will_pay_amount_cents")

    @property
    def lifetime_support_cents(self) -> int | None:
        return self._int("lifetime_support_cents")

    @property
    def last_charge_status(self) -> str | None:
        return self._str("last_charge_status")

    @property
    def last_charge_date(self) -> datetime | None:
        return self._datetime("last_charge_date")

    @property
    def pledge_relationship_start(self) -> datetime | None:
        return self._datetime("pledge_relationship_start")

    @property
    def note(self) -> str | None:
        return self._str("note")

    @property
    def user_id(self) -> str | None:
        """The member's user id, from the linkage (whether or not the user was included)."""
        ids = self.resource.relationship_ids("user")
        return ids[0][1] if ids else None

    @property
    def user(self) -> PatreonUser | None:
        related = self._one("user")
        return PatreonUser(related) if related is not None else None

    @property
    def campaign_id(self) -> str | None:
        ids = self.resource.relationship_ids("campaign")
        return ids[0][1] if ids else None

    @property
    def entitled_tier_ids(self) -> list[str]:
        """Ids of the tiers the member is entitled to, included or not."""
        return [rid for _, rid in self.resource.relationship_ids("currently_entitled_tiers")]

    @property
    def entitled_tiers(self) -> list[Tier]:
        """The entitled tiers that were included (ask ``include=currently_entitled_tiers``)."""
        return [Tier(r) for r in self.resource.related("currently_entitled_tiers")]

    def to_dict(self) -> dict[str, Any]:
        """The flat record: one value per key, the tiers' ids and titles as lists."""
        tiers = self.entitled_tiers
        last_charge = self.last_charge_date
        start = self.pledge_relationship_start
        return {
            "id": self.id,
            "user_id": self.user_id,
            "full_name": self.full_name,
            "email": self.email,
            "patron_status": self.patron_status,
            "currently_entitled_amount_cents": self.currently_entitled_amount_cents,
            "will_pay_amount_cents": self.will_pay_amount_cents,
            "lifetime_support_cents": self.lifetime_support_cents,
            "last_charge_status": self.last_charge_status,
            "last_charge_date": last_charge.isoformat() if last_charge else None,
            "pledge_relationship_start": start.isoformat() if start else None,
            "tier_ids": list(self.entitled_tier_ids),
            "tier_titles": [t.title or "" for t in tiers],
        }

    def to_row(self) -> dict[str, Any]:
        """The command line's row for tables and CSV: :meth:`to_dict`, lists joined by ``"; "``."""
        return joined(self.to_dict())


class Post(PatreonResource):
    """A post on a campaign."""

    __slots__ = ()
    TYPE = "post"

    @property
    def title(self) -> str | None:
        return self._str("title")

    @property
    def url(self) -> str | None:
        return self._str("url")

    @property
    def is_public(self) -> bool | None:
        return self._bool("is_public")

    @property
    def published_at(self) -> datetime | None:
        return self._datetime("published_at")

    def to_dict(self) -> dict[str, Any]:
        published = self.published_at
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "is_public": self.is_public,
            "published_at": published.isoformat() if published else None,
        }


class Webhook(PatreonResource):
    """A registered webhook. Its ``secret`` signs deliveries; keep it out of logs."""

    __slots__ = ()
    TYPE = "webhook"

    @property
    def uri(self) -> str | None:
        return self._str("uri")

    @property
    def triggers(self) -> list[str]:
        value = self.attributes.get("triggers") or []
        if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
            raise ResponseFormatError(
                f"webhook:{self.id} triggers is not a list of strings", provider=PROVIDER
            )
        return list(value)

    @property
    def paused(self) -> bool | None:
        return self._bool("paused")

    @property
    def secret(self) -> str | None:
        return self._str("secret")

    @property
    def num_consecutive_times_failed(self) -> int | None:
        return self._int("num_consecutive_times_failed")

    def to_dict(self) -> dict[str, Any]:
        """The webhook without its ``secret``: records end up in logs and tables."""
        return {
            "id": self.id,
            "uri": self.uri,
            "triggers": list(self.triggers),
            "paused": self.paused,
            "num_consecutive_times_failed": self.num_consecutive_times_failed,
        }
