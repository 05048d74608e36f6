"""The base of every object a provider returns."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Resource:
    """A typed record from a provider: ``id``, ``type`` and its ``attributes``.

    Subclasses add typed properties; the raw attributes stay reachable so
    nothing the provider sent is lost.
    """

    __slots__ = ("attributes", "id", "type")

    def __init__(self, type: str, id: str, attributes: Mapping[str, Any] | None = None) -> None:
        self.type = type
        self.id = id
        self.attributes: Mapping[str, Any] = attributes if attributes is not None else {}

    def attribute(self, name: str, default: Any = None) -> Any:
        """One attribute, or ``default`` when the provider did not send it."""
        return self.attributes.get(name, default)

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "id": self.id, "attributes": dict(self.attributes)}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Resource):
            return NotImplemented
        return (self.type, self.id) == (other.type, other.id)

    def __hash__(self) -> int:
        return hash((self.type, self.id))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.type}:{self.id}>"
