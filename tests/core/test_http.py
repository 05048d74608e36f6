"""The HTTP layer against a real server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import requests

from paysupport.errors import (
    ConfigError,
    DeadlineExceeded,
    InsufficientScope,
    InvalidToken,
    NotFound,
    RateLimited,
    RedirectRefused,
    ResponseFormatError,
    ResponseTooLarge,
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


def test_redirect_to_another_origin_is_refused_before_anything_is_sent_there() -> None:
    first_app, other_app = MisbehavingApp(), MisbehavingApp()
    with serve_wsgi(first_app) as first, serve_wsgi(other_app) as other:
        elsewhere = other.url.replace("127.0.0.1", "localhost")  # another origin, also loopback
        client = HttpClient(
            "testprov", first.url, auth=_StaticBearer("sekret-bearer-token"), options=FAST
        )
        with pytest.raises(RedirectRefused, match="another origin") as caught:
            client.request("GET", f"/redirect?to={elsewhere}/headers&access_token=in-the-url")
    assert sum(other_app.hits.values()) == 0 and other_app.seen_headers == []
    assert caught.value.status == 302 and caught.value.location == f"{elsewhere}/headers"
    assert "in-the-url" not in str(caught.value)


def test_same_origin_redirect_of_a_get_is_followed_with_its_credentials(
    server: ServedApp, app: MisbehavingApp
) -> None:
    client = HttpClient("testprov", server.url, auth=_StaticBearer("sekret-bearer"), options=FAST)
    response = client.request("GET", f"/redirect?to={server.url}/headers")
    assert response.json()["Authorization"] == "Bearer sekret-bearer"
    assert [r.status_code for r in response.history] == [302]


def test_a_post_never_follows_a_redirect(http: HttpClient, app: MisbehavingApp) -> None:
    with pytest.raises(RedirectRefused, match="does not follow redirects of POST") as caught:
        http.request("POST", "/redirect?status=307&to=/echo", data={"client_secret": "s3cr3t"})
    assert app.hits["/echo"] == 0
    assert caught.value.status == 307 and "s3cr3t" not in str(caught.value)
    # A caller that reads redirects itself (Flattr's lookup) still gets the answer.
    answer = http.request("POST", "/redirect?status=307&to=/echo", allow_redirects=False)
    assert answer.status_code == 307 and answer.headers["Location"] == "/echo"


def test_a_trickling_body_is_cut_at_the_deadline(server: ServedApp) -> None:
    """One byte every 0.1 s never trips the 2 s read timeout; the 1 s deadline ends it."""
    options = HttpOptions(read_timeout=2.0, deadline=1.0, retries=0)
    client = HttpClient("testprov", server.url, options=options)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="within its 1 s deadline") as caught:
        client.request("GET", "/trickle?size=60&interval=0.1")  # 6 s to send in full
    assert 0.9 < time.monotonic() - started < 1.5
    assert caught.value.deadline == 1.0 and isinstance(caught.value, Timeout)


def test_retries_do_not_extend_the_deadline(server: ServedApp, app: MisbehavingApp) -> None:
    """Eleven attempts of 0.4 s would take 4.4 s; the deadline stops them after 1 s."""
    options = HttpOptions(read_timeout=0.4, retries=10, backoff_factor=0.01, deadline=1.0)
    client = HttpClient("testprov", server.url, options=options)
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded):
        client.request("GET", "/slow?key=dl&fail=99&delay=2")
    assert time.monotonic() - started < 1.5
    assert 2 <= app.hits["dl"] <= 4


def test_a_retry_after_past_the_deadline_is_not_waited_for(server: ServedApp) -> None:
    client = HttpClient("testprov", server.url, options=HttpOptions(deadline=1.0))
    started = time.monotonic()
    response = client.request("GET", "/status?key=ra&fail=1&status=429&retry_after=5")
    assert time.monotonic() - started < 0.5
    assert response.status_code == 429  # for the provider to raise RateLimited(retry_after=5)


def test_a_body_announced_larger_than_the_cap_is_refused(server: ServedApp) -> None:
    client = HttpClient("testprov", server.url, options=HttpOptions(max_body_bytes=1 << 20))
    with pytest.raises(ResponseTooLarge, match="over the limit of 1 MiB") as caught:
        client.request("GET", f"/large?size={2 << 20}")
    assert caught.value.limit == 1 << 20 and caught.value.status == 200


def test_a_streamed_body_larger_than_the_cap_is_not_read_whole(
    server: ServedApp, app: MisbehavingApp
) -> None:
    """64 MiB offered without a Content-Length; reading stops just past the 1 MiB cap."""
    client = HttpClient("testprov", server.url, options=HttpOptions(max_body_bytes=1 << 20))
    with pytest.raises(ResponseTooLarge, match="larger than the limit of 1 MiB"):
        client.request("GET", f"/large?size={64 << 20}&length=0")
    # What the server handed over before the client hung up: the cap plus socket buffers.
    assert app.sent < 16 << 20


def test_a_body_up_to_the_cap_is_read_whole(server: ServedApp) -> None:
    client = HttpClient("testprov", server.url, options=HttpOptions(max_body_bytes=1 << 20))
    assert len(client.request("GET", f"/large?size={1 << 20}").content) == 1 << 20
    assert len(client.request("GET", f"/large?size={1 << 20}&length=0").content) == 1 << 20


@pytest.mark.parametrize("unbounded", [{"deadline": 0.0}, {"max_body_bytes": 0}])
def test_the_deadline_and_the_body_cap_cannot_be_turned_off(unbounded: dict[str, float]) -> None:
    with pytest.raises(ConfigError, match="must be positive"):
        HttpOptions(**unbounded)  # type: ignore[arg-type]


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
