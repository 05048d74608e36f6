"""Validate thing fields for create and update (resources/things.md).

Failures are ``validation`` errors (400), the code both routes document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ._errors import ApiError, validation
from ._http import flag
from ._reference import CATEGORY_IDS, DEFAULT_CATEGORY, DEFAULT_LANGUAGE, LANGUAGE_IDS

_TEXT_FIELDS = ("title", "description")


def new_thing(args: dict[str, Any]) -> dict[str, Any]:
    """Fields for ``POST /things``: ``url`` required, documented defaults filled in."""
    url = args.get("url")
    if not isinstance(url, str) or not _is_url(url.strip()):
        raise validation("Invalid url")
    fields = changes(args)
    fields["url"] = url.strip()
    fields.setdefault("category", DEFAULT_CATEGORY)
    fields.setdefault("language", DEFAULT_LANGUAGE)
    return fields


def changes(args: dict[str, Any]) -> dict[str, Any]:
    """The updatable fields present in ``args``, validated; others are ignored."""
    fields: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        if name in args:
            if not isinstance(args[name], str):
                raise validation(f"{name} must be a string")
            fields[name] = args[name]
    if "category" in args:
        if args["category"] not in CATEGORY_IDS:
            raise validation("Invalid category")
        fields["category"] = args["category"]
    if "language" in args:
        if args["language"] not in LANGUAGE_IDS:
            raise validation("Invalid language")
        fields["language"] = args["language"]
    if "tags" in args:
        fields["tags"] = _tags(args["tags"])
    if "hidden" in args:
        try:
            fields["hidden"] = flag(args["hidden"], "hidden")
        except ApiError:
            raise validation("hidden must be a boolean") from None
    return fields


def _tags(value: Any) -> list[str]:
    if isinstance(value, list) and all(isinstance(t, str) for t in value):
        items = value
    elif isinstance(value, str):
        items = value.split(",")
    else:
        raise validation("tags must be a comma separated string")
    return [t.strip() for t in items if t.strip()]


def _is_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
