"""``/_admin``: a JSON view of the sandbox for tests, the demo and exactly-once checks.

Read-only except for setting a user's means, which tests need to reach the
documented ``no_means`` error. Nothing here can grant consent or mint tokens:
tests go through ``/oauth/authorize`` as a browser would.
"""

from __future__ import annotations

from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import autosubmit
from .errors import ApiError, invalid_parameters, not_found
from .http import body, json_response
from .store import FLATTR_COST, Flattr, Store
from .views import Links

_MAP = Map(
    [
        Rule("/_admin/state", methods=["GET"], endpoint="state"),
        Rule("/_admin/flattrs", methods=["GET"], endpoint="flattrs"),
        Rule("/_admin/users/<username>/means", methods=["POST", "PUT"], endpoint="means"),
    ],
    strict_slashes=False,
)


class Admin:
    def __init__(self, store: Store, primary_user: str) -> None:
        self._store = store
        self._primary_user = primary_user

    def state(self) -> dict[str, Any]:
        with self._store.locked() as s:
            return {
                "primary_user": self._primary_user,
                "flattr_cost": FLATTR_COST,
                "currency": "EUR cents",
                "things_count": len(s.things),
                "flattrs_count": len(s.flattrs),
                "users": [
                    {
                        "username": u.username,
                        "means": u.means,
                        "things": len(s.things_of(u.username, include_hidden=True)),
                        "flattrs": len(s.flattrs_by(u.username)),
                        "hide_flattrs": u.hide_flattrs,
                        "subscriptions": [
                            {"thing_id": sub.thing_id, "active": sub.active}
                            for sub in s.subscriptions_of(u.username)
                        ],
                    }
                    for u in s.users.values()
                ],
            }

    def __call__(self, request: Request, path: str) -> Response:
        try:
            endpoint, values = _MAP.bind("emulator").match(path, method=request.method)
        except HTTPException as exc:
            error = ApiError(exc.code or 404, "not_found", "No such admin resource")
            return json_response(error.body(), error.status)
        try:
            if endpoint == "state":
                return json_response(self.state())
            if endpoint == "flattrs":
                return json_response(self._flattrs(request))
            return json_response(self._set_means(request, values["username"]))
        except ApiError as exc:
            return json_response(exc.body(), exc.status)

    def _flattrs(self, request: Request) -> dict[str, Any]:
        """Every recorded flattr, oldest first, filtered by ``url``, ``thing_id``, ``username``."""
        url = request.args.get("url", "").strip()
        if url and autosubmit.is_autosubmit(url, Links(request.url_root).root):
            url = autosubmit.parse(url).url
        thing_id = request.args.get("thing_id", "").strip()
        username = request.args.get("username", "").strip()
        include_seeded = request.args.get("seeded", "1") != "0"

        def wanted(f: Flattr) -> bool:
            return (
                (not url or f.url == url)
                and (not thing_id or str(f.thing_id) == thing_id)
                and (not username or f.username == username)
                and (include_seeded or not f.seeded)
            )

        with self._store.locked() as s:
            found = [f for f in s.flattrs if wanted(f)]
        per_thing: dict[str, int] = {}
        for f in found:
            per_thing[str(f.thing_id)] = per_thing.get(str(f.thing_id), 0) + 1
        return {
            "count": len(found),
            "per_thing": per_thing,
            "flattrs": [
                {
                    "seq": f.seq,
                    "username": f.username,
                    "thing_id": f.thing_id,
                    "url": f.url,
                    "created_at": f.created_at,
                    "seeded": f.seeded,
                }
                for f in found
            ],
        }

    def _set_means(self, request: Request, username: str) -> dict[str, Any]:
        means = body(request).get("means")
        if isinstance(means, str) and means.isdigit():
            means = int(means)
        if not isinstance(means, int) or isinstance(means, bool) or means < 0:
            raise invalid_parameters("means must be a non-negative integer (EUR cents)")
        with self._store.locked() as s:
            user = s.users.get(username)
            if user is None:
                raise not_found("No such user")
            user.means = means
            return {"username": username, "means": means}
