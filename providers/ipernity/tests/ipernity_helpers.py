"""Plain helpers the Ipernity tests import: a tiny signing caller, a consent "browser", clients.

The caller here is deliberately minimal (sign, send, decode) so that the emulator tests
exercise the emulator's rules rather than a client's conveniences. :class:`Served` (an
emulator on a real server with its :class:`Api`) is what the ``serve`` fixture of
``conftest.py`` makes; :func:`client_for` and :class:`Requests` are for the client tests.
These are types and functions many tests name in their signatures, hence one plain module
rather than fixtures (see ``conftest.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode, urljoin

import requests
from paysupport_ipernity.client import IpernityClient
from paysupport_ipernity.emulator import IpernityEmulator
from paysupport_ipernity.signing import sign

from paysupport.http import HttpEvent
from paysupport.tokens import MemoryTokenStore

# -- the emulator tests' helpers -------------------------------------------------------


@dataclass
class Api:
    """Calls ``/api/<method>/json`` on a served emulator, signing when asked."""

    base_url: str
    api_key: str
    api_secret: str
    token: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def call(
        self,
        method: str,
        *,
        post: bool = False,
        signed: bool = True,
        token: bool = True,
        files: dict[str, Any] | None = None,
        **params: str,
    ) -> dict[str, Any]:
        params = {"api_key": self.api_key, **params}
        if token and self.token:
            params.setdefault("auth_token", self.token)
        if signed:
            params["api_sig"] = sign(params, self.api_secret, method)
        url = f"{self.base_url}/api/{method}/json"
        if post or files:
            response = self.session.post(url, data=params, files=files, timeout=10)
        else:
            response = self.session.get(url, params=params, timeout=10)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def ok(self, method: str, **kwargs: Any) -> dict[str, Any]:
        body = self.call(method, **kwargs)
        assert body["api"]["status"] == "ok", body
        return body

    def error(self, method: str, **kwargs: Any) -> int:
        """Call expecting an API error; returns its code."""
        body = self.call(method, **kwargs)
        assert body["api"]["status"] == "error", body
        assert isinstance(body["api"]["message"], str) and body["api"]["message"]
        code: int = body["api"]["code"]
        return code

    def with_token(self, token: str | None) -> Api:
        return Api(self.base_url, self.api_key, self.api_secret, token, self.session)


@dataclass
class Served:
    emulator: IpernityEmulator
    url: str
    api: Api


class ConsentForm(HTMLParser):
    """Reads the consent page's form as a browser would: action, inputs, buttons."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {
                    "method": a.get("method", "get"),
                    "action": a.get("action", ""),
                    "fields": {},
                    "buttons": [],
                }
            )
        elif self.forms and tag == "input" and a.get("type") == "hidden":
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")
        elif self.forms and tag == "button":
            self.forms[-1]["buttons"].append((a.get("name"), a.get("value")))


def parse_consent(page: str) -> dict[str, Any]:
    parser = ConsentForm()
    parser.feed(page)
    assert len(parser.forms) == 1, page
    return parser.forms[0]


@dataclass
class Consent:
    """Drives ``/apps/authorize`` like a browser: open the signed link, post the form."""

    served: Served

    def link(self, **params: str) -> str:
        """A signed authorization link (signed without a method name)."""
        api = self.served.api
        params = {"api_key": api.api_key, **params}
        params["api_sig"] = sign(params, api.api_secret)
        return self.served.url + "/apps/authorize?" + urlencode(params)

    def answer(self, link: str, decision: str, user_id: str | None = None) -> requests.Response:
        """Open ``link`` and post its form with the ``decision`` button."""
        session = requests.Session()
        page = session.get(link, timeout=10)
        assert page.status_code == 200, page.text
        form = parse_consent(page.text)
        assert form["method"].lower() == "post"
        assert ("decision", decision) in form["buttons"]
        data = {**form["fields"], "decision": decision}
        if user_id is not None:
            data["user_id"] = user_id
        action = urljoin(link, form["action"])
        return session.post(action, data=data, allow_redirects=False, timeout=10)

    def token(self, user_id: str | None = None, **perms: str) -> str:
        """Run the whole desktop flow for ``perm_<category>=<level>`` and return the token."""
        api = self.served.api
        frob = api.ok("auth.getFrob", token=False)["auth"]["frob"]
        link = self.link(frob=frob, **{f"perm_{c}": level for c, level in perms.items()})
        assert self.answer(link, "allow", user_id).status_code == 200
        token: str = api.ok("auth.getToken", token=False, frob=frob)["auth"]["token"]
        return token


# -- the client tests' helpers ---------------------------------------------------------


def client_for(served: Served, **overrides: Any) -> IpernityClient:
    """A client on ``served`` with its credentials; an override of ``None`` drops a setting."""
    settings: dict[str, Any] = {
        "base_url": served.url,
        "token_store": MemoryTokenStore(),
        **served.emulator.credentials(),
        **overrides,
    }
    return IpernityClient(**{k: v for k, v in settings.items() if v is not None})


class Requests:
    """Records the requests a client sends (its HTTP layer's events)."""

    def __init__(self, client: IpernityClient) -> None:
        self.events: list[HttpEvent] = []
        client.http.hooks.append(self._record)

    def _record(self, event: HttpEvent) -> None:
        if event.kind == "request":
            self.events.append(event)

    @property
    def count(self) -> int:
        return len(self.events)

    def methods(self) -> list[tuple[str, str]]:
        """``(HTTP verb, API method)`` of every request sent."""
        out = []
        for event in self.events:
            path = event.url.split("?", 1)[0]
            out.append((event.method, path.split("/api/", 1)[-1].removesuffix("/json")))
        return out
