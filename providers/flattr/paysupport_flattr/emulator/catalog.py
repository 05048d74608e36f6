"""What Flattr's API allows: scopes, categories, languages, and the checks of thing fields.

The lists are the ones the documentation publishes. The languages list in
resources/languages.md is marked "shortened"; the emulator serves exactly the
documented entries rather than guessing the rest. Thing fields for create and
update are validated as resources/things.md says: failures are ``validation``
errors (400), the code both routes document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import ApiError, validation
from .http import flag

SCOPES: dict[str, str] = {
    "flattr": "Flattr things",
    "thing": "Create, update and delete things",
    "email": "Read the users email address",
    "extendedread": "Read private user attributes and find hidden things",
}

CATEGORIES: tuple[dict[str, str], ...] = (
    {"id": "text", "text": "Text"},
    {"id": "images", "text": "Images"},
    {"id": "video", "text": "Video"},
    {"id": "audio", "text": "Audio"},
    {"id": "software", "text": "Software"},
    {"id": "people", "text": "People"},
    {"id": "rest", "text": "Other"},
)

LANGUAGES: tuple[dict[str, str], ...] = (
    {"id": "en_GB", "text": "English"},
    {"id": "sq_AL", "text": "Albanian"},
    {"id": "ar_DZ", "text": "Arabic"},
    {"id": "be_BY", "text": "Belarusian"},
)

CATEGORY_IDS = frozenset(c["id"] for c in CATEGORIES)
LANGUAGE_IDS = frozenset(lang["id"] for lang in LANGUAGES)

#: Defaults for a new thing (resources/things.md, "Create a thing").
DEFAULT_CATEGORY = "rest"
DEFAULT_LANGUAGE = "en_GB"


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
