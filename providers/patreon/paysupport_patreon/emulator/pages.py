"""The two HTML pages of the OAuth flow: the consent form and the "no redirect" error page.

The consent form is a plain ``<form method="post">`` whose hidden inputs carry
the authorization request, so a test (or the demo) can parse it and post it back
the way a browser would. The page around Patreon's wording is the core's
(:mod:`paysupport.emulation.pages`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from paysupport.emulation import pages

SERVICE = "Patreon"


def consent_page(
    action: str,
    client_name: str,
    user_name: str,
    scopes: Iterable[str],
    hidden: Mapping[str, str],
) -> str:
    asked = (
        f"  <p>Signed in as <strong>{escape(user_name)}</strong>. "
        "The application asks for:</p>\n"
        f"  <ul>\n{pages.scope_items(scopes)}\n  </ul>"
    )
    return pages.consent_page(
        SERVICE,
        action,
        hidden,
        title=f"Authorize {client_name}",
        heading=f"{client_name} would like to access your Patreon account",
        before_form=asked,
    )


def error_page(title: str, detail: str) -> str:
    return pages.error_page(SERVICE, title, detail)
