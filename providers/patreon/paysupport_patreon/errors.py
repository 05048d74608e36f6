"""Patreon's failures as the library's errors.

Patreon answers errors as a JSON:API ``errors`` array
(``[{code, code_name, detail, id, status, title}]``); the first entry becomes
the message, ``code_name`` the error's ``code`` (``ScopeMissing``...) and, when
no request-id header came back, the error's ``id`` its ``request_id`` (the id
Patreon support asks for). HTML pages and broken JSON are
:class:`~paysupport.errors.ResponseFormatError`, never a ``KeyError``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from paysupport.errors import PaySupportError
from paysupport.http import decode_json, error_for_status
from paysupport.redact import Redactor
from paysupport_patreon.info import PROVIDER

__all__ = [
    "PROVIDER",
    "InvalidSignature",
    "UnknownTrigger",
    "WebhookError",
    "error_from_response",
]


class WebhookError(PaySupportError):
    """A webhook delivery that must not be acted on (bad signature, unknown trigger, bad body)."""


class InvalidSignature(WebhookError):
    """``X-Patreon-Signature`` is missing or is not the HMAC of the body with the secret."""


class UnknownTrigger(WebhookError):
    """``X-Patreon-Event`` names no trigger Patreon documents; ``trigger`` is what came."""

    def __init__(self, message: str, *, trigger: str | None = None) -> None:
        self.trigger = trigger
        super().__init__(message, provider=PROVIDER)


def _first_error(payload: Any) -> Mapping[str, Any]:
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
        return errors[0]
    return {}


def error_from_response(
    response: requests.Response, redactor: Redactor, what: str
) -> PaySupportError:
    """The library error for an error answer (status >= 400 or an ``errors`` array).

    An ``errors`` array inside a 2xx answer becomes a plain ``HTTPError``.
    """
    payload: Any = None
    if response.content.strip():
        try:
            payload = decode_json(response, PROVIDER, redactor)
        except PaySupportError as exc:
            if response.status_code < 500:
                return exc
            payload = None  # a 5xx HTML page from a proxy: the status says more
    first = _first_error(payload)
    detail = first.get("detail") or first.get("title")
    code = first.get("code_name") or first.get("code")
    message = redactor.text(f"{what}: {detail}" if detail else f"{what} failed")
    error = error_for_status(
        response, PROVIDER, message, code=code if isinstance(code, (str, int)) else None
    )
    request_id = getattr(error, "request_id", None)
    if request_id is None and isinstance(first.get("id"), str):
        error.request_id = first["id"]  # type: ignore[attr-defined]
        error.args = (error._render(),)
    retry = first.get("retry_after_seconds")
    if getattr(error, "retry_after", 0) is None and isinstance(retry, (int, float)):
        error.retry_after = float(retry)  # type: ignore[attr-defined]
    return error
