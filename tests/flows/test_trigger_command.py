"""``paysupport trigger``: a developer sends their own app signed test deliveries, by hand."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from paysupport_github.webhooks import SponsorshipEvent, WebhookReceiver as GitHubReceiver
from paysupport_patreon.client import PatreonClient
from paysupport_patreon.webhooks import WebhookEvent, WebhookReceiver as PatreonReceiver

from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import SandboxClaim
from paysupport.testing import ServedApp

SECRET = "my-app-verifies-with-this"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "paysupport.cli", *args],
        capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


class App:
    """The developer's app: Patreon deliveries at /patreon, GitHub's at /github."""

    def __init__(self) -> None:
        self.received: list[WebhookEvent | SponsorshipEvent] = []
        self.patreon = PatreonReceiver(SECRET, self.received.append)
        self.github = GitHubReceiver(SECRET, self.received.append)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        receiver = self.patreon if environ["PATH_INFO"] == "/patreon" else self.github
        return receiver(environ, start_response)


@pytest.fixture
def app(wsgi_server: Callable[[Any], ServedApp]) -> Iterator[tuple[App, str]]:
    served = App()
    yield served, wsgi_server(served).url


def test_a_patreon_trigger_with_the_app_s_secret_is_accepted(app: tuple[App, str]) -> None:
    receiver, root = app
    done = cli("trigger", "patreon", "members:pledge:create", "--to", f"{root}/patreon",
               "--secret", SECRET)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"patreon members:pledge:create -> {root}/patreon: HTTP 200" in done.stdout
    [event] = receiver.received
    assert isinstance(event, WebhookEvent) and event.trigger == "members:pledge:create"
    assert event.member is not None and event.member.is_active


def test_a_wrong_secret_is_refused_by_the_app_and_the_command_fails(app: tuple[App, str]) -> None:
    receiver, root = app
    done = cli("trigger", "github", "sponsorship.cancelled", "--to", f"{root}/github",
               "--secret", "a-guess")  # fmt: skip
    assert done.returncode == 1
    assert "HTTP 403" in done.stderr and "bad signature" in done.stderr
    assert receiver.received == []


def test_github_s_stored_secret_is_the_webhook_secret_setting(app: tuple[App, str]) -> None:
    receiver, root = app
    env = {**os.environ, "GITHUB_WEBHOOK_SECRET": SECRET}
    done = cli("trigger", "github", "sponsorship.tier_changed", "--to", f"{root}/github",
               "--with", "tier=$25 a month", env=env)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [event] = receiver.received
    assert isinstance(event, SponsorshipEvent) and event.action == "tier_changed"
    assert event.tier is not None and event.tier.name == "$25 a month"


def test_without_any_secret_the_command_says_how_to_give_one(app: tuple[App, str]) -> None:
    receiver, root = app
    done = cli("trigger", "github", "sponsorship.created", "--to", f"{root}/github")
    assert done.returncode == 2
    assert "pass --secret" in done.stderr
    assert receiver.received == []


def test_an_unknown_event_lists_the_known_ones(app: tuple[App, str]) -> None:
    _, root = app
    done = cli("trigger", "github", "created", "--to", f"{root}/github", "--secret", SECRET)
    assert done.returncode == 2
    assert "known: sponsorship.created, sponsorship.cancelled" in done.stderr


def test_patreon_s_stored_secret_is_the_registered_webhook_s_in_the_sandbox(
    app: tuple[App, str],
) -> None:
    receiver, root = app
    with Sandbox(SandboxOptions(sizes={"members": 30})) as sandbox, SandboxClaim() as claim:
        claim.publish(sandbox)  # `paysupport sandbox` running in another terminal
        creator = sandbox.connect("patreon", PatreonClient)
        campaign = next(iter(creator.walk("campaigns")))
        hook = creator.create_webhook(campaign.id, f"{root}/patreon", ["members:create"])
        assert hook.secret
        receiver.patreon.secret = hook.secret  # the app verifies with the registered secret
        done = cli("--sandbox", "trigger", "patreon", "posts:publish", "--to", f"{root}/patreon")
    assert done.returncode == 0, done.stderr
    [event] = receiver.received
    assert isinstance(event, WebhookEvent) and event.post is not None
