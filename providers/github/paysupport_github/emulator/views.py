"""JSON shapes of records in webhook payloads, as octokit/webhooks' schemas and examples show them.

Webhook payloads use GitHub's REST shapes (snake_case, ``node_id``, the
``*_url`` family), not GraphQL's; ``created_at`` keeps the ``+00:00`` offset of
the payload examples.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from paysupport_github.emulator.store import Account, Sponsorship, Store, Tier


def webhook_time(seconds: float) -> str:
    """The examples' timestamp format: ``2019-12-20T19:24:46+00:00``."""
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def user(account: Account, api: str, html: str) -> dict[str, Any]:
    """A user or organization as ``common/user.schema.json`` describes it."""
    login, number = account.login, account.database_id
    base = f"{api}/users/{login}"
    return {
        "login": login,
        "id": number,
        "node_id": account.node_id,
        "avatar_url": f"{html}/avatars/u/{number}?",
        "gravatar_id": "",
        "url": base,
        "html_url": f"{html}/{login}",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following{{/other_user}}",
        "gists_url": f"{base}/gists{{/gist_id}}",
        "starred_url": f"{base}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{base}/subscriptions",
        "organizations_url": f"{base}/orgs",
        "repos_url": f"{base}/repos",
        "events_url": f"{base}/events{{/privacy}}",
        "received_events_url": f"{base}/received_events",
        "type": account.kind,
        "site_admin": False,
    }


def tier(record: Tier) -> dict[str, Any]:
    """A tier as ``common/sponsorship-tier.schema.json`` describes it."""
    return {
        "node_id": record.node_id,
        "created_at": datetime.fromtimestamp(record.created_at, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        ),
        "description": record.description,
        "monthly_price_in_cents": record.monthly_price_in_cents,
        "monthly_price_in_dollars": record.monthly_price_in_cents // 100,
        "name": record.name,
        "is_one_time": record.is_one_time,
        "is_custom_amount": record.is_custom_amount,
    }


def sponsorship(store: Store, record: Sponsorship, api: str, html: str) -> dict[str, Any]:
    """The ``sponsorship`` object of a ``sponsorship`` event."""
    sponsor = store.account(record.sponsor)
    maintainer = store.account(record.maintainer)
    assert sponsor is not None and maintainer is not None
    return {
        "node_id": record.node_id,
        "created_at": webhook_time(record.created_at),
        "sponsorable": user(maintainer, api, html),
        "sponsor": user(sponsor, api, html),
        "privacy_level": record.privacy.lower(),
        "tier": tier(store.tiers[record.tier_id]),
    }
