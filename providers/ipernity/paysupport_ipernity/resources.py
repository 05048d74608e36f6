"""Typed views of Ipernity records: documents, albums and members.

Ipernity's JSON mirrors its XML, so attribute values arrive as strings (``"doc_id":
"100001"``) and nested elements as objects. These classes keep the record untouched in
``attributes`` and ``raw`` (the record only: the answer's ``api`` status block is in the
whole answer, ``call()``'s result or a walk page's ``raw``) and read the common fields
from it. ``to_dict()`` is the flat record every provider's resources offer; ``to_row()``
is the same with Ipernity's id name (``doc_id``) for ``paysupport walk ipernity docs
--format csv``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysupport.errors import ResponseFormatError
from paysupport.resource import Resource
from paysupport_ipernity.errors import PROVIDER

__all__ = ["Album", "Doc", "Member"]


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


class Doc(Resource):
    """A document (photo, video, audio or other file)."""

    __slots__ = ()

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Doc:
        return cls("doc", _id(record, "doc_id", "document"), record)

    @property
    def title(self) -> str:
        return str(self.attribute("title", ""))

    @property
    def media(self) -> str | None:
        value = self.attribute("media")
        return None if value is None else str(value)

    @property
    def owner_id(self) -> str | None:
        value = _nested(self.attributes, "owner", "user_id")
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
        value = _nested(self.attributes, "thumb", "url")
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
            "posted_at": _nested(self.attributes, "dates", "posted_at"),
            "link": self.link,
            "thumb_url": self.thumb_url,
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
