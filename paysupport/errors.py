"""One exception tree for every provider, rooted in :class:`PaySupportError`.

Callers catch at the level they care about: ``PaySupportError`` for anything
the library raises, ``TransportError`` to retry later, ``AuthError`` to send the
user back through login. Every error names the provider; HTTP errors also carry
the status, the provider's own error code and the request id. Messages are
redacted before they are stored, so ``str(error)`` is safe to log.
"""

from __future__ import annotations

from collections.abc import Sequence


class PaySupportError(Exception):
    """Base of every error raised by paysupport and its providers."""

    def __init__(self, message: str, *, provider: str | None = None) -> None:
        self.provider = provider
        self.message = message
        super().__init__(self._render())

    def _render(self) -> str:
        return f"[{self.provider}] {self.message}" if self.provider else self.message


class ConfigError(PaySupportError):
    """Configuration is missing or malformed; ``path`` and ``line`` point at the culprit."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        path: str | None = None,
        line: int | None = None,
    ) -> None:
        self.path = path
        self.line = line
        where = ""
        if path:
            where = f" ({path}" + (f", line {line}" if line else "") + ")"
        super().__init__(message + where, provider=provider)


class TokenStoreError(ConfigError):
    """The token store cannot be used: unreadable, unwritable, locked, or holding a damaged entry.

    ``store`` names the store (its file, or the keyring service), ``key`` the
    entry (``provider:account``) when one is concerned, ``reason`` what went wrong. It is a
    :class:`ConfigError` because the fix is on the machine, not at the provider;
    the text says what to do and never carries a token.
    """

    def __init__(
        self,
        message: str,
        *,
        store: str,
        key: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.store = store
        self.key = key
        self.reason = message
        entry = f"entry {key!r} of " if key else ""
        super().__init__(f"token store {entry}{store}: {message}", provider=provider)


class MissingExtra(ConfigError, ImportError):
    """This part of paysupport needs an optional extra that is not installed.

    ``extra`` names it (``sandbox``, ``testing``, ``feeds``), ``part`` what needs
    it, ``name`` the module that could not be imported, ``distribution`` the one
    to install it on; the message is the command that fixes it. A
    :class:`ConfigError`, since the fix is on the machine; also an
    ``ImportError``, since it is raised where an import failed, so ``except
    ImportError`` and ``pytest.importorskip`` go on working.
    """

    def __init__(
        self,
        extra: str,
        *,
        part: str,
        module: str,
        distribution: str = "paysupport",
        provider: str | None = None,
    ) -> None:
        self.extra = extra
        self.part = part
        self.distribution = distribution
        super().__init__(
            f"{part} needs the {extra!r} extra (no module named {module!r}): "
            f"pip install '{distribution}[{extra}]'",
            provider=provider,
        )
        self.name = module


class LedgerError(PaySupportError):
    """The support ledger cannot be used: damaged, locked too long, or not writable.

    ``path`` is the ledger file. Nothing is requested from a provider while the
    ledger cannot record the intent, so no support is made twice; a support made
    just before the ledger failed is settled by the next run, through the
    provider's own "already supported" answer.
    """

    def __init__(self, message: str, *, path: str) -> None:
        self.path = path
        super().__init__(f"ledger {path}: {message}")


class PaymentError(PaySupportError):
    """A payment was refused or failed at the provider: nothing was paid by this attempt.

    ``code`` is the provider's own code (NIP-47's ``INSUFFICIENT_BALANCE``,
    ``QUOTA_EXCEEDED``, ``PAYMENT_FAILED``). Providers raise subclasses (Lightning's
    ``InsufficientBalance``, ``QuotaExceeded``, ``PaymentFailed``). A payment whose
    outcome is unknown (no answer in time) is a :class:`Timeout` instead, never this.
    """

    def __init__(
        self, message: str, *, provider: str | None = None, code: str | int | None = None
    ) -> None:
        self.code = code
        super().__init__(message, provider=provider)

    def _render(self) -> str:
        text = super()._render()
        return f"{text} (code {self.code})" if self.code is not None else text


class ProviderNotFound(PaySupportError):
    """No installed provider has this name; ``installed`` lists the ones that are."""

    def __init__(self, name: str, installed: Sequence[str]) -> None:
        self.name = name
        self.installed = tuple(installed)
        listing = ", ".join(self.installed) or "none"
        super().__init__(f"no provider named {name!r} is installed (installed: {listing})")


class Unsupported(PaySupportError):
    """The provider cannot do this; raised before any request is sent.

    ``capability`` names what is missing. ``url`` is where a person can do it by
    hand when there is such a place (Patreon's pledge page, for example).
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        capability: str | None = None,
        url: str | None = None,
    ) -> None:
        self.capability = capability
        self.url = url
        super().__init__(message, provider=provider)


class TransportError(PaySupportError):
    """The request did not get an answer: connection refused or reset, DNS, TLS, timeout."""


class Timeout(TransportError):
    """The server did not answer within the configured connect or read timeout."""


class DeadlineExceeded(Timeout):
    """The whole request outlasted its deadline (``HttpOptions.deadline``), ``deadline`` seconds.

    Connect and read timeouts bound each wait, not the total: a body trickling one
    byte a second never trips a read timeout. The deadline covers every attempt,
    retry sleep, redirect and the reading of the body.
    """

    def __init__(self, message: str, *, provider: str | None = None, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(message, provider=provider)


class ResponseFormatError(PaySupportError):
    """The answer was not what the API speaks: an HTML page, a truncated or non-JSON body.

    ``excerpt`` is a short, redacted start of the body to help diagnose it.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        excerpt: str = "",
    ) -> None:
        self.status = status
        self.excerpt = excerpt
        detail = f"{message} (HTTP {status})" if status else message
        if excerpt:
            detail += f": {excerpt!r}"
        super().__init__(detail, provider=provider)


class ResponseTooLarge(ResponseFormatError):
    """The body is larger than ``HttpOptions.max_body_bytes`` (``limit``); reading stopped there.

    No answer of the APIs paysupport speaks comes near the limit, so a larger one
    is a misbehaving server or a wrong URL, not data worth holding in memory.
    """

    def __init__(
        self, message: str, *, provider: str | None = None, status: int | None = None, limit: int
    ) -> None:
        self.limit = limit
        super().__init__(message, provider=provider, status=status)


class RedirectRefused(ResponseFormatError):
    """The server redirected a request where paysupport will not follow.

    A POST (a token request, a signed call) never follows a redirect: its body
    carries secrets (``client_secret``, ``refresh_token``, ``api_sig``...) that
    would be sent again to the new address. Other requests follow redirects only
    within their origin (scheme, host and port). ``location`` is the redacted target.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        location: str = "",
    ) -> None:
        self.location = location
        super().__init__(message, provider=provider, status=status)


class HTTPError(PaySupportError):
    """The provider answered with an error.

    ``status`` is the HTTP status (``None`` when the provider signals errors
    inside a 200 body, as Ipernity does), ``code`` the provider's own error
    code, ``request_id`` the provider's request id when it sends one.
    """

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.request_id = request_id
        super().__init__(message, provider=provider)

    def _render(self) -> str:
        parts = [super()._render()]
        details = []
        if self.status is not None:
            details.append(f"HTTP {self.status}")
        if self.code is not None:
            details.append(f"code {self.code}")
        if self.request_id:
            details.append(f"request {self.request_id}")
        if details:
            parts.append(f"({', '.join(details)})")
        return " ".join(parts)


class InvalidRequest(HTTPError):
    """The request was refused as malformed, or failed validation before being sent."""


class AlreadySupported(InvalidRequest):
    """The provider refused because this account already supported the target.

    Providers raise a subclass (Flattr's ``AlreadyFlattred``); the podcatcher's
    ledger treats it as proof that an earlier, interrupted attempt succeeded.
    """


class NotFound(HTTPError):
    """The resource does not exist (or is not visible to this token)."""


class RateLimited(HTTPError):
    """Too many requests; ``retry_after`` is how many seconds to wait, when known."""

    def __init__(
        self,
        message: str,
        *,
        provider: str | None = None,
        status: int | None = 429,
        code: str | int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message, provider=provider, status=status, code=code, request_id=request_id
        )


class AuthError(HTTPError):
    """Authentication or authorisation failed; the user may need to log in again."""


class InvalidToken(AuthError):
    """The token is unknown, revoked, or was refused by the provider."""


class TokenExpired(InvalidToken):
    """The token expired and could not be refreshed."""


class InsufficientScope(AuthError):
    """The token is valid but lacks a scope or permission the call needs."""


class StateMismatch(AuthError):
    """The OAuth callback's ``state`` differs from the one issued: possible CSRF."""


class AccessDenied(AuthError):
    """The user declined the authorisation request."""


__all__ = [
    "AccessDenied",
    "AlreadySupported",
    "AuthError",
    "ConfigError",
    "DeadlineExceeded",
    "HTTPError",
    "InsufficientScope",
    "InvalidRequest",
    "InvalidToken",
    "LedgerError",
    "MissingExtra",
    "NotFound",
    "PaySupportError",
    "PaymentError",
    "ProviderNotFound",
    "RateLimited",
    "RedirectRefused",
    "ResponseFormatError",
    "ResponseTooLarge",
    "StateMismatch",
    "Timeout",
    "TokenExpired",
    "TokenStoreError",
    "TransportError",
    "Unsupported",
]
