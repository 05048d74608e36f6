"""The users calls: profiles, and a user's things, flattrs and activities (resources/users.md).

:class:`UsersService` is ``client.users``. The users it returns are
:class:`~paysupport_flattr.resources.LazyUser` records that make no request until
a profile field is read; their walks come back here through the client's calls.
``username=None`` is the authenticated user (``/user/...``).
"""

from __future__ import annotations

from paysupport.errors import NotFound
from paysupport.walk import Walk

from .resources import Activity, Flattr, FlattrUser, Home, LazyUser, as_list, parse_activities
from .transport import STREAM_JSON, Context
from .walks import DEFAULT_COUNT, listing, page_params

__all__ = ["UsersService", "user_path"]


def user_path(username: str | None, what: str = "") -> str:
    """``/user[/what]`` for the authenticated user, ``/users/<name>[/what]`` for another."""
    base = "/user" if username is None else f"/users/{username}"
    return f"{base}/{what}" if what else base


class UsersService:
    """``client.users``: users by name, eagerly or lazily, and what a user did."""

    def __init__(self, ctx: Context, home: Home) -> None:
        self._ctx = ctx
        self._home = home

    def get(self, username: str) -> FlattrUser:
        """A user's profile now (``NotFound`` when there is no such user)."""
        if not username or "/" in username:
            raise NotFound(f"no user named {username!r}", provider="flattr")
        return LazyUser(self._home, username).profile()

    def lazy(self, username: str) -> LazyUser:
        """A user object that makes no request until needed."""
        return LazyUser(self._home, username)

    def profile(self, username: str | None) -> FlattrUser:
        """``GET /user`` or ``GET /users/<name>``: the profile, one request."""
        return FlattrUser.parse(self._ctx.api.call("GET", user_path(username)).body)

    def flattrs(
        self, username: str | None, *, count: int = DEFAULT_COUNT, full: bool = False
    ) -> Walk[Flattr]:
        """A walk over a user's flattrs; empty when the user hides them."""
        path = user_path(username, "flattrs")

        def fetch(number: int, per_page: int) -> list[Flattr]:
            answer = self._ctx.api.call("GET", path, params=page_params(number, per_page, full))
            items = as_list(answer.body, "flattrs")
            return [Flattr.parse(item, f"flattrs[{i}]") for i, item in enumerate(items)]

        return listing(fetch, count)

    def activities(self, username: str | None, type: str) -> list[Activity]:
        """A user's activities of ``type`` (checked by the caller), as Activity Streams."""
        answer = self._ctx.api.call(
            "GET", user_path(username, "activities"), params={"type": type}, accept=STREAM_JSON
        )
        return parse_activities(answer.body)
