"""HTML pages: the OAuth consent form and the error page shown instead of a redirect.

The consent form is a real ``<form method="post">``: hidden inputs carry the
authorization request, a ``username`` field says who signs in (the login;
``paysupport.sandbox.answer_consent(login_as=...)`` fills it), and two
``decision`` buttons, ``allow`` and ``deny``. The page around GitHub's wording
is the core's (:mod:`paysupport.emulation.pages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from paysupport.emulation import pages

SERVICE = "GitHub"


def consent_page(
    action: str, app_name: str, login: str, scopes: Iterable[str], hidden: Mapping[str, str]
) -> str:
    items = pages.scope_items(scopes, empty="read-only access to public information")
    signed_in = (
        f'    <label>Signed in as <input type="text" name="username" value="{escape(login)}">'
        "</label>"
    )
    asks = f"    <p>{escape(app_name)} would like permission to:</p>"
    wanted = f"{asks}\n    <ul>\n{items}\n    </ul>"
    return pages.consent_page(
        SERVICE,
        action,
        hidden,
        title="Authorize application",
        heading=f"Authorize {app_name}",
        in_form=f"{signed_in}\n{wanted}",
        buttons=(("deny", "Cancel"), ("allow", "Authorize")),
    )


def error_page(title: str, detail: str) -> str:
    return pages.error_page(SERVICE, title, detail)
