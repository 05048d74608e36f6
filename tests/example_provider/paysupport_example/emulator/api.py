"""The API routes: ``GET /api/me``, ``GET /api/items?page=N`` and ``POST /api/supports``.

Each handler takes the store and the request (already checked for the API key by
:mod:`.app`) and answers in the service's JSON; refusals come from :mod:`.errors`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from .errors import refusal
from .store import Store

__all__ = ["PER_PAGE", "ROUTES", "json_response"]

#: Items on one page of ``GET /api/items``: the service's choice, not the client's.
PER_PAGE = 10

Handler = Callable[[Store, Request], Response]


def json_response(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


def me(store: Store, request: Request) -> Response:
    """The key's user."""
    return json_response(store.user)


def items(store: Store, request: Request) -> Response:
    """One page of items, with the page count and the total (a page past the end is empty)."""
    page = request.args.get("page", "1")
    if not page.isdigit() or int(page) < 1:
        return refusal("bad_request", f"page must be a positive integer, not {page!r}")
    number = int(page)
    with store.lock:
        total = len(store.items)
        start = (number - 1) * PER_PAGE
        chosen = store.items[start : start + PER_PAGE]
    pages = max(1, -(-total // PER_PAGE))
    return json_response({"items": chosen, "page": number, "pages": pages, "total": total})


def supports(store: Store, request: Request) -> Response:
    """A tip for the form's ``url``: 201 with its receipt, 409 for a URL tipped before."""
    url = request.form.get("url", "")
    if not url:
        return refusal("bad_request", "url is required")
    number = store.add_tip(url)
    if number is None:
        return refusal("already_supported", f"{url} was tipped already")
    return json_response({"id": number, "url": url}, 201)


#: Path -> (method, handler).
ROUTES: dict[str, tuple[str, Handler]] = {
    "/api/me": ("GET", me),
    "/api/items": ("GET", items),
    "/api/supports": ("POST", supports),
}
