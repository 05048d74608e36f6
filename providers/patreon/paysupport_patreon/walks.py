"""Cursor walks over Patreon's list routes, and reading the cursor out of a page.

Patreon pages with ``page[count]`` and an opaque ``page[cursor]``; the next
cursor is in ``links.next`` (as its ``page[cursor]`` parameter) and in
``meta.pagination.cursors.next``. A walk yields typed resources lazily, one page
in memory at a time, and ``Walk.cursor`` resumes it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.walk import Page, Walk

T = TypeVar("T")


def extract_cursor(document: JsonApiDocument | Mapping[str, Any]) -> str | None:
    """The cursor of the next page, ``None`` on the last one (or when the page says nothing).

    Reads ``links.next``'s ``page[cursor]`` first, as the older library did, then
    ``meta.pagination.cursors.next``. Accepts a document or the raw JSON dict.
    """
    payload: Any = document.payload if isinstance(document, JsonApiDocument) else document
    if not isinstance(payload, Mapping):
        return None
    links = payload.get("links")
    following = links.get("next") if isinstance(links, Mapping) else None
    if isinstance(following, str) and following:
        values = parse_qs(urlsplit(following).query).get("page[cursor]")
        if values:
            return values[0]
    meta = payload.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    cursors = pagination.get("cursors") if isinstance(pagination, Mapping) else None
    cursor = cursors.get("next") if isinstance(cursors, Mapping) else None
    return cursor if isinstance(cursor, str) and cursor else None


def total_of(document: JsonApiDocument) -> int | None:
    """``meta.pagination.total`` when the page reports it."""
    pagination = document.meta.get("pagination")
    total = pagination.get("total") if isinstance(pagination, Mapping) else None
    return int(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def cursor_walk(
    fetch: Callable[[str | None], JsonApiDocument],
    wrap: Callable[[JsonApiResource], T],
    *,
    start: str | None = None,
) -> Walk[T]:
    """A lazy walk: ``fetch(cursor)`` gets a page, ``wrap`` types each primary resource."""

    def page(cursor: str | None) -> Page[T]:
        document = fetch(cursor)
        return Page(
            items=[wrap(resource) for resource in document.data_list()],
            next=extract_cursor(document),
            total=total_of(document),
            raw=document,
        )

    return Walk(page, start=start, pagination="cursor")
