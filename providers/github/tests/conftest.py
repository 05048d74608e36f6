"""Fixtures of the GitHub provider's tests: a served emulator, its credentials, GraphQL calls.

The module-scoped ``emulator`` (seed 7, 40 sponsors) is served once per test
module at ``served.url``; tests that change its state or spend its rate limit
use ``make_served`` instead, which serves a fresh emulator on a fake clock.
``credentials`` is what ``emulator.credentials()`` gives a client:
``access_token`` (the maintainer's personal token), ``sponsor_access_token``,
``client_id``/``client_secret`` (an OAuth app), ``app_client_id``/
``app_client_secret`` (a GitHub App with expiring user tokens), ``redirect_uri``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from github_helpers import USER_AGENT, FakeClock, Served
from paysupport_github.emulator import GitHubEmulator

from paysupport.emulation import EmulatorSettings
from paysupport.sandbox.serving import ServedApp, start_server


def _serve(emulator: GitHubEmulator) -> tuple[ServedApp, requests.Session]:
    served = start_server(emulator, quiet=True)
    http = requests.Session()
    http.headers["User-Agent"] = USER_AGENT
    return served, http


@pytest.fixture(scope="module")
def emulator() -> GitHubEmulator:
    return GitHubEmulator(EmulatorSettings(seed=7, sizes={"sponsors": 40}))


@pytest.fixture(scope="module")
def served(emulator: GitHubEmulator) -> Iterator[Served]:
    app, http = _serve(emulator)
    try:
        yield Served(emulator, app.url, http)
    finally:
        http.close()
        app.close()


@pytest.fixture(scope="module")
def credentials(emulator: GitHubEmulator) -> dict[str, str]:
    return emulator.credentials()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_served(clock: FakeClock) -> Iterator[Callable[..., Served]]:
    """Serve a fresh emulator on ``clock``: ``make_served(sizes=..., secondary_limit=...)``."""
    opened: list[tuple[ServedApp, requests.Session]] = []

    def make(**options: Any) -> Served:
        fields = ("seed", "sizes", "token_lifetime", "rate_limit", "rate_window")
        settings = {k: options.pop(k) for k in fields if k in options}
        settings.setdefault("seed", 7)
        settings.setdefault("sizes", {"sponsors": 12})
        emulator = GitHubEmulator(EmulatorSettings(**settings), clock=clock, **options)
        app, http = _serve(emulator)
        opened.append((app, http))
        return Served(emulator, app.url, http)

    yield make
    for app, http in opened:
        http.close()
        app.close()
