"""Fixtures for the Lightning tests: a served emulator (relay, wallet, network), a NIP-47 caller.

- ``lightning_emulator`` (module scope): a running
  :class:`~paysupport_lightning.emulator.LightningEmulator`, its WSGI app served
  on 127.0.0.1 (so ``credentials()`` includes ``lnaddress_base_url``); closed
  after the module.
- ``lightning`` (function scope): that emulator reset to the seeded world
  (balance, budgets, payments, faults) before the test.
- ``lightning_url``: the served root (admin routes, Lightning Address server).
- ``lightning_credentials``: ``{"nwc_uri", "lnaddress_base_url"}`` after the reset.
- ``nwc``: a test-side NIP-47 caller for the ``podcatcher`` connection, written
  with nostr-sdk alone so the emulator is proven against the NIP, not against
  our client; ``nwc_for("legacy")`` makes one for another seeded connection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from lightning_helpers import NwcCaller
from paysupport_lightning.emulator import LightningEmulator

from paysupport.emulation import EmulatorSettings
from paysupport.sandbox.serving import ServedApp, start_server


@pytest.fixture(scope="module")
def lightning_served() -> Iterator[tuple[LightningEmulator, ServedApp]]:
    emulator = LightningEmulator(EmulatorSettings(seed=0))
    served = start_server(emulator, quiet=True)
    emulator.serving(served.url)
    try:
        yield emulator, served
    finally:
        served.close()
        emulator.close()


@pytest.fixture(scope="module")
def lightning_emulator(
    lightning_served: tuple[LightningEmulator, ServedApp],
) -> LightningEmulator:
    return lightning_served[0]


@pytest.fixture(scope="module")
def lightning_url(lightning_served: tuple[LightningEmulator, ServedApp]) -> str:
    return lightning_served[1].url


@pytest.fixture
def lightning(lightning_emulator: LightningEmulator) -> LightningEmulator:
    lightning_emulator.store.reset()
    return lightning_emulator


@pytest.fixture
def lightning_credentials(lightning: LightningEmulator) -> dict[str, str]:
    return lightning.credentials()


@pytest.fixture
def nwc_for(lightning: LightningEmulator) -> Iterator[Callable[..., NwcCaller]]:
    made: list[NwcCaller] = []

    def make(connection: str = "podcatcher", *, secret: str | None = None) -> NwcCaller:
        caller = NwcCaller(lightning.connection(connection).uri, secret=secret)
        made.append(caller)
        return caller

    yield make
    for caller in made:
        caller.close()


@pytest.fixture
def nwc(nwc_for: Callable[..., NwcCaller]) -> NwcCaller:
    return nwc_for("podcatcher")
