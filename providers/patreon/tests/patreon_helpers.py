"""Plain helpers of the Patreon tests: fake clock, API caller, browser side of OAuth, PKCE.

Tests build these themselves (an ``Api`` per token, ``pkce_pair()``, a ``Login``
on a second server), so they are importable classes and functions rather than
fixtures; the fixtures made from them are in ``conftest.py``.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

USER_AGENT = "paysupport-tests/0.1 (emulator test suite)"


class FakeClock:
    """A clock the tests move by hand, so expiry and rate windows need no sleeping."""

    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ConsentForm:
    """The consent page's form as a browser sees it."""

    action: str = ""
    method: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, str] = field(default_factory=dict)  # value -> label


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.form: ConsentForm | None = None
        self._button: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.form = ConsentForm(action=a.get("action", ""), method=a.get("method", ""))
        elif tag == "input" and self.form is not None and a.get("type") == "hidden":
            self.form.hidden[a["name"]] = a.get("value", "")
        elif tag == "button" and self.form is not None and a.get("name") == "decision":
            self._button = a.get("value", "")

    def handle_data(self, data: str) -> None:
        if self._button is not None and self.form is not None:
            self.form.buttons[self._button] = data.strip()
            self._button = None


def parse_consent_form(html: str) -> ConsentForm:
    parser = _FormParser()
    parser.feed(html)
    assert parser.form is not None, "the consent page has no <form>"
    return parser.form


def pkce_pair(verifier: str = "a" * 43) -> tuple[str, str]:
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class Api:
    """Calls the emulated API over HTTP with one bearer token."""

    def __init__(self, session: requests.Session, base: str, token: str) -> None:
        self.session = session
        self.base = base
        self.token = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        url = path if path.startswith("http") else self.base + path
        return self.session.request(method, url, headers=headers, timeout=10, **kwargs)

    def get(self, path: str, **params: str) -> requests.Response:
        return self.request("GET", path, params=params)


@dataclass
class Login:
    """Drives the browser side of the OAuth dance against a served emulator."""

    session: requests.Session
    base: str
    credentials: dict[str, str]

    def consent(self, **params: str) -> tuple[requests.Response, ConsentForm]:
        query = {
            "response_type": "code",
            "client_id": self.credentials["client_id"],
            "redirect_uri": self.credentials["redirect_uri"],
            "state": "st4te",
            **params,
        }
        page = self.session.get(f"{self.base}/oauth2/authorize", params=query, timeout=10)
        form = parse_consent_form(page.text) if page.status_code == 200 else ConsentForm()
        return page, form

    def decide(self, form: ConsentForm, decision: str) -> dict[str, list[str]]:
        """Post the form with the chosen button; return the redirect's query parameters."""
        response = self.session.post(
            urljoin(self.base + "/", form.action),
            data={**form.hidden, "decision": decision},
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 302, response.text
        return parse_qs(urlsplit(response.headers["Location"]).query)

    def code(self, **params: str) -> str:
        _, form = self.consent(**params)
        return self.decide(form, "allow")["code"][0]

    def token(self, **form: str) -> requests.Response:
        data = {
            "client_id": self.credentials["client_id"],
            "client_secret": self.credentials["client_secret"],
            **form,
        }
        return self.session.post(f"{self.base}/api/oauth2/token", data=data, timeout=10)

    def tokens(self, **params: str) -> dict[str, Any]:
        code = self.code(**params)
        response = self.token(
            grant_type="authorization_code",
            code=code,
            redirect_uri=params.get("redirect_uri", self.credentials["redirect_uri"]),
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body
