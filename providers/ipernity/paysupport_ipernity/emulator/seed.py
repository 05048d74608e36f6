"""Deterministic seeded data: the users, documents, albums and faves an emulator starts with.

Everything is generated from one ``random.Random(seed)`` in a fixed order, so the same seed
and sizes give the same world (and the recorded cassettes stay valid).
"""

from __future__ import annotations

import hashlib
import random

from paysupport_ipernity.emulator.store import (
    FIRST_USER_ID,
    Doc,
    Original,
    User,
    World,
    format_created,
)

__all__ = ["seed_world"]

_PEOPLE = (
    ("superman", "Kal-El", "Smallville", "USA"),
    ("christophe", "Christophe Ruelle", "Paris", "France"),
    ("ada", "Ada Lovelace", "London", "United Kingdom"),
    ("hedy", "Hedy Lamarr", "Vienna", "Austria"),
    ("grace", "Grace Hopper", "New York", "USA"),
    ("alan", "Alan Turing", "Manchester", "United Kingdom"),
    ("marie", "Marie Curie", "Warsaw", "Poland"),
)
_ADJECTIVES = (
    "Blue",
    "Quiet",
    "Golden",
    "Misty",
    "Red",
    "Old",
    "Bright",
    "Windy",
    "Frozen",
    "Green",
)
_NOUNS = (
    "harbour",
    "car",
    "mountain",
    "garden",
    "street",
    "bridge",
    "forest",
    "beach",
    "market",
    "cathedral",
    "river",
    "sky",
)
_KEYWORDS = (
    "holidays",
    "beach",
    "sunset",
    "blue sky",
    "family",
    "car",
    "travel",
    "night",
    "snow",
    "city",
    "portrait",
    "macro",
    "bw",
    "autumn",
    "music",
    "video",
)
_MEDIA = (
    ("photo", "jpg"),
    ("photo", "jpg"),
    ("photo", "png"),
    ("video", "mp4"),
    ("audio", "mp3"),
    ("other", "pdf"),
)
_EPOCH = 1_300_000_000  # seeded documents are posted from March 2011 on


def seed_world(world: World, *, users: int, docs: int, albums: int) -> None:
    """Fill an empty ``world`` from ``random.Random(world.seed)``, always in the same order.

    ``users`` (at least one) come first, then ``docs`` documents spread over them, ``albums``
    albums of their documents and up to three faves per user.
    """
    rng = random.Random(world.seed)
    n_users, n_docs, n_albums = max(1, users), max(0, docs), max(0, albums)
    for i in range(n_users):
        if i < len(_PEOPLE):
            alias, realname, town, country = _PEOPLE[i]
        else:
            alias, realname, town, country = (
                f"member{i + 1}",
                f"Member {i + 1}",
                "Lyon",
                "France",
            )
        user = User(
            user_id=str(FIRST_USER_ID + i),
            username=alias.capitalize(),
            realname=realname,
            alias=alias,
            town=town,
            country=country,
            is_pro=i % 2 == 0,
        )
        world.add_user(user)
    user_ids = list(world.users)
    for i in range(n_docs):
        owner = user_ids[rng.randrange(len(user_ids))]
        posted = _EPOCH + i * 600 + rng.randrange(600)
        media, ext = _MEDIA[rng.randrange(len(_MEDIA))]
        title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {i + 1}"
        doc_id = world.new_doc_id()
        doc = Doc(
            doc_id=doc_id,
            owner_id=owner,
            title=title,
            description=f"{title}, seen from {world.users[owner].town}.",
            media=media,
            license=rng.choice((0, 0, 1, 3, 7, 11)),
            safety=1,
            is_public=rng.random() < 0.85,
            is_friend=rng.random() < 0.5,
            is_family=rng.random() < 0.5,
            posted_at=posted,
            created=format_created(posted - rng.randrange(86_400 * 30)),
            modified_at=posted,
            original=Original(
                filename=f"IMG_{i + 1:05d}.{ext}",
                ext=ext,
                size=50_000 + rng.randrange(5_000_000),
                md5=hashlib.md5(f"{world.seed}:{doc_id}".encode()).hexdigest(),
            ),
        )
        for keyword in rng.sample(_KEYWORDS, rng.randrange(4)):
            world.add_keyword_tag(doc, owner, keyword)
        if rng.random() < 0.3:
            doc.lat = round(rng.uniform(-60, 60), 6)
            doc.lng = round(rng.uniform(-180, 180), 6)
        world.add_doc(doc)
    for _ in range(n_albums):
        owner = user_ids[rng.randrange(len(user_ids))]
        owned = world.user_docs[owner]
        picked = sorted(rng.sample(owned, min(len(owned), rng.randrange(31))))
        album = world.create_album(
            owner,
            title=f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}s",
            description="Seeded album",
            created_at=_EPOCH + rng.randrange(86_400 * 365),
        )
        for doc_id in picked:
            world.add_to_album(album, doc_id)
    for user_id in user_ids:
        candidates = [
            d for d in _sample_public(world, rng, 12) if world.docs[d].owner_id != user_id
        ]
        for n, doc_id in enumerate(candidates[:3]):
            world.add_fave(user_id, doc_id, _EPOCH + n)


def _sample_public(world: World, rng: random.Random, k: int) -> list[int]:
    if not world.public_docs:
        return []
    return [world.public_docs[rng.randrange(len(world.public_docs))] for _ in range(k)]
