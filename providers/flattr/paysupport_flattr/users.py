"""Users: a lazy user by name, and the authenticated user (resources/users.md and friends).

:class:`LazyUser` makes no request until something only the profile knows is
read: ``client.user("flattr").things()`` walks the things straight away, while
``client.user("flattr").about`` fetches the profile once and keeps it.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import Any

from paysupport.errors import NotFound
from paysupport.walk import Walk

from .context import Context
from .errors import ValidationFailed
from .models import Activity, Flattr, FlattrUser, MiniUser, parse_activities
from .parsing import as_list
from .subscriptions import Subscription, SubscriptionsService
from .things import Thing, ThingsService
from .transport import STREAM_JSON
from .walks import DEFAULT_COUNT, listing, page_params

_PROFILE_FIELDS = frozenset(f.name for f in fields(FlattrUser)) - {"username", "raw"}
_ACTIVITY_TYPES = ("outgoing", "incoming")


class _Profiled:
    """Fetches a profile once, on first need, thread-safely."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx
        self._profile: FlattrUser | None = None
        self._lock = threading.Lock()

    def _profile_path(self) -> str:
        raise NotImplementedError

    def _list_path(self, what: str) -> str:
        raise NotImplementedError

    @property
    def loaded(self) -> bool:
        """Whether the profile was fetched already."""
        return self._profile is not None

    def profile(self) -> FlattrUser:
        with self._lock:
            if self._profile is None:
                answer = self._ctx.api.call("GET", self._profile_path())
                self._profile = FlattrUser.parse(answer.body)
            return self._profile

    def things(self, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Thing]:
        """A walk over the user's things (hidden ones only for their owner or ``extendedread``)."""
        return ThingsService(self._ctx).of_path(self._list_path("things"), count=count, full=full)

    def flattrs(self, *, count: int = DEFAULT_COUNT, full: bool = False) -> Walk[Flattr]:
        """A walk over the user's flattrs; empty when the user hides them."""
        path = self._list_path("flattrs")

        def fetch(number: int, per_page: int) -> list[Flattr]:
            answer = self._ctx.api.call("GET", path, params=page_params(number, per_page, full))
            items = as_list(answer.body, "flattrs")
            return [Flattr.parse(item, f"flattrs[{i}]") for i, item in enumerate(items)]

        return listing(fetch, count)

    def activities(self, type: str = "outgoing") -> list[Activity]:
        """What the user did (``outgoing``) or received (``incoming``), as Activity Streams."""
        if type not in _ACTIVITY_TYPES:
            raise ValidationFailed("type must be outgoing or incoming", field="type")
        answer = self._ctx.api.call(
            "GET", self._list_path("activities"), params={"type": type}, accept=STREAM_JSON
        )
        return parse_activities(answer.body)


class LazyUser(_Profiled):
    """A user known by name; profile fields are fetched on first read (``NotFound`` if none)."""

    def __init__(self, ctx: Context, username: str, mini: MiniUser | None = None) -> None:
        super().__init__(ctx)
        self.username = username
        self._mini = mini

    def _profile_path(self) -> str:
        return f"/users/{self.username}"

    def _list_path(self, what: str) -> str:
        return f"/users/{self.username}/{what}"

    @property
    def link(self) -> str | None:
        if self._mini is not None and self._mini.link:
            return self._mini.link
        return self.profile().link

    def __getattr__(self, name: str) -> Any:
        if name in _PROFILE_FIELDS or name == "name":
            return getattr(self.profile(), name)
        raise AttributeError(name)

    def to_row(self) -> dict[str, Any]:
        return self.profile().to_row()

    def __repr__(self) -> str:
        return f"<LazyUser {self.username!r}{'' if self.loaded else ' (not loaded)'}>"


class AuthenticatedUser(_Profiled):
    """The user the token belongs to: ``/user``, ``/user/things``, ``/user/subscriptions``..."""

    def _profile_path(self) -> str:
        return "/user"

    def _list_path(self, what: str) -> str:
        return f"/user/{what}"

    @property
    def username(self) -> str:
        return self.profile().username

    def subscriptions(self) -> list[Subscription]:
        return SubscriptionsService(self._ctx).list()

    def __repr__(self) -> str:
        return "<AuthenticatedUser>"


class UsersService:
    """``client.users``: users by name, eagerly or lazily."""

    def __init__(self, ctx: Context) -> None:
        self._ctx = ctx

    def get(self, username: str) -> FlattrUser:
        """A user's profile now (``NotFound`` when there is no such user)."""
        if not username or "/" in username:
            raise NotFound(f"no user named {username!r}", provider="flattr")
        return LazyUser(self._ctx, username).profile()

    def lazy(self, username: str) -> LazyUser:
        """A user object that makes no request until needed."""
        return LazyUser(self._ctx, username)
