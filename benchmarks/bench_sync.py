"""Y1: the Dramatiq sync against its rate limit's floor, worker scaling, and the full-size proofs.

Redis and PostgreSQL are started for the run by ``scripts/services.sh`` (as the
tests' fixtures do), the sandbox serves Patreon in this process and the
workers are ``paysupport sync worker`` processes.

- **Floor**: accounts whose walks together need R requests under a client
  limit of C requests per window W (the per-token limit set out of the way):
  no schedule can finish before ``(R - C) / C * W`` seconds (the first
  window's C requests go at once). The figure is the sync's time over that
  floor, goal <= 1.1x. The limiter's sliding windows repeat the first
  window's arrival pattern in every later one. What is left over the floor,
  measured in the requests' arrival times at the emulator: how long the first
  window's C requests take to leave (about 1 s: every page job costs some
  15 ms of CPU between worker, emulator and PostgreSQL, on 2 cores), the
  limiter's margin (0.05 s per window, 2.5% of 2 s), the last window, where
  every account's last page also finishes its run (800 rows and their change
  log written per account, all at once: the cores are the bound there), and
  ``wait_for_runs`` polling every 0.2 s.
- **Scaling**: with no limit that binds, throughput is bound by the workers'
  concurrency while answers take as long as a real provider's: 100 ms per
  answer (Patreon's are 100-300 ms), each worker one process of
  :data:`SCALING_THREADS` threads, 1, 2 and 4 workers, 64 accounts in pages of
  10 (each walk a chain of 20 page jobs: 64 chains keep 16 threads busy).
  Each worker should add its threads' worth of pages per second until the
  cores bind. The emulator stays one process, its threads sleeping the
  latency concurrently: its state (seeded data, the tokens the bench issues,
  its own rate-limit windows) lives in that process's memory, so more
  processes would be different Patreons. Without the latency (answers in a
  few ms), the 2 cores that run emulator, PostgreSQL, Redis and workers bind
  at once and more workers only share them.
- **Full proofs** (``./dev bench`` without ``--quick``): the tests
  ``tests/sync/test_dramatiq_sync.py`` (200 accounts x 500 supporters, 20%
  faults) and ``tests/flows/test_sync_chaos.py`` (10,000 deliveries while
  workers are SIGKILLed) at full size, ``PAYSUPPORT_FULL=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.results import Result, goal_result, info, skipped

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ROOT / "scripts" / "services.sh"

#: Threads per worker process in the scaling rows, and the answers' latency there (ms).
SCALING_THREADS = 4
SCALING_LATENCY_MS = 100.0


@contextmanager
def services() -> Iterator[tuple[str, str]]:
    """Redis and PostgreSQL of this run's own: their URLs."""
    directory = Path(tempfile.mkdtemp(prefix="paysupport-bench-sync-"))
    try:
        subprocess.run([str(SERVICES), "start", str(directory)], check=True, capture_output=True)
        yield (
            (directory / "redis" / "url").read_text().strip(),
            (directory / "postgres" / "url").read_text().strip(),
        )
    finally:
        subprocess.run([str(SERVICES), "purge", str(directory)], capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def timed_sync(
    redis_url: str,
    db_url: str,
    *,
    accounts: int,
    members: int,
    workers: int,
    limits: str,
    latency_ms: float = 0.0,
    page_size: int = 50,
    threads: int = 8,
) -> tuple[float, int]:
    """Seconds for ``workers`` processes to walk every account once, and the API requests made."""
    import psycopg

    from paysupport import sandbox
    from paysupport.sync import open_store
    from paysupport.sync.tokens_pg import PostgresTokenStore
    from tests.sync import cluster

    cluster.flush(redis_url)
    with psycopg.connect(db_url, autocommit=True) as admin:
        admin.execute("DROP SCHEMA public CASCADE")
        admin.execute("CREATE SCHEMA public")
    with sandbox.running(
        providers=["patreon", "github"],
        sizes={"campaigns": accounts, "members": members},
        latency_ms=latency_ms,
    ) as sb:
        emulator: Any = sb.emulator("patreon")
        requests = [0]
        check = emulator.limiter.check

        def counting(key: str) -> int | None:
            requests[0] += 1
            return check(key)  # type: ignore[no-any-return]

        emulator.limiter.check = counting
        tokens = PostgresTokenStore(db_url)
        chosen = cluster.patreon_accounts(sb, tokens)
        env = cluster.environment(
            sb,
            redis_url,
            db_url,
            PAYSUPPORT_SYNC_PAGE_SIZE=str(page_size),
            PAYSUPPORT_SYNC_LIMITS=limits,
        )
        store = open_store(db_url)
        log_dir = Path(tempfile.mkdtemp(prefix="paysupport-bench-workers-"))
        pool = cluster.Workers(env, count=workers, threads=threads, log_dir=log_dir)
        try:
            time.sleep(2.0)  # the workers' start is not the sync's
            began_wall, began = time.time(), time.perf_counter()
            cluster.enqueue_sync(redis_url, chosen)
            cluster.wait_for_runs(store, chosen, began_wall, timeout=1800)
            elapsed = time.perf_counter() - began
        finally:
            pool.stop()
            store.close()
            tokens.close()
            shutil.rmtree(log_dir, ignore_errors=True)
        return elapsed, requests[0]


def full_proofs() -> list[Result]:
    found = []
    for test, what in (
        ("tests/sync/test_dramatiq_sync.py", "200 accounts x 500, 20% faults, 3 workers"),
        ("tests/flows/test_sync_chaos.py", "10,000 deliveries, workers SIGKILLed every 2 s"),
    ):
        began = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test],
            cwd=ROOT,
            env={**os.environ, "PAYSUPPORT_FULL": "1"},
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - began
        found.append(
            goal_result(
                "Y1",
                f"sync proof: {what} (mirror exact, no 429 storm, no refresh twice)",
                float(done.returncode == 0),
                "passed",
                ">= 1",
                f"{seconds:.0f} s" + ("" if done.returncode == 0 else f"; {done.stdout[-300:]}"),
            )
        )
    return found


def y1(quick: bool = False) -> list[Result]:
    if not SERVICES.exists() or not (
        shutil.which("redis-server") or Path("/usr/bin/redis-server").exists()
    ):
        return [skipped("Y1", "sync", "Redis and PostgreSQL are not installed (./dev setup)")]
    accounts, members = (20, 300) if quick else (100, 1000)
    # The full run uses Patreon's documented per-client limit, 100 requests per 2 s
    # (docs/sync.md); the quick one a smaller window the same shape.
    rate, window = (20, 1.0) if quick else (100, 2.0)
    results: list[Result] = []
    with services() as (redis_url, db_url):
        elapsed, requests = timed_sync(
            redis_url,
            db_url,
            accounts=accounts,
            members=members,
            workers=3,
            limits=f"patreon:client={rate}/{window:g} patreon:token=1000/1",
        )
        # The first window's requests go at once; each later one waits for its window.
        floor = max(0.0, (requests - rate) / rate * window)
        results.append(
            goal_result(
                "Y1",
                f"sync of {accounts} accounts x {members} under {rate} requests per"
                f" {window:g} s per client: time over the limit's floor",
                elapsed / floor if floor else float("nan"),
                "x",
                "<= 1.1x",
                f"{requests} requests in {elapsed:.1f} s; floor {floor:.1f} s; 3 workers",
            )
        )
        rates = {}
        for workers in (1, 2, 4):
            elapsed, requests = timed_sync(
                redis_url,
                db_url,
                accounts=64,
                members=100 if quick else 200,
                workers=workers,
                limits="patreon:client=none patreon:token=none",
                latency_ms=SCALING_LATENCY_MS,
                page_size=10,
                threads=SCALING_THREADS,
            )
            rates[workers] = requests / elapsed
            load = os.getloadavg()[0]
            results.append(
                info(
                    "Y1",
                    f"sync throughput, {workers} workers x {SCALING_THREADS} threads, no binding"
                    f" limit, {SCALING_LATENCY_MS:g} ms answers, pages of 10",
                    rates[workers],
                    "pages/s",
                    f"{requests} requests in {elapsed:.1f} s"
                    + (f"; {rates[workers] / rates[1]:.2f}x 1 worker" if workers > 1 else "")
                    + f"; latency-bound (load average {load:.1f} on {os.cpu_count()} cores)",
                )
            )
        results.append(
            info(
                "Y1",
                "sync throughput scaling, 4 workers over 1 (no binding limit,"
                f" {SCALING_LATENCY_MS:g} ms answers, {SCALING_THREADS} threads each)",
                rates[4] / rates[1],
                "x",
                f"{rates[1]:.0f} -> {rates[2]:.0f} -> {rates[4]:.0f} pages/s for 1, 2, 4 workers;"
                " 4.0x is linear",
            )
        )
    if not quick or os.environ.get("PAYSUPPORT_FULL"):
        results += full_proofs()
    return results


if __name__ == "__main__":
    for result in y1("--quick" in sys.argv):
        print(result.key, result.what, result.shown, result.goal, result.verdict)
