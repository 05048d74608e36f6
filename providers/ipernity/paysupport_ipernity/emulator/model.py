"""The records the emulator keeps: users, documents, albums, tags, frobs, tokens, uploads.

Plain mutable dataclasses; :class:`~paysupport_ipernity.emulator.world.World` owns them and
the lock that guards them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


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
