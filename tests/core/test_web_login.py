"""Logins are the same for every provider, whatever its protocol (OAuth 2 or frob).

A web application takes two steps: ``start = client.start_login(callback, scopes)``,
keeping ``start.to_dict()`` in the visitor's session, then
``client.finish_login(callback_url, saved)``. A terminal program takes one:
``client.login()``. Everything runs against the sandbox over real HTTP: the consent
page is answered as a browser would, and the provider's redirect is followed to a
real callback server on 127.0.0.1, as the visitor's browser would follow it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
import requests
from paysupport_ipernity.emulator import IpernityEmulator

import paysupport
from paysupport.emulation import EmulatorSettings
from paysupport.errors import InvalidRequest, StateMismatch, Unsupported
from paysupport.login import LoginStart
from paysupport.provider import Client, ProviderInfo
from paysupport.sandbox import Sandbox, SandboxOptions, answer_consent
from paysupport.sandbox.serving import ServedApp, start_server
from paysupport.tokens import MemoryTokenStore

PROVIDERS = ("patreon", "flattr", "ipernity")
#: What each login asks for; Ipernity's scopes are frob permissions, category:level.
SCOPES = {"patreon": ["identity"], "flattr": ["flattr"], "ipernity": ["doc:read"]}
#: The query parameter that ties a callback to its login: OAuth's state, Ipernity's frob.
BINDING = {"patreon": "state", "flattr": "state", "ipernity": "frob"}


class WebApp:
    """The web application's callback route: records each URL the browser brings back."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        url = f"http://{environ['HTTP_HOST']}{environ['PATH_INFO']}"
        if environ.get("QUERY_STRING"):
            url += "?" + environ["QUERY_STRING"]
        with self.lock:
            self.urls.append(url)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"welcome back"]


@pytest.fixture(scope="module")
def webapp() -> Iterator[tuple[WebApp, ServedApp]]:
    app = WebApp()
    served = start_server(app, quiet=True)
    try:
        yield app, served
    finally:
        served.close()


@pytest.fixture(scope="module")
def sb(webapp: tuple[WebApp, ServedApp]) -> Iterator[Sandbox]:
    """Every emulator; Ipernity's with the web app's callback registered, as a real app's is."""
    registered = f"{webapp[1].url}/callback/ipernity"

    def ipernity(settings: EmulatorSettings) -> IpernityEmulator:
        return IpernityEmulator(settings, callback_url=registered)

    with Sandbox(SandboxOptions(providers=PROVIDERS, factories={"ipernity": ipernity})) as running:
        yield running


def visitor_client(sb: Sandbox, name: str, store: MemoryTokenStore) -> Client:
    """A client with the application's credentials and none of the sandbox's ready tokens."""
    blank = {key: "" for key in sb.credentials(name) if "token" in key}
    return sb.connect(name, token_store=store, account="visitor", **blank)


def browser_comes_back(start_url: str, webapp: WebApp) -> str:
    """Allow on the consent page, follow the redirect to the app: the URL the app receives."""
    consent = answer_consent(start_url, "allow")
    assert consent.status_code == 302, consent.text
    answer = requests.get(consent.headers["Location"], timeout=10)
    assert answer.text == "welcome back"
    return webapp.urls[-1]


def through_the_session(start: LoginStart) -> dict[str, Any]:
    """What a web framework's session gives back: the start's dict after a trip through JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(start.to_dict()))
    return loaded


@pytest.mark.parametrize("name", PROVIDERS)
def test_the_two_web_steps_log_in_with_every_provider(
    sb: Sandbox, webapp: tuple[WebApp, ServedApp], name: str
) -> None:
    store = MemoryTokenStore()
    callback = f"{webapp[1].url}/callback/{name}"
    # Request 1: the visitor presses "Log in with ..."; the start goes to their session.
    first = visitor_client(sb, name, store)
    start = first.start_login(callback, SCOPES[name])
    session = through_the_session(start)
    assert start.redirect_uri == callback
    assert store.load(name, "visitor") is None
    # The visitor consents; the provider sends their browser to the callback.
    came_back = browser_comes_back(start.url, webapp[0])
    assert came_back.startswith(callback + "?")
    # Request 2: another client object, as another request of the web app makes.
    second = visitor_client(sb, name, store)
    token = second.finish_login(came_back, session)
    assert store.load(name, "visitor") == token
    # Request 3: the stored token acts for the visitor.
    assert visitor_client(sb, name, store).identity().provider == name


@pytest.mark.parametrize("name", PROVIDERS)
def test_a_tampered_state_or_frob_is_refused_and_nothing_is_stored(
    sb: Sandbox, webapp: tuple[WebApp, ServedApp], name: str
) -> None:
    store = MemoryTokenStore()
    client = visitor_client(sb, name, store)
    start = client.start_login(f"{webapp[1].url}/callback/{name}", SCOPES[name])
    genuine = browser_comes_back(start.url, webapp[0])
    parts = urlsplit(genuine)
    query = dict(parse_qsl(parts.query))
    query[BINDING[name]] = query[BINDING[name]][::-1]
    tampered = urlunsplit(parts._replace(query=urlencode(query)))
    with pytest.raises(StateMismatch) as caught:
        client.finish_login(tampered, through_the_session(start))
    assert caught.value.provider == name
    assert store.load(name, "visitor") is None
    secrets = [query[BINDING[name]], start.code_verifier, *sb.credentials(name).values()]
    assert not [s for s in secrets if s and s in str(caught.value)]
    # A callback with nothing to tie it to the login is refused the same way.
    bare = urlunsplit(parts._replace(query=""))
    with pytest.raises(StateMismatch):
        client.finish_login(bare, start)


def test_ipernity_calls_back_only_the_url_registered_with_the_application(
    sb: Sandbox, webapp: tuple[WebApp, ServedApp]
) -> None:
    client = visitor_client(sb, "ipernity", MemoryTokenStore())
    registered = f"{webapp[1].url}/callback/ipernity"
    start = client.start_login(scopes=["doc:read", "blog:write"])
    assert start.redirect_uri == registered  # the callback_url setting
    assert "perm_blog=write&perm_doc=read" in start.url  # scopes are category:level
    with pytest.raises(InvalidRequest, match="registered with the application") as caught:
        client.start_login("https://elsewhere.example/callback")
    assert registered in str(caught.value)
    # Its authorization link is signed: no parameter can be slipped in.
    with pytest.raises(InvalidRequest, match="takes no extra parameters"):
        client.start_login(registered, login_as="1")


def test_a_saved_start_is_whole_and_for_its_own_provider(
    sb: Sandbox, webapp: tuple[WebApp, ServedApp]
) -> None:
    patreon = visitor_client(sb, "patreon", MemoryTokenStore())
    flattr = visitor_client(sb, "flattr", MemoryTokenStore())
    start = patreon.start_login(f"{webapp[1].url}/callback/patreon")
    callback = f"{start.redirect_uri}?code=c&state={start.state}"
    with pytest.raises(InvalidRequest, match="started with patreon, not flattr"):
        flattr.finish_login(callback, through_the_session(start))
    damaged = {k: v for k, v in through_the_session(start).items() if k != "state"}
    with pytest.raises(InvalidRequest, match="start the login again"):
        patreon.finish_login(callback, damaged)


def test_the_start_hides_its_secrets_from_its_repr(
    sb: Sandbox, webapp: tuple[WebApp, ServedApp]
) -> None:
    start = visitor_client(sb, "patreon", MemoryTokenStore()).start_login(
        f"{webapp[1].url}/callback/patreon"
    )
    assert start.state and start.code_verifier
    assert start.state not in repr(start) and start.code_verifier not in repr(start)
    assert LoginStart.from_dict(through_the_session(start)) == start


@pytest.mark.parametrize("name", PROVIDERS)
def test_every_client_logs_in_from_a_terminal_in_one_call(sb: Sandbox, name: str) -> None:
    store = MemoryTokenStore()
    client = visitor_client(sb, name, store)
    said: list[str] = []
    token = client.login(SCOPES[name], open_browser=False, auto_consent=True, say=said.append)
    assert store.load(name, "visitor") == token
    assert client.identity().provider == name


def test_a_provider_without_logins_says_so_before_any_request() -> None:
    # Nothing listens on port 9: a request would be a TransportError, not Unsupported.
    client = paysupport.connect(
        "example", base_url="http://127.0.0.1:9", token_store=MemoryTokenStore()
    )
    with pytest.raises(Unsupported, match="Example needs no login") as caught:
        client.start_login("http://127.0.0.1:9/callback")
    assert caught.value.capability == "login"
    with pytest.raises(Unsupported, match="needs no login"):
        client.login(open_browser=False)


def test_a_provider_declares_a_known_login_protocol() -> None:
    with pytest.raises(TypeError, match="auth='oauth'; it is one of oauth2, frob, none"):

        class Misdeclared(Client):
            info = ProviderInfo("mis", "Mis", "https://mis.example", frozenset(), auth="oauth")
