"""paysupport: one API over micro-payment and creator-support services.

Start with :func:`available` to see the installed providers and
:func:`connect` to get a client::

    import paysupport
    client = paysupport.connect("flattr", client_id=..., client_secret=...)
    client.support("https://example.com/episode-12")

The names are imported on first use (:mod:`paysupport.lazy`): ``import paysupport``
alone imports neither ``requests`` nor any provider, so the command line and
anything that only reads providers' declarations start fast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from paysupport._version import __version__
from paysupport.lazy import lazy_exports

if TYPE_CHECKING:
    from paysupport.config import ConfigWarning
    from paysupport.errors import (
        AccessDenied,
        AlreadySupported,
        AuthError,
        ConfigError,
        DeadlineExceeded,
        HTTPError,
        InsufficientScope,
        InvalidRequest,
        InvalidToken,
        LedgerError,
        MissingExtra,
        NotFound,
        PaymentError,
        PaySupportError,
        ProviderNotFound,
        RateLimited,
        RedirectRefused,
        ResponseFormatError,
        ResponseTooLarge,
        StateMismatch,
        Timeout,
        TokenExpired,
        TokenStoreError,
        TransportError,
        Unsupported,
    )
    from paysupport.http import HttpOptions
    from paysupport.info import Capability, ProviderInfo
    from paysupport.jsonapi import JsonApiDocument, JsonApiResource
    from paysupport.login import LoginStart
    from paysupport.money import Money
    from paysupport.provider import Client, Registration, User
    from paysupport.registry import available, connect, load_failures
    from paysupport.resource import Record, Resource
    from paysupport.supporters import SupportCheck, Supporter, is_supporter
    from paysupport.tokens import (
        JsonFileTokenStore,
        MemoryTokenStore,
        SqliteTokenStore,
        Token,
        TokenStore,
    )
    from paysupport.walk import Page, Walk

#: Where each public name lives (a submodule of this package).
_HOMES = {
    "AccessDenied": "errors",
    "AlreadySupported": "errors",
    "AuthError": "errors",
    "Capability": "info",
    "Client": "provider",
    "ConfigError": "errors",
    "ConfigWarning": "config",
    "DeadlineExceeded": "errors",
    "HTTPError": "errors",
    "HttpOptions": "http",
    "InsufficientScope": "errors",
    "InvalidRequest": "errors",
    "InvalidToken": "errors",
    "JsonApiDocument": "jsonapi",
    "JsonApiResource": "jsonapi",
    "JsonFileTokenStore": "tokens",
    "LedgerError": "errors",
    "LoginStart": "login",
    "MemoryTokenStore": "tokens",
    "MissingExtra": "errors",
    "Money": "money",
    "NotFound": "errors",
    "Page": "walk",
    "PaySupportError": "errors",
    "PaymentError": "errors",
    "ProviderInfo": "info",
    "ProviderNotFound": "errors",
    "RateLimited": "errors",
    "Record": "resource",
    "RedirectRefused": "errors",
    "Registration": "provider",
    "Resource": "resource",
    "ResponseFormatError": "errors",
    "ResponseTooLarge": "errors",
    "SqliteTokenStore": "tokens",
    "StateMismatch": "errors",
    "SupportCheck": "supporters",
    "Supporter": "supporters",
    "Timeout": "errors",
    "Token": "tokens",
    "TokenExpired": "errors",
    "TokenStore": "tokens",
    "TokenStoreError": "errors",
    "TransportError": "errors",
    "Unsupported": "errors",
    "User": "provider",
    "Walk": "walk",
    "available": "registry",
    "connect": "registry",
    "is_supporter": "supporters",
    "load_failures": "registry",
}

#: Submodules that ``import paysupport`` used to import, still reachable as attributes
#: (``paysupport.http.HttpClient`` after a bare ``import paysupport``).
_SUBMODULES = frozenset(
    {
        "auth",
        "config",
        "errors",
        "http",
        "info",
        "jsonapi",
        "login",
        "provider",
        "redact",
        "registry",
        "resource",
        "tokens",
        "walk",
    }
)

_exported, __dir__ = lazy_exports(__name__, _HOMES)


def __getattr__(name: str) -> Any:
    """A public name (imported now, kept), or a submodule ``import paysupport`` once loaded."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    return _exported(name)


__all__ = [
    "AccessDenied",
    "AlreadySupported",
    "AuthError",
    "Capability",
    "Client",
    "ConfigError",
    "ConfigWarning",
    "DeadlineExceeded",
    "HTTPError",
    "HttpOptions",
    "InsufficientScope",
    "InvalidRequest",
    "InvalidToken",
    "JsonApiDocument",
    "JsonApiResource",
    "JsonFileTokenStore",
    "LedgerError",
    "LoginStart",
    "MemoryTokenStore",
    "MissingExtra",
    "Money",
    "NotFound",
    "Page",
    "PaySupportError",
    "PaymentError",
    "ProviderInfo",
    "ProviderNotFound",
    "RateLimited",
    "Record",
    "RedirectRefused",
    "Registration",
    "Resource",
    "ResponseFormatError",
    "ResponseTooLarge",
    "SqliteTokenStore",
    "StateMismatch",
    "SupportCheck",
    "Supporter",
    "Timeout",
    "Token",
    "TokenExpired",
    "TokenStore",
    "TokenStoreError",
    "TransportError",
    "Unsupported",
    "User",
    "Walk",
    "__version__",
    "available",
    "connect",
    "is_supporter",
    "load_failures",
]
