"""The ``/things`` calls: get, look up, search, create, update, delete (resources/things.md).

:class:`ThingsService` is ``client.things``. The :class:`~paysupport_flattr.resources.Thing`
records it returns validate their writable fields and commit their own changes
through the client's calls (see :class:`~paysupport_flattr.resources.Home`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paysupport._args import several
from paysupport.walk import Walk

from .catalog import SORTS, WRITABLE, check_url, refusal
from .errors import ThingNotFound, ValidationFailed
from .resources import (
    Flattr,
    Home,
    Reader,
    SearchPage,
    Thing,
    ThingData,
    as_list,
    fail,
    read_things,
    thing_id_of,
)
from .transport import Context
from .walks import DEFAULT_COUNT, counted, listing, page_params

__all__ = ["ThingsService", "parse_search", "parse_things", "wire_fields"]

_UPDATE_METHODS = ("POST", "PATCH")


def wire_fields(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Field values as the API takes them: tags as one comma-separated string."""
    return {k: ",".join(v) if k == "tags" else v for k, v in fields.items()}


def parse_things(body: Any, home: Home | None, what: str = "things") -> list[Thing]:
    """A bare array of thing objects (the list routes), decoded at once into views.

    A malformed one raises :class:`~paysupport.decode.ResponseFieldError` naming
    it (``$[3].id``); see :func:`~paysupport_flattr.resources.read_things`.
    """

    def generic() -> list[Thing]:
        items = as_list(body, what)
        return [Thing.parse(item, home, f"{what}[{i}]") for i, item in enumerate(items)]

    found = read_things(body, list[ThingData], home, what, generic)
    if found and type(found[0]) is ThingData:
        return [Thing.of(data, home) for data in found]
    return list(found)


def parse_search(body: Any, home: Home | None) -> tuple[list[Thing], int]:
    """``GET /things/search``'s answer: its things as views, and ``total_items``."""

    def generic() -> tuple[list[Thing], int]:
        r = Reader(body, "search")
        things = [
            Thing.parse(item, home, f"search.things[{i}]")
            for i, item in enumerate(r.items("things"))
        ]
        return things, r.integer("total_items")

    found = read_things(body, SearchPage, home, "search", generic)
    if isinstance(found, SearchPage):
        return [Thing.of(data, home) for data in found.things], found.total_items
    things, total = found
    return things, total


class ThingsService:
    """``client.things``: get, look up, search, create, update and delete things.

    ``home`` is what the things it returns call back into (the client's calls).
    """

    def __init__(self, ctx: Context, home: Home) -> None:
        self._ctx = ctx
        self._home = home

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
        return Thing.parse(answer.body, self._home)

    def get_many(self, things: Iterable[Any], *, full: bool = False) -> list[Thing]:
        """Several things in one request (``GET /things/:id,:id``); unknown ids are left out."""
        chosen = several(things, "things", error=refusal("things"))
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
            return [Thing.parse(answer.body, self._home)]
        return parse_things(answer.body, self._home)

    def lookup(self, url: str) -> Thing | None:
        """The thing registered for ``url`` (an auto-submit URL works too), else ``None``.

        Flattr answers ``302`` with the thing's API location; the thing is then
        fetched, so a hit costs two requests and a miss one.
        """
        check_url(url)
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
        return Thing.parse(answer.body, self._home)  # a server that followed the redirect itself

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
        max_workers: int | None = None,
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
            return parse_search(answer.body, self._home)

        return counted(fetch, count, max_workers)

    def of_path(self, path: str, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Thing]:
        """A walk over a things list route (``/user/things``, ``/users/:name/things``)."""

        def fetch(number: int, per_page: int) -> list[Thing]:
            answer = self._ctx.api.call("GET", path, params=page_params(number, per_page, full))
            return parse_things(answer.body, self._home)

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
        thing = Thing.draft(self._home, url)
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
        probe = Thing(self._home, {"id": thing_id, "url": "http://unused.invalid"})
        _assign(probe, **fields)
        if probe.changes:
            self.send_changes(thing_id, probe.changes, method)

    def delete(self, thing: Any) -> None:
        """Delete a thing (its owner, ``thing`` scope; ``Forbidden`` otherwise)."""
        self._ctx.api.call("DELETE", f"/things/{thing_id_of(thing)}", not_found=ThingNotFound)

    def post_new(self, fields: Mapping[str, Any]) -> int:
        """``POST /things``: create a thing from validated fields; returns its id."""
        answer = self._ctx.api.call("POST", "/things", json_body=wire_fields(fields))
        return Reader(answer.body, "created thing").integer("id")

    def send_changes(self, thing_id: int, fields: Mapping[str, Any], method: str) -> None:
        """Send changed fields of a thing, as ``POST`` with ``_method=patch`` or ``PATCH``."""
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
    return ",".join(several(value, field, error=refusal(field)))


def _thing_id_in_location(location: Any) -> int:
    if isinstance(location, str):
        tail = location.rstrip("/").rsplit("/", 1)[-1]
        if tail.isdigit():
            return int(tail)
    fail(f"thing lookup: no thing id in the location {location!r}")
