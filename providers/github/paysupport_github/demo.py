"""``paysupport demo`` for GitHub Sponsors: login, sponsors, supporters, entitlement, a webhook.

Every step goes over HTTP to the sandbox's emulator through the same client
code an application uses: the login answers GitHub's consent page as a
browser would, and the webhook is delivered to a receiver served on
127.0.0.1 and verified with its HMAC-SHA256 signature.
"""

from __future__ import annotations

import secrets
import threading
from collections import Counter

import requests

from paysupport.demo import DemoSteps
from paysupport.money import totals
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.sandbox.serving import start_server
from paysupport.supporters import Supporter
from paysupport_github.client import GitHubClient
from paysupport_github.resources import Sponsorship
from paysupport_github.webhooks import DeliveryLog, SponsorshipEvent, WebhookReceiver


def _client(sandbox: Sandbox, **settings: str) -> GitHubClient:
    client = sandbox.connect("github", **settings)
    if not isinstance(client, GitHubClient):
        raise TypeError(f"expected a GitHubClient, got {type(client).__name__}")
    return client


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    # No personal token: the maintainer logs in through GitHub's OAuth pages like anyone.
    maintainer = _client(sandbox, access_token="", login="")

    with steps.step("log in through GitHub's OAuth page (authorization code with PKCE)"):
        start = maintainer.start_login(scopes=["read:user", "user:email"])
        answer = answer_consent(start.url, "allow")
        token = maintainer.finish_login(answer.headers.get("Location", ""), start.to_dict())
        steps.detail(f"granted scopes: {' '.join(token.scope) or '(a GitHub App: permissions)'}")
        me = maintainer.identity()
        login = me.raw.login
        steps.detail(f"logged in as {me.name} ({login}, node {me.id})")

    sponsors: list[Sponsorship] = []
    with steps.step("walk every sponsor, past and private ones included"):
        walk = maintainer.walk("sponsors", past=True, count=25)
        with steps.progress("sponsors", walk.total) as advance:
            for page in walk.pages():
                sponsors.extend(page.items)
                advance(len(page.items))
        active = [s for s in sponsors if s.is_active]
        steps.detail(
            f"{len(sponsors)} sponsorships: {len(active)} active, "
            f"{sum(s.is_private for s in sponsors)} private, "
            f"{sum(s.is_one_time_payment for s in sponsors)} one-time"
        )
        steps.check(len(sponsors) == walk.total, f"read {len(sponsors)} of {walk.total}")

    supporters: list[Supporter] = []
    with steps.step("the same sponsors as supporters (the common model)"):
        supporters = list(maintainer.walk("supporters", past=True))
        statuses = Counter(str(s.status) for s in supporters)
        steps.detail(", ".join(f"{n} {status}" for status, n in statuses.most_common()))
        monthly = totals(s.monthly() for s in supporters if s.active)
        for money in monthly.values():
            steps.detail(f"recurring each month: {money.minor / 100:,.2f} {money.currency}")
        steps.check(len(supporters) == len(sponsors), "supporters and sponsors differ")

    with steps.step("entitlement: does a sponsor reach a tier's price?"):
        sponsorship = next(
            s
            for s in sponsors
            if s.is_active and s.sponsor and s.tier and not s.sponsor.is_organization
        )
        assert sponsorship.sponsor and sponsorship.tier
        who, price = sponsorship.sponsor.login, sponsorship.tier.price
        verdict = maintainer.is_sponsored_by(who, minimum=price)
        steps.detail(f"{verdict.reason}: entitled")
        steps.check(verdict.entitled, f"an active sponsor was refused: {verdict.reason}")
        above = maintainer.is_sponsored_by(who, minimum=price.minor + 1)
        steps.check(not above, "entitled above the sponsored amount")
        steps.detail(f"above {price.minor / 100:.2f} USD: {above.reason}")

    with steps.step("a sponsorship webhook delivered and verified"):
        secret = secrets.token_urlsafe(16)
        received: list[SponsorshipEvent] = []
        arrived = threading.Event()

        def handle(event: SponsorshipEvent) -> None:
            received.append(event)
            arrived.set()

        served = start_server(WebhookReceiver(secret, handle, deliveries=DeliveryLog()), quiet=True)
        try:
            root = sandbox.url("github")
            requests.post(
                f"{root}/_admin/webhooks",
                json={"url": f"{served.url}/github", "secret": secret},
                timeout=10,
            ).raise_for_status()
            requests.post(
                f"{root}/_admin/trigger",
                json={"action": "pending_tier_change", "maintainer": login},
                timeout=10,
            ).raise_for_status()
            steps.check(arrived.wait(5), "no delivery arrived")
            event = received[0]
            before = event.previous_tier.name if event.previous_tier else "?"
            after = event.tier.name if event.tier else "?"
            steps.detail(
                f"{event.action} (delivery {event.id}): signature ok; "
                f"{event.sponsor.login if event.sponsor else '?'} moves from {before} to {after}"
                f" on {event.effective_date:%Y-%m-%d}"
                if event.effective_date
                else f"{event.action}: signature ok"
            )
        finally:
            served.close()
