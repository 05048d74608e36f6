"""The service's error bodies and codes: ``{"error": {"code": ..., "message": ...}}``.

Every refusal of the emulator has this shape and an HTTP error status, as the
service documents it; the client's :mod:`paysupport_example.errors` reads it back.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Response

__all__ = ["CODES", "refusal"]

#: The service's error codes and the status each comes with.
CODES = {
    "bad_request": 400,
    "bad_api_key": 401,
    "not_found": 404,
    "method_not_allowed": 405,
    "already_supported": 409,
}


def refusal(code: str, message: str) -> Response:
    """The service's answer for a refused request."""
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=CODES[code], content_type="application/json")
