"""The emulator's state: the registered app, the records, their indexes and the lock.

Records are plain mutable dataclasses (users, documents, albums, tags, frobs, tokens, upload
tickets). :class:`World` holds users, documents, albums and faves with the indexes the list
methods page through: lists are indexed by owner and by visibility so that listing methods
slice instead of scanning, and a 5,000-document world pages in constant time per page. Only
searches with text, tag or media filters scan their candidate list, as a search must.
:class:`State` is everything one emulator instance remembers: the one registered
application (an api key, its secret and its callback URL), the world, frobs, tokens and
upload tickets. Nothing here is thread-safe on its own: callers hold :attr:`State.lock`
while they read or change anything (the app holds it around every API call).

What the world starts with is :mod:`~paysupport_ipernity.emulator.seed`'s job.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

__all__ = [
    "FIRST_ALBUM_ID",
    "FIRST_DOC_ID",
    "FIRST_USER_ID",
    "Album",
    "App",
    "Doc",
    "Frob",
    "Original",
    "State",
    "Tag",
    "Ticket",
    "Token",
    "User",
    "World",
    "format_created",
    "media_for_extension",
]

# -- records ---------------------------------------------------------------------------


@dataclass(slots=True)
class User:
    user_id: str
    username: str
    realname: str
    alias: str
    town: str
    country: str
    is_pro: bool = False


@dataclass(slots=True)
class Tag:
    tag_id: int
    type: str  # "keyword" or "member"
    user_id: str  # who added the tag
    keyword: str = ""
    member_id: str = ""
    title: str = ""


@dataclass(slots=True)
class Original:
    filename: str
    ext: str
    size: int  # bytes
    md5: str
    w: int = 1024
    h: int = 768
    content: bytes | None = None  # only kept for uploaded files


@dataclass(slots=True)
class Doc:
    doc_id: int
    owner_id: str
    title: str
    description: str
    media: str
    license: int
    safety: int
    is_public: bool
    is_friend: bool
    is_family: bool
    posted_at: int
    created: str
    modified_at: int
    original: Original
    replaced_at: int = 0
    tags: list[Tag] = field(default_factory=list)
    lat: float | None = None
    lng: float | None = None
    visits: int = 0

    @property
    def keywords(self) -> list[str]:
        return [t.keyword for t in self.tags if t.type == "keyword"]


@dataclass(slots=True)
class Album:
    album_id: int
    owner_id: str
    title: str
    description: str
    created_at: int
    doc_ids: list[int] = field(default_factory=list)
    cover_id: int | None = None
    perm_comment: int = 3


@dataclass(slots=True)
class Frob:
    frob: str
    api_key: str
    expires_at: float
    user_id: str | None = None  # set once a user approved it
    permissions: dict[str, str] | None = None
    token: str | None = None  # issued by auth.getToken, reused on repeated calls


@dataclass(slots=True)
class Token:
    token: str
    api_key: str
    user_id: str
    permissions: dict[str, str]
    expires_at: float | None  # None: never expires (the pre-issued sandbox token)


@dataclass(slots=True)
class Ticket:
    ticket: str
    user_id: str
    params: dict[str, str]
    filename: str
    content: bytes
    polls_left: int
    replace_doc_id: int | None = None
    doc_id: int | None = None  # set when processing finished
    invalid: bool = False


# -- the world -------------------------------------------------------------------------

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
    """Users, documents, albums and faves, plus the indexes the list methods page through.

    Empty when made; :func:`~paysupport_ipernity.emulator.seed.seed_world` fills it. ``seed``
    is kept because seeded and uploaded records derive values (checksums) from it.
    """

    def __init__(self, *, seed: int) -> None:
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


# -- the whole state -------------------------------------------------------------------


@dataclass(frozen=True)
class App:
    """The application registered with the emulator."""

    api_key: str
    api_secret: str
    callback_url: str


@dataclass
class State:
    """Everything one emulator instance remembers; hold :attr:`lock` to read or change it.

    Frobs and tokens are kept here; issuing and checking them is
    :mod:`~paysupport_ipernity.emulator.auth`'s job.
    """

    app: App
    world: World
    token_lifetime: float
    upload_polls: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    frobs: dict[str, Frob] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    _ticket_counter: int = 712_000

    # -- uploads -------------------------------------------------------------------------

    def new_ticket(
        self,
        user_id: str,
        params: dict[str, str],
        filename: str,
        content: bytes,
        replace_doc_id: int | None = None,
    ) -> Ticket:
        self._ticket_counter += 1
        number = str(self._ticket_counter)
        value = number if replace_doc_id is None else f"{number}-{replace_doc_id}"
        ticket = Ticket(
            ticket=value,
            user_id=user_id,
            params=params,
            filename=filename,
            content=content,
            polls_left=self.upload_polls,
            replace_doc_id=replace_doc_id,
        )
        self.tickets[value] = ticket
        return ticket
