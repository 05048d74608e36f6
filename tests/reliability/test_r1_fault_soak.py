"""R1: walks through 20% injected faults of every kind lose nothing and repeat nothing.

Patreon members (cursor), Ipernity documents (page numbers, prefetching) and
Flattr things (search, page numbers, prefetching) are walked from a sandbox
whose fault injector answers one request in five with a 500, a 503, a 429 with
``Retry-After``, a reset connection, a truncated body or a slow answer. The
walks must yield every item exactly once (by id, against the emulator's own
records), no error may reach the caller, and the requests the sandbox saw are
bounded by pages x (1 + retries).

Sizes: 2,000 items per provider in CI (pages of 25); 10,000 (pages of 100) with
``PAYSUPPORT_FULL=1`` (``./dev bench``). Slow faults answer after 0.4 s, past
the client's 0.2 s read timeout, so they cost little time.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from paysupport import HttpOptions, sandbox
from paysupport.sandbox import FaultPlan
from tests.reliability.conftest import sized

ITEMS = sized(2_000, 10_000)
PAGE = sized(25, 100)
RATE = 0.2
RETRIES = 8  # a page fails only if 9 attempts in a row are faulted: 0.2**9, about 5e-7
OPTIONS = HttpOptions(
    read_timeout=0.2, retries=RETRIES, backoff_factor=0.01, backoff_jitter=0.01, backoff_max=0.1
)


class Counting:
    """WSGI middleware counting the requests that reach the emulator (not faulted)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        with self._lock:
            self.count += 1
        result: Iterable[bytes] = self.app(environ, start_response)
        return result


def soak(
    name: str,
    sizes: dict[str, int],
    walk: Callable[[Any], list[str]],
    expected: Callable[[Any], list[str]],
    figures: Callable[..., None],
) -> None:
    plan = FaultPlan(rate=RATE, seed=8, slow_seconds=0.4, retry_after=1)
    with sandbox.running(providers=[name], sizes=sizes, faults=plan) as sb:
        injector = sb.injectors[name]
        counting = Counting(injector.app)
        injector.app = counting
        client = sb.connect(name, http_options=OPTIONS)
        ids = walk(client)  # any exception here is a transient error reaching the caller
        want = expected(sb.emulator(name))
    injected = sum(injector.injected.values())
    seen = counting.count + injected
    pages = math.ceil(len(want) / PAGE) + 2  # the pages, plus a lookup or two before them
    figures(
        provider=name,
        items=len(ids),
        requests=seen,
        injected=dict(injector.injected),
        pages=pages,
        bound=pages * (1 + RETRIES),
    )
    assert len(ids) == len(set(ids)) == ITEMS
    assert sorted(ids) == sorted(want)
    assert set(injector.injected) == {"500", "503", "429", "reset", "truncate", "slow"}
    assert injected >= 0.1 * seen  # the faults did happen, at about the planned rate
    assert seen <= pages * (1 + RETRIES)
    assert counting.count <= pages + injector.injected["slow"]  # only timeouts repeat work


def test_patreon_members_walk_through_faults(figures: Callable[..., None]) -> None:
    def walk(client: Any) -> list[str]:
        campaign = next(iter(client.walk("campaigns"))).id
        return [m.id for m in client.walk("members", campaign=campaign, count=PAGE)]

    def expected(emulator: Any) -> list[str]:
        store = emulator.store
        return [store.member_id(0, i) for i in store.live_member_indices(0)]

    soak("patreon", {"members": ITEMS}, walk, expected, figures)


def test_ipernity_docs_walk_through_faults(figures: Callable[..., None]) -> None:
    def walk(client: Any) -> list[str]:
        user = client.identity().id
        return [d.id for d in client.walk_docs(user_id=user, per_page=PAGE, max_workers=4)]

    def expected(emulator: Any) -> list[str]:
        world = emulator.state.world
        return [str(d) for docs in world.user_docs.values() for d in docs]

    soak("ipernity", {"users": 1, "docs": ITEMS}, walk, expected, figures)


def test_flattr_things_walk_through_faults(figures: Callable[..., None]) -> None:
    def walk(client: Any) -> list[str]:
        return [str(t.id) for t in client.walk("search", count=PAGE, max_workers=4)]

    def expected(emulator: Any) -> list[str]:
        return [str(400_000 + i) for i in range(ITEMS)]

    soak("flattr", {"things": ITEMS}, walk, expected, figures)


@pytest.mark.parametrize("kind", ["500", "503", "429", "reset", "truncate", "slow"])
def test_each_fault_kind_alone_is_absorbed(kind: str) -> None:
    """Half the requests faulted with one kind: every kind is retried on its own."""
    plan = FaultPlan(rate=0.5, kinds=(kind,), seed=3, slow_seconds=0.4, retry_after=0)
    with sandbox.running(providers=["patreon"], sizes={"members": 500}, faults=plan) as sb:
        client: Any = sb.connect("patreon", http_options=OPTIONS)
        campaign = next(iter(client.walk("campaigns"))).id
        ids = [m.id for m in client.walk("members", campaign=campaign, count=50)]
        assert sb.injectors["patreon"].injected[kind] > 0
    assert len(ids) == len(set(ids)) == 500
