"""How the client authenticates: the application's API key, in the ``X-Api-Key`` header.

Nobody logs in to Example (``INFO.auth == "none"``): one key per application goes
with every request. It is installed as the HTTP layer's auth, so every request of
the client carries it, ``paysupport call`` included, and the redactor (the key is a
secret setting) masks it in logs, errors and reprs.
"""

from __future__ import annotations

import requests
from requests.models import PreparedRequest

__all__ = ["HEADER", "ApiKeyAuth"]

#: Where the service reads the key.
HEADER = "X-Api-Key"


class ApiKeyAuth(requests.auth.AuthBase):
    """Puts the API key on each request; ``repr`` never shows it."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key

    def __call__(self, request: PreparedRequest) -> PreparedRequest:
        request.headers[HEADER] = self.api_key
        return request

    def __repr__(self) -> str:
        return "ApiKeyAuth(api_key=***)"
