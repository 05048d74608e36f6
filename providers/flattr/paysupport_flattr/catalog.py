"""What Flattr's API allows: scopes, a thing's writable fields and their checks, search sorts.

Everything here is checked before anything is sent (resources/things.md): the
checks are pure functions that return the normalised value or raise
:class:`~paysupport_flattr.errors.ValidationFailed` naming the field, so the
rules can be tested without a server. The languages and categories a thing may
use come from ``GET /languages`` and ``GET /categories``: :class:`Vocabulary`
fetches them once per client (through callables the client gives it) and
caches them, so validating a thing's fields does not cost a request per field.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from paysupport._args import several

from .errors import ValidationFailed

__all__ = [
    "ACTIVITY_TYPES",
    "SCOPES",
    "SORTS",
    "WRITABLE",
    "Choice",
    "Vocabulary",
    "check_choice",
    "check_hidden",
    "check_tags",
    "check_text",
    "check_url",
    "refusal",
]

#: api.md, "Scopes".
SCOPES = ("flattr", "thing", "email", "extendedread")

#: Fields a thing's owner may change (``PATCH /things/:id``), in the documented order.
WRITABLE = ("title", "description", "category", "language", "tags", "hidden")

#: resources/things.md, "Search things": the accepted ``sort`` values.
SORTS = ("relevance", "trend", "flattrs", "flattrs_month", "flattrs_week", "flattrs_day")

#: resources/activities.md: what a user did (``outgoing``) or received (``incoming``).
ACTIVITY_TYPES = ("outgoing", "incoming")


# -- checks of writable fields ---------------------------------------------------------


def refusal(field: str) -> Callable[[str], ValidationFailed]:
    """How :func:`paysupport._args.several` refuses a string given for ``field``."""
    return lambda message: ValidationFailed(message, field=field)


def check_url(value: Any, field: str = "url") -> str:
    """An absolute http(s) URL with a host; surrounding whitespace is dropped."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", field=field)
    url = value.strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        host = None
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not host:
        raise ValidationFailed(f"{field} must be an http(s) URL, not {value!r}", field=field)
    if any(c.isspace() for c in url):
        raise ValidationFailed(f"{field} must not contain whitespace", field=field)
    return url


def check_text(value: Any, field: str) -> str:
    """Title and description: any string."""
    if not isinstance(value, str):
        raise ValidationFailed(f"{field} must be a string", field=field)
    return value


def check_tags(value: Any) -> tuple[str, ...]:
    """A list (or any iterable but a string) of tags: non-empty strings without commas, trimmed.

    Flattr sends tags as one comma-separated string, so a comma inside a tag
    would silently split it; a bare string is refused rather than split into
    one-letter tags (write ``tags=["python"]``).
    """
    if value is None:
        raise ValidationFailed("tags must be a list of strings", field="tags")
    tags: list[str] = []
    for tag in several(value, "tags", error=refusal("tags")):
        if not isinstance(tag, str):
            raise ValidationFailed("tags must be a list of strings", field="tags")
        cleaned = tag.strip()
        if not cleaned:
            raise ValidationFailed("a tag must not be empty", field="tags")
        if "," in cleaned:
            raise ValidationFailed(f"a tag must not contain a comma: {tag!r}", field="tags")
        tags.append(cleaned)
    return tuple(tags)


def check_hidden(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationFailed("hidden must be True or False", field="hidden")
    return value


def check_choice(value: Any, known: Collection[str], field: str) -> str:
    """A language or category id from Flattr's published list."""
    if not isinstance(value, str) or value not in known:
        choices = ", ".join(sorted(known))
        raise ValidationFailed(f"{field} must be one of {choices}, not {value!r}", field=field)
    return value


# -- languages and categories ----------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """One language (``en_GB``, "English") or category (``text``, "Text")."""

    id: str
    text: str


class Vocabulary:
    """Cached language and category lists; ``fixed()`` builds one without a server.

    The lists are fetched on first use (thread-safe) and kept for the client's
    lifetime: ``GET /languages`` and ``GET /categories`` rarely change.
    """

    def __init__(
        self,
        fetch_languages: Callable[[], tuple[Choice, ...]],
        fetch_categories: Callable[[], tuple[Choice, ...]],
    ) -> None:
        self._fetch = {"language": fetch_languages, "category": fetch_categories}
        self._cache: dict[str, tuple[Choice, ...]] = {}
        self._lock = threading.Lock()

    @classmethod
    def fixed(cls, languages: Iterable[str], categories: Iterable[str]) -> Vocabulary:
        langs = tuple(Choice(x, x) for x in languages)
        cats = tuple(Choice(x, x) for x in categories)
        return cls(lambda: langs, lambda: cats)

    def _get(self, kind: str) -> tuple[Choice, ...]:
        with self._lock:
            if kind not in self._cache:
                self._cache[kind] = self._fetch[kind]()
            return self._cache[kind]

    def languages(self) -> tuple[Choice, ...]:
        return self._get("language")

    def categories(self) -> tuple[Choice, ...]:
        return self._get("category")

    def check_language(self, value: Any) -> str:
        return check_choice(value, {c.id for c in self.languages()}, "language")

    def check_category(self, value: Any) -> str:
        return check_choice(value, {c.id for c in self.categories()}, "category")
