"""Flattr's documented refusals as named errors, and the mapping from error bodies to them.

Flattr signals errors with an HTTP status and a body such as
``{"error": "flattr_once", "error_description": "...", "error_uri": "..."}``
(api.md, "Client errors"). The *code* decides the error class, not the status
alone: ``no_means`` arrives as 401 but is not a bad token, and
``rate_limit_exceeded`` arrives as 403 but is not a missing scope. Every class
here is a subclass of the core's, so callers can catch at the level they care
about (``InvalidRequest`` for any refusal, ``AlreadyFlattred`` for that one).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from paysupport.errors import (
    AlreadySupported,
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    RateLimited,
)
from paysupport.http import error_for_status, request_id
from paysupport.redact import Redactor

from .info import PROVIDER


class AlreadyFlattred(AlreadySupported):
    """``flattr_once``: the user has already flattred this thing (a thing is flattred once)."""


class OwnThing(InvalidRequest):
    """``flattr_owner`` / ``thing_owner``: users cannot flattr or subscribe to their own things."""


class NotEnoughMeans(InvalidRequest):
    """``no_means``: the account lacks the means to flattr; top it up on flattr.com.

    Flattr answers this with HTTP 401, but the token is fine: logging in again
    would not help, so this is deliberately not an :class:`~paysupport.AuthError`.
    """


class ThingNotFound(NotFound):
    """``not_found`` for a thing: no such id, or no thing registered for the URL."""


class AlreadySubscribed(InvalidRequest):
    """``subscribed``: the user already subscribes to this thing."""


class Forbidden(InvalidRequest):
    """``forbidden``: not the owner of the thing (or the ``thing`` scope is missing)."""


class ValidationFailed(InvalidRequest):
    """``validation``: thing fields that do not validate, refused by Flattr or before sending.

    ``field`` names the offending field when known (always, for client-side checks).
    """

    def __init__(self, message: str, *, field: str | None = None, **kwargs: Any) -> None:
        self.field = field
        kwargs.setdefault("provider", PROVIDER)
        super().__init__(message, **kwargs)


#: Error codes whose meaning does not depend on the call.
_BY_CODE: Mapping[str, type[HTTPError]] = {
    "flattr_once": AlreadyFlattred,
    "flattr_owner": OwnThing,
    "thing_owner": OwnThing,
    "no_means": NotEnoughMeans,
    "subscribed": AlreadySubscribed,
    "forbidden": Forbidden,
    "validation": ValidationFailed,
    "invalid_request": InvalidRequest,
    "invalid_parameters": InvalidRequest,
    "unauthorized": InvalidToken,
    "invalid_scope": InsufficientScope,
    "insufficient_scope": InsufficientScope,
}


def error_from_response(
    response: requests.Response,
    body: Any,
    what: str,
    redactor: Redactor,
    *,
    not_found: type[NotFound] = NotFound,
    retry_after: float | None = None,
) -> PaySupportError:
    """The library error for an error answer to ``what`` (``"POST /flattr"``).

    ``body`` is the decoded JSON (anything else is tolerated). ``not_found``
    picks the class for ``not_found`` codes, so thing routes raise
    :class:`ThingNotFound`. ``retry_after`` is used for ``rate_limit_exceeded``.
    """
    code: str | None = None
    description = ""
    if isinstance(body, Mapping):
        raw_code = body.get("error", body.get("message"))
        code = raw_code if isinstance(raw_code, str) else None
        raw_text = body.get("error_description", body.get("description"))
        description = raw_text if isinstance(raw_text, str) else ""
    message = redactor.text(f"{what}: {description or code or 'failed'}")
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "status": response.status_code,
        "code": code,
        "request_id": request_id(response),
    }
    if code == "rate_limit_exceeded":
        return RateLimited(message, retry_after=retry_after, **kwargs)
    if code == "not_found" or (code is None and response.status_code == 404):
        return not_found(message, **kwargs)
    cls = _BY_CODE.get(code or "")
    if cls is not None:
        return cls(message, **kwargs)
    return error_for_status(response, PROVIDER, message, code=code)


__all__ = [
    "AlreadyFlattred",
    "AlreadySubscribed",
    "Forbidden",
    "NotEnoughMeans",
    "OwnThing",
    "ThingNotFound",
    "ValidationFailed",
    "error_from_response",
]
