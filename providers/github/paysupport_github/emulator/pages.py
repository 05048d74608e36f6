"""HTML pages: the OAuth consent form and the error page shown instead of a redirect.

The consent form is a real ``<form method="post">``: hidden inputs carry the
authorization request, a ``username`` field says who signs in (the login;
``paysupport.sandbox.answer_consent(login_as=...)`` fills it), and two
``decision`` buttons, ``allow`` and ``deny``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape


def consent_page(
    action: str, app_name: str, login: str, scopes: Iterable[str], hidden: Mapping[str, str]
) -> str:
    inputs = "\n".join(
        f'    <input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )
    items = "\n".join(f"    <li>{escape(scope)}</li>" for scope in scopes) or (
        "    <li>read-only access to public information</li>"
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Authorize application - GitHub (emulated)</title>
</head>
<body>
  <h1>Authorize {escape(app_name)}</h1>
  <form method="post" action="{escape(action)}">
    <label>Signed in as <input type="text" name="username" value="{escape(login)}"></label>
    <p>{escape(app_name)} would like permission to:</p>
    <ul>
{items}
    </ul>
{inputs}
    <button type="submit" name="decision" value="deny">Cancel</button>
    <button type="submit" name="decision" value="allow">Authorize</button>
  </form>
</body>
</html>
"""


def error_page(title: str, detail: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} - GitHub (emulated)</title></head>
<body>
  <h1>{escape(title)}</h1>
  <p>{escape(detail)}</p>
</body>
</html>
"""
