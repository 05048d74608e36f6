"""GitHub's auth server: OAuth apps, GitHub Apps' expiring user tokens, personal tokens.

Two kinds of app, as on GitHub:

* an **OAuth app** gets a ``gho_`` token that never expires, limited to the
  scopes the user granted (``read:user``, ``user:email``, ``read:org``, ...);
* a **GitHub App** (with expiring user tokens) gets a ``ghu_`` token that
  expires after 8 hours (``expires_in`` 28800) and a ``ghr_`` refresh token
  good for 6 months (``refresh_token_expires_in`` 15811200). Refreshing
  rotates: the old refresh token stops working at once. GitHub Apps have
  permissions rather than scopes, so their tokens see what the user sees.

Personal access tokens (``ghp_``) are seeded for the maintainer and a sponsor.
Authorization codes expire after 10 minutes and work once; PKCE is S256 only.
Tokens are random but derived from the seed, so a seed gives the same tokens.
"""

from __future__ import annotations

import base64
import hashlib
import random
import secrets
import string
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from paysupport.emulation import same_secret
from paysupport_github.emulator.errors import OAuthError

#: What GitHub's docs show for a GitHub App's user tokens (8 hours, ~6 months).
APP_TOKEN_LIFETIME = 28_800
REFRESH_TOKEN_LIFETIME = 15_811_200
CODE_LIFETIME = 600
#: Every scope a classic token of the maintainer carries.
ALL_SCOPES = ("read:org", "read:user", "user:email")
_ALPHABET = string.ascii_letters + string.digits


@dataclass(frozen=True)
class App:
    """A registered application; ``kind`` is ``"oauth_app"`` or ``"github_app"``."""

    client_id: str
    client_secret: str
    name: str
    callback_url: str
    kind: str

    @property
    def expiring(self) -> bool:
        return self.kind == "github_app"

    def allows_redirect(self, redirect_uri: str) -> bool:
        """GitHub's rule: same scheme and host, path under the callback's; loopback: any port."""
        given, registered = urlsplit(redirect_uri), urlsplit(self.callback_url)
        if (given.scheme, given.hostname) != (registered.scheme, registered.hostname):
            return False
        loopback = given.hostname in ("127.0.0.1", "localhost", "::1")
        if not loopback and given.port != registered.port:
            return False
        base = registered.path.rstrip("/")
        return given.path == registered.path or given.path.startswith(base + "/")


@dataclass
class Grant:
    """An access token's owner and rights; ``expires_at`` None for tokens that never expire."""

    token: str
    login: str
    scopes: frozenset[str]
    kind: str  # "personal", "oauth_app" or "github_app"
    client_id: str | None = None
    expires_at: float | None = None

    def has_scope(self, *wanted: str) -> bool:
        """True if the token may read what one of ``wanted`` allows (``user`` covers both)."""
        if self.kind == "github_app":
            return True
        granted = set(self.scopes)
        if "user" in granted:
            granted |= {"read:user", "user:email"}
        if "admin:org" in granted or "write:org" in granted:
            granted.add("read:org")
        return any(scope in granted for scope in wanted)


@dataclass
class _Code:
    client_id: str
    redirect_uri: str | None
    login: str
    scopes: frozenset[str]
    challenge: str | None
    expires_at: float


@dataclass
class _Refresh:
    login: str
    client_id: str
    expires_at: float


def _token(rng: random.Random, prefix: str, length: int = 36) -> str:
    return prefix + "".join(rng.choice(_ALPHABET) for _ in range(length))


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of ``verifier``."""
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class AuthServer:
    """Apps, codes, access and refresh tokens, under one lock."""

    def __init__(self, seed: int, clock: Callable[[], float], app_token_lifetime: int) -> None:
        self._rng = random.Random(f"github-sandbox-auth/{seed}")
        self._clock = clock
        self.app_token_lifetime = app_token_lifetime
        self._lock = threading.Lock()
        self.apps: dict[str, App] = {}
        self.tokens: dict[str, Grant] = {}
        self._codes: dict[str, _Code] = {}
        self._refresh: dict[str, _Refresh] = {}
        self._nonces: set[str] = set()
        self.refreshes = 0
        self.codes_issued = 0

    def register(self, name: str, callback_url: str, kind: str) -> App:
        with self._lock:
            prefix = "Iv1." if kind == "github_app" else "Ov23li"
            client_id = prefix + "".join(self._rng.choice(_ALPHABET) for _ in range(14))
            secret = "".join(self._rng.choice("0123456789abcdef") for _ in range(40))
            app = App(client_id, secret, name, callback_url, kind)
            self.apps[client_id] = app
            return app

    def personal_token(self, login: str, scopes: Iterable[str] = ALL_SCOPES) -> str:
        with self._lock:
            token = _token(self._rng, "ghp_")
            self.tokens[token] = Grant(token, login, frozenset(scopes), "personal")
            return token

    def lookup(self, token: str) -> Grant | None:
        """The live grant of ``token``; None when unknown or expired."""
        with self._lock:
            grant = self.tokens.get(token)
        if grant is None or (grant.expires_at is not None and grant.expires_at <= self._clock()):
            return None
        return grant

    def revoke(self, token: str) -> bool:
        with self._lock:
            return self.tokens.pop(token, None) is not None

    # ------------------------------------------------------------- consent
    def consent_nonce(self) -> str:
        with self._lock:
            nonce = secrets.token_urlsafe(16)
            self._nonces.add(nonce)
            return nonce

    def take_nonce(self, nonce: str) -> bool:
        with self._lock:
            if nonce in self._nonces:
                self._nonces.discard(nonce)
                return True
            return False

    def issue_code(
        self,
        app: App,
        redirect_uri: str | None,
        login: str,
        scopes: frozenset[str],
        challenge: str | None,
    ) -> str:
        with self._lock:
            code = "".join(self._rng.choice("0123456789abcdef") for _ in range(20))
            self._codes[code] = _Code(
                app.client_id,
                redirect_uri,
                login,
                scopes,
                challenge,
                self._clock() + CODE_LIFETIME,
            )
            self.codes_issued += 1
            return code

    # ---------------------------------------------------------- token calls
    def authenticate(self, client_id: str, client_secret: str | None) -> App:
        app = self.apps.get(client_id)
        if app is None or not same_secret(client_secret, app.client_secret):
            raise OAuthError(
                "incorrect_client_credentials",
                "The client_id and/or client_secret passed are incorrect.",
            )
        return app

    def exchange(
        self, app: App, code: str, redirect_uri: str | None, verifier: str | None
    ) -> dict[str, Any]:
        with self._lock:
            pending = self._codes.pop(code, None)
        if (
            pending is None
            or pending.client_id != app.client_id
            or pending.expires_at <= self._clock()
        ):
            raise OAuthError("bad_verification_code", "The code passed is incorrect or expired.")
        if redirect_uri and pending.redirect_uri and redirect_uri != pending.redirect_uri:
            raise OAuthError(
                "redirect_uri_mismatch",
                "The redirect_uri MUST match the registered callback URL for this application.",
            )
        if pending.challenge is not None and (
            not verifier or not same_secret(s256(verifier), pending.challenge)
        ):
            # NOTES are silent on the error for a failed PKCE check; GitHub treats the
            # code as unusable, so this answers like a bad code, with its own description
            raise OAuthError(
                "bad_verification_code", "The code_verifier does not match the code_challenge."
            )
        return self._issue(app, pending.login, pending.scopes)

    def refresh(self, app: App, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            current = self._refresh.get(refresh_token)
            valid = (
                current is not None
                and current.client_id == app.client_id
                and current.expires_at > self._clock()
            )
            if valid:
                del self._refresh[refresh_token]  # rotation: the old one is spent
                self.refreshes += 1
        if not app.expiring or not valid or current is None:
            raise OAuthError(
                "bad_refresh_token", "The refresh token passed is incorrect or expired."
            )
        return self._issue(app, current.login, frozenset())

    def _issue(self, app: App, login: str, scopes: frozenset[str]) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            if app.expiring:
                token = _token(self._rng, "ghu_")
                refresh = _token(self._rng, "ghr_", 76)
                self.tokens[token] = Grant(
                    token,
                    login,
                    frozenset(),
                    app.kind,
                    app.client_id,
                    now + self.app_token_lifetime,
                )
                self._refresh[refresh] = _Refresh(
                    login, app.client_id, now + REFRESH_TOKEN_LIFETIME
                )
                return {
                    "access_token": token,
                    "expires_in": self.app_token_lifetime,
                    "refresh_token": refresh,
                    "refresh_token_expires_in": REFRESH_TOKEN_LIFETIME,
                    "scope": "",
                    "token_type": "bearer",
                }
            token = _token(self._rng, "gho_")
            self.tokens[token] = Grant(token, login, scopes, app.kind, app.client_id)
            return {
                "access_token": token,
                "scope": ",".join(sorted(scopes)),
                "token_type": "bearer",
            }

    def summary(self) -> dict[str, Any]:
        with self._lock:
            kinds: dict[str, int] = {}
            for grant in self.tokens.values():
                kinds[grant.kind] = kinds.get(grant.kind, 0) + 1
            return {
                "apps": [
                    {"client_id": a.client_id, "name": a.name, "kind": a.kind}
                    for a in self.apps.values()
                ],
                "tokens": kinds,
                "codes_issued": self.codes_issued,
                "refreshes": self.refreshes,
                "live_refresh_tokens": len(self._refresh),
            }
