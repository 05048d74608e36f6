"""The shape every object a provider returns shares, and the base class most of them use.

Whatever the provider, a record has an ``id``, the ``raw`` data it was read from (nothing
the provider sent is lost) and ``to_dict()``, a flat record: one level of keys, ``id``
first, every value a JSON scalar, so it goes as it is into a table, a CSV row, a log
line or ``json.dumps``. :class:`Record` states that shape as a protocol (Flattr's
records are dataclasses, not :class:`Resource` subclasses); :class:`Resource` is the
base of the others.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol, runtime_checkable

#: Types a value of ``to_dict()`` may have.
SCALARS = (str, int, float, bool, type(None))


@runtime_checkable
class Record(Protocol):
    """What every resource of every provider offers; ``isinstance`` checks it at run time.

    ``id`` is the provider's identifier (a string for Patreon and Ipernity, a number
    for Flattr things, as each API sends it). ``raw`` is what the provider sent for this
    record, as decoded JSON. ``to_dict()`` is the flat record described in the module
    docstring; a secret (a webhook's signing secret) is never in it.
    """

    @property
    def id(self) -> str | int | None: ...

    @property
    def raw(self) -> Any: ...

    def to_dict(self) -> dict[str, Any]: ...


def flatten(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """``values`` as one level: nested objects become dotted keys (``owner.user_id``).

    A list of scalars stays a list (JSON readers want it); any other list is kept
    as JSON text, so every value is a scalar or a list of scalars.
    """
    out: dict[str, Any] = {}
    for key, value in values.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(flatten(value, f"{name}."))
        elif isinstance(value, (list, tuple)):
            if all(isinstance(v, SCALARS) for v in value):
                out[name] = list(value)
            else:
                out[name] = json.dumps(value, default=str)
        else:
            out[name] = value
    return out


def joined(record: Mapping[str, Any], separator: str = "; ") -> dict[str, Any]:
    """``record`` for a table cell or a CSV column: each list of scalars joined into text."""
    return {
        key: separator.join("" if v is None else str(v) for v in value)
        if isinstance(value, list)
        else value
        for key, value in record.items()
    }


class Resource:
    """A typed record from a provider: ``id``, ``type``, its ``attributes`` and ``raw``.

    Subclasses add typed properties (and usually a ``to_dict()`` of those); the raw
    attributes stay reachable so nothing the provider sent is lost. ``raw`` defaults to
    the attributes when the record is nothing more (Ipernity's records).
    """

    __slots__ = ("attributes", "id", "raw", "type")

    def __init__(
        self,
        type: str,
        id: str,
        attributes: Mapping[str, Any] | None = None,
        raw: Any = None,
    ) -> None:
        self.type = type
        self.id = id
        self.attributes: Mapping[str, Any] = attributes if attributes is not None else {}
        self.raw: Any = raw if raw is not None else self.attributes

    def attribute(self, name: str, default: Any = None) -> Any:
        """One attribute, or ``default`` when the provider did not send it."""
        return self.attributes.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        """A flat record: ``id``, ``type``, then the attributes (nested ones dotted)."""
        attributes = flatten(self.attributes)
        attributes.pop("id", None)
        attributes.pop("type", None)
        return {"id": self.id, "type": self.type, **attributes}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        return (self.type, self.id) == (other.type, other.id)

    def __hash__(self) -> int:
        return hash((self.type, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type}:{self.id}>"
