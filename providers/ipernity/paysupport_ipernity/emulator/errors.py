"""Error codes the emulator answers with, and the exception that carries them.

Ipernity answers API errors with HTTP 200 and ``{"api": {"status": "error", "code": N,
"message": "..."}}``. Codes below 100 are specific to the method that was called (code 1
of ``doc.get`` is "Document not found"); codes from 100 up are common to all methods.

Documented by Ipernity (NOTES.md and the catalog's ``api.methods.get`` example):

- ``1`` "Method not found" (the method name is unknown)
- ``100`` "API Key is missing"
- ``104`` missing signature, ``105`` invalid signature

Chosen by the emulator where the reference is silent (clients should treat them as the
emulator's vocabulary, not Ipernity's):

- ``101`` invalid API key, ``102`` method requires POST, ``103`` missing required
  parameter, ``106`` auth_token missing, ``107`` invalid or expired auth_token, ``108``
  token lacks a permission the method needs, ``109`` output format not emulated (only
  ``json``), ``110`` rate limit exceeded (sent with HTTP 429), ``999`` internal emulator
  error (sent with HTTP 500).
- A catalog method with no documented response answers ``1`` "Method not found", as an
  unknown one does: the emulator has nothing documented to answer with.
- Method-specific: ``1`` the object named by the call does not exist or is not visible to
  the caller ("Document not found", "Album not found", "User not found", "Invalid frob"),
  ``2`` the caller may not do this to that object ("You do not own this document") or, for
  ``auth.getToken``, the frob has not been authorized yet, ``3`` a parameter value is
  invalid.
"""

from __future__ import annotations

__all__ = [
    "ACCESS_DENIED",
    "API_KEY_INVALID",
    "API_KEY_MISSING",
    "BAD_VALUE",
    "FORMAT_NOT_EMULATED",
    "INTERNAL",
    "METHOD_NOT_FOUND",
    "NOT_FOUND",
    "PARAMETER_MISSING",
    "PERMISSION_DENIED",
    "POST_REQUIRED",
    "RATE_LIMITED",
    "SIGNATURE_INVALID",
    "SIGNATURE_MISSING",
    "TOKEN_INVALID",
    "TOKEN_MISSING",
    "ApiError",
]

# Method-specific codes.
NOT_FOUND = 1
ACCESS_DENIED = 2
BAD_VALUE = 3

# Common codes.
METHOD_NOT_FOUND = 1
API_KEY_MISSING = 100
API_KEY_INVALID = 101
POST_REQUIRED = 102
PARAMETER_MISSING = 103
SIGNATURE_MISSING = 104
SIGNATURE_INVALID = 105
TOKEN_MISSING = 106
TOKEN_INVALID = 107
PERMISSION_DENIED = 108
FORMAT_NOT_EMULATED = 109
RATE_LIMITED = 110
INTERNAL = 999


class ApiError(Exception):
    """An API call refused with Ipernity's error envelope."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message

    def envelope(self) -> dict[str, dict[str, object]]:
        """The JSON body Ipernity sends for this error."""
        return {"api": {"status": "error", "code": self.code, "message": self.message}}
