"""The emulator's HTML pages: the consent form of ``/apps/authorize`` and its answers.

The consent page is a real HTML form (hidden inputs carrying the link's parameters, a
``user_id`` select, Allow/Deny buttons named ``decision``) so that tests and the demo drive
it the way a browser would. What the pages mean, and when each is shown, is
:mod:`~paysupport_ipernity.emulator.auth`'s business; this module only writes them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping

from werkzeug.wrappers import Response

from paysupport_ipernity.emulator.store import User

__all__ = ["authorized_page", "consent_page", "denied_page", "failure_page", "page"]


def page(title: str, body: str, status: int = 200) -> Response:
    """An HTML page with ``title`` and ``body`` (``body`` is HTML, already escaped)."""
    document = (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)} - ipernity (emulator)</title></head>\n"
        f"<body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return Response(document, status=status, content_type="text/html; charset=utf-8")


def consent_page(
    users: Iterable[User], action: str, params: Mapping[str, str], grant: Mapping[str, str]
) -> Response:
    """The form asking a user to grant ``grant``; it posts ``params`` back to ``action``."""
    hidden = "\n".join(
        f'  <input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
        for k, v in params.items()
    )
    options = "\n".join(
        f'    <option value="{html.escape(u.user_id)}">{html.escape(u.username)}'
        f" ({html.escape(u.realname)})</option>"
        for u in users
    )
    asked = "\n".join(
        f"  <li>{html.escape(category)}: {html.escape(level)}</li>"
        for category, level in grant.items()
        if level != "none"
    )
    body = (
        "<p>The application asks for these permissions on your account:</p>\n"
        f"<ul>\n{asked}\n</ul>\n"
        f'<form method="post" action="{html.escape(action)}">\n{hidden}\n'
        f'  <label>Sign in as <select name="user_id">\n{options}\n  </select></label>\n'
        '  <button type="submit" name="decision" value="allow">Allow</button>\n'
        '  <button type="submit" name="decision" value="deny">Deny</button>\n'
        "</form>"
    )
    return page("Authorize this application?", body)


def denied_page() -> Response:
    """The user refused: nothing was authorized."""
    return page("Access denied", "<p>You refused access. You can close this window.</p>")


def authorized_page() -> Response:
    """Desktop flow approved: the application now calls ``auth.getToken``."""
    return page(
        "Application authorized",
        "<p>You can close this window and return to the application.</p>",
    )


def failure_page(message: str) -> Response:
    """The link or the answer was not acceptable (HTTP 400)."""
    return page("Authorization failed", f'<p class="error">{html.escape(message)}</p>', 400)
