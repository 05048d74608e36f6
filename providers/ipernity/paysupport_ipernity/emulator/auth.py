"""Ipernity's auth server: the registered app, frobs, tokens and the ``/apps/authorize`` page.

The emulator registers exactly one application (:func:`sandbox_app`: an api key, its secret
and its callback URL, derived from the seed so saved configurations keep working across
restarts) and pre-issues one token (:func:`sandbox_token`). Frobs and tokens are records of
the :class:`~paysupport_ipernity.emulator.store.State`; this module issues them and decides
whether one is still good (:func:`live_frob`, :func:`live_token`).

The authorization link is signed like an API call but without a method name. With a
``frob`` it is the desktop flow: approving marks the frob authorized and tells the user to
close the window, and the application then calls ``auth.getToken(frob)``. Without a frob it
is the web flow: approving creates an authorized frob and redirects to the application's
registered callback URL with ``?frob=``. Denying leaves nothing authorized and shows a
refusal page (the reference does not say where Ipernity sends a refused web user, so the
emulator does not redirect). There is no login: the consent form's ``user_id`` select picks
which seeded user answers (the first one if the field is not sent). The pages themselves are
written by :mod:`~paysupport_ipernity.emulator.pages`.

The API methods ``auth.getFrob``, ``auth.getToken`` and ``auth.checkToken`` are here too.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from paysupport_ipernity.auth import MAX_LEVEL, normalize
from paysupport_ipernity.emulator.api import Call, handles
from paysupport_ipernity.emulator.errors import (
    ACCESS_DENIED,
    NOT_FOUND,
    SIGNATURE_INVALID,
    SIGNATURE_MISSING,
    ApiError,
)
from paysupport_ipernity.emulator.pages import (
    authorized_page,
    consent_page,
    denied_page,
    failure_page,
)
from paysupport_ipernity.emulator.store import App, Frob, State, Token
from paysupport_ipernity.emulator.views import JSON, auth_view
from paysupport_ipernity.signing import verify

__all__ = [
    "FROB_LIFETIME",
    "LinkError",
    "auth_check_token",
    "auth_get_frob",
    "auth_get_token",
    "authorize",
    "issue_token",
    "live_frob",
    "live_token",
    "new_frob",
    "sandbox_app",
    "sandbox_token",
]

FROB_LIFETIME = 3600.0  # seconds a frob stays usable

_FORM_ONLY = ("decision", "user_id")


# -- the registered application --------------------------------------------------------


def _derived(seed: int, label: str, length: int) -> str:
    return hashlib.sha256(f"paysupport-ipernity:{seed}:{label}".encode()).hexdigest()[:length]


def sandbox_app(seed: int, callback_url: str) -> App:
    """The app credentials for ``seed``: stable across restarts so saved configs keep working."""
    return App(
        api_key=_derived(seed, "api_key", 32),
        api_secret=_derived(seed, "api_secret", 16),
        callback_url=callback_url,
    )


# -- frobs and tokens ------------------------------------------------------------------


def new_frob(state: State) -> Frob:
    """A fresh, unapproved frob of the registered app, usable for :data:`FROB_LIFETIME`."""
    frob = Frob(
        frob=f"{secrets.randbelow(90_000) + 10_000}-{secrets.token_hex(6)}",
        api_key=state.app.api_key,
        expires_at=time.time() + FROB_LIFETIME,
    )
    state.frobs[frob.frob] = frob
    return frob


def live_frob(state: State, value: str, api_key: str) -> Frob | None:
    """The frob called ``value`` if it exists, belongs to ``api_key`` and has not expired."""
    frob = state.frobs.get(value)
    if frob is None or frob.api_key != api_key or frob.expires_at < time.time():
        return None
    return frob


def issue_token(
    state: State,
    user_id: str,
    permissions: dict[str, str],
    *,
    expires: bool = True,
    value: str = "",
) -> Token:
    """A token for ``user_id`` granting ``permissions``; it lives ``state.token_lifetime``."""
    token = Token(
        token=value or f"{secrets.randbelow(90_000) + 10_000}-{secrets.token_hex(8)}",
        api_key=state.app.api_key,
        user_id=user_id,
        permissions=dict(permissions),
        expires_at=time.time() + state.token_lifetime if expires else None,
    )
    state.tokens[token.token] = token
    return token


def live_token(state: State, value: str, api_key: str) -> Token | None:
    """The token called ``value`` if it exists, belongs to ``api_key`` and has not expired."""
    token = state.tokens.get(value)
    if token is None or token.api_key != api_key:
        return None
    if token.expires_at is not None and token.expires_at < time.time():
        return None
    return token


def sandbox_token(state: State, seed: int) -> Token:
    """The pre-issued, non-expiring token of the first user, with every permission."""
    first_user = next(iter(state.world.users))
    return issue_token(
        state,
        first_user,
        dict(MAX_LEVEL),
        expires=False,
        value=f"{first_user}-{_derived(seed, 'token', 16)}",
    )


# -- /apps/authorize -------------------------------------------------------------------


class LinkError(Exception):
    """The authorization link is not acceptable; shown to the user as an error page."""


def _check_link(state: State, params: dict[str, str]) -> tuple[Frob | None, dict[str, str]]:
    """Validate an authorization link; returns its frob (desktop flow) and the grant."""
    if params.get("api_key") != state.app.api_key:
        raise LinkError("Invalid API key.")
    signature = params.get("api_sig", "")
    if not signature:
        raise LinkError(f"Error {SIGNATURE_MISSING}: the link is not signed (api_sig missing).")
    if not verify(params, state.app.api_secret, signature):
        raise LinkError(f"Error {SIGNATURE_INVALID}: invalid signature (api_sig).")
    requested = {k[len("perm_") :]: v for k, v in params.items() if k.startswith("perm_")}
    if not requested:
        raise LinkError("The link asks for no permission (perm_doc, perm_blog, ...).")
    try:
        grant = normalize(requested)
    except ValueError as exc:
        raise LinkError(f"Invalid permission: {exc}.") from None
    frob = None
    if "frob" in params:
        frob = live_frob(state, params["frob"], state.app.api_key)
        if frob is None or frob.user_id is not None:
            raise LinkError("Invalid or already used frob.")
    return frob, grant


def authorize(state: State, request: Request) -> Response:
    """Serve GET (the consent page) and POST (the user's decision) of ``/apps/authorize``."""
    source = request.args if request.method == "GET" else request.form
    params = {k: v for k, v in source.items() if k not in _FORM_ONLY}
    try:
        with state.lock:
            frob, grant = _check_link(state, params)
            if request.method == "GET":
                action = request.script_root + "/apps/authorize"
                return consent_page(state.world.users.values(), action, params, grant)
            decision = request.form.get("decision", "")
            if decision not in ("allow", "deny"):
                raise LinkError("Please choose Allow or Deny.")
            if decision == "deny":
                return denied_page()
            users = state.world.users
            user_id = request.form.get("user_id") or next(iter(users))
            if user_id not in users:
                raise LinkError("Unknown user.")
            if frob is None:  # web flow: a fresh frob, handed over through the callback URL
                frob = new_frob(state)
            frob.user_id, frob.permissions = user_id, grant
            if "frob" in params:
                return authorized_page()
            callback = state.app.callback_url
            separator = "&" if "?" in callback else "?"
            response = Response(status=302)
            response.headers["Location"] = callback + separator + urlencode({"frob": frob.frob})
            return response
    except LinkError as exc:
        return failure_page(str(exc))


# -- the auth.* API methods ------------------------------------------------------------


@handles("auth.getFrob")
def auth_get_frob(state: State, call: Call) -> JSON:
    return {"auth": {"frob": new_frob(state).frob}}


@handles("auth.getToken")
def auth_get_token(state: State, call: Call) -> JSON:
    frob = live_frob(state, call.text("frob"), call.text("api_key"))
    if frob is None:
        raise ApiError(NOT_FOUND, "Invalid frob")
    if frob.user_id is None or frob.permissions is None:
        raise ApiError(ACCESS_DENIED, "Frob not authorized yet")
    token = live_token(state, frob.token, frob.api_key) if frob.token else None
    if token is None:
        token = issue_token(state, frob.user_id, frob.permissions)
        frob.token = token.token
    return {"auth": auth_view(state.world, token)}


@handles("auth.checkToken")
def auth_check_token(state: State, call: Call) -> JSON:
    assert call.token is not None  # the dispatcher checked it: the method needs a token
    view = auth_view(state.world, call.token, perms_key="perms")
    # The catalog example names it ``perms``; the notes say "the same auth structure"
    # as auth.getToken (``permissions``). Send both so either reading works.
    view["permissions"] = dict(call.token.permissions)
    return {"auth": view}
