"""The service's refusals become the library's errors, with its code, message and status."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from paysupport_example.client import ExampleClient, connect

from paysupport.errors import (
    HTTPError,
    InvalidRequest,
    InvalidToken,
    NotFound,
    ResponseFormatError,
)
from paysupport.testing import ServedApp


def test_a_wrong_key_is_invalid_token_with_the_services_code(served: ServedApp) -> None:
    wrong = connect(base_url=served.url, api_key="not-the-key", token_store="memory")
    with pytest.raises(InvalidToken) as refused:
        wrong.identity()
    assert (refused.value.status, refused.value.code) == (401, "bad_api_key")
    assert "GET /api/me failed: bad api key" in str(refused.value)


def test_a_bad_request_is_invalid_request(client: ExampleClient) -> None:
    with pytest.raises(InvalidRequest) as refused:
        client.transport.call("GET", "/api/items", {"page": "zero"})
    assert (refused.value.status, refused.value.code) == (400, "bad_request")
    assert "page must be a positive integer" in str(refused.value)


def test_an_unknown_route_is_not_found(client: ExampleClient) -> None:
    with pytest.raises(NotFound) as refused:
        client.transport.call("GET", "/api/nothing")
    assert refused.value.code == "not_found"


def html_everywhere(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """A proxy in front of the service that answers with its own pages."""
    start_response("502 Bad Gateway", [("Content-Type", "text/html")])
    return [b"<html><body>Bad gateway</body></html>"]


def html_ok(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/html")])
    return [b"<html><body>Please log in</body></html>"]


def test_a_refusal_not_in_the_services_shape_is_an_error_by_its_status(
    wsgi_server: Callable[..., ServedApp],
) -> None:
    proxy = wsgi_server(html_everywhere)
    client = connect(base_url=proxy.url, api_key="k", token_store="memory")
    with pytest.raises(HTTPError) as refused:  # a POST is not retried: one answer
        client.transport.call("POST", "/api/supports", {"url": "https://tips.example/x"})
    assert refused.value.status == 502 and refused.value.code is None


def test_a_page_instead_of_json_is_a_format_error(wsgi_server: Callable[..., ServedApp]) -> None:
    login_page = wsgi_server(html_ok)
    client = connect(base_url=login_page.url, api_key="k", token_store="memory")
    with pytest.raises(ResponseFormatError, match="HTML page"):
        client.identity()
