"""The Example service's records: :class:`Item` (walked) and :class:`Tip` (a support's receipt).

Both have the shape every provider's records share (:class:`paysupport.Record`):
``id``, the ``raw`` JSON they were read from, and ``to_dict()``, a flat record for
tables, CSV and ``json.dumps``. They are built from JSON alone and import nothing
that sends a request.

An :class:`Item` also reads as the JSON object it came from (``item["id"]``,
``dict(item)``), as the walk's plain dicts did before 0.2.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from paysupport.resource import flatten

__all__ = ["Item", "Tip"]


class Item(Mapping[str, Any]):
    """One item of ``GET /api/items``; its fields are the service's, read-only."""

    __slots__ = ("raw",)

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw: Mapping[str, Any] = raw

    @property
    def id(self) -> int:
        return int(self.raw["id"])

    def to_dict(self) -> dict[str, Any]:
        """``id`` first, then the other fields (nested ones dotted)."""
        fields = flatten(self.raw)
        fields.pop("id", None)
        return {"id": self.id, **fields}

    def to_row(self) -> dict[str, Any]:
        """What ``paysupport walk example items`` shows: the flat record."""
        return self.to_dict()

    def __getitem__(self, key: str) -> Any:
        return self.raw[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

    def __repr__(self) -> str:
        return f"<Item {self.raw.get('id')}>"


@dataclass(frozen=True)
class Tip:
    """The service's receipt for a tip: its number and the URL it went to."""

    id: int
    url: str
    raw: Mapping[str, Any]

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Tip:
        return cls(id=int(data["id"]), url=str(data["url"]), raw=data)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "url": self.url}
