"""Page-numbered walks over Ipernity's list methods, on the core's :class:`~paysupport.Walk`.

A list answer nests its items under a container that carries the pagination::

    {"api": {...}, "albums": {"total": 17, "page": 1, "pages": 9, "per_page": 2,
                              "album": [{...}, {...}]}}

so a walk needs the *element path* (``albums.album``). For ``<noun>.<verb>`` methods it is
guessed from the noun (``album.getList`` -> ``albums.album``, ``doc.search`` ->
``docs.doc``); deeper methods nest differently (``album.docs.getList`` answers
``album.docs.doc``, ``faves.docs.getList`` answers ``docs.doc``), so they take an explicit
dotted path, and a path without a dot is read as the element name (``"doc"`` ->
``docs.doc``).

Numbers may arrive as numbers or as strings (the XML heritage); a list of one may arrive as a
bare object. ``pages`` is computed from ``total`` and ``per_page`` when it is missing (the
``album.getList`` example has none). Because the first page reports the total, the walk can
prefetch the following pages (``max_workers``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport.walk import Page, Walk
from paysupport_ipernity.errors import PROVIDER

__all__ = ["DEFAULT_PER_PAGE", "ListInfo", "data_walk", "element_path", "read_list"]

T = TypeVar("T")
JSON = dict[str, Any]

#: Ipernity's maximum page size for list methods.
DEFAULT_PER_PAGE = 100

#: Options of the walk itself, never sent to Ipernity.
WALK_OPTIONS = ("max_workers",)


def element_path(method: str, elem_name: str | None = None) -> tuple[str, ...]:
    """Where ``method`` puts its list items, as a key path (see the module docstring)."""
    if elem_name:
        parts = tuple(p.strip() for p in elem_name.split("."))
        if not all(parts):
            raise InvalidRequest(f"element path {elem_name!r} has an empty part", provider=PROVIDER)
        return parts if len(parts) > 1 else (parts[0] + "s", parts[0])
    segments = method.split(".")
    if len(segments) == 2 and segments[0]:
        noun = segments[0]
        return (noun + "s", noun)
    raise InvalidRequest(
        f"cannot guess where {method} puts its list: pass elem_name as a dotted path "
        "(album.docs.getList -> 'album.docs.doc', faves.docs.getList -> 'docs.doc')",
        provider=PROVIDER,
    )


@dataclass(frozen=True)
class ListInfo:
    """The pagination of one list answer."""

    total: int | None
    page: int
    pages: int | None
    per_page: int | None


def _number(container: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        if key in container and container[key] not in (None, ""):
            try:
                return int(container[key])
            except (TypeError, ValueError):
                raise ResponseFormatError(
                    f"list field {key!r} is not a number: {container[key]!r}", provider=PROVIDER
                ) from None
    return None


def read_list(
    body: Mapping[str, Any], path: tuple[str, ...], method: str, page: int
) -> tuple[list[JSON], ListInfo]:
    """The items and pagination at ``path`` in a list answer."""
    container: Any = body
    for key in path[:-1]:
        container = container.get(key) if isinstance(container, Mapping) else None
        if not isinstance(container, Mapping):
            raise ResponseFormatError(
                f"{method}: no {'.'.join(path[:-1])!r} list in the answer "
                "(pass elem_name if the path differs)",
                provider=PROVIDER,
            )
    raw = container.get(path[-1])
    if raw is None:
        items: list[Any] = []
    elif isinstance(raw, dict):
        items = [raw]  # a list of one, collapsed to an object
    elif isinstance(raw, list):
        items = raw
    else:
        raise ResponseFormatError(
            f"{method}: {'.'.join(path)!r} is neither a list nor an object", provider=PROVIDER
        )
    if not all(isinstance(item, dict) for item in items):
        raise ResponseFormatError(
            f"{method}: {'.'.join(path)!r} holds something other than objects",
            provider=PROVIDER,
        )
    total = _number(container, "total")
    per_page = _number(container, "per_page", "perpage")
    pages = _number(container, "pages")
    if pages is None and total is not None and per_page:
        pages = math.ceil(total / per_page)
    current = _number(container, "page") or page
    return items, ListInfo(total=total, page=current, pages=pages, per_page=per_page)


def data_walk(
    call: Callable[[str, Mapping[str, Any]], JSON],
    method: str,
    path: tuple[str, ...],
    params: Mapping[str, Any],
    convert: Callable[[JSON], T],
    *,
    max_workers: int | None = None,
) -> Walk[T]:
    """A lazy walk over every page of ``method``.

    ``params`` may hold ``page`` (where to start, 1 by default, e.g. a previous walk's
    ``cursor``) and ``per_page`` (100 by default, Ipernity's maximum).
    """
    base = dict(params)
    start = int(base.pop("page", None) or 1)
    if base.get("per_page") in (None, "") and base.get("count") in (None, ""):
        base["per_page"] = DEFAULT_PER_PAGE

    def fetch(page: int) -> Page[T]:
        body = call(method, {**base, "page": page})
        items, info = read_list(body, path, method, page)
        if info.pages is not None:
            following = page + 1 if page < info.pages else None
        else:  # no total: a full page may have a successor
            following = page + 1 if info.per_page and len(items) >= info.per_page else None
        return Page(
            items=[convert(item) for item in items],
            next=following if items else None,
            position=page,
            total=info.total,
            pages=info.pages,
            raw=body,
        )

    return Walk(
        fetch,
        start=start,
        pagination="page",
        max_workers=None if max_workers is None else max(1, int(max_workers)),
    )
