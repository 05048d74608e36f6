"""The two HTML pages of the OAuth flow: the consent form and the "no redirect" error page.

The consent form is a plain ``<form method="post">`` whose hidden inputs carry
the authorization request, so a test (or the demo) can parse it and post it back
the way a browser would.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape


def consent_page(
    action: str,
    client_name: str,
    user_name: str,
    scopes: Iterable[str],
    hidden: Mapping[str, str],
) -> str:
    inputs = "\n".join(
        f'    <input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )
    items = "\n".join(f"    <li>{escape(scope)}</li>" for scope in scopes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Authorize {escape(client_name)} - Patreon (emulated)</title>
</head>
<body>
  <h1>{escape(client_name)} would like to access your Patreon account</h1>
  <p>Signed in as <strong>{escape(user_name)}</strong>. The application asks for:</p>
  <ul>
{items}
  </ul>
  <form method="post" action="{escape(action)}">
{inputs}
    <button type="submit" name="decision" value="allow">Allow</button>
    <button type="submit" name="decision" value="deny">Deny</button>
  </form>
</body>
</html>
"""


def error_page(title: str, detail: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} - Patreon (emulated)</title></head>
<body>
  <h1>{escape(title)}</h1>
  <p>{escape(detail)}</p>
</body>
</html>
"""
