"""Answer an emulator's consent page the way a browser would.

The demo, the CLI's ``--sandbox`` logins and the tests use this to click
"Allow" (or "Deny"): fetch the page, read its form, post the hidden fields with
the chosen button. Nothing is approved behind the page's back, so the same
path a person takes is the one exercised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import requests

from paysupport.errors import ResponseFormatError


@dataclass
class ConsentForm:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: dict[str, list[str]] = field(default_factory=dict)


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[ConsentForm] = []
        self._current: ConsentForm | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = ConsentForm(attr.get("action", ""), attr.get("method", "get").lower())
            self.forms.append(self._current)
        elif self._current is not None and tag == "select":
            self._select = attr.get("name") or None
        elif self._current is not None and tag == "option" and self._select:
            if self._select not in self._current.fields or "selected" in attr:
                self._current.fields[self._select] = attr.get("value", "")
        elif self._current is not None and tag in ("input", "button"):
            name = attr.get("name")
            if not name:
                return
            kind = attr.get("type", "submit" if tag == "button" else "text").lower()
            if kind == "submit":
                self._current.buttons.setdefault(name, []).append(attr.get("value", ""))
            elif kind not in ("checkbox", "radio") or "checked" in attr:
                self._current.fields[name] = attr.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def read_consent_form(html: str, page_url: str) -> ConsentForm:
    """The page's POST form with a ``decision`` button; ResponseFormatError when absent."""
    reader = _FormReader()
    reader.feed(html)
    for form in reader.forms:
        if form.method == "post" and "decision" in form.buttons:
            form.action = urljoin(page_url, form.action or page_url)
            return form
    raise ResponseFormatError("the page has no consent form with a decision button")


#: The consent forms' "who is signing in" field: Patreon's and Ipernity's, then Flattr's.
USER_FIELDS = ("user_id", "username")


def answer_consent(
    url: str,
    decision: str = "allow",
    *,
    login_as: str | None = None,
    session: requests.Session | None = None,
) -> requests.Response:
    """Open the consent page at ``url`` and submit ``decision``; redirects are not followed.

    ``login_as`` signs in as that emulated user instead of the page's default
    (Patreon: a user id, the creator by default; Flattr: a username; Ipernity: a
    user id, the first user by default), through the form's own field, as a
    person choosing on the page would. A page without such a field raises
    ``ValueError``. Returns the answer to the POST: usually a redirect to the
    application's callback (read its ``Location``), or a page for desktop flows.
    """
    http = session or requests.Session()
    page = http.get(url, timeout=10)
    if page.status_code != 200:
        raise ResponseFormatError(
            f"consent page answered HTTP {page.status_code}", status=page.status_code
        )
    form = read_consent_form(page.text, page.url)
    choices = form.buttons["decision"]
    if decision not in choices:
        raise ValueError(f"the consent form offers {choices}, not {decision!r}")
    fields = dict(form.fields)
    if login_as is not None:
        field = next((name for name in USER_FIELDS if name in fields), None)
        if field is None:
            raise ValueError("this consent form has no field to choose who signs in")
        fields[field] = login_as
    return http.post(
        form.action,
        data={**fields, "decision": decision},
        allow_redirects=False,
        timeout=10,
    )
