"""Patreon's public pages: which URLs name a creator, and where a person pledges.

Patreon's API cannot pledge, so ``support()`` is not a capability; what the
library can do is point at the page where a person pledges by hand (carried as
``Unsupported.url``). Creator pages are ``https://www.patreon.com/<vanity>``
(also ``/c/<vanity>``, ``/join/<vanity>``, ``/checkout/<vanity>``), and the
pledge page of a campaign is ``/checkout/<vanity>``, as its ``pledge_url``
attribute says.
"""

from __future__ import annotations

import re
from typing import Any

from paysupport_patreon.resources import SITE, Campaign

_HOST = r"https?://(?:www\.)?patreon\.com"
#: Paths under patreon.com that are not creators.
RESERVED = frozenset(
    {
        "api",
        "oauth2",
        "posts",
        "user",
        "home",
        "login",
        "signup",
        "settings",
        "search",
        "policy",
        "messages",
        "notifications",
        "membership",
        "portal",
        "about",
        "pricing",
    }
)
_VANITY = r"(?P<vanity>[A-Za-z0-9_.-]+)"
_CREATOR = re.compile(rf"^{_HOST}/(?:(?:c|join|checkout)/)?{_VANITY}/?(?:[?#].*)?$", re.IGNORECASE)
_PLEDGE = re.compile(rf"^{_HOST}/(?:bePatron\?|checkout/)", re.IGNORECASE)

#: ``ProviderInfo.url_patterns``: creator pages and pledge links.
URL_PATTERNS: tuple[str, ...] = (
    rf"^{_HOST}/(?:(?:c|join|checkout)/)?(?!(?:{'|'.join(sorted(RESERVED))})(?:[/?#]|$))"
    r"[A-Za-z0-9_.-]+/?(?:[?#].*)?$",
    rf"^{_HOST}/bePatron\?",
)


def creator_vanity(url: str) -> str | None:
    """The creator's vanity name in a creator-page URL, ``None`` for other URLs."""
    match = _CREATOR.match(url.strip())
    if match is None or match.group("vanity").lower() in RESERVED:
        return None
    return match.group("vanity")


def pledge_url(target: Any) -> str | None:
    """Where a person pledges to ``target`` (a :class:`Campaign` or a creator URL), if known."""
    if isinstance(target, Campaign):
        return target.pledge_url
    if not isinstance(target, str):
        return None
    text = target.strip()
    if _PLEDGE.match(text):
        return text
    vanity = creator_vanity(text)
    return f"{SITE}/checkout/{vanity}" if vanity else None
