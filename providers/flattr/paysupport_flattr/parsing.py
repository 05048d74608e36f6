"""Read Flattr's JSON defensively: a missing block or a wrong type is a library error.

Every model is built through :class:`Reader`, so a body that is not what the
documentation shows (an unexpected list, a field of the wrong type, an object
missing its ``id``) raises :class:`~paysupport.ResponseFormatError` naming the
object and the field, never ``KeyError`` or ``TypeError``. Fields the
documentation does not list are kept in the object's raw attributes and
otherwise ignored, so additions on Flattr's side break nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

from paysupport.errors import ResponseFormatError

from .errors import PROVIDER


class Reader:
    """Typed access to one JSON object of a response; ``what`` names it in errors."""

    __slots__ = ("data", "what")

    def __init__(self, data: Any, what: str) -> None:
        if not isinstance(data, Mapping):
            fail(f"{what}: expected a JSON object, got {type(data).__name__}")
        self.data: Mapping[str, Any] = data
        self.what = what

    def _missing(self, key: str) -> NoReturn:
        fail(f"{self.what}: the field {key!r} is missing")

    def _wrong(self, key: str, expected: str) -> NoReturn:
        actual = type(self.data[key]).__name__
        fail(f"{self.what}: the field {key!r} should be {expected}, got {actual}")

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(self, key: str) -> str:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if not isinstance(value, str):
            self._wrong(key, "a string")
        return value

    def opt_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def integer(self, key: str) -> int:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if isinstance(value, bool):
            self._wrong(key, "an integer")
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value)
        self._wrong(key, "an integer")

    def opt_integer(self, key: str) -> int | None:
        return self.integer(key) if self.has(key) else None

    def flag(self, key: str, default: bool | None = None) -> bool | None:
        """Booleans, also as 0/1 (the documentation shows ``"hidden": 0`` once)."""
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self._wrong(key, "a boolean")

    def texts(self, key: str) -> tuple[str, ...]:
        if not self.has(key):
            return ()
        value = self.data[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self._wrong(key, "a list of strings")
        return tuple(value)

    def obj(self, key: str) -> Reader:
        if key not in self.data:
            self._missing(key)
        return Reader(self.data[key], f"{self.what}.{key}")

    def opt_obj(self, key: str) -> Reader | None:
        return self.obj(key) if self.has(key) else None

    def items(self, key: str) -> list[Any]:
        if key not in self.data:
            self._missing(key)
        value = self.data[key]
        if not isinstance(value, list):
            self._wrong(key, "a list")
        return value


def as_list(body: Any, what: str) -> list[Any]:
    """A top-level JSON array (the list routes answer with bare arrays)."""
    if not isinstance(body, list):
        fail(f"{what}: expected a JSON array, got {type(body).__name__}")
    return body


def fail(message: str) -> NoReturn:
    raise ResponseFormatError(message, provider=PROVIDER)
