"""Value-for-value payments are made exactly once, proven over the sandbox's relay and wallet.

A ``support-feed --value-sats`` job over a feed whose episodes carry a
``podcast:value`` block (published by paysupport itself) is killed with
SIGKILL at random points, some while the wallet has paid and its answer is
being dropped (the emulator's ``drop`` fault: the payment is made, the answer
never comes, so the run dies between the wallet's payment and our record);
then it is run until done. The emulator's admin view must show each
(episode, recipient, action) paid exactly once. Two runs started together must
not double-pay either.

The scenarios are functions returning their figures, so ``python -m
benchmarks`` (bench_value) runs them at full size (200 episodes).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import state_path, write_state
from paysupport.value import Recipient, ValueBlock
from paysupport.value.publish import add_value_to_feed
from tests.core.feeds_kit import podcast_feed

pytest.importorskip("paysupport_lightning")

EPISODES = 40
#: A run may stop with relay errors (its payments released, to be looked up): the job
#: is rerun until it exits 0, as a podcatcher's next run would.
MAX_RERUNS = 10
RECIPIENTS = ("host", "guest", "app")


@contextmanager
def serving_lightning() -> Iterator[Sandbox]:
    """The Lightning emulator, findable by ``paysupport --sandbox`` in subprocesses."""
    with Sandbox(SandboxOptions(providers=["lightning"])) as sandbox:
        write_state(sandbox)
        yield sandbox
    state_path().unlink(missing_ok=True)


@pytest.fixture
def lightning_sandbox() -> Iterator[Sandbox]:
    # per test: the state file that lets subprocesses find it lives in the test's own dirs
    with serving_lightning() as sandbox:
        yield sandbox


def admin(sandbox: Sandbox, verb: str, route: str, body: dict[str, Any] | None = None) -> Any:
    answer = requests.request(
        verb, f"{sandbox.url('lightning')}/_admin/{route}", json=body, timeout=10
    )
    answer.raise_for_status()
    return answer.json()


def value_feed(sandbox: Sandbox, path: Path, episodes: int) -> Path:
    """A feed of ``episodes`` whose channel pays a host, a guest (a node) and an app fee."""
    guest = next(n for n in admin(sandbox, "GET", "payments")["nodes"] if n["name"] == "guest")
    block = ValueBlock(
        "lightning",
        "keysend",
        Decimal(1000),
        (
            Recipient("Host", "lnaddress", "host@podcast.example", 90),
            Recipient("Guest", "node", guest["pubkey"], 10),
            Recipient("App", "lnaddress", "app@fees.example", 5, fee=True),
        ),
    )
    path.write_bytes(add_value_to_feed(podcast_feed(episodes, link=""), block))
    return path


def support_command(feed: Path, ledger: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "paysupport.cli", "--sandbox", "support-feed", str(feed),
        "--ledger", str(ledger), "--json", "--value-sats", "100", *extra,
    ]  # fmt: skip


def run_env(request_timeout: float = 3) -> dict[str, str]:
    """Subprocesses wait ``request_timeout`` s for a dropped answer (then look it up)."""
    return {**os.environ, "PAYSUPPORT_LIGHTNING_REQUEST_TIMEOUT": str(request_timeout)}


def payments_per_key(sandbox: Sandbox) -> Counter[tuple[str, str, str]]:
    """How many keysends each (episode guid, recipient node, action) received."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for payment in admin(sandbox, "GET", "payments")["payments"]:
        record = payment.get("podcast") or {}
        counts[
            (record.get("episode_guid", ""), payment["recipient"], record.get("action", ""))
        ] += 1
    return counts


def tally(sandbox: Sandbox, episodes: int) -> tuple[int, int]:
    """(keys paid more than once, keys never paid) of ``episodes`` x recipients, ``auto``."""
    counts = payments_per_key(sandbox)
    wanted = {(f"ep-{n}", r, "auto") for n in range(1, episodes + 1) for r in RECIPIENTS}
    doubled = sum(1 for key, n in counts.items() if key in wanted and n > 1)
    return doubled, len(wanted - set(counts))


def kill_rounds(
    sandbox: Sandbox, workdir: Path, *, episodes: int, rounds: int, seed: int = 20261124
) -> dict[str, Any]:
    """Start the job, SIGKILL it at a random moment, ``rounds`` times; then run it to the end.

    Before each round the wallet is told to drop one answer: the run that
    meets it waits for an answer of a payment already made, and is often
    killed then. Returns the figures; ``doubled`` and ``lost`` must be 0.
    """
    admin(sandbox, "POST", "reset")
    feed = value_feed(sandbox, workdir / "feed.xml", episodes)
    ledger = workdir / "ledger.sqlite3"
    rng = random.Random(seed)
    kills = 0
    # the kill test proves the ledger, not the wallet's patience: answers are dropped once a
    # round, and a dropped answer is waited for run_env()'s few seconds before the lookup
    for _ in range(rounds):
        admin(sandbox, "POST", "faults", {"kind": "drop", "method": "pay_keysend", "times": 1})
        run = subprocess.Popen(
            support_command(feed, ledger),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=run_env(),
        )
        time.sleep(rng.uniform(1.0, 2.5))
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            kills += 1
        run.wait(30)
    admin(sandbox, "DELETE", "faults")
    started = time.perf_counter()
    reruns = 0
    while True:  # rerun until done: a run stopped by the relay's limits leaves the rest
        reruns += 1
        final = subprocess.run(
            support_command(feed, ledger), capture_output=True, text=True, timeout=900,
            env=run_env(),
        )  # fmt: skip
        if final.returncode == 0 or reruns == MAX_RERUNS:
            break
    settle_s = time.perf_counter() - started
    doubled, lost = tally(sandbox, episodes)
    return {
        "episodes": episodes,
        "rounds": rounds,
        "kills": kills,
        "exit": final.returncode,
        "summary": json.loads(final.stdout)["summary"] if final.stdout else {},
        "stderr": final.stderr[-500:],
        "reruns": reruns,
        "settle_s": round(settle_s, 2),
        "doubled": doubled,
        "lost": lost,
    }


def test_killed_runs_never_double_or_lose_a_split(
    lightning_sandbox: Sandbox, tmp_path: Path
) -> None:
    figures = kill_rounds(lightning_sandbox, tmp_path, episodes=EPISODES, rounds=4)
    assert figures["kills"] >= 2, f"the job finished before it could be killed: {figures}"
    assert figures["exit"] == 0, figures
    assert set(figures["summary"]) <= {"supported", "already"}, figures["summary"]
    assert (figures["doubled"], figures["lost"]) == (0, 0), figures
    per_key = payments_per_key(lightning_sandbox)
    assert sum(per_key.values()) == EPISODES * len(RECIPIENTS)


def concurrent_runs(sandbox: Sandbox, workdir: Path, *, episodes: int, runs: int) -> dict[str, Any]:
    """``runs`` jobs over one feed and ledger, started together; figures of what they paid."""
    admin(sandbox, "POST", "reset")
    feed = value_feed(sandbox, workdir / "feed.xml", episodes)
    ledger = workdir / "ledger.sqlite3"
    started = [
        subprocess.Popen(
            support_command(feed, ledger),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=run_env(),
        )
        for _ in range(runs)
    ]
    statuses: Counter[str] = Counter()
    for run in started:
        out, _ = run.communicate(timeout=600)
        statuses.update(e["status"] for e in json.loads(out)["episodes"]) if out else None
    final = subprocess.run(
        support_command(feed, ledger), capture_output=True, text=True, timeout=600, env=run_env()
    )
    doubled, lost = tally(sandbox, episodes)
    return {
        "runs": runs,
        "statuses": dict(statuses),
        "final": json.loads(final.stdout)["summary"] if final.stdout else {},
        "doubled": doubled,
        "lost": lost,
    }


def test_two_runs_started_together_never_double_pay(
    lightning_sandbox: Sandbox, tmp_path: Path
) -> None:
    figures = concurrent_runs(lightning_sandbox, tmp_path, episodes=15, runs=2)
    assert figures["doubled"] == 0, figures
    assert figures["lost"] == 0, figures
    assert figures["final"] == {"already": 15}, figures
