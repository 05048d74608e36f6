"""OAuth 2: authorization URL, state, PKCE, code exchange, refresh and rotation, over real HTTP."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from paysupport.auth.oauth2 import OAuth2Auth, OAuth2Endpoints
from paysupport.errors import AccessDenied, InvalidRequest, StateMismatch, TokenExpired
from paysupport.http import HttpClient, HttpOptions
from paysupport.testing import ServedApp, serve_wsgi
from paysupport.tokens import JsonFileTokenStore, MemoryTokenStore, Token, TokenStore
from tests.core.oauth_server import CLIENT_ID, CLIENT_SECRET, OAuthServer

REDIRECT = "http://127.0.0.1/callback"


def make_auth(
    url: str, store: TokenStore | None = None, *, basic: bool = False, **kw: object
) -> OAuth2Auth:
    endpoints = OAuth2Endpoints(
        authorize_url=f"{url}/authorize",
        token_url=f"{url}/token",
        scopes=("identity", "campaigns"),
        default_scopes=("identity",),
        client_auth="basic" if basic else "body",
    )
    http = HttpClient("core", url, options=HttpOptions(retries=0))
    auth = OAuth2Auth(
        provider="core",
        endpoints=endpoints,
        http=http,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT,
        store=store or MemoryTokenStore(),
        **kw,  # type: ignore[arg-type]
    )
    http.auth = auth
    return auth


@pytest.fixture
def oauth() -> Iterator[tuple[OAuthServer, ServedApp]]:
    server = OAuthServer()
    with serve_wsgi(server) as served:
        yield server, served


def login(auth: OAuth2Auth) -> Token:
    """Follow the authorization URL the way a browser would and hand back the callback."""
    request = auth.authorization_url()
    callback = requests.get(request.url, allow_redirects=False).headers["Location"]
    return auth.fetch_token(authorization_response=callback)


def test_authorization_url_carries_scopes_state_and_pkce(
    oauth: tuple[OAuthServer, ServedApp],
) -> None:
    auth = make_auth(oauth[1].url)
    request = auth.authorization_url(["identity", "campaigns"])
    query = parse_qs(urlsplit(request.url).query)
    assert query["client_id"] == [CLIENT_ID]
    assert query["scope"] == ["identity campaigns"]
    assert query["state"] == [request.state]
    assert query["code_challenge_method"] == ["S256"]
    assert request.code_verifier and request.code_verifier not in request.url
    assert request.code_verifier not in repr(request)


def test_unknown_scope_is_refused_before_any_request(oauth: tuple[OAuthServer, ServedApp]) -> None:
    with pytest.raises(InvalidRequest, match="unknown scope"):
        make_auth(oauth[1].url).authorization_url(["everything"])


def test_code_exchange_with_pkce_stores_the_token(oauth: tuple[OAuthServer, ServedApp]) -> None:
    auth = make_auth(oauth[1].url)
    updates: list[Token] = []
    auth.on_token_updated = updates.append
    token = login(auth)
    assert auth.token == token and updates == [token]
    assert token.scope == ("identity", "campaigns")
    assert auth.http.request("GET", "/me").json() == {"id": "42"}


def test_basic_client_authentication(oauth: tuple[OAuthServer, ServedApp]) -> None:
    oauth[0].basic_auth = True
    assert login(make_auth(oauth[1].url, basic=True)).access_token


def test_tampered_state_is_refused(oauth: tuple[OAuthServer, ServedApp]) -> None:
    auth = make_auth(oauth[1].url)
    request = auth.authorization_url()
    callback = requests.get(request.url, allow_redirects=False).headers["Location"]
    with pytest.raises(StateMismatch):
        auth.fetch_token(authorization_response=callback.replace(request.state, "forged"))


def test_denied_consent_is_access_denied(oauth: tuple[OAuthServer, ServedApp]) -> None:
    auth = make_auth(oauth[1].url)
    request = auth.authorization_url()
    with pytest.raises(AccessDenied):
        auth.fetch_token(
            authorization_response=f"{REDIRECT}?error=access_denied&state={request.state}"
        )


def test_expired_token_is_refreshed_before_the_request(
    oauth: tuple[OAuthServer, ServedApp],
) -> None:
    server, served = oauth
    auth = make_auth(served.url)
    first = login(auth)
    auth.store.save(
        "core",
        "default",
        Token(first.access_token, first.refresh_token, expires_at=time.time() - 1),
    )
    assert auth.http.request("GET", "/me").status_code == 200
    assert server.refresh_grants == 1
    assert auth.token is not None and auth.token.refresh_token != first.refresh_token


def test_a_401_refreshes_once_and_retries(oauth: tuple[OAuthServer, ServedApp]) -> None:
    server, served = oauth
    auth = make_auth(served.url)
    login(auth)
    server.expire_all_access_tokens()
    assert auth.http.request("GET", "/me").status_code == 200
    assert server.refresh_grants == 1


def test_dead_refresh_token_is_token_expired(oauth: tuple[OAuthServer, ServedApp]) -> None:
    server, served = oauth
    auth = make_auth(served.url)
    token = login(auth)
    server.refresh.clear()
    with pytest.raises(TokenExpired) as caught:
        auth.refresh(stale=token)
    assert CLIENT_SECRET not in str(caught.value)
    assert token.refresh_token not in str(caught.value)


def _refresh_in_child(url: str, path: str, barrier: multiprocessing.synchronize.Barrier) -> None:
    auth = make_auth(url, JsonFileTokenStore(path))
    barrier.wait()
    for _ in range(5):
        response = auth.http.request("GET", "/me")
        assert response.status_code == 200, response.text


def test_processes_sharing_a_file_store_refresh_once(
    oauth: tuple[OAuthServer, ServedApp], tmp_path: Path
) -> None:
    server, served = oauth
    path = str(tmp_path / "tokens.json")
    auth = make_auth(served.url, JsonFileTokenStore(path))
    token = login(auth)
    auth.store.save(
        "core",
        "default",
        Token(token.access_token, token.refresh_token, expires_at=time.time() - 1),
    )
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(4)
    workers = [
        context.Process(target=_refresh_in_child, args=(served.url, path, barrier))
        for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert server.refresh_grants == 1
    assert server.invalid_grants == 0
