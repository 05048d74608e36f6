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
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from paysupport.errors import ResponseFormatError
from paysupport.resource import Resource

Key = tuple[str, str]
T = TypeVar("T")

#: A document read by :meth:`JsonApiDocument.from_answer` whose body is not decoded yet.
_PENDING: Any = object()


def _loads(body: bytes | str, provider: str | None) -> Any:
    """The body as dicts and lists: msgspec's reader (about 0.6x ``json.loads``'s time).

    A number beyond a double (``1e400``) is read by ``json.loads`` as before.
    """
    from paysupport.decode import any_decoder

    try:
        try:
            return any_decoder().decode(body)
        except ValueError as exc:  # msgspec's errors are ValueErrors
            if "out of range" not in str(exc):
                raise
            return json.loads(body)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ResponseFormatError("JSON:API body is not valid JSON", provider=provider) from None


def _key(obj: Any, provider: str | None, relationship: str | None = None) -> Key:
    # Plain dicts from json.loads take the fast path; isinstance(Mapping) is slow,
    # and the error text is only built when there is an error.
    if type(obj) is dict or isinstance(obj, Mapping):
        rtype, rid = obj.get("type"), obj.get("id")
        if type(rtype) is str and type(rid) is str:
            return rtype, rid
        if isinstance(rtype, str) and isinstance(rid, (str, int)) and not isinstance(rid, bool):
            return rtype, str(rid)
        problem = "lacks a string type and id"
    else:
        problem = "is not an object"
    where = "resource" if relationship is None else f"relationship {relationship!r}"
    raise ResponseFormatError(f"JSON:API {where} {problem}", provider=provider)


_NO_RELATIONSHIPS: Mapping[str, Any] = {}


class JsonApiResource(Resource):
    """A resource object inside a :class:`JsonApiDocument`, able to follow its relationships."""

    __slots__ = ("__weakref__", "_document", "_related")  # ``raw`` is the base's slot

    def __init__(
        self, raw: Mapping[str, Any], document: JsonApiDocument, key: Key | None = None
    ) -> None:
        rtype, rid = key if key is not None else _key(raw, document.provider)
        attributes = raw.get("attributes")
        if attributes is None:
            attributes = {}
        elif type(attributes) is not dict and not isinstance(attributes, Mapping):
            raise ResponseFormatError(
                f"attributes of {rtype}:{rid} are not an object", provider=document.provider
            )
        self.type = rtype
        self.id = rid
        self.attributes = attributes
        self.raw = raw
        self._document = document
        self._related: dict[str, Any] | None = None

    @property
    def relationships(self) -> Mapping[str, Any]:
        rels = self.raw.get("relationships")
        if type(rels) is dict or isinstance(rels, Mapping):
            return rels
        return _NO_RELATIONSHIPS

    def _linkage(self, name: str) -> Any:
        rels = self.raw.get("relationships")
        if type(rels) is not dict and not isinstance(rels, Mapping):
            return None
        rel = rels.get(name)
        if type(rel) is dict or isinstance(rel, Mapping):
            return rel.get("data")
        return None

    def relationship_ids(self, name: str) -> list[Key]:
        """The (type, id) pairs a relationship points at, whether included or not."""
        linkage = self._linkage(name)
        if linkage is None:
            return []
        items = linkage if isinstance(linkage, list) else [linkage]
        return [_key(item, self._document.provider, name) for item in items]

    def relationship(self, name: str) -> JsonApiResource | list[JsonApiResource] | None:
        """The related resource(s); missing from ``included`` means ``None`` / left out.

        The answer is kept on this resource: the document holds its resources
        only weakly, and this keeps, say, a tier shared by a page of members one
        object for as long as the members live, instead of a wrapper per lookup.
        """
        related = self._related
        if related is None:
            self._related = related = {}
        elif name in related:
            known = related[name]
            return list(known) if type(known) is list else known
        rels = self.raw.get("relationships")
        rel = rels.get(name) if type(rels) is dict or isinstance(rels, Mapping) else None
        linkage = rel.get("data") if type(rel) is dict or isinstance(rel, Mapping) else None
        value: JsonApiResource | list[JsonApiResource] | None
        if linkage is None:
            value = None
        else:
            document = self._document
            find, provider = document._find, document.provider
            if isinstance(linkage, list):
                value = []
                for item in linkage:
                    resource = find(_key(item, provider, name))
                    if resource is not None:
                        value.append(resource)
            else:
                value = find(_key(linkage, provider, name))
        related[name] = value
        return list(value) if type(value) is list else value

    def related(self, name: str) -> list[JsonApiResource]:
        """A relationship as a list, whether it is to-one or to-many."""
        value = self.relationship(name)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def to_dict(self) -> dict[str, Any]:
        """The resource object in JSON:API's shape (the provider's typed views are flat)."""
        out = {"type": self.type, "id": self.id, "attributes": dict(self.attributes)}
        if self.relationships:
            out["relationships"] = {n: self._linkage(n) for n in self.relationships}
        return out


class JsonApiDocument:
    """A parsed JSON:API document with O(1) lookup by (type, id).

    Resources are indexed as they came from ``json.loads`` and wrapped when
    first asked for, so a page costs little more than its parsing. The
    document keeps its wrappers only weakly: a resource refers to its document
    (to follow relationships), and a strong reference back would make every
    page a reference cycle, freed only by the cycle collector, so a long walk
    would hold many pages at once.
    """

    def __init__(self, payload: Any, *, provider: str | None = None) -> None:
        if type(payload) is not dict and not isinstance(payload, Mapping):
            raise ResponseFormatError("JSON:API document is not an object", provider=provider)
        if "data" not in payload and "errors" not in payload and "meta" not in payload:
            raise ResponseFormatError(
                "JSON:API document has none of data, errors or meta", provider=provider
            )
        self._payload: Any = payload
        self._body: bytes | None = None
        self.provider = provider
        self._raw_index: dict[Key, Mapping[str, Any]] | None = None
        # Weak references in a plain dict: WeakValueDictionary costs a Python call
        # per access, and a dead entry here only lingers until the document goes.
        self._wrapped: dict[Key, weakref.ref[JsonApiResource]] = {}
        self._primary_keys: list[Key] = []

    @classmethod
    def from_bytes(cls, body: bytes | str, *, provider: str | None = None) -> JsonApiDocument:
        return cls(_loads(body, provider), provider=provider)

    @classmethod
    def from_answer(cls, body: bytes, *, provider: str | None = None) -> JsonApiDocument:
        """A document read from an answer's bytes, decoded only when something asks.

        The body is checked at once (JSON, an object, with ``data``, ``errors`` or
        ``meta``: the same errors as the constructor's) by a scan that builds
        nothing; its content is decoded on first use, either into the dicts
        :attr:`payload` holds or, by a provider's walk, straight into typed
        structs (:meth:`decode_as`), so a page is decoded once, whichever way.
        """
        from paysupport.decode import UNSET, Envelope, ResponseFieldError, decode

        try:
            envelope = decode(body, Envelope, provider=provider)
        except ResponseFieldError:  # JSON, but not an object
            raise ResponseFormatError(
                "JSON:API document is not an object", provider=provider
            ) from None
        except ResponseFormatError:
            raise ResponseFormatError(
                "JSON:API body is not valid JSON", provider=provider
            ) from None
        if all(part is UNSET for part in (envelope.data, envelope.errors, envelope.meta)):
            raise ResponseFormatError(
                "JSON:API document has none of data, errors or meta", provider=provider
            )
        del envelope  # its spans refer to the body
        document = cls.__new__(cls)
        document._payload = _PENDING
        document._body = body
        document.provider = provider
        document._raw_index = None
        document._wrapped = {}
        document._primary_keys = []
        return document

    @property
    def payload(self) -> Any:
        """The document as decoded JSON (dicts and lists)."""
        payload = self._payload
        if payload is _PENDING:
            body, self._body = self._body, None
            assert body is not None
            self._payload = payload = _loads(body, self.provider)
        elif callable(payload) and not isinstance(payload, Mapping):
            self._payload = payload = payload()  # rebuilt from the typed structs (decode_as)
        return payload

    def decode_as(self, kind: type[T], rebuild: Callable[[T], Any]) -> T | None:
        """The body decoded straight into ``kind`` (a provider's typed page), then dropped.

        ``None`` when there is no body to decode (the document was made from
        dicts, or its payload was already asked for) or when the answer has
        something ``kind`` does not declare (:class:`paysupport.decode.Undeclared`):
        then read :attr:`payload` as usual. A value of the wrong type raises
        :class:`paysupport.decode.ResponseFieldError` naming it. Afterwards
        :attr:`payload` is rebuilt from the structs by ``rebuild`` when asked.
        """
        body = self._body
        if body is None:
            return None
        from paysupport.decode import Undeclared, decode

        try:
            value = decode(body, kind, provider=self.provider)
        except Undeclared:
            return None
        self._body = None
        self._payload = lambda: rebuild(value)
        return value

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
        self._build_index()
        raw_data = self.payload.get("data")
        if raw_data is None:
            return None
        if not isinstance(raw_data, list):
            return self._wrap(raw_data, self._primary_keys[0])
        # The loop of _wrap, inlined: this runs for every member of every page.
        # A primary resource joins the weak cache only when something looks it
        # up by (type, id); pages of members rarely do, and each weak reference costs.
        wrapped = self._wrapped
        resources = []
        for item, key in zip(raw_data, self._primary_keys, strict=True):
            ref = wrapped.get(key)
            resource = ref() if ref is not None else None
            if resource is None or resource.raw is not item:
                resource = JsonApiResource(item, self, key)
            resources.append(resource)
        return resources

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
        found = (self._find(key) for key in index if key not in primary)
        return [r for r in found if r is not None]

    def _build_index(self) -> dict[Key, Mapping[str, Any]]:
        if self._raw_index is not None:
            return self._raw_index
        provider = self.provider
        raw_index: dict[Key, Mapping[str, Any]] = {}
        raw_data = self.payload.get("data")
        included = self.payload.get("included")
        if included is None:
            included = []
        elif not isinstance(included, list):
            raise ResponseFormatError("JSON:API included is not a list", provider=provider)
        primary_keys = self._primary_keys
        if raw_data is None:
            pass
        elif isinstance(raw_data, list):
            for item in raw_data:
                key = _key(item, provider)
                raw_index[key] = item
                primary_keys.append(key)
        elif isinstance(raw_data, Mapping):
            key = _key(raw_data, provider)
            raw_index[key] = raw_data
            primary_keys.append(key)
        else:
            raise ResponseFormatError("JSON:API data has an invalid shape", provider=provider)
        for item in included:
            key = _key(item, provider)
            if key not in raw_index:
                raw_index[key] = item
        self._raw_index = raw_index
        return raw_index

    def _wrap(self, raw: Mapping[str, Any], key: Key) -> JsonApiResource:
        """The wrapper of a primary resource (the same object while anyone holds it)."""
        ref = self._wrapped.get(key)
        resource = ref() if ref is not None else None
        if resource is None or resource.raw is not raw:
            resource = JsonApiResource(raw, self, key)
            if self._raw_index is not None and self._raw_index.get(key) is raw:
                self._wrapped[key] = weakref.ref(resource)
        return resource

    def _find(self, key: Key) -> JsonApiResource | None:
        ref = self._wrapped.get(key)
        resource = ref() if ref is not None else None
        if resource is None:
            raw = self._build_index().get(key)
            if raw is None:
                return None
            resource = JsonApiResource(raw, self, key)
            self._wrapped[key] = weakref.ref(resource)
        return resource

    def find_resource_by_type_and_id(self, type: str, id: str | int) -> JsonApiResource | None:
        return self._find((type, str(id)))

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
