"""One place where a Flattr API call is sent and its answer interpreted.

Every route goes through :meth:`FlattrApi.call`: the rate-limit gate first,
then the pooled HTTP layer (timeouts, retries of idempotent calls, token
refresh, redaction), then the answer: its budget headers are recorded, an
error body becomes a named library error, anything but JSON becomes a
:class:`~paysupport.ResponseFormatError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from paysupport.errors import NotFound, PaySupportError, RateLimited
from paysupport.http import HttpClient, decode_json

from .errors import PROVIDER, error_from_response
from .ratelimit import RateLimit, RateLimitGate

#: resources/activities.md: the activity routes answer only Activity Streams JSON.
STREAM_JSON = "application/stream+json"


@dataclass(frozen=True)
class Answer:
    """A successful answer: status, decoded JSON (``None`` for 204) and headers."""

    status: int
    body: Any
    headers: Mapping[str, str]


class FlattrApi:
    """Sends requests to ``<api root>/<path>`` and returns :class:`Answer` or raises."""

    def __init__(self, http: HttpClient, api_root: str, gate: RateLimitGate) -> None:
        self.http = http
        self.api_root = api_root.rstrip("/")
        self.gate = gate

    def url(self, path: str) -> str:
        return f"{self.api_root}/{path.lstrip('/')}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Mapping[str, Any] | None = None,
        accept: str = "application/json",
        not_found: type[NotFound] = NotFound,
        allow_redirects: bool = True,
        expected: tuple[int, ...] = (),
        rate_limited: bool = True,
    ) -> Answer:
        """Send one call; statuses in ``expected`` are answers, not errors (lookup's 302/404).

        A ``rate_limit_exceeded`` refusal in ``"wait"`` mode is tried once more
        after the period resets (the refused request was never acted on).
        ``rate_limited=False`` is for ``/rate_limit``, which spends no budget.
        """
        url = self.url(path)
        what = f"{method} {urlsplit(url).path}"  # the path really sent, with the API's root
        for attempt in (1, 2):
            if rate_limited:
                self.gate.before_request()
            response = self.http.request(
                method,
                url,
                params=params,
                json_body=json_body,
                headers={"Accept": accept},
                allow_redirects=allow_redirects,
            )
            self.gate.observe(response.headers)
            status = response.status_code
            if status < 400 or status in expected:
                body = self._decode(response) if response.content.strip() else None
                return Answer(status, body, response.headers)
            error = self._error(response, what, not_found)
            if isinstance(error, RateLimited) and attempt == 1 and self.gate.mode == "wait":
                if RateLimit.from_headers(response.headers) is None:
                    self.gate.exhausted(None)
                if error.retry_after is not None and error.retry_after <= self.gate.max_wait:
                    continue
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(self, response: requests.Response) -> Any:
        return decode_json(response, PROVIDER, self.http.redactor)

    def _error(
        self, response: requests.Response, what: str, not_found: type[NotFound]
    ) -> PaySupportError:
        body = self._decode(response)  # an HTML error page raises ResponseFormatError here
        seen = RateLimit.from_headers(response.headers)
        return error_from_response(
            response,
            body,
            what,
            self.http.redactor,
            not_found=not_found,
            retry_after=seen.seconds_to_reset() if seen else None,
        )
