"""flattr.com pages the API's links point at: things, profiles and auto-submit URLs.

The auto-submit page shows an existing thing or describes the one that will be
created on its first flattr (auto-submit.md); flattring itself goes through
the API (``POST /rest/v2/flattr``).
"""

from __future__ import annotations

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.utils import redirect
from werkzeug.wrappers import Request, Response

from . import _autosubmit, _html
from ._errors import ApiError
from ._store import Store
from ._views import Links

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
            return _html.error_page(exc.code or 404, "Not found", "There is no such page.")
        links = Links(request.url_root)
        with self._store.locked():
            if endpoint == "thing":
                thing = self._store.things.get(values["thing_id"])
                if thing is None:
                    return _html.error_page(404, "Not found", "There is no such thing.")
                return _html.thing_page(thing, links.site(f"/profile/{thing.owner}"))
            if endpoint == "profile":
                user = self._store.users.get(values["username"])
                if user is None:
                    return _html.error_page(404, "Not found", "There is no such user.")
                return _html.profile_page(user)
            return self._autosubmit(request, links)

    def _autosubmit(self, request: Request, links: Links) -> Response:
        try:
            spec = _autosubmit.from_params(dict(request.args.items()))
        except ApiError as exc:
            return _html.error_page(400, "Invalid auto-submit URL", exc.description)
        thing = self._store.thing_by_url(spec.url)
        if thing is not None:
            return redirect(links.site(f"/thing/{thing.id}"), 302)
        if spec.user_id not in self._store.users:
            return _html.error_page(404, "Not found", "There is no such user.")
        return _html.pending_thing_page(spec.title, spec.url, spec.user_id)
