"""Small response helpers shared by the emulator's route modules."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from werkzeug.wrappers import Response

from paysupport_patreon.emulator._jsonapi import Resource

SANDBOX_REDIRECT_URI = "http://127.0.0.1/callback"
V2 = "/api/oauth2/v2"
V1 = "/api/oauth2/api"


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    return Response(
        json.dumps(body, separators=(",", ":")),
        status=status,
        headers=dict(headers or {}),
        content_type="application/json; charset=utf-8",
    )


def html_response(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def with_query(uri: str, params: Mapping[str, str | None]) -> str:
    parts = urlsplit(uri)
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit(parts._replace(query=query))


def all_attributes(resource: Resource) -> dict[str, Any]:
    return dict(resource.attributes)
