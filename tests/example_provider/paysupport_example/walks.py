"""The Example collections' walks on the core :class:`~paysupport.walk.Walk`.

``GET /api/items?page=N`` answers ``{"items": [...], "page": N, "pages": P,
"total": T}``: numbered pages, so the walk knows every page from the first answer
and may fetch the next ones ahead (``max_workers`` above 1). The page size is the
service's; the walk only follows ``pages``.
"""

from __future__ import annotations

from paysupport.walk import Page, Walk

from .resources import Item
from .transport import Transport

__all__ = ["item_walk"]


def item_walk(transport: Transport, *, max_workers: int = 1) -> Walk[Item]:
    """Every item, page after page, as :class:`Item` records."""

    def fetch(page: int) -> Page[Item]:
        body = transport.call("GET", "/api/items", {"page": page})
        return Page(
            items=[Item(raw) for raw in body["items"]],
            next=page + 1 if page < body["pages"] else None,
            total=body["total"],
            pages=body["pages"],
        )

    return Walk(fetch, start=1, pagination="page", max_workers=max_workers)
