"""The emulator's state: its records (users, things, flattrs, subscriptions, tokens), indexes, lock.

Every mutation happens under one re-entrant lock, and every check that guards a
mutation (means, flattr once, ownership) runs under the same lock as the
mutation, so concurrent requests can never record a flattr twice or overdraw
means. Lookups go through indexes (id, url, owner, tag, word, language,
category) so large seeded worlds stay fast. The records are plain data; the
store owns their consistency.

A search's ordered matches are kept until something that could change them
happens (a thing indexed, changed or deleted, a flattr): a walk asks for the same
query once per page, and filtering and sorting every thing again for each page
was most of the emulator's work per answer. Orders that depend on the clock
(``trend``, ``flattrs_day``...) are computed every time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from . import tags
from .errors import ApiError, invalid_parameters, not_found, validation

# -- records ----------------------------------------------------------------------


@dataclass
class User:
    username: str
    firstname: str
    lastname: str
    about: str
    city: str
    country: str
    url: str
    avatar: str
    email: str
    registered_at: int
    #: Balance in euro cents; a flattr moves ``FLATTR_COST`` from flattrer to owner.
    means: int
    #: Users may hide what they flattr (resources/flattrs.md): lists come back empty.
    hide_flattrs: bool = False


@dataclass
class Thing:
    id: int
    owner: str
    url: str
    title: str
    description: str
    tags: list[str]
    language: str
    category: str
    hidden: bool
    created_at: int
    image: str = ""
    updated_at: int = 0
    last_flattr_at: int = 0
    #: Usernames that flattred this thing; ``len`` is the public ``flattrs`` count.
    flattred_by: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Flattr:
    seq: int
    username: str
    thing_id: int
    url: str
    created_at: int
    seeded: bool = False


@dataclass
class Subscription:
    username: str
    thing_id: int
    created_at: int
    started_at: int
    active: bool = True


@dataclass(frozen=True)
class Token:
    value: str
    username: str
    client_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class Grant:
    """An authorization code waiting to be exchanged (single use)."""

    code: str
    client_id: str
    username: str
    redirect_uri: str
    scopes: frozenset[str]
    expires_at: float


@dataclass(frozen=True)
class ClientApp:
    """The one registered application the sandbox knows."""

    client_id: str
    client_secret: str
    redirect_uri: str


@dataclass
class SeedData:
    """What :func:`~paysupport_flattr.emulator.seed.generate` makes: the starting world."""

    users: list[User]
    things: list[Thing]
    flattrs: list[Flattr]
    subscriptions: list[Subscription] = field(default_factory=list)

    @property
    def primary_user(self) -> str:
        """The user whose pre-issued token ``credentials()`` hands out."""
        return self.users[1].username


# -- the store ----------------------------------------------------------------------

#: Euro cents moved from the flattrer to the thing's owner by one flattr.
FLATTR_COST = 100

_WORD = re.compile(r"[^\W_]+")

#: Searches whose ordered matches are kept at once (the oldest is dropped beyond).
SEARCH_CACHE_SIZE = 64

SORTS = ("relevance", "trend", "flattrs", "flattrs_month", "flattrs_week", "flattrs_day")
_WINDOWS = {
    "flattrs_month": 30 * 86400,
    "flattrs_week": 7 * 86400,
    "flattrs_day": 86400,
    "trend": 7 * 86400,
}


def words(text: str) -> set[str]:
    """Lower-cased words, the unit of free-text search."""
    return set(_WORD.findall(text.lower()))


@dataclass(frozen=True)
class SearchQuery:
    query: str = ""
    url: str = ""
    tags: str = ""
    languages: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    user: str = ""
    sort: str = "relevance"
    include_hidden: bool = False


@dataclass(frozen=True)
class AutoSubmit:
    """The thing an auto-submit URL describes (auto-submit.md)."""

    user_id: str
    url: str
    title: str
    description: str
    language: str
    category: str
    tags: tuple[str, ...]
    hidden: bool


class Store:
    """All mutable state of one emulator instance."""

    def __init__(self, seed: SeedData, clock: Callable[[], float]) -> None:
        self._lock = threading.RLock()
        self._clock = clock
        self.users: dict[str, User] = {u.username: u for u in seed.users}
        self.things: dict[int, Thing] = {}
        self._by_url: dict[str, int] = {}
        self._by_owner: dict[str, dict[int, None]] = {u: {} for u in self.users}
        self._by_tag: dict[str, set[int]] = {}
        self._by_word: dict[str, set[int]] = {}
        self._by_language: dict[str, set[int]] = {}
        self._by_category: dict[str, set[int]] = {}
        self._hidden: set[int] = set()
        self.flattrs: list[Flattr] = []
        self._flattrs_by_user: dict[str, list[Flattr]] = {}
        self._flattrs_by_thing: dict[int, list[Flattr]] = {}
        self.subscriptions: dict[str, dict[int, Subscription]] = {}
        self.tokens: dict[str, Token] = {}
        self.grants: dict[str, Grant] = {}
        self._next_id = 400_000
        #: Bumped by every change that can alter a search's matches or their order.
        self._generation = 0
        self._searches: dict[SearchQuery, tuple[int, list[Thing]]] = {}
        for thing in seed.things:
            self._index(thing)
        for flattr in seed.flattrs:
            self._record(flattr)
        for sub in seed.subscriptions:
            self.subscriptions.setdefault(sub.username, {})[sub.thing_id] = sub

    @contextmanager
    def locked(self) -> Iterator[Store]:
        """Hold the state lock while reading several records consistently."""
        with self._lock:
            yield self

    def now(self) -> int:
        return int(self._clock())

    # -- indexes --------------------------------------------------------------

    def _index(self, thing: Thing) -> None:
        self.things[thing.id] = thing
        self._next_id = max(self._next_id, thing.id + 1)
        self._by_url[thing.url] = thing.id
        self._by_owner.setdefault(thing.owner, {})[thing.id] = None
        self._index_searchable(thing)

    def _index_searchable(self, thing: Thing) -> None:
        self._generation += 1
        for tag in thing.tags:
            self._by_tag.setdefault(tag.lower(), set()).add(thing.id)
        for word in words(" ".join([thing.title, thing.description, *thing.tags])):
            self._by_word.setdefault(word, set()).add(thing.id)
        self._by_language.setdefault(thing.language, set()).add(thing.id)
        self._by_category.setdefault(thing.category, set()).add(thing.id)
        if thing.hidden:
            self._hidden.add(thing.id)

    def _unindex_searchable(self, thing: Thing) -> None:
        self._generation += 1
        for tag in thing.tags:
            self._by_tag.get(tag.lower(), set()).discard(thing.id)
        for word in words(" ".join([thing.title, thing.description, *thing.tags])):
            self._by_word.get(word, set()).discard(thing.id)
        self._by_language.get(thing.language, set()).discard(thing.id)
        self._by_category.get(thing.category, set()).discard(thing.id)
        self._hidden.discard(thing.id)

    def _record(self, flattr: Flattr) -> None:
        self.flattrs.append(flattr)
        self._flattrs_by_user.setdefault(flattr.username, []).append(flattr)
        self._flattrs_by_thing.setdefault(flattr.thing_id, []).append(flattr)

    # -- reads ------------------------------------------------------------------

    def user(self, username: str) -> User:
        user = self.users.get(username)
        if user is None:
            raise not_found("The requested user could not be found")
        return user

    def thing(self, thing_id: int) -> Thing:
        thing = self.things.get(thing_id)
        if thing is None:
            raise not_found("The requested thing could not be found")
        return thing

    def thing_by_url(self, url: str) -> Thing | None:
        thing_id = self._by_url.get(url)
        return None if thing_id is None else self.things[thing_id]

    def things_of(self, username: str, *, include_hidden: bool) -> list[Thing]:
        """A user's things, newest first."""
        ids = reversed(list(self._by_owner.get(username, {})))
        return [self.things[i] for i in ids if include_hidden or not self.things[i].hidden]

    def flattrs_by(self, username: str) -> list[Flattr]:
        """A user's flattrs, newest first."""
        return list(reversed(self._flattrs_by_user.get(username, [])))

    def flattrs_of_thing(self, thing_id: int) -> list[Flattr]:
        return list(reversed(self._flattrs_by_thing.get(thing_id, [])))

    def incoming_flattrs(self, username: str) -> list[Flattr]:
        """Flattrs on a user's things, newest first."""
        found = [
            f
            for thing_id in self._by_owner.get(username, {})
            for f in self._flattrs_by_thing.get(thing_id, [])
        ]
        return sorted(found, key=lambda f: f.seq, reverse=True)

    def subscriptions_of(self, username: str) -> list[Subscription]:
        return sorted(
            self.subscriptions.get(username, {}).values(),
            key=lambda s: (s.created_at, s.thing_id),
            reverse=True,
        )

    def is_subscribed(self, username: str, thing_id: int) -> bool:
        return thing_id in self.subscriptions.get(username, {})

    def search(self, q: SearchQuery) -> list[Thing]:
        """Things matching every given filter, in the requested order.

        The list may be shared with later calls for the same query (see the module
        docstring): callers slice it and never change it.
        """
        if q.sort not in SORTS:
            raise invalid_parameters(f"sort must be one of {', '.join(SORTS)}")
        with self._lock:
            kept = self._searches.get(q)
            if kept is not None and kept[0] == self._generation:
                return kept[1]
            ids = self._candidates(q)
            things = [self.things[i] for i in ids]
            things.sort(key=self._sort_key(q))
            if q.sort not in _WINDOWS:
                if len(self._searches) >= SEARCH_CACHE_SIZE:
                    del self._searches[next(iter(self._searches))]
                self._searches[q] = (self._generation, things)
            return things

    def _candidates(self, q: SearchQuery) -> Iterable[int]:
        filters: list[set[int]] = []
        if q.url:
            found = self._by_url.get(q.url)
            filters.append(set() if found is None else {found})
        if q.user:
            filters.append(set(self._by_owner.get(q.user, {})))
        for word in words(q.query):
            filters.append(self._by_word.get(word, set()))
        if q.languages:
            filters.append(set().union(*(self._by_language.get(x, set()) for x in q.languages)))
        if q.categories:
            filters.append(set().union(*(self._by_category.get(x, set()) for x in q.categories)))
        if q.tags:
            try:
                filters.append(
                    tags.evaluate(
                        q.tags, lambda t: self._by_tag.get(t, set()), lambda: self.things.keys()
                    )
                )
            except ValueError as exc:
                raise invalid_parameters(f"tags: {exc}") from None
        if not filters:
            chosen: Iterable[int] = self.things.keys()
        else:
            filters.sort(key=len)
            chosen = set(filters[0]).intersection(*filters[1:])
        if q.include_hidden:
            return list(chosen)
        return [i for i in chosen if i not in self._hidden]

    def _sort_key(self, q: SearchQuery) -> Callable[[Thing], Any]:
        if q.sort == "flattrs":
            return lambda t: (-len(t.flattred_by), -t.id)
        if q.sort in _WINDOWS:
            since = self.now() - _WINDOWS[q.sort]
            return lambda t: (-sum(1 for at in t.flattred_by.values() if at >= since), -t.id)
        query = words(q.query)
        if query:
            return lambda t: (-len(query & words(t.title)), -t.id)
        return lambda t: -t.id

    # -- things -----------------------------------------------------------------

    def create_thing(self, owner: str, fields: dict[str, Any]) -> Thing:
        """Register a new thing; its URL must not be registered yet."""
        with self._lock:
            if fields["url"] in self._by_url:
                raise validation("A thing with this url already exists")
            now = self.now()
            thing = Thing(
                id=self._next_id,
                owner=owner,
                url=fields["url"],
                title=fields.get("title") or fields["url"],
                description=fields.get("description", ""),
                tags=list(fields.get("tags", [])),
                language=fields["language"],
                category=fields["category"],
                hidden=bool(fields.get("hidden", False)),
                created_at=now,
            )
            self._index(thing)
            return thing

    def update_thing(self, username: str, thing_id: int, fields: dict[str, Any]) -> Thing:
        with self._lock:
            thing = self.thing(thing_id)
            if thing.owner != username:
                raise ApiError(403, "forbidden", "Only the owner can update the thing")
            self._unindex_searchable(thing)
            for name, value in fields.items():
                setattr(thing, name, list(value) if name == "tags" else value)
            thing.updated_at = self.now()
            self._index_searchable(thing)
            return thing

    def delete_thing(self, username: str, thing_id: int) -> None:
        with self._lock:
            thing = self.thing(thing_id)
            if thing.owner != username:
                raise ApiError(403, "forbidden", "Cannot delete the thing: it is not owned by you")
            self._unindex_searchable(thing)
            del self.things[thing_id]
            del self._by_url[thing.url]
            self._by_owner[thing.owner].pop(thing_id, None)
            for subs in self.subscriptions.values():
                subs.pop(thing_id, None)

    # -- flattring --------------------------------------------------------------

    def flattr(self, username: str, thing_id: int) -> tuple[Thing, Flattr]:
        """Flattr a thing once, moving ``FLATTR_COST`` from the flattrer to the owner."""
        with self._lock:
            thing = self.thing(thing_id)
            self._check_flattr(username, thing.owner, thing)
            return thing, self._flattr(username, thing)

    def flattr_autosubmit(self, username: str, spec: AutoSubmit) -> tuple[Thing, Flattr]:
        """Flattr the thing an auto-submit URL describes, creating it on its first flattr.

        The thing is only created when the flattr itself succeeds, so a refused
        flattr (own thing, no means) leaves no half-submitted thing behind.
        """
        with self._lock:
            existing = self.thing_by_url(spec.url)
            if existing is not None:
                if existing.owner != spec.user_id:
                    raise validation("Owner mismatch. Current thing owned by other account.")
                self._check_flattr(username, existing.owner, existing)
                return existing, self._flattr(username, existing)
            if spec.user_id not in self.users:
                raise not_found("The auto-submit user does not exist")
            self._check_flattr(username, spec.user_id, None)
            thing = self.create_thing(
                spec.user_id,
                {
                    "url": spec.url,
                    "title": spec.title,
                    "description": spec.description,
                    "tags": spec.tags,
                    "language": spec.language,
                    "category": spec.category,
                    "hidden": spec.hidden,
                },
            )
            return thing, self._flattr(username, thing)

    def _check_flattr(self, username: str, owner: str, thing: Thing | None) -> None:
        if owner == username:
            raise ApiError(403, "flattr_owner", "You are the owner of the thing")
        if thing is not None and username in thing.flattred_by:
            raise ApiError(403, "flattr_once", "You have already flattred the thing")
        if self.user(username).means < FLATTR_COST:
            raise ApiError(401, "no_means", "You don't have enough means to flattr")

    def _flattr(self, username: str, thing: Thing) -> Flattr:
        now = self.now()
        self.users[username].means -= FLATTR_COST
        self.users[thing.owner].means += FLATTR_COST
        thing.flattred_by[username] = now
        thing.last_flattr_at = now
        self._generation += 1  # the ``flattrs`` order changed
        flattr = Flattr(len(self.flattrs) + 1, username, thing.id, thing.url, now)
        self._record(flattr)
        return flattr

    # -- subscriptions ----------------------------------------------------------

    def subscribe(self, username: str, thing_id: int) -> Thing:
        with self._lock:
            thing = self.thing(thing_id)
            if thing.owner == username:
                raise ApiError(403, "thing_owner", "You cannot subscribe to your own thing")
            subs = self.subscriptions.setdefault(username, {})
            if thing_id in subs:
                raise ApiError(403, "subscribed", "You are already subscribed to the thing")
            now = self.now()
            subs[thing_id] = Subscription(username, thing_id, now, now)
            return thing

    def toggle_subscription(self, username: str, thing_id: int) -> Subscription:
        """Pause an active subscription or start a paused one."""
        with self._lock:
            sub = self._subscription(username, thing_id)
            sub.active = not sub.active
            if sub.active:
                sub.started_at = self.now()
            return sub

    def unsubscribe(self, username: str, thing_id: int) -> None:
        with self._lock:
            self._subscription(username, thing_id)
            del self.subscriptions[username][thing_id]

    def _subscription(self, username: str, thing_id: int) -> Subscription:
        self.thing(thing_id)
        sub = self.subscriptions.get(username, {}).get(thing_id)
        if sub is None:
            raise not_found("You are not subscribed to the thing")
        return sub
