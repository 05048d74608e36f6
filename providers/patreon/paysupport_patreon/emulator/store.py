"""The emulator's state: records, their indexes and the lock; admin changes replace records.

Members are not all stored: member ``i`` of campaign ``c`` may be regenerated on
demand (by the seeded world, :mod:`.seed`), and only members changed through
the admin API are kept (as replacement records). Ids encode their position, so
a lookup by id never scans, and a page of members is a slice of the sorted list
of live indices.

Records are replaced, never mutated, so a reader holding one while an admin
request changes the same member sees a consistent snapshot.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any


@functools.lru_cache(maxsize=16_384)
def iso(ts: float) -> str:
    """Patreon's timestamp form: UTC, milliseconds, explicit offset.

    Kept for reuse: seeded members' dates are whole days from one base time,
    so a page of members asks for the same few hundred strings again and again.
    """
    return datetime.fromtimestamp(ts, timezone.utc).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the token's user, its OAuth client and granted scopes."""

    user_id: str
    client_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class MemberRecord:
    campaign_index: int
    index: int
    attributes: Mapping[str, Any]
    user: Mapping[str, Any]
    tier_ids: tuple[str, ...]
    address: Mapping[str, Any] | None
    events: tuple[tuple[str, Mapping[str, Any]], ...]

    @property
    def active(self) -> bool:
        return self.attributes.get("patron_status") == "active_patron"


@dataclass
class CampaignRecord:
    index: int
    id: str
    attributes: dict[str, Any]
    tier_ids: list[str]
    benefit_ids: list[str]
    goal_ids: list[str]
    rule_ids: list[str]
    post_ids: list[str] = field(default_factory=list)
    seeded_members: int = 0
    next_member: int = 0
    live_members: list[int] = field(default_factory=list)  # sorted live indices
    deleted_members: set[int] = field(default_factory=set)
    changed_members: dict[int, MemberRecord] = field(default_factory=dict)


@dataclass(frozen=True)
class PostRecord:
    campaign_index: int
    id: str
    attributes: Mapping[str, Any]


_MEMBER_ID = re.compile(r"^([0-9a-f]{8})-([0-9a-f]{4})-4000-8000-([0-9a-f]{12})$")
_USER_BASE = 1_000_000_000
_PER_CAMPAIGN = 10_000_000


class Store:
    """The records, their indexes and the admin changes made to them; safe to share between threads.

    Members it holds no record of come from :meth:`_generate_member`; a store of
    the seeded world (:class:`~paysupport_patreon.emulator.seed.SeededStore`)
    regenerates them from the seed, a bare store has none.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._lock = threading.RLock()
        self._tag = f"{zlib.crc32(str(seed).encode()):08x}"
        self._counts: dict[str, int] | None = None
        self.creator_id = ""
        self.creator: dict[str, Any] = {}
        self.campaigns: list[CampaignRecord] = []
        self.campaigns_by_id: dict[str, CampaignRecord] = {}
        self.tiers: dict[str, dict[str, Any]] = {}
        self.tier_benefits: dict[str, list[str]] = {}
        self.benefits: dict[str, dict[str, Any]] = {}
        self.goals: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, PostRecord] = {}
        self._next_post = 0

    def _add_post(self, c: int, attributes: dict[str, Any], published: float | None) -> PostRecord:
        pid = str(9_000_000 + self._next_post)
        self._next_post += 1
        attrs = dict(attributes)
        if published is not None:
            attrs["published_at"] = iso(published)
        attrs["url"] = f"https://www.patreon.com/posts/{pid}"
        post = PostRecord(c, pid, attrs)
        self.posts[pid] = post
        self.campaigns[c].post_ids.append(pid)
        return post

    # ------------------------------------------------------------------- ids
    def member_id(self, c: int, i: int) -> str:
        return f"{self._tag}-{c:04x}-4000-8000-{i:012x}"

    def member_user_id(self, c: int, i: int) -> str:
        return str(_USER_BASE + c * _PER_CAMPAIGN + i)

    def pledge_id(self, c: int, i: int) -> str:
        return str(2 * _USER_BASE + c * _PER_CAMPAIGN + i)

    def _position(self, value: str, base: int) -> tuple[int, int] | None:
        if not value.isdigit():
            return None
        offset = int(value) - base
        if offset < 0:
            return None
        c, i = divmod(offset, _PER_CAMPAIGN)
        return (c, i) if c < len(self.campaigns) else None

    def parse_member_id(self, member_id: str) -> tuple[int, int] | None:
        match = _MEMBER_ID.match(member_id)
        if not match or match.group(1) != self._tag:
            return None
        c, i = int(match.group(2), 16), int(match.group(3), 16)
        return (c, i) if c < len(self.campaigns) else None

    def parse_pledge_id(self, pledge_id: str) -> tuple[int, int] | None:
        return self._position(pledge_id, 2 * _USER_BASE)

    # --------------------------------------------------------------- members
    def _generate_member(self, c: int, i: int) -> MemberRecord:
        """A member the store holds no record of; a bare store has none."""
        raise LookupError(f"member {i} of campaign {c} was never created")

    def member(self, c: int, i: int) -> MemberRecord | None:
        """Member ``i`` of campaign ``c`` as it is now, or ``None`` if it does not exist."""
        with self._lock:
            record = self.campaigns[c]
            if i >= record.next_member or i in record.deleted_members:
                return None
            changed = record.changed_members.get(i)
        return changed if changed is not None else self._generate_member(c, i)

    def member_by_id(self, member_id: str) -> MemberRecord | None:
        position = self.parse_member_id(member_id)
        return self.member(*position) if position else None

    def member_for_user(self, user_id: str) -> MemberRecord | None:
        position = self._position(user_id, _USER_BASE)
        return self.member(*position) if position else None

    def member_page(self, c: int, after: int | None, count: int) -> tuple[list[MemberRecord], int]:
        """Up to ``count`` members whose index follows ``after``, plus the live total."""
        with self._lock:
            live = self.campaigns[c].live_members
            start = 0 if after is None else bisect.bisect_right(live, after)
            indices = live[start : start + count]
            total = len(live)
        records = [self.member(c, i) for i in indices]
        return [r for r in records if r is not None], total

    def has_member_after(self, c: int, after: int) -> bool:
        """Whether campaign ``c`` has a live member whose index follows ``after``."""
        with self._lock:
            live = self.campaigns[c].live_members
            return bisect.bisect_right(live, after) < len(live)

    def live_member_indices(self, c: int) -> list[int]:
        with self._lock:
            return list(self.campaigns[c].live_members)

    def user_attributes(self, user_id: str) -> Mapping[str, Any] | None:
        if user_id == self.creator_id:
            return self.creator
        member = self.member_for_user(user_id)
        return member.user if member else None

    def user_exists(self, user_id: str) -> bool:
        return self.user_attributes(user_id) is not None

    # ---------------------------------------------------------------- counts
    def counts(self) -> dict[str, int]:
        """Active patrons per campaign id and tier id, pledges per ``pledges:<campaign id>``.

        Computed by one pass on first use, then kept current by the admin changes.
        """
        with self._lock:
            if self._counts is None:
                counts: dict[str, int] = {}
                for record in self.campaigns:
                    for i in record.live_members:
                        member = self.member(record.index, i)
                        if member is not None:
                            self._count(counts, member, 1)
                self._counts = counts
            return dict(self._counts)

    def _count(self, counts: dict[str, int], member: MemberRecord, sign: int) -> None:
        cid = self.campaigns[member.campaign_index].id
        if member.active:
            counts[cid] = counts.get(cid, 0) + sign
        if member.attributes.get("patron_status") in ("active_patron", "declined_patron"):
            counts[f"pledges:{cid}"] = counts.get(f"pledges:{cid}", 0) + sign
        for tid in member.tier_ids:
            counts[tid] = counts.get(tid, 0) + sign

    def _recount(self, before: MemberRecord | None, after: MemberRecord | None) -> None:
        if self._counts is None:
            return
        if before is not None:
            self._count(self._counts, before, -1)
        if after is not None:
            self._count(self._counts, after, 1)

    # --------------------------------------------------------- admin changes
    MEMBER_EDITABLE = frozenset(
        {
            "full_name",
            "email",
            "note",
            "patron_status",
            "currently_entitled_amount_cents",
            "will_pay_amount_cents",
            "is_free_trial",
            "is_gifted",
            "last_charge_status",
            "pledge_cadence",
            "lifetime_support_cents",
            "campaign_lifetime_support_cents",
        }
    )

    def _apply(self, base: MemberRecord, changes: Mapping[str, Any], now: float) -> MemberRecord:
        unknown = set(changes) - self.MEMBER_EDITABLE - {"tier_id"}
        if unknown:
            raise ValueError(f"cannot set {', '.join(sorted(unknown))}")
        attributes = dict(base.attributes)
        user = dict(base.user)
        tier_ids = base.tier_ids
        if "tier_id" in changes:
            tier_id = changes["tier_id"]
            if tier_id is None:
                tier_ids = ()
            else:
                if tier_id not in self.campaigns[base.campaign_index].tier_ids:
                    raise ValueError(f"unknown tier {tier_id!r} for this campaign")
                tier_ids = (str(tier_id),)
                amount = self.tiers[tier_id]["amount_cents"]
                attributes["currently_entitled_amount_cents"] = amount
                attributes["will_pay_amount_cents"] = amount
                attributes.setdefault("patron_status", "active_patron")
                if attributes["patron_status"] is None:
                    attributes["patron_status"] = "active_patron"
                if attributes.get("pledge_relationship_start") is None:
                    attributes["pledge_relationship_start"] = iso(now)
                    attributes["pledge_cadence"] = 1
        for key, value in changes.items():
            if key != "tier_id":
                attributes[key] = value
        if attributes.get("patron_status") not in (
            None,
            "active_patron",
            "declined_patron",
            "former_patron",
        ):
            raise ValueError("patron_status must be active_patron, declined_patron, former_patron")
        if attributes.get("patron_status") != "active_patron":
            tier_ids = ()
            attributes["currently_entitled_amount_cents"] = 0
        if "full_name" in changes:
            user["full_name"] = changes["full_name"]
        if "email" in changes:
            user["email"] = changes["email"]
        return replace(base, attributes=attributes, user=user, tier_ids=tier_ids)

    def create_member(
        self, campaign_id: str, changes: Mapping[str, Any], now: float
    ) -> MemberRecord:
        """Add a member (a new user) to a campaign; ``KeyError``/``ValueError`` on bad input."""
        with self._lock:
            record = self.campaigns_by_id[campaign_id]
            i = record.next_member
            c = record.index
            uid = self.member_user_id(c, i)
            name = str(changes.get("full_name", f"New Patron {i}"))
            first, _, last = name.partition(" ")
            email = str(changes.get("email", f"patron.{c}.{i}@example.com"))
            base = MemberRecord(
                c,
                i,
                {
                    "campaign_lifetime_support_cents": 0,
                    "currently_entitled_amount_cents": 0,
                    "email": email,
                    "full_name": name,
                    "is_follower": False,
                    "is_free_trial": False,
                    "is_gifted": False,
                    "last_charge_date": None,
                    "last_charge_status": None,
                    "lifetime_support_cents": 0,
                    "next_charge_date": None,
                    "note": "",
                    "patron_status": None,
                    "pledge_cadence": None,
                    "pledge_relationship_start": None,
                    "will_pay_amount_cents": 0,
                },
                {
                    "about": None,
                    "can_see_nsfw": False,
                    "created": iso(now),
                    "email": email,
                    "first_name": first,
                    "full_name": name,
                    "hide_pledges": False,
                    "image_url": f"https://c8.patreon.com/2/200/{uid}",
                    "is_creator": False,
                    "is_email_verified": True,
                    "last_name": last or None,
                    "like_count": 0,
                    "social_connections": {},
                    "thumb_url": f"https://c8.patreon.com/2/100/{uid}",
                    "url": f"https://www.patreon.com/user?u={uid}",
                    "vanity": None,
                },
                (),
                None,
                (),
            )
            member = self._apply(base, changes, now)
            record.next_member = i + 1
            record.live_members.append(i)
            record.changed_members[i] = member
            self._recount(None, member)
            return member

    def update_member(
        self, member_id: str, changes: Mapping[str, Any], now: float
    ) -> tuple[MemberRecord, MemberRecord]:
        """Change a member; returns (before, after). ``KeyError`` if there is no such member."""
        with self._lock:
            before = self.member_by_id(member_id)
            if before is None:
                raise KeyError(member_id)
            after = self._apply(before, changes, now)
            self.campaigns[after.campaign_index].changed_members[after.index] = after
            self._recount(before, after)
            return before, after

    def delete_member(self, member_id: str) -> MemberRecord:
        with self._lock:
            before = self.member_by_id(member_id)
            if before is None:
                raise KeyError(member_id)
            record = self.campaigns[before.campaign_index]
            record.deleted_members.add(before.index)
            record.changed_members.pop(before.index, None)
            del record.live_members[bisect.bisect_left(record.live_members, before.index)]
            self._recount(before, None)
            return before

    def create_post(self, campaign_id: str, changes: Mapping[str, Any], now: float) -> PostRecord:
        allowed = {"title", "content", "is_public", "is_paid", "tiers", "embed_url"}
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"cannot set {', '.join(sorted(unknown))}")
        with self._lock:
            record = self.campaigns_by_id[campaign_id]
            attributes: dict[str, Any] = {
                "app_id": None,
                "app_status": None,
                "content": "",
                "embed_data": None,
                "embed_url": None,
                "is_paid": False,
                "is_public": True,
                "tiers": [],
                "title": "Untitled",
            }
            attributes.update(changes)
            return self._add_post(record.index, attributes, published=now)

    def all_posts(self) -> list[PostRecord]:
        with self._lock:
            return list(self.posts.values())

    def post(self, post_id: str) -> PostRecord | None:
        with self._lock:
            return self.posts.get(post_id)

    def campaign_post_ids(self, c: int) -> list[str]:
        with self._lock:
            return list(self.campaigns[c].post_ids)

    def summary(self) -> dict[str, Any]:
        with self._lock:
            return {
                "creator_id": self.creator_id,
                "campaigns": [
                    {
                        "id": record.id,
                        "members": len(record.live_members),
                        "posts": len(record.post_ids),
                        "tiers": list(record.tier_ids),
                    }
                    for record in self.campaigns
                ],
            }
