"""Build, recognise and read auto-submit URLs and flattr.com thing URLs.

auto-submit.md: ``https://flattr.com/submit/auto?user_id=..&url=..&title=..``
describes a thing that Flattr creates on its first flattr. feed.md asks
clients to recognise these payment links by pattern alone (no redirects), so
podcatchers can route them to :meth:`FlattrClient.support`. Parsing is the
exact inverse of building: ``parse_autosubmit_url(spec.to_url()) == spec``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

from .catalog import check_hidden, check_tags, check_url
from .errors import ValidationFailed
from .info import URL_PATTERNS
from .transport import REAL_SITE_ROOT

__all__ = [
    "AUTOSUBMIT_PATH",
    "URL_PATTERNS",
    "AutoSubmit",
    "build_autosubmit_url",
    "is_autosubmit_url",
    "parse_autosubmit_url",
    "thing_id_from_url",
]

AUTOSUBMIT_PATH = "/submit/auto"
_FLATTR_HOSTS = ("flattr.com", "www.flattr.com")
_THING_PATH = re.compile(r"^/thing/(\d+)(?:/[^/]*)?/?$")


@dataclass(frozen=True)
class AutoSubmit:
    """What an auto-submit URL says about a thing; ``user_id`` is the owner's username.

    Empty strings count as absent (``None``), tags are trimmed, and the fields
    are validated on construction, so every instance builds a URL that parses
    back to an equal instance.
    """

    user_id: str
    url: str
    title: str | None = None
    description: str | None = None
    language: str | None = None
    tags: tuple[str, ...] = ()
    hidden: bool = False
    category: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.user_id, str) or not self.user_id:
            raise ValidationFailed("an auto-submit URL needs a user_id", field="user_id")
        object.__setattr__(self, "url", check_url(self.url))
        object.__setattr__(self, "tags", check_tags(self.tags))
        check_hidden(self.hidden)
        for name in ("title", "description", "language", "category"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise ValidationFailed(f"{name} must be a string", field=name)
            if value == "":
                object.__setattr__(self, name, None)

    def to_url(self, site: str = REAL_SITE_ROOT) -> str:
        """The auto-submit URL on ``site`` (flattr.com unless a sandbox root is given)."""
        params: list[tuple[str, str]] = [("user_id", self.user_id), ("url", self.url)]
        for name in ("title", "description", "language"):
            value = getattr(self, name)
            if value is not None:
                params.append((name, value))
        if self.tags:
            params.append(("tags", ",".join(self.tags)))
        if self.hidden:
            params.append(("hidden", "1"))
        if self.category is not None:
            params.append(("category", self.category))
        query = urlencode(params, quote_via=quote, safe=",")
        return f"{site.rstrip('/')}{AUTOSUBMIT_PATH}?{query}"


def build_autosubmit_url(
    user_id: str,
    url: str,
    *,
    title: str | None = None,
    description: str | None = None,
    language: str | None = None,
    tags: Sequence[str] = (),
    hidden: bool = False,
    category: str | None = None,
    site: str = REAL_SITE_ROOT,
) -> str:
    """An auto-submit URL for ``url`` owned by ``user_id`` (raises ValidationFailed)."""
    tags = check_tags(tags)  # a bare string is refused, not split into one-letter tags
    spec = AutoSubmit(user_id, url, title, description, language, tags, hidden, category)
    return spec.to_url(site)


def _on_site(url: str, sites: Iterable[str]) -> tuple[bool, str, str]:
    """(is on a Flattr site, path, query) for ``url``."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return False, "", ""
    if parts.scheme not in ("http", "https"):
        return False, "", ""
    if host in _FLATTR_HOSTS and port is None:
        return True, parts.path, parts.query
    for site in sites:
        root = urlsplit(site)
        if parts.netloc.lower() == root.netloc.lower() and parts.path.startswith(root.path):
            return True, "/" + parts.path[len(root.path) :].lstrip("/"), parts.query
    return False, "", ""


def is_autosubmit_url(url: str, sites: Iterable[str] = (REAL_SITE_ROOT,)) -> bool:
    """True for links to ``flattr.com/submit/auto`` (or ``<site>/submit/auto``)."""
    found, path, _ = _on_site(url, sites)
    return found and path.rstrip("/") == AUTOSUBMIT_PATH


def parse_autosubmit_url(url: str, sites: Iterable[str] = (REAL_SITE_ROOT,)) -> AutoSubmit:
    """Read an auto-submit URL; ValidationFailed when it is not one or lacks user_id/url."""
    found, path, query = _on_site(url, sites)
    if not found or path.rstrip("/") != AUTOSUBMIT_PATH:
        raise ValidationFailed(f"not an auto-submit URL: {url!r}", field="url")
    params: dict[str, str] = {}
    for key, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(key, value)
    if not params.get("url"):
        raise ValidationFailed("the auto-submit URL has no url parameter", field="url")
    tags = tuple(t for t in params.get("tags", "").split(",") if t.strip())
    return AutoSubmit(
        user_id=params.get("user_id", ""),
        url=params["url"],
        title=params.get("title"),
        description=params.get("description"),
        language=params.get("language"),
        tags=tags,
        hidden=params.get("hidden", "0") not in ("", "0", "false"),
        category=params.get("category"),
    )


def thing_id_from_url(url: str, sites: Iterable[str] = (REAL_SITE_ROOT,)) -> int | None:
    """The id in a thing page URL (``https://flattr.com/thing/423405/slug``), else ``None``."""
    found, path, _ = _on_site(url, sites)
    match = _THING_PATH.match(path) if found else None
    return int(match.group(1)) if match else None
