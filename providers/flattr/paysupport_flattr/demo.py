"""``paysupport demo`` for Flattr: log in, register a blog post, flattr an episode, subscribe.

Everything goes over HTTP to the sandbox's Flattr emulator through the real
client: the OAuth consent page is answered as a browser would, and the
emulator's admin view confirms what the API calls claim (one thing, one flattr).
"""

from __future__ import annotations

from typing import Any

import requests

from paysupport.demo import DemoSteps
from paysupport.sandbox import Sandbox, answer_consent

from .client import FlattrClient
from .errors import AlreadyFlattred

BLOG_POST = "https://blog.example/2024/05/why-we-flattr"
EPISODE = "https://podcast.example/episodes/42-open-source-money"


def run(sandbox: Sandbox, steps: DemoSteps) -> None:
    client = sandbox.connect("flattr")
    assert isinstance(client, FlattrClient)
    admin = _Admin(sandbox.url("flattr"))
    preissued = sandbox.credentials("flattr").get("access_token")
    with client:
        _demo(client, admin, steps, preissued)


class _Admin:
    """The emulator's own JSON view: what really happened, independent of the client."""

    def __init__(self, root: str) -> None:
        self.root = root

    def get(self, path: str, **params: str) -> Any:
        answer = requests.get(f"{self.root}/_admin/{path}", params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()


def _demo(client: FlattrClient, admin: _Admin, steps: DemoSteps, preissued: str | None) -> None:
    assert client.oauth is not None
    with steps.step("log in with OAuth 2 (consent page answered like a browser)"):
        login = client.oauth.authorization_url()
        steps.detail(f"scopes asked: {' '.join(login.scopes)}")
        answer = answer_consent(login.url, "allow")
        callback = answer.headers.get("Location", "")
        steps.check(answer.status_code == 302 and "code=" in callback, "no code in the callback")
        token = client.oauth.fetch_token(authorization_response=callback, request=login)
        steps.check(token.access_token != preissued, "still using the pre-issued token")
        steps.detail("code exchanged for a new token (client authenticated with HTTP Basic)")
        me = client.identity()
        steps.detail(f"logged in as {me.name} ({me.id}), email {me.email}")
        budget = client.rate_limit
        if budget is not None:
            steps.detail(f"rate limit: {budget.remaining} of {budget.limit} requests left")

    with steps.step("register a blog post as a thing"):
        before = admin.get("state")["things_count"]
        first = client.register(
            BLOG_POST,
            "Why we flattr",
            description="Small payments, big thanks.",
            tags=["blog", "money"],
            language="en_GB",
            category="text",
        )
        steps.check(first.created, "the first registration did not create a thing")
        steps.detail(f"created thing {first.id} for {first.url}")
        if first.thing is not None:
            steps.detail(f"the thing's page: {first.thing.link}")
        steps.check(admin.get("state")["things_count"] == before + 1, "expected one new thing")

    with steps.step("register it again: nothing new"):
        again = client.register(
            BLOG_POST,
            "Why we flattr",
            description="Small payments, big thanks.",
            tags=["blog", "money"],
            language="en_GB",
            category="text",
        )
        steps.check(again.unchanged and again.id == first.id, f"second run changed: {again}")
        steps.check(admin.get("state")["things_count"] == before + 1, "a duplicate was created")
        steps.detail(f"thing {again.id} found by lookup, no field differed, no write sent")

    with steps.step("flattr a podcast episode through its auto-submit payment link"):
        link = client.autosubmit_url(
            "flattr", EPISODE, title="42: Open source money", tags=["podcast"], category="audio"
        )
        steps.detail(f"payment link: {link.split('?')[0]}?user_id=flattr&url=...")
        steps.check(client.is_autosubmit_url(link), "the link is not recognised as auto-submit")
        result = client.support(link)
        steps.detail(f"flattred thing {result.thing_id} ({result.thing.title!r})")
        try:
            client.support(link)
            steps.check(False, "a second flattr was accepted")
        except AlreadyFlattred as refusal:
            steps.detail(f"flattring again is refused: {refusal.code}")
        recorded = admin.get("flattrs", url=EPISODE)
        steps.check(recorded["count"] == 1, f"expected one flattr, found {recorded['count']}")
        steps.detail("the emulator recorded exactly one flattr of the episode")

    with steps.step("subscribe to the podcast and pause the subscription"):
        client.subscriptions.subscribe(result.thing_id)
        steps.check(client.subscriptions.pause(result.thing_id), "the subscription was not paused")
        mine = client.subscriptions.get(result.thing_id)
        steps.check(mine is not None and not mine.active, "the subscription is still active")
        user = next(u for u in admin.get("state")["users"] if u["username"] == me.id)
        entry = [s for s in user["subscriptions"] if s["thing_id"] == result.thing_id]
        steps.check(entry == [{"thing_id": result.thing_id, "active": False}], "admin disagrees")
        steps.detail(f"subscribed to thing {result.thing_id}, now paused")
        status = client.rate_limit_status()
        steps.detail(f"requests used this period: {status.current} of {status.limit}")
