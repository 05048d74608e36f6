"""Read-only records of the API: mini things, users, flattrs, subscriptions, activities.

Each is built from a documented example shape (resource-examples.rb) through
:class:`~paysupport_flattr.parsing.Reader`, keeps the whole JSON object in
``raw``, and offers ``to_row()`` for the command line. The editable
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

    @classmethod
    def parse(cls, reader: Reader) -> MiniUser:
        return cls(reader.text("username"), reader.opt_text("link"), reader.opt_text("resource"))


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

    def to_row(self) -> dict[str, Any]:
        return {"username": self.username, "name": self.name, "link": self.link}


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
        )


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

    @property
    def thing_id(self) -> int:
        return self.thing.id

    @property
    def url(self) -> str:
        return self.thing.url

    @classmethod
    def parse(cls, body: Any, flattred_at: float) -> FlattrResult:
        r = Reader(body, "flattr answer")
        return cls(MiniThing.parse(r.obj("thing")), flattred_at, r.opt_text("message") or "ok")

    def to_row(self) -> dict[str, Any]:
        return {"thing_id": self.thing_id, "url": self.url, "flattred_at": self.flattred_at}


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


def parse_activities(body: Any) -> list[Activity]:
    r = Reader(body, "activities")
    return [
        Activity.parse(item, f"activities.items[{i}]") for i, item in enumerate(r.items("items"))
    ]
