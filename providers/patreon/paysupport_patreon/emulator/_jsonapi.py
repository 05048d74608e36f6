"""JSON:API documents the way Patreon shapes them: sparse fields, includes, errors, cursors.

Patreon v2 sends no attributes unless ``fields[type]`` names them and no related
resource unless ``include`` names the relationship; relationships appear on the
primary data only for included relationships. v1 sends every default attribute
and lets ``fields`` add optional ones, so the serialiser takes the attribute
policy as a parameter.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport.emulation import loads_json
from paysupport_patreon.catalog import RouteSpec


@dataclass
class Resource:
    """A resource as the emulator knows it, before sparse fieldsets are applied.

    ``relationships`` maps a relationship name to a thunk so that related
    resources are only built when a caller includes them.
    """

    type: str
    id: str
    attributes: Mapping[str, Any]
    relationships: Mapping[str, Callable[[], Resource | list[Resource] | None]] = field(
        default_factory=dict
    )

    @property
    def key(self) -> tuple[str, str]:
        return (self.type, self.id)


class ApiError(Exception):
    """An error the API reports as a JSON:API ``errors`` document."""

    TITLES = {
        400: ("ParameterInvalid", "Bad Request"),
        401: ("Unauthorized", "Unauthorized"),
        403: ("Forbidden", "Forbidden"),
        404: ("ResourceMissing", "Not Found"),
        405: ("MethodNotAllowed", "Method Not Allowed"),
        429: ("RequestThrottled", "Too Many Requests"),
        500: ("InternalServerError", "Internal Server Error"),
    }

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        default_name, self.title = self.TITLES.get(status, ("Error", "Error"))
        self.code_name = code_name or default_name
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def document(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.status,
            "code_name": self.code_name,
            "detail": self.detail,
            "id": str(uuid.uuid4()),
            "status": str(self.status),
            "title": self.title,
        }
        error.update(self.extra)
        return {"errors": [error]}


@dataclass(frozen=True)
class Query:
    """The parsed ``include`` and ``fields[...]`` parameters of one request."""

    include: tuple[str, ...] = ()
    fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(",") if part.strip())


def parse_query(
    args: Mapping[str, str],
    route: RouteSpec,
    attributes: Mapping[str, frozenset[str]],
) -> Query:
    """Validate ``include`` and ``fields[type]`` against what the route allows.

    Raises :class:`ApiError` (400) for an include the route does not offer, a
    fieldset for a type the route cannot return, or an unknown attribute.
    """
    include = _split(args.get("include", ""))
    for name in include:
        if name not in route.allowed_includes:
            allowed = ", ".join(sorted(route.allowed_includes))
            raise ApiError(400, f"Unknown include '{name}'. Allowed: {allowed}.")
    fields: dict[str, tuple[str, ...]] = {}
    for key, value in args.items():
        if not key.startswith("fields"):
            continue
        if not (key.startswith("fields[") and key.endswith("]")):
            raise ApiError(400, f"Malformed parameter '{key}'; use fields[type]=a,b.")
        rtype = key[len("fields[") : -1]
        if rtype not in route.allowed_field_types:
            allowed = ", ".join(sorted(route.allowed_field_types))
            raise ApiError(400, f"Fields for type '{rtype}' are not allowed here: {allowed}.")
        names = _split(value)
        unknown = [name for name in names if name not in attributes[rtype]]
        if unknown:
            raise ApiError(400, f"Unknown field(s) {', '.join(unknown)} on type '{rtype}'.")
        fields[rtype] = names
    return Query(include, fields)


def v2_attributes(query: Query) -> Callable[[Resource], dict[str, Any]]:
    """Attribute policy of v2: exactly the requested fields that the resource has."""

    def select(resource: Resource) -> dict[str, Any]:
        wanted = query.fields.get(resource.type, ())
        return {name: resource.attributes[name] for name in wanted if name in resource.attributes}

    return select


def _ref(resource: Resource) -> dict[str, str]:
    return {"type": resource.type, "id": resource.id}


def _linkage(related: Resource | list[Resource] | None) -> Any:
    if related is None:
        return None
    if isinstance(related, list):
        return [_ref(item) for item in related]
    return _ref(related)


def _as_list(related: Resource | list[Resource] | None) -> list[Resource]:
    if related is None:
        return []
    return related if isinstance(related, list) else [related]


def include_tree(include: Iterable[str]) -> dict[str, Any]:
    """Dotted include paths as a tree: ``a.b, a.c`` is ``{"a": {"b": {}, "c": {}}}``.

    As JSON:API requires, a nested path also includes every resource on the way.
    """
    tree: dict[str, Any] = {}
    for path in include:
        node = tree
        for name in path.split("."):
            node = node.setdefault(name, {})
    return tree


def build_document(
    primary: Resource | list[Resource],
    include: Iterable[str],
    select: Callable[[Resource], dict[str, Any]],
    *,
    always_relationships: bool = False,
) -> dict[str, Any]:
    """Serialise primary data plus the resources reached through ``include``.

    ``always_relationships`` (v1) emits every relationship's linkage; v2 emits
    only the included ones, at every level of a nested include path. Included
    resources are de-duplicated and never repeat a primary resource.
    """
    tree = include_tree(include)
    primaries = primary if isinstance(primary, list) else [primary]
    seen: set[tuple[str, str]] = {item.key for item in primaries}
    included: list[dict[str, Any]] = []

    def render(resource: Resource, subtree: dict[str, Any], with_rels: bool) -> dict[str, Any]:
        out: dict[str, Any] = {
            "attributes": select(resource),
            "id": resource.id,
            "type": resource.type,
        }
        if not with_rels:
            return out
        names = resource.relationships.keys() if always_relationships else subtree.keys()
        rels: dict[str, Any] = {}
        for name in names:
            thunk = resource.relationships.get(name)
            if thunk is None:
                continue
            related = thunk()
            rels[name] = {"data": _linkage(related)}
            if name in subtree:
                deeper = subtree[name]
                for item in _as_list(related):
                    if item.key not in seen:
                        seen.add(item.key)
                        included.append(render(item, deeper, always_relationships or bool(deeper)))
        if rels:
            out["relationships"] = rels
        return out

    rendered = [render(item, tree, True) for item in primaries]
    doc: dict[str, Any] = {"data": rendered if isinstance(primary, list) else rendered[0]}
    if included:
        doc["included"] = included
    return doc


def sortable(value: Any) -> tuple[int, float, str]:
    """A sort key that orders null first, then numbers by value, then strings, then the rest."""
    if value is None:
        return (0, 0.0, "")
    if isinstance(value, (bool, int, float)):
        return (1, float(value), "")
    if isinstance(value, str):
        return (2, 0.0, value)
    return (3, 0.0, json.dumps(value, sort_keys=True))


def encode_cursor(kind: str, position: Any) -> str:
    """An opaque cursor; ``kind`` binds it to one listing so it cannot be replayed elsewhere."""
    raw = json.dumps([kind, position], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str) -> Any:
    """The position inside a cursor made by :func:`encode_cursor`; 400 when it is not ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = loads_json(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError):  # ValueError covers bad UTF-8 and absurd nesting
        raise ApiError(400, "Invalid page[cursor].") from None
    if not (isinstance(decoded, list) and len(decoded) == 2 and decoded[0] == kind):
        raise ApiError(400, "page[cursor] does not belong to this listing.")
    return decoded[1]


def parse_page_count(args: Mapping[str, str], default: int, maximum: int) -> int:
    """``page[count]``: a positive integer, clamped to the documented maximum."""
    raw = args.get("page[count]")
    if raw is None or raw == "":
        return default
    try:
        count = int(raw)
    except ValueError:
        raise ApiError(400, "page[count] must be a positive integer.") from None
    if count < 1:
        raise ApiError(400, "page[count] must be a positive integer.")
    return min(count, maximum)
