"""The emulator's data: seeded users, documents, albums and faves, with their indexes.

Everything is generated from one ``random.Random(seed)`` in a fixed order, so the same
settings give the same world. Lists are indexed by owner and by visibility so that listing
methods slice instead of scanning: a 5,000-document world pages in constant time per page.
Only searches with text, tag or media filters scan their candidate list, as a search must.

The world is not thread-safe on its own; the emulator holds one lock around every call.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterable
from datetime import datetime, timezone

from paysupport_ipernity.emulator.model import Album, Doc, Original, Tag, User

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

FIRST_USER_ID = 1001
FIRST_DOC_ID = 100001
FIRST_ALBUM_ID = 50001


def media_for_extension(ext: str) -> str:
    """Ipernity's media type for an uploaded file extension."""
    ext = ext.lower()
    if ext in {"jpg", "jpeg", "png", "gif", "webp", "tif", "tiff", "bmp", "heic"}:
        return "photo"
    if ext in {"mp3", "wav", "ogg", "flac", "m4a", "aac"}:
        return "audio"
    if ext in {"mp4", "mov", "avi", "mpg", "mpeg", "mkv", "flv", "webm"}:
        return "video"
    return "other"


def format_created(timestamp: int) -> str:
    """``created`` as Ipernity writes it: ``YYYY-MM-DD HH:MM:SS`` (GMT)."""
    return datetime.fromtimestamp(timestamp, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


class World:
    """Users, documents, albums and faves, plus the indexes the list methods page through."""

    def __init__(self, *, seed: int, users: int, docs: int, albums: int) -> None:
        self.seed = seed
        self.users: dict[str, User] = {}
        self._by_alias: dict[str, str] = {}
        self.docs: dict[int, Doc] = {}
        # Ascending doc ids (oldest first); list methods page them newest first.
        self.public_docs: list[int] = []
        self.user_docs: dict[str, list[int]] = {}
        self.user_public_docs: dict[str, list[int]] = {}
        self.albums: dict[int, Album] = {}
        self.user_albums: dict[str, list[int]] = {}
        self.doc_albums: dict[int, set[int]] = {}
        self.faves: dict[str, dict[int, int]] = {}  # user -> doc -> faved_at (insertion order)
        self.fans: dict[int, set[str]] = {}
        self._next_doc_id = FIRST_DOC_ID
        self._next_album_id = FIRST_ALBUM_ID
        self._next_tag_id = 1
        self._seed_world(random.Random(seed), max(1, users), max(0, docs), max(0, albums))

    # -- seeding -------------------------------------------------------------------------

    def _seed_world(self, rng: random.Random, n_users: int, n_docs: int, n_albums: int) -> None:
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
            self.add_user(user)
        user_ids = list(self.users)
        for i in range(n_docs):
            owner = user_ids[rng.randrange(len(user_ids))]
            posted = _EPOCH + i * 600 + rng.randrange(600)
            media, ext = _MEDIA[rng.randrange(len(_MEDIA))]
            title = f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)} {i + 1}"
            doc_id = self._allocate_doc_id()
            doc = Doc(
                doc_id=doc_id,
                owner_id=owner,
                title=title,
                description=f"{title}, seen from {self.users[owner].town}.",
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
                    md5=hashlib.md5(f"{self.seed}:{doc_id}".encode()).hexdigest(),
                ),
            )
            for keyword in rng.sample(_KEYWORDS, rng.randrange(4)):
                self.add_keyword_tag(doc, owner, keyword)
            if rng.random() < 0.3:
                doc.lat = round(rng.uniform(-60, 60), 6)
                doc.lng = round(rng.uniform(-180, 180), 6)
            self.add_doc(doc)
        for _ in range(n_albums):
            owner = user_ids[rng.randrange(len(user_ids))]
            owned = self.user_docs[owner]
            picked = sorted(rng.sample(owned, min(len(owned), rng.randrange(31))))
            album = self.create_album(
                owner,
                title=f"{rng.choice(_ADJECTIVES)} {rng.choice(_NOUNS)}s",
                description="Seeded album",
                created_at=_EPOCH + rng.randrange(86_400 * 365),
            )
            for doc_id in picked:
                self.add_to_album(album, doc_id)
        for user_id in user_ids:
            candidates = [
                d for d in self._sample_public(rng, 12) if self.docs[d].owner_id != user_id
            ]
            for n, doc_id in enumerate(candidates[:3]):
                self.add_fave(user_id, doc_id, _EPOCH + n)

    def _sample_public(self, rng: random.Random, k: int) -> list[int]:
        if not self.public_docs:
            return []
        return [self.public_docs[rng.randrange(len(self.public_docs))] for _ in range(k)]

    def _allocate_doc_id(self) -> int:
        doc_id = self._next_doc_id
        self._next_doc_id += 1
        return doc_id

    # -- users ---------------------------------------------------------------------------

    def add_user(self, user: User) -> None:
        self.users[user.user_id] = user
        self._by_alias[user.alias.lower()] = user.user_id
        self._by_alias[user.username.lower()] = user.user_id
        self.user_docs.setdefault(user.user_id, [])
        self.user_public_docs.setdefault(user.user_id, [])
        self.user_albums.setdefault(user.user_id, [])
        self.faves.setdefault(user.user_id, {})

    def find_user(self, ident: str) -> User | None:
        """A user by id or by alias/username (Ipernity accepts either)."""
        ident = ident.strip()
        if ident in self.users:
            return self.users[ident]
        user_id = self._by_alias.get(ident.lower())
        return self.users[user_id] if user_id else None

    # -- documents -----------------------------------------------------------------------

    def new_doc_id(self) -> int:
        return self._allocate_doc_id()

    def add_doc(self, doc: Doc) -> None:
        """Store ``doc``; its id must be the newest so the ascending indexes stay sorted."""
        self.docs[doc.doc_id] = doc
        self.user_docs[doc.owner_id].append(doc.doc_id)
        if doc.is_public:
            self.public_docs.append(doc.doc_id)
            self.user_public_docs[doc.owner_id].append(doc.doc_id)

    def delete_doc(self, doc_id: int) -> None:
        doc = self.docs.pop(doc_id)
        self.user_docs[doc.owner_id].remove(doc_id)
        if doc.is_public:
            self.public_docs.remove(doc_id)
            self.user_public_docs[doc.owner_id].remove(doc_id)
        for album_id in self.doc_albums.pop(doc_id, set()):
            album = self.albums[album_id]
            album.doc_ids.remove(doc_id)
            if album.cover_id == doc_id:
                album.cover_id = album.doc_ids[0] if album.doc_ids else None
        for user_id in self.fans.pop(doc_id, set()):
            self.faves[user_id].pop(doc_id, None)

    def visible(self, doc: Doc, viewer: str | None) -> bool:
        """Whether ``viewer`` may see ``doc``: public, or their own (no family/friends graph)."""
        return doc.is_public or doc.owner_id == viewer

    def docs_of(self, owner_id: str, viewer: str | None) -> list[int]:
        """Ascending ids of ``owner_id``'s documents that ``viewer`` may see (no copy)."""
        if owner_id == viewer:
            return self.user_docs[owner_id]
        return self.user_public_docs[owner_id]

    def add_keyword_tag(self, doc: Doc, user_id: str, keyword: str) -> Tag | None:
        """Tag ``doc`` with ``keyword``; ``None`` if it already has it (case-insensitive)."""
        keyword = keyword.strip()
        if not keyword or keyword.lower() in (k.lower() for k in doc.keywords):
            return None
        tag = Tag(self._next_tag_id, "keyword", user_id, keyword=keyword, title=keyword)
        self._next_tag_id += 1
        doc.tags.append(tag)
        return tag

    def add_member_tag(self, doc: Doc, user_id: str, member: User) -> Tag | None:
        """Tag ``member`` on ``doc``; ``None`` if they are already tagged."""
        if any(t.type == "member" and t.member_id == member.user_id for t in doc.tags):
            return None
        tag = Tag(
            self._next_tag_id, "member", user_id, member_id=member.user_id, title=member.username
        )
        self._next_tag_id += 1
        doc.tags.append(tag)
        return tag

    # -- albums --------------------------------------------------------------------------

    def create_album(
        self, owner_id: str, *, title: str, description: str = "", created_at: int | None = None
    ) -> Album:
        album = Album(
            album_id=self._next_album_id,
            owner_id=owner_id,
            title=title,
            description=description,
            created_at=int(time.time()) if created_at is None else created_at,
        )
        self._next_album_id += 1
        self.albums[album.album_id] = album
        self.user_albums[owner_id].append(album.album_id)
        return album

    def add_to_album(self, album: Album, doc_id: int) -> bool:
        """Add ``doc_id`` to ``album``; ``False`` if it was already there."""
        if album.album_id in self.doc_albums.get(doc_id, ()):
            return False
        album.doc_ids.append(doc_id)
        self.doc_albums.setdefault(doc_id, set()).add(album.album_id)
        if album.cover_id is None:
            album.cover_id = doc_id
        return True

    # -- faves ---------------------------------------------------------------------------

    def add_fave(self, user_id: str, doc_id: int, at: int) -> None:
        """Fave ``doc_id`` for ``user_id`` (idempotent: faving twice keeps the first date)."""
        self.faves[user_id].setdefault(doc_id, at)
        self.fans.setdefault(doc_id, set()).add(user_id)

    # -- summaries -----------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        return {
            "users": len(self.users),
            "docs": len(self.docs),
            "public_docs": len(self.public_docs),
            "albums": len(self.albums),
            "faves": sum(len(f) for f in self.faves.values()),
        }

    def doc_ids_in(self, ids: Iterable[int]) -> list[Doc]:
        return [self.docs[i] for i in ids if i in self.docs]
