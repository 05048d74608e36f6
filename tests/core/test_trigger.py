"""``paysupport.trigger``: signed deliveries of every event, received by a real app over HTTP.

The app is each provider's own receiver (``WebhookReceiver``), served on
127.0.0.1: it verifies the signature with the provider's ``verify`` before
reading anything, so a delivery it accepts is one the real service's would be
accepted like.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from paysupport_github import webhooks as github_webhooks
from paysupport_github.catalog import SPONSORSHIP_ACTIONS
from paysupport_patreon import webhooks as patreon_webhooks
from paysupport_patreon.catalog import TRIGGERS
from paysupport_patreon.client import PatreonClient

from paysupport import trigger
from paysupport.errors import ConfigError, TransportError, Unsupported
from paysupport.sandbox import Sandbox
from paysupport.testing import ServedApp

SECRET = "the-app-s-webhook-secret"


class App:
    """A WSGI app with Patreon's receiver at /patreon and GitHub's at /github."""

    def __init__(self, secret: str) -> None:
        self.received: list[Any] = []
        self.patreon = patreon_webhooks.WebhookReceiver(secret, self.received.append)
        self.github = github_webhooks.WebhookReceiver(secret, self.received.append)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        receiver = self.patreon if environ["PATH_INFO"] == "/patreon" else self.github
        return receiver(environ, start_response)


@pytest.fixture
def app(wsgi_server: Callable[[Any], ServedApp]) -> Iterator[tuple[App, str]]:
    served_app = App(SECRET)
    yield served_app, wsgi_server(served_app).url


@pytest.mark.parametrize("event", TRIGGERS)
def test_every_patreon_trigger_is_accepted_by_patreon_s_own_receiver(
    app: tuple[App, str], event: str
) -> None:
    receiver, root = app
    sent = trigger.trigger("patreon", event, f"{root}/patreon", SECRET)
    assert (sent.status, sent.ok) == (200, True), sent.answer
    [received] = receiver.received
    assert received.trigger == event
    assert patreon_webhooks.verify(
        sent.delivery.body, sent.delivery.headers["X-Patreon-Signature"], SECRET
    )
    if event.startswith("posts:"):
        assert received.post is not None and received.post.title
    else:
        member = received.member
        assert member is not None and member.full_name
        expected = {"members:pledge:create": True, "members:pledge:delete": False}.get(event)
        if expected is not None:
            assert member.is_active is expected  # the record fits the trigger


@pytest.mark.parametrize("action", SPONSORSHIP_ACTIONS)
def test_every_github_sponsorship_action_is_accepted_by_github_s_own_receiver(
    app: tuple[App, str], action: str
) -> None:
    receiver, root = app
    sent = trigger.trigger("github", f"sponsorship.{action}", f"{root}/github", SECRET)
    assert (sent.status, sent.ok) == (200, True), sent.answer
    [event] = receiver.received
    assert event.action == action
    assert event.delivery_id == sent.delivery.headers["X-GitHub-Delivery"]
    assert event.sponsor is not None and event.tier is not None
    assert event.sponsorship.is_active is (action != "cancelled")
    changes_tier = action in ("tier_changed", "pending_tier_change")
    assert (event.previous_tier is not None) is changes_tier
    if event.previous_tier is not None:
        assert event.previous_tier.name != event.tier.name
    assert (event.effective_date is not None) is action.startswith("pending_")


def test_github_events_are_named_like_github_s_documentation() -> None:
    assert trigger.events("github") == tuple(f"sponsorship.{a}" for a in SPONSORSHIP_ACTIONS)
    assert trigger.events("patreon") == TRIGGERS


@pytest.mark.parametrize(
    ("provider", "event", "path"),
    [
        ("patreon", "members:pledge:create", "/patreon"),
        ("github", "sponsorship.created", "/github"),
    ],
)
def test_a_delivery_signed_with_another_secret_is_refused(
    app: tuple[App, str], provider: str, event: str, path: str
) -> None:
    receiver, root = app
    sent = trigger.trigger(provider, event, root + path, "not-the-app-s-secret")
    assert (sent.status, sent.ok) == (403, False)
    assert json.loads(sent.answer) == {"status": "bad signature"}
    assert receiver.received == []


def test_choices_pick_the_records_the_delivery_is_about() -> None:
    emulator = trigger.new_emulator("github")
    first = trigger.build("github", "sponsorship.created", SECRET, emulator=emulator)
    sponsor = json.loads(first.body)["sponsorship"]["sponsor"]["login"]
    tier = "$25 a month"
    moved = trigger.build(
        "github",
        "sponsorship.tier_changed",
        SECRET,
        emulator=emulator,
        choices={"sponsor": sponsor, "tier": tier},
    )
    payload = json.loads(moved.body)
    assert payload["sponsorship"]["sponsor"]["login"] == sponsor
    assert payload["sponsorship"]["tier"]["name"] == tier
    # Building changes nothing: the same sponsorship is still on its first tier.
    again = json.loads(
        trigger.build("github", "sponsorship.created", SECRET, emulator=emulator).body
    )
    assert again["sponsorship"]["tier"] == json.loads(first.body)["sponsorship"]["tier"]


def test_the_same_seed_builds_the_same_records_the_sandbox_serves() -> None:
    one = trigger.build("patreon", "members:create", SECRET, seed=3)
    two = trigger.build("patreon", "members:create", SECRET, seed=3)
    other = trigger.build("patreon", "members:create", SECRET, seed=4)
    assert one.body == two.body != other.body


def test_mistakes_are_said_before_anything_is_sent() -> None:
    with pytest.raises(ConfigError, match="known: members:create"):
        trigger.build("patreon", "member:create", SECRET)
    with pytest.raises(ConfigError, match="patreon takes campaign, member, post"):
        trigger.build("patreon", "members:create", SECRET, choices={"tier": "1"})
    with pytest.raises(ConfigError, match="no member nobody"):
        trigger.build("patreon", "members:create", SECRET, choices={"member": "nobody"})
    with pytest.raises(ConfigError, match="non-empty secret"):
        trigger.build("github", "sponsorship.created", "")
    with pytest.raises(Unsupported, match="flattr offers no webhook triggers"):
        trigger.build("flattr", "things:create", SECRET)


def test_an_app_that_is_not_there_is_a_transport_error(wsgi_server: Any) -> None:
    served = wsgi_server(App(SECRET))
    url = f"{served.url}/patreon"
    served.close()
    with pytest.raises(TransportError, match="could not deliver members:create"):
        trigger.trigger("patreon", "members:create", url, SECRET, timeout=2)


def test_the_stored_secret_is_patreon_s_registered_webhook_s(
    paysupport_sandbox: Sandbox, app: tuple[App, str]
) -> None:
    receiver, root = app
    creator = paysupport_sandbox.connect("patreon", PatreonClient)
    campaign = next(iter(creator.walk("campaigns")))
    hook = creator.create_webhook(campaign.id, f"{root}/patreon", ["members:create"])
    assert hook.secret
    stored = trigger.stored_secret("patreon", creator, f"{root}/patreon")
    assert stored == hook.secret
    assert trigger.stored_secret("patreon", creator, f"{root}/elsewhere") is None
    sent = trigger.trigger(
        "patreon",
        "members:create",
        f"{root}/patreon",
        stored,
        emulator=paysupport_sandbox.emulator("patreon"),
    )
    assert sent.status == 403  # the app verifies with its own secret, not this webhook's
    receiver.patreon.secret = stored
    assert trigger.trigger("patreon", "members:create", f"{root}/patreon", stored).ok


def test_the_stored_secret_is_github_s_webhook_secret_setting(paysupport_sandbox: Sandbox) -> None:
    with_setting = paysupport_sandbox.connect("github", webhook_secret="from-settings")
    assert trigger.stored_secret("github", with_setting, "http://app.example/github") == (
        "from-settings"
    )
    without = paysupport_sandbox.connect("github")
    assert trigger.stored_secret("github", without, "http://app.example/github") is None


def test_the_fixture_sends_from_one_emulator_per_test(
    paysupport_trigger: Callable[..., trigger.Sent], app: tuple[App, str]
) -> None:
    receiver, root = app
    first = paysupport_trigger("github", "sponsorship.created", to=f"{root}/github", secret=SECRET)
    login = receiver.received[0].sponsor.login
    cancelled = paysupport_trigger(
        "github", "sponsorship.cancelled", to=f"{root}/github", secret=SECRET, sponsor=login
    )
    assert first.ok and cancelled.ok
    assert [e.action for e in receiver.received] == ["created", "cancelled"]
    assert receiver.received[1].sponsor.login == login
