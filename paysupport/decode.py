"""Typed decoding of answers straight from their bytes: cached decoders, errors that name the field.

Providers declare what a walk returns as msgspec ``Struct`` types and decode a
page's bytes into them in one pass, without building the dicts ``json.loads``
would and without wrapping them afterwards: the structs are the typed views.
:func:`decode` keeps one decoder per type (building one costs more than
decoding a small page) and turns msgspec's errors into the library's: a body
that is not JSON is a :class:`~paysupport.errors.ResponseFormatError`, a value
of the wrong type a :class:`ResponseFieldError` whose ``path`` names the field
(``$.data[3].attributes.patron_status``).

A declared type may be stricter than the API's promise (``forbid_unknown_fields``
and tagged unions, so that a record rebuilt from a struct is exactly what was
sent): an answer with a field or a resource type the declaration does not know is
a :class:`Undeclared`, and the caller reads it with its generic reader instead.

JSON:API's shared pieces (:class:`Linkage`, :class:`ToOne`, :class:`ToMany`,
:class:`Envelope`) are here too, for every provider that speaks it.
"""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar, cast

import msgspec
from msgspec import UNSET, Raw, Struct, UnsetType

from paysupport.errors import ResponseFormatError

T = TypeVar("T")

__all__ = [
    "UNSET",
    "Envelope",
    "Linkage",
    "ResponseFieldError",
    "ToMany",
    "ToOne",
    "Undeclared",
    "UnsetType",
    "any_decoder",
    "decode",
    "decoder",
    "read_as",
    "unset_to_none",
]

_AT = re.compile(r"^(?P<what>.*?)(?: - at `(?P<path>\$[^`]*)`)?$", re.DOTALL)


class ResponseFieldError(ResponseFormatError):
    """A value of the answer is not what the API documents; ``path`` names it (``$.data[3].id``)."""

    def __init__(self, message: str, *, provider: str | None = None, path: str = "$") -> None:
        self.path = path
        super().__init__(message, provider=provider)


class Undeclared(ResponseFieldError):
    """The answer has a field or a resource type the declared struct does not know.

    Not wrong, only unforeseen (an API adds fields): callers read such an answer
    with their generic reader, so nothing it sent is lost.
    """


@functools.cache
def decoder(kind: Any) -> msgspec.json.Decoder[Any]:
    """The one decoder of ``kind`` (a type, a union, ``list[...]``); built on first use."""
    return msgspec.json.Decoder(kind)


@functools.cache
def any_decoder() -> msgspec.json.Decoder[Any]:
    """A decoder into plain dicts and lists, as ``json.loads`` gives them (faster)."""
    return msgspec.json.Decoder()


def decode(body: bytes | bytearray | memoryview | str, kind: type[T], *, provider: str | None) -> T:
    """``body`` decoded into ``kind``; raises :class:`ResponseFieldError` naming the bad field.

    :class:`Undeclared` (a subclass) when the answer is well formed but has a
    field or type ``kind`` does not declare; :class:`ResponseFormatError` when the
    body is not JSON at all.
    """
    try:
        value: T = decoder(cast(Any, kind)).decode(body)
    except msgspec.ValidationError as exc:
        raise field_error(exc, provider) from None
    except msgspec.DecodeError:
        raise ResponseFormatError("the answer is not valid JSON", provider=provider) from None
    return value


def read_as(value: Any, kind: type[T], *, provider: str | None) -> T:
    """``value`` as ``kind``: decoded from bytes (:func:`decode`), or converted from JSON values.

    A transport that already decoded the answer (``json.loads``'s dicts and lists)
    still gets the declared structs, strictly (no string read as a number), and the
    same errors: :class:`ResponseFieldError` naming the field, :class:`Undeclared` for
    a field the declaration does not know. Bytes skip the dicts altogether.
    """
    if isinstance(value, (bytes, bytearray, memoryview)):
        return decode(value, kind, provider=provider)
    try:
        converted: T = msgspec.convert(value, cast(Any, kind), strict=True)
    except msgspec.ValidationError as exc:
        raise field_error(exc, provider) from None
    return converted


def field_error(exc: msgspec.ValidationError, provider: str | None) -> ResponseFieldError:
    """msgspec's ``Expected `str`, got `int` - at `$.data[3].id``` as the library's error."""
    found = _AT.match(str(exc))
    what = found.group("what") if found else str(exc)
    path = (found.group("path") if found else None) or "$"
    undeclared = what.startswith("Object contains unknown field") or (
        what.startswith("Invalid value") and path.endswith(".type")
    )
    kind = Undeclared if undeclared else ResponseFieldError
    return kind(f"{path}: {what[:1].lower()}{what[1:]}", provider=provider, path=path)


def unset_to_none(value: Any) -> Any:
    """``None`` for a field the answer did not send (``UNSET``), else the value."""
    return None if value is UNSET else value


# -- JSON:API's shared pieces -----------------------------------------------------------


class Linkage(Struct, frozen=True, gc=False, forbid_unknown_fields=True):
    """A resource identifier: ``{"type", "id"}`` (and ``meta``) in a relationship's ``data``."""

    type: str
    id: str
    meta: Any = UNSET

    @property
    def key(self) -> tuple[str, str]:
        return self.type, self.id


class ToOne(Struct, gc=False, forbid_unknown_fields=True):
    """A to-one relationship object: ``data`` is one identifier or ``null``."""

    data: Linkage | UnsetType | None = UNSET
    links: Any = UNSET
    meta: Any = UNSET


class ToMany(Struct, gc=False, forbid_unknown_fields=True):
    """A to-many relationship object: ``data`` is a list of identifiers."""

    data: list[Linkage] | UnsetType = UNSET
    links: Any = UNSET
    meta: Any = UNSET


class Envelope(Struct, gc=False):
    """A JSON:API document's top level, its members kept as undecoded spans of the body.

    Reading it checks that the body is JSON and says which members are there, at
    a small fraction of the cost of decoding it (nothing inside is built).
    """

    data: Raw | UnsetType = UNSET
    included: Raw | UnsetType = UNSET
    errors: Raw | UnsetType = UNSET
    meta: Raw | UnsetType = UNSET
    links: Raw | UnsetType = UNSET
