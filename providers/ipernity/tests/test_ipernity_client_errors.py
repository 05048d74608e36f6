"""Every failure is a library error naming Ipernity, with its code; never a KeyError.

Ipernity errors arrive with HTTP 200 inside the ``api`` block; signature, key and token
problems become the core's auth errors. Bad bodies (an HTML page, truncated JSON, no ``api``
block) come from a small fake server, since the emulator never sends them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from ipernity_helpers import Served, client_for
from paysupport_ipernity import (
    InvalidApiKey,
    IpernityClient,
    IpernityError,
    NotPermitted,
    SignatureError,
    UnknownMethod,
)
from paysupport_ipernity.errors import error_from_envelope

from paysupport.emulation import EmulatorSettings
from paysupport.errors import (
    AuthError,
    HTTPError,
    InvalidRequest,
    InvalidToken,
    NotFound,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
)
from paysupport.http import HttpOptions

Connect = Callable[..., IpernityClient]


def test_a_wrong_secret_is_a_signature_error(connect: Connect) -> None:
    client = connect(api_secret="not-the-secret")
    with pytest.raises(SignatureError) as caught:
        client.user.get(user_id="1001")
    error = caught.value
    assert isinstance(error, AuthError)
    assert (error.provider, error.code, error.status) == ("ipernity", 105, None)
    assert "user.get: Invalid signature" in str(error) and "not-the-secret" not in str(error)


def test_key_and_token_errors_are_auth_errors(connect: Connect) -> None:
    with pytest.raises(InvalidApiKey) as key_error:
        connect(api_key="0" * 32).call("test.hello")
    assert key_error.value.code == 101 and isinstance(key_error.value, AuthError)
    with pytest.raises(InvalidToken) as token_error:
        connect(auth_token="1001-forged").call("test.hello")
    assert token_error.value.code == 107
    assert "1001-forged" not in str(token_error.value)


def test_documented_method_errors(client: IpernityClient, served: Served) -> None:
    with pytest.raises(NotFound) as missing:
        client.doc.get(doc_id="1")
    assert missing.value.code == 1 and "Document not found" in str(missing.value)
    world = served.emulator.state.world
    theirs = next(d for d in world.public_docs if world.docs[d].owner_id != "1001")
    with pytest.raises(NotPermitted) as foreign:
        client.doc.set(doc_id=theirs, title="mine now")
    assert foreign.value.code == 2 and isinstance(foreign.value, HTTPError)
    with pytest.raises(InvalidRequest) as bad_value:
        client.doc.get(doc_id="not-a-number")
    assert bad_value.value.code == 3
    with pytest.raises(UnknownMethod) as not_served:
        client.post.get(post_id="1")  # listed, but with no documented response to serve
    assert not_served.value.code == 1


def test_rate_limits_carry_retry_after(serve: Callable[..., Served]) -> None:
    served = serve(EmulatorSettings(rate_limit=2, rate_window=120))
    client = client_for(served, http_options=HttpOptions(retries=0))
    client.call("test.hello")
    client.call("test.hello")
    with pytest.raises(RateLimited) as caught:
        client.call("test.hello")
    assert caught.value.status == 429 and caught.value.code == 110
    assert caught.value.retry_after is not None and 100 <= caught.value.retry_after <= 120
    client.close()


@pytest.mark.parametrize(
    ("code", "method", "expected"),
    [
        (1, "doc.get", NotFound),
        (1, "x.y", UnknownMethod),
        (2, "auth.getToken", AuthError),
        (100, "test.hello", InvalidApiKey),
        (103, "doc.get", InvalidRequest),
        (104, "doc.get", SignatureError),
        (106, "doc.set", InvalidToken),
        (110, "doc.get", RateLimited),
        (999, "doc.get", IpernityError),
        ("oops", "doc.get", IpernityError),
    ],
)
def test_envelope_codes_map_to_library_errors(
    code: Any, method: str, expected: type[HTTPError]
) -> None:
    message = "Method not found" if method == "x.y" else "Something"
    error = error_from_envelope(
        {"status": "error", "code": code, "message": message},
        method=method,
        status=None,
        request_id="r-1",
    )
    assert isinstance(error, expected)
    assert error.provider == "ipernity" and error.request_id == "r-1"


# -- bad input from a fake server -----------------------------------------------------


def fake_ipernity(status: str, body: bytes, content_type: str = "application/json") -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        start_response(status, [("Content-Type", content_type), ("X-Request-Id", "req-42")])
        return [body]

    return app


BAD_BODIES = [
    ("200 OK", b"<!DOCTYPE html><html><body>Maintenance</body></html>", "text/html"),
    ("200 OK", b'{"api": {"status": "ok"}, "user": {"user_id": "10', "application/json"),
    ("200 OK", b'{"user": {"user_id": "1001"}}', "application/json"),
    ("200 OK", b'["api", "ok"]', "application/json"),
    ("200 OK", b'{"api": "ok"}', "application/json"),
    ("200 OK", b"", "application/json"),
]


@pytest.mark.parametrize(("status", "body", "content_type"), BAD_BODIES)
def test_bad_bodies_are_response_format_errors(
    wsgi_server: Any, status: str, body: bytes, content_type: str
) -> None:
    served = wsgi_server(fake_ipernity(status, body, content_type))
    client = IpernityClient(
        base_url=served.url, api_key="k" * 32, api_secret="s" * 16, token_store="memory"
    )
    with pytest.raises(ResponseFormatError) as caught:
        client.user.get(user_id="1001")
    assert caught.value.provider == "ipernity"
    client.close()


def test_error_statuses_without_an_envelope(wsgi_server: Any) -> None:
    served = wsgi_server(fake_ipernity("404 Not Found", b'{"error": "not found"}'))
    client = IpernityClient(base_url=served.url, api_key="k" * 32, token_store="memory")
    with pytest.raises(NotFound) as caught:
        client.call("test.hello")
    assert caught.value.status == 404 and caught.value.request_id == "req-42"
    client.close()


def test_an_error_envelope_with_a_server_error_status(wsgi_server: Any) -> None:
    envelope = {"api": {"status": "error", "code": 999, "message": "Internal error"}}
    served = wsgi_server(fake_ipernity("500 Internal Server Error", json.dumps(envelope).encode()))
    client = IpernityClient(
        base_url=served.url,
        api_key="k" * 32,
        token_store="memory",
        http_options=HttpOptions(retries=0),
    )
    with pytest.raises(IpernityError) as caught:
        client.call("test.hello")
    assert (caught.value.status, caught.value.code) == (500, 999)
    client.close()


def test_unconfigured_clients_say_what_is_missing() -> None:
    client = IpernityClient(token_store="memory")
    with pytest.raises(PaySupportError, match="api_key is needed"):
        client.call("test.hello")
    keyed = IpernityClient(api_key="k" * 32, token_store="memory")
    with pytest.raises(PaySupportError, match="api_secret is needed"):
        keyed.user.get(user_id="1")
    client.close()
    keyed.close()
