"""Every shared fixture of the Ipernity emulator and client tests.

The fixtures serve emulators (``serve``, ``served``), call them (``api``, ``consent``) and
make clients on them (``connect``, ``client``). The plain types and functions that tests
also name in their own signatures and bodies (``Served``, ``Api``, ``Consent``,
``client_for``, ``Requests``...) live in the one helper module ``ipernity_helpers.py``,
since a conftest cannot be imported by name reliably.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from ipernity_helpers import Api, Consent, Served, client_for
from paysupport_ipernity.client import IpernityClient
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


# -- the client's fixtures ------------------------------------------------------------


@pytest.fixture
def connect(served: Served) -> Iterator[Callable[..., IpernityClient]]:
    """``connect(**overrides)`` -> an :class:`IpernityClient` on the served emulator.

    Starts from the emulator's credentials (with the pre-issued token) and a fresh memory
    token store; an override of ``None`` leaves that setting out.
    """
    clients: list[IpernityClient] = []

    def make(**overrides: Any) -> IpernityClient:
        clients.append(client_for(served, **overrides))
        return clients[-1]

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(connect: Callable[..., IpernityClient]) -> IpernityClient:
    """A client with the pre-issued token (first user, Superman, every permission)."""
    return connect()
