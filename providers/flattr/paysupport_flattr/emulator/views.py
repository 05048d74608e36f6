"""JSON representations, one function per documented view (resource-examples.rb).

Which view a caller gets follows the documentation: a thing is *public* for an
anonymous caller (``THING_PUBLIC``), adds ``flattred``/``subscribed`` for an
authenticated one (``THING``) and also ``last_flattr_at``/``updated_at`` for
its owner (``THING_FULL``). A user adds ``email`` with the ``email`` or
``extendedread`` scope and ``registered_at`` with ``extendedread``. Call these
while holding the store lock.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Any

from .store import Flattr, Store, Subscription, Thing, Token, User


class Links:
    """Absolute URLs built from the request's root, so mounting under a prefix works."""

    def __init__(self, root: str) -> None:
        self.root = root.rstrip("/")

    def api(self, path: str) -> str:
        return f"{self.root}/rest/v2{path}"

    def site(self, path: str) -> str:
        return f"{self.root}{path}"


class Renderer:
    """Renders records for one request's viewer (``None`` when anonymous)."""

    def __init__(self, store: Store, links: Links, viewer: Token | None) -> None:
        self.store = store
        self.links = links
        self.viewer = viewer

    # -- users ------------------------------------------------------------------

    def mini_user(self, user: User) -> dict[str, Any]:
        return {
            "type": "user",
            "resource": self.links.api(f"/users/{user.username}"),
            "link": self.links.site(f"/profile/{user.username}"),
            "username": user.username,
        }

    def user(self, user: User, *, private: bool = False) -> dict[str, Any]:
        """The user object; ``private`` adds scope-gated fields for the user themself."""
        view = self.mini_user(user)
        view.update(
            firstname=user.firstname,
            lastname=user.lastname,
            avatar=user.avatar,
            about=user.about,
            city=user.city,
            country=user.country,
            url=user.url,
        )
        scopes = self.viewer.scopes if private and self.viewer else frozenset()
        if scopes & {"email", "extendedread"}:
            view["email"] = user.email
        if "extendedread" in scopes:
            view["registered_at"] = user.registered_at
        return view

    def owner(self, username: str, full: bool) -> dict[str, Any]:
        user = self.store.users[username]
        return self.user(user) if full else self.mini_user(user)

    # -- things -----------------------------------------------------------------

    def mini_thing(self, thing: Thing) -> dict[str, Any]:
        return {
            "type": "thing",
            "resource": self.links.api(f"/things/{thing.id}"),
            "link": self.links.site(f"/thing/{thing.id}"),
            "id": thing.id,
            "flattrs": len(thing.flattred_by),
            "url": thing.url,
            "title": thing.title,
            "image": thing.image,
        }

    def thing(self, thing: Thing, *, full: bool = False) -> dict[str, Any]:
        """The thing as this viewer may see it; ``full`` expands the owner."""
        view: dict[str, Any] = {
            "type": "thing",
            "resource": self.links.api(f"/things/{thing.id}"),
            "link": self.links.site(f"/thing/{thing.id}"),
            "id": thing.id,
            "url": thing.url,
            "language": thing.language,
            "category": thing.category,
            "owner": self.owner(thing.owner, full),
            "hidden": thing.hidden,
            "image": thing.image,
            "created_at": thing.created_at,
            "tags": list(thing.tags),
            "flattrs": len(thing.flattred_by),
            "description": thing.description,
            "title": thing.title,
        }
        if self.viewer is None:
            return view
        me = self.viewer.username
        if thing.owner == me:
            view["last_flattr_at"] = thing.last_flattr_at
            view["updated_at"] = thing.updated_at
        view["flattred"] = me in thing.flattred_by
        view["subscribed"] = self.store.is_subscribed(me, thing.id)
        return view

    # -- flattrs and subscriptions ----------------------------------------------

    def flattr(self, flattr: Flattr, *, full: bool = False) -> dict[str, Any] | None:
        """A flattr; ``None`` when its thing has since been deleted."""
        thing = self.store.things.get(flattr.thing_id)
        if thing is None:
            return None
        if full:
            thing_view = self.thing(thing, full=True)
        else:
            thing_view = self.mini_thing(thing)
            thing_view["owner"] = self.mini_user(self.store.users[thing.owner])
        return {
            "type": "flattr",
            "thing": thing_view,
            "owner": self.owner(flattr.username, full),
            "created_at": flattr.created_at,
        }

    def subscription(self, sub: Subscription) -> dict[str, Any]:
        return {
            "type": "subscription",
            "active": sub.active,
            "created_at": sub.created_at,
            "started_at": sub.started_at,
            "thing": self.thing(self.store.things[sub.thing_id]),
        }

    # -- activity streams -------------------------------------------------------

    def activity(self, flattr: Flattr) -> dict[str, Any] | None:
        """A flattr as an Activity Streams 1.0 ``like`` of a ``bookmark``."""
        thing = self.store.things.get(flattr.thing_id)
        if thing is None:
            return None
        published = datetime.fromtimestamp(flattr.created_at, tz=timezone.utc)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", thing.title).strip("-") or str(thing.id)
        return {
            "published": published.isoformat(),
            "title": f'{flattr.username} flattred "{thing.title}"',
            "actor": {
                "displayName": flattr.username,
                "url": self.links.site(f"/profile/{flattr.username}"),
                "objectType": "person",
            },
            "verb": "like",
            "object": {
                "displayName": thing.title,
                "url": self.links.site(f"/thing/{thing.id}/{slug}"),
                "objectType": "bookmark",
            },
            "id": f"tag:flattr.com,{published:%Y-%m-%d}:{flattr.username}/flattr/{thing.id}",
        }
