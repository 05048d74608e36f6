"""``/_admin/state``: a JSON view of the emulator for tests, the demo and users' tests.

It shows what a client did (requests received, tips given) without reaching into
the store, and never the API key. Faults and latency injected by the sandbox spare
``/_admin`` paths, and their requests are not counted.
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Request, Response

from .api import json_response
from .errors import refusal
from .store import Store

__all__ = ["admin_answer", "admin_state"]


def admin_state(store: Store) -> dict[str, Any]:
    """Requests received, how many items there are, and each tipped URL with its number."""
    with store.lock:
        return {"requests": store.requests, "items": len(store.items), "supports": dict(store.tips)}


def admin_answer(store: Store, request: Request) -> Response:
    """Answer an ``/_admin/...`` request."""
    if request.path != "/_admin/state":
        return refusal("not_found", f"no admin route {request.path}")
    if request.method != "GET":
        return refusal("method_not_allowed", f"{request.method} {request.path}")
    return json_response(admin_state(store))
