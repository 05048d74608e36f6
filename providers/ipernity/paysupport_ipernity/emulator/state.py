"""Everything one emulator instance remembers: the registered app, the world, auth, uploads.

The emulator registers exactly one application (an api key, its secret and its callback
URL). Frobs, tokens and upload tickets live here next to the seeded
:class:`~paysupport_ipernity.emulator.world.World`. Callers hold :attr:`State.lock` while
they read or change anything.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass, field

from paysupport_ipernity.emulator.model import Frob, Ticket, Token
from paysupport_ipernity.emulator.world import World
from paysupport_ipernity.permissions import MAX_LEVEL

FROB_LIFETIME = 3600.0  # seconds a frob stays usable


@dataclass(frozen=True)
class App:
    """The application registered with the emulator."""

    api_key: str
    api_secret: str
    callback_url: str


def _derived(seed: int, label: str, length: int) -> str:
    return hashlib.sha256(f"paysupport-ipernity:{seed}:{label}".encode()).hexdigest()[:length]


def sandbox_app(seed: int, callback_url: str) -> App:
    """The app credentials for ``seed``: stable across restarts so saved configs keep working."""
    return App(
        api_key=_derived(seed, "api_key", 32),
        api_secret=_derived(seed, "api_secret", 16),
        callback_url=callback_url,
    )


@dataclass
class State:
    app: App
    world: World
    token_lifetime: float
    upload_polls: int
    lock: threading.RLock = field(default_factory=threading.RLock)
    frobs: dict[str, Frob] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    tickets: dict[str, Ticket] = field(default_factory=dict)
    _ticket_counter: int = 712_000

    # -- auth ----------------------------------------------------------------------------

    def new_frob(self) -> Frob:
        frob = Frob(
            frob=f"{secrets.randbelow(90_000) + 10_000}-{secrets.token_hex(6)}",
            api_key=self.app.api_key,
            expires_at=time.time() + FROB_LIFETIME,
        )
        self.frobs[frob.frob] = frob
        return frob

    def live_frob(self, value: str, api_key: str) -> Frob | None:
        """The frob called ``value`` if it exists, belongs to ``api_key`` and has not expired."""
        frob = self.frobs.get(value)
        if frob is None or frob.api_key != api_key or frob.expires_at < time.time():
            return None
        return frob

    def issue_token(
        self, user_id: str, permissions: dict[str, str], *, expires: bool = True, value: str = ""
    ) -> Token:
        token = Token(
            token=value or f"{secrets.randbelow(90_000) + 10_000}-{secrets.token_hex(8)}",
            api_key=self.app.api_key,
            user_id=user_id,
            permissions=dict(permissions),
            expires_at=time.time() + self.token_lifetime if expires else None,
        )
        self.tokens[token.token] = token
        return token

    def live_token(self, value: str, api_key: str) -> Token | None:
        """The token called ``value`` if it exists, belongs to ``api_key`` and has not expired."""
        token = self.tokens.get(value)
        if token is None or token.api_key != api_key:
            return None
        if token.expires_at is not None and token.expires_at < time.time():
            return None
        return token

    def sandbox_token(self, seed: int) -> Token:
        """The pre-issued, non-expiring token of the first user, with every permission."""
        first_user = next(iter(self.world.users))
        return self.issue_token(
            first_user,
            dict(MAX_LEVEL),
            expires=False,
            value=f"{first_user}-{_derived(seed, 'token', 16)}",
        )

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
