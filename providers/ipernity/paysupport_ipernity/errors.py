"""Ipernity's error envelope turned into the library's error tree.

Ipernity answers errors with HTTP 200 and ``{"api": {"status": "error", "code": N,
"message": "..."}}``, so the HTTP status says nothing: the code does. Codes below 100 belong
to the method that was called (``1`` is "Document not found" for ``doc.get`` but "Method not
found" when the method name is unknown), codes from 100 up are common to every method.

The mapping keeps callers' ``except`` clauses meaningful across providers: key, signature and
token problems are :class:`~paysupport.errors.AuthError` (send the user back through login or
fix the configuration), a missing object is :class:`~paysupport.errors.NotFound`, and so on.
The named subclasses below let a caller who cares tell Ipernity's cases apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysupport.errors import (
    AuthError,
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    RateLimited,
    Timeout,
)

PROVIDER = "ipernity"

__all__ = [
    "FrobNotAuthorized",
    "InvalidApiKey",
    "InvalidTicket",
    "IpernityError",
    "MissingParameter",
    "NotPermitted",
    "SignatureError",
    "UnknownMethod",
    "UploadTimeout",
    "error_from_envelope",
]


class IpernityError(HTTPError):
    """An Ipernity API error with no closer match in the library's tree."""


class UnknownMethod(InvalidRequest):
    """Ipernity has no method of that name (checked against the catalog before sending)."""


class MissingParameter(InvalidRequest):
    """A parameter the catalog marks as required was not given (code 103)."""


class InvalidApiKey(AuthError):
    """The ``api_key`` is missing or unknown (codes 100, 101): a configuration problem."""


class SignatureError(AuthError):
    """The signature is missing or wrong (codes 104, 105): usually a wrong ``api_secret``."""


class FrobNotAuthorized(AuthError):
    """``auth.getToken`` was called before the user approved the frob (code 2)."""


class NotPermitted(IpernityError):
    """The token is fine but this user may not do this to that object (code 2, "not yours")."""


class InvalidTicket(InvalidRequest):
    """Ipernity refused or lost an upload: its ticket is marked ``invalid``."""

    def __init__(self, message: str, *, ticket: str, provider: str | None = PROVIDER) -> None:
        self.ticket = ticket
        super().__init__(message, provider=provider)


class UploadTimeout(Timeout):
    """An upload ticket was still pending when the caller's deadline passed."""

    def __init__(self, message: str, *, ticket: str, provider: str | None = PROVIDER) -> None:
        self.ticket = ticket
        super().__init__(message, provider=provider)


#: Common codes (100 and up) and the error each one becomes.
_COMMON: Mapping[int, type[HTTPError]] = {
    100: InvalidApiKey,
    101: InvalidApiKey,
    102: InvalidRequest,
    103: MissingParameter,
    104: SignatureError,
    105: SignatureError,
    106: InvalidToken,
    107: InvalidToken,
    108: InsufficientScope,
    109: InvalidRequest,
}


def _code(raw: Any) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def error_from_envelope(
    api: Mapping[str, Any],
    *,
    method: str,
    status: int | None,
    request_id: str | None,
    retry_after: float | None = None,
) -> HTTPError:
    """The library error for an ``api`` block whose status is not ``ok``.

    ``status`` is the HTTP status when it was not 200 (a 429 or a 500), else ``None``.
    """
    code = _code(api.get("code"))
    message = str(api.get("message") or api.get("status") or "unknown error")
    text = f"{method}: {message}"
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "status": status,
        "code": code if code is not None else api.get("code"),
        "request_id": request_id,
    }
    if code == 110 or status == 429:
        return RateLimited(text, retry_after=retry_after, **kwargs)
    if code is not None and code in _COMMON:
        return _COMMON[code](text, **kwargs)
    if code == 1:
        if "method not found" in message.lower():
            return UnknownMethod(text, **kwargs)
        return NotFound(text, **kwargs)
    if code == 2:
        if method == "auth.getToken":
            return FrobNotAuthorized(text, **kwargs)
        return NotPermitted(text, **kwargs)
    if code == 3:
        return InvalidRequest(text, **kwargs)
    return IpernityError(text, **kwargs)
