"""Fixtures for the Flattr emulator tests: a served emulator and a browser-like OAuth dance."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from paysupport_flattr import FlattrClient
from paysupport_flattr.emulator import FlattrEmulator
from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings
from paysupport.http import HttpEvent, HttpOptions
from paysupport.testing import ServedApp
from paysupport.tokens import MemoryTokenStore

ALL_SCOPES = "flattr thing email extendedread"


@dataclass
class Form:
    """The first ``<form>`` of a page, read as a browser would."""

    method: str = ""
    action: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: Form | None = None
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and self.form is None:
            self.form = Form(method=a.get("method", "get").lower(), action=a.get("action", ""))
        elif self.form is not None and not self._done:
            if tag == "input" and "name" in a:
                self.form.fields[a["name"]] = a.get("value", "")
            elif tag == "button" and "name" in a:
                self.form.buttons.setdefault(a["name"], []).append(a.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._done = True


def parse_form(html: str) -> Form:
    parser = _FormParser()
    parser.feed(html)
    assert parser.form is not None, "page has no form"
    return parser.form


@dataclass
class Sandbox:
    emulator: FlattrEmulator
    url: str

    @property
    def api(self) -> str:
        return f"{self.url}/rest/v2"

    @property
    def creds(self) -> dict[str, str]:
        return self.emulator.credentials()

    @property
    def auth(self) -> dict[str, str]:
        """Headers carrying the pre-issued all-scopes token of the primary user."""
        return {"Authorization": f"Bearer {self.creds['access_token']}"}

    @property
    def primary(self) -> str:
        return str(self.emulator.admin_state()["primary_user"])

    def consent_page(self, **params: str) -> requests.Response:
        query = {
            "response_type": "code",
            "client_id": self.creds["client_id"],
            "redirect_uri": self.creds["redirect_uri"],
            "scope": ALL_SCOPES,
            "state": "s1",
        }
        query.update(params)
        return requests.get(f"{self.url}/oauth/authorize", params=query, allow_redirects=False)

    def decide(self, page: requests.Response, decision: str, **overrides: str) -> requests.Response:
        """Post the consent form with the Allow or Deny button, as a browser would."""
        form = parse_form(page.text)
        assert form.method == "post"
        assert decision in form.buttons["decision"]
        data = {**form.fields, **overrides, "decision": decision}
        return requests.post(urljoin(page.url, form.action), data=data, allow_redirects=False)

    def exchange(self, code: str, redirect_uri: str | None = None) -> requests.Response:
        return requests.post(
            f"{self.url}/oauth/token",
            auth=(self.creds["client_id"], self.creds["client_secret"]),
            json={
                "code": code,
                "grant_type": "authorization_code",
                "redirect_uri": redirect_uri or self.creds["redirect_uri"],
            },
        )

    def token_for(self, username: str | None = None, scopes: str = ALL_SCOPES) -> dict[str, str]:
        """The whole dance; returns Authorization headers for ``username``."""
        overrides = {"username": username} if username else {}
        redirect = self.decide(self.consent_page(scope=scopes), "allow", **overrides)
        assert redirect.status_code == 302, redirect.text
        code = parse_qs(urlsplit(redirect.headers["Location"]).query)["code"][0]
        token = self.exchange(code)
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    def admin_flattrs(self, **params: str) -> dict[str, Any]:
        response = requests.get(f"{self.url}/_admin/flattrs", params=params)
        assert response.status_code == 200
        return dict(response.json())

    def set_means(self, username: str, means: int) -> None:
        r = requests.post(f"{self.url}/_admin/users/{username}/means", json={"means": means})
        assert r.status_code == 200, r.text

    def foreign_thing(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        """A visible thing the caller neither owns nor has flattred."""
        r = requests.get(
            f"{self.api}/things/search", params={"count": 100}, headers=headers or self.auth
        )
        me = requests.get(f"{self.api}/user", headers=headers or self.auth).json()["username"]
        for thing in r.json()["things"]:
            if thing["owner"]["username"] != me and not thing["flattred"]:
                return dict(thing)
        raise AssertionError("no foreign thing in the seeded data")

    def own_thing(self, headers: dict[str, str] | None = None) -> dict[str, Any]:
        things = requests.get(f"{self.api}/user/things", headers=headers or self.auth).json()
        assert things, "the primary user owns no thing"
        return dict(things[0])


@pytest.fixture
def make_sandbox(
    wsgi_server: Callable[[Any], ServedApp],
) -> Callable[..., Sandbox]:
    def make(settings: EmulatorSettings | None = None, **kwargs: Any) -> Sandbox:
        emulator = FlattrEmulator(settings or EmulatorSettings(seed=7), **kwargs)
        return Sandbox(emulator, wsgi_server(emulator).url)

    return make


@pytest.fixture
def sandbox(make_sandbox: Callable[..., Sandbox]) -> Sandbox:
    return make_sandbox()


# -- the client against the emulator -------------------------------------------------


@dataclass
class Events:
    """Requests a client sent, from its event hooks (method and path, no secrets)."""

    seen: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, event: HttpEvent) -> None:
        if event.kind == "request":
            self.seen.append((event.method, urlsplit(event.url).path))

    def clear(self) -> None:
        self.seen.clear()

    def writes(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.seen if m != "GET"]


@pytest.fixture
def make_client() -> Callable[..., FlattrClient]:
    """``make_client(sandbox, events=None, **settings)``: a client with the sandbox's creds."""

    def make(sb: Sandbox, events: Events | None = None, **settings: Any) -> FlattrClient:
        merged: dict[str, Any] = {**sb.creds, **settings}
        return FlattrClient(
            base_url=sb.url,
            token_store=MemoryTokenStore(),
            hooks=[events] if events else [],
            **{k: v for k, v in merged.items() if v is not None},
        )

    return make


@pytest.fixture
def events() -> Events:
    return Events()


@pytest.fixture
def client(
    sandbox: Sandbox, make_client: Callable[..., FlattrClient], events: Events
) -> FlattrClient:
    """The primary user's client (all scopes), recording its requests in ``events``."""
    return make_client(sandbox, events)


# -- canned answers, for shapes the emulator never serves --------------------------------

CANNED_TOKEN = "canned-token-0123456789abcdef"


class Canned:
    """Answers each path with a fixed (status, content type, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, str, str, dict[str, str]]] = {}

    def set(
        self,
        path: str,
        body: object,
        status: int = 200,
        ctype: str = "application/json",
        **headers: str,
    ) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.routes[f"/rest/v2{path}"] = (status, ctype, text, headers)

    def __call__(self, environ, start_response):
        request = Request(environ)
        status, ctype, text, headers = self.routes.get(
            request.path, (404, "application/json", '{"error": "not_found"}', {})
        )
        return Response(text, status=status, content_type=ctype, headers=headers)(
            environ, start_response
        )


@pytest.fixture
def canned(wsgi_server: Callable[[Any], ServedApp]) -> tuple[Canned, FlattrClient]:
    """A :class:`Canned` app and a client pointed at it (no retries, a fixed token)."""
    app = Canned()
    served = wsgi_server(app)
    client = FlattrClient(
        base_url=served.url,
        access_token=CANNED_TOKEN,
        client_id="cid",
        client_secret="csecret-value",
        token_store=MemoryTokenStore(),
        http_options=HttpOptions(retries=0),  # 5xx answers come back at once
    )
    return app, client
