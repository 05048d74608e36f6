"""Deterministic seeded data: the same seed and sizes make the same world.

The world: a maintainer user (``MAINTAINER``) with a sponsors listing and a few
tiers, an organization (``ORGANIZATION``) that ``MAINTAINER`` administers, with a
listing of its own, and an upstream developer the maintainer sponsors.
``sizes["sponsors"]`` (default 30) sponsors fund the maintainer,
``sizes["org_sponsors"]`` (default 4) the organization. Every kind GitHub has
appears among the first ten sponsors, whatever the seed: users and
organizations, public and private, monthly and one-time, listed tiers and
custom amounts, paid through GitHub or a linked Patreon account, active and
past (cancelled) sponsorships. Later sponsors draw their kinds at random.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

from paysupport_github.emulator.store import Account, Sponsorship, Store, Tier

MAINTAINER = "mona"
ORGANIZATION = "paysupport-sandbox"
UPSTREAM = "upstream-dev"
#: 2023-01-01T00:00:00Z: seeded dates count from here, so they do not depend on the clock.
EPOCH = 1_672_531_200.0
DAY = 86_400.0

_FIRST = ("Ada", "Grace", "Linus", "Guido", "Margaret", "Ken", "Barbara", "Dennis", "Frances")
_LAST = ("Lovelace", "Hopper", "Torvalds", "Rossum", "Hamilton", "Thompson", "Liskov", "Ritchie")
_ORGS = ("acme", "initech", "globex", "umbrella", "hooli", "vandelay", "wonka", "stark")

#: (name, monthly cents, one time) of the maintainer's listed tiers.
MAINTAINER_TIERS = (
    ("$1 a month", 100, False),
    ("$5 a month", 500, False),
    ("$25 a month", 2500, False),
    ("$50 one time", 5000, True),
)


def _user(store: Store, login: str, name: str | None, public_email: bool, at: float) -> Account:
    return store.add_account(
        Account(
            login,
            "User",
            store.new_id(),
            name,
            f"{login}@users.sandbox.example",
            public_email,
            at,
        )
    )


def _listing(store: Store, maintainer: str, tiers: tuple[tuple[str, int, bool], ...]) -> list[Tier]:
    made = []
    for index, (name, cents, one_time) in enumerate(tiers):
        description = f"Thank you for supporting {maintainer}!"
        tier = Tier(store.new_id(), maintainer, name, description, cents, one_time, False, EPOCH)
        tier.created_at = EPOCH + index * 60
        made.append(store.add_tier(tier))
    account = store.account(maintainer)
    if account is not None:
        account.sponsorable = True
    return made


def _sponsors(
    store: Store,
    rng: random.Random,
    maintainer: str,
    tiers: list[Tier],
    count: int,
    prefix: str,
) -> None:
    for i in range(count):
        fixed = i < 10
        is_org = (i % 7 == 3) if fixed else rng.random() < 0.15
        private = (i % 5 == 1) if fixed else rng.random() < 0.2
        one_time = (i % 6 == 2) if fixed else rng.random() < 0.15
        custom = (i % 8 == 4) if fixed else rng.random() < 0.15
        patreon = (i % 9 == 5) if fixed else rng.random() < 0.1
        past = (i % 10 == 7) if fixed else rng.random() < 0.15
        created = EPOCH + (i + 1) * DAY + rng.randrange(0, 3600)
        if is_org:
            login = f"{prefix}{rng.choice(_ORGS)}-{i + 1}"
            account = store.add_account(
                Account(
                    login,
                    "Organization",
                    store.new_id(),
                    login.title().replace("-", " "),
                    f"billing@{login}.sandbox.example",
                    rng.random() < 0.5,
                    created - 30 * DAY,
                    admins=(MAINTAINER,) if i == 3 else (),
                )
            )
        else:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            login = f"{prefix}{first.lower()}-{last.lower()}-{i + 1}"
            account = _user(store, login, f"{first} {last}", rng.random() < 0.5, created - 30 * DAY)
        if custom:
            cents = rng.randrange(2, 40) * 100
            tier = store.custom_tier(maintainer, cents, one_time, created)
        else:
            choices = [t for t in tiers if t.is_one_time == one_time] or tiers
            tier = rng.choice(choices)
        store.add_sponsorship(
            Sponsorship(
                store.new_id(),
                account.login,
                maintainer,
                tier.database_id,
                created,
                created,
                "PRIVATE" if private else "PUBLIC",
                "PATREON" if patreon and not one_time else "GITHUB",
                # a one-time payment's sponsorship stays active for the month it pays for;
                # seeded past sponsorships are the cancelled ones
                is_active=not past,
            )
        )


def seed(seed: int, sizes: Mapping[str, int]) -> Store:
    """The seeded world for ``seed`` and ``sizes`` (``sponsors``, ``org_sponsors``)."""
    rng = random.Random(f"github-sandbox/{seed}")
    store = Store()
    _user(store, MAINTAINER, "Mona Lisa Octocat", True, EPOCH - 400 * DAY)
    store.add_account(
        Account(
            ORGANIZATION,
            "Organization",
            store.new_id(),
            "paysupport sandbox",
            "sponsors@paysupport-sandbox.example",
            True,
            EPOCH - 300 * DAY,
            admins=(MAINTAINER,),
        )
    )
    _user(store, UPSTREAM, "Upstream Developer", False, EPOCH - 900 * DAY)
    tiers = _listing(store, MAINTAINER, MAINTAINER_TIERS)
    org_tiers = _listing(store, ORGANIZATION, (("$10 a month", 1000, False),))
    upstream_tiers = _listing(store, UPSTREAM, (("$5 a month", 500, False),))
    _sponsors(store, rng, MAINTAINER, tiers, max(0, sizes.get("sponsors", 30)), "")
    _sponsors(store, rng, ORGANIZATION, org_tiers, max(0, sizes.get("org_sponsors", 4)), "org-")
    store.add_sponsorship(
        Sponsorship(
            store.new_id(),
            MAINTAINER,
            UPSTREAM,
            upstream_tiers[0].database_id,
            EPOCH + 5 * DAY,
            EPOCH + 5 * DAY,
            "PUBLIC",
            "GITHUB",
        )
    )
    return store


def first_user_sponsor(store: Store) -> Account:
    """The first active, public, monthly user sponsor of :data:`MAINTAINER` (the demo's sponsor)."""
    for sponsorship in store.as_maintainer(MAINTAINER):
        account = store.account(sponsorship.sponsor)
        tier = store.tiers[sponsorship.tier_id]
        if (
            account is not None
            and account.kind == "User"
            and sponsorship.is_active
            and sponsorship.privacy == "PUBLIC"
            and not tier.is_one_time
        ):
            return account
    raise LookupError("the seed has no public monthly user sponsor")
