"""Three Dramatiq worker processes mirror many accounts exactly, within the rate limits.

The workers are real processes (``paysupport sync worker``) configured by the
environment alone, sharing Redis (the broker and the rate limiter) and
PostgreSQL (the mirror and the token store) started by the fixtures. The
sandbox injects 20% faults (errors, dropped connections, cut bodies, 429s),
every access token expires within seconds (so accounts refresh their rotating
tokens while three processes work on them), and each token may make 8
requests per second. The proof: the mirror equals the emulators' data; the
emulator answered no 429 of its own beyond the first per window (the injected
ones are not ours); each refresh token was presented once.
CI-sized here; ``PAYSUPPORT_FULL=1`` (``./dev bench``, Y1) runs 200 accounts x 500.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from paysupport import sandbox
from paysupport.sandbox import FaultPlan
from paysupport.sync import open_store
from paysupport.sync.jobs import Account
from paysupport.sync.tokens_pg import PostgresTokenStore
from tests.sync import cluster
from tests.sync.conftest import Server

#: CI size; ``PAYSUPPORT_FULL=1`` (``benchmarks/bench_sync.py``): the issue's 200 x 500.
FULL = bool(os.environ.get("PAYSUPPORT_FULL"))
ACCOUNTS = 200 if FULL else 12
MEMBERS = 500 if FULL else 50
RATE = 8  # requests per token per second, in the emulator and in the workers' limits

pytestmark = pytest.mark.timeout(3600 if FULL else 240)


def test_three_workers_mirror_every_account_exactly(
    redis_server: Server, postgres_url: str, tmp_path: Path
) -> None:
    cluster.flush(redis_server.url)
    faults = FaultPlan(rate=0.2, kinds=("500", "503", "429", "reset", "truncate"), seed=3)
    with sandbox.running(
        providers=["patreon", "github"],
        sizes={"campaigns": ACCOUNTS, "members": MEMBERS, "sponsors": 30},
        faults=faults,
        rate_limit=RATE,
        rate_window=1.0,
        token_lifetime=4,
    ) as sb:
        seen = cluster.watch(sb)
        tokens = PostgresTokenStore(postgres_url)
        accounts = cluster.patreon_accounts(sb, tokens)
        accounts += [Account("github", "mona"), Account("github", "paysupport-sandbox")]
        env = cluster.environment(
            sb,
            redis_server.url,
            postgres_url,
            PAYSUPPORT_SYNC_PAGE_SIZE="100" if FULL else "10",
            PAYSUPPORT_SYNC_LIMITS=f"patreon:token={RATE}/1 patreon:client=60/1",
        )
        store = open_store(postgres_url)
        workers = cluster.Workers(env, count=3, threads=4, log_dir=tmp_path)
        try:
            began = time.time()
            cluster.enqueue_sync(redis_server.url, accounts)
            cluster.wait_for_runs(store, accounts, began, timeout=3000 if FULL else 180)
        finally:
            workers.stop()
        for account in accounts:
            assert store.supporters(account.provider, account.account) == cluster.truth(
                sb, account
            ), account
        assert sum(sb.injectors["patreon"].injected.values()) > 20  # the faults did happen
        assert seen.refusals_beyond_first_per_window(1.0) == 0, dict(seen.refused)
        # a token is due for refresh within a minute of its end: these are refreshed all along
        assert len(seen.refreshes) >= ACCOUNTS, "tokens were meant to expire during the sync"
        assert set(seen.refreshes.values()) == {1}, "a refresh token was presented twice"
        assert seen.refresh_errors == 0
        assert not [s for s in store.status() if s.last_error]
        store.close()
        tokens.close()
