"""Recognise and read auto-submit URLs (auto-submit.md, feed.md).

feed.md asks clients to identify them by pattern alone: links to
``flattr.com/submit/auto``. The emulator also accepts its own
``<root>/submit/auto`` so sandbox feeds can point at the sandbox.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .catalog import CATEGORY_IDS, DEFAULT_CATEGORY, DEFAULT_LANGUAGE, LANGUAGE_IDS
from .errors import invalid_request, validation
from .store import AutoSubmit

_FLATTR_HOSTS = frozenset({"flattr.com", "www.flattr.com"})
PATH = "/submit/auto"


def is_autosubmit(url: str, own_root: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return False
    path = parts.path.rstrip("/")
    if parts.netloc.lower() in _FLATTR_HOSTS and path == PATH:
        return True
    own = urlsplit(own_root)
    return parts.netloc.lower() == own.netloc.lower() and path == own.path.rstrip("/") + PATH


def parse(url: str) -> AutoSubmit:
    """Read an auto-submit URL's parameters; raises when required ones are missing."""
    return from_params({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})


def from_params(args: dict[str, str]) -> AutoSubmit:
    user_id = args.get("user_id", "").strip()
    target = args.get("url", "").strip()
    if not user_id or not target:
        raise invalid_request("An auto-submit URL needs user_id and url")
    if urlsplit(target).scheme not in ("http", "https"):
        raise validation("Invalid url")
    language = args.get("language") or DEFAULT_LANGUAGE
    category = args.get("category") or DEFAULT_CATEGORY
    if language not in LANGUAGE_IDS:
        raise validation("Invalid language")
    if category not in CATEGORY_IDS:
        raise validation("Invalid category")
    return AutoSubmit(
        user_id=user_id,
        url=target,
        title=args.get("title") or target,
        description=args.get("description", ""),
        language=language,
        category=category,
        tags=tuple(t.strip() for t in args.get("tags", "").split(",") if t.strip()),
        hidden=args.get("hidden", "") == "1",
    )
