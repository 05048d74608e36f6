"""Interactive logins for command-line programs: OAuth 2 with a loopback callback, frob flows.

A web application drives :class:`~paysupport.auth.oauth2.OAuth2Auth` or a
:class:`~paysupport.auth.signed.FrobFlow` itself; these functions are for a
person at a terminal (``paysupport login``) and for the sandbox, where the
consent page is answered by :func:`~paysupport.sandbox.consent.answer_consent`
exactly as a browser would.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable, Mapping
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from paysupport.errors import AuthError, Unsupported
from paysupport.provider import Client
from paysupport.sandbox.consent import answer_consent
from paysupport.sandbox.serving import start_server
from paysupport.tokens import Token

Say = Callable[[str], None]


class _CallbackCatcher:
    """A one-shot WSGI app catching the OAuth redirect on 127.0.0.1."""

    def __init__(self) -> None:
        self.url: str | None = None
        self.done = threading.Event()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.path != "/callback":
            return Response("not found", status=404)(environ, start_response)
        self.url = request.url
        self.done.set()
        text = "Login received: you can close this window and go back to the terminal."
        return Response(text, content_type="text/plain")(environ, start_response)


def oauth_login(
    client: Client,
    *,
    scopes: list[str] | None = None,
    open_browser: bool = True,
    auto_consent: bool = False,
    timeout: float = 300.0,
    say: Say = print,
) -> Token:
    """Log in through the browser; the callback arrives on a free 127.0.0.1 port.

    ``auto_consent`` answers the consent page itself (sandbox only).
    The returned ``state`` is checked before the code is exchanged.
    """
    if client.oauth is None:
        raise Unsupported(
            f"{client.info.title} does not log in with OAuth 2", provider=client.info.name
        )
    catcher = _CallbackCatcher()
    served = start_server(catcher, quiet=True)
    try:
        request = client.oauth.authorization_url(scopes, redirect_uri=f"{served.url}/callback")
        if auto_consent:
            answer = answer_consent(request.url, "allow")
            location = answer.headers.get("Location")
            if not location:
                raise AuthError("the consent page did not redirect", provider=client.info.name)
            requests.get(location, timeout=10)
        else:
            say(f"Open this URL to log in to {client.info.title}:\n  {request.url}")
            if open_browser:
                webbrowser.open(request.url)
        if not catcher.done.wait(timeout):
            raise AuthError(f"no login callback within {timeout:.0f} s", provider=client.info.name)
        assert catcher.url is not None
        return client.oauth.fetch_token(authorization_response=catcher.url, request=request)
    finally:
        served.close()


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
        answer_consent(url, "allow")
    else:
        say(f"Open this URL to authorize {client.info.title}:\n  {url}")
        if open_browser:
            webbrowser.open(url)
        if wait is not None:
            wait()
    return flow.get_token(frob)


def login(client: Client, **kwargs: Any) -> Token:
    """Whichever flow the provider uses."""
    if client.oauth is not None:
        return oauth_login(client, **{k: v for k, v in kwargs.items() if k != "perms"})
    if client.frob is not None:
        return frob_login(client, **{k: v for k, v in kwargs.items() if k != "scopes"})
    raise Unsupported(f"{client.info.title} needs no login", provider=client.info.name)
