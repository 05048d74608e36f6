"""The HTTP layer against a real server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import requests

from paysupport.errors import (
    ConfigError,
    InsufficientScope,
    InvalidToken,
    NotFound,
    RateLimited,
    ResponseFormatError,
    Timeout,
    TransportError,
)
from paysupport.http import (
    HttpClient,
    HttpEvent,
    HttpOptions,
    decode_json,
    error_for_status,
    resolve_base_url,
    user_agent,
)
from paysupport.redact import Redactor
from paysupport.testing import ServedApp, serve_wsgi
from tests.core.httpbin import MisbehavingApp

FAST = HttpOptions(retries=3, backoff_factor=0.01, backoff_jitter=0.0, read_timeout=2.0)


@pytest.fixture
def app() -> MisbehavingApp:
    return MisbehavingApp()


@pytest.fixture
def server(app: MisbehavingApp) -> Iterator[ServedApp]:
    with serve_wsgi(app) as served:
        yield served


@pytest.fixture
def http(server: ServedApp) -> Iterator[HttpClient]:
    client = HttpClient("testprov", server.url, options=FAST)
    yield client
    client.close()


def test_get_is_retried_through_server_errors(http: HttpClient) -> None:
    response = http.request("GET", "/status?key=a&fail=2&status=503")
    assert response.status_code == 200
    assert response.json()["attempt"] == 3


def test_retries_are_bounded(http: HttpClient, app: MisbehavingApp) -> None:
    response = http.request("GET", "/status?key=b&fail=10&status=500")
    assert response.status_code == 500
    assert app.hits["b"] == 1 + FAST.retries


def test_post_is_never_retried_blindly(http: HttpClient, app: MisbehavingApp) -> None:
    response = http.request("POST", "/status?key=c&fail=1&status=503", data={"x": "1"})
    assert response.status_code == 503
    assert app.hits["c"] == 1


def test_retry_after_is_honoured(http: HttpClient) -> None:
    started = time.monotonic()
    response = http.request("GET", "/status?key=d&fail=1&status=429&retry_after=1")
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.9


def test_retry_after_is_capped(server: ServedApp) -> None:
    client = HttpClient("testprov", server.url, options=HttpOptions(max_retry_after=0.2))
    started = time.monotonic()
    response = client.request("GET", "/status?key=e&fail=1&status=503&retry_after=3600")
    assert response.status_code == 200
    assert time.monotonic() - started < 5


def test_read_timeout_becomes_timeout_error(server: ServedApp) -> None:
    client = HttpClient("testprov", server.url, options=HttpOptions(read_timeout=0.2, retries=0))
    with pytest.raises(Timeout) as caught:
        client.request("GET", "/slow?key=f&fail=5&delay=1")
    assert caught.value.provider == "testprov"


def test_slow_answer_is_retried_for_idempotent_requests(server: ServedApp) -> None:
    options = HttpOptions(read_timeout=0.3, retries=2, backoff_factor=0.01)
    client = HttpClient("testprov", server.url, options=options)
    response = client.request("GET", "/slow?key=g&fail=1&delay=1")
    assert response.json()["attempt"] == 2


def test_truncated_body_is_refetched(http: HttpClient) -> None:
    response = http.request("GET", "/truncated?key=h&fail=2")
    assert response.json()["items"] == [1, 2, 3]


def test_truncated_body_that_persists_is_a_format_error(http: HttpClient) -> None:
    with pytest.raises(ResponseFormatError, match="truncated"):
        http.request("GET", "/truncated?key=i&fail=99")


def test_connection_refused_is_a_transport_error() -> None:
    with serve_wsgi(MisbehavingApp()) as served:
        url = served.url
    client = HttpClient("testprov", url, options=HttpOptions(retries=1, backoff_factor=0.01))
    with pytest.raises(TransportError) as caught:
        client.request("GET", "/anything")
    assert "testprov" in str(caught.value)


def test_html_error_page_is_a_format_error_with_redacted_excerpt(http: HttpClient) -> None:
    response = http.request("GET", "/html?status=502")
    with pytest.raises(ResponseFormatError) as caught:
        decode_json(response, "testprov", http.redactor)
    message = str(caught.value)
    assert "HTML" in message and "502" in message
    assert "leaky-token-123" not in message


def test_malformed_json_is_a_format_error() -> None:
    response = requests.Response()
    response._content = b'{"a": [1, 2'
    response.status_code = 200
    with pytest.raises(ResponseFormatError, match="truncated JSON"):
        decode_json(response, "p", Redactor())


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, InvalidToken), (403, InsufficientScope), (404, NotFound), (429, RateLimited)],
)
def test_error_statuses_map_to_library_errors(status: int, error: type[Exception]) -> None:
    response = requests.Response()
    response.status_code = status
    response.headers["Retry-After"] = "7"
    response.headers["X-Request-Id"] = "req-1"
    raised = error_for_status(response, "p", "failed", code="E1")
    assert isinstance(raised, error)
    assert raised.status == status  # type: ignore[attr-defined]
    assert raised.request_id == "req-1"  # type: ignore[attr-defined]
    if isinstance(raised, RateLimited):
        assert raised.retry_after == 7


def test_redirect_to_another_host_drops_authorization(app: MisbehavingApp) -> None:
    with serve_wsgi(app) as first, serve_wsgi(app) as second:
        other_host = second.url.replace("127.0.0.1", "localhost")
        client = HttpClient(
            "testprov", first.url, auth=_StaticBearer("sekret-bearer-token"), options=FAST
        )
        response = client.request("GET", f"/redirect?to={other_host}/headers")
    assert response.status_code == 200
    assert "Authorization" not in response.json()
    assert app.seen_headers[0]["Authorization"] == "Bearer sekret-bearer-token"


def test_user_agent_names_library_provider_and_app(http: HttpClient, server: ServedApp) -> None:
    sent = http.request("GET", "/headers").json()
    assert sent["User-Agent"].startswith("paysupport/")
    assert "(testprov)" in sent["User-Agent"]
    assert user_agent("x", "MyApp/1.0").startswith("MyApp/1.0 paysupport/")


def test_one_session_reuses_connections(http: HttpClient) -> None:
    for _ in range(5):
        http.request("GET", "/headers")
    pool = next(iter(http.session.adapters["http://"].poolmanager.pools._container.values()))
    assert pool.num_connections == 1


def test_events_and_debug_logs_are_redacted(
    server: ServedApp, caplog: pytest.LogCaptureFixture
) -> None:
    events: list[HttpEvent] = []
    client = HttpClient("testprov", server.url, options=FAST, hooks=[events.append])
    client.redactor.add("planted-secret-value")
    with caplog.at_level(logging.DEBUG, logger="paysupport.http"):
        client.request("GET", "/headers?access_token=planted-secret-value&api_sig=abcdef123")
    assert [e.kind for e in events] == ["request", "response"]
    text = caplog.text + repr(events)
    assert "planted-secret-value" not in text
    assert "abcdef123" not in text


@pytest.mark.parametrize(
    "url",
    ["http://api.example.com", "ftp://127.0.0.1", "not a url", "http://10.0.0.1:8080"],
)
def test_plain_http_is_refused_except_for_loopback(url: str) -> None:
    with pytest.raises(ConfigError):
        resolve_base_url("p", url, "https://default.example")


def test_base_url_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_base_url("p", None, "https://default.example/") == "https://default.example"
    monkeypatch.setenv("PAYSUPPORT_P_BASE_URL", "http://127.0.0.1:9999")
    assert resolve_base_url("p", None, "https://d.example") == "http://127.0.0.1:9999"
    assert resolve_base_url("p", "http://[::1]:1", "https://d.example") == "http://[::1]:1"
    assert resolve_base_url("p", "http://localhost:2", "x") == "http://localhost:2"


class _StaticBearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request
