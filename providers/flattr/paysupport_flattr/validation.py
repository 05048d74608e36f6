"""Checks for a thing's writable fields, run before anything is sent (resources/things.md).

Pure functions: the known languages and categories are passed in (see
:mod:`paysupport_flattr.vocabulary` for where they come from), so the rules
can be tested without a server. Each check returns the normalised value or
raises :class:`~paysupport_flattr.errors.ValidationFailed` naming the field.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any
from urllib.parse import urlsplit

from paysupport._args import several

from .errors import ValidationFailed


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
