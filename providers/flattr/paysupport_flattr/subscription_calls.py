"""The subscriptions calls: subscribe, unsubscribe, pause and resume (resources/subscriptions.md).

Flattr has one call to pause *and* resume (``PUT``, a toggle). :meth:`toggle`
exposes it as is; :meth:`pause` and :meth:`resume` read the current state
first, so calling them twice does not flip the subscription back.
"""

from __future__ import annotations

from typing import Any

from paysupport.errors import NotFound

from .errors import ThingNotFound
from .resources import Home, MiniThing, Reader, Subscription, as_list, fail, thing_id_of
from .transport import Context

__all__ = ["SubscriptionsService"]


class SubscriptionsService:
    """``client.subscriptions``: list, subscribe, unsubscribe, pause and resume."""

    def __init__(self, ctx: Context, home: Home) -> None:
        self._ctx = ctx
        self._home = home

    def list(self) -> list[Subscription]:
        """The authenticated user's subscriptions, newest first (one request, no paging)."""
        answer = self._ctx.api.call("GET", "/user/subscriptions")
        items = as_list(answer.body, "subscriptions")
        return [
            Subscription.parse(s, self._home, f"subscriptions[{i}]") for i, s in enumerate(items)
        ]

    def get(self, thing: Any) -> Subscription | None:
        """The subscription to ``thing``, or ``None``."""
        thing_id = thing_id_of(thing)
        return next((s for s in self.list() if s.thing.id == thing_id), None)

    def subscribe(self, thing: Any) -> MiniThing:
        """Subscribe to a thing (``OwnThing``, ``AlreadySubscribed``, ``ThingNotFound``)."""
        answer = self._ctx.api.call(
            "POST", f"/things/{thing_id_of(thing)}/subscriptions", not_found=ThingNotFound
        )
        return MiniThing.parse(Reader(answer.body, "subscribe answer").obj("thing"))

    def unsubscribe(self, thing: Any) -> None:
        """Delete the subscription (``NotFound`` when there is none)."""
        self._ctx.api.call("DELETE", f"/things/{thing_id_of(thing)}/subscriptions")

    def toggle(self, thing: Any) -> bool:
        """Pause an active subscription or start a paused one; True when now active."""
        answer = self._ctx.api.call("PUT", f"/things/{thing_id_of(thing)}/subscriptions")
        message = Reader(answer.body, "subscription toggle").text("message")
        if message not in ("started", "paused"):
            fail(f"subscription toggle: unexpected message {message!r}")
        return message == "started"

    def pause(self, thing: Any) -> bool:
        """Pause; True when this call paused it, False when it was paused already."""
        return self._set_active(thing, False)

    def resume(self, thing: Any) -> bool:
        """Resume; True when this call started it, False when it was active already."""
        return self._set_active(thing, True)

    def _set_active(self, thing: Any, active: bool) -> bool:
        current = self.get(thing)
        if current is None:
            raise NotFound(f"not subscribed to thing {thing_id_of(thing)}", provider="flattr")
        if current.active == active:
            return False
        now_active = self.toggle(thing)
        if now_active != active:  # flipped by someone else in between: flip once more
            now_active = self.toggle(thing)
        return now_active == active
