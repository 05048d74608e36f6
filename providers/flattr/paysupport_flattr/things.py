"""Things: the editable :class:`Thing` and the ``/things`` routes (resources/things.md).

A :class:`Thing` validates every value assigned to its writable fields
(``title``, ``description``, ``tags``, ``language``, ``category``, ``hidden``)
and remembers which ones changed since it was loaded. :meth:`Thing.commit`
sends only those (``POST`` with ``_method=patch``, the workaround the
documentation recommends, or a real ``PATCH``), and sends nothing at all when
nothing changed. A thing made with :meth:`ThingsService.new` is created by its
first ``commit()``; until then its ``url`` is writable too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from paysupport._args import several
from paysupport.walk import Walk

from . import validation
from .context import Context
from .errors import ThingNotFound, ValidationFailed
from .models import Flattr, MiniThing, MiniUser
from .parsing import Reader, as_list, fail
from .walks import DEFAULT_COUNT, counted, listing, page_params

if TYPE_CHECKING:
    from .users import LazyUser

#: Fields a thing's owner may change (``PATCH /things/:id``), in the documented order.
WRITABLE = ("title", "description", "category", "language", "tags", "hidden")

#: resources/things.md, "Search things": the accepted ``sort`` values.
SORTS = ("relevance", "trend", "flattrs", "flattrs_month", "flattrs_week", "flattrs_day")

_UPDATE_METHODS = ("POST", "PATCH")


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


class Thing:
    """A Flattr thing; read-only fields are properties, writable ones are validated.

    ``flattred`` and ``subscribed`` are only known for an authenticated
    caller, ``updated_at`` and ``last_flattr_at`` only for the owner
    (``None`` otherwise). ``owner`` is a lazy user: reading its username
    costs nothing, reading its profile fetches it once.
    """

    def __init__(self, ctx: Context | None, values: Mapping[str, Any], raw: Any = None) -> None:
        self._ctx = ctx
        self._values: dict[str, Any] = dict(values)
        self._saved: dict[str, Any] = {} if values.get("id") is None else dict(values)
        self._dirty: set[str] = set()
        self.raw: Any = raw

    # -- construction ------------------------------------------------------------

    @classmethod
    def parse(cls, body: Any, ctx: Context | None = None, what: str = "thing") -> Thing:
        """A thing from the API's thing object (``THING``, ``THING_PUBLIC``, ``THING_FULL``)."""
        return cls(ctx, _values(Reader(body, what)), dict(body))

    @classmethod
    def draft(cls, ctx: Context | None, url: str) -> Thing:
        """A thing not yet created: every field set on it will be sent by ``commit()``."""
        thing = cls(ctx, {"id": None, "url": validation.check_url(url)})
        thing._dirty.add("url")
        return thing

    # -- read-only fields ----------------------------------------------------------

    @property
    def id(self) -> int | None:
        value: int | None = self._values.get("id")
        return value

    @property
    def url(self) -> str:
        return str(self._values["url"])

    @url.setter
    def url(self, value: str) -> None:
        if self.id is not None:
            raise ValidationFailed("the url of an existing thing cannot change", field="url")
        self._values["url"] = validation.check_url(value)

    @property
    def link(self) -> str | None:
        return self._values.get("link")

    @property
    def resource(self) -> str | None:
        return self._values.get("resource")

    @property
    def image(self) -> str | None:
        return self._values.get("image")

    @property
    def flattrs(self) -> int:
        return int(self._values.get("flattrs") or 0)

    @property
    def flattrs_user_count(self) -> int | None:
        return self._values.get("flattrs_user_count")

    @property
    def created_at(self) -> int | None:
        return self._values.get("created_at")

    @property
    def updated_at(self) -> int | None:
        return self._values.get("updated_at")

    @property
    def last_flattr_at(self) -> int | None:
        return self._values.get("last_flattr_at")

    @property
    def flattred(self) -> bool | None:
        return self._values.get("flattred")

    @property
    def subscribed(self) -> bool | None:
        return self._values.get("subscribed")

    @property
    def owner_username(self) -> str | None:
        owner: MiniUser | None = self._values.get("owner")
        return owner.username if owner else None

    @property
    def owner(self) -> LazyUser | None:
        from .users import LazyUser

        owner: MiniUser | None = self._values.get("owner")
        if owner is None or self._ctx is None:
            return None
        return LazyUser(self._ctx, owner.username, owner)

    # -- writable fields -----------------------------------------------------------

    @property
    def title(self) -> str:
        return str(self._values.get("title") or "")

    @title.setter
    def title(self, value: str) -> None:
        self._set("title", validation.check_text(value, "title"))

    @property
    def description(self) -> str:
        return str(self._values.get("description") or "")

    @description.setter
    def description(self, value: str) -> None:
        self._set("description", validation.check_text(value, "description"))

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(self._values.get("tags") or ())

    @tags.setter
    def tags(self, value: Sequence[str]) -> None:
        self._set("tags", validation.check_tags(value))

    @property
    def language(self) -> str | None:
        return self._values.get("language")

    @language.setter
    def language(self, value: str) -> None:
        self._set("language", self._vocabulary().check_language(value))

    @property
    def category(self) -> str | None:
        return self._values.get("category")

    @category.setter
    def category(self, value: str) -> None:
        self._set("category", self._vocabulary().check_category(value))

    @property
    def hidden(self) -> bool:
        return bool(self._values.get("hidden"))

    @hidden.setter
    def hidden(self, value: bool) -> None:
        self._set("hidden", validation.check_hidden(value))

    def _vocabulary(self) -> Any:
        if self._ctx is None:
            raise ValidationFailed(
                "language and category are checked against Flattr's lists: "
                "this thing has no client",
                field="language",
            )
        return self._ctx.vocabulary

    def _set(self, name: str, value: Any) -> None:
        self._values[name] = value
        if self.id is None or self._saved.get(name) != value:
            self._dirty.add(name)
        else:
            self._dirty.discard(name)

    # -- dirty tracking and saving -------------------------------------------------

    @property
    def changes(self) -> dict[str, Any]:
        """The fields changed since the thing was loaded (or all set fields, when new)."""
        return {name: self._values[name] for name in (*WRITABLE, "url") if name in self._dirty}

    @property
    def dirty(self) -> bool:
        return bool(self._dirty)

    def commit(self, *, method: str = "POST") -> bool:
        """Create the thing, or send its changed fields; ``False`` when nothing was sent.

        ``method="POST"`` sends ``_method=patch`` as resources/things.md asks
        ("Currently we are having problems with the PATCH request");
        ``method="PATCH"`` sends a real PATCH. Needs the ``thing`` scope.
        """
        if self._ctx is None:
            raise ValidationFailed("this thing has no client to commit through", field="id")
        service = ThingsService(self._ctx)
        if self.id is None:
            created = service.get(service._create(self.changes))
            self._load(created)
            return True
        changes = self.changes
        if not changes:
            return False
        service._update(self.id, changes, method)
        self._saved.update(changes)
        self._dirty.clear()
        return True

    def refresh(self) -> Thing:
        """Fetch the thing again, dropping uncommitted changes."""
        if self._ctx is None or self.id is None:
            raise ValidationFailed("only a created thing with a client can refresh", field="id")
        self._load(ThingsService(self._ctx).get(self.id))
        return self

    def _load(self, other: Thing) -> None:
        self._values = dict(other._values)
        self._saved = dict(other._values)
        self._dirty.clear()
        self.raw = other.raw

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


def wire_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as the API takes them: tags as one comma-separated string."""
    return {k: ",".join(v) if k == "tags" else v for k, v in fields.items()}


def parse_things(body: Any, ctx: Context | None, what: str = "things") -> list[Thing]:
    return [Thing.parse(item, ctx, f"{what}[{i}]") for i, item in enumerate(as_list(body, what))]


class ThingsService:
    """``client.things``: get, look up, search, create, update and delete things."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    # -- reading -------------------------------------------------------------------

    def get(self, thing: Any, *, full: bool = False) -> Thing:
        """One thing by id (``ThingNotFound`` when there is none)."""
        thing_id = thing_id_of(thing)
        answer = self._ctx.api.call(
            "GET",
            f"/things/{thing_id}",
            params={"full": 1} if full else None,
            not_found=ThingNotFound,
        )
        return Thing.parse(answer.body, self._ctx)

    def get_many(self, things: Iterable[Any], *, full: bool = False) -> list[Thing]:
        """Several things in one request (``GET /things/:id,:id``); unknown ids are left out."""
        chosen = several(things, "things", error=validation.refusal("things"))
        ids = list(dict.fromkeys(thing_id_of(t) for t in chosen))
        if not ids:
            return []
        answer = self._ctx.api.call(
            "GET",
            "/things/" + ",".join(map(str, ids)),
            params={"full": 1} if full else None,
            not_found=ThingNotFound,
        )
        if isinstance(answer.body, Mapping):  # a single id answers with the object itself
            return [Thing.parse(answer.body, self._ctx)]
        return parse_things(answer.body, self._ctx)

    def lookup(self, url: str) -> Thing | None:
        """The thing registered for ``url`` (an auto-submit URL works too), else ``None``.

        Flattr answers ``302`` with the thing's API location; the thing is then
        fetched, so a hit costs two requests and a miss one.
        """
        validation.check_url(url)
        answer = self._ctx.api.call(
            "GET",
            "/things/lookup/",
            params={"url": url.strip()},
            allow_redirects=False,
            expected=(302, 404),
        )
        if answer.status == 404:
            return None
        if answer.status == 302 or answer.body is None:
            location = answer.headers.get("Location")
            if not location and isinstance(answer.body, Mapping):
                location = answer.body.get("location")
            return self.get(_thing_id_in_location(location))
        return Thing.parse(answer.body, self._ctx)  # a server that followed the redirect itself

    def search(
        self,
        query: str | None = None,
        *,
        url: str | None = None,
        tags: str | None = None,
        language: str | Sequence[str] | None = None,
        category: str | Sequence[str] | None = None,
        user: str | None = None,
        sort: str | None = None,
        count: int = DEFAULT_COUNT,
        full: bool = False,
        max_workers: int = 1,
    ) -> Walk[Thing]:
        """A walk over the things matching every filter given.

        ``tags`` takes Flattr's expression syntax (``"game | games ! software"``);
        ``language`` and ``category`` take one id or several. Hidden things are
        only found with the ``extendedread`` scope. ``sort`` is one of :data:`SORTS`.
        """
        if sort is not None and sort not in SORTS:
            raise ValidationFailed(f"sort must be one of {', '.join(SORTS)}", field="sort")
        filters: dict[str, Any] = {
            "query": query,
            "url": url,
            "tags": tags,
            "language": _joined(language, "language"),
            "category": _joined(category, "category"),
            "user": user,
            "sort": sort,
        }
        chosen = {k: v for k, v in filters.items() if v not in (None, "")}

        def fetch(number: int, per_page: int) -> tuple[list[Thing], int]:
            answer = self._ctx.api.call(
                "GET", "/things/search", params=page_params(number, per_page, full, **chosen)
            )
            r = Reader(answer.body, "search")
            things = [
                Thing.parse(item, self._ctx, f"search.things[{i}]")
                for i, item in enumerate(r.items("things"))
            ]
            return things, r.integer("total_items")

        return counted(fetch, count, max_workers)

    def of_path(self, path: str, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Thing]:
        """A walk over a things list route (``/user/things``, ``/users/:name/things``)."""

        def fetch(number: int, per_page: int) -> list[Thing]:
            answer = self._ctx.api.call("GET", path, params=page_params(number, per_page, full))
            return parse_things(answer.body, self._ctx)

        return listing(fetch, count)

    def flattrs(
        self, thing: Any, *, count: int = DEFAULT_COUNT, full: bool = False
    ) -> Walk[Flattr]:
        """A walk over the flattrs a thing received (authentication needed)."""
        path = f"/things/{thing_id_of(thing)}/flattrs"

        def fetch(number: int, per_page: int) -> list[Flattr]:
            answer = self._ctx.api.call(
                "GET", path, params=page_params(number, per_page, full), not_found=ThingNotFound
            )
            items = as_list(answer.body, "flattrs")
            return [Flattr.parse(item, f"flattrs[{i}]") for i, item in enumerate(items)]

        return listing(fetch, count)

    # -- writing -------------------------------------------------------------------

    def new(
        self,
        url: str,
        *,
        title: str | None = None,
        description: str | None = None,
        tags: Sequence[str] | None = None,
        language: str | None = None,
        category: str | None = None,
        hidden: bool | None = None,
    ) -> Thing:
        """A validated, not yet created thing; ``commit()`` creates it."""
        thing = Thing.draft(self._ctx, url)
        _assign(
            thing,
            title=title,
            description=description,
            tags=tags,
            language=language,
            category=category,
            hidden=hidden,
        )
        return thing

    def create(self, url: str, **fields: Any) -> Thing:
        """Create a thing (``thing`` scope); fields as for :meth:`new`.

        Flattr refuses a URL that is already registered (``ValidationFailed``);
        :meth:`FlattrClient.register` looks up first and never duplicates.
        """
        thing = self.new(url, **fields)
        thing.commit()
        return thing

    def update(self, thing: Any, *, method: str = "POST", **fields: Any) -> None:
        """Change some fields of a thing by id, without fetching it first.

        Values are validated like :class:`Thing`'s; every given field is sent.
        """
        thing_id = thing_id_of(thing)
        unknown = set(fields) - set(WRITABLE)
        if unknown:
            raise ValidationFailed(
                f"cannot update {', '.join(sorted(unknown))}; writable: {', '.join(WRITABLE)}",
                field=sorted(unknown)[0],
            )
        probe = Thing(self._ctx, {"id": thing_id, "url": "http://unused.invalid"})
        _assign(probe, **fields)
        if probe.changes:
            self._update(thing_id, probe.changes, method)

    def delete(self, thing: Any) -> None:
        """Delete a thing (its owner, ``thing`` scope; ``Forbidden`` otherwise)."""
        self._ctx.api.call("DELETE", f"/things/{thing_id_of(thing)}", not_found=ThingNotFound)

    def _create(self, fields: Mapping[str, Any]) -> int:
        answer = self._ctx.api.call("POST", "/things", json_body=wire_fields(fields))
        return Reader(answer.body, "created thing").integer("id")

    def _update(self, thing_id: int, fields: Mapping[str, Any], method: str) -> None:
        verb = method.upper()
        if verb not in _UPDATE_METHODS:
            raise ValidationFailed("method must be POST (with _method=patch) or PATCH")
        body = wire_fields(fields)
        if verb == "POST":
            body["_method"] = "patch"
        self._ctx.api.call(verb, f"/things/{thing_id}", json_body=body, not_found=ThingNotFound)


def _assign(thing: Thing, **fields: Any) -> None:
    for name in WRITABLE:
        value = fields.get(name)
        if value is not None:
            setattr(thing, name, value)


def _joined(value: str | Sequence[str] | None, field: str) -> str | None:
    """One id (a string, taken whole) or several (any other iterable), as Flattr's list."""
    if value is None or isinstance(value, str):
        return value
    return ",".join(several(value, field, error=validation.refusal(field)))


def _thing_id_in_location(location: Any) -> int:
    if isinstance(location, str):
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if tail.isdigit():
            return int(tail)
    fail(f"thing lookup: no thing id in the location {location!r}")
