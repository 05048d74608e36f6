"""The emulator's seeded world: one creator, campaigns, tiers, benefits, goals, members, posts.

Everything derives from ``settings.seed``. Members are not stored: member ``i``
of campaign ``c`` is regenerated on demand from a per-member random stream, and
only members changed through the admin API are kept (as replacement records).
Ids encode their position, so a lookup by id never scans, and a page of members
is a slice of the sorted list of live indices.

Records are replaced, never mutated, so a reader holding one while an admin
request changes the same member sees a consistent snapshot.
"""

from __future__ import annotations

import bisect
import random
import re
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any

BASE_TIME = 1_700_000_000.0  # seeded dates are relative to this instant, never to "now"
DAY = 86_400.0

FIRST_NAMES = [
    "Ada",
    "Alan",
    "Barbara",
    "Brian",
    "Claude",
    "Dennis",
    "Donald",
    "Edsger",
    "Frances",
    "Grace",
    "Guido",
    "Hedy",
    "John",
    "Ken",
    "Linus",
    "Lynn",
    "Margaret",
    "Niklaus",
    "Radia",
    "Shafi",
    "Sophie",
    "Tim",
    "Whitfield",
    "Yukihiro",
]
LAST_NAMES = [
    "Lovelace",
    "Turing",
    "Liskov",
    "Kernighan",
    "Shannon",
    "Ritchie",
    "Knuth",
    "Dijkstra",
    "Allen",
    "Hopper",
    "Rossum",
    "Lamarr",
    "Backus",
    "Thompson",
    "Torvalds",
    "Conway",
    "Hamilton",
    "Wirth",
    "Perlman",
    "Goldwasser",
    "Wilson",
    "Berners",
    "Diffie",
    "Matsumoto",
]
CITIES = (
    ("Springfield", "IL", "62701"),
    ("Portland", "OR", "97201"),
    ("Austin", "TX", "73301"),
    ("Madison", "WI", "53703"),
    ("Boulder", "CO", "80302"),
)
TIER_AMOUNTS = (300, 500, 1000, 2500, 5000, 10000)


def iso(ts: float) -> str:
    """Patreon's timestamp form: UTC, milliseconds, explicit offset."""
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
    """Seeded data plus the admin changes made to it; safe to share between threads."""

    def __init__(self, seed: int, sizes: Mapping[str, int]) -> None:
        self.seed = seed
        self._lock = threading.RLock()
        self._tag = f"{zlib.crc32(str(seed).encode()):08x}"
        self._counts: dict[str, int] | None = None
        n_campaigns = max(1, int(sizes.get("campaigns", 1)))
        n_tiers = max(1, int(sizes.get("tiers", 4)))
        n_benefits = max(0, int(sizes.get("benefits", 3)))
        n_goals = max(0, int(sizes.get("goals", 2)))
        n_members = max(0, int(sizes.get("members", 100)))
        n_posts = max(0, int(sizes.get("posts", 20)))
        rng = random.Random(seed)
        self.creator_id = str(4_200_000 + rng.randrange(100_000))
        self.creator = self._creator_attributes()
        self.campaigns: list[CampaignRecord] = []
        self.campaigns_by_id: dict[str, CampaignRecord] = {}
        self.tiers: dict[str, dict[str, Any]] = {}
        self.tier_benefits: dict[str, list[str]] = {}
        self.benefits: dict[str, dict[str, Any]] = {}
        self.goals: dict[str, dict[str, Any]] = {}
        self.rules: dict[str, dict[str, Any]] = {}
        self.posts: dict[str, PostRecord] = {}
        self._next_post = 0
        for c in range(n_campaigns):
            self._seed_campaign(c, rng, n_tiers, n_benefits, n_goals, n_members)
            for _ in range(n_posts):
                self._add_post(c, self._seed_post_attributes(c, rng), published=None)

    # ----------------------------------------------------------------- seeding
    def _creator_attributes(self) -> dict[str, Any]:
        return {
            "about": "I make sandbox things.",
            "can_see_nsfw": True,
            "created": iso(BASE_TIME - 1500 * DAY),
            "email": "creator@example.com",
            "first_name": "Sandy",
            "full_name": "Sandy Creator",
            "hide_pledges": False,
            "image_url": f"https://c8.patreon.com/2/200/{self.creator_id}",
            "is_creator": True,
            "is_email_verified": True,
            "last_name": "Creator",
            "like_count": 42,
            "social_connections": {"discord": None, "twitter": None},
            "thumb_url": f"https://c8.patreon.com/2/100/{self.creator_id}",
            "url": "https://www.patreon.com/sandbox",
            "vanity": "sandbox",
        }

    def _seed_campaign(
        self,
        c: int,
        rng: random.Random,
        n_tiers: int,
        n_benefits: int,
        n_goals: int,
        n_members: int,
    ) -> None:
        cid = str(7_100_000 + c)
        vanity = "sandbox" if c == 0 else f"sandbox{c + 1}"
        created = BASE_TIME - (1400 - c) * DAY
        attributes = {
            "created_at": iso(created),
            "creation_name": "sandbox tutorials",
            "currency": "USD",
            "discord_server_id": None,
            "google_analytics_id": None,
            "image_url": f"https://c10.patreonusercontent.com/campaign/{cid}/banner.png",
            "image_small_url": f"https://c10.patreonusercontent.com/campaign/{cid}/small.png",
            "is_charged_immediately": True,
            "is_monthly": True,
            "is_nsfw": False,
            "has_rss": False,
            "has_sent_rss_notify": False,
            "main_video_embed": None,
            "main_video_url": None,
            "name": f"Sandbox Campaign {c + 1}",
            "one_liner": "Emulated campaign for paysupport tests",
            "pay_per_name": "month",
            "patron_count": 0,  # filled in from the members when served
            "pledge_url": f"/checkout/{vanity}",
            "published_at": iso(created + 2 * DAY),
            "rss_artwork_url": None,
            "rss_feed_title": None,
            "show_earnings": rng.random() < 0.5,
            "summary": "A campaign that exists only inside the paysupport emulator.",
            "thanks_embed": None,
            "thanks_msg": "Thank you for supporting the sandbox!",
            "thanks_video_url": None,
            "url": f"https://www.patreon.com/{vanity}",
            "vanity": vanity,
        }
        record = CampaignRecord(c, cid, attributes, [], [], [], [])
        for b in range(n_benefits):
            bid = str(8_200_000 + c * 1000 + b)
            record.benefit_ids.append(bid)
            self.benefits[bid] = {
                "app_external_id": None,
                "app_meta": None,
                "benefit_type": "custom",
                "created_at": iso(created + (b + 1) * DAY),
                "deliverables_due_today_count": 0,
                "delivered_deliverables_count": rng.randrange(50),
                "description": f"Benefit number {b + 1}",
                "is_deleted": False,
                "is_ended": False,
                "is_published": True,
                "next_deliverable_due_date": None,
                "not_delivered_deliverables_count": rng.randrange(5),
                "rule_type": "eom_monthly",
                "tiers_count": 0,
                "title": ["Early access", "Discord role", "Monthly sticker", "Credits"][b % 4],
            }
        for t in range(n_tiers):
            tid = str(8_100_000 + c * 1000 + t)
            amount = TIER_AMOUNTS[t] if t < len(TIER_AMOUNTS) else TIER_AMOUNTS[-1] * (t - 4)
            record.tier_ids.append(tid)
            limit = 100 if t == n_tiers - 1 and n_tiers > 1 else None
            self.tiers[tid] = {
                "amount_cents": amount,
                "created_at": iso(created + (t + 1) * DAY),
                "description": f"Support the sandbox at ${amount / 100:.2f} a month",
                "discord_role_ids": None,
                "edited_at": iso(created + (t + 30) * DAY),
                "image_url": None,
                "patron_count": 0,
                "post_count": 0,
                "published": True,
                "published_at": iso(created + (t + 2) * DAY),
                "remaining": limit,
                "requires_shipping": t == n_tiers - 1 and n_tiers > 1,
                "title": f"Tier {t + 1}",
                "unpublished_at": None,
                "url": f"https://www.patreon.com/join/sandbox/checkout?rid={tid}",
                "user_limit": limit,
            }
            # tier t grants the first t+1 benefits (higher tiers get more)
            self.tier_benefits[tid] = record.benefit_ids[: t + 1]
        for bid in record.benefit_ids:
            self.benefits[bid]["tiers_count"] = sum(
                bid in self.tier_benefits[tid] for tid in record.tier_ids
            )
        for g in range(n_goals):
            gid = str(8_300_000 + c * 100 + g)
            record.goal_ids.append(gid)
            reached = g == 0
            self.goals[gid] = {
                "amount_cents": 50_000 * (g + 1),
                "completed_percentage": 100 if reached else rng.randrange(10, 99),
                "created_at": iso(created + (g + 3) * DAY),
                "description": f"Goal {g + 1}: keep the sandbox running",
                "reached_at": iso(created + 200 * DAY) if reached else None,
                "title": f"Goal {g + 1}",
            }
        rule_types = ["public", "patron"] + ["tier"] * len(record.tier_ids)
        for r, kind in enumerate(rule_types):
            rid = str(8_400_000 + c * 1000 + r)
            record.rule_ids.append(rid)
            self.rules[rid] = {"access_rule_type": kind}
        record.seeded_members = record.next_member = n_members
        record.live_members = list(range(n_members))
        self.campaigns.append(record)
        self.campaigns_by_id[cid] = record

    def _seed_post_attributes(self, c: int, rng: random.Random) -> dict[str, Any]:
        record = self.campaigns[c]
        public = rng.random() < 0.5
        return {
            "app_id": None,
            "app_status": None,
            "content": f"<p>Sandbox update {rng.randrange(10_000)}</p>",
            "embed_data": None,
            "embed_url": None,
            "is_paid": False,
            "is_public": public,
            "published_at": iso(BASE_TIME - rng.randrange(1, 700) * DAY),
            "tiers": [] if public else [rng.choice(record.tier_ids)],
            "title": f"Sandbox post about {rng.choice(LAST_NAMES)}",
        }

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
        record = self.campaigns[c]
        rng = random.Random((self.seed * 1_000_003 + c) * 100_000_007 + i)
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        roll = rng.random()
        status: str | None
        if roll < 0.7:
            status = "active_patron"
        elif roll < 0.8:
            status = "declined_patron"
        elif roll < 0.95:
            status = "former_patron"
        else:
            status = None
        tier_id = rng.choice(record.tier_ids) if status else None
        amount = int(self.tiers[tier_id]["amount_cents"]) if tier_id else 0
        start = BASE_TIME - rng.randrange(30, 900) * DAY
        months = max(1, int((BASE_TIME - start) // (30 * DAY)))
        lifetime = amount * (months if status == "active_patron" else max(1, months // 2))
        cadence = 12 if rng.random() < 0.1 else 1
        last_charge = BASE_TIME - rng.randrange(1, 29) * DAY
        email = f"{first}.{last}.{c}.{i}@example.com".lower()
        attributes: dict[str, Any] = {
            "campaign_lifetime_support_cents": lifetime if status else 0,
            "currently_entitled_amount_cents": amount if status == "active_patron" else 0,
            "email": email,
            "full_name": f"{first} {last}",
            "is_follower": False,
            "is_free_trial": False,
            "is_gifted": rng.random() < 0.03,
            "last_charge_date": iso(last_charge) if status else None,
            "last_charge_status": {
                "active_patron": "Paid",
                "declined_patron": "Declined",
                "former_patron": "Paid",
            }.get(status or ""),
            "lifetime_support_cents": lifetime if status else 0,
            "next_charge_date": iso(last_charge + 30 * DAY * cadence)
            if status in ("active_patron", "declined_patron")
            else None,
            "note": "",
            "patron_status": status,
            "pledge_cadence": cadence if status else None,
            "pledge_relationship_start": iso(start) if status else None,
            "will_pay_amount_cents": amount
            if status in ("active_patron", "declined_patron")
            else 0,
        }
        user = {
            "about": None,
            "can_see_nsfw": rng.random() < 0.5,
            "created": iso(start - rng.randrange(1, 400) * DAY),
            "email": email,
            "first_name": first,
            "full_name": f"{first} {last}",
            "hide_pledges": rng.random() < 0.2,
            "image_url": f"https://c8.patreon.com/2/200/{self.member_user_id(c, i)}",
            "is_creator": False,
            "is_email_verified": rng.random() < 0.9,
            "last_name": last,
            "like_count": rng.randrange(200),
            "social_connections": {"discord": None},
            "thumb_url": f"https://c8.patreon.com/2/100/{self.member_user_id(c, i)}",
            "url": f"https://www.patreon.com/user?u={self.member_user_id(c, i)}",
            "vanity": None,
        }
        address = None
        if status and (self.tiers[tier_id or ""]["requires_shipping"] or rng.random() < 0.2):
            city, state, postal = rng.choice(CITIES)
            address = {
                "addressee": f"{first} {last}",
                "city": city,
                "country": "US",
                "created_at": iso(start),
                "line_1": f"{rng.randrange(1, 999)} {rng.choice(LAST_NAMES)} Street",
                "line_2": None,
                "phone_number": None,
                "postal_code": postal,
                "state": state,
            }
        events: list[tuple[str, dict[str, Any]]] = []
        if status and tier_id:
            title = self.tiers[tier_id]["title"]
            base_id = int(self.member_user_id(c, i)) * 10

            def event(kind: str, k: int, when: float, paid: bool) -> None:
                events.append(
                    (
                        f"{kind}:{base_id + k}",
                        {
                            "amount_cents": amount,
                            "currency_code": "USD",
                            "date": iso(when),
                            "pledge_payment_status": "valid" if paid else "declined",
                            "payment_status": "Paid" if paid else "Declined",
                            "tier_id": tier_id,
                            "tier_title": title,
                            "type": kind,
                        },
                    )
                )

            event("pledge_start", 0, start, True)
            event("subscription", 1, last_charge, status != "declined_patron")
            if status == "former_patron":
                event("pledge_delete", 2, last_charge + DAY, True)
        tiers = (tier_id,) if status == "active_patron" and tier_id else ()
        return MemberRecord(c, i, attributes, user, tiers, address, tuple(events))

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
