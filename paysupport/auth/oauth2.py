"""OAuth 2 authorization-code flow with PKCE, refresh and safe token rotation.

oauthlib (the engine of requests-oauthlib) makes the PKCE verifier and
challenge and encodes the URL; answers are read here, so provider quirks
become the library's errors. Token requests travel through the client's own
pooled session, with its timeouts and redaction, not through a second one.

Refresh is the delicate part. Providers such as Patreon rotate refresh tokens:
after a refresh the old one is dead. When several threads or processes share a
token store, only one may refresh; the others wait on the store's refresh
lock, then re-read the store and use the token the winner saved. The same
lock guards storing a token from settings, so a process that starts late never
writes the (spent) setting over the token another process just rotated.

A refreshed token is never lost to a full disk: the store is written once
before the refresh token is spent, and if saving the new token still fails, it
is kept in memory, used for the following requests and saved again on each.

Pending login requests (issued ``state`` values) expire after ``pending_ttl``
seconds and at most ``max_pending`` are kept, so unanswered logins cannot make
a long-running web app grow.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from paysupport._args import several
from paysupport.errors import (
    AccessDenied,
    AuthError,
    InvalidRequest,
    InvalidToken,
    PaySupportError,
    StateMismatch,
    TokenExpired,
    TokenStoreError,
)
from paysupport.http import HttpClient, RefreshingAuth, decode_json
from paysupport.tokens import Token, TokenStore

TokenCallback = Callable[[Token], None]

#: Seconds an issued ``state`` stays valid: a login takes a person minutes, not hours.
PENDING_TTL = 600.0
#: Login requests kept at once; the oldest unanswered one is forgotten first.
MAX_PENDING = 1000
#: Attempts at saving a newly obtained token before it is kept in memory only.
SAVE_ATTEMPTS = 3


def _same_state(a: str, b: str) -> bool:
    """Constant-time comparison of two ``state`` values, whatever characters they hold.

    ``hmac.compare_digest`` refuses ``str`` with non-ASCII characters (a
    ``TypeError``, a 500 in a web app); the UTF-8 bytes compare fine.
    """
    return hmac.compare_digest(_state_bytes(a), _state_bytes(b))


def _state_bytes(state: str) -> bytes:
    return state.encode("utf-8", "surrogatepass")


def _state_key(state: str) -> bytes:
    """The key of a pending request: a digest, so a lookup reveals nothing about issued states."""
    return hashlib.sha256(_state_bytes(state)).digest()


@dataclass(frozen=True)
class OAuth2Endpoints:
    """What a provider declares about its OAuth 2 server.

    ``client_auth`` is ``"body"`` (client id and secret as form fields) or
    ``"basic"`` (HTTP Basic, as Flattr documents). ``pkce`` says whether the
    provider accepts S256 challenges.
    """

    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    default_scopes: tuple[str, ...]
    client_auth: str = "body"
    pkce: bool = True


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the user, and what the callback must match.

    Keep it until the callback arrives, in the user's session as
    :meth:`to_dict` (web sessions store JSON, not objects); give that dict back
    to :meth:`OAuth2Auth.fetch_token` as ``request``. It holds the secret PKCE
    verifier: a session kept server-side is best, since Flask's default session
    cookie is signed, not encrypted (the browser can read it). The repr hides
    the verifier and the state.
    """

    url: str
    state: str
    redirect_uri: str
    scopes: tuple[str, ...]
    code_verifier: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON values for a session; :meth:`from_dict` makes the request again."""
        return {
            "url": self.url,
            "state": self.state,
            "redirect_uri": self.redirect_uri,
            "scopes": list(self.scopes),
            "code_verifier": self.code_verifier,
        }

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], *, provider: str | None = None
    ) -> AuthorizationRequest:
        """The request :meth:`to_dict` saved, after its trip through a session.

        Raises :class:`~paysupport.errors.InvalidRequest` when ``data`` is not
        such a dict (a session written by another version, a damaged cookie):
        the login must start again.
        """
        texts = ("url", "state", "redirect_uri")
        scopes = data.get("scopes") if isinstance(data, Mapping) else None
        verifier = data.get("code_verifier") if isinstance(data, Mapping) else None
        if (
            not isinstance(data, Mapping)
            or not all(isinstance(data.get(key), str) and data.get(key) for key in texts)
            or not isinstance(scopes, (list, tuple))
            or not all(isinstance(scope, str) for scope in scopes)
            or not (verifier is None or isinstance(verifier, str))
        ):
            raise InvalidRequest(
                "the saved login request is not one AuthorizationRequest.to_dict() made"
                " (url, state, redirect_uri, scopes, code_verifier); start the login again",
                provider=provider,
            )
        return cls(data["url"], data["state"], data["redirect_uri"], tuple(scopes), verifier)

    def __repr__(self) -> str:
        return f"AuthorizationRequest(redirect_uri={self.redirect_uri!r}, scopes={self.scopes!r})"


class OAuth2Auth(RefreshingAuth):
    """Bearer auth backed by a token store, refreshing before expiry and once after a 401."""

    def __init__(
        self,
        *,
        provider: str,
        endpoints: OAuth2Endpoints,
        http: HttpClient,
        client_id: str | None,
        client_secret: str | None,
        redirect_uri: str | None,
        store: TokenStore,
        account: str = "default",
        on_token_updated: TokenCallback | None = None,
        leeway: float = 60.0,
        pending_ttl: float = PENDING_TTL,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self.provider = provider
        self.endpoints = endpoints
        self.http = http
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.store = store
        self.account = account
        self.on_token_updated = on_token_updated
        self.leeway = leeway
        self.pending_ttl = pending_ttl
        self.max_pending = max_pending
        # state digest -> (request, monotonic deadline), oldest first
        self._pending: OrderedDict[bytes, tuple[AuthorizationRequest, float]] = OrderedDict()
        self._lock = threading.Lock()
        # A token obtained but not yet saved (the store could not be written).
        self._unsaved: Token | None = None
        http.redactor.add(client_secret)

    # -- the authorization step -------------------------------------------------

    def authorization_url(
        self,
        scopes: Sequence[str] | None = None,
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        **extra: str,
    ) -> AuthorizationRequest:
        """Build the URL to send the user to, with a fresh ``state`` and PKCE challenge."""
        self._require_client()
        chosen = self.endpoints.default_scopes
        if scopes is not None:
            chosen = several(scopes, "scopes", provider=self.provider)
        unknown = [s for s in chosen if s not in self.endpoints.scopes]
        if unknown:
            raise InvalidRequest(
                f"unknown scope(s) {', '.join(unknown)}; known: {', '.join(self.endpoints.scopes)}",
                provider=self.provider,
            )
        redirect = redirect_uri or self.redirect_uri
        if not redirect:
            raise InvalidRequest("a redirect_uri is needed to log in", provider=self.provider)
        # oauthlib is imported here, not at import time: only a login needs it, and every
        # command line start would pay for it.
        from oauthlib.common import add_params_to_uri
        from oauthlib.oauth2 import WebApplicationClient

        client = WebApplicationClient(self.client_id)
        state = state or secrets.token_urlsafe(24)
        verifier = None
        if self.endpoints.pkce:
            verifier = client.create_code_verifier(64)
            extra = {
                **extra,
                "code_challenge": client.create_code_challenge(verifier, "S256"),
                "code_challenge_method": "S256",
            }
        # oauthlib refuses to build http:// URLs; the base URL check already allows
        # plain http only for loopback (the sandbox), so the query is added here.
        params = [
            ("response_type", "code"),
            ("client_id", self.client_id or ""),
            ("redirect_uri", redirect),
            *([("scope", " ".join(chosen))] if chosen else []),
            ("state", state),
            *extra.items(),
        ]
        url = add_params_to_uri(self.endpoints.authorize_url, params)
        request = AuthorizationRequest(url, state, redirect, chosen, verifier)
        now = time.monotonic()
        with self._lock:
            self._forget_expired(now)
            self._pending[_state_key(state)] = (request, now + self.pending_ttl)
            while len(self._pending) > self.max_pending:
                self._pending.popitem(last=False)
        return request

    def _forget_expired(self, now: float) -> None:
        # caller holds self._lock; deadlines grow with insertion order
        while self._pending:
            _, deadline = next(iter(self._pending.values()))
            if deadline > now:
                break
            self._pending.popitem(last=False)

    def fetch_token(
        self,
        code: str | None = None,
        *,
        authorization_response: str | None = None,
        state: str | None = None,
        request: AuthorizationRequest | Mapping[str, Any] | None = None,
    ) -> Token:
        """Exchange the callback's code for a token and store it.

        Pass the full callback URL as ``authorization_response`` (its ``state``
        is checked against the one issued) or the bare ``code``. A web app that
        kept the :class:`AuthorizationRequest` in its session (as its
        :meth:`~AuthorizationRequest.to_dict`) passes it, object or dict, as
        ``request``; otherwise the one this object issued is used.
        """
        if request is not None and not isinstance(request, AuthorizationRequest):
            request = AuthorizationRequest.from_dict(request, provider=self.provider)
        if authorization_response is not None:
            query = parse_qs(urlsplit(authorization_response).query)
            if "error" in query:
                error = query["error"][0]
                if error == "access_denied":
                    raise AccessDenied(
                        "the user declined the authorization", provider=self.provider
                    )
                raise AuthError(
                    f"authorization failed: {error}", provider=self.provider, code=error
                )
            returned_state = next(iter(query.get("state", [])), None)
            code = next(iter(query.get("code", [])), None)
            if returned_state is None:
                raise StateMismatch("the callback carries no state", provider=self.provider)
            state = returned_state
        if not code:
            raise InvalidRequest("no authorization code to exchange", provider=self.provider)
        pending = self._match_state(state, request)
        self.http.redactor.add(code)
        body: dict[str, str] = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending.redirect_uri if pending else (self.redirect_uri or ""),
        }
        if pending and pending.code_verifier:
            body["code_verifier"] = pending.code_verifier
        return self._token_request(body, previous=None)

    def _match_state(
        self, state: str | None, request: AuthorizationRequest | None
    ) -> AuthorizationRequest | None:
        if request is not None:
            if state is not None and not _same_state(state, request.state):
                raise StateMismatch("the callback's state does not match", provider=self.provider)
            return request
        if state is None:
            return None
        with self._lock:
            self._forget_expired(time.monotonic())
            found = self._pending.pop(_state_key(state), None)
        if found is not None and _same_state(found[0].state, state):
            return found[0]
        raise StateMismatch(
            "the callback's state was not issued by this client, or its login request "
            f"expired (after {self.pending_ttl:g} s); start the login again",
            provider=self.provider,
        )

    # -- tokens -------------------------------------------------------------------

    @property
    def token(self) -> Token | None:
        """The current token: the store's, or one this process could not save yet.

        An unsaved token is saved again on each use; once that works, the store's
        token is the current one again.
        """
        unsaved = self._unsaved
        if unsaved is not None:
            with contextlib.suppress(TokenStoreError):
                self._save(unsaved)
                self._unsaved = None
            return unsaved
        return self.store.load(self.provider, self.account)

    def set_token(self, token: Token) -> None:
        """Store a token obtained elsewhere (a creator token from a developer portal).

        When the store cannot be written, even after a few attempts, the token is
        kept in memory (this process goes on using it and saving it again on each
        request) and :class:`~paysupport.errors.TokenStoreError` names the store.
        """
        self.http.redactor.add(token.access_token, token.refresh_token)
        try:
            self._save_with_retries(token)
        finally:
            if self.on_token_updated:
                self.on_token_updated(token)

    def seed_token(self, access_token: str, refresh_token: str | None = None) -> None:
        """Store a token given in settings, unless it was stored (and maybe refreshed) before.

        The token is marked with a fingerprint of the setting. Once it has been
        refreshed, the store's newer token (which keeps the mark) wins until the
        setting changes. The check and the write happen under the refresh lock
        with a re-read: several processes starting together on an empty store
        must not write the setting over a token one of them already rotated, or
        every later run would refresh with a dead token.
        """
        seed = Token.seed_marker(access_token)
        stored = self.token
        if stored is not None and stored.extra.get("seed") == seed:
            return
        with self.store.refresh_lock(self.provider, self.account):
            stored = self.token
            if stored is None or stored.extra.get("seed") != seed:
                self.set_token(Token(access_token, refresh_token, extra={"seed": seed}))

    def _save(self, token: Token) -> None:
        try:
            self.store.save(self.provider, self.account, token)
        except OSError as exc:  # a third-party store's own failure
            raise TokenStoreError(
                f"cannot save the token: {exc.strerror or exc}",
                store=str(getattr(self.store, "path", None) or repr(self.store)),
                key=f"{self.provider}:{self.account}",
                provider=self.provider,
            ) from None

    def _save_with_retries(self, token: Token) -> None:
        for attempt in range(SAVE_ATTEMPTS):
            try:
                self._save(token)
            except TokenStoreError as exc:
                failure = exc
                time.sleep(0.05 * 2**attempt)
            else:
                self._unsaved = None
                return
        self._unsaved = token
        raise TokenStoreError(
            f"the new token could not be saved ({failure.reason}); this process keeps it "
            "in memory and saves it again on each request: fix the store before it ends, "
            "or the next run will have to log in again",
            store=failure.store,
            key=failure.key,
            provider=self.provider,
        )

    def refresh(self, stale: Token | None = None) -> Token:
        """Refresh the stored token, unless another process already did.

        ``stale`` is the token the caller found wanting; if the store holds a
        different, still-valid one after taking the lock, that one is returned
        without spending the refresh token.
        """
        with self.store.refresh_lock(self.provider, self.account):
            current = self.token
            if current is None:
                raise InvalidToken("not logged in: no token to refresh", provider=self.provider)
            if (
                stale is not None
                and current.access_token != stale.access_token
                and not (current.expired(leeway=self.leeway))
            ):
                self.http.redactor.add(current.access_token, current.refresh_token)
                return current
            if not current.refresh_token:
                raise TokenExpired(
                    "the access token expired and there is no refresh token; log in again",
                    provider=self.provider,
                )
            self.http.redactor.add(current.refresh_token)
            # The refresh token dies when it is used: find out now, not after, whether
            # the store can keep its successor.
            self._ensure_writable(current)
            return self._token_request(
                {"grant_type": "refresh_token", "refresh_token": current.refresh_token},
                previous=current,
            )

    def _ensure_writable(self, current: Token) -> None:
        """Write the current token back: a store that cannot be written fails before the refresh."""
        try:
            self._save(current)
        except TokenStoreError as exc:
            raise TokenStoreError(
                f"{exc.reason}; the token was not refreshed, so its refresh token still works "
                "once the store can be written",
                store=exc.store,
                key=exc.key,
                provider=self.provider,
            ) from None
        self._unsaved = None

    def _token_request(self, body: dict[str, str], previous: Token | None) -> Token:
        self._require_client()
        auth: tuple[str, str] | None = None
        if self.endpoints.client_auth == "basic":
            auth = (self.client_id or "", self.client_secret or "")
        else:
            body = {
                **body,
                "client_id": self.client_id or "",
                "client_secret": self.client_secret or "",
            }
        response = self.http.request(
            "POST",
            self.endpoints.token_url,
            data=body,
            auth=auth,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        payload = decode_json(response, self.provider, self.http.redactor)
        if response.status_code >= 400 or not isinstance(payload, dict) or "error" in payload:
            raise self._token_error(response, payload, refreshing=previous is not None)
        if "access_token" not in payload:
            raise AuthError("token response has no access_token", provider=self.provider)
        token = Token.from_oauth_response(payload).succeeding(previous)
        self.set_token(token)
        return token

    def _token_error(
        self, response: requests.Response, payload: Any, *, refreshing: bool
    ) -> PaySupportError:
        error = payload.get("error") if isinstance(payload, dict) else None
        detail = payload.get("error_description") if isinstance(payload, dict) else None
        text = self.http.redactor.text(f"{error or 'token request failed'}: {detail or ''}")
        kwargs: dict[str, Any] = {
            "provider": self.provider,
            "status": response.status_code,
            "code": error,
        }
        if error == "invalid_grant":
            cls = TokenExpired if refreshing else InvalidToken
            return cls(text.rstrip(": "), **kwargs)
        if error == "invalid_client":
            # Logging in again cannot help: the application's own credentials were refused.
            # Name the settings to check (never their values).
            env = f"PAYSUPPORT_{self.provider.upper()}"
            return AuthError(
                f"{text.rstrip(': ')}: the client credentials were refused; check the client_id "
                f"and client_secret settings ([{self.provider}] in the config file, or "
                f"{env}_CLIENT_ID and {env}_CLIENT_SECRET)",
                **kwargs,
            )
        return AuthError(text.rstrip(": "), **kwargs)

    def _require_client(self) -> None:
        if not self.client_id or not self.client_secret:
            raise AuthError(
                "client_id and client_secret are needed for this step", provider=self.provider
            )

    # -- requests' auth hook ----------------------------------------------------------

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        token = self.token
        if token is None:
            raise InvalidToken(
                f"not logged in to {self.provider}: run the login flow or pass a token",
                provider=self.provider,
            )
        if token.expired(leeway=self.leeway, now=time.time()) and token.refresh_token:
            token = self.refresh(stale=token)
        request.headers["Authorization"] = f"Bearer {token.access_token}"
        return request

    def refresh_after_unauthorized(self, response: requests.Response) -> bool:
        sent = response.request.headers.get("Authorization", "") if response.request else ""
        current = self.token
        if current is None:
            return False
        if sent != f"Bearer {current.access_token}":
            return True  # another thread or process already saved a newer token
        if not current.refresh_token:
            return False
        self.refresh(stale=current)
        return True

    def __repr__(self) -> str:
        return f"<OAuth2Auth {self.provider} account={self.account!r}>"
