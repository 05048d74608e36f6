"""The HTML pages flattr.com would show: consent, errors, things, profiles, auto-submit.

The site serves the pages the API's links point at: things, profiles and
auto-submit URLs. The auto-submit page shows an existing thing or describes the
one that will be created on its first flattr (auto-submit.md); flattring itself
goes through the API (``POST /rest/v2/flattr``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from html import escape

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import autosubmit
from .catalog import SCOPES
from .errors import ApiError
from .store import Store, Thing, User
from .views import Links

_HTML_TYPE = "text/html; charset=utf-8"


def page(title: str, body: str, status: int = 200) -> Response:
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Flattr sandbox</title></head>\n"
        f"<body>\n<h1>{escape(title)}</h1>\n{body}\n</body></html>\n"
    )
    return Response(document, status=status, content_type=_HTML_TYPE)


def error_page(status: int, title: str, message: str) -> Response:
    return page(title, f'<p class="error">{escape(message)}</p>', status)


def consent_page(
    action: str,
    hidden: Mapping[str, str],
    scopes: Iterable[str],
    client_id: str,
    username: str,
) -> Response:
    """The authorization page: a real form a browser (or a test) posts back."""
    inputs = "\n".join(
        f'<input type="hidden" name="{escape(k)}" value="{escape(v)}">' for k, v in hidden.items()
    )
    wanted = (
        "\n".join(f"<li><code>{escape(s)}</code>: {escape(SCOPES[s])}</li>" for s in scopes)
        or "<li>Read your public profile</li>"
    )
    body = f"""<p>The application <code>{escape(client_id)}</code> wants to access your
Flattr account:</p>
<ul>
{wanted}
</ul>
<form method="post" action="{escape(action)}">
{inputs}
<label>Signed in as <input type="text" name="username" value="{escape(username)}"></label>
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>"""
    return page("Authorize application", body)


def thing_page(thing: Thing, owner_link: str) -> Response:
    tags = ", ".join(escape(t) for t in thing.tags)
    body = f"""<p><a href="{escape(thing.url)}">{escape(thing.url)}</a></p>
<p>{escape(thing.description)}</p>
<p>By <a href="{escape(owner_link)}">{escape(thing.owner)}</a>.
Flattrs: <span class="flattrs">{len(thing.flattred_by)}</span>. Tags: {tags}</p>"""
    return page(thing.title, body)


def profile_page(user: User) -> Response:
    body = f"""<p>{escape(user.firstname)} {escape(user.lastname)}</p>
<p>{escape(user.about)}</p>"""
    return page(user.username, body)


def pending_thing_page(title: str, url: str, owner: str) -> Response:
    body = f"""<p><a href="{escape(url)}">{escape(url)}</a> by {escape(owner)}</p>
<p>This thing will be submitted to the catalog when it is flattred for the first time.</p>"""
    return page(title, body)


# -- the site ------------------------------------------------------------------------

_MAP = Map(
    [
        Rule("/thing/<int:thing_id>", endpoint="thing"),
        Rule("/thing/<int:thing_id>/<slug>", endpoint="thing"),
        Rule("/profile/<username>", endpoint="profile"),
        Rule("/submit/auto", endpoint="autosubmit"),
    ],
    strict_slashes=False,
)


class Site:
    def __init__(self, store: Store) -> None:
        self._store = store

    def __call__(self, request: Request, path: str) -> Response:
        try:
            endpoint, values = _MAP.bind("emulator").match(path, method=request.method)
        except HTTPException as exc:
            return error_page(exc.code or 404, "Not found", "There is no such page.")
        links = Links(request.url_root)
        with self._store.locked():
            if endpoint == "thing":
                thing = self._store.things.get(values["thing_id"])
                if thing is None:
                    return error_page(404, "Not found", "There is no such thing.")
                return thing_page(thing, links.site(f"/profile/{thing.owner}"))
            if endpoint == "profile":
                user = self._store.users.get(values["username"])
                if user is None:
                    return error_page(404, "Not found", "There is no such user.")
                return profile_page(user)
            return self._autosubmit(request, links)

    def _autosubmit(self, request: Request, links: Links) -> Response:
        try:
            spec = autosubmit.from_params(dict(request.args.items()))
        except ApiError as exc:
            return error_page(400, "Invalid auto-submit URL", exc.description)
        thing = self._store.thing_by_url(spec.url)
        if thing is not None:
            return redirect(links.site(f"/thing/{thing.id}"), 302)
        if spec.user_id not in self._store.users:
            return error_page(404, "Not found", "There is no such user.")
        return pending_thing_page(spec.title, spec.url, spec.user_id)
