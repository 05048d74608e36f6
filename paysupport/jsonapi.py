"""A reader for JSON:API documents (Patreon speaks it) that stays linear.

The older Patreon library found a related resource by scanning every included
resource, for every lookup: quadratic in the page size. Here the document
indexes ``data`` and ``included`` by (type, id) once, on first use, so every
lookup is O(1) and resolving all relationships of a page costs about as much as
parsing it.

What a page costs beyond its decoding is mostly the objects made for it: the
cycle collector runs once per few hundred container objects that stay alive,
and a full collection walks every one of them, the decoded page included. So
the reader makes few: one small wrapper per resource handed out (no dict of
answers per resource, no tuple per key), built without calling
``__init__``, and the index is the decoded dicts, by type then id.

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
    """(type, id) of a resource or an identifier; the slow path, and the one that raises.

    The loops below read plain dicts with string ids themselves and come here
    for anything else: another Mapping, a numeric id, or something malformed.
    """
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


class _Wrapped(weakref.ref["JsonApiResource"]):
    """An index entry whose resource was wrapped: the wrapper, weakly, and the dict it wraps.

    The index holds these in place of the dict, so a lookup is one probe of one
    table, wrapped or not, instead of a second table of weak references beside it.
    """

    __slots__ = ("raw",)

    raw: Mapping[str, Any]


#: Resources by type, then id: two lookups with the strings the payload already
#: holds, where a (type, id) key would be a new tuple per resource and per lookup.
#: A value is the resource's dict, or a :class:`_Wrapped` once it has a wrapper.
Index = dict[str, dict[str, Any]]

_new = object.__new__


class _Keep(list[Any]):
    """Included resources a page looked up again after their wrapper was freed: kept for it.

    A page's primary resources hold this list, the document only weakly: a
    tier that a thousand members link to is wrapped twice at most, not once
    per member, and the page's objects still form no reference cycle (what is
    kept refers to the document, never to this list), so they go by reference
    counting.
    """

    __slots__ = ("__weakref__",)


def _resource(
    raw: Mapping[str, Any], document: JsonApiDocument, rtype: str, rid: str, keep: _Keep | None
) -> JsonApiResource:
    """A :class:`JsonApiResource` of a checked (type, id), built without ``__init__``.

    This runs for every resource a page hands out; filling the slots here costs
    a fraction of a call to the constructor, which checks the identifier again.
    """
    attributes = raw.get("attributes")
    if attributes is None:
        attributes = {}
    elif type(attributes) is not dict and not isinstance(attributes, Mapping):
        raise ResponseFormatError(
            f"attributes of {rtype}:{rid} are not an object", provider=document.provider
        )
    resource: JsonApiResource = _new(JsonApiResource)
    resource.type = rtype
    resource.id = rid
    resource.attributes = attributes
    resource.raw = raw
    resource._document = document
    resource._keep = keep
    return resource


class JsonApiResource(Resource):
    """A resource object inside a :class:`JsonApiDocument`, able to follow its relationships."""

    __slots__ = ("__weakref__", "_document", "_keep")  # ``raw`` is the base's slot

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
        self._keep: _Keep | None = None

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

        The same object for as long as anyone holds it (the document keeps its
        wrappers weakly); a resource that several of a page's resources link to
        (a tier of many members) is kept while the page is, one object for all.
        """
        rels = self.raw.get("relationships")
        rel = rels.get(name) if type(rels) is dict or isinstance(rels, Mapping) else None
        linkage = rel.get("data") if type(rel) is dict or isinstance(rel, Mapping) else None
        if linkage is None:
            return None
        document = self._document
        if type(linkage) is dict:
            rtype, rid = linkage.get("type"), linkage.get("id")
            if type(rtype) is str and type(rid) is str:
                return document._find(rtype, rid)
        elif isinstance(linkage, list):
            found = []
            for item in linkage:
                if type(item) is dict:
                    rtype, rid = item.get("type"), item.get("id")
                    if type(rtype) is not str or type(rid) is not str:
                        rtype, rid = _key(item, document.provider, name)
                else:
                    rtype, rid = _key(item, document.provider, name)
                resource = document._find(rtype, rid)
                if resource is not None:
                    found.append(resource)
            return found
        rtype, rid = _key(linkage, document.provider, name)  # a number id, or malformed
        return document._find(rtype, rid)

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

    Resources are indexed as they came from the decoder and wrapped when first
    asked for, so a page costs little more than its parsing. The document keeps
    its wrappers only weakly: a resource refers to its document (to follow
    relationships), and a strong reference back would make every page a
    reference cycle, freed only by the cycle collector, so a long walk would
    hold many pages at once.
    """

    def __init__(self, payload: Any, *, provider: str | None = None) -> None:
        if type(payload) is not dict and not isinstance(payload, Mapping):
            raise ResponseFormatError("JSON:API document is not an object", provider=provider)
        if "data" not in payload and "errors" not in payload and "meta" not in payload:
            raise ResponseFormatError(
                "JSON:API document has none of data, errors or meta", provider=provider
            )
        self._start(payload, None, provider)

    def _start(self, payload: Any, body: bytes | None, provider: str | None) -> None:
        self._payload: Any = payload
        self._body: bytes | None = body
        self.provider = provider
        self._index: Index | None = None
        #: Included resources of the primary types, until something looks such a type up.
        self._unmerged: Index = {}
        self._kept: weakref.ref[_Keep] | None = None

    def _keeper(self) -> _Keep:
        """The list the primary resources of a page hold; a new one once they are all gone."""
        keep = self._kept() if self._kept is not None else None
        if keep is None:
            keep = _Keep()
            self._kept = weakref.ref(keep)
        return keep

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
        document._start(_PENDING, body, provider)
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
        raw_data = self.payload.get("data")
        if self._index is None and isinstance(raw_data, list):
            # The first read of a page: its resources are wrapped in the pass that checks them.
            resources: list[JsonApiResource] = []
            self._build_index(resources)
            return resources
        self._build_index()
        if raw_data is None:
            return None
        if not isinstance(raw_data, list):
            rtype, rid = _key(raw_data, self.provider)
            return self._primary(raw_data, rtype, rid, None)
        keep = self._keeper()
        return [self._primary(item, *_key(item, self.provider), keep) for item in raw_data]

    def data_list(self) -> list[JsonApiResource]:
        """The primary data as a list, whatever its shape."""
        data = self.data()
        if data is None:
            return []
        return data if isinstance(data, list) else [data]

    @property
    def included(self) -> list[JsonApiResource]:
        self._build_index()
        primary = {(r.type, r.id) for r in self.data_list()}
        found = []
        for item in self.payload.get("included") or ():
            key = _key(item, self.provider)
            if key not in primary:
                primary.add(key)  # each (type, id) once: the first, as indexed
                resource = self._find(*key)
                if resource is not None:
                    found.append(resource)
        return found

    def _build_index(self, resources: list[JsonApiResource] | None = None) -> Index:
        """Check every resource's identifier and index ``included``, once, on first use.

        Primary resources are checked here (and wrapped into ``resources`` when
        :meth:`data` asks: one pass over the page) but indexed only when something
        looks up their type (:meth:`_of_type`): resolving a page's relationships
        looks up the included types, never the members'. A primary resource wins
        over an included one of the same (type, id); among primary ones the last
        wins, among included ones the first.
        """
        index = self._index
        if index is not None:
            return index
        provider = self.provider
        payload = self.payload
        raw_data = payload.get("data")
        included = payload.get("included")
        if included is None:
            included = ()
        elif not isinstance(included, list):
            raise ResponseFormatError("JSON:API included is not a list", provider=provider)
        primary: Any
        if raw_data is None:
            primary = ()
        elif isinstance(raw_data, list):
            primary = raw_data
        elif isinstance(raw_data, Mapping):
            primary = (raw_data,)
        else:
            raise ResponseFormatError("JSON:API data has an invalid shape", provider=provider)
        primary_types: set[str] = set()
        last_type = None
        keep = self._keeper() if resources is not None else None
        unwrappable: Key | None = None  # raised once the whole page is checked, as before
        for item in primary:
            if type(item) is dict:
                rtype, rid = item.get("type"), item.get("id")
                if type(rtype) is not str or type(rid) is not str:
                    rtype, rid = _key(item, provider)
            else:
                rtype, rid = _key(item, provider)
            if rtype != last_type:
                primary_types.add(rtype)
                last_type = rtype
            if resources is None or unwrappable is not None:
                continue
            # _resource, inlined: this runs for every member of every page.
            attributes = item.get("attributes")
            if attributes is None:
                attributes = {}
            elif type(attributes) is not dict and not isinstance(attributes, Mapping):
                unwrappable = rtype, rid
                continue
            resource: JsonApiResource = _new(JsonApiResource)
            resource.type = rtype
            resource.id = rid
            resource.attributes = attributes
            resource.raw = item
            resource._document = self
            resource._keep = keep
            resources.append(resource)
        index = {}
        for item in included:
            if type(item) is dict:
                rtype, rid = item.get("type"), item.get("id")
                if type(rtype) is not str or type(rid) is not str:
                    rtype, rid = _key(item, provider)
            else:
                rtype, rid = _key(item, provider)
            of_type = index.get(rtype)
            if of_type is None:
                index[rtype] = of_type = {}
            if rid not in of_type:
                of_type[rid] = item
        self._unmerged = {rtype: index.pop(rtype, {}) for rtype in primary_types}
        self._index = index
        if unwrappable is not None:
            rtype, rid = unwrappable
            raise ResponseFormatError(
                f"attributes of {rtype}:{rid} are not an object", provider=provider
            )
        return index

    def _of_type(self, rtype: str) -> dict[str, Any] | None:
        """The index of one type; the primary resources join it here, when first asked."""
        index = self._index
        if index is None:
            index = self._build_index()
        of_type = index.get(rtype)
        if of_type is not None:
            return of_type
        pending = self._unmerged.get(rtype)
        if pending is None:
            return None
        of_type = dict(pending)  # a copy: another thread may be merging the same type
        raw_data = self.payload.get("data")
        for item in raw_data if isinstance(raw_data, list) else (raw_data,):
            key = _key(item, self.provider)  # checked already: this cannot raise
            if key[0] == rtype:
                of_type[key[1]] = item
        of_type = index.setdefault(rtype, of_type)
        self._unmerged.pop(rtype, None)
        return of_type

    def _primary(
        self, raw: Mapping[str, Any], rtype: str, rid: str, keep: _Keep | None
    ) -> JsonApiResource:
        """The wrapper of a primary resource: the one alive, if any, else a new one.

        One resource of ``data`` (``keep`` is ``None``) joins the index, so that a
        lookup finds it; a page's do not: pages of members are rarely looked up
        by (type, id), and each weak reference costs.
        """
        if keep is not None and rtype in self._unmerged:
            return _resource(raw, self, rtype, rid, keep)  # nothing of the type was wrapped
        of_type = self._of_type(rtype)
        entry = of_type.get(rid) if of_type is not None else None
        if type(entry) is _Wrapped:
            alive: JsonApiResource | None = entry()
            if alive is not None and alive.raw is raw:
                return alive
            entry = entry.raw
        resource = _resource(raw, self, rtype, rid, keep)
        if keep is None and entry is raw and of_type is not None:
            wrapped = _Wrapped(resource)
            wrapped.raw = raw
            of_type[rid] = wrapped
        return resource

    def _find(self, rtype: str, rid: str) -> JsonApiResource | None:
        index = self._index
        of_type = index.get(rtype) if index is not None else None
        if of_type is None:
            of_type = self._of_type(rtype)
            if of_type is None:
                return None
        entry = of_type.get(rid)
        if entry is None:
            return None
        if type(entry) is not _Wrapped:
            resource = _resource(entry, self, rtype, rid, None)
            wrapped = _Wrapped(resource)
            wrapped.raw = entry
            of_type[rid] = wrapped
            return resource
        found: JsonApiResource | None = entry()
        if found is not None:
            return found
        # Wrapped before and freed since: shared, so kept for the page from now on.
        resource = _resource(entry.raw, self, rtype, rid, None)
        wrapped = _Wrapped(resource)
        wrapped.raw = entry.raw
        of_type[rid] = wrapped
        keep = self._kept() if self._kept is not None else None
        if keep is not None:
            keep.append(resource)
        return resource

    def find_resource_by_type_and_id(self, type: str, id: str | int) -> JsonApiResource | None:
        return self._find(type, str(id))

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
