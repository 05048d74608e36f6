"""Logins, the same for every provider whatever its protocol (OAuth 2 or frob).

A web application takes two steps, each one call on the client::

    start = client.start_login("https://app.example/callback/patreon", ["identity"])
    session["login"] = start.to_dict()         # plain JSON values
    return redirect(start.url)
    # ... on the callback:
    token = client.finish_login(request.url, session.pop("login"))

A program at a terminal takes one: ``client.login()`` (the browser, a callback
on 127.0.0.1 or the frob's wait, the token stored). In the sandbox the
consent page is answered by :func:`~paysupport.sandbox.consent.answer_consent`
exactly as a browser would (``auto_consent=True``).

Which protocol runs is what the provider *declares* (``ProviderInfo.auth``),
never found by trial; the core drives the :class:`~paysupport.auth.oauth2.OAuth2Auth`
or :class:`~paysupport.auth.signed.FrobFlow` the client set up, so it never
imports a provider. Scopes are the provider's OAuth scopes, or for frob
providers ``category:level`` permissions (``doc:read``), the form their
tokens' ``scope`` takes.

The frob protocol (Ipernity) differs in two ways a web application must know:

- its callback is the URL **registered with the application**, not one chosen
  per login: ``start_login``'s ``redirect_uri`` may be left out, and when the
  client knows the registered one (``callback_url`` setting) another is refused
  before anything is sent;
- the callback carries ``?frob=`` and no ``state``: nothing in it ties it to
  the browser that started the login. Accept a callback only while the
  visitor's session holds a start (``finish_login`` requires one), and start
  logins from a POST carrying a CSRF token, so that no other site can start one
  and complete it with its own frob (see ``examples/webapp``). A frob Ipernity
  did not issue to this application (tampered, expired, used) is refused with
  :class:`~paysupport.errors.StateMismatch`, like a tampered ``state``.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from paysupport._args import several
from paysupport.auth.oauth2 import AuthorizationRequest, OAuth2Auth
from paysupport.auth.signed import FrobFlow
from paysupport.errors import AuthError, InvalidRequest, NotFound, StateMismatch, Unsupported
from paysupport.provider import Client
from paysupport.tokens import Token

Say = Callable[[str], object]

#: The login protocols a provider may declare in ``ProviderInfo.auth``.
PROTOCOLS = ("oauth2", "frob")


@dataclass(frozen=True)
class LoginStart:
    """A web login in progress: where to send the visitor, and what the callback must match.

    Keep it until the callback arrives, in the visitor's session as
    :meth:`to_dict` (sessions store JSON, not objects), and give that dict back to
    :meth:`~paysupport.provider.Client.finish_login`. For OAuth 2 it holds the
    ``state`` and the secret PKCE verifier: a server-side session is best, since
    Flask's default session cookie is signed, not encrypted. The repr hides both.
    A frob login has neither (``state`` and ``code_verifier`` are ``None``): its
    start only records that this session began a login, and for which callback
    and permissions.
    """

    provider: str
    protocol: str
    url: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None = None
    code_verifier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values for a session; :meth:`from_dict` makes the start again."""
        return {
            "provider": self.provider,
            "protocol": self.protocol,
            "url": self.url,
            "redirect_uri": self.redirect_uri,
            "scopes": list(self.scopes),
            "state": self.state,
            "code_verifier": self.code_verifier,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, provider: str | None = None) -> LoginStart:
        """The start :meth:`to_dict` saved, after its trip through a session.

        Raises :class:`~paysupport.errors.InvalidRequest` when ``data`` is not such
        a dict (a session written by another version, a damaged cookie): the login
        must start again.
        """
        texts = ("provider", "protocol", "url", "redirect_uri")
        fine = isinstance(data, Mapping) and all(
            isinstance(data.get(key), str) and data.get(key) for key in texts
        )
        if fine:
            scopes = data.get("scopes")
            state, verifier = data.get("state"), data.get("code_verifier")
            fine = (
                data["protocol"] in PROTOCOLS
                and isinstance(scopes, (list, tuple))
                and all(isinstance(scope, str) for scope in scopes)
                and all(value is None or isinstance(value, str) for value in (state, verifier))
                and (data["protocol"] != "oauth2" or bool(state))
            )
        if not fine:
            raise InvalidRequest(
                "the saved login is not one LoginStart.to_dict() made (provider, protocol, "
                "url, redirect_uri, scopes, state, code_verifier); start the login again",
                provider=provider,
            )
        return cls(
            data["provider"],
            data["protocol"],
            data["url"],
            data["redirect_uri"],
            tuple(data["scopes"]),
            data.get("state"),
            data.get("code_verifier"),
        )

    def __repr__(self) -> str:
        return (
            f"LoginStart(provider={self.provider!r}, protocol={self.protocol!r}, "
            f"redirect_uri={self.redirect_uri!r}, scopes={self.scopes!r})"
        )


def protocol_of(client: Client) -> str:
    """The login protocol ``client``'s provider declares; Unsupported for one needing none.

    Raised before any request. A provider declaring a protocol whose flow it did
    not set up (``use_oauth2``, a ``FrobFlow``) is a provider bug, said as such.
    """
    declared = client.info.auth
    if declared not in PROTOCOLS:
        raise Unsupported(
            f"{client.info.title} needs no login", provider=client.info.name, capability="login"
        )
    if (client.oauth if declared == "oauth2" else client.frob) is None:
        raise Unsupported(
            f"{client.info.title} declares {declared} logins but its client set up no "
            f"{'OAuth2Auth (use_oauth2)' if declared == 'oauth2' else 'FrobFlow'}",
            provider=client.info.name,
            capability="login",
        )
    return declared


def frob_perms(scopes: Sequence[str], *, provider: str | None = None) -> dict[str, str]:
    """Frob permissions from scopes: ``["doc:read", "blog:write"]`` (``doc=read`` too).

    The provider's flow then checks the categories and levels.
    """
    perms: dict[str, str] = {}
    for scope in several(scopes, "scopes", provider=provider):
        category, sep, level = scope.replace("=", ":", 1).partition(":")
        if not sep or not category.strip() or not level.strip():
            raise InvalidRequest(
                f"permission {scope!r} is not category:level (e.g. doc:read)", provider=provider
            )
        perms[category.strip()] = level.strip()
    return perms


def _same_url(a: str, b: str) -> bool:
    """Whether two callback URLs are the same, up to the case of scheme and host."""
    one, two = urlsplit(a), urlsplit(b)
    return (one.scheme.lower(), one.netloc.lower(), one.path or "/", one.query) == (
        two.scheme.lower(),
        two.netloc.lower(),
        two.path or "/",
        two.query,
    )


def _oauth(client: Client) -> OAuth2Auth:
    assert client.oauth is not None  # protocol_of checked it
    return client.oauth


def _frob(client: Client) -> FrobFlow:
    assert client.frob is not None  # protocol_of checked it
    return client.frob


def start_login(
    client: Client,
    redirect_uri: str | None = None,
    scopes: Sequence[str] | None = None,
    **extra: str,
) -> LoginStart:
    """A web login's first step: the URL to send the visitor to (see the module docstring).

    ``redirect_uri`` defaults to the client's ``redirect_uri`` (OAuth 2) or its
    registered ``callback_url`` (frob); ``scopes`` to the provider's defaults.
    ``extra`` are further query parameters of an OAuth 2 authorization URL
    (an emulator's ``login_as``); a frob URL is signed and takes none.
    Raises :class:`~paysupport.errors.InvalidRequest` before any request for an
    unknown scope, a missing callback or, for frob providers, a callback other
    than the registered one.
    """
    name = client.info.name
    if protocol_of(client) == "oauth2":
        request = _oauth(client).authorization_url(scopes, redirect_uri=redirect_uri, **extra)
        return LoginStart(
            name,
            "oauth2",
            request.url,
            request.redirect_uri,
            request.scopes,
            request.state,
            request.code_verifier,
        )
    if extra:
        raise InvalidRequest(
            f"{client.info.title}'s authorization link is signed and takes no extra "
            f"parameters ({', '.join(sorted(extra))})",
            provider=name,
        )
    flow = _frob(client)
    registered = client.callback_url
    if redirect_uri and registered and not _same_url(redirect_uri, registered):
        raise InvalidRequest(
            f"{client.info.title} calls back the URL registered with the application "
            f"({registered}), not one chosen per login: register {redirect_uri} there and "
            "in the callback_url setting, or leave redirect_uri out",
            provider=name,
        )
    callback = redirect_uri or registered
    if not callback:
        raise InvalidRequest(
            f"a web login needs the callback URL registered with {client.info.title}: "
            "set callback_url or pass redirect_uri",
            provider=name,
        )
    perms = frob_perms(scopes, provider=name) if scopes is not None else dict(flow.default_perms)
    url = flow.auth_url(perms)
    asked = tuple(f"{category}:{level}" for category, level in sorted(perms.items()))
    return LoginStart(name, "frob", url, callback, asked)


def finish_login(client: Client, callback_url: str, start: LoginStart | Mapping[str, Any]) -> Token:
    """A web login's second step: check the callback against ``start``, store the token.

    ``callback_url`` is the full URL the provider sent the visitor back to;
    ``start`` the :class:`LoginStart` or its :meth:`~LoginStart.to_dict` from the
    visitor's session. Raises :class:`~paysupport.errors.StateMismatch` for a
    callback that does not belong to this login (a ``state`` that differs, a
    frob that was not issued to this application, none at all),
    :class:`~paysupport.errors.AccessDenied` when the visitor declined, and
    :class:`~paysupport.errors.InvalidRequest` for a start that is not one or
    was made for another provider.
    """
    name = client.info.name
    protocol = protocol_of(client)
    if not isinstance(start, LoginStart):
        start = LoginStart.from_dict(start, provider=name)
    if start.provider != name or start.protocol != protocol:
        raise InvalidRequest(
            f"this login was started with {start.provider}, not {name}; start it again",
            provider=name,
        )
    if protocol == "oauth2":
        assert start.state is not None  # from_dict and start_login make sure
        request = AuthorizationRequest(
            start.url, start.state, start.redirect_uri, start.scopes, start.code_verifier
        )
        return _oauth(client).fetch_token(authorization_response=callback_url, request=request)
    query = parse_qs(urlsplit(callback_url).query)
    frob = next(iter(query.get("frob", [])), "")
    if not frob:
        raise StateMismatch("the callback carries no frob", provider=name)
    client.redactor.add(frob)
    try:
        return _frob(client).get_token(frob)
    except NotFound:
        raise StateMismatch(
            f"the callback's frob was not issued to this application by {client.info.title}, "
            "or it expired or was used already; start the login again",
            provider=name,
        ) from None


class _CallbackCatcher(ThreadingHTTPServer):
    """A one-shot server on a free 127.0.0.1 port catching the OAuth redirect.

    The standard library's server, not the sandbox's: a terminal login is core,
    and must work without the ``sandbox`` extra. It logs nothing, since the
    callback's query carries the authorization code.
    """

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _CallbackHandler)
        self.root = f"http://127.0.0.1:{self.server_address[1]}"
        self.url: str | None = None
        self.done = threading.Event()
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="paysupport-login-callback",
            daemon=True,
        )
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _CallbackHandler(BaseHTTPRequestHandler):
    """Takes ``GET /callback?...`` (the provider's redirect) and says the terminal has it."""

    server: _CallbackCatcher

    def do_GET(self) -> None:  # the name http.server dispatches to
        if urlsplit(self.path).path != "/callback":
            self._answer(404, "not found")
            return
        self.server.url = self.server.root + self.path
        self.server.done.set()
        self._answer(200, "Login received: you can close this window and go back to the terminal.")

    def _answer(self, status: int, text: str) -> None:
        body = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the callback's query string carries the authorization code."""


def oauth_login(
    client: Client,
    *,
    scopes: Sequence[str] | None = None,
    open_browser: bool = True,
    auto_consent: bool = False,
    timeout: float = 300.0,
    say: Say = print,
) -> Token:
    """Log in through the browser; the callback arrives on a free 127.0.0.1 port.

    ``auto_consent`` answers the consent page itself (sandbox only).
    The returned ``state`` is checked before the code is exchanged.
    """
    if client.info.auth != "oauth2":
        raise Unsupported(
            f"{client.info.title} does not log in with OAuth 2", provider=client.info.name
        )
    catcher = _CallbackCatcher()
    try:
        # The web steps, with this process as the web application.
        start = start_login(client, f"{catcher.root}/callback", scopes)
        if auto_consent:
            from paysupport.sandbox.consent import answer_consent  # the sandbox extra

            answer = answer_consent(start.url, "allow")
            location = answer.headers.get("Location")
            if not location:
                raise AuthError("the consent page did not redirect", provider=client.info.name)
            requests.get(location, timeout=10)
        else:
            say(f"Open this URL to log in to {client.info.title}:\n  {start.url}")
            if open_browser:
                webbrowser.open(start.url)
        if not catcher.done.wait(timeout):
            raise AuthError(f"no login callback within {timeout:.0f} s", provider=client.info.name)
        assert catcher.url is not None
        return finish_login(client, catcher.url, start)
    finally:
        catcher.close()


def frob_login(
    client: Client,
    *,
    perms: Mapping[str, str] | None = None,
    open_browser: bool = True,
    auto_consent: bool = False,
    wait: Callable[[], object] | None = None,
    say: Say = print,
) -> Token:
    """The desktop frob flow: show the URL, wait for the person, trade the frob."""
    flow = client.frob
    if flow is None:
        raise Unsupported(
            f"{client.info.title} does not log in with a frob", provider=client.info.name
        )
    frob = flow.get_frob()
    url = flow.auth_url(perms or flow.default_perms, frob)
    if auto_consent:
        from paysupport.sandbox.consent import answer_consent  # the sandbox extra

        answer_consent(url, "allow")
    else:
        say(f"Open this URL to authorize {client.info.title}:\n  {url}")
        if open_browser:
            webbrowser.open(url)
        if wait is not None:
            wait()
    return flow.get_token(frob)


def login(
    client: Client,
    scopes: Sequence[str] | None = None,
    *,
    perms: Mapping[str, str] | None = None,
    open_browser: bool = True,
    auto_consent: bool = False,
    timeout: float = 300.0,
    wait: Callable[[], object] | None = None,
    say: Say = print,
) -> Token:
    """The one-call login for a terminal, whichever protocol the provider declares.

    This is what ``client.login()`` runs. ``scopes`` are OAuth scopes or frob
    ``category:level`` permissions; ``perms`` (a mapping) is the frob form of the
    latter. A frob login waits for ``wait`` (by default: Enter) unless
    ``auto_consent`` answers the page itself (sandbox only).
    """
    if protocol_of(client) == "oauth2":
        if perms:
            raise InvalidRequest(
                f"{client.info.title} logs in with OAuth 2: ask for scopes, not perms",
                provider=client.info.name,
            )
        return oauth_login(
            client,
            scopes=scopes,
            open_browser=open_browser,
            auto_consent=auto_consent,
            timeout=timeout,
            say=say,
        )
    if perms is None and scopes is not None:
        perms = frob_perms(scopes, provider=client.info.name)
    if wait is None and not auto_consent:
        wait = _press_enter
    return frob_login(
        client,
        perms=perms,
        open_browser=open_browser,
        auto_consent=auto_consent,
        wait=wait,
        say=say,
    )


def _press_enter() -> None:
    input("Press Enter once you have authorized... ")
