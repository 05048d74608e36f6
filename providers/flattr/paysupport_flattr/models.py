"""Read-only records of the API: mini things, users, flattrs, subscriptions, activities.

Each is built from a documented example shape (resource-examples.rb) through
:class:`~paysupport_flattr.parsing.Reader` and has the shape of every provider's
records (:class:`paysupport.resource.Record`): an ``id``, the whole JSON object in
``raw`` and ``to_dict()``, a flat record; ``to_row()`` is the command line's shorter
row. Flattr names users by ``username``, so that is a user's ``id``; a flattr has no id
of its own, so its ``id`` is ``<thing id>:<username>:<created_at>``. The editable
:class:`~paysupport_flattr.things.Thing` lives in its own module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .parsing import Reader


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
