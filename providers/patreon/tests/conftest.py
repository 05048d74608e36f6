"""Every shared fixture of the Patreon tests: a served emulator, a fake clock, OAuth logins.

The classes and functions tests also use directly (``Api``, ``Login``,
``FakeClock``, ``pkce_pair``, ``USER_AGENT``) are in the one helper module,
``patreon_helpers.py``: pytest's conftest is not reliably importable by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from patreon_helpers import USER_AGENT, Api, FakeClock, Login
from paysupport_patreon.emulator import PatreonEmulator

from paysupport.emulation import EmulatorSettings
from paysupport.testing import ServedApp


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_emulator(clock: FakeClock) -> Callable[..., PatreonEmulator]:
    def make(**settings: Any) -> PatreonEmulator:
        options = {k: settings.pop(k) for k in ("max_webhook_failures",) if k in settings}
        settings.setdefault("seed", 7)
        settings.setdefault("sizes", {"members": 60, "posts": 5})
        return PatreonEmulator(EmulatorSettings(**settings), clock=clock, **options)

    return make


@pytest.fixture
def emulator(make_emulator: Callable[..., PatreonEmulator]) -> PatreonEmulator:
    return make_emulator()


@pytest.fixture
def served(emulator: PatreonEmulator, wsgi_server: Callable[..., ServedApp]) -> ServedApp:
    return wsgi_server(emulator)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["User-Agent"] = USER_AGENT
        yield session


@pytest.fixture
def creator_api(served: ServedApp, emulator: PatreonEmulator, http: requests.Session) -> Api:
    return Api(http, served.url, emulator.credentials()["creator_access_token"])


@pytest.fixture
def login(served: ServedApp, emulator: PatreonEmulator, http: requests.Session) -> Login:
    return Login(http, served.url, emulator.credentials())
