"""Patreon's OAuth 2 server: clients, consent, authorization codes, rotating tokens, its routes.

Codes are single-use (a replayed code also revokes the tokens it produced, as
RFC 6749 section 4.1.2 recommends), PKCE is verified when the authorization
request carried a challenge, refresh tokens rotate (the used one dies) and
access tokens expire after ``token_lifetime`` seconds on the injected clock.
:class:`AuthRoutes` serves ``/oauth2/authorize`` (the HTML consent form) and
``/api/oauth2/token`` on it.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import secrets
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from paysupport.emulation import same_secret
from paysupport_patreon.catalog import SCOPES
from paysupport_patreon.emulator.errors import OAuthError
from paysupport_patreon.emulator.pages import consent_page, error_page
from paysupport_patreon.emulator.responses import html_response, json_response, with_query
from paysupport_patreon.emulator.store import Store

#: The redirect URI registered for the sandbox's own client.
SANDBOX_REDIRECT_URI = "http://127.0.0.1/callback"
CODE_LIFETIME = 600.0
DEFAULT_SCOPES = ("identity", "identity[email]")


@dataclass
class Client:
    """A registered OAuth client. ``loopback`` also allows any 127.0.0.1/localhost URI."""

    client_id: str
    client_secret: str
    owner_id: str
    name: str
    redirect_uris: tuple[str, ...]
    loopback: bool = True

    def allows_redirect(self, uri: str) -> bool:
        if uri in self.redirect_uris:
            return True
        if not self.loopback:
            return False
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return False
        return parts.scheme == "http" and parts.hostname in ("127.0.0.1", "localhost")

    def attributes(self) -> dict[str, Any]:
        return {
            "author_name": "Sandy Creator",
            "category": "Other",
            "client_secret": self.client_secret,
            "default_scopes": " ".join(DEFAULT_SCOPES),
            "description": "The paysupport sandbox client",
            "domain": None,
            "icon_url": None,
            "name": self.name,
            "privacy_policy_url": None,
            "redirect_uris": " ".join(self.redirect_uris),
            "tos_url": "https://www.patreon.com/policy/legal",
            "version": 2,
        }


@dataclass
class Grant:
    """What a token stands for: a user's consent to a client for some scopes."""

    id: str
    client_id: str
    user_id: str
    scopes: frozenset[str]
    expires_at: float = 0.0


@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    user_id: str
    scopes: frozenset[str]
    expires_at: float
    challenge: str | None
    method: str | None
    used: bool = False
    token_ids: list[str] = field(default_factory=list)


def parse_scopes(raw: str | None) -> frozenset[str]:
    """Space-separated scopes; unknown ones raise ``invalid_scope``."""
    names = (raw or "").split()
    if not names:
        return frozenset(DEFAULT_SCOPES)
    unknown = [name for name in names if name not in SCOPES]
    if unknown:
        raise OAuthError("invalid_scope", f"Unknown scope(s): {' '.join(unknown)}")
    return frozenset(names)


def pkce_matches(verifier: str, challenge: str, method: str) -> bool:
    if method == "plain":
        computed = verifier
    else:
        digest = hashlib.sha256(verifier.encode()).digest()
        computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return same_secret(computed, challenge)


class OAuthServer:
    """Holds clients, consent nonces, codes and tokens behind one lock."""

    def __init__(self, clock: Callable[[], float], token_lifetime: int) -> None:
        self._clock = clock
        self._lifetime = token_lifetime
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self.clients: dict[str, Client] = {}
        self._nonces: dict[str, float] = {}
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, Grant] = {}
        self._refresh: dict[str, Grant] = {}
        self._issued = 0

    def register(self, client: Client) -> None:
        with self._lock:
            self.clients[client.client_id] = client

    # ------------------------------------------------------------ consent
    def consent_nonce(self) -> str:
        """A single-use value the consent form carries, so only a posted form grants codes."""
        nonce = secrets.token_urlsafe(16)
        with self._lock:
            self._nonces[nonce] = self._clock() + CODE_LIFETIME
        return nonce

    def take_nonce(self, nonce: str) -> bool:
        with self._lock:
            expires = self._nonces.pop(nonce, None)
        return expires is not None and expires > self._clock()

    def issue_code(
        self,
        client_id: str,
        redirect_uri: str,
        user_id: str,
        scopes: frozenset[str],
        challenge: str | None,
        method: str | None,
    ) -> str:
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = _Code(
                client_id,
                redirect_uri,
                user_id,
                scopes,
                self._clock() + CODE_LIFETIME,
                challenge,
                method,
            )
        return code

    # ------------------------------------------------------------- tokens
    def authenticate_client(self, client_id: str | None, secret: str | None) -> Client:
        client = self.clients.get(client_id or "")
        if client is None or not same_secret(secret, client.client_secret):
            raise OAuthError("invalid_client", "Unknown client or wrong client_secret.", 401)
        return client

    def _issue(self, client_id: str, user_id: str, scopes: frozenset[str]) -> dict[str, Any]:
        # caller holds the lock
        grant_id = f"grant-{next(self._ids)}"
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = self._clock() + self._lifetime
        self._access[access] = Grant(grant_id, client_id, user_id, scopes, expires)
        self._refresh[refresh] = Grant(grant_id, client_id, user_id, scopes)
        self._issued += 1
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self._lifetime,
            "scope": " ".join(sorted(scopes)),
            "token_type": "Bearer",
            "version": "0.0.1",
            "_grant_id": grant_id,
        }

    def issue_tokens(self, client_id: str, user_id: str, scopes: Iterable[str]) -> dict[str, Any]:
        """Tokens without a code (the creator's access token from the developer portal)."""
        with self._lock:
            issued = self._issue(client_id, user_id, frozenset(scopes))
        issued.pop("_grant_id")
        return issued

    def exchange_code(
        self, client: Client, code: str, redirect_uri: str | None, verifier: str | None
    ) -> dict[str, Any]:
        with self._lock:
            entry = self._codes.get(code)
            if entry is None or entry.client_id != client.client_id:
                raise OAuthError("invalid_grant", "Unknown authorization code.")
            if entry.used:
                self._revoke_grants(entry.token_ids)
                raise OAuthError("invalid_grant", "Authorization code was already used.")
            entry.used = True
            if entry.expires_at <= self._clock():
                raise OAuthError("invalid_grant", "Authorization code expired.")
            if redirect_uri != entry.redirect_uri:
                raise OAuthError("invalid_grant", "redirect_uri does not match the authorization.")
            if entry.challenge is not None:
                if not verifier:
                    raise OAuthError("invalid_grant", "code_verifier is required (PKCE).")
                if not pkce_matches(verifier, entry.challenge, entry.method or "plain"):
                    raise OAuthError("invalid_grant", "code_verifier does not match (PKCE).")
            issued = self._issue(client.client_id, entry.user_id, entry.scopes)
            entry.token_ids.append(issued.pop("_grant_id"))
        return issued

    def refresh(self, client: Client, refresh_token: str) -> dict[str, Any]:
        with self._lock:
            grant = self._refresh.get(refresh_token)
            if grant is None or grant.client_id != client.client_id:
                raise OAuthError("invalid_grant", "Unknown, used or revoked refresh token.")
            del self._refresh[refresh_token]  # rotation: the used refresh token dies
            issued = self._issue(client.client_id, grant.user_id, grant.scopes)
        issued.pop("_grant_id")
        return issued

    def _revoke_grants(self, grant_ids: list[str]) -> None:
        doomed = set(grant_ids)
        for table in (self._access, self._refresh):
            for token in [t for t, g in table.items() if g.id in doomed]:
                del table[token]

    def lookup(self, access_token: str) -> Grant | None:
        """The live grant behind an access token, or ``None`` if unknown or expired."""
        with self._lock:
            grant = self._access.get(access_token)
            if grant is None or grant.expires_at <= self._clock():
                return None
            return grant

    def summary(self) -> dict[str, Any]:
        now = self._clock()
        with self._lock:
            return {
                "clients": [
                    {"client_id": c.client_id, "redirect_uris": list(c.redirect_uris)}
                    for c in self.clients.values()
                ],
                "tokens_issued": self._issued,
                "access_tokens_live": sum(g.expires_at > now for g in self._access.values()),
                "refresh_tokens_live": len(self._refresh),
                "grants": sorted(
                    (
                        {
                            "id": g.id,
                            "client_id": g.client_id,
                            "user_id": g.user_id,
                            "scopes": sorted(g.scopes),
                            "expires_at": g.expires_at,
                        }
                        for g in self._access.values()
                    ),
                    key=lambda item: str(item["id"]),
                ),
                "codes_pending": sum(not c.used for c in self._codes.values()),
            }


class AuthRoutes:
    """``/oauth2/authorize`` and ``/api/oauth2/token``; mixed into the emulator."""

    store: Store
    oauth: OAuthServer

    def _authorize_request(self, params: Mapping[str, str]) -> tuple[Client, str] | Response:
        """The client and redirect URI, or the HTML error page (never a redirect)."""
        client = self.oauth.clients.get(params.get("client_id", ""))
        if client is None:
            return html_response(
                error_page("Unknown application", "client_id is not registered."), 400
            )
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not client.allows_redirect(redirect_uri):
            detail = "redirect_uri is missing or not registered for this client."
            return html_response(error_page("Invalid redirect_uri", detail), 400)
        return client, redirect_uri

    def _on_authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.args
        checked = self._authorize_request(params)
        if isinstance(checked, Response):
            return checked
        client, redirect_uri = checked
        state = params.get("state")

        def back(**result: str | None) -> Response:
            return Response(
                status=302,
                headers={"Location": with_query(redirect_uri, {**result, "state": state})},
            )

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        try:
            scopes = parse_scopes(params.get("scope"))
        except OAuthError as error:
            return back(error=error.error, error_description=error.description)
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or ("plain" if challenge else None)
        if method not in (None, "S256", "plain"):
            return back(
                error="invalid_request", error_description="code_challenge_method must be S256"
            )
        user_id = (
            params.get("user_id" if request.method == "POST" else "login_as")
            or self.store.creator_id
        )
        user = self.store.user_attributes(user_id)
        if user is None:
            return html_response(error_page("Unknown user", f"No emulated user {user_id}."), 400)
        if request.method == "GET":
            hidden = {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(sorted(scopes)),
                "state": state or "",
                "code_challenge": challenge or "",
                "code_challenge_method": method or "",
                "user_id": user_id,
                "consent": self.oauth.consent_nonce(),
            }
            action = f"{request.script_root}/oauth2/authorize"
            page = consent_page(action, client.name, str(user["full_name"]), sorted(scopes), hidden)
            return html_response(page)
        if not self.oauth.take_nonce(params.get("consent", "")):
            detail = "The consent form expired or was already used; start the login again."
            return html_response(error_page("Consent expired", detail), 400)
        if params.get("decision") != "allow":
            return back(error="access_denied")
        code = self.oauth.issue_code(
            client.client_id, redirect_uri, user_id, scopes, challenge, method
        )
        return back(code=code)

    @staticmethod
    def _token_params(request: Request) -> dict[str, str]:
        """The token request's parameters, from the query string and the form body.

        RFC 6749 puts them in the form body, but Patreon's own Python library
        (patreon-python, ``OAuth.get_tokens``/``refresh_token``) sends every one of
        them, client secret included, in the query string of the POST, and
        Patreon's endpoint serves it; so both are read. The body wins where both
        name a parameter: it is where the standard says they belong, and a query
        string may have been added by something other than the client (a proxy, a
        redirect that kept its query).
        """
        return {**request.args.to_dict(), **request.form.to_dict()}

    def _on_token(self, request: Request) -> Response:
        form = self._token_params(request)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id = client_id or request.authorization.username
            secret = secret or request.authorization.password
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
        client = self.oauth.authenticate_client(client_id, secret)
        if grant_type == "authorization_code":
            code = form.get("code")
            if not code:
                raise OAuthError("invalid_request", "code is required.")
            issued = self.oauth.exchange_code(
                client, code, form.get("redirect_uri"), form.get("code_verifier")
            )
        else:
            refresh_token = form.get("refresh_token")
            if not refresh_token:
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = self.oauth.refresh(client, refresh_token)
        return json_response(issued, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})
