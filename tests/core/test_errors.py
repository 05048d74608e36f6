"""One exception tree: catch at the level you care about, and read what went wrong."""

from __future__ import annotations

import inspect

import pytest

import paysupport
from paysupport import errors
from paysupport.errors import (
    AccessDenied,
    AuthError,
    ConfigError,
    HTTPError,
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    ProviderNotFound,
    RateLimited,
    ResponseFormatError,
    StateMismatch,
    Timeout,
    TokenExpired,
    TransportError,
    Unsupported,
)

EVERY_ERROR = [
    obj
    for _, obj in inspect.getmembers(errors, inspect.isclass)
    if issubclass(obj, Exception) and obj.__module__ == errors.__name__
]


def test_every_error_is_exported_and_listed() -> None:
    assert sorted(e.__name__ for e in EVERY_ERROR) == sorted(errors.__all__)
    for error in EVERY_ERROR:
        assert getattr(paysupport, error.__name__) is error


@pytest.mark.parametrize("error", EVERY_ERROR, ids=lambda e: e.__name__)
def test_every_error_is_a_paysupport_error(error: type[Exception]) -> None:
    assert issubclass(error, PaySupportError)


@pytest.mark.parametrize(
    ("error", "bases"),
    [
        (InvalidToken, (AuthError, HTTPError)),
        (TokenExpired, (InvalidToken, AuthError, HTTPError)),
        (InsufficientScope, (AuthError, HTTPError)),
        (StateMismatch, (AuthError, HTTPError)),
        (AccessDenied, (AuthError, HTTPError)),
        (NotFound, (HTTPError,)),
        (InvalidRequest, (HTTPError,)),
        (RateLimited, (HTTPError,)),
        (Timeout, (TransportError,)),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else "",
)
def test_hierarchy(error: type[Exception], bases: tuple[type[Exception], ...]) -> None:
    for base in bases:
        assert issubclass(error, base)


def test_transport_and_http_errors_are_separate_branches() -> None:
    # "Retry later" and "the provider said no" are caught apart.
    assert not issubclass(Timeout, HTTPError)
    assert not issubclass(NotFound, TransportError)
    assert not issubclass(ResponseFormatError, (HTTPError, TransportError))


def test_catching_auth_error_catches_an_expired_token() -> None:
    with pytest.raises(AuthError):
        raise TokenExpired("log in again", provider="patreon", status=401)


def test_the_message_names_the_provider() -> None:
    error = PaySupportError("something broke", provider="flattr")
    assert str(error) == "[flattr] something broke"
    assert error.message == "something broke"
    assert error.provider == "flattr"
    assert str(PaySupportError("no provider yet")) == "no provider yet"


def test_http_error_names_provider_status_code_and_request_id() -> None:
    error = InsufficientScope(
        "the token lacks campaigns.members",
        provider="patreon",
        status=403,
        code="scope",
        request_id="req-8f2a",
    )
    assert str(error) == (
        "[patreon] the token lacks campaigns.members (HTTP 403, code scope, request req-8f2a)"
    )
    assert (error.status, error.code, error.request_id) == (403, "scope", "req-8f2a")


def test_http_error_leaves_out_what_it_does_not_know() -> None:
    # Ipernity reports errors inside a 200 body: a code, no status.
    assert str(InvalidToken("bad token", provider="ipernity", code=98)) == (
        "[ipernity] bad token (code 98)"
    )
    assert str(NotFound("no such thing", provider="flattr", status=404)) == (
        "[flattr] no such thing (HTTP 404)"
    )
    assert str(HTTPError("plain", provider="flattr")) == "[flattr] plain"


def test_a_code_of_zero_is_still_shown() -> None:
    assert "code 0" in str(HTTPError("odd", provider="ipernity", code=0))


def test_rate_limited_says_how_long_to_wait() -> None:
    error = RateLimited("slow down", provider="flattr", retry_after=30.0)
    assert error.status == 429
    assert error.retry_after == 30.0
    assert str(error) == "[flattr] slow down (HTTP 429)"
    assert RateLimited("quota", provider="ipernity", status=None).status is None


def test_response_format_error_carries_status_and_excerpt() -> None:
    error = ResponseFormatError(
        "expected JSON but got an HTML page", provider="patreon", status=502, excerpt="<html>"
    )
    assert str(error) == "[patreon] expected JSON but got an HTML page (HTTP 502): '<html>'"
    assert (error.status, error.excerpt) == (502, "<html>")


def test_config_error_points_at_path_and_line() -> None:
    error = ConfigError("line is not 'key = value'", path="/etc/paysupport.ini", line=7)
    assert (error.path, error.line) == ("/etc/paysupport.ini", 7)
    assert str(error) == "line is not 'key = value' (/etc/paysupport.ini, line 7)"
    assert str(ConfigError("bad", path="/x.ini")) == "bad (/x.ini)"
    assert str(ConfigError("no client_id", provider="flattr")) == "[flattr] no client_id"


def test_provider_not_found_lists_the_installed_ones() -> None:
    error = ProviderNotFound("patron", ["flattr", "ipernity", "patreon"])
    assert error.name == "patron"
    assert error.installed == ("flattr", "ipernity", "patreon")
    assert str(error) == (
        "no provider named 'patron' is installed (installed: flattr, ipernity, patreon)"
    )
    assert "(installed: none)" in str(ProviderNotFound("x", []))


def test_unsupported_carries_capability_and_url() -> None:
    error = Unsupported(
        "Patreon has no API to pledge",
        provider="patreon",
        capability="support",
        url="https://www.patreon.com/c/example",
    )
    assert error.capability == "support"
    assert error.url == "https://www.patreon.com/c/example"
    assert str(error) == "[patreon] Patreon has no API to pledge"
    bare = Unsupported("no", provider="flattr")
    assert (bare.capability, bare.url) == (None, None)
