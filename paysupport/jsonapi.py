"""A reader for JSON:API documents (Patreon speaks it) that stays linear.

The older Patreon library found a related resource by scanning every included
resource, for every lookup: quadratic in the page size. Here the document
indexes ``data`` and ``included`` by (type, id) once, on first use, so every
lookup is O(1) and resolving all relationships of a page costs about as much as
parsing it.

Malformed documents raise :class:`~paysupport.errors.ResponseFormatError`;
a relationship whose resource was not included resolves to ``None`` (to-one)
or is left out (to-many); :meth:`JsonApiResource.relationship_ids` still
gives the linkage.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Iterator, Mapping
from typing import Any

from paysupport.errors import ResponseFormatError
from paysupport.resource import Resource

Key = tuple[str, str]


def _key(obj: Any, provider: str | None, where: str) -> Key:
    if not isinstance(obj, Mapping):
        raise ResponseFormatError(f"JSON:API {where} is not an object", provider=provider)
    rtype, rid = obj.get("type"), obj.get("id")
    if not isinstance(rtype, str) or not isinstance(rid, (str, int)) or isinstance(rid, bool):
        raise ResponseFormatError(f"JSON:API {where} lacks a string type and id", provider=provider)
    return rtype, str(rid)


class JsonApiResource(Resource):
    """A resource object inside a :class:`JsonApiDocument`, able to follow its relationships."""

    __slots__ = ("_document", "raw")

    def __init__(self, raw: Mapping[str, Any], document: JsonApiDocument) -> None:
        rtype, rid = _key(raw, document.provider, "resource")
        attributes = raw.get("attributes")
        if attributes is not None and not isinstance(attributes, Mapping):
            raise ResponseFormatError(
                f"attributes of {rtype}:{rid} are not an object", provider=document.provider
            )
        super().__init__(rtype, rid, attributes or {})
        self.raw = raw
        self._document = document

    @property
    def relationships(self) -> Mapping[str, Any]:
        rels = self.raw.get("relationships")
        return rels if isinstance(rels, Mapping) else {}

    def _linkage(self, name: str) -> Any:
        rel = self.relationships.get(name)
        return rel.get("data") if isinstance(rel, Mapping) else None

    def relationship_ids(self, name: str) -> list[Key]:
        """The (type, id) pairs a relationship points at, whether included or not."""
        linkage = self._linkage(name)
        if linkage is None:
            return []
        items = linkage if isinstance(linkage, list) else [linkage]
        return [_key(item, self._document.provider, f"relationship {name!r}") for item in items]

    def relationship(self, name: str) -> JsonApiResource | list[JsonApiResource] | None:
        """The related resource(s); missing from ``included`` means ``None`` / left out."""
        linkage = self._linkage(name)
        find = self._document.find_resource_by_type_and_id
        if isinstance(linkage, list):
            found = (find(*_key(i, self._document.provider, name)) for i in linkage)
            return [r for r in found if r is not None]
        if linkage is None:
            return None
        return find(*_key(linkage, self._document.provider, f"relationship {name!r}"))

    def related(self, name: str) -> list[JsonApiResource]:
        """A relationship as a list, whether it is to-one or to-many."""
        value = self.relationship(name)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        if self.relationships:
            out["relationships"] = {n: self._linkage(n) for n in self.relationships}
        return out


class JsonApiDocument:
    """A parsed JSON:API document with O(1) lookup by (type, id)."""

    def __init__(self, payload: Any, *, provider: str | None = None) -> None:
        if not isinstance(payload, Mapping):
            raise ResponseFormatError("JSON:API document is not an object", provider=provider)
        if "data" not in payload and "errors" not in payload and "meta" not in payload:
            raise ResponseFormatError(
                "JSON:API document has none of data, errors or meta", provider=provider
            )
        self.payload = payload
        self.provider = provider
        self._index: dict[Key, JsonApiResource] | None = None
        self._data: JsonApiResource | list[JsonApiResource] | None = None
        self._data_read = False

    @classmethod
    def from_bytes(cls, body: bytes | str, *, provider: str | None = None) -> JsonApiDocument:
        try:
            payload = json.loads(body)
        except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
            raise ResponseFormatError(
                "JSON:API body is not valid JSON", provider=provider
            ) from None
        return cls(payload, provider=provider)

    @property
    def meta(self) -> Mapping[str, Any]:
        meta = self.payload.get("meta")
        return meta if isinstance(meta, Mapping) else {}

    @property
    def links(self) -> Mapping[str, Any]:
        links = self.payload.get("links")
        return links if isinstance(links, Mapping) else {}

    @property
    def errors(self) -> list[Mapping[str, Any]]:
        errors = self.payload.get("errors")
        if not isinstance(errors, list):
            return []
        return [e for e in errors if isinstance(e, Mapping)]

    def data(self) -> JsonApiResource | list[JsonApiResource] | None:
        """The primary data: one resource, a list of them, or ``None``."""
        if not self._data_read:
            self._build_index()
        return self._data

    def data_list(self) -> list[JsonApiResource]:
        """The primary data as a list, whatever its shape."""
        data = self.data()
        if data is None:
            return []
        return data if isinstance(data, list) else [data]

    @property
    def included(self) -> list[JsonApiResource]:
        index = self._build_index()
        primary = {(r.type, r.id) for r in self.data_list()}
        return [r for k, r in index.items() if k not in primary]

    def _build_index(self) -> dict[Key, JsonApiResource]:
        if self._index is not None:
            return self._index
        index: dict[Key, JsonApiResource] = {}
        raw_data = self.payload.get("data")
        included = self.payload.get("included")
        if included is None:
            included = []
        elif not isinstance(included, list):
            raise ResponseFormatError("JSON:API included is not a list", provider=self.provider)
        if raw_data is None:
            data: JsonApiResource | list[JsonApiResource] | None = None
        elif isinstance(raw_data, list):
            data = [JsonApiResource(item, self) for item in raw_data]
            for resource in data:
                index[(resource.type, resource.id)] = resource
        elif isinstance(raw_data, Mapping):
            data = JsonApiResource(raw_data, self)
            index[(data.type, data.id)] = data
        else:
            raise ResponseFormatError("JSON:API data has an invalid shape", provider=self.provider)
        for item in included:
            resource = JsonApiResource(item, self)
            index.setdefault((resource.type, resource.id), resource)
        self._index = index
        self._data = data
        self._data_read = True
        return index

    def find_resource_by_type_and_id(self, type: str, id: str | int) -> JsonApiResource | None:
        return self._build_index().get((type, str(id)))

    def __iter__(self) -> Iterator[JsonApiResource]:
        return iter(self.data_list())

    def normalized(self) -> Any:
        """Plain dicts with attributes flattened and relationships inlined.

        Each primary resource gets its own tree in which every resource is
        inlined once, where it is nearest the root (the first such place in
        document order); met again there (a cycle, or a second path to it) it
        appears as ``{"type", "id"}`` only. That keeps the view linear in the
        document: inlining along every path grows exponentially with tiers
        and benefits that list each other. A relationship to a resource not
        included is ``None`` (to-one) or left out (to-many).
        """
        data = self.data()
        if data is None:
            return None
        if isinstance(data, list):
            return [_normalize(r) for r in data]
        return _normalize(data)

    def __repr__(self) -> str:
        return f"<JsonApiDocument {len(self.data_list())} primary resources>"


def _normalize(root: JsonApiResource) -> dict[str, Any]:
    # Breadth first, without recursion: a resource is inlined where it is first
    # met, so its nearest occurrence, and deep chains cannot exhaust the stack.
    seen: set[Key] = set()
    queue: deque[tuple[JsonApiResource, dict[str, Any]]] = deque()

    def stub(resource: JsonApiResource) -> dict[str, Any]:
        """``{"type", "id"}``, queued to be filled in if this is the first meeting."""
        out: dict[str, Any] = {"type": resource.type, "id": resource.id}
        if (resource.type, resource.id) not in seen:
            seen.add((resource.type, resource.id))
            queue.append((resource, out))
        return out

    tree = stub(root)
    while queue:
        resource, out = queue.popleft()
        out.update(resource.attributes)
        for name in resource.relationships:
            value = resource.relationship(name)
            if isinstance(value, list):
                out[name] = [stub(r) for r in value]
            else:
                out[name] = None if value is None else stub(value)
    return tree
