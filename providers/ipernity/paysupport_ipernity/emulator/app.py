"""The Ipernity emulator's WSGI app: routing, and the checks every API call goes through.

Point a client at ``http://127.0.0.1:PORT`` (or wherever the app is mounted) and it finds:

- ``/api/<method>/json`` and ``/api/<method>`` (JSON by default). ``xml`` and ``php`` answer
  error 109: only JSON is emulated.
- ``/apps/authorize``: the consent page of both authorization flows (see
  :mod:`~paysupport_ipernity.emulator.auth`).
- ``/_files/<doc_id>/<name>`` and ``/_files/users/<name>``: the bytes behind thumbnail,
  original and icon URLs (the uploaded file for an original, a placeholder otherwise).
  Page links (``link``: ``/doc/<alias>/<id>``, ``/home/<alias>``) are built the same way
  but not served: they are web pages on the real site.
- ``/_admin/state``: a JSON view of users, counts, uploads, faves, frobs and tokens
  (:mod:`~paysupport_ipernity.emulator.admin`).

Every call goes through the checks the catalog describes, in this order: method known
(1), ``api_key`` present (100) and valid (101), POST for methods that change things (102),
signature present when the method is signed (104) and correct whenever one is sent (105),
``auth_token`` present when the method needs one (106) and valid whenever one is sent (107),
the token's permissions against the method's (108), required parameters (103). Methods the
store models are answered by :mod:`~paysupport_ipernity.emulator.api` (and ``auth.*`` by
:mod:`~paysupport_ipernity.emulator.auth`); the other catalog methods with a documented
response answer that example (:mod:`~paysupport_ipernity.emulator.documented`), and those
without one answer code 1 "Method not found", like an unknown method. API errors use HTTP
200 and Ipernity's envelope; codes are listed in :mod:`~paysupport_ipernity.emulator.errors`.

Rate limiting (``settings.rate_limit`` requests per ``settings.rate_window`` seconds, per
token, else per api key): the emulator answers **HTTP 429 with a ``Retry-After`` header**
(whole seconds) and the error envelope with code 110 in the body. Ipernity documents no rate
limit response; 429 lets generic retry layers do the right thing, and the envelope keeps
clients that only read the body correct.
"""

from __future__ import annotations

import json
import time
import traceback
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.exceptions import HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from paysupport._wsgi import StartResponse, WSGIEnvironment
from paysupport.emulation import EmulatorSettings
from paysupport_ipernity.auth import satisfies
from paysupport_ipernity.catalog import Catalog, load_catalog
from paysupport_ipernity.emulator import errors
from paysupport_ipernity.emulator.admin import admin_state
from paysupport_ipernity.emulator.api import HANDLERS, Call
from paysupport_ipernity.emulator.auth import authorize, live_token, sandbox_app, sandbox_token
from paysupport_ipernity.emulator.documented import documented_answer
from paysupport_ipernity.emulator.errors import ApiError
from paysupport_ipernity.emulator.ratelimit import RateLimiter
from paysupport_ipernity.emulator.seed import seed_world
from paysupport_ipernity.emulator.store import State, World
from paysupport_ipernity.signing import verify

DEFAULT_CALLBACK_URL = "http://127.0.0.1/callback"
DEFAULT_SIZES: Mapping[str, int] = {"users": 5, "docs": 500, "albums": 10}
MAX_UPLOAD_BYTES = 64 * 1024 * 1024
_PLACEHOLDER = b"paysupport ipernity emulator placeholder file\n"

_URLS = Map(
    [
        Rule("/api/", endpoint="api", defaults={"method": "", "fmt": "json"}),
        Rule("/api/<method>", endpoint="api", defaults={"fmt": "json"}),
        Rule("/api/<method>/<fmt>", endpoint="api"),
        Rule("/apps/authorize", endpoint="authorize", methods=["GET", "POST"]),
        Rule("/_files/<int:doc_id>/<name>", endpoint="file"),
        Rule("/_files/users/<name>", endpoint="icon"),
        Rule("/_admin/state", endpoint="admin_state"),
    ],
    strict_slashes=False,
    redirect_defaults=False,
)


def _json(body: Mapping[str, Any], status: int = 200) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/json"
    )


class IpernityEmulator:
    """A local Ipernity with one registered application and a seeded world.

    ``callback_url`` is the application's registered callback (web flow). ``upload_polls``
    is how many ``upload.checkTickets`` polls report a ticket as pending before it is done.
    """

    name = "ipernity"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        callback_url: str = DEFAULT_CALLBACK_URL,
        upload_polls: int = 1,
        catalog: Catalog | None = None,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        sizes = {**DEFAULT_SIZES, **self.settings.sizes}
        world = World(seed=self.settings.seed)
        seed_world(world, users=sizes["users"], docs=sizes["docs"], albums=sizes["albums"])
        self.state = State(
            app=sandbox_app(self.settings.seed, callback_url),
            world=world,
            token_lifetime=float(self.settings.token_lifetime),
            upload_polls=max(0, upload_polls),
        )
        self._sandbox_token = sandbox_token(self.state, self.settings.seed)
        self.catalog = catalog or load_catalog()
        self._limiter = RateLimiter(self.settings.rate_limit, self.settings.rate_window)

    # -- Emulator protocol ---------------------------------------------------------------

    def credentials(self) -> dict[str, str]:
        """``api_key``, ``api_secret``, ``callback_url`` and a pre-issued ``auth_token``.

        The token belongs to the first seeded user, grants every permission at its highest
        level and never expires.
        """
        app = self.state.app
        return {
            "api_key": app.api_key,
            "api_secret": app.api_secret,
            "callback_url": app.callback_url,
            "auth_token": self._sandbox_token.token,
        }

    def admin_state(self) -> dict[str, Any]:
        """What ``/_admin/state`` answers (see :mod:`~paysupport_ipernity.emulator.admin`)."""
        return admin_state(self.state)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        request = Request(environ)
        request.max_content_length = MAX_UPLOAD_BYTES
        response = self._respond(request)
        return response(environ, start_response)

    # -- routing -------------------------------------------------------------------------

    def _respond(self, request: Request) -> Response:
        try:
            endpoint, args = _URLS.bind_to_environ(request.environ).match()
        except NotFound:
            return _json({"error": "not found", "path": request.path}, 404)
        except HTTPException as exc:
            return exc.get_response(request.environ)
        try:
            if endpoint == "api":
                return self._api(request, args["method"], args["fmt"])
            if endpoint == "authorize":
                return authorize(self.state, request)
            if endpoint == "file":
                return self._file(args["doc_id"], args["name"])
            if endpoint == "icon":
                return Response(_PLACEHOLDER, content_type="application/octet-stream")
            return _json(self.admin_state())
        except Exception as exc:  # never crash: report it in the envelope
            traceback.print_exc()
            return _json(
                ApiError(errors.INTERNAL, f"Internal emulator error: {exc!r}").envelope(), 500
            )

    def _file(self, doc_id: int, name: str) -> Response:
        with self.state.lock:
            doc = self.state.world.docs.get(doc_id)
            if doc is None:
                return _json({"error": "not found"}, 404)
            content = doc.original.content if name.startswith("original") else None
        return Response(content or _PLACEHOLDER, content_type="application/octet-stream")

    # -- API calls -----------------------------------------------------------------------

    def _api(self, request: Request, method_name: str, fmt: str) -> Response:
        try:
            params = {**request.args.to_dict(), **request.form.to_dict()}
            files = {
                name: (storage.filename or name, storage.read())
                for name, storage in request.files.items()
            }
        except HTTPException as exc:  # e.g. a body larger than MAX_UPLOAD_BYTES
            error = ApiError(errors.BAD_VALUE, f"Unreadable request: {exc.description}")
            return _json(error.envelope())
        key = params.get("auth_token") or params.get("api_key") or (request.remote_addr or "")
        retry_after = self._limiter.hit(key)
        if retry_after is not None:
            error = ApiError(errors.RATE_LIMITED, "Rate limit exceeded, retry later")
            response = _json(error.envelope(), 429)
            response.headers["Retry-After"] = str(retry_after)
            return response
        try:
            with self.state.lock:
                body = self._dispatch(request, method_name, fmt, params, files)
        except ApiError as exc:
            return _json(exc.envelope())
        return _json({"api": {"status": "ok"}, **body})

    def _dispatch(
        self,
        request: Request,
        method_name: str,
        fmt: str,
        params: dict[str, str],
        files: dict[str, tuple[str, bytes]],
    ) -> dict[str, Any]:
        if fmt != "json":
            raise ApiError(errors.FORMAT_NOT_EMULATED, f"Format {fmt!r} is not emulated: use json")
        method = self.catalog.get(method_name)
        handler = HANDLERS.get(method_name)
        if handler is None and method is not None and method.response_example:
            handler = documented_answer
        if method is None or handler is None:
            # Unknown, or listed with no documented answer: Ipernity's own code 1.
            raise ApiError(errors.METHOD_NOT_FOUND, "Method not found")
        state = self.state
        api_key = params.get("api_key", "")
        if not api_key:
            raise ApiError(errors.API_KEY_MISSING, "API Key is missing")
        if api_key != state.app.api_key:
            raise ApiError(errors.API_KEY_INVALID, "Invalid API Key")
        if method.post and request.method != "POST":
            raise ApiError(errors.POST_REQUIRED, f"Method {method.name} requires POST")
        signature = params.get("api_sig", "")
        if signature:
            if not verify(params, state.app.api_secret, signature, method.name):
                raise ApiError(errors.SIGNATURE_INVALID, "Invalid signature")
        elif method.sign:
            raise ApiError(errors.SIGNATURE_MISSING, "Signature (api_sig) is missing")
        token = None
        if params.get("auth_token"):
            token = live_token(state, params["auth_token"], api_key)
            if token is None:
                raise ApiError(errors.TOKEN_INVALID, "Invalid or expired auth_token")
        elif method.token:
            raise ApiError(errors.TOKEN_MISSING, "Authentication token (auth_token) is missing")
        if token is not None and not satisfies(token.permissions, method.permissions):
            needed = ", ".join(f"{c}={lvl}" for c, lvl in method.permissions.items())
            raise ApiError(errors.PERMISSION_DENIED, f"Permission denied: requires {needed}")
        for name in method.required_parameters:
            if name == "api_key" or (name == "file" and "file" in files):
                continue
            if params.get(name, "") == "":
                raise ApiError(errors.PARAMETER_MISSING, f"Missing required parameter: {name}")
        call = Call(
            method=method,
            params=params,
            root=request.url_root,
            now=time.time(),
            token=token,
            files=files,
        )
        return handler(state, call)


def create_emulator(settings: EmulatorSettings | None = None) -> IpernityEmulator:
    """Entry point ``paysupport.sandboxes: ipernity``."""
    return IpernityEmulator(settings)
