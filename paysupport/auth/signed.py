"""Signed requests and the "frob" authorization flow (Ipernity, Flickr and their kin).

A provider of this family supplies only its signing rule (a :class:`Signer`)
and three endpoints (get a frob, the authorization page, trade the frob for a
token); :class:`FrobFlow` runs the steps and keeps the token in the core's store.

The desktop flow: get a frob, send the user to the authorization URL that
carries it, wait, trade the frob for a token. The web flow: send the user to
an authorization URL without a frob; the provider calls the application back
with ``?frob=``, which is traded the same way.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Protocol

from paysupport.errors import InvalidToken
from paysupport.tokens import Token, TokenStore


class Signer(Protocol):
    """Computes a request signature from the parameters and, for API calls, the method."""

    def sign(self, params: Mapping[str, str], method: str | None = None) -> str: ...


class FrobFlow(ABC):
    """The frob flow's steps; a provider implements the three abstract ones."""

    provider: str
    #: Permissions asked for when the caller names none, e.g. ``{"doc": "write"}``.
    default_perms: Mapping[str, str] = {}

    def __init__(self, store: TokenStore, account: str = "default") -> None:
        self.store = store
        self.account = account

    @abstractmethod
    def get_frob(self) -> str:
        """Ask the provider for a fresh frob (desktop flow)."""

    @abstractmethod
    def auth_url(self, perms: Mapping[str, str], frob: str | None = None) -> str:
        """The signed page where the user grants ``perms``; no frob means the web flow."""

    @abstractmethod
    def exchange_frob(self, frob: str) -> Token:
        """Trade an authorized frob for a token (without storing it)."""

    def get_token(self, frob: str) -> Token:
        """Trade the frob and keep the token in the store."""
        token = self.exchange_frob(frob)
        self.store.save(self.provider, self.account, token)
        return token

    @property
    def token(self) -> Token | None:
        return self.store.load(self.provider, self.account)

    def require_token(self) -> Token:
        token = self.token
        if token is None:
            raise InvalidToken(
                f"not logged in to {self.provider}: run the frob flow or pass a token",
                provider=self.provider,
            )
        return token

    def logout(self) -> None:
        self.store.delete(self.provider, self.account)
