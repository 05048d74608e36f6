"""``/apps/authorize``: the page where a user grants an application access.

The link is signed like an API call but without a method name. With a ``frob`` it is the
desktop flow: approving marks the frob authorized and tells the user to close the window,
and the application then calls ``auth.getToken(frob)``. Without a frob it is the web flow:
approving creates an authorized frob and redirects to the application's registered callback
URL with ``?frob=``. Denying leaves nothing authorized and shows a refusal page (the
reference does not say where Ipernity sends a refused web user, so the emulator does not
redirect).

The page is a real HTML form (hidden inputs carrying the link's parameters, Allow/Deny
buttons named ``decision``) so that tests and the demo drive it the way a browser would.
There is no login: a ``user_id`` select picks which seeded user answers (the first one if
the field is not sent).
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from paysupport_ipernity.emulator.errors import SIGNATURE_INVALID, SIGNATURE_MISSING
from paysupport_ipernity.emulator.model import Frob
from paysupport_ipernity.emulator.state import State
from paysupport_ipernity.permissions import normalize
from paysupport_ipernity.signing import verify

_FORM_ONLY = ("decision", "user_id")


class LinkError(Exception):
    """The authorization link is not acceptable; shown to the user as an error page."""


def _page(title: str, body: str, status: int = 200) -> Response:
    document = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - ipernity (emulator)</title></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return Response(document, status=status, content_type="text/html; charset=utf-8")


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
        frob = state.live_frob(params["frob"], state.app.api_key)
        if frob is None or frob.user_id is not None:
            raise LinkError("Invalid or already used frob.")
    return frob, grant


def _consent(
    state: State, request: Request, params: dict[str, str], grant: dict[str, str]
) -> Response:
    hidden = "\n".join(
        f'  <input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )
    options = "\n".join(
        f'    <option value="{html.escape(u.user_id)}">{html.escape(u.username)}'
        f" ({html.escape(u.realname)})</option>"
        for u in state.world.users.values()
    )
    asked = "\n".join(
        f"  <li>{html.escape(category)}: {html.escape(level)}</li>"
        for category, level in grant.items()
        if level != "none"
    )
    action = html.escape(request.script_root + "/apps/authorize")
    body = (
        "<p>The application asks for these permissions on your account:</p>\n"
        f"<ul>\n{asked}\n</ul>\n"
        f'<form method="post" action="{action}">\n{hidden}\n'
        f'  <label>Sign in as <select name="user_id">\n{options}\n  </select></label>\n'
        '  <button type="submit" name="decision" value="allow">Allow</button>\n'
        '  <button type="submit" name="decision" value="deny">Deny</button>\n'
        "</form>"
    )
    return _page("Authorize this application?", body)


def authorize(state: State, request: Request) -> Response:
    """Serve GET (the consent page) and POST (the user's decision) of ``/apps/authorize``."""
    source = request.args if request.method == "GET" else request.form
    params = {k: v for k, v in source.items() if k not in _FORM_ONLY}
    try:
        with state.lock:
            frob, grant = _check_link(state, params)
            if request.method == "GET":
                return _consent(state, request, params, grant)
            decision = request.form.get("decision", "")
            if decision not in ("allow", "deny"):
                raise LinkError("Please choose Allow or Deny.")
            if decision == "deny":
                return _page(
                    "Access denied", "<p>You refused access. You can close this window.</p>"
                )
            users = state.world.users
            user_id = request.form.get("user_id") or next(iter(users))
            if user_id not in users:
                raise LinkError("Unknown user.")
            if frob is None:  # web flow: a fresh frob, handed over through the callback URL
                frob = state.new_frob()
            frob.user_id, frob.permissions = user_id, grant
            if "frob" in params:
                return _page(
                    "Application authorized",
                    "<p>You can close this window and return to the application.</p>",
                )
            callback = state.app.callback_url
            separator = "&" if "?" in callback else "?"
            response = Response(status=302)
            response.headers["Location"] = callback + separator + urlencode({"frob": frob.frob})
            return response
    except LinkError as exc:
        return _page("Authorization failed", f'<p class="error">{html.escape(str(exc))}</p>', 400)
