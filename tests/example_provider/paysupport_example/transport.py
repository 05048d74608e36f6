"""One Example API call: send it through the core's HttpClient, read the JSON answer.

Every call of the client goes through :meth:`Transport.call`, so the rules are in one
place: no key configured is :class:`~paysupport.errors.InvalidToken` before anything
is sent; a refusal becomes the library's error (:mod:`paysupport_example.errors`); a
body that is not JSON (an HTML error page, a cut-off answer) is
:class:`~paysupport.errors.ResponseFormatError`. GETs send their parameters in the
query string and may be retried by the HTTP layer; POSTs send a form and are not
retried, so a tip is never sent twice by the library.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paysupport.errors import InvalidToken
from paysupport.http import HttpClient, decode_json

from .errors import error_from_response
from .info import PROVIDER

__all__ = ["Transport"]


class Transport:
    """Sends the client's calls: its HttpClient carries the base URL, the key and retries."""

    def __init__(self, http: HttpClient) -> None:
        self.http = http

    def call(self, method: str, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """The decoded JSON answer of ``method path``, or the library's error."""
        if self.http.auth is None:
            raise InvalidToken(
                "no api_key configured (set EXAMPLE_API_KEY or pass api_key=...)",
                provider=PROVIDER,
            )
        response = self.http.request(
            method,
            path,
            params=params if method == "GET" else None,
            data=params if method != "GET" else None,
        )
        if response.status_code >= 400:
            raise error_from_response(response, f"{method} {path}")
        return decode_json(response, PROVIDER, self.http.redactor)
