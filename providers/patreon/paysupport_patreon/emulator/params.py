"""A request's JSON:API parameters: include, fields, page size, cursor and sort, checked.

Each is checked against the catalog (the same one the client checks with) and
refused with a 400 ``ApiError`` naming what is allowed. Cursors are opaque
(base64 JSON) and bound to the listing that made them.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paysupport.emulation import loads_json
from paysupport_patreon.catalog import RouteSpec
from paysupport_patreon.emulator.errors import ApiError


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
