"""Which installed provider handles a URL, from the patterns each provider declares.

The table lives in the providers (``ProviderInfo.url_patterns``), not here, so
a third-party provider routes its own links by being installed.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from paysupport.provider import ProviderInfo
from paysupport.registry import available


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(p, re.IGNORECASE) for p in patterns)


def provider_for_url(
    url: str, providers: Iterable[ProviderInfo] | None = None
) -> ProviderInfo | None:
    """The first provider (by name) whose patterns match ``url``, or ``None``."""
    for info in sorted(providers if providers is not None else available(), key=lambda i: i.name):
        if any(p.search(url) for p in _compiled(info.url_patterns)):
            return info
    return None
