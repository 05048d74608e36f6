"""paysupport: one API over micro-payment and creator-support services.

Start with :func:`available` to see the installed providers and
:func:`connect` to get a client::

    import paysupport
    client = paysupport.connect("flattr", client_id=..., client_secret=...)
    client.support("https://example.com/episode-12")
"""

from paysupport._version import __version__
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
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.login import LoginStart
from paysupport.provider import Capability, Client, ProviderInfo, Registration, User
from paysupport.registry import available, connect, load_failures
from paysupport.resource import Record, Resource
from paysupport.tokens import (
    JsonFileTokenStore,
    MemoryTokenStore,
    SqliteTokenStore,
    Token,
    TokenStore,
)
from paysupport.walk import Page, Walk

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
    "NotFound",
    "Page",
    "PaySupportError",
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
    "load_failures",
]
