"""``paysupport demo`` for Patreon: login, identity, campaign, 1,000 members, gating, a webhook.

Every step goes over HTTP to the sandbox's emulator, through the same client
code an application uses: the login posts the consent form as a browser would,
and the webhook is delivered to a receiver served on 127.0.0.1 and verified.
"""

from __future__ import annotations

import threading
from collections import Counter

import requests

from paysupport.demo import DemoSteps
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.sandbox.serving import start_server
from paysupport_patreon.client import PatreonClient
from paysupport_patreon.resources import Campaign, Member
from paysupport_patreon.webhooks import WebhookEvent, WebhookReceiver

SCOPES = ["identity", "identity[email]", "campaigns", "campaigns.members", "w:campaigns.webhook"]


def _client(sandbox: Sandbox, **settings: str) -> PatreonClient:
    client = sandbox.connect("patreon", **settings)
    if not isinstance(client, PatreonClient):
        raise TypeError(f"expected a PatreonClient, got {type(client).__name__}")
    return client


def _login(client: PatreonClient, scopes: list[str], **extra: str) -> str:
    assert client.oauth is not None
    request = client.oauth.authorization_url(scopes, **extra)
    answer = answer_consent(request.url, "allow")
    location = answer.headers.get("Location", "")
    token = client.oauth.fetch_token(authorization_response=location, request=request)
    return " ".join(token.scope)


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    # No creator token: the creator logs in through the consent page like anyone.
    creator = _client(sandbox, creator_access_token="", creator_refresh_token="")

    with steps.step("log in through Patreon's consent page (OAuth 2 with PKCE)"):
        granted = _login(creator, SCOPES)
        steps.detail(f"granted scopes: {granted}")

    with steps.step("identity"):
        me = creator.identity()
        steps.detail(f"logged in as {me.name} <{me.email}> (user {me.id})")
        steps.check(bool(me.id), "identity has no id")

    campaign: Campaign | None = None
    with steps.step("campaign"):
        campaign = next(iter(creator.walk("campaigns")))
        document = creator.get_campaign(campaign.id, ["tiers"], {"tier": ["title", "amount_cents"]})
        tiers = Campaign(document.data_list()[0]).tiers
        steps.detail(f"{campaign.name}: {campaign.url} ({campaign.patron_count} active patrons)")
        steps.detail(
            "tiers: " + ", ".join(f"{t.title} ${(t.amount_cents or 0) / 100:.0f}" for t in tiers)
        )
        steps.detail(f"pledge page: {campaign.pledge_url}")

    members: list[Member] = []
    with steps.step("walk every member, with user and entitled tiers"):
        assert campaign is not None
        walk = creator.walk("members", campaign=campaign.id)
        with steps.progress("members", walk.total) as advance:
            for page in walk.pages():
                members.extend(page.items)
                advance(len(page.items))
        statuses = Counter(m.patron_status or "never pledged" for m in members)
        steps.detail(
            f"{len(members)} members: " + ", ".join(f"{n} {s}" for s, n in statuses.most_common())
        )
        cents = sum(m.currently_entitled_amount_cents or 0 for m in members)
        steps.detail(f"entitled this month: ${cents / 100:,.2f}")
        steps.check(len(members) == walk.total, f"read {len(members)} of {walk.total} members")
        steps.check(len({m.id for m in members}) == len(members), "a member came twice")

    with steps.step("content gating: is a patron entitled?"):
        assert campaign is not None
        patron = next(m for m in members if m.is_active and m.entitled_tier_ids)
        patron_client = _client(sandbox, creator_access_token="", creator_refresh_token="")
        _login(patron_client, ["identity", "identity.memberships"], login_as=patron.user_id or "")
        verdict = creator.entitlement(patron_client, campaign.id, tier_ids=patron.entitled_tier_ids)
        steps.detail(
            f"{patron.full_name}: {verdict.reason}, ${verdict.amount_cents / 100:.2f}, "
            f"tiers {', '.join(verdict.tier_ids)}"
        )
        steps.check(verdict.entitled, f"an active patron was refused: {verdict.reason}")
        too_much = creator.is_entitled(
            patron_client, campaign.id, min_cents=verdict.amount_cents + 1
        )
        steps.check(not too_much, "entitled above the pledged amount")
        steps.detail(f"above ${verdict.amount_cents / 100:.2f}: not entitled, as expected")

    with steps.step("a webhook delivered and verified"):
        assert campaign is not None
        received: list[WebhookEvent] = []
        arrived = threading.Event()

        def handle(event: WebhookEvent) -> None:
            received.append(event)
            arrived.set()

        receiver = WebhookReceiver("", handle)
        served = start_server(receiver, quiet=True)
        try:
            hook = creator.create_webhook(campaign.id, f"{served.url}/patreon", ["members:update"])
            receiver.secret = hook.secret or ""
            steps.detail(f"webhook {hook.id} registered for {', '.join(hook.triggers)}")
            member = members[0]
            requests.patch(
                f"{sandbox.url('patreon')}/_admin/members/{member.id}",
                json={"note": "sent a thank-you card"},
                timeout=10,
            ).raise_for_status()
            steps.check(arrived.wait(5), "no delivery arrived")
            event = received[0]
            changed = event.member
            steps.detail(
                f"{event.trigger} for {changed.full_name if changed else '?'}: signature ok"
            )
            steps.detail(f"note now: {changed.note if changed else None!r}")
            creator.delete_webhook(hook.id)
        finally:
            served.close()
