"""Patreon's error bodies: JSON:API ``errors`` documents for the API, RFC 6749 errors for OAuth.

The API answers a refusal with ``{"errors": [{code, code_name, detail, id, status,
title}]}``, ``code_name`` naming the kind (``ParameterInvalid``, ``ScopeMissing``,
``RequestThrottled``...); the token endpoint and the authorize redirect answer
with OAuth's ``error`` and ``error_description``. Route code raises these; the
app turns them into responses.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

__all__ = ["ApiError", "OAuthError"]


class ApiError(Exception):
    """An error the API reports as a JSON:API ``errors`` document."""

    TITLES = {
        400: ("ParameterInvalid", "Bad Request"),
        401: ("Unauthorized", "Unauthorized"),
        403: ("Forbidden", "Forbidden"),
        404: ("ResourceMissing", "Not Found"),
        405: ("MethodNotAllowed", "Method Not Allowed"),
        429: ("RequestThrottled", "Too Many Requests"),
        500: ("InternalServerError", "Internal Server Error"),
    }

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code_name: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        default_name, self.title = self.TITLES.get(status, ("Error", "Error"))
        self.code_name = code_name or default_name
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})

    def document(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "code": self.status,
            "code_name": self.code_name,
            "detail": self.detail,
            "id": str(uuid.uuid4()),
            "status": str(self.status),
            "title": self.title,
        }
        error.update(self.extra)
        return {"errors": [error]}


class OAuthError(Exception):
    """An RFC 6749 error for the token endpoint (JSON) or the authorize redirect."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status

    def document(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}
