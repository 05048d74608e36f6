"""A sync cluster for the tests: the sandbox, Dramatiq worker processes, Redis and PostgreSQL.

:class:`Cluster` serves the Patreon and GitHub emulators in the test's
process (so the test can watch them: every 429 the emulator answers and every
refresh token presented are recorded), gives every Patreon campaign a token
of its own in the PostgreSQL token store (as each creator would by logging
in), and starts worker processes (``paysupport sync worker``) that reach it
all over the network, configured by the environment alone.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
from paysupport_patreon import catalog as cat

from paysupport import sandbox
from paysupport.sandbox import FaultPlan
from paysupport.supporters import Supporter
from paysupport.sync import MirrorStore, open_store
from paysupport.sync.jobs import Account
from paysupport.sync.tokens_pg import PostgresTokenStore
from paysupport.tokens import Token

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Watch:
    """What the emulators saw: refusals per token and second, refresh tokens presented."""

    refused: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    refreshes: Counter[str] = field(default_factory=Counter)
    refresh_errors: int = 0

    def refusals_beyond_first_per_window(self, window: float) -> int:
        """429s answered to a token within ``window`` of an earlier 429 to it."""
        extra = 0
        for times in self.refused.values():
            last = None
            for moment in sorted(times):
                if last is not None and moment - last < window:
                    extra += 1
                else:
                    last = moment
        return extra


def watch(sb: sandbox.Sandbox) -> Watch:
    """Record the Patreon emulator's own 429s and every refresh token spent."""
    seen = Watch()
    emulator: Any = sb.emulator("patreon")
    check = emulator.limiter.check

    def counting_check(key: str) -> int | None:
        wait = check(key)
        if wait is not None:
            seen.refused[key].append(time.monotonic())
        return wait  # type: ignore[no-any-return]

    emulator.limiter.check = counting_check
    refresh = emulator.oauth.refresh

    def logging_refresh(client: Any, refresh_token: str) -> dict[str, Any]:
        seen.refreshes[refresh_token] += 1
        try:
            return refresh(client, refresh_token)  # type: ignore[no-any-return]
        except Exception:
            seen.refresh_errors += 1
            raise

    emulator.oauth.refresh = logging_refresh
    return seen


def patreon_accounts(sb: sandbox.Sandbox, token_store: PostgresTokenStore) -> list[Account]:
    """Every seeded campaign, each with a creator token of its own in ``token_store``."""
    emulator: Any = sb.emulator("patreon")
    accounts = []
    for campaign in emulator.store.campaigns:
        issued = emulator.oauth.issue_tokens(
            emulator.client.client_id, emulator.store.creator_id, cat.SCOPES
        )
        token_store.save("patreon", campaign.id, Token.from_oauth_response(issued))
        accounts.append(Account("patreon", campaign.id))
    return accounts


def truth(sb: sandbox.Sandbox, account: Account) -> list[Supporter]:
    """The account's supporters as the emulator has them now (read without faults or limits)."""
    injector = sb.injectors[account.provider]
    limiter: Any = getattr(sb.emulator(account.provider), "limiter", None)
    plan, injector.plan = injector.plan, FaultPlan()
    limit = None if limiter is None else limiter.limit
    if limiter is not None:
        limiter.limit = None
    try:
        fresh: dict[str, str] = {}
        if account.provider == "patreon":  # a token of its own: the seeded one may be spent
            emulator: Any = sb.emulator("patreon")
            issued = emulator.oauth.issue_tokens(
                emulator.client.client_id, emulator.store.creator_id, cat.SCOPES
            )
            fresh = {
                "creator_access_token": issued["access_token"],
                "creator_refresh_token": issued["refresh_token"],
            }
        client: Any = sb.connect(account.provider, **fresh)
        return sorted(client.sync_supporters(account.account), key=lambda s: s.id)
    finally:
        injector.plan = plan
        if limiter is not None:
            limiter.limit = limit


class Workers:
    """Worker processes (``paysupport sync worker``), each killable and replaceable."""

    def __init__(self, env: dict[str, str], count: int, threads: int, log_dir: Path) -> None:
        self.env = env
        self.threads = threads
        self.log_dir = log_dir
        self.processes: list[subprocess.Popen[bytes]] = []
        self.killed = 0
        for _ in range(count):
            self.processes.append(self._start())

    def _start(self) -> subprocess.Popen[bytes]:
        log = open(self.log_dir / f"worker-{len(self.processes) + self.killed}.log", "wb")  # noqa: SIM115
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "paysupport.cli",
                "sync",
                "worker",
                "--threads",
                str(self.threads),
                "--log-format",
                "json",
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )

    def kill_one(self, rng: random.Random) -> None:
        """SIGKILL a random worker and start another in its place."""
        index = rng.randrange(len(self.processes))
        victim = self.processes[index]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        self.killed += 1
        self.processes[index] = self._start()

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def environment(sb: sandbox.Sandbox, redis_url: str, db_url: str, **extra: str) -> dict[str, str]:
    """The workers' whole configuration, as a deployment would set it."""
    patreon = sb.credentials("patreon")
    github = sb.credentials("github")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAYSUPPORT_", "PATREON_", "GITHUB_"))
    }
    env.update(
        {
            "PAYSUPPORT_SYNC_REDIS": redis_url,
            "PAYSUPPORT_SYNC_DB": db_url,
            "PAYSUPPORT_TOKEN_STORE": db_url,
            "PAYSUPPORT_PATREON_BASE_URL": sb.url("patreon"),
            "PAYSUPPORT_PATREON_CLIENT_ID": patreon["client_id"],
            "PAYSUPPORT_PATREON_CLIENT_SECRET": patreon["client_secret"],
            "PAYSUPPORT_GITHUB_BASE_URL": sb.url("github"),
            "PAYSUPPORT_GITHUB_ACCESS_TOKEN": github["access_token"],
            "PAYSUPPORT_SYNC_HEARTBEAT_MS": "4000",
            "PYTHONPATH": str(ROOT),
            **extra,
        }
    )
    return env


def enqueue_sync(redis_url: str, accounts: list[Account]) -> None:
    """Queue a walk of every account, as ``paysupport sync enqueue`` does."""
    from paysupport.sync import dramatiq_app

    dramatiq_app.enqueue_sync(accounts, to=dramatiq_app.make_broker(redis_url))


def enqueue_deliveries(
    redis_url: str, provider: str, deliveries: list[tuple[list[tuple[str, str]], bytes]]
) -> None:
    from paysupport.sync import dramatiq_app

    dramatiq_app.enqueue_deliveries(provider, deliveries, to=dramatiq_app.make_broker(redis_url))


def flush(redis_url: str) -> None:
    """An empty broker and limiter for the test (the Redis is the session's)."""
    redis.Redis.from_url(redis_url).flushdb()


def wait_for_runs(
    store: MirrorStore, accounts: list[Account], since: float, timeout: float
) -> None:
    """Until every account's last complete walk began after ``since`` (Unix time)."""
    deadline = time.monotonic() + timeout
    while True:
        done = {
            (s.provider, s.account)
            for s in store.status()
            if s.last_success is not None and s.last_success.timestamp() > since
        }
        missing = [a for a in accounts if (a.provider, a.account) not in done]
        if not missing:
            return
        if time.monotonic() > deadline:
            errors = [(s.provider, s.account, s.last_error) for s in store.status() if s.last_error]
            raise AssertionError(f"{len(missing)} accounts not synced: {missing[:5]}; {errors[:5]}")
        time.sleep(0.2)


class Killer:
    """SIGKILLs a random worker every ``every`` seconds, in a thread, until stopped."""

    def __init__(self, workers: Workers, every: float, seed: int = 7) -> None:
        self.workers = workers
        self.every = every
        self.rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.workers.kill_one(self.rng)

    def __enter__(self) -> Killer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def opened(url: str) -> Iterator[MirrorStore]:
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()
