"""Deterministic sandbox data: the same seed and sizes always give the same world.

Timestamps are drawn from a fixed epoch rather than the clock so two emulators
built with the same settings serve byte-identical seeded records.
"""

from __future__ import annotations

import random

from .catalog import CATEGORIES, LANGUAGES
from .store import Flattr, SeedData, Subscription, Thing, User

#: 2012-01-01T00:00:00Z, the era of the API v2 documentation.
SEED_EPOCH = 1325376000
_TWO_YEARS = 2 * 365 * 24 * 3600

DEFAULT_USERS = 20
DEFAULT_THINGS = 200
#: The pre-authorised sandbox user's balance: enough for any test or demo.
PRIMARY_MEANS = 100_000

_FIRST = (
    "Alice",
    "Bruno",
    "Chloe",
    "David",
    "Elin",
    "Farid",
    "Greta",
    "Hugo",
    "Ines",
    "Jonas",
    "Karin",
    "Linus",
    "Maja",
    "Nils",
    "Olga",
    "Petra",
    "Quinn",
    "Rasmus",
    "Sofia",
    "Tove",
)
_LAST = ("Berg", "Lind", "Nyström", "Holm", "Ek", "Sand", "Dahl", "Lund", "Strand", "Wik")
_CITIES = (
    ("Stockholm", "Sweden"),
    ("Malmö", "Sweden"),
    ("Berlin", "Germany"),
    ("Tirana", "Albania"),
    ("Minsk", "Belarus"),
    ("", ""),
)
_WORDS = (
    "open",
    "source",
    "podcast",
    "river",
    "photo",
    "journal",
    "garden",
    "notes",
    "tiny",
    "engine",
    "music",
    "city",
    "night",
    "library",
    "sketch",
    "python",
    "ruby",
    "travel",
    "kitchen",
    "mountain",
    "radio",
    "story",
    "pixel",
    "field",
    "winter",
    "summer",
)
_TAGS = (
    "api",
    "ruby",
    "python",
    "programming",
    "opensource",
    "music",
    "podcast",
    "photo",
    "flickr",
    "travel",
    "game",
    "games",
    "software",
    "illustrations",
    "iphone",
    "art",
    "video",
    "blog",
    "science",
    "politics",
)


def generate(seed: int, n_users: int, n_things: int) -> SeedData:
    """Build users, things, past flattrs and subscriptions from ``seed``."""
    rng = random.Random(seed)
    users = _users(rng, max(2, n_users))
    names = [u.username for u in users]
    things = [_thing(rng, 400_000 + i, rng.choice(names)) for i in range(max(0, n_things))]
    flattrs: list[Flattr] = []
    subscriptions: list[Subscription] = []
    if things:
        for user in users:
            for thing in rng.sample(things, min(len(things), rng.randint(0, 12))):
                if thing.owner == user.username or user.username in thing.flattred_by:
                    continue
                at = rng.randint(thing.created_at, SEED_EPOCH + _TWO_YEARS + 3600)
                thing.flattred_by[user.username] = at
                thing.last_flattr_at = max(thing.last_flattr_at, at)
                flattrs.append(Flattr(0, user.username, thing.id, thing.url, at, seeded=True))
            for thing in rng.sample(things, min(len(things), rng.randint(0, 2))):
                if thing.owner != user.username:
                    at = rng.randint(thing.created_at, SEED_EPOCH + _TWO_YEARS + 3600)
                    subscriptions.append(
                        Subscription(user.username, thing.id, at, at, active=rng.random() < 0.8)
                    )
    flattrs.sort(key=lambda f: (f.created_at, f.username, f.thing_id))
    flattrs = [
        Flattr(seq, f.username, f.thing_id, f.url, f.created_at, seeded=True)
        for seq, f in enumerate(flattrs, start=1)
    ]
    return SeedData(users, things, flattrs, subscriptions)


def _users(rng: random.Random, n: int) -> list[User]:
    users = [
        User(
            username="flattr",
            firstname="Flattr.com",
            lastname="",
            about="This is the official Flattr account. We made this site :)",
            city="",
            country="",
            url="http://flattr.com",
            avatar="",
            email="info@flattr.com",
            registered_at=1270166816,
            means=10_000,
        )
    ]
    taken = {"flattr"}
    for i in range(1, n):
        first = _FIRST[(i - 1) % len(_FIRST)]
        username = first.lower() if first.lower() not in taken else f"{first.lower()}{i}"
        taken.add(username)
        city, country = rng.choice(_CITIES)
        users.append(
            User(
                username=username,
                firstname=first,
                lastname=rng.choice(_LAST),
                about=f"{first} makes {rng.choice(_WORDS)} things.",
                city=city,
                country=country,
                url=f"https://example.org/~{username}",
                avatar="",
                email=f"{username}@example.org",
                registered_at=SEED_EPOCH - rng.randint(0, _TWO_YEARS),
                means=PRIMARY_MEANS if i == 1 else rng.randrange(0, 5001, 100),
                hide_flattrs=i > 1 and rng.random() < 0.1,
            )
        )
    return users


def _thing(rng: random.Random, thing_id: int, owner: str) -> Thing:
    words = rng.sample(_WORDS, 3)
    title = " ".join(words).capitalize()
    return Thing(
        id=thing_id,
        owner=owner,
        url=f"https://example.org/{owner}/{'-'.join(words)}-{thing_id}",
        title=title,
        description=f"A {words[0]} {rng.choice(_WORDS)} about {words[1]} and {words[2]}.",
        tags=sorted(rng.sample(_TAGS, rng.randint(0, 4))),
        language=rng.choice(LANGUAGES)["id"],
        category=rng.choice(CATEGORIES)["id"],
        hidden=rng.random() < 0.1,
        created_at=SEED_EPOCH + rng.randint(0, _TWO_YEARS),
    )
