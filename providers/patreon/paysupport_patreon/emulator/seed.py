"""The emulator's seeded world: one creator, campaigns, tiers, benefits, goals, members, posts.

Everything derives from ``settings.seed``: the same seed and sizes give the same
world, and no date depends on "now" (seeded dates are relative to
:data:`BASE_TIME`). Members are not stored: member ``i`` of campaign ``c`` is
regenerated on demand from a per-member random stream.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from paysupport_patreon.emulator.store import CampaignRecord, MemberRecord, Store, iso

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


class SeededStore(Store):
    """A :class:`Store` holding the seeded world; ``sizes`` says how many of each."""

    def __init__(self, seed: int, sizes: Mapping[str, int]) -> None:
        super().__init__(seed)
        n_campaigns = max(1, int(sizes.get("campaigns", 1)))
        n_tiers = max(1, int(sizes.get("tiers", 4)))
        n_benefits = max(0, int(sizes.get("benefits", 3)))
        n_goals = max(0, int(sizes.get("goals", 2)))
        n_members = max(0, int(sizes.get("members", 100)))
        n_posts = max(0, int(sizes.get("posts", 20)))
        rng = random.Random(seed)
        self.creator_id = str(4_200_000 + rng.randrange(100_000))
        self.creator = self._creator_attributes()
        for c in range(n_campaigns):
            self._seed_campaign(c, rng, n_tiers, n_benefits, n_goals, n_members)
            for _ in range(n_posts):
                self._add_post(c, self._seed_post_attributes(c, rng), published=None)

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

    def _generate_member(self, c: int, i: int) -> MemberRecord:
        """Member ``i`` of campaign ``c`` as seeded, from its own random stream."""
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
