"""OAuth 2: authorization URL, state, PKCE, code exchange, refresh and rotation, over real HTTP."""

from __future__ import annotations

import errno
import json
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from flask import Flask, redirect, request as flask_request, session, url_for

from paysupport.auth.oauth2 import AuthorizationRequest, OAuth2Auth, OAuth2Endpoints
from paysupport.errors import (
    AccessDenied,
    InvalidRequest,
    StateMismatch,
    TokenExpired,
    TokenStoreError,
)
from paysupport.http import HttpClient, HttpOptions
from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
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


# The callback's state


@pytest.mark.parametrize("forged", ["état-forgé", "\u2603" * 32, "ok\udc80"])
def test_a_non_ascii_state_is_a_state_mismatch(
    oauth: tuple[OAuthServer, ServedApp], forged: str
) -> None:
    auth = make_auth(oauth[1].url)
    request = auth.authorization_url()
    with pytest.raises(StateMismatch):
        auth.fetch_token(code="any", state=forged)
    with pytest.raises(StateMismatch):
        auth.fetch_token(code="any", state=forged, request=request)
    callback = f"{REDIRECT}?code=any&state={quote(forged, errors='surrogatepass')}"
    with pytest.raises(StateMismatch):
        auth.fetch_token(authorization_response=callback)
    assert oauth[0].invalid_grants == 0  # refused before any code was sent


def test_unanswered_logins_expire(oauth: tuple[OAuthServer, ServedApp]) -> None:
    auth = make_auth(oauth[1].url, pending_ttl=0.2)
    request = auth.authorization_url()
    callback = requests.get(request.url, allow_redirects=False).headers["Location"]
    time.sleep(0.3)
    with pytest.raises(StateMismatch, match="expired"):
        auth.fetch_token(authorization_response=callback)
    assert login(auth).access_token  # a login answered in time still works


def test_only_the_newest_pending_logins_are_kept(oauth: tuple[OAuthServer, ServedApp]) -> None:
    auth = make_auth(oauth[1].url, max_pending=3)
    requests_ = [auth.authorization_url() for _ in range(5)]
    callbacks = [requests.get(r.url, allow_redirects=False).headers["Location"] for r in requests_]
    for forgotten in callbacks[:2]:
        with pytest.raises(StateMismatch):
            auth.fetch_token(authorization_response=forgotten)
    for kept in callbacks[2:]:
        assert auth.fetch_token(authorization_response=kept).access_token


def test_unanswered_logins_hold_bounded_memory(oauth: tuple[OAuthServer, ServedApp]) -> None:
    import tracemalloc

    auth = make_auth(oauth[1].url, max_pending=100)
    auth.authorization_url()  # imports oauthlib, which is not what is measured
    tracemalloc.start()
    try:
        for _ in range(2_000):  # unbounded, these held about 1.5 MB
            auth.authorization_url()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 300_000, f"{held:,} bytes held by 100 pending logins"


# A store that cannot be written while refreshing


class FillingDisk(JsonFileTokenStore):
    """A token file on a disk that fills up: ``save`` fails once ``free_saves`` are used."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.free_saves: int | None = None  # None: room enough

    def save(self, provider: str, account: str, token: Token) -> None:
        if self.free_saves is not None:
            if self.free_saves <= 0:
                raise OSError(errno.ENOSPC, "No space left on device", str(self.path))
            self.free_saves -= 1
        super().save(provider, account, token)


def expire_stored(auth: OAuth2Auth) -> Token:
    token = auth.token
    assert token is not None
    auth.store.save(
        "core", "default", Token(token.access_token, token.refresh_token, expires_at=1.0)
    )
    return token


def test_a_full_disk_is_found_before_the_refresh_token_is_spent(
    oauth: tuple[OAuthServer, ServedApp], tmp_path: Path
) -> None:
    server, served = oauth
    store = FillingDisk(tmp_path / "tokens.json")
    auth = make_auth(served.url, store)
    login(auth)
    before = expire_stored(auth)
    store.free_saves = 0
    with pytest.raises(TokenStoreError) as caught:
        auth.http.request("GET", "/me")
    assert "No space left on device" in str(caught.value)
    assert "not refreshed" in str(caught.value)
    assert caught.value.key == "core:default" and str(store.path) in caught.value.store
    assert before.refresh_token not in str(caught.value)
    assert server.refresh_grants == 0  # the refresh token still works...
    store.free_saves = None
    assert auth.http.request("GET", "/me").status_code == 200  # ...once there is room
    assert server.refresh_grants == 1 and server.invalid_grants == 0


def test_a_disk_that_fills_during_the_refresh_loses_no_token(
    oauth: tuple[OAuthServer, ServedApp], tmp_path: Path
) -> None:
    server, served = oauth
    store = FillingDisk(tmp_path / "tokens.json")
    auth = make_auth(served.url, store)
    login(auth)
    expire_stored(auth)
    store.free_saves = 1  # the check before the refresh passes; the new token finds no room
    with pytest.raises(TokenStoreError, match="keeps it in memory") as caught:
        auth.http.request("GET", "/me")
    assert server.refresh_grants == 1
    fresh = auth.token
    assert fresh is not None and fresh.refresh_token not in str(caught.value)
    # The process goes on with the token it keeps, without refreshing again...
    assert auth.http.request("GET", "/me").status_code == 200
    assert server.refresh_grants == 1
    # ...and saves it as soon as the disk has room, so the next run can refresh.
    store.free_saves = None
    assert auth.http.request("GET", "/me").status_code == 200
    next_run = make_auth(served.url, JsonFileTokenStore(store.path))
    assert next_run.token == fresh
    next_run.refresh()
    assert server.refresh_grants == 2 and server.invalid_grants == 0


# A token from settings, stored once even when several start together


class PausingAfterEmptyRead(MemoryTokenStore):
    """A store whose caller is held up right after finding no token, as by a busy scheduler."""

    def __init__(self) -> None:
        super().__init__()
        self.pause = threading.local()

    def load(self, provider: str, account: str) -> Token | None:
        token = super().load(provider, account)
        if token is None:
            time.sleep(getattr(self.pause, "seconds", 0.0))
        return token


def test_a_late_starter_does_not_store_the_spent_setting_over_the_rotated_token(
    oauth: tuple[OAuthServer, ServedApp],
) -> None:
    server, served = oauth
    issued = server._tokens()  # a creator token, as a developer portal hands it out
    server.expire_all_access_tokens()
    store = PausingAfterEmptyRead()
    late_done = threading.Event()

    def late_starter() -> None:
        store.pause.seconds = 0.5  # finds the store empty, then is held up
        make_auth(served.url, store).seed_token(issued["access_token"], issued["refresh_token"])
        late_done.set()

    thread = threading.Thread(target=late_starter)
    thread.start()
    time.sleep(0.1)  # the late starter has read the empty store
    first = make_auth(served.url, store)
    first.seed_token(issued["access_token"], issued["refresh_token"])
    assert first.http.request("GET", "/me").status_code == 200  # refused once, refreshed
    thread.join(10)
    assert late_done.is_set()
    stored = store.load("core", "default")
    assert stored is not None and stored.refresh_token != issued["refresh_token"]
    first.refresh()  # a later run can still refresh
    assert server.invalid_grants == 0


def test_a_login_request_round_trips_through_a_json_session() -> None:
    request = AuthorizationRequest(
        "https://auth.example/authorize?state=s1", "s1", REDIRECT, ("identity",), "verifier-42"
    )
    kept = json.loads(json.dumps(request.to_dict()))  # what a cookie session stores
    again = AuthorizationRequest.from_dict(kept)
    assert again == request
    assert "verifier-42" not in repr(again) and "s1" not in repr(again)


@pytest.mark.parametrize(
    "damaged",
    [{}, {"url": "u", "state": "s", "redirect_uri": "r", "scopes": "identity"}, ["s"]],
)
def test_a_damaged_saved_login_request_asks_to_log_in_again(damaged: Any) -> None:
    with pytest.raises(InvalidRequest, match="start the login again"):
        AuthorizationRequest.from_dict(damaged)


def patreon_site(sandbox: Sandbox) -> Flask:
    """A web app logging visitors in with Patreon, its login request kept in Flask's session.

    Every request gets a new client (as in a site with several worker processes), so only
    the session can carry the state and the PKCE verifier from the login to the callback.
    """
    site = Flask(__name__)
    site.secret_key = "test-only-secret-key"

    @site.post("/login")
    def login() -> Any:
        client = sandbox.connect("patreon")
        assert client.oauth is not None
        auth = client.oauth.authorization_url(
            ["identity"], redirect_uri=url_for("callback", _external=True)
        )
        session["patreon_login"] = auth.to_dict()
        return redirect(auth.url)

    @site.get("/callback")
    def callback() -> Any:
        client = sandbox.connect("patreon")
        assert client.oauth is not None
        try:
            client.oauth.fetch_token(
                authorization_response=flask_request.url, request=session.pop("patreon_login")
            )
        except StateMismatch:
            return "not the login this browser started", 400
        return f"hello {client.identity().name}"

    return site


def test_a_flask_session_carries_the_login_to_the_patreon_callback(
    wsgi_server: Callable[[Any], ServedApp],
) -> None:
    with Sandbox(SandboxOptions(providers=["patreon"])) as sandbox:
        site = wsgi_server(patreon_site(sandbox))
        browser = requests.Session()  # keeps the site's (signed) session cookie
        to_patreon = browser.post(f"{site.url}/login", allow_redirects=False)
        assert to_patreon.status_code == 302, to_patreon.text
        consent = answer_consent(to_patreon.headers["Location"], "allow")
        back = browser.get(consent.headers["Location"], allow_redirects=False)
        assert back.status_code == 200, back.text
        assert back.text.startswith("hello ")

        victim, attacker = requests.Session(), requests.Session()
        victim.post(f"{site.url}/login", allow_redirects=False)
        started = attacker.post(f"{site.url}/login", allow_redirects=False)
        planted = answer_consent(started.headers["Location"], "allow").headers["Location"]
        refused = victim.get(planted, allow_redirects=False)  # the attacker's callback
        assert (refused.status_code, refused.text) == (400, "not the login this browser started")
