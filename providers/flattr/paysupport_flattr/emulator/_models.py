"""The emulator's records. Plain data; the store owns consistency and locking."""

from __future__ import annotations

from dataclasses import dataclass, field


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
