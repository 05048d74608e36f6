"""One Ipernity API call: check it against the catalog, sign it, send it, read the envelope.

The catalog (:mod:`~paysupport_ipernity.catalog`) decides everything a caller would
otherwise have to remember per method, so a mistake is caught before any request leaves:

- an unknown method name raises :class:`~paysupport_ipernity.errors.UnknownMethod` (with
  the closest names as suggestions), a missing required parameter
  :class:`~paysupport_ipernity.errors.MissingParameter`;
- methods that add, edit or delete are POSTed (``authentication.post``); the others use GET,
  which the HTTP layer may retry;
- the user's token is attached to every call except the two that obtain it
  (``auth.getFrob``, ``auth.getToken``); a method that needs one and finds none raises
  :class:`~paysupport.errors.InvalidToken` ("not logged in");
- a call is signed (:mod:`~paysupport_ipernity.signing`) when the catalog says so or when
  it carries a token, so a token never travels without proof that the application sent it.

Refusals (Ipernity's error envelope, or an HTTP error) become the library's errors through
:mod:`~paysupport_ipernity.errors`.

Values are sent as Ipernity expects them: text as is, ``True``/``False`` as ``1``/``0``,
numbers in decimal, sequences joined by commas; ``None`` leaves the parameter out.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from paysupport.errors import ConfigError, InvalidRequest, InvalidToken, ResponseFormatError
from paysupport.http import (
    HttpClient,
    decode_json,
    error_for_status,
    request_id,
    retry_after_seconds,
)
from paysupport.redact import Redactor
from paysupport_ipernity.catalog import Catalog, Method
from paysupport_ipernity.errors import (
    PROVIDER,
    MissingParameter,
    UnknownMethod,
    error_from_envelope,
)
from paysupport_ipernity.signing import sign

__all__ = ["ApiCaller", "PreparedCall", "encode_value", "method_path"]

#: The calls that obtain a token; sending one with them would make no sense.
TOKENLESS_METHODS = frozenset({"auth.getFrob", "auth.getToken"})

#: Parameters the client sets itself.
RESERVED = frozenset({"api_key", "api_sig"})

JSON = dict[str, Any]


def method_path(name: str) -> str:
    """The path of an API method under the base URL: ``api/<method>/json``."""
    return f"api/{name}/json"


def encode_value(name: str, value: Any) -> str | None:
    """A parameter value as Ipernity reads it (``None`` means: leave it out)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        parts = [encode_value(name, v) for v in value]
        return ",".join(p for p in parts if p is not None)
    raise InvalidRequest(
        f"parameter {name!r} cannot be sent as {type(value).__name__}: "
        "use text, a number, a boolean or a list of those",
        provider=PROVIDER,
    )


def _sendable(text: str, name: str | None = None) -> str:
    """``text`` if it can travel as UTF-8; a lone surrogate (a mis-decoded file name) cannot."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        what = f"the value of parameter {name!r}" if name is not None else f"parameter {text!r}"
        raise InvalidRequest(
            f"{what} is not valid Unicode text (it holds a lone surrogate)", provider=PROVIDER
        ) from None
    return text


@dataclass(frozen=True)
class PreparedCall:
    """A call ready to send: the HTTP verb, the path and the (signed) parameters."""

    method: Method
    http_method: str
    path: str
    params: Mapping[str, str]

    @property
    def signed(self) -> bool:
        return "api_sig" in self.params

    def __repr__(self) -> str:  # parameters hold the key, token and signature
        return f"<PreparedCall {self.http_method} {self.method.name} {sorted(self.params)}>"


class ApiCaller:
    """Sends catalog-checked, signed calls over the client's HTTP layer.

    ``token`` returns the current user token (or ``None``); it is called for every call so
    a login in another thread or process is picked up at once. Thread-safe.
    """

    def __init__(
        self,
        http: HttpClient,
        *,
        api_key: str | None,
        api_secret: str | None,
        token: Callable[[], str | None],
        redactor: Redactor,
        catalog: Catalog,
    ) -> None:
        self.http = http
        self.api_key = api_key
        self.api_secret = api_secret
        self._token = token
        self.redactor = redactor
        self.catalog = catalog

    # -- before sending ------------------------------------------------------------------

    def method(self, name: str) -> Method:
        """The catalog entry for ``name``; :class:`UnknownMethod` when there is none."""
        method = self.catalog.get(name)
        if method is None:
            close = difflib.get_close_matches(name, self.catalog.names(), n=3, cutoff=0.6)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise UnknownMethod(f"Ipernity has no method {name!r}{hint}", provider=PROVIDER)
        return method

    def sign(self, params: Mapping[str, str], method: str | None) -> str:
        """``api_sig`` for ``params`` (``method=None`` for authorization links)."""
        if not self.api_secret:
            raise ConfigError(
                "an api_secret is needed to sign Ipernity calls "
                "(setting api_secret, or IPERNITY_API_SECRET)",
                provider=PROVIDER,
            )
        return sign(params, self.api_secret, method)

    def require_key(self) -> str:
        if not self.api_key:
            raise ConfigError(
                "an api_key is needed for every Ipernity call (setting api_key, or "
                "IPERNITY_API_KEY)",
                provider=PROVIDER,
            )
        return self.api_key

    def prepare(
        self, name: str, params: Mapping[str, Any], *, files: Iterable[str] = ()
    ) -> PreparedCall:
        """Check ``name`` and ``params`` against the catalog and sign them; no request."""
        method = self.method(name)
        reserved = RESERVED & set(params)
        if reserved:
            raise InvalidRequest(
                f"{name}: {', '.join(sorted(reserved))} is set by the client, not by the caller",
                provider=PROVIDER,
            )
        encoded: dict[str, str] = {"api_key": self.require_key()}
        for key, value in params.items():
            text = encode_value(key, value)
            if text is not None:
                encoded[_sendable(key)] = _sendable(text, key)
        if name not in TOKENLESS_METHODS and "auth_token" not in encoded:
            token = self._token()
            if token:
                encoded["auth_token"] = token
            elif method.token:
                raise InvalidToken(
                    f"{name} acts for a user: log in first (client.login(), "
                    "`paysupport login ipernity`) or pass auth_token",
                    provider=PROVIDER,
                )
        given = set(files)
        missing = [
            p for p in method.required_parameters if p not in given and encoded.get(p, "") == ""
        ]
        if missing:
            raise MissingParameter(
                f"{name} needs {', '.join(missing)}", provider=PROVIDER, code=103
            )
        if method.sign or "auth_token" in encoded:
            encoded["api_sig"] = self.sign(encoded, name)
        return PreparedCall(
            method=method,
            http_method="POST" if method.post or given else "GET",
            path=method_path(name),
            params=encoded,
        )

    # -- sending -------------------------------------------------------------------------

    def call(self, name: str, params: Mapping[str, Any], *, files: Any = None) -> JSON:
        """Send ``name`` with ``params`` (and multipart ``files``) and return the parsed JSON."""
        prepared = self.prepare(name, params, files=files or ())
        return self.send(prepared, files=files)

    def send(self, prepared: PreparedCall, *, files: Any = None) -> JSON:
        return self.read(self.respond(prepared, files=files), prepared.method.name)

    def answer(self, name: str, params: Mapping[str, Any]) -> requests.Response:
        """Send ``name`` with ``params`` and return the HTTP response unread.

        For walks, which decode a page's bytes straight into typed records; :meth:`read`
        still says what an error answer (a refusal, ``api.status`` other than ``ok``)
        stands for, so nothing about errors differs from :meth:`call`.
        """
        return self.respond(self.prepare(name, params))

    def respond(self, prepared: PreparedCall, *, files: Any = None) -> requests.Response:
        """The HTTP layer's response to ``prepared`` (GETs retried there), not yet read."""
        if prepared.http_method == "POST":
            return self.http.request(
                "POST", prepared.path, data=dict(prepared.params), files=files, auth=None
            )
        return self.http.request("GET", prepared.path, params=dict(prepared.params), auth=None)

    def read(self, response: requests.Response, name: str) -> JSON:
        """The parsed answer, or the library error it stands for."""
        status = response.status_code
        if status != 200:
            api = _envelope_or_none(response)
            if api is not None and api.get("status") != "ok":
                raise error_from_envelope(
                    api,
                    method=name,
                    status=status,
                    request_id=request_id(response),
                    retry_after=retry_after_seconds(response),
                )
            excerpt = self.redactor.excerpt(response.content, limit=120)
            raise error_for_status(response, PROVIDER, f"{name}: HTTP {status}: {excerpt!r}")
        body = decode_json(response, PROVIDER, self.redactor)
        if not isinstance(body, dict):
            raise ResponseFormatError(
                f"{name}: the answer is JSON but not an object",
                provider=PROVIDER,
                status=status,
                excerpt=self.redactor.excerpt(response.content),
            )
        api = body.get("api")
        if not isinstance(api, dict):
            raise ResponseFormatError(
                f"{name}: the answer has no 'api' status block",
                provider=PROVIDER,
                status=status,
                excerpt=self.redactor.excerpt(response.content),
            )
        if api.get("status") != "ok":
            raise error_from_envelope(
                api, method=name, status=None, request_id=request_id(response)
            )
        return body


def _envelope_or_none(response: requests.Response) -> Mapping[str, Any] | None:
    """The ``api`` block of an error answer, if the body is Ipernity's JSON envelope."""
    try:
        body = json.loads(response.content)
    except ValueError:
        return None
    api = body.get("api") if isinstance(body, dict) else None
    return api if isinstance(api, dict) else None
