"""An emulator's HTTP answers: compact JSON bodies, HTML pages, redirect URLs with a query added.

Needs the ``sandbox`` extra (werkzeug), like every emulator that uses it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from paysupport._extras import needs_extra

with needs_extra("sandbox", "the emulators' helpers (paysupport.emulation.responses)"):
    from werkzeug.wrappers import Response


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A compact JSON body (no spaces after separators), as the real APIs send them."""
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=dict(headers or {}),
        content_type="application/json; charset=utf-8",
    )


def html_response(body: str, status: int = 200) -> Response:
    """An HTML page (consent form, error page)."""
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    """``uri`` with ``params`` added to its query (``None`` values left out).

    What an OAuth server does to a client's ``redirect_uri``, which may already
    carry a query of its own.
    """
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))
