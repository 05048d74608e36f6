"""GitHub's refusals as the library's errors: GraphQL ``errors``, HTTP statuses, rate limits.

GitHub's GraphQL API refuses in two ways. A query that reached the resolver
answers HTTP 200 with ``{"data": ..., "errors": [{"type", "path", "message"}]}``;
a query that does not validate answers 200 with ``errors`` and no ``data``
(``extensions.code`` instead of ``type``). The transport itself refuses with a
status: 401 ``Bad credentials``, 403 or 429 for the secondary rate limits (with
``Retry-After``) and for an exhausted primary budget (``x-ratelimit-remaining: 0``).

Every one becomes an error of the library's tree, carrying the status (``None``
for an error inside a 200), GitHub's error type as ``code`` and the request id
(``X-GitHub-Request-Id``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import requests

from paysupport.errors import (
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    RateLimited,
)
from paysupport.http import decode_json, error_for_status, retry_after_seconds
from paysupport.redact import Redactor

PROVIDER = "github"

#: The header GitHub names each request with; support asks for it.
REQUEST_ID_HEADER = "X-GitHub-Request-Id"

#: GraphQL error types and the library error each one is.
ERROR_TYPES: Mapping[str, type[HTTPError]] = {
    "NOT_FOUND": NotFound,
    "FORBIDDEN": InsufficientScope,
    "INSUFFICIENT_SCOPES": InsufficientScope,
    "RATE_LIMITED": RateLimited,
    "UNAUTHENTICATED": InvalidToken,
}


class FieldNotFound(NotFound):
    """``NOT_FOUND`` at a field: ``path`` names it (``("user",)`` for a login of no user).

    The client reads the path to tell "no user of that login" (maybe an
    organization) from a missing record deeper in the answer.
    """

    def __init__(self, message: str, *, path: tuple[str, ...] = (), **kwargs: Any) -> None:
        self.path = path
        super().__init__(message, **kwargs)


class WebhookError(PaySupportError):
    """A webhook delivery that must not be acted on (bad signature, unknown event, bad body)."""


class InvalidSignature(WebhookError):
    """``X-Hub-Signature-256`` is missing or is not the HMAC-SHA256 of the body with the secret."""


class UnknownEvent(WebhookError):
    """A delivery of an event or action this receiver does not read; ``event``/``action`` say which.

    A receiver answers it with 400 only when it is not a sponsorship event at all
    (the hook was subscribed to more than sponsorships): GitHub need not retry.
    """

    def __init__(self, message: str, *, event: str | None = None, action: str | None = None):
        self.event = event
        self.action = action
        super().__init__(message, provider=PROVIDER)


class BodyTooLarge(WebhookError):
    """A delivery larger than the receiver's cap (``limit`` bytes); not read, not verified."""

    def __init__(self, message: str, *, limit: int) -> None:
        self.limit = limit
        super().__init__(message, provider=PROVIDER)


def request_id(response: requests.Response | None) -> str | None:
    if response is None:
        return None
    return response.headers.get(REQUEST_ID_HEADER) or response.headers.get("X-Request-Id")


def rate_limit_reset_in(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until ``x-ratelimit-reset`` (epoch seconds); ``None`` when absent or unreadable."""
    value = (headers.get("x-ratelimit-reset") or "").strip()
    if not value.isdigit():
        return None
    return max(0.0, int(value) - (time.time() if now is None else now))


def _path(error: Mapping[str, Any]) -> tuple[str, ...]:
    path = error.get("path")
    if isinstance(path, Sequence) and not isinstance(path, str):
        return tuple(str(part) for part in path)
    return ()


def _code(error: Mapping[str, Any]) -> str | None:
    kind = error.get("type")
    if isinstance(kind, str) and kind:
        return kind
    extensions = error.get("extensions")
    code = extensions.get("code") if isinstance(extensions, Mapping) else None
    return code if isinstance(code, str) and code else None


def graphql_error(
    errors: Sequence[Any],
    *,
    response: requests.Response | None = None,
    operation: str,
    redactor: Redactor | None = None,
    now: float | None = None,
) -> HTTPError:
    """The library error for a GraphQL ``errors`` array (the first error decides).

    ``NOT_FOUND`` is :class:`NotFound` (a :class:`FieldNotFound` with the path);
    ``FORBIDDEN`` and ``INSUFFICIENT_SCOPES`` are :class:`InsufficientScope`;
    ``RATE_LIMITED`` is :class:`RateLimited` with ``retry_after`` read from
    ``x-ratelimit-reset``; anything else is :class:`InvalidRequest` naming the
    field path (``viewer.sponsorsListing``) when there is one: the query asked
    for what GitHub would not give.
    """
    entries = [e for e in errors if isinstance(e, Mapping)] or [{}]
    first = entries[0]
    code = _code(first)
    path = _path(first)
    text = str(first.get("message") or "the query was refused")
    more = f" (and {len(entries) - 1} more error(s))" if len(entries) > 1 else ""
    where = f" at {'.'.join(path)}" if path else ""
    message = f"{operation}{where}: {text}{more}"
    if redactor is not None:
        message = redactor.text(message)
    cls = ERROR_TYPES.get(code or "", InvalidRequest)
    status = response.status_code if response is not None and response.status_code >= 400 else None
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "status": status,
        "code": code,
        "request_id": request_id(response),
    }
    if cls is RateLimited:
        headers: Mapping[str, str] = response.headers if response is not None else {}
        return RateLimited(message, retry_after=rate_limit_reset_in(headers, now), **kwargs)
    if cls is NotFound:
        return FieldNotFound(message, path=path, **kwargs)
    return cls(message, **kwargs)


def is_secondary_limit(response: requests.Response) -> bool:
    """A secondary rate limit: 403 or 429 with ``Retry-After``, or a 429 of any kind."""
    if response.status_code == 429:
        return True
    return response.status_code == 403 and response.headers.get("Retry-After") is not None


def is_primary_limit(response: requests.Response) -> bool:
    """The hourly budget is spent: 403/429 with ``x-ratelimit-remaining: 0``."""
    return (
        response.status_code in (403, 429)
        and (response.headers.get("x-ratelimit-remaining") or "").strip() == "0"
    )


def error_from_response(
    response: requests.Response, redactor: Redactor, operation: str, *, now: float | None = None
) -> PaySupportError:
    """The library error for an answer with an error status (>= 400).

    401 is :class:`InvalidToken` (``Bad credentials``: the token is unknown,
    revoked or expired); a rate-limited 403/429 is :class:`RateLimited` with its
    wait; a body carrying GraphQL ``errors`` decides like :func:`graphql_error`.
    """
    payload: Any = None
    if response.content.strip():
        try:
            payload = decode_json(response, PROVIDER, redactor)
        except PaySupportError as exc:
            if response.status_code < 500:
                return exc
    errors = payload.get("errors") if isinstance(payload, Mapping) else None
    message = payload.get("message") if isinstance(payload, Mapping) else None
    rid = request_id(response)
    if is_secondary_limit(response) or is_primary_limit(response):
        wait = retry_after_seconds(response)
        if wait is None:
            wait = rate_limit_reset_in(response.headers, now)
        kind = "secondary" if response.headers.get("Retry-After") else "primary"
        return RateLimited(
            redactor.text(f"{operation}: {message or f'{kind} rate limit exceeded'}"),
            provider=PROVIDER,
            status=response.status_code,
            code=f"{kind}_rate_limit",
            request_id=rid,
            retry_after=wait,
        )
    if response.status_code != 401 and isinstance(errors, list) and errors:
        return graphql_error(
            errors, response=response, operation=operation, redactor=redactor, now=now
        )
    text = redactor.text(f"{operation}: {message or f'HTTP {response.status_code}'}")
    error = error_for_status(response, PROVIDER, text)
    if isinstance(error, HTTPError) and error.request_id is None and rid:
        error.request_id = rid
        error.args = (error._render(),)
    return error


__all__ = [
    "ERROR_TYPES",
    "PROVIDER",
    "BodyTooLarge",
    "FieldNotFound",
    "InvalidSignature",
    "UnknownEvent",
    "WebhookError",
    "error_from_response",
    "graphql_error",
    "rate_limit_reset_in",
]
