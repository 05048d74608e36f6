"""The API's error body and the documented error codes (api.md, "Client errors").

Every handler signals a client error by raising :class:`ApiError`; the REST
dispatcher turns it into the documented JSON body, so no handler builds error
responses by hand and the body shape cannot drift between routes.
"""

from __future__ import annotations

from typing import Any

#: The ``error_uri`` the documentation shows in every error body.
ERROR_URI = "https://developers.flattr.net/api"


class ApiError(Exception):
    """A documented client error: HTTP status, Flattr error code, description."""

    def __init__(
        self,
        status: int,
        code: str,
        description: str,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {description}")
        self.status = status
        self.code = code
        self.description = description
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {
            "error": self.code,
            "error_description": self.description,
            "error_uri": ERROR_URI,
        }


def not_found(description: str = "The resource was not found") -> ApiError:
    return ApiError(404, "not_found", description)


def unauthorized(description: str = "You are unauthorized to access the resource") -> ApiError:
    return ApiError(
        401,
        "unauthorized",
        description,
        headers={"WWW-Authenticate": 'Bearer realm="flattr"'},
    )


def insufficient_scope(scope: str) -> ApiError:
    return ApiError(
        403,
        "insufficient_scope",
        f"The scope {scope} is required to access this resource",
    )


def invalid_parameters(description: str) -> ApiError:
    return ApiError(400, "invalid_parameters", description)


def invalid_request(description: str = "Request is not valid") -> ApiError:
    return ApiError(400, "invalid_request", description)


def validation(description: str) -> ApiError:
    return ApiError(400, "validation", description)
