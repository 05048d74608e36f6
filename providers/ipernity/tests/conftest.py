"""Fixtures for the Ipernity emulator tests (helpers live in ``ipernity_testkit``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ipernity_testkit import Api, Consent, Served
from paysupport_ipernity.emulator import IpernityEmulator, create_emulator

from paysupport.emulation import EmulatorSettings
from paysupport.testing import serve_wsgi


@pytest.fixture
def serve() -> Iterator[Callable[..., Served]]:
    """``serve(settings=None, **emulator_kwargs)`` -> a served emulator and an :class:`Api`."""
    servers: list[Any] = []

    def start(settings: EmulatorSettings | None = None, **kwargs: Any) -> Served:
        emulator = IpernityEmulator(settings, **kwargs) if kwargs else create_emulator(settings)
        context = serve_wsgi(emulator)
        served = context.__enter__()
        servers.append(context)
        creds = emulator.credentials()
        api = Api(served.url, creds["api_key"], creds["api_secret"], creds["auth_token"])
        return Served(emulator, served.url, api)

    yield start
    for context in reversed(servers):
        context.__exit__(None, None, None)


@pytest.fixture
def served(serve: Callable[..., Served]) -> Served:
    """The default emulator (500 docs, 10 albums, 5 users), served."""
    return serve()


@pytest.fixture
def api(served: Served) -> Api:
    """Caller with the pre-issued token (first user, every permission)."""
    return served.api


@pytest.fixture
def consent(served: Served) -> Consent:
    return Consent(served)
