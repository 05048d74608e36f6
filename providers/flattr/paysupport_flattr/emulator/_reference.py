"""Fixed lists the documentation publishes: scopes, categories, languages.

The languages list in resources/languages.md is marked "shortened"; the
emulator serves exactly the documented entries rather than guessing the rest.
"""

from __future__ import annotations

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

#: The hourly budget shown in api.md, used when settings give none.
DOCUMENTED_RATE_LIMIT = 1000
