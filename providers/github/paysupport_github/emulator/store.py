"""The emulator's state: accounts, tiers, sponsorships, their indexes and the lock.

Records are plain dataclasses; the store keeps them in insertion order (which
is creation order, the order connections list them in) with indexes by login
(case-insensitive, like GitHub's logins) and by database id. Every change goes
through a store method under :attr:`Store.lock`, so the threaded server and the
admin routes never see half-made records.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any


def node_id(kind: str, database_id: int) -> str:
    """GitHub's legacy global id: base64 of ``0<len>:<Type><databaseId>``.

    The payload examples show exactly these (``MDQ6VXNlcjU=`` is ``04:User5``,
    ``MDExOlNwb25zb3JzaGlwMQ==`` is ``011:Sponsorship1``).
    """
    return base64.b64encode(f"0{len(kind)}:{kind}{database_id}".encode()).decode()


def iso(seconds: float) -> str:
    """GitHub's DateTime: ISO 8601 in UTC with a ``Z`` and no fraction."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Account:
    """A user or an organization; ``admins`` are an organization's administrators' logins."""

    login: str
    kind: str  # "User" or "Organization"
    database_id: int
    name: str | None
    email: str
    public_email: bool
    created_at: float
    sponsorable: bool = False
    admins: tuple[str, ...] = ()

    @property
    def node_id(self) -> str:
        return node_id(self.kind, self.database_id)


@dataclass
class Tier:
    """A sponsors tier; custom amounts get a tier of their own, unlisted (``is_custom_amount``)."""

    database_id: int
    maintainer: str
    name: str
    description: str
    monthly_price_in_cents: int
    is_one_time: bool
    is_custom_amount: bool
    created_at: float

    @property
    def node_id(self) -> str:
        return node_id("SponsorsTier", self.database_id)


@dataclass
class Sponsorship:
    """One sponsor funding one maintainer; inactive ones are past sponsorships."""

    database_id: int
    sponsor: str
    maintainer: str
    tier_id: int
    created_at: float
    tier_selected_at: float
    privacy: str  # "PUBLIC" or "PRIVATE"
    payment_source: str  # "GITHUB" or "PATREON"
    is_active: bool = True

    @property
    def node_id(self) -> str:
        return node_id("Sponsorship", self.database_id)


@dataclass
class Store:
    """Every record of one emulator; use the methods, which take :attr:`lock`."""

    accounts: dict[str, Account] = field(default_factory=dict)
    tiers: dict[int, Tier] = field(default_factory=dict)
    sponsorships: dict[int, Sponsorship] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _next_id: int = 1

    def new_id(self) -> int:
        with self.lock:
            value = self._next_id
            self._next_id += 1
            return value

    def add_account(self, account: Account) -> Account:
        with self.lock:
            self.accounts[account.login.lower()] = account
            return account

    def account(self, login: str) -> Account | None:
        with self.lock:
            return self.accounts.get(login.lower())

    def add_tier(self, tier: Tier) -> Tier:
        with self.lock:
            self.tiers[tier.database_id] = tier
            return tier

    def tiers_of(self, maintainer: str) -> list[Tier]:
        with self.lock:
            return [t for t in self.tiers.values() if t.maintainer.lower() == maintainer.lower()]

    def custom_tier(self, maintainer: str, cents: int, one_time: bool, at: float) -> Tier:
        """The maintainer's custom-amount tier for ``cents`` (made on first use, like GitHub)."""
        with self.lock:
            for tier in self.tiers_of(maintainer):
                if (
                    tier.is_custom_amount
                    and tier.monthly_price_in_cents == cents
                    and tier.is_one_time == one_time
                ):
                    return tier
            dollars = cents // 100
            name = f"${dollars} one time" if one_time else f"${dollars} a month"
            return self.add_tier(
                Tier(self.new_id(), maintainer, name, "", cents, one_time, True, at)
            )

    def add_sponsorship(self, sponsorship: Sponsorship) -> Sponsorship:
        with self.lock:
            self.sponsorships[sponsorship.database_id] = sponsorship
            return sponsorship

    def as_maintainer(self, login: str) -> list[Sponsorship]:
        with self.lock:
            key = login.lower()
            return [s for s in self.sponsorships.values() if s.maintainer.lower() == key]

    def as_sponsor(self, login: str) -> list[Sponsorship]:
        with self.lock:
            key = login.lower()
            return [s for s in self.sponsorships.values() if s.sponsor.lower() == key]

    def between(self, sponsor: str, maintainer: str, active_only: bool) -> Sponsorship | None:
        """The latest sponsorship of ``sponsor`` to ``maintainer`` (active ones first)."""
        found = [
            s
            for s in self.as_maintainer(maintainer)
            if s.sponsor.lower() == sponsor.lower() and (s.is_active or not active_only)
        ]
        found.sort(key=lambda s: (s.is_active, s.created_at, s.database_id))
        return found[-1] if found else None

    def summary(self) -> dict[str, Any]:
        with self.lock:
            active = [s for s in self.sponsorships.values() if s.is_active]
            return {
                "accounts": len(self.accounts),
                "tiers": len(self.tiers),
                "sponsorships": len(self.sponsorships),
                "active_sponsorships": len(active),
                "private_sponsorships": sum(s.privacy == "PRIVATE" for s in active),
            }
