"""The Example service's refusals as the library's errors.

Example answers a refusal with an HTTP error status and a body
``{"error": {"code": "...", "message": "..."}}``. The status chooses the library's
error (401 :class:`~paysupport.errors.InvalidToken`, 404
:class:`~paysupport.errors.NotFound`, 400 :class:`~paysupport.errors.InvalidRequest`,
...), carrying the service's code, its message and the request id. One code has a
closer match: ``already_supported`` is :class:`AlreadyTipped`, an
:class:`~paysupport.errors.AlreadySupported`, which the podcatcher's ledger takes as
proof that an earlier, interrupted attempt went through.
"""

from __future__ import annotations

import json
from typing import Any

import requests

from paysupport.errors import AlreadySupported, PaySupportError
from paysupport.http import error_for_status, request_id

from .info import PROVIDER

__all__ = ["AlreadyTipped", "error_from_response"]


class AlreadyTipped(AlreadySupported):
    """This URL has had its tip: the service takes one tip per URL."""


def error_from_response(response: requests.Response, what: str) -> PaySupportError:
    """The library's error for a refused call; ``what`` names the call (``POST /api/tips``)."""
    code, message = _error_body(response)
    text = f"{what} failed: {message}" if message else f"{what} failed"
    if code == "already_supported":
        return AlreadyTipped(
            text,
            provider=PROVIDER,
            status=response.status_code,
            code=code,
            request_id=request_id(response),
        )
    return error_for_status(response, PROVIDER, text, code=code)


def _error_body(response: requests.Response) -> tuple[str | None, str | None]:
    """The service's code and message; ``(None, None)`` for a body not in its shape.

    A proxy's HTML page or an empty body still gives an error by its status.
    """
    try:
        body: Any = json.loads(response.content)
    except ValueError:
        return None, None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None, None
    code, message = error.get("code"), error.get("message")
    return (
        code if isinstance(code, str) else None,
        message if isinstance(message, str) else None,
    )
