"""Every shared fixture of the Example tests: a served emulator, a client, its admin view.

The emulator is served over real HTTP on 127.0.0.1 (the core's ``wsgi_server``
fixture), so the client's tests go through the same sockets, headers and error
bodies as an application's requests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from paysupport_example.client import ExampleClient, connect
from paysupport_example.emulator import ExampleEmulator, create_emulator

from paysupport.emulation import EmulatorSettings
from paysupport.testing import ServedApp


@pytest.fixture
def emulator() -> ExampleEmulator:
    """A fresh Example service with 25 items (3 pages of the service's 10)."""
    return create_emulator(EmulatorSettings(seed=3, sizes={"items": 25}))


@pytest.fixture
def served(emulator: ExampleEmulator, wsgi_server: Callable[..., ServedApp]) -> ServedApp:
    return wsgi_server(emulator)


@pytest.fixture
def client(served: ServedApp, emulator: ExampleEmulator) -> Iterator[ExampleClient]:
    """A client with the emulator's key, its tokens in memory."""
    made = connect(base_url=served.url, token_store="memory", **emulator.credentials())
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def http(served: ServedApp) -> Iterator[Callable[..., requests.Response]]:
    """Raw requests to the served emulator: ``http("GET", "/api/me", headers=...)``."""
    with requests.Session() as session:

        def send(method: str, path: str, **kwargs: Any) -> requests.Response:
            return session.request(method, f"{served.url}{path}", timeout=10, **kwargs)

        yield send


@pytest.fixture
def admin(http: Callable[..., requests.Response]) -> Callable[[], dict[str, Any]]:
    """The emulator's ``/_admin/state``, read over HTTP as a user's test would."""

    def state() -> dict[str, Any]:
        response = http("GET", "/_admin/state")
        response.raise_for_status()
        body: dict[str, Any] = response.json()
        return body

    return state
