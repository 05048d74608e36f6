"""One GraphQL call: POST it to ``/graphql`` through the core HttpClient, return its ``data``.

:meth:`GraphQL.query` returns the ``data`` as dicts; :meth:`GraphQL.answer` the
body's bytes after the same checks, for a walk that decodes them into its
declared structs.

Every answer goes through here, so every refusal becomes a library error in
one place (:mod:`.errors`): ``errors`` inside a 200, 401 ``Bad credentials``,
rate limits, HTML pages and broken JSON.

Rate limits are waited for rather than failed on, when the wait is short.
GitHub reports the hourly budget in ``x-ratelimit-*`` headers on every answer;
:class:`RateLimitGate` (the core's :class:`paysupport.ratelimit.RateLimitGate`
reading :class:`RateLimit`) remembers the last one, reserves a point for each
query before it is sent (prefetching walks send two at once) and, once nothing
is left, holds the next call until the window ends instead of sending it to be
refused. ``x-ratelimit-reset`` is a whole second: the end is anchored on the
client's clock from the answer that reports one point used, as for Flattr.
A ``RATE_LIMITED`` answer, or a secondary limit (403/429 with ``Retry-After``),
is waited out and the query sent again. Waiting is bounded: in mode
``"raise"`` (setting ``rate_limit_mode``), or when the wait is longer than
``rate_limit_wait`` seconds, :class:`~paysupport.errors.RateLimited` is raised
at once with ``retry_after``. Queries only read, so sending one again is safe;
the HTTP layer itself never repeats a POST.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from paysupport import ratelimit
from paysupport.decode import UNSET, Envelope, decode
from paysupport.errors import ResponseFormatError
from paysupport.http import HttpClient, decode_json, looks_like_html, retry_after_seconds
from paysupport.ratelimit import MODES, RESET_MARGIN, header_count
from paysupport.redact import Redactor
from paysupport_github.errors import (
    PROVIDER,
    error_from_response,
    graphql_error,
    is_primary_limit,
    is_secondary_limit,
    rate_limit_reset_in,
)

#: Waits for rate limits within one call before giving up with ``RateLimited``.
MAX_WAITS = 3
#: A secondary limit without ``Retry-After``: GitHub asks clients to wait a minute.
SECONDARY_DEFAULT_WAIT = 60.0
#: The refusals of the primary budget (the gate's window), as :meth:`GraphQL.query` names them.
PRIMARY_LIMITS = ("primary_rate_limit", "RATE_LIMITED")


@dataclass(frozen=True)
class RateLimit:
    """The budget GitHub reports (``x-ratelimit-*``); a field is ``None`` when not sent."""

    limit: int | None
    remaining: int | None
    used: int | None
    reset: int | None
    resource: str | None = None

    @classmethod
    def from_headers(cls, headers: Mapping[str, str]) -> RateLimit | None:
        """The budget an answer reports, ``None`` when it carries none (unreadable = absent)."""
        limit, remaining, used, reset = (
            header_count(headers.get(f"x-ratelimit-{name}"))
            for name in ("limit", "remaining", "used", "reset")
        )
        if limit is None and remaining is None and used is None and reset is None:
            return None
        return cls(limit, remaining, used, reset, headers.get("x-ratelimit-resource"))

    def seconds_to_reset(self, now: float | None = None) -> float | None:
        if self.reset is None:
            return None
        return max(0.0, self.reset - (time.time() if now is None else now))

    @property
    def spent(self) -> int | None:
        """Points used in the window (``x-ratelimit-used``), for the core's gate."""
        return self.used


def check_mode(mode: str | None) -> str:
    """The ``rate_limit_mode`` setting, ``"wait"`` or ``"raise"``."""
    return ratelimit.check_mode(mode, PROVIDER)


def check_wait(value: str | float | None, default: float) -> float:
    """The ``rate_limit_wait`` setting in seconds, ``default`` when unset."""
    return ratelimit.check_wait(value, default, PROVIDER)


class RateLimitGate(ratelimit.RateLimitGate[RateLimit]):
    """The core's gate on GitHub's budget of points; errors say ``RATE_LIMITED``.

    ``clock`` and ``sleep`` are attributes tests replace; :attr:`waited` adds up
    the seconds slept, secondary limits' waits (:meth:`wait`) included.
    """

    def __init__(
        self,
        mode: str = "wait",
        max_wait: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(
            RateLimit.from_headers,
            provider=PROVIDER,
            code="RATE_LIMITED",
            budget="budget",
            unit="points",
            wait_setting="rate_limit_wait",
            mode=mode,
            max_wait=max_wait,
            clock=clock,
            sleep=sleep,
        )


class GraphQL:
    """Sends GraphQL queries on a client's pooled session (thread-safe like the session)."""

    def __init__(self, http: HttpClient, url: str, redactor: Redactor, gate: RateLimitGate) -> None:
        self.http = http
        self.url = url
        self.redactor = redactor
        self.gate = gate

    def query(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation: str = "query",
        auth: requests.auth.AuthBase | bool = True,
    ) -> Mapping[str, Any]:
        """The answer's ``data``; raises the library's errors (see the module docstring)."""
        return self._data(self._send(document, variables, operation, auth), operation)

    def answer(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation: str = "query",
        auth: requests.auth.AuthBase | bool = True,
    ) -> bytes:
        """The answer's body, undecoded, once it is known to hold ``data`` and no ``errors``.

        For a caller that decodes the body straight into declared types (a walk's
        page, :mod:`.walks`), without the dicts :meth:`query` builds. The checks
        are :meth:`query`'s and raise the same errors: error statuses, ``errors`` in
        a 200, rate limits waited for, HTML pages and broken JSON. The body's top
        level is checked by a scan that builds nothing; anything it doubts goes
        through :meth:`query`'s reading, for the same error with its status and excerpt.
        """
        response = self._send(document, variables, operation, auth)
        body = response.content
        if response.status_code < 400 and not looks_like_html(response):
            try:  # the top level's members as spans of the body: data, errors
                top = decode(body, Envelope, provider=PROVIDER)
            except ResponseFormatError:
                top = None
            if top is not None and top.errors is UNSET and _is_object(top.data):
                return body
        self._data(response, operation)  # raises, unless the answer was fine after all
        return body

    def _send(
        self,
        document: str,
        variables: Mapping[str, Any] | None,
        operation: str,
        auth: requests.auth.AuthBase | bool,
    ) -> requests.Response:
        """POST the query; the first answer that is not a rate limit to wait out."""
        body = {"query": document, "variables": dict(variables or {})}
        waits = 0
        while True:
            self.gate.before_request()
            sent_at = self.gate.now()
            response = self.http.request("POST", self.url, json_body=body, auth=auth)
            self.gate.observe(response.headers, sent_at=sent_at)
            wait = self._rate_limit_wait(response)
            if wait is not None and wait[1] in PRIMARY_LIMITS:
                self.gate.refused()  # an anchored window that refuses: trust the reset again
            if wait is not None and waits < MAX_WAITS:
                seconds, code = wait
                waits += 1
                error = error_from_response(
                    response, self.redactor, operation, now=self.gate.clock()
                )
                self.gate.wait(
                    seconds,
                    f"{operation} was rate limited ({error.message})",
                    code=code,
                    status=response.status_code if response.status_code >= 400 else None,
                    request_id=getattr(error, "request_id", None),
                )
                continue
            return response

    def _rate_limit_wait(self, response: requests.Response) -> tuple[float, str] | None:
        """How long a rate-limited answer asks to wait, and its code; ``None`` if not limited."""
        if response.status_code >= 400:
            if is_secondary_limit(response):
                seconds = retry_after_seconds(response)
                if seconds is None:
                    seconds = rate_limit_reset_in(response.headers, self.gate.clock())
                return (
                    SECONDARY_DEFAULT_WAIT if seconds is None else seconds
                ), "secondary_rate_limit"
            if is_primary_limit(response):
                return rate_limit_reset_in(
                    response.headers, self.gate.clock()
                ) or 0.0, "primary_rate_limit"
            return None
        if b"RATE_LIMITED" not in response.content:
            return None
        payload = _json_or_none(response, self.redactor)
        errors = payload.get("errors") if isinstance(payload, Mapping) else None
        if isinstance(errors, list) and any(
            isinstance(e, Mapping) and e.get("type") == "RATE_LIMITED" for e in errors
        ):
            return rate_limit_reset_in(response.headers, self.gate.clock()) or 0.0, "RATE_LIMITED"
        return None

    def _data(self, response: requests.Response, operation: str) -> Mapping[str, Any]:
        if response.status_code >= 400:
            raise error_from_response(response, self.redactor, operation, now=self.gate.clock())
        payload = decode_json(response, PROVIDER, self.redactor)
        if not isinstance(payload, Mapping):
            raise ResponseFormatError(
                f"{operation}: the answer is not a GraphQL response object",
                provider=PROVIDER,
                status=response.status_code,
            )
        errors = payload.get("errors")
        if errors:
            raise graphql_error(
                errors if isinstance(errors, list) else [errors],
                response=response,
                operation=operation,
                redactor=self.redactor,
                now=self.gate.clock(),
            )
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise ResponseFormatError(
                f"{operation}: the answer has neither data nor errors",
                provider=PROVIDER,
                status=response.status_code,
            )
        return data


def _is_object(member: Any) -> bool:
    """An envelope's member is a JSON object (not absent, ``null`` or a list)."""
    return member is not UNSET and memoryview(member)[:1].tobytes() == b"{"


def _json_or_none(response: requests.Response, redactor: Redactor) -> Any:
    try:
        return decode_json(response, PROVIDER, redactor)
    except ResponseFormatError:
        return None


__all__ = [
    "MODES",
    "RESET_MARGIN",
    "GraphQL",
    "RateLimit",
    "RateLimitGate",
    "check_mode",
    "check_wait",
]
