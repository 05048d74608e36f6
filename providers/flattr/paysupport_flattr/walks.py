"""Page-numbered walks over Flattr's lists (``page`` from 1, ``count`` per page).

The list routes answer bare arrays without a total, so a page shorter than
``count`` is the last one. Search answers ``total_items`` too, which lets its
walk know the number of pages and prefetch them concurrently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from paysupport.walk import Page, Walk

from .errors import ValidationFailed

T = TypeVar("T")

DEFAULT_COUNT = 30
MAX_COUNT = 100


def listing(fetch: Callable[[int, int], list[T]], count: int = DEFAULT_COUNT) -> Walk[T]:
    """A walk over a bare-array list; ``fetch(page, count)`` returns one page's items."""
    count = check_count(count)

    def page(number: int) -> Page[T]:
        items = fetch(number, count)
        return Page(items, next=number + 1 if len(items) >= count else None)

    return Walk(page, start=1, pagination="page")


def counted(
    fetch: Callable[[int, int], tuple[list[T], int]],
    count: int = DEFAULT_COUNT,
    max_workers: int | None = None,
) -> Walk[T]:
    """A walk whose pages report the total (search): prefetched unless ``max_workers`` is 1."""
    count = check_count(count)

    def page(number: int) -> Page[T]:
        items, total = fetch(number, count)
        pages = max(1, math.ceil(total / count))
        more = number < pages and bool(items)
        return Page(items, next=number + 1 if more else None, total=total, pages=pages)

    return Walk(page, start=1, pagination="page", max_workers=max_workers)


def check_count(count: Any) -> int:
    """Items per page: an integer from 1 to 100 (strings from the command line are read)."""
    try:
        number = int(count)
    except (TypeError, ValueError):
        number = 0
    if isinstance(count, bool) or not 1 <= number <= MAX_COUNT:
        raise ValidationFailed(f"count must be an integer from 1 to {MAX_COUNT}", field="count")
    return number


def check_flag(value: Any, name: str) -> bool:
    """A boolean filter, also as the strings a command line gives (``1``, ``true``, ``no``)."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off", ""):
        return False
    raise ValidationFailed(f"{name} must be a boolean", field=name)


def page_params(number: int, count: int, full: bool, **extra: Any) -> Mapping[str, Any]:
    params: dict[str, Any] = {"page": number, "count": count, **extra}
    if full:
        params["full"] = 1
    return params
