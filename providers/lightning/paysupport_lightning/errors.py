"""The wallet's refusals (NIP-47 error codes) and the relay's failures as the library's errors.

One table, :data:`ERRORS_BY_CODE`, says which error each NIP-47 code becomes:

===========================  ==========================================================
``INSUFFICIENT_BALANCE``     :class:`InsufficientBalance` (a core ``PaymentError``)
``QUOTA_EXCEEDED``           :class:`QuotaExceeded` (a core ``PaymentError``)
``PAYMENT_FAILED``           :class:`PaymentFailed` (a core ``PaymentError``)
``RATE_LIMITED``             core ``RateLimited`` (``retry_after`` when the wallet gives one)
``UNAUTHORIZED``             core ``InvalidToken``: the connection is unknown or revoked
``RESTRICTED``               core ``InsufficientScope``: the connection may not do this
``NOT_IMPLEMENTED``,         core ``Unsupported``
``UNSUPPORTED_ENCRYPTION``
``NOT_FOUND``                core ``NotFound``
``INTERNAL``, ``OTHER``,     :class:`WalletError` (a core ``HTTPError`` without a status)
anything else
===========================  ==========================================================

A ``PaymentError`` means nothing was paid by that request. A request without an
answer is :class:`NoAnswer` (a core ``Timeout``) and a relay lost while waiting
is :class:`RelayError` (a core ``TransportError``): then the outcome is unknown,
and a payment is settled with ``lookup(payment_hash)``, never by paying again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from paysupport.errors import (
    HTTPError,
    InsufficientScope,
    InvalidToken,
    NotFound,
    PaymentError,
    PaySupportError,
    RateLimited,
    Timeout,
    TransportError,
    Unsupported,
)

PROVIDER = "lightning"


class InsufficientBalance(PaymentError):
    """The wallet cannot cover the amount and its fee reserve (``INSUFFICIENT_BALANCE``)."""


class QuotaExceeded(PaymentError):
    """The connection's budget is spent (``QUOTA_EXCEEDED``); the wallet's owner can raise it."""


class PaymentFailed(PaymentError):
    """The wallet tried and the payment failed (``PAYMENT_FAILED``): no route, no capacity."""


class WalletError(HTTPError):
    """The wallet service answered with an error of its own (``INTERNAL``, ``OTHER``...).

    ``status`` is ``None`` (no HTTP here); ``code`` is the NIP-47 code, ``request_id``
    the id of the request event.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = PROVIDER,
        status: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message, provider=provider, status=status, code=code, request_id=request_id
        )


class NoAnswer(Timeout):
    """The wallet did not answer within ``request_timeout``: the outcome is unknown.

    ``method`` is the NIP-47 method, ``request_id`` the request event's id and
    ``payment_hash`` the payment's hash for ``pay_keysend`` (known before sending,
    since the client chooses the preimage): settle it with ``lookup(payment_hash)``.
    The request carried an ``expiration`` tag, so a wallet that receives it later
    ignores it.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str,
        request_id: str | None = None,
        payment_hash: str | None = None,
        provider: str | None = PROVIDER,
    ) -> None:
        self.method = method
        self.request_id = request_id
        self.payment_hash = payment_hash
        super().__init__(message, provider=provider)


class RelayError(TransportError):
    """The relay could not be reached, refused the request, or dropped the connection.

    ``relay`` is the relay's URL. When the connection was lost after a request was
    sent (``sent`` is true), the wallet's answer may be lost with it: for a payment,
    ``lookup(payment_hash)`` says what happened. The next call connects again.
    """

    def __init__(
        self,
        message: str,
        *,
        relay: str,
        sent: bool = False,
        payment_hash: str | None = None,
        provider: str | None = PROVIDER,
    ) -> None:
        self.relay = relay
        self.sent = sent
        self.payment_hash = payment_hash
        super().__init__(message, provider=provider)


class LightningAddressError(HTTPError):
    """A Lightning Address's server answered ``{"status": "ERROR", "reason": ...}``.

    ``address`` is the address; ``code`` is ``"ERROR"``.
    """

    def __init__(
        self, message: str, *, address: str, status: int | None = None, provider: str = PROVIDER
    ) -> None:
        self.address = address
        super().__init__(message, provider=provider, status=status, code="ERROR")


#: Makes the error for one code: ``(message, code, request_id, the error object)``.
ErrorFactory = Callable[[str, str, "str | None", Mapping[str, Any]], PaySupportError]


def _payment(cls: type[PaymentError]) -> ErrorFactory:
    def make(
        message: str, code: str, request_id: str | None, error: Mapping[str, Any]
    ) -> PaySupportError:
        return cls(message, provider=PROVIDER, code=code)

    return make


def _http(cls: type[HTTPError]) -> ErrorFactory:
    def make(
        message: str, code: str, request_id: str | None, error: Mapping[str, Any]
    ) -> PaySupportError:
        return cls(message, provider=PROVIDER, status=None, code=code, request_id=request_id)

    return make


def _rate_limited(
    message: str, code: str, request_id: str | None, error: Mapping[str, Any]
) -> RateLimited:
    retry_after = error.get("retry_after")
    return RateLimited(
        message,
        provider=PROVIDER,
        status=None,
        code=code,
        request_id=request_id,
        retry_after=float(retry_after)
        if isinstance(retry_after, (int, float)) and not isinstance(retry_after, bool)
        else None,
    )


def _unsupported(
    message: str, code: str, request_id: str | None, error: Mapping[str, Any]
) -> Unsupported:
    return Unsupported(f"{message} ({code})", provider=PROVIDER, capability=code.lower())


#: The library error each NIP-47 error code becomes (see the module's table).
ERRORS_BY_CODE: Mapping[str, ErrorFactory] = {
    "INSUFFICIENT_BALANCE": _payment(InsufficientBalance),
    "QUOTA_EXCEEDED": _payment(QuotaExceeded),
    "PAYMENT_FAILED": _payment(PaymentFailed),
    "RATE_LIMITED": _rate_limited,
    "UNAUTHORIZED": _http(InvalidToken),
    "RESTRICTED": _http(InsufficientScope),
    "NOT_IMPLEMENTED": _unsupported,
    "UNSUPPORTED_ENCRYPTION": _unsupported,
    "NOT_FOUND": _http(NotFound),
}


def wallet_error(
    error: Mapping[str, Any], *, method: str, request_id: str | None = None
) -> PaySupportError:
    """The library error for a NIP-47 response's ``error`` object ``{"code", "message"}``."""
    code = str(error.get("code") or "OTHER")
    text = str(error.get("message") or "").strip()
    message = f"{method}: {text}" if text else f"{method} refused"
    make = ERRORS_BY_CODE.get(code, _http(WalletError))
    return make(message, code, request_id, error)


__all__ = [
    "ERRORS_BY_CODE",
    "PROVIDER",
    "ErrorFactory",
    "InsufficientBalance",
    "LightningAddressError",
    "NoAnswer",
    "PaymentFailed",
    "QuotaExceeded",
    "RelayError",
    "WalletError",
    "wallet_error",
]
