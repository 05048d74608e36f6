"""Plant secrets, make good and failing calls with DEBUG logging, then look for them."""

from __future__ import annotations

import logging
import time

import pytest
import requests

import paysupport
from paysupport.errors import PaySupportError, RedirectRefused
from paysupport.http import HttpEvent, decode_json
from paysupport.testing import serve_wsgi
from paysupport.tokens import MemoryTokenStore, Token
from tests.core.httpbin import MisbehavingApp, RedirectingApp
from tests.core.oauth_server import CLIENT_SECRET, OAuthServer
from tests.core.test_oauth2 import login, make_auth

API_KEY = "planted-api-key-0001"


def test_secrets_never_reach_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []
    events: list[HttpEvent] = []
    server = OAuthServer(lifetime=1)
    with caplog.at_level(logging.DEBUG), serve_wsgi(server) as oauth_served:
        auth = make_auth(oauth_served.url)
        auth.http.hooks.append(events.append)
        token = login(auth)
        time.sleep(1.1)  # the access token expires: the next call refreshes it
        response = auth.http.request("GET", "/me")
        refreshed = auth.token
        assert refreshed is not None and refreshed.access_token != token.access_token
        seen += [repr(auth), repr(auth.http), repr(token), repr(refreshed), response.text[:0]]
        server.refresh.clear()
        server.expire_all_access_tokens()
        with pytest.raises(PaySupportError) as refused:
            auth.http.request("GET", "/me")
        seen.append(str(refused.value))

    with caplog.at_level(logging.DEBUG), serve_wsgi(MisbehavingApp()) as bad:
        client = paysupport.connect("example", base_url=bad.url, api_key=API_KEY)
        client.http.hooks.append(events.append)
        seen.append(repr(client))
        html = client.http.request("GET", f"/html?api_sig=abc123sig&auth_token={API_KEY}")
        with pytest.raises(PaySupportError) as html_error:
            decode_json(html, "example", client.redactor)
        seen.append(str(html_error.value))
        with pytest.raises(PaySupportError) as unreachable:
            client.http.request(
                "GET", f"http://127.0.0.1:1/x?access_token={refreshed.access_token}"
            )
        seen.append(str(unreachable.value))

    haystack = "\n".join([*seen, caplog.text, *(repr(e) for e in events)])
    secrets = [
        token.access_token,
        token.refresh_token,
        refreshed.access_token,
        refreshed.refresh_token,
        CLIENT_SECRET,
        API_KEY,
        "abc123sig",
    ]
    for secret in secrets:
        assert secret and secret not in haystack, f"secret leaked: {secret[:4]}..."


def test_token_repr_and_prepared_request_repr_hide_values() -> None:
    token = Token("access-value-123", "refresh-value-456", expires_at=time.time() + 60)
    assert "access-value-123" not in repr(token) and "refresh-value-456" not in repr(token)
    prepared = requests.Request("GET", "https://x.example", auth=None).prepare()
    assert "Authorization" not in repr(prepared)


def test_a_token_request_redirected_elsewhere_sends_no_secret_there() -> None:
    """A 307 keeps the method and body: followed, it would hand over client_secret and
    refresh_token. The refresh stops at the redirect, with an error that names it."""
    elsewhere = MisbehavingApp()
    with serve_wsgi(elsewhere) as other, serve_wsgi(RedirectingApp(other.url)) as token_host:
        auth = make_auth(token_host.url)
        auth.seed_token("planted-access-0002", "planted-refresh-0002")
        with pytest.raises(RedirectRefused, match="POST") as caught:
            auth.refresh()
    assert elsewhere.seen_headers == [], "the other server received a request"
    message = str(caught.value)
    assert f"{other.url}/token" in message and "307" in message
    assert CLIENT_SECRET not in message and "planted-refresh-0002" not in message


def test_a_signed_ipernity_post_redirected_elsewhere_sends_no_secret_there() -> None:
    """api_key, auth_token and api_sig travel in the POST body of a signed Ipernity call."""
    pytest.importorskip("paysupport_ipernity")
    elsewhere = MisbehavingApp()
    events: list[HttpEvent] = []
    with serve_wsgi(elsewhere) as other, serve_wsgi(RedirectingApp(other.url)) as api_host:
        client = paysupport.connect(
            "ipernity",
            base_url=api_host.url,
            api_key=API_KEY,
            api_secret="planted-api-secret-0003",
            auth_token="planted-auth-token-0003",
            token_store=MemoryTokenStore(),
        )
        client.http.hooks.append(events.append)
        with pytest.raises(RedirectRefused) as caught:
            client.call("doc.set", doc_id="1", title="renamed")
    assert [(e.kind, e.method) for e in events] == [("request", "POST"), ("response", "POST")]
    assert elsewhere.seen_headers == [], "the other server received a request"
    message = str(caught.value)
    for secret in (API_KEY, "planted-api-secret-0003", "planted-auth-token-0003"):
        assert secret not in message
