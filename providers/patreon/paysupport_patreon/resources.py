"""Typed views of Patreon's resources: the attributes users reach for, with their types checked.

Each view (:class:`Member`, :class:`Tier`, ...) is a msgspec ``Struct`` that a
walk decodes straight from the page's bytes (:data:`PAGES`, one declared page per
route): no dicts, no wrapper per resource or per access. Related resources are
found through the page's index of ``included`` resources, built once per page;
``member.user`` is that user's own struct, shared by whoever refers to it.
A view is also made from a core :class:`~paysupport.jsonapi.JsonApiResource`
(``Member(resource)``), as webhooks and single reads do; it then reads through
that resource (kept as ``.resource``).

Every view has the shape of the library's records: ``id``, ``type``, ``raw`` (the
JSON:API resource object as sent, rebuilt from the struct when asked),
``attributes``, ``to_dict()`` (the flat record of the typed properties: dates in ISO
8601, lists joined with ``"; "`` by ``to_row()``). v2 sends only the attributes a
call asked for, so a property is ``None`` when its attribute was not requested or
is null. An attribute of the wrong type is a ``ResponseFormatError``, never a
``TypeError`` later in the caller's code: when a page is decoded, naming the
field (``$.data[3].attributes.patron_status``); when a view reads a core resource,
when the property is read. A related resource that was not included is ``None``
(to-one) or left out (to-many), as in the core reader; a decoded page resolves a
primary resource's relationships to the page's ``included`` resources.
"""

from __future__ import annotations

import builtins
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeAlias, TypeVar
from urllib.parse import urljoin

import msgspec
from msgspec import UNSET, Struct, StructMeta, UnsetType, field

from paysupport.decode import Linkage, ToMany, ToOne
from paysupport.errors import ResponseFormatError
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.resource import joined
from paysupport_patreon.catalog import ATTRIBUTES
from paysupport_patreon.errors import PROVIDER

#: Where relative URLs in Patreon's attributes (``pledge_url``) point.
SITE = "https://www.patreon.com"

V = TypeVar("V", bound="PatreonResource")
Key = tuple[str, str]

_Str = str | None | UnsetType
_Num = int | float | None | UnsetType
_Bool = bool | None | UnsetType


def _attributes(kind: str, typed: Mapping[str, Any]) -> type[Struct]:
    """The attributes struct of ``kind``: every attribute the catalog lists, ``typed`` ones checked.

    Built from :data:`~paysupport_patreon.catalog.ATTRIBUTES`, the one list of what
    Patreon may send, so an answer decodes into it exactly (an attribute the
    catalog does not know sends the page to the generic reader).
    """
    names = sorted(ATTRIBUTES[kind] | set(typed))
    return msgspec.defstruct(
        f"{kind.title().replace('-', '')}Attributes",
        [(name, typed.get(name, Any), UNSET) for name in names],
        gc=False,
        forbid_unknown_fields=True,
        omit_defaults=True,
        module=__name__,
    )


def _relationships(kind: str, ones: tuple[str, ...], manys: tuple[str, ...]) -> type[Struct]:
    return msgspec.defstruct(
        f"{kind.title().replace('-', '')}Relationships",
        [(n, ToOne | UnsetType, UNSET) for n in ones]
        + [(n, ToMany | UnsetType, UNSET) for n in manys],
        gc=False,
        forbid_unknown_fields=True,
        omit_defaults=True,
        module=__name__,
    )


class _ViewMeta(StructMeta):
    """Lets ``Member(resource)`` view a core resource, as before the views were structs."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and isinstance(args[0], JsonApiResource):
            resource = args[0]
            expected = getattr(cls, "TYPE", "")
            if expected and resource.type != expected:
                raise ResponseFormatError(
                    f"expected a {expected} resource, got {resource.type}:{resource.id}",
                    provider=PROVIDER,
                )
            return super().__call__(id=resource.id, _source=resource)
        return super().__call__(*args, **kwargs)


class PatreonResource(
    Struct,
    metaclass=_ViewMeta,
    kw_only=True,
    gc=False,
    eq=False,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="type",
):
    """Base of the typed views; ``TYPE`` is the JSON:API type it is.

    ``_source`` is the core resource a view was made from, ``_index`` the page's
    included resources by (type, id) for a view decoded from a page. Neither is
    part of the JSON (their names cannot appear in Patreon's answers). Views are
    not tracked by the garbage collector (``gc=False``): a page's views refer to
    its included resources, never back, so reference counting frees a page.
    """

    TYPE: ClassVar[str] = ""

    id: str
    links: Any = UNSET
    meta: Any = UNSET
    _source: Any = field(default=None, name="paysupport:source")
    _index: Any = field(default=None, name="paysupport:index")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

    # The attributes and relationships structs of each view are named in the
    # subclasses: ``fields`` and ``rels`` (``attributes`` is the record's mapping).

    @property
    def type(self) -> str:
        return self.TYPE

    @property
    def resource(self) -> JsonApiResource:
        """The core resource: the one the view was made from, or one made from this view."""
        if self._source is not None:
            source: JsonApiResource = self._source
            return source
        index = self._index or {}
        related = [index[key] for key in self._linked_keys() if key in index]
        document = JsonApiDocument(
            {"data": self.raw, "included": [r.raw for r in related]}, provider=PROVIDER
        )
        found = document.data()
        assert isinstance(found, JsonApiResource)
        return found

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The attributes as sent (only those the call asked for)."""
        if self._source is not None:
            attributes: Mapping[str, Any] = self._source.attributes
            return attributes
        fields = getattr(self, "fields", UNSET)
        return {} if fields is UNSET else msgspec.to_builtins(fields)

    @property
    def raw(self) -> dict[str, Any]:
        """The JSON:API resource object as Patreon sent it."""
        if self._source is not None:
            raw: dict[str, Any] = self._source.raw
            return raw
        out: dict[str, Any] = {"type": self.TYPE, "id": self.id}
        for name, part in (
            ("attributes", getattr(self, "fields", UNSET)),
            ("relationships", getattr(self, "rels", UNSET)),
            ("links", self.links),
            ("meta", self.meta),
        ):
            if part is not UNSET:
                out[name] = msgspec.to_builtins(part)
        return out

    def attribute(self, name: str, default: Any = None) -> Any:
        """One attribute, or ``default`` when Patreon did not send it."""
        return self.attributes.get(name, default)

    def to_row(self) -> dict[str, Any]:
        """The command line's row: ``id``, ``type`` and the attributes as sent."""
        return {"id": self.id, "type": self.TYPE, **self.attributes}

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every view has its own
        return {"id": self.id, "type": self.TYPE, **self.attributes}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PatreonResource):
            return NotImplemented
        return (self.TYPE, self.id) == (other.TYPE, other.id)

    def __hash__(self) -> int:
        return hash((self.TYPE, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.TYPE}:{self.id}>"

    # -- reading attributes ---------------------------------------------------------------

    def _value(self, name: str) -> Any:
        source = self._source
        if source is not None:
            return source.attributes.get(name)
        fields = getattr(self, "fields", UNSET)
        value = getattr(fields, name, None) if fields is not UNSET else None
        return None if value is UNSET else value

    def _typed(self, name: str, kinds: tuple[builtins.type, ...], label: str) -> Any:
        value = self._value(name)
        if value is None:
            return None
        if not isinstance(value, kinds) or (bool not in kinds and isinstance(value, bool)):
            raise ResponseFormatError(
                f"{self.TYPE}:{self.id} attribute {name!r} is not {label}: {value!r:.40}",
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
                f"{self.TYPE}:{self.id} attribute {name!r} is not a date: {text!r:.40}",
                provider=PROVIDER,
            ) from None

    # -- following relationships ----------------------------------------------------------

    def _linkage(self, name: str) -> Linkage | list[Linkage] | None:
        """A decoded view's linkage of relationship ``name`` (``None`` when not sent)."""
        rels = getattr(self, "rels", UNSET)
        rel = getattr(rels, name, UNSET) if rels is not UNSET else UNSET
        if rel is UNSET:
            return None
        data: Linkage | list[Linkage] | UnsetType | None = rel.data
        return None if data is UNSET else data

    def _linked_keys(self) -> list[Key]:
        rels = getattr(self, "rels", UNSET)
        keys: list[Key] = []
        if rels is UNSET:
            return keys
        for name in rels.__struct_fields__:
            data = self._linkage(name)
            if isinstance(data, list):
                keys += [link.key for link in data]
            elif data is not None:
                keys.append(data.key)
        return keys

    def _ids(self, name: str) -> list[str]:
        """The ids a relationship points at, whether included or not."""
        if self._source is not None:
            return [rid for _, rid in self._source.relationship_ids(name)]
        data = self._linkage(name)
        if data is None:
            return []
        return [link.id for link in data] if isinstance(data, list) else [data.id]

    def _one(self, name: str, kind: builtins.type[V]) -> V | None:
        source = self._source
        if source is not None:
            value = source.relationship(name)
            if isinstance(value, list):
                raise ResponseFormatError(
                    f"{self.TYPE}:{self.id} relationship {name!r} is a list, expected one",
                    provider=PROVIDER,
                )
            return None if value is None else kind(value)
        data = self._linkage(name)
        if data is None or self._index is None:
            return None
        if isinstance(data, list):  # pragma: no cover - the declared relationship is to-one
            raise ResponseFormatError(
                f"{self.TYPE}:{self.id} relationship {name!r} is a list, expected one",
                provider=PROVIDER,
            )
        found = self._index.get((data.type, data.id))
        return None if found is None else _expect(found, kind)

    def _many(self, name: str, kind: builtins.type[V]) -> list[V]:
        source = self._source
        if source is not None:
            return [kind(r) for r in source.related(name)]
        data = self._linkage(name)
        index = self._index
        if data is None or index is None:
            return []
        links = data if isinstance(data, list) else [data]
        found = [index.get((link.type, link.id)) for link in links]
        return [_expect(r, kind) for r in found if r is not None]


def _expect(found: Any, kind: builtins.type[V]) -> V:
    if type(found) is not kind and not isinstance(found, kind):
        raise ResponseFormatError(
            f"expected a {kind.TYPE} resource, got {found.TYPE}:{found.id}", provider=PROVIDER
        )
    result: V = found
    return result


if TYPE_CHECKING:  # built at run time from the catalog; mypy sees their fields as Any
    TierAttributes: TypeAlias = Any
    UserAttributes: TypeAlias = Any
    CampaignAttributes: TypeAlias = Any
    MemberAttributes: TypeAlias = Any
    PostAttributes: TypeAlias = Any
    WebhookAttributes: TypeAlias = Any
    TierRelationships: TypeAlias = Any
    UserRelationships: TypeAlias = Any
    CampaignRelationships: TypeAlias = Any
    MemberRelationships: TypeAlias = Any
    PostRelationships: TypeAlias = Any
    WebhookRelationships: TypeAlias = Any
else:
    TierAttributes = _attributes("tier", {"title": _Str, "url": _Str, "amount_cents": _Num})
    UserAttributes = _attributes(
        "user", {"full_name": _Str, "email": _Str, "url": _Str, "vanity": _Str}
    )
    CampaignAttributes = _attributes(
        "campaign",
        {
            "name": _Str,
            "creation_name": _Str,
            "url": _Str,
            "vanity": _Str,
            "patron_count": _Num,
            "pledge_url": _Str,
            "currency": _Str,
            "is_monthly": _Bool,
        },
    )
    MemberAttributes = _attributes(
        "member",
        {
            "full_name": _Str,
            "email": _Str,
            "patron_status": _Str,
            "currently_entitled_amount_cents": _Num,
            "will_pay_amount_cents": _Num,
            "lifetime_support_cents": _Num,
            "campaign_lifetime_support_cents": _Num,
            "pledge_cadence": _Num,
            "last_charge_status": _Str,
            "last_charge_date": _Str,
            "next_charge_date": _Str,
            "pledge_relationship_start": _Str,
            "note": _Str,
        },
    )
    PostAttributes = _attributes(
        "post", {"title": _Str, "url": _Str, "is_public": _Bool, "published_at": _Str}
    )
    WebhookAttributes = _attributes(
        "webhook",
        {
            "uri": _Str,
            "secret": _Str,
            "paused": _Bool,
            "num_consecutive_times_failed": _Num,
            "triggers": list[str] | None | UnsetType,
        },
    )
    TierRelationships = _relationships("tier", ("campaign", "tier_image"), ("benefits",))
    UserRelationships = _relationships("user", ("campaign",), ("memberships",))
    CampaignRelationships = _relationships("campaign", ("creator",), ("tiers", "benefits", "goals"))
    MemberRelationships = _relationships(
        "member", ("user", "campaign", "address"), ("currently_entitled_tiers", "pledge_history")
    )
    PostRelationships = _relationships("post", ("campaign", "user"), ())
    WebhookRelationships = _relationships("webhook", ("campaign", "client"), ())


class Tier(PatreonResource, tag="tier"):
    """A reward level of a campaign."""

    TYPE: ClassVar[str] = "tier"
    fields: TierAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: TierRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

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


class PatreonUser(PatreonResource, tag="user"):
    """A Patreon account (a patron or the creator)."""

    TYPE: ClassVar[str] = "user"
    fields: UserAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: UserRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

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


class Campaign(PatreonResource, tag="campaign"):
    """A creator's campaign; ``pledge_url`` is absolute (Patreon sends it relative)."""

    TYPE: ClassVar[str] = "campaign"
    fields: CampaignAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: CampaignRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

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
        if self._source is not None:
            return [Tier(r) for r in self._source.related("tiers") if r.type == "tier"]
        return self._many("tiers", Tier)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "url": self.url,
            "vanity": self.vanity,
            "patron_count": self.patron_count,
            "pledge_url": self.pledge_url,
            "tier_ids": self._ids("tiers"),
        }


class Member(PatreonResource, tag="member"):
    """A user's membership of a campaign: status, what they are entitled to, who they are."""

    TYPE: ClassVar[str] = "member"
    fields: MemberAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: MemberRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

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
        ids = self._ids("user")
        return ids[0] if ids else None

    @property
    def user(self) -> PatreonUser | None:
        index = self._index
        if index is None:
            return self._one("user", PatreonUser)
        # A decoded page's member, inlined: this runs for every member of every page.
        rels = self.rels
        rel = UNSET if rels is UNSET else rels.user
        link = UNSET if rel is UNSET else rel.data
        if link is UNSET or link is None:
            return None
        found = index.get((link.type, link.id))
        if found is None or type(found) is PatreonUser:
            return found
        return _expect(found, PatreonUser)

    @property
    def campaign_id(self) -> str | None:
        ids = self._ids("campaign")
        return ids[0] if ids else None

    @property
    def entitled_tier_ids(self) -> list[str]:
        """Ids of the tiers the member is entitled to, included or not."""
        return self._ids("currently_entitled_tiers")

    @property
    def entitled_tiers(self) -> list[Tier]:
        """The entitled tiers that were included (ask ``include=currently_entitled_tiers``)."""
        index = self._index
        if index is None:
            return self._many("currently_entitled_tiers", Tier)
        rels = self.rels
        rel = UNSET if rels is UNSET else rels.currently_entitled_tiers
        links = UNSET if rel is UNSET else rel.data
        if links is UNSET or not links:
            return []
        tiers = []
        for link in links:
            tier = index.get((link.type, link.id))
            if tier is not None:
                tiers.append(tier if type(tier) is Tier else _expect(tier, Tier))
        return tiers

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


class Post(PatreonResource, tag="post"):
    """A post on a campaign."""

    TYPE: ClassVar[str] = "post"
    fields: PostAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: PostRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

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


class Webhook(PatreonResource, tag="webhook"):
    """A registered webhook. Its ``secret`` signs deliveries; keep it out of logs."""

    TYPE: ClassVar[str] = "webhook"
    fields: WebhookAttributes | UnsetType = field(default=UNSET, name="attributes")
    rels: WebhookRelationships | UnsetType = field(default=UNSET, name="relationships")

    if TYPE_CHECKING:  # ``View(resource)`` (the metaclass) or the fields, keyword only

        def __init__(self, resource: JsonApiResource | None = None, /, **fields: Any) -> None: ...

    @property
    def uri(self) -> str | None:
        return self._str("uri")

    @property
    def triggers(self) -> list[str]:
        value = self._value("triggers") or []
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


# -- pages, as the walks decode them ----------------------------------------------------

#: The resources a page may include (a tagged union on ``type``: a type not listed
#: sends the page to the generic reader).
Included = Tier | PatreonUser | Campaign | Member | Post | Webhook


class ResourcePage(Struct, kw_only=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """A page of a list route, declared for decoding straight from its bytes."""

    included: list[Included] = field(default_factory=list)
    meta: Any = UNSET
    links: Any = UNSET

    def resources(self) -> list[Any]:
        """The primary resources, each able to reach the page's included ones.

        The index by (type, id) is built once per page and shared; included
        resources do not get it (they would then refer to themselves through it,
        a cycle that the untracked structs would never be freed from).
        """
        data: list[Any] = getattr(self, "data", [])
        included = self.included
        if included:
            index = {(r.TYPE, r.id): r for r in included}
            for resource in data:
                resource._index = index
        return data

    def payload(self) -> dict[str, Any]:
        """The page as decoded JSON, rebuilt from the structs (what ``json.loads`` would give)."""
        out: dict[str, Any] = {"data": [r.raw for r in getattr(self, "data", [])]}
        if self.included:
            out["included"] = [r.raw for r in self.included]
        if self.meta is not UNSET:
            out["meta"] = self.meta
        if self.links is not UNSET:
            out["links"] = self.links
        return out


class MembersPage(ResourcePage):
    data: list[Member]


class CampaignsPage(ResourcePage):
    data: list[Campaign]


class PostsPage(ResourcePage):
    data: list[Post]


#: The declared page of each view a walk yields (one cached decoder each).
PAGES: dict[type[PatreonResource], type[ResourcePage]] = {
    Member: MembersPage,
    Campaign: CampaignsPage,
    Post: PostsPage,
}
