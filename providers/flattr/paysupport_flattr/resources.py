"""Flattr's typed records: things, users, flattrs, subscriptions, activities, registrations.

Each record is built from a documented example shape (resource-examples.rb)
through :class:`Reader` and has the shape of every provider's records
(:class:`paysupport.resource.Record`): an ``id``, the whole JSON object in ``raw``
and ``to_dict()``, a flat record; ``to_row()`` is the command line's shorter row.
Flattr names users by ``username``, so that is a user's ``id``; a flattr has no id
of its own, so its ``id`` is ``<thing id>:<username>:<created_at>``.

Records hold data and make no call themselves. The live ones (a :class:`Thing`
that commits its changes, a :class:`LazyUser` that fetches its profile on first
read) are given their :class:`Home`, the client's calls, when they are made:
this module imports none of the modules that call the API (``thing_calls``,
``user_calls``, ``subscription_calls``), so the import graph has no cycle.

:class:`Reader` reads Flattr's JSON defensively: a body that is not what the
documentation shows (an unexpected list, a field of the wrong type, an object
missing its ``id``) raises :class:`~paysupport.ResponseFormatError` naming the
object and the field, never ``KeyError`` or ``TypeError``. Fields the
documentation does not list are kept in the record's ``raw`` and otherwise
ignored, so additions on Flattr's side break nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, NoReturn, Protocol, TypeVar

import msgspec
from msgspec import UNSET, Struct, UnsetType

from paysupport.decode import ResponseFieldError, read_as, unset_to_none
from paysupport.errors import ResponseFormatError
from paysupport.provider import Registration as CoreRegistration

from .catalog import (
    ACTIVITY_TYPES,
    WRITABLE,
    Choice,
    Vocabulary,
    check_hidden,
    check_tags,
    check_text,
    check_url,
)
from .errors import ValidationFailed
from .info import PROVIDER
from .walks import DEFAULT_COUNT

if TYPE_CHECKING:
    from paysupport.walk import Walk

T = TypeVar("T")

__all__ = [
    "Activity",
    "AuthenticatedUser",
    "Flattr",
    "FlattrResult",
    "FlattrUser",
    "Home",
    "LazyUser",
    "MiniThing",
    "MiniUser",
    "OwnerData",
    "Reader",
    "Registration",
    "SearchPage",
    "Subscription",
    "Thing",
    "ThingData",
    "as_list",
    "fail",
    "parse_activities",
    "parse_choices",
    "read_things",
    "thing_id_of",
]


# -- reading JSON defensively ----------------------------------------------------------


class Reader:
    """Typed access to one JSON object of a response; ``what`` names it in errors."""

    __slots__ = ("data", "what")

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, Mapping):
            fail(f"{what}: expected a JSON object, got {type(data).__name__}")
        self.data: Mapping[str, Any] = data
        self.what = what

    def _missing(self, key: str) -> NoReturn:
        fail(f"{self.what}: the field {key!r} is missing")

    def _wrong(self, key: str, expected: str) -> NoReturn:
        actual = type(self.data[key]).__name__
        fail(f"{self.what}: the field {key!r} should be {expected}, got {actual}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if not isinstance(value, str):
            self._wrong(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str) -> int:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if isinstance(value, bool):
            self._wrong(key, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        self._wrong(key, "an integer")

    def opt_integer(self, key: str) -> int | None:
        return self.integer(key) if self.has(key) else None

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        """Booleans, also as 0/1 (the documentation shows ``"hidden": 0`` once)."""
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self._wrong(key, "a boolean")

    def texts(self, key: str) -> tuple[str, ...]:
        if not self.has(key):
            return ()
        value = self.data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._wrong(key, "a list of strings")
        return tuple(value)

    def obj(self, key: str) -> Reader:
        if key not in self.data:
            self._missing(key)
        return Reader(self.data[key], f"{self.what}.{key}")

    def opt_obj(self, key: str) -> Reader | None:
        return self.obj(key) if self.has(key) else None

    def items(self, key: str) -> list[Any]:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if not isinstance(value, list):
            self._wrong(key, "a list")
        return value


def as_list(body: Any, what: str) -> list[Any]:
    """A top-level JSON array (the list routes answer with bare arrays)."""
    if not isinstance(body, list):
        fail(f"{what}: expected a JSON array, got {type(body).__name__}")
    return body


def fail(message: str) -> NoReturn:
    raise ResponseFormatError(message, provider=PROVIDER)


def parse_choices(body: Any, what: str) -> tuple[Choice, ...]:
    """The answer of ``GET /languages`` or ``GET /categories``."""
    items = as_list(body, what)
    readers = (Reader(item, f"{what}[{i}]") for i, item in enumerate(items))
    return tuple(Choice(r.text("id"), r.text("text")) for r in readers)


# -- what live records call back into ----------------------------------------------------


class Home(Protocol):
    """The calls live records make, given to them by the client (its ``*_calls`` services).

    ``username=None`` means the authenticated user (``/user/...``), a name that
    user (``/users/<name>/...``). ``vocabulary`` checks a thing's language and
    category; a thing made without a client (``Thing(None, ...)``) can check
    neither nor commit.
    """

    @property
    def vocabulary(self) -> Vocabulary: ...

    def fetch_thing(self, thing_id: int) -> Thing: ...

    def create_thing(self, fields: Mapping[str, Any]) -> int: ...

    def update_thing(self, thing_id: int, fields: Mapping[str, Any], method: str) -> None: ...

    def fetch_profile(self, username: str | None) -> FlattrUser: ...

    def walk_things(self, username: str | None, *, count: int, full: bool) -> Walk[Thing]: ...

    def walk_flattrs(self, username: str | None, *, count: int, full: bool) -> Walk[Flattr]: ...

    def activities(self, username: str | None, type: str) -> list[Activity]: ...

    def subscriptions(self) -> list[Subscription]: ...


# -- users, flattrs, activities ---------------------------------------------------------


@dataclass(frozen=True)
class MiniUser:
    """The small user object (``FIELDS_MINI_USER``): enough to name and link a user."""

    username: str
    link: str | None = None
    resource: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, reader: Reader) -> MiniUser:
        return cls(
            reader.text("username"),
            reader.opt_text("link"),
            reader.opt_text("resource"),
            dict(reader.data),
        )

    @property
    def id(self) -> str:
        return self.username

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "username": self.username, "link": self.link}


@dataclass(frozen=True)
class FlattrUser:
    """The user object (``FIELDS_USER``); ``email`` and ``registered_at`` need scopes."""

    username: str
    link: str | None
    resource: str | None
    firstname: str | None
    lastname: str | None
    avatar: str | None
    about: str | None
    city: str | None
    country: str | None
    url: str | None
    email: str | None = None
    registered_at: int | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, body: Any, what: str = "user") -> FlattrUser:
        r = Reader(body, what)
        return cls(
            username=r.text("username"),
            link=r.opt_text("link"),
            resource=r.opt_text("resource"),
            firstname=r.opt_text("firstname"),
            lastname=r.opt_text("lastname"),
            avatar=r.opt_text("avatar"),
            about=r.opt_text("about"),
            city=r.opt_text("city"),
            country=r.opt_text("country"),
            url=r.opt_text("url"),
            email=r.opt_text("email"),
            registered_at=r.opt_integer("registered_at"),
            raw=dict(r.data),
        )

    @property
    def name(self) -> str:
        """First and last name, or the username when both are empty."""
        full = " ".join(p for p in (self.firstname, self.lastname) if p)
        return full or self.username

    @property
    def id(self) -> str:
        return self.username

    def to_row(self) -> dict[str, Any]:
        return {"username": self.username, "name": self.name, "link": self.link}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "name": self.name,
            "firstname": self.firstname,
            "lastname": self.lastname,
            "link": self.link,
            "url": self.url,
            "avatar": self.avatar,
            "about": self.about,
            "city": self.city,
            "country": self.country,
            "email": self.email,
            "registered_at": self.registered_at,
        }


@dataclass(frozen=True)
class MiniThing:
    """The small thing object (``FIELDS_MINI_THING``) inside flattrs and subscribe answers."""

    id: int
    url: str
    title: str | None = None
    link: str | None = None
    resource: str | None = None
    image: str | None = None
    flattrs: int | None = None
    owner: MiniUser | None = None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, reader: Reader) -> MiniThing:
        owner = reader.opt_obj("owner")
        return cls(
            id=reader.integer("id"),
            url=reader.text("url"),
            title=reader.opt_text("title"),
            link=reader.opt_text("link"),
            resource=reader.opt_text("resource"),
            image=reader.opt_text("image"),
            flattrs=reader.opt_integer("flattrs"),
            owner=MiniUser.parse(owner) if owner else None,
            raw=dict(reader.data),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "link": self.link,
            "image": self.image,
            "flattrs": self.flattrs,
            "owner": self.owner.username if self.owner else None,
        }


@dataclass(frozen=True)
class Flattr:
    """One flattr (``FLATTR``): which thing, by whom (``owner``), when (unix time)."""

    thing: MiniThing
    owner: MiniUser
    created_at: int
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, body: Any, what: str = "flattr") -> Flattr:
        r = Reader(body, what)
        return cls(
            MiniThing.parse(r.obj("thing")),
            MiniUser.parse(r.obj("owner")),
            r.integer("created_at"),
            dict(r.data),
        )

    @property
    def id(self) -> str:
        """``<thing id>:<username>:<created_at>``: Flattr gives a flattr no id of its own."""
        return f"{self.thing.id}:{self.owner.username}:{self.created_at}"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.to_row()}

    def to_row(self) -> dict[str, Any]:
        return {
            "thing_id": self.thing.id,
            "title": self.thing.title,
            "url": self.thing.url,
            "by": self.owner.username,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class FlattrResult:
    """What :meth:`FlattrClient.support` did: the thing flattred and when (unix time).

    ``flattred_at`` is the answer's ``Date`` header, or the local clock when
    absent: the documented answer (``FLATTR_CREATE``) carries no timestamp.
    """

    thing: MiniThing
    flattred_at: float
    message: str = "ok"
    raw: Any = field(default=None, repr=False, compare=False)

    @property
    def id(self) -> int:
        """The flattred thing's id (the answer describes the thing, not a new record)."""
        return self.thing.id

    @property
    def thing_id(self) -> int:
        return self.thing.id

    @property
    def url(self) -> str:
        return self.thing.url

    @classmethod
    def parse(cls, body: Any, flattred_at: float) -> FlattrResult:
        r = Reader(body, "flattr answer")
        return cls(
            MiniThing.parse(r.obj("thing")),
            flattred_at,
            r.opt_text("message") or "ok",
            dict(r.data),
        )

    def to_row(self) -> dict[str, Any]:
        return {"thing_id": self.thing_id, "url": self.url, "flattred_at": self.flattred_at}

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.to_row(), "message": self.message}


@dataclass(frozen=True)
class Activity:
    """An Activity Streams 1.0 entry (``ACTIVITIES``): ``actor`` ``verb``-ed ``object``."""

    id: str
    verb: str
    title: str | None
    published: str | None
    actor_name: str | None
    actor_url: str | None
    object_name: str | None
    object_url: str | None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, body: Any, what: str = "activity") -> Activity:
        r = Reader(body, what)
        actor = r.opt_obj("actor")
        target = r.opt_obj("object")
        return cls(
            id=r.text("id"),
            verb=r.text("verb"),
            title=r.opt_text("title"),
            published=r.opt_text("published"),
            actor_name=actor.opt_text("displayName") if actor else None,
            actor_url=actor.opt_text("url") if actor else None,
            object_name=target.opt_text("displayName") if target else None,
            object_url=target.opt_text("url") if target else None,
            raw=dict(r.data),
        )

    def to_row(self) -> dict[str, Any]:
        return {"published": self.published, "verb": self.verb, "title": self.title}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "verb": self.verb,
            "title": self.title,
            "published": self.published,
            "actor_name": self.actor_name,
            "actor_url": self.actor_url,
            "object_name": self.object_name,
            "object_url": self.object_url,
        }


def parse_activities(body: Any) -> list[Activity]:
    r = Reader(body, "activities")
    return [
        Activity.parse(item, f"activities.items[{i}]") for i, item in enumerate(r.items("items"))
    ]


# -- things ------------------------------------------------------------------------------


def thing_id_of(target: Any) -> int:
    """A thing id from a Thing, a MiniThing, an int or a numeric string."""
    if isinstance(target, (Thing, MiniThing)):
        if target.id is None:
            raise ValidationFailed("this thing is not created yet: commit() it first", field="id")
        return target.id
    if isinstance(target, int) and not isinstance(target, bool) and target > 0:
        return target
    if isinstance(target, str) and target.strip().isdigit():
        return int(target.strip())
    raise ValidationFailed(f"not a thing id: {target!r}", field="id")


_Text = str | None | UnsetType
_Int = int | None | UnsetType
_Flag = bool | int | None | UnsetType  # the documentation shows ``"hidden": 0`` once


class OwnerData(Struct, frozen=True, gc=False, forbid_unknown_fields=True, omit_defaults=True):
    """A thing's ``owner`` as the walks send it: the small user object."""

    username: str
    type: _Text = UNSET
    link: _Text = UNSET
    resource: _Text = UNSET


class ThingData(Struct, frozen=True, gc=False, forbid_unknown_fields=True, omit_defaults=True):
    """A thing object exactly as Flattr sends it (``THING``, ``THING_PUBLIC``), decoded at once.

    What :class:`Thing` views: one struct per thing, no dicts, no reader calls
    (``msgspec.to_builtins`` gives the object back, equal to what was sent). A
    field it does not declare, or a value of another type than documented (an id
    as a numeric string), sends the page to :class:`Reader`, which accepts what it
    always did; a value neither accepts is a
    :class:`~paysupport.decode.ResponseFieldError` naming the field.
    """

    id: int
    url: str
    type: _Text = UNSET
    resource: _Text = UNSET
    link: _Text = UNSET
    title: _Text = UNSET
    description: _Text = UNSET
    tags: list[str] | UnsetType | None = UNSET
    language: _Text = UNSET
    category: _Text = UNSET
    hidden: _Flag = UNSET
    owner: OwnerData | UnsetType | None = UNSET
    image: _Text = UNSET
    flattrs: _Int = UNSET
    flattrs_user_count: _Int = UNSET
    created_at: _Int = UNSET
    updated_at: _Int = UNSET
    last_flattr_at: _Int = UNSET
    flattred: _Flag = UNSET
    subscribed: _Flag = UNSET


class SearchPage(Struct, gc=False):
    """``GET /things/search``'s answer: a page of things and the number of matches."""

    things: list[ThingData]
    total_items: int


def _flag(value: Any) -> bool | None:
    """A 0/1 or boolean flag; ``ResponseFormatError`` for any other number (as :class:`Reader`)."""
    if value is None or value is UNSET:
        return None
    if type(value) is int and value not in (0, 1):
        fail(f"thing: the field should be a boolean, got int {value}")
    return bool(value)


def _loaded(data: ThingData, name: str) -> Any:
    """Field ``name`` of a decoded thing, in the form :class:`Thing` keeps its values."""
    value = getattr(data, name)
    if name == "title" or name == "description":
        return value or ""
    if name == "tags":
        return tuple(value or ())
    if name == "hidden":
        return bool(_flag(value))
    if name == "flattred" or name == "subscribed":
        return _flag(value)
    if name == "owner":
        if value is None or value is UNSET:
            return None
        return MiniUser(
            value.username,
            unset_to_none(value.link),
            unset_to_none(value.resource),
            msgspec.to_builtins(value),
        )
    return None if value is UNSET else value


class Thing:
    """A Flattr thing; read-only fields are properties, writable ones are validated.

    ``flattred`` and ``subscribed`` are only known for an authenticated
    caller, ``updated_at`` and ``last_flattr_at`` only for the owner
    (``None`` otherwise). ``owner`` is a lazy user: reading its username
    costs nothing, reading its profile fetches it once.

    A thing read from an answer is a thin view over its :class:`ThingData` (the
    struct as decoded; ``raw`` rebuilt from it when asked): the values set on it
    since, and the ones committed, are kept beside it, so a walk's things cost a
    struct and this small object each.
    """

    __slots__ = ("_data", "_dirty", "_home", "_raw", "_saved", "_values")

    def __init__(self, home: Home | None, values: Mapping[str, Any], raw: Any = None) -> None:
        self._home = home
        self._data: ThingData | None = None
        self._values: dict[str, Any] | None = dict(values)
        self._saved: dict[str, Any] | None = {} if values.get("id") is None else dict(values)
        self._dirty: set[str] = set()
        self._raw: Any = raw

    # -- construction ------------------------------------------------------------

    @classmethod
    def parse(cls, body: Any, home: Home | None = None, what: str = "thing") -> Thing:
        """A thing from the API's thing object (``THING``, ``THING_PUBLIC``, ``THING_FULL``)."""
        return cls(home, _values(Reader(body, what)), dict(body))

    @classmethod
    def of(cls, data: ThingData, home: Home | None = None) -> Thing:
        """A view of a decoded thing object (what the walks make)."""
        thing = cls.__new__(cls)
        thing._home = home
        thing._data = data
        thing._values = None
        thing._saved = None
        thing._dirty = set()
        thing._raw = None
        return thing

    @classmethod
    def draft(cls, home: Home | None, url: str) -> Thing:
        """A thing not yet created: every field set on it will be sent by ``commit()``."""
        thing = cls(home, {"id": None, "url": check_url(url)})
        thing._dirty.add("url")
        return thing

    def _get(self, name: str) -> Any:
        values = self._values
        if values is not None and name in values:
            return values[name]
        data = self._data
        return None if data is None else _loaded(data, name)

    def _saved_value(self, name: str) -> Any:
        saved = self._saved
        if saved is not None and name in saved:
            return saved[name]
        data = self._data
        return None if data is None else _loaded(data, name)

    @property
    def raw(self) -> Any:
        """The thing object as Flattr sent it (rebuilt from the struct when it was decoded)."""
        if self._raw is None and self._data is not None:
            return msgspec.to_builtins(self._data)
        return self._raw

    @raw.setter
    def raw(self, value: Any) -> None:
        self._raw = value

    # -- read-only fields ----------------------------------------------------------

    @property
    def id(self) -> int | None:
        data = self._data
        if data is not None and self._values is None:
            return data.id
        value: int | None = self._get("id")
        return value

    @property
    def url(self) -> str:
        return str(self._get("url"))

    @url.setter
    def url(self, value: str) -> None:
        if self.id is not None:
            raise ValidationFailed("the url of an existing thing cannot change", field="url")
        self._edit()["url"] = check_url(value)

    @property
    def link(self) -> str | None:
        value: str | None = self._get("link")
        return value

    @property
    def resource(self) -> str | None:
        value: str | None = self._get("resource")
        return value

    @property
    def image(self) -> str | None:
        value: str | None = self._get("image")
        return value

    @property
    def flattrs(self) -> int:
        return int(self._get("flattrs") or 0)

    @property
    def flattrs_user_count(self) -> int | None:
        value: int | None = self._get("flattrs_user_count")
        return value

    @property
    def created_at(self) -> int | None:
        value: int | None = self._get("created_at")
        return value

    @property
    def updated_at(self) -> int | None:
        value: int | None = self._get("updated_at")
        return value

    @property
    def last_flattr_at(self) -> int | None:
        value: int | None = self._get("last_flattr_at")
        return value

    @property
    def flattred(self) -> bool | None:
        value: bool | None = self._get("flattred")
        return value

    @property
    def subscribed(self) -> bool | None:
        value: bool | None = self._get("subscribed")
        return value

    @property
    def owner_username(self) -> str | None:
        data = self._data
        if data is not None and (self._values is None or "owner" not in self._values):
            owner_data = data.owner
            return None if owner_data is None or owner_data is UNSET else owner_data.username
        owner: MiniUser | None = self._get("owner")
        return owner.username if owner else None

    @property
    def owner(self) -> LazyUser | None:
        owner: MiniUser | None = self._get("owner")
        if owner is None or self._home is None:
            return None
        return LazyUser(self._home, owner.username, owner)

    # -- writable fields -----------------------------------------------------------

    @property
    def title(self) -> str:
        return str(self._get("title") or "")

    @title.setter
    def title(self, value: str) -> None:
        self._set("title", check_text(value, "title"))

    @property
    def description(self) -> str:
        return str(self._get("description") or "")

    @description.setter
    def description(self, value: str) -> None:
        self._set("description", check_text(value, "description"))

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._get("tags") or ())

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        self._set("tags", check_tags(value))

    @property
    def language(self) -> str | None:
        value: str | None = self._get("language")
        return value

    @language.setter
    def language(self, value: str) -> None:
        self._set("language", self._vocabulary().check_language(value))

    @property
    def category(self) -> str | None:
        value: str | None = self._get("category")
        return value

    @category.setter
    def category(self, value: str) -> None:
        self._set("category", self._vocabulary().check_category(value))

    @property
    def hidden(self) -> bool:
        return bool(self._get("hidden"))

    @hidden.setter
    def hidden(self, value: bool) -> None:
        self._set("hidden", check_hidden(value))

    def _vocabulary(self) -> Vocabulary:
        if self._home is None:
            raise ValidationFailed(
                "language and category are checked against Flattr's lists: "
                "this thing has no client",
                field="language",
            )
        return self._home.vocabulary

    def _edit(self) -> dict[str, Any]:
        if self._values is None:
            self._values = {}
        return self._values

    def _set(self, name: str, value: Any) -> None:
        self._edit()[name] = value
        if self.id is None or self._saved_value(name) != value:
            self._dirty.add(name)
        else:
            self._dirty.discard(name)

    # -- dirty tracking and saving -------------------------------------------------

    @property
    def changes(self) -> dict[str, Any]:
        """The fields changed since the thing was loaded (or all set fields, when new)."""
        return {name: self._get(name) for name in (*WRITABLE, "url") if name in self._dirty}

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def commit(self, *, method: str = "POST") -> bool:
        """Create the thing, or send its changed fields; ``False`` when nothing was sent.

        ``method="POST"`` sends ``_method=patch`` as resources/things.md asks
        ("Currently we are having problems with the PATCH request");
        ``method="PATCH"`` sends a real PATCH. Needs the ``thing`` scope.
        """
        if self._home is None:
            raise ValidationFailed("this thing has no client to commit through", field="id")
        if self.id is None:
            created = self._home.fetch_thing(self._home.create_thing(self.changes))
            self._load(created)
            return True
        changes = self.changes
        if not changes:
            return False
        self._home.update_thing(self.id, changes, method)
        if self._saved is None:
            self._saved = {}
        self._saved.update(changes)
        self._dirty.clear()
        return True

    def refresh(self) -> Thing:
        """Fetch the thing again, dropping uncommitted changes."""
        if self._home is None or self.id is None:
            raise ValidationFailed("only a created thing with a client can refresh", field="id")
        self._load(self._home.fetch_thing(self.id))
        return self

    def _load(self, other: Thing) -> None:
        self._data = other._data
        self._values = None if other._values is None else dict(other._values)
        self._saved = None if other._values is None else dict(other._values)
        self._dirty.clear()
        self._raw = other._raw

    # -- presentation ----------------------------------------------------------------

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "owner": self.owner_username,
            "flattrs": self.flattrs,
            "language": self.language,
            "category": self.category,
            "tags": ",".join(self.tags),
            "hidden": self.hidden,
        }

    def to_dict(self) -> dict[str, Any]:
        """The flat record every provider's resources offer: :meth:`to_row` and the rest."""
        return {
            **self.to_row(),
            "tags": list(self.tags),
            "description": self.description,
            "link": self.link,
            "image": self.image,
            "created_at": self.created_at,
            "updated_at": self.updated_at,
            "last_flattr_at": self.last_flattr_at,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Thing):
            return NotImplemented
        return self is other or (self.id is not None and self.id == other.id)

    def __hash__(self) -> int:
        return hash(("thing", self.id))

    def __repr__(self) -> str:
        state = " (changed: " + ", ".join(sorted(self._dirty)) + ")" if self._dirty else ""
        return f"<Thing {self.id if self.id is not None else 'new'} {self.url!r}{state}>"


def read_things(
    body: Any, kind: Any, home: Home | None, what: str, generic: Callable[[], T]
) -> Any:
    """``body`` (an answer's bytes or JSON) decoded as ``kind`` at once; else ``generic()``.

    The declared structs are tried first (no dicts, no reader per field). What they
    refuse, :class:`Reader` reads as it always did (``generic``); when it refuses
    too, the error is a :class:`~paysupport.decode.ResponseFieldError` with the
    reader's words and the decoder's ``path`` to the field
    (``search.things[3]: the field 'id' should be an integer, got str (at $.things[3].id)``).
    """
    try:
        return read_as(body, kind, provider=PROVIDER)
    except ResponseFieldError as exc:
        try:
            return generic()
        except ResponseFormatError as refused:
            message = f"{refused.message} (at {exc.path})"
            raise ResponseFieldError(message, provider=PROVIDER, path=exc.path) from None


def _values(r: Reader) -> dict[str, Any]:
    owner = r.opt_obj("owner")
    return {
        "id": r.integer("id"),
        "url": r.text("url"),
        "title": r.opt_text("title") or "",
        "description": r.opt_text("description") or "",
        "tags": r.texts("tags"),
        "language": r.opt_text("language"),
        "category": r.opt_text("category"),
        "hidden": bool(r.flag("hidden", False)),
        "owner": MiniUser.parse(owner) if owner else None,
        "link": r.opt_text("link"),
        "resource": r.opt_text("resource"),
        "image": r.opt_text("image"),
        "flattrs": r.opt_integer("flattrs"),
        "flattrs_user_count": r.opt_integer("flattrs_user_count"),
        "created_at": r.opt_integer("created_at"),
        "updated_at": r.opt_integer("updated_at"),
        "last_flattr_at": r.opt_integer("last_flattr_at"),
        "flattred": r.flag("flattred"),
        "subscribed": r.flag("subscribed"),
    }


# -- live users --------------------------------------------------------------------------

_PROFILE_FIELDS = frozenset(f.name for f in fields(FlattrUser)) - {"username", "raw"}


class _Profiled:
    """Fetches a profile once, on first need, thread-safely; ``_who`` is ``None`` for "me"."""

    def __init__(self, home: Home) -> None:
        self._home = home
        self._profile: FlattrUser | None = None
        self._lock = threading.Lock()

    @property
    def _who(self) -> str | None:
        return None

    @property
    def loaded(self) -> bool:
        """Whether the profile was fetched already."""
        return self._profile is not None

    def profile(self) -> FlattrUser:
        with self._lock:
            if self._profile is None:
                self._profile = self._home.fetch_profile(self._who)
            return self._profile

    def things(self, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Thing]:
        """A walk over the user's things (hidden ones only for their owner or ``extendedread``)."""
        return self._home.walk_things(self._who, count=count, full=full)

    def flattrs(self, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Flattr]:
        """A walk over the user's flattrs; empty when the user hides them."""
        return self._home.walk_flattrs(self._who, count=count, full=full)

    def activities(self, type: str = "outgoing") -> list[Activity]:
        """What the user did (``outgoing``) or received (``incoming``), as Activity Streams."""
        if type not in ACTIVITY_TYPES:
            raise ValidationFailed("type must be outgoing or incoming", field="type")
        return self._home.activities(self._who, type)


class LazyUser(_Profiled):
    """A user known by name; profile fields are fetched on first read (``NotFound`` if none).

    ``client.user("flattr").things()`` walks the things straight away, while
    ``client.user("flattr").about`` fetches the profile once and keeps it.
    """

    def __init__(self, home: Home, username: str, mini: MiniUser | None = None) -> None:
        super().__init__(home)
        self.username = username
        self._mini = mini

    @property
    def _who(self) -> str | None:
        return self.username

    @property
    def link(self) -> str | None:
        if self._mini is not None and self._mini.link:
            return self._mini.link
        return self.profile().link

    def __getattr__(self, name: str) -> Any:
        if name in _PROFILE_FIELDS or name == "name":
            return getattr(self.profile(), name)
        raise AttributeError(name)

    def to_row(self) -> dict[str, Any]:
        return self.profile().to_row()

    def __repr__(self) -> str:
        return f"<LazyUser {self.username!r}{'' if self.loaded else ' (not loaded)'}>"


class AuthenticatedUser(_Profiled):
    """The user the token belongs to: ``/user``, ``/user/things``, ``/user/subscriptions``..."""

    @property
    def username(self) -> str:
        return self.profile().username

    def subscriptions(self) -> list[Subscription]:
        return self._home.subscriptions()

    def __repr__(self) -> str:
        return "<AuthenticatedUser>"


# -- subscriptions and registrations -----------------------------------------------------


@dataclass(frozen=True)
class Subscription:
    """A subscription to ``thing``; ``active`` is False while paused. Times are unix."""

    thing: Thing
    active: bool
    created_at: int | None
    started_at: int | None
    raw: Any = field(default=None, repr=False, compare=False)

    @classmethod
    def parse(cls, body: Any, home: Home | None, what: str = "subscription") -> Subscription:
        r = Reader(body, what)
        return cls(
            thing=Thing.parse(r.data.get("thing"), home, f"{what}.thing"),
            active=bool(r.flag("active", True)),
            created_at=r.opt_integer("created_at"),
            started_at=r.opt_integer("started_at"),
            raw=dict(r.data),
        )

    @property
    def id(self) -> int | None:
        """The thing's id: a user has at most one subscription per thing."""
        return self.thing.id

    def to_row(self) -> dict[str, Any]:
        return {
            "thing_id": self.thing.id,
            "title": self.thing.title,
            "active": self.active,
            "started_at": self.started_at,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, **self.to_row(), "created_at": self.created_at}


@dataclass(frozen=True)
class Registration(CoreRegistration):
    """The core's registration result, with the registered :class:`Thing` at hand."""

    thing: Thing | None = None

    @classmethod
    def of(cls, thing: Thing, *, created: bool, changed: tuple[str, ...] = ()) -> Registration:
        status = "created" if created else ("updated" if changed else "unchanged")
        return cls(
            url=thing.url,
            remote_id=str(thing.id),
            status=status,
            changed=changed,
            raw=thing.raw,
            thing=thing,
        )

    @property
    def id(self) -> int | None:
        return self.thing.id if self.thing is not None else None

    @property
    def created(self) -> bool:
        return self.status == "created"

    @property
    def unchanged(self) -> bool:
        return self.status == "unchanged"

    def to_row(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": self.url,
            "action": self.status,
            "changed": ",".join(self.changed),
        }
