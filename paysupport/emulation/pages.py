"""The HTML of an emulated OAuth flow: the consent form and the "cannot redirect" error page.

The consent form is a real ``<form method="post">`` whose hidden inputs carry
the authorization request and whose ``decision`` buttons say ``allow`` or
``deny``, so :func:`paysupport.sandbox.answer_consent` (or a person in a
browser) answers it the way a browser would. Each emulator supplies its
service's wording; the page around it is the same everywhere. Plain strings:
no werkzeug needed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from html import escape

#: The consent form's buttons: (``decision`` value, label), in page order.
ALLOW_DENY: Sequence[tuple[str, str]] = (("allow", "Allow"), ("deny", "Deny"))


def hidden_inputs(hidden: Mapping[str, str], indent: str = "    ") -> str:
    """The authorization request as hidden inputs, one a line, names and values escaped."""
    return "\n".join(
        f'{indent}<input type="hidden" name="{escape(name)}" value="{escape(value)}">'
        for name, value in hidden.items()
    )


def scope_items(scopes: Iterable[str], indent: str = "    ", empty: str = "") -> str:
    """The scopes asked for as ``<li>`` lines; ``empty`` (a plain sentence) when none are."""
    items = "\n".join(f"{indent}<li>{escape(scope)}</li>" for scope in scopes)
    return items or (f"{indent}<li>{escape(empty)}</li>" if empty else "")


def consent_page(
    service: str,
    action: str,
    hidden: Mapping[str, str],
    *,
    title: str,
    heading: str,
    before_form: str = "",
    in_form: str = "",
    buttons: Sequence[tuple[str, str]] = ALLOW_DENY,
) -> str:
    """A whole consent page posting ``hidden`` to ``action``.

    ``title`` and ``heading`` are plain text (escaped here); ``before_form`` and
    ``in_form`` are the service's own HTML (who is signed in, the scopes), which
    the caller escapes.
    """
    button_lines = "\n".join(
        f'    <button type="submit" name="decision" value="{escape(value)}">'
        f"{escape(label)}</button>"
        for value, label in buttons
    )
    form_lines = "\n".join(part for part in (in_form, hidden_inputs(hidden), button_lines) if part)
    before = f"{before_form}\n" if before_form else ""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>{escape(title)} - {escape(service)} (emulated)</title>
</head>
<body>
  <h1>{escape(heading)}</h1>
{before}  <form method="post" action="{escape(action)}">
{form_lines}
  </form>
</body>
</html>
"""


def error_page(service: str, title: str, detail: str) -> str:
    """The page an OAuth server shows when it cannot redirect back (unknown client, bad URI)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{escape(title)} - {escape(service)} (emulated)</title></head>
<body>
  <h1>{escape(title)}</h1>
  <p>{escape(detail)}</p>
</body>
</html>
"""
