"""A minimal OAuth 2 server (authorization code, PKCE, rotating refresh tokens) for core tests."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

CLIENT_ID = "core-client"
CLIENT_SECRET = "core-client-secret-value"


class OAuthServer:
    def __init__(self, *, lifetime: int = 3600, basic_auth: bool = False) -> None:
        self.lifetime = lifetime
        self.basic_auth = basic_auth
        self.lock = threading.Lock()
        self.codes: dict[str, dict[str, Any]] = {}
        self.access: dict[str, float] = {}
        self.refresh: set[str] = set()
        self.refresh_grants = 0
        self.invalid_grants = 0

    def issue_code(self, redirect_uri: str, challenge: str | None = None) -> str:
        code = secrets.token_hex(8)
        with self.lock:
            self.codes[code] = {"redirect_uri": redirect_uri, "challenge": challenge}
        return code

    def _tokens(self) -> dict[str, Any]:
        access, refresh = secrets.token_hex(12), secrets.token_hex(12)
        self.access[access] = time.time() + self.lifetime
        self.refresh.add(refresh)
        return {
            "access_token": access,
            "refresh_token": refresh,
            "expires_in": self.lifetime,
            "token_type": "Bearer",
            "scope": "identity campaigns",
        }

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path == "/authorize":
            args = request.args
            code = self.issue_code(args["redirect_uri"], args.get("code_challenge"))
            query = urlencode({"code": code, "state": args["state"]})
            response = Response(status=302, headers={"Location": f"{args['redirect_uri']}?{query}"})
        elif request.path == "/token":
            response = self._token(request)
        elif request.path == "/me":
            header = request.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ")
            with self.lock:
                valid = self.access.get(token, 0) > time.time()
            response = _json({"id": "42"}) if valid else _json({"error": "invalid_token"}, 401)
        else:
            response = _json({"error": "not_found"}, 404)
        return response(environ, start_response)

    def _token(self, request: Request) -> Response:
        form = request.form
        if self.basic_auth:
            auth = request.authorization
            client = (auth.username, auth.password) if auth else (None, None)
        else:
            client = (form.get("client_id"), form.get("client_secret"))
        if client != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, 401)
        with self.lock:
            if form.get("grant_type") == "authorization_code":
                grant = self.codes.pop(form.get("code", ""), None)
                if grant is None or grant["redirect_uri"] != form.get("redirect_uri"):
                    self.invalid_grants += 1
                    return _json({"error": "invalid_grant"}, 400)
                if grant["challenge"]:
                    digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
                    if expected != grant["challenge"]:
                        self.invalid_grants += 1
                        return _json({"error": "invalid_grant", "error_description": "pkce"}, 400)
                return _json(self._tokens())
            if form.get("grant_type") == "refresh_token":
                old = form.get("refresh_token", "")
                if old not in self.refresh:
                    self.invalid_grants += 1
                    return _json({"error": "invalid_grant"}, 400)
                self.refresh.discard(old)  # rotation: the old refresh token dies
                self.refresh_grants += 1
                return _json(self._tokens())
        return _json({"error": "unsupported_grant_type"}, 400)

    def expire_all_access_tokens(self) -> None:
        with self.lock:
            self.access = dict.fromkeys(self.access, 0.0)


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
