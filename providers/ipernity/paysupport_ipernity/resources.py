"""Typed views of Ipernity records: documents, albums and members.

Ipernity's JSON mirrors its XML, so attribute values arrive as strings (``"doc_id":
"100001"``) and nested elements as objects. Every view keeps the record as sent in ``raw``
(the record only: the answer's ``api`` status block is in the whole answer, ``call()``'s
result or a walk page's ``raw``) and reads the common fields from it. ``to_dict()`` is the
flat record every provider's resources offer; ``to_row()`` is the same with Ipernity's id
name (``doc_id``) for ``paysupport walk ipernity docs --format csv``.

A :class:`Doc` is a msgspec ``Struct`` that a walk decodes straight from the page's bytes
(:data:`DOC_ANSWERS`, the list answers declared per method): no dicts, no wrapper. Its
fields are the record's, named as sent (``_title`` is ``"title"``), private because the
properties are the typed face (``license`` is the number, ``title`` is ``""`` when none
was sent). The declaration holds what the method catalogue shows for documents in lists
(with every ``extra``), numbers as numbers or strings, as Ipernity's XML heritage sends
them, and nothing else, so a record rebuilt from a struct is exactly what was sent. An
answer with anything else is read by the dict reader instead (:meth:`Doc.from_record`,
which keeps the record whole); :class:`Album` and :class:`Member` are always read so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec
from msgspec import UNSET, Struct, UnsetType, field

from paysupport.errors import ResponseFormatError
from paysupport.resource import Resource
from paysupport_ipernity.errors import PROVIDER

__all__ = [
    "DOC_ANSWERS",
    "Album",
    "AlbumDocsAnswer",
    "Doc",
    "DocList",
    "DocsAnswer",
    "Member",
    "docs_of",
]

#: An attribute value: text, as Ipernity sends it.
_Text = str | UnsetType
#: A numeric attribute: a string in Ipernity's JSON (the XML heritage), a number in places.
_Num = str | int | UnsetType
#: A child element the views do not read: kept exactly as sent.
_Child = dict[str, Any] | UnsetType


def _nested(record: Mapping[str, Any], *path: str) -> Any:
    value: Any = record
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _row(id_name: str, record: dict[str, Any]) -> dict[str, Any]:
    """``record`` (a ``to_dict()``) with its ``id`` under Ipernity's name, for the CLI."""
    rest = dict(record)
    return {id_name: rest.pop("id"), **rest}


def _id(record: Mapping[str, Any], key: str, kind: str) -> str:
    value = record.get(key)
    if value in (None, ""):
        raise ResponseFormatError(f"a {kind} record has no {key}", provider=PROVIDER)
    return str(value)


def _sent_as(name: str) -> str:
    """A record field's name in the answer: ``_title`` is ``title``."""
    return name[1:]


class _Element(
    Struct, rename=_sent_as, kw_only=True, gc=False, omit_defaults=True, forbid_unknown_fields=True
):
    """A child element of a record, declared: its attributes, named as sent."""


class DocOwner(_Element):
    """A document's ``owner``: ``user_id``, and the names with ``extra=owner``."""

    _user_id: _Num = UNSET
    _username: _Text = UNSET
    _realname: _Text = UNSET


class DocThumb(_Element):
    """A document's ``thumb`` in a list (the size ``thumbsize`` asked for)."""

    _label: _Text = UNSET
    _ext: _Text = UNSET
    _w: _Num = UNSET
    _h: _Num = UNSET
    _url: _Text = UNSET


class DocDates(_Element):
    """A document's ``dates`` (``extra=dates``), unix times as strings."""

    _posted_at: _Num = UNSET
    _replaced_at: _Num = UNSET
    _created: _Text = UNSET
    _modified_at: _Num = UNSET
    _comment_at: _Num = UNSET


def _value(value: Any) -> Any:
    """A field's value as the dict reader gives it: ``None`` when not sent, elements as dicts."""
    if value is UNSET:
        return None
    if isinstance(value, Struct):
        return msgspec.to_builtins(value)
    return value


class Doc(_Element):
    """A document (photo, video, audio or other file).

    Decoded from a page (the fields are set, ``_record`` is ``None``), or made by
    :meth:`from_record` from a record the declaration does not cover (``_record`` is that
    record and the properties read it). Either way the same properties, ``raw`` and
    ``to_dict()``; two views of one document are equal.
    """

    _doc_id: str | int
    _media: _Text = UNSET
    _license: _Num = UNSET
    _title: _Text = UNSET
    _safety: _Num = UNSET
    _owner: DocOwner | UnsetType = UNSET
    _thumb: DocThumb | UnsetType = UNSET
    _dates: DocDates | UnsetType = UNSET
    _count: _Child = UNSET
    _geo: _Child = UNSET
    _medias: Any = UNSET
    _original: _Child = UNSET
    _md5: _Text = UNSET
    _link: _Text = UNSET
    _isfamily: _Num = UNSET
    _isfriend: _Num = UNSET
    _iscontact: _Num = UNSET
    #: The record as sent when it was read by the dict reader; never part of the JSON.
    _record: Any = field(default=None, name="paysupport:record")

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Doc:
        """A view of a record as decoded JSON (``ResponseFormatError`` without ``doc_id``)."""
        return cls(_doc_id=_id(record, "doc_id", "document"), _record=record)

    @property
    def id(self) -> str:
        value = self._doc_id
        return value if type(value) is str else str(value)

    @property
    def type(self) -> str:
        return "doc"

    @property
    def raw(self) -> Mapping[str, Any]:
        """The record as Ipernity sent it (rebuilt from the fields when decoded from a page)."""
        if self._record is not None:
            record: Mapping[str, Any] = self._record
            return record
        built: dict[str, Any] = msgspec.to_builtins(self)
        return built

    @property
    def attributes(self) -> Mapping[str, Any]:
        """The record's attributes and child elements: the record itself (``raw``)."""
        return self.raw

    def attribute(self, name: str, default: Any = None) -> Any:
        """One attribute or child element as sent, or ``default`` when it was not sent."""
        if self._record is not None:
            return self._record.get(name, default)
        if name not in _DOC_FIELDS:
            return default
        value = _value(getattr(self, "_" + name))
        return default if value is None else value

    def _child(self, element: str, name: str) -> Any:
        """Attribute ``name`` of child ``element`` (``owner``, ``thumb``, ``dates``) or ``None``."""
        if self._record is not None:
            return _nested(self._record, element, name)
        child = getattr(self, "_" + element)
        if child is UNSET:
            return None
        return _value(getattr(child, "_" + name))

    @property
    def title(self) -> str:
        if self._record is not None:
            return str(self._record.get("title", ""))
        return "" if self._title is UNSET else self._title

    @property
    def media(self) -> str | None:
        value = self.attribute("media")
        return None if value is None else str(value)

    @property
    def owner_id(self) -> str | None:
        value = self._child("owner", "user_id")
        return None if value is None else str(value)

    @property
    def license(self) -> int | None:
        return _int(self.attribute("license"))

    @property
    def link(self) -> str | None:
        value = self.attribute("link")
        return None if value is None else str(value)

    @property
    def thumb_url(self) -> str | None:
        value = self._child("thumb", "url")
        return None if value is None else str(value)

    def to_row(self) -> dict[str, Any]:
        return _row("doc_id", self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "media": self.media,
            "license": self.license,
            "owner_id": self.owner_id,
            "posted_at": self._child("dates", "posted_at"),
            "link": self.link,
            "thumb_url": self.thumb_url,
        }

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Doc):
            return NotImplemented
        return self is other or self.id == other.id

    def __hash__(self) -> int:
        return hash(("doc", self.id))

    def __repr__(self) -> str:
        return f"<Doc doc:{self.id}>"


_DOC_FIELDS = frozenset(_sent_as(name) for name in Doc.__struct_fields__) - {"record"}


# -- list answers, decoded at once -------------------------------------------------------


class DocList(_Element):
    """A list of documents and its pagination (``docs``); numbers as numbers or strings.

    ``doc`` is a list, or one bare object for a list of one (the XML heritage).
    """

    _total: _Num = UNSET
    _page: _Num = UNSET
    _pages: _Num = UNSET
    _per_page: _Num = UNSET
    _perpage: _Num = UNSET
    _count: _Num = UNSET
    _thumbsize: _Text = UNSET
    _doc: list[Doc] | Doc | UnsetType | None = UNSET

    @property
    def items(self) -> list[Doc]:
        found = self._doc
        if isinstance(found, list):
            return found
        return [] if found is None or found is UNSET else [found]

    @property
    def pagination(self) -> dict[str, Any]:
        """The pagination fields that were sent, by name, as sent."""
        fields = (
            ("total", self._total),
            ("page", self._page),
            ("pages", self._pages),
            ("per_page", self._per_page),
            ("perpage", self._perpage),
        )
        return {name: value for name, value in fields if value is not UNSET}


class DocsAnswer(Struct, kw_only=True, gc=False, omit_defaults=True, forbid_unknown_fields=True):
    """``doc.getList``, ``doc.search``, ``faves.docs.getList``: ``{"api": ..., "docs": ...}``."""

    api: dict[str, Any] | UnsetType = UNSET
    docs: DocList | UnsetType = UNSET


class AlbumDocs(_Element):
    """``album.docs.getList``'s ``album``: its id, its documents and its cover."""

    _album_id: _Num = UNSET
    _docs: DocList | UnsetType = UNSET
    _cover: _Child = UNSET


class AlbumDocsAnswer(
    Struct, kw_only=True, gc=False, omit_defaults=True, forbid_unknown_fields=True
):
    """``album.docs.getList``: ``{"api": ..., "album": {"album_id": ..., "docs": ...}}``."""

    api: dict[str, Any] | UnsetType = UNSET
    album: AlbumDocs | UnsetType = UNSET


def docs_of(answer: DocsAnswer | AlbumDocsAnswer) -> DocList | None:
    """The list in a decoded answer, ``None`` when the answer has none."""
    if isinstance(answer, AlbumDocsAnswer):
        found = UNSET if answer.album is UNSET else answer.album._docs
    else:
        found = answer.docs
    return None if found is UNSET else found


#: The declared answer of each list method whose items are documents, by element path.
DOC_ANSWERS: dict[tuple[str, ...], type[DocsAnswer] | type[AlbumDocsAnswer]] = {
    ("docs", "doc"): DocsAnswer,
    ("album", "docs", "doc"): AlbumDocsAnswer,
}


class Album(Resource):
    """An album of documents."""

    __slots__ = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Album:
        return cls("album", _id(record, "album_id", "album"), record)

    @property
    def title(self) -> str:
        return str(self.attribute("title", ""))

    @property
    def doc_count(self) -> int | None:
        return _int(_nested(self.attributes, "count", "docs"))

    @property
    def owner_id(self) -> str | None:
        value = _nested(self.attributes, "owner", "user_id")
        return None if value is None else str(value)

    @property
    def link(self) -> str | None:
        value = self.attribute("link")
        return None if value is None else str(value)

    def to_row(self) -> dict[str, Any]:
        return _row("album_id", self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "docs": self.doc_count,
            "owner_id": self.owner_id,
            "created_at": _nested(self.attributes, "dates", "created_at"),
            "link": self.link,
        }


class Member(Resource):
    """An Ipernity member, as ``user.get`` describes them."""

    __slots__ = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Member:
        return cls("user", _id(record, "user_id", "user"), record)

    @property
    def username(self) -> str | None:
        value = self.attribute("username")
        return None if value is None else str(value)

    @property
    def realname(self) -> str | None:
        value = self.attribute("realname")
        return None if value in (None, "") else str(value)

    @property
    def alias(self) -> str | None:
        value = self.attribute("alias")
        return None if value in (None, "") else str(value)

    @property
    def link(self) -> str | None:
        value = self.attribute("link")
        return None if value is None else str(value)

    @property
    def location(self) -> str | None:
        town = _nested(self.attributes, "location", "town")
        country = _nested(self.attributes, "location", "country")
        parts = [str(p) for p in (town, country) if p]
        return ", ".join(parts) or None

    @property
    def doc_count(self) -> int | None:
        return _int(_nested(self.attributes, "count", "docs"))

    @property
    def is_pro(self) -> bool:
        return str(self.attribute("is_pro", "0")) == "1"

    def to_row(self) -> dict[str, Any]:
        return _row("user_id", self.to_dict())

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "username": self.username,
            "realname": self.realname,
            "location": self.location,
            "docs": self.doc_count,
            "link": self.link,
        }
