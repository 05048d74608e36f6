"""OAuth 2 on flattr.com: ``/oauth/authorize`` (consent page) and ``/oauth/token``.

api.md documents the authorization code flow with the client authenticating
at the token endpoint by HTTP Basic (client_id:client_secret), a JSON or form
body, and a response of just ``access_token`` and ``token_type``: the docs
mention neither expiry nor refresh, so tokens live until the emulator stops.
``response_type=token`` (also listed) returns the token in the redirect's
fragment. Token endpoint errors use the OAuth draft's codes in Flattr's
error body.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from paysupport.emulation import same_secret

from .catalog import SCOPES
from .errors import ApiError
from .http import body, json_response
from .pages import consent_page, error_page
from .store import ClientApp, Grant, Store, Token

#: Authorization codes are single use and short lived (OAuth draft: at most 10 minutes).
CODE_LIFETIME = 600
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost"})
_NO_STORE = {
    "Cache-Control": "no-store",
    "Pragma": "no-cache",
    "Expires": "Thu, 19 Nov 1981 08:52:00 GMT",
}


class OAuthEndpoints:
    def __init__(
        self,
        store: Store,
        client: ClientApp,
        default_username: str,
        clock: Callable[[], float],
    ) -> None:
        self._store = store
        self._client = client
        self._default_username = default_username
        self._clock = clock

    def redirect_allowed(self, uri: str) -> bool:
        """The registered callback, or any http URL on 127.0.0.1/localhost (sandbox clients)."""
        if uri == self._client.redirect_uri:
            return True
        try:
            parts = urlsplit(uri)
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return False
        return parts.scheme == "http" and parts.hostname in _LOCAL_HOSTS and not parts.fragment

    # -- /oauth/authorize ---------------------------------------------------------

    def authorize(self, request: Request) -> Response:
        fields = request.form if request.method == "POST" else request.args
        client_id = fields.get("client_id", "")
        if client_id != self._client.client_id:
            return error_page(400, "Unknown application", "No application has this id.")
        given_redirect = fields.get("redirect_uri", "")
        redirect_uri = given_redirect or self._client.redirect_uri
        if not self.redirect_allowed(redirect_uri):
            return error_page(
                400, "Invalid redirect_uri", "The redirect_uri is not in the callback domain."
            )
        state = fields.get("state")
        response_type = fields.get("response_type", "")
        in_fragment = response_type == "token"
        if response_type not in ("code", "token"):
            return _redirect(redirect_uri, {"error": "unsupported_response_type"}, state, False)
        requested = fields.get("scope", "").replace(",", " ").split()
        unknown = [s for s in requested if s not in SCOPES]
        if unknown:
            return _redirect(redirect_uri, {"error": "invalid_scope"}, state, in_fragment)
        scopes = frozenset(requested)
        if request.method != "POST":
            hidden = {"response_type": response_type, "client_id": client_id}
            if given_redirect:
                hidden["redirect_uri"] = given_redirect
            hidden["scope"] = " ".join(requested)
            if state is not None:
                hidden["state"] = state
            return consent_page(
                request.script_root + "/oauth/authorize",
                hidden,
                [s for s in SCOPES if s in scopes],
                client_id,
                self._default_username,
            )
        decision = fields.get("decision")
        if decision == "deny":
            return _redirect(redirect_uri, {"error": "access_denied"}, state, in_fragment)
        if decision != "allow":
            return error_page(400, "Invalid request", "Choose Allow or Deny.")
        username = fields.get("username", "").strip()
        with self._store.locked():
            if username not in self._store.users:
                return error_page(400, "Unknown user", "No Flattr user has that name.")
            if in_fragment:
                token = self._issue_token(username, scopes)
                extra = {"access_token": token.value, "token_type": "bearer"}
                return _redirect(redirect_uri, extra, state, True)
            code = secrets.token_urlsafe(24)
            self._store.grants[code] = Grant(
                code, client_id, username, redirect_uri, scopes, self._clock() + CODE_LIFETIME
            )
        return _redirect(redirect_uri, {"code": code}, state, False)

    # -- /oauth/token -------------------------------------------------------------

    def token(self, request: Request) -> Response:
        if request.method != "POST":
            return _token_error(405, "invalid_request", "Use POST", {"Allow": "POST"})
        auth = request.authorization
        if (
            auth is None
            or auth.type != "basic"
            or auth.username != self._client.client_id
            or not same_secret(auth.password, self._client.client_secret)
        ):
            return _token_error(
                401,
                "invalid_client",
                "Authenticate with HTTP Basic client_id:client_secret",
                {"WWW-Authenticate": 'Basic realm="flattr"'},
            )
        try:
            fields = body(request)
        except ApiError as exc:
            return _token_error(400, exc.code, exc.description)
        grant_type = fields.get("grant_type")
        code = fields.get("code")
        redirect_uri = fields.get("redirect_uri")
        if not grant_type:
            return _token_error(400, "invalid_request", "grant_type is required")
        if grant_type != "authorization_code":
            return _token_error(400, "unsupported_grant_type", "Use authorization_code")
        if not isinstance(code, str) or not code:
            return _token_error(400, "invalid_request", "code is required")
        if not isinstance(redirect_uri, str) or not redirect_uri:
            return _token_error(400, "invalid_request", "redirect_uri is required")
        with self._store.locked():
            grant = self._store.grants.pop(code, None)
            expired = grant is None or grant.expires_at < self._clock()
            if grant is None or expired or grant.client_id != auth.username:
                return _token_error(400, "invalid_grant", "The code is invalid, used or expired")
            if grant.redirect_uri != redirect_uri:
                return _token_error(400, "invalid_grant", "redirect_uri does not match the code")
            token = self._issue_token(grant.username, grant.scopes)
        return json_response(
            {"access_token": token.value, "token_type": "bearer"},
            content_type="application/json; charset=utf-8",
            headers=_NO_STORE,
        )

    def _issue_token(self, username: str, scopes: frozenset[str]) -> Token:
        token = Token(secrets.token_hex(20), username, self._client.client_id, scopes)
        self._store.tokens[token.value] = token
        return token


def _redirect(uri: str, params: dict[str, str], state: str | None, in_fragment: bool) -> Response:
    """Redirect to the client's callback, keeping any query it already has."""
    if state is not None:
        params = {**params, "state": state}
    parts = urlsplit(uri)
    if in_fragment:
        target = urlunsplit(parts._replace(fragment=urlencode(params)))
    else:
        query = urlencode([*parse_qsl(parts.query, keep_blank_values=True), *params.items()])
        target = urlunsplit(parts._replace(query=query))
    return redirect(target, 302)


def _token_error(
    status: int, code: str, description: str, headers: dict[str, str] | None = None
) -> Response:
    error = ApiError(status, code, description)
    return json_response(error.body(), status, headers={**_NO_STORE, **(headers or {})})
