"""Workers SIGKILLed every two seconds lose nothing and apply nothing twice.

Three Dramatiq workers (``paysupport sync worker``) walk every account while a
burst of webhook deliveries arrives: the Patreon emulator's members change a
thousand times, each change is delivered (signed by the emulator) to a
collector, and the deliveries are queued with 10% of them twice and 10% out
of order. All the while a random worker is SIGKILLed every two seconds and
another started in its place; Redis hands a dead worker's messages to the
others once its heartbeat is missed. In the end every delivery id was
recorded once, none was logged as a change twice, and the mirror equals the
emulator's data. CI-sized; ``PAYSUPPORT_FULL=1`` (``./dev bench``, Y1) sends 10,000.
"""

from __future__ import annotations

import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from paysupport import sandbox
from paysupport.sandbox.serving import start_server
from paysupport.sync import open_store
from paysupport.sync.tokens_pg import PostgresTokenStore
from tests.sync import cluster
from tests.sync.conftest import (
    Server,
    postgres_server as postgres_server,  # the fixtures, here too
    postgres_url as postgres_url,
    redis_server as redis_server,
)

#: CI size; ``PAYSUPPORT_FULL=1`` (``benchmarks/bench_sync.py``): 10,000 deliveries.
FULL = bool(os.environ.get("PAYSUPPORT_FULL"))
ACCOUNTS = 8
MEMBERS = 40
DELIVERIES = 10_000 if FULL else 1000

pytestmark = pytest.mark.timeout(3600 if FULL else 300)


class Collector:
    """A webhook endpoint keeping every delivery it receives (headers, raw body)."""

    def __init__(self) -> None:
        self.received: list[tuple[list[tuple[str, str]], bytes]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        from paysupport.webhooks import read_wsgi_body, wsgi_headers

        body = read_wsgi_body(environ, 5_000_000)
        with self._lock:
            self.received.append((wsgi_headers(environ), body))
        start_response("200 OK", [("Content-Length", "0")])
        return []


def changes(sb: sandbox.Sandbox, members: list[str], count: int, seed: int) -> None:
    """``count`` member changes through the emulator's admin API, each firing a delivery."""
    rng = random.Random(seed)
    base = sb.url("patreon")
    with requests.Session() as session:
        for n in range(count):
            member = rng.choice(members)
            change: dict[str, Any] = {"full_name": f"Patron {member[:6]} v{n}"}
            if rng.random() < 0.1:
                change["patron_status"] = rng.choice(["former_patron", "active_patron"])
            answer = session.patch(f"{base}/_admin/members/{member}", json=change, timeout=30)
            answer.raise_for_status()


def shuffled(deliveries: list[Any], seed: int) -> list[Any]:
    """10% of the deliveries twice, 10% moved out of order."""
    rng = random.Random(seed)
    burst = list(deliveries) + rng.sample(deliveries, len(deliveries) // 10)
    for _ in range(len(deliveries) // 10):
        i, j = rng.randrange(len(burst)), rng.randrange(len(burst))
        burst[i], burst[j] = burst[j], burst[i]
    return burst


def delivery_ids(url: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute("SELECT COUNT(*) FROM sync_deliveries").fetchone()
    return int(row[0]) if row else 0


def test_killed_workers_lose_nothing_and_apply_nothing_twice(
    redis_server: Server, postgres_url: str, tmp_path: Path
) -> None:
    cluster.flush(redis_server.url)
    with sandbox.running(
        providers=["patreon", "github"],
        sizes={"campaigns": ACCOUNTS, "members": MEMBERS, "sponsors": 30},
        rate_limit=100,
        rate_window=1.0,
    ) as sb:
        tokens = PostgresTokenStore(postgres_url)
        accounts = cluster.patreon_accounts(sb, tokens)
        first = accounts[0]
        collector = Collector()
        served = start_server(collector, quiet=True)
        creator: Any = sb.connect("patreon")
        hook = creator.create_webhook(first.account, f"{served.url}/patreon", ["members:update"])
        members = [s.resource.id for s in cluster.truth(sb, first)]
        env = cluster.environment(
            sb,
            redis_server.url,
            postgres_url,
            PAYSUPPORT_SYNC_PAGE_SIZE="5",
            PAYSUPPORT_SYNC_LIMITS="patreon:token=100/1",
            PAYSUPPORT_PATREON_WEBHOOK_SECRET=hook.secret,
        )
        store = open_store(postgres_url)
        workers = cluster.Workers(env, count=3, threads=4, log_dir=tmp_path)
        try:
            began = time.time()
            with cluster.Killer(workers, every=2.0):
                cluster.enqueue_sync(redis_server.url, accounts)
                changes(sb, members, DELIVERIES, seed=11)
                received = list(collector.received)
                assert len(received) == DELIVERIES
                cluster.enqueue_deliveries(redis_server.url, "patreon", shuffled(received, 5))
                cluster.wait_for_runs(store, accounts, began, timeout=200)
                deadline = time.monotonic() + (2400 if FULL else 200)
                while delivery_ids(postgres_url) < DELIVERIES and time.monotonic() < deadline:
                    time.sleep(0.5)
            assert workers.killed >= 3
        finally:
            workers.stop()
            served.close()
        assert delivery_ids(postgres_url) == DELIVERIES  # nothing lost
        logged = [c.run_id for c in store.changes() if c.source == "delivery"]
        assert logged  # the deliveries changed the mirror...
        assert len(logged) == len(set(logged))  # ...each one once
        for account in accounts:
            assert store.supporters("patreon", account.account) == cluster.truth(sb, account)
        store.close()
        tokens.close()
