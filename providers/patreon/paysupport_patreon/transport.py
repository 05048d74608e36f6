"""One Patreon call: send it through the client's HTTP layer, return a JSON:API document.

Every answer goes through here, so every failure becomes a library error in one
place: error statuses and ``errors`` arrays (:mod:`paysupport_patreon.errors`),
HTML pages and truncated or malformed JSON (``ResponseFormatError``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from paysupport.errors import ResponseFormatError
from paysupport.http import HttpClient, decode_json
from paysupport.jsonapi import JsonApiDocument
from paysupport.redact import Redactor
from paysupport_patreon.errors import PROVIDER, error_from_response

V2 = "/api/oauth2/v2"
V1 = "/api/oauth2/api"


class Transport:
    """Sends Patreon calls on a client's pooled session (thread-safe like the session)."""

    def __init__(self, http: HttpClient, redactor: Redactor) -> None:
        self.http = http
        self.redactor = redactor

    def call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        json_body: Any = None,
        auth: requests.auth.AuthBase | bool = True,
    ) -> Any:
        """The decoded JSON answer (``None`` for 204); raises the library's errors."""
        what = f"{method} {path.split('?', 1)[0]}"
        response = self.http.request(method, path, params=params, json_body=json_body, auth=auth)
        if response.status_code >= 400:
            raise error_from_response(response, self.redactor, what)
        if response.status_code == 204:
            return None
        payload = decode_json(response, PROVIDER, self.redactor)
        if isinstance(payload, Mapping) and payload.get("errors"):
            raise error_from_response(response, self.redactor, what)
        return payload

    def document(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        json_body: Any = None,
        auth: requests.auth.AuthBase | bool = True,
    ) -> JsonApiDocument:
        """The answer as a :class:`JsonApiDocument` (``ResponseFormatError`` if it is none).

        The body is checked here but decoded only when read: a walk decodes its
        pages straight into typed resources (:meth:`JsonApiDocument.decode_as`),
        without the dicts of ``json.loads``. An answer that is not a JSON:API
        document goes through :func:`~paysupport.http.decode_json`, whose errors
        carry the status and a redacted excerpt.
        """
        what = f"{method} {path.split('?', 1)[0]}"
        response = self.http.request(method, path, params=params, json_body=json_body, auth=auth)
        if response.status_code >= 400:
            raise error_from_response(response, self.redactor, what)
        body = response.content
        if response.status_code != 204 and b'"errors"' not in body:
            try:
                return JsonApiDocument.from_answer(body, provider=PROVIDER)
            except ResponseFormatError:
                pass  # said again below, with the status and an excerpt where it helps
        payload = (
            None if response.status_code == 204 else decode_json(response, PROVIDER, self.redactor)
        )
        if isinstance(payload, Mapping) and payload.get("errors"):
            raise error_from_response(response, self.redactor, what)
        return JsonApiDocument(payload, provider=PROVIDER)
