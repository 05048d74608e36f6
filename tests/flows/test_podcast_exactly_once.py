"""The podcatcher's promise, proven against the Flattr emulator over real HTTP.

A support job over a 200-episode feed is killed with SIGKILL at random points,
again and again, then run to completion; the emulator's admin view must show
every episode flattred exactly once. Two concurrent runs must not double any
support. Runs started together by a podcatcher's download hook never spend
more than the monthly budget. Claims left by runs killed in another container
expire with their lease. Hostile feeds get per-episode errors and never a
request to a host no provider handles.

The scenarios are functions returning their figures, so ``python -m
benchmarks`` (R2) runs them at full size.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
import requests

from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.sandbox.state import state_path, write_state
from paysupport.testing import serve_wsgi
from tests.core.feeds_kit import podcast_feed

EPISODES = 200
AUTO_SUBMIT = "https://flattr.com/submit/auto?user_id=flattr&url={url}&title=Episode+{{n}}"


def episode_link() -> str:
    return AUTO_SUBMIT.format(url=quote("https://show.example/ep{n}", safe="{}"))


@contextmanager
def serving_flattr(latency_ms: float = 20) -> Iterator[Sandbox]:
    """The Flattr emulator, findable by `paysupport --sandbox` in subprocesses."""
    with Sandbox(SandboxOptions(providers=["flattr"], latency_ms=latency_ms)) as sandbox:
        write_state(sandbox)
        yield sandbox
    state_path().unlink(missing_ok=True)


@pytest.fixture
def flattr_sandbox() -> Iterator[Sandbox]:
    # 20 ms per answer stretches a run over seconds, so kills land mid-run, often
    # while a flattr is in flight (the emulator may complete it after the client died).
    with serving_flattr() as sandbox:
        yield sandbox


def support_command(feed: Path, ledger: Path, *extra: str) -> list[str]:
    return [
        sys.executable, "-m", "paysupport.cli", "--sandbox", "support-feed", str(feed),
        "--ledger", str(ledger), "--json", *extra,
    ]  # fmt: skip


def flattrs_per_url(sandbox: Sandbox) -> dict[str, int]:
    answer = requests.get(
        f"{sandbox.url('flattr')}/_admin/flattrs", params={"seeded": 0}, timeout=10
    )
    answer.raise_for_status()
    counts: dict[str, int] = {}
    for flattr in answer.json()["flattrs"]:
        url = flattr.get("url") or ""
        counts[url] = counts.get(url, 0) + 1
    return counts


def show_urls(count: int) -> set[str]:
    return {f"https://show.example/ep{n}" for n in range(1, count + 1)}


def flattr_tally(sandbox: Sandbox, count: int) -> tuple[int, int]:
    """(episodes flattred more than once, episodes never flattred) of the first ``count``."""
    counts = flattrs_per_url(sandbox)
    wanted = show_urls(count)
    doubled = sum(1 for url, n in counts.items() if url in wanted and n > 1)
    return doubled, len(wanted - set(counts))


def assert_each_episode_flattred_once(sandbox: Sandbox, count: int = EPISODES) -> None:
    counts = flattrs_per_url(sandbox)
    episodes = {url: n for url, n in counts.items() if url in show_urls(count)}
    assert set(episodes) == show_urls(count), "some episodes were never flattred"
    doubled = {url: n for url, n in episodes.items() if n != 1}
    assert doubled == {}, f"flattred more than once: {doubled}"


def kill_rounds(
    sandbox: Sandbox, workdir: Path, *, episodes: int, rounds: int, seed: int = 20261123
) -> dict[str, Any]:
    """R2: start the job, SIGKILL it at a random moment, ``rounds`` times; then run it to the end.

    Returns the figures: kills, the final run's summary and exit code, and the
    episodes flattred twice or never (both must be 0).
    """
    feed = workdir / "feed.xml"
    feed.write_bytes(podcast_feed(episodes, link=episode_link()))
    ledger = workdir / "ledger.sqlite3"
    rng = random.Random(seed)
    kills = 0
    for _ in range(rounds):
        run = subprocess.Popen(
            support_command(feed, ledger), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.6, 2.0))
        if run.poll() is None:
            run.send_signal(signal.SIGKILL)
            kills += 1
        run.wait(30)
    final = subprocess.run(
        support_command(feed, ledger), capture_output=True, text=True, timeout=900
    )
    doubled, lost = flattr_tally(sandbox, episodes)
    return {
        "episodes": episodes,
        "rounds": rounds,
        "kills": kills,
        "exit": final.returncode,
        "summary": json.loads(final.stdout)["summary"] if final.stdout else {},
        "stderr": final.stderr[-500:],
        "doubled": doubled,
        "lost": lost,
    }


def test_killed_runs_never_double_or_lose_a_support(
    flattr_sandbox: Sandbox, tmp_path: Path
) -> None:
    figures = kill_rounds(flattr_sandbox, tmp_path, episodes=EPISODES, rounds=8)
    assert figures["kills"] >= 3, "the job finished before it could be killed: longer feed"
    assert figures["exit"] == 0, figures["stderr"]
    assert set(figures["summary"]) <= {"supported", "already"}
    assert_each_episode_flattred_once(flattr_sandbox)


def budget_race(
    sandbox: Sandbox, workdir: Path, *, runs: int, budget: int, first: int = 1
) -> dict[str, Any]:
    """``runs`` hook runs started together, each supporting one episode, ``--monthly-budget``.

    Episodes ``first`` to ``first + runs - 1`` of a shared feed; returns how many
    the runs reported supported and how many flattrs the emulator made.
    """
    feed = workdir / "feed.xml"
    feed.write_bytes(podcast_feed(first + runs, link=episode_link()))
    ledger = workdir / "ledger.sqlite3"
    before = sum(flattrs_per_url(sandbox).values())
    started = [
        subprocess.Popen(
            support_command(feed, ledger, "--guid", f"ep-{n}", "--monthly-budget", str(budget)),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for n in range(first, first + runs)
    ]
    statuses: list[str] = []
    for run in started:
        out = run.communicate(timeout=120)[0]
        statuses += [e["status"] for e in json.loads(out)["episodes"]] if out else ["crashed"]
    return {
        "runs": runs,
        "budget": budget,
        "supported": statuses.count("supported"),
        "refused": statuses.count("budget"),
        "other": len(statuses) - statuses.count("supported") - statuses.count("budget"),
        "flattrs": sum(flattrs_per_url(sandbox).values()) - before,
    }


def test_hook_runs_started_together_never_overspend_the_monthly_budget(
    tmp_path: Path,
) -> None:
    with serving_flattr(latency_ms=300) as sandbox:  # each run is slow between count and record
        figures = budget_race(sandbox, tmp_path, runs=6, budget=2)
    assert figures == {
        "runs": 6,
        "budget": 2,
        "supported": 2,
        "refused": 4,
        "other": 0,
        "flattrs": 2,
    }


def expire_claims_of_another_host(ledger: Path) -> int:
    """Make the live claims of ``ledger`` look like a killed container's, lease run out."""
    with sqlite3.connect(ledger) as db:
        changed = db.execute(
            "UPDATE supports SET owner = 'container-gone:7:1', lease_until = ?"
            " WHERE state = 'claimed' AND owner IS NOT NULL",
            (time.time() - 1,),
        ).rowcount
    return int(changed)


def foreign_claims(
    sandbox: Sandbox, workdir: Path, *, episodes: int, rounds: int
) -> dict[str, Any]:
    """Runs killed in another container, ``rounds`` times: their claims must not block forever.

    Each round starts the job, kills it mid-run and leaves its claims as
    another host's with an expired lease; the final run must settle all of them
    (``busy`` 0) and every episode is flattred once.
    """
    feed = workdir / "feed.xml"
    feed.write_bytes(podcast_feed(episodes, link=episode_link()))
    ledger = workdir / "ledger.sqlite3"
    claims = 0
    for _ in range(rounds):
        run = subprocess.Popen(
            support_command(feed, ledger), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(1.0)
        run.send_signal(signal.SIGKILL)
        run.wait(30)
        claims += expire_claims_of_another_host(ledger)
    final = subprocess.run(
        support_command(feed, ledger), capture_output=True, text=True, timeout=900
    )
    summary = json.loads(final.stdout)["summary"] if final.stdout else {}
    doubled, lost = flattr_tally(sandbox, episodes)
    return {
        "episodes": episodes,
        "rounds": rounds,
        "claims": claims,
        "busy": summary.get("busy", 0),
        "exit": final.returncode,
        "doubled": doubled,
        "lost": lost,
    }


def test_claims_of_runs_killed_in_another_container_expire(tmp_path: Path) -> None:
    with serving_flattr(latency_ms=200) as sandbox:  # a claim is held most of the time
        figures = foreign_claims(sandbox, tmp_path, episodes=30, rounds=2)
    assert figures["claims"] >= 1, "no run was killed holding a claim"
    assert (figures["busy"], figures["exit"], figures["doubled"], figures["lost"]) == (0, 0, 0, 0)


def test_concurrent_runs_never_double_a_support(flattr_sandbox: Sandbox, tmp_path: Path) -> None:
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed(60, link=episode_link()))
    ledger = tmp_path / "ledger.sqlite3"
    runs = [
        subprocess.Popen(support_command(feed, ledger), stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0]
    supported = sum(json.loads(out)["summary"].get("supported", 0) for out in outputs)
    assert supported == 60
    assert_each_episode_flattred_once(flattr_sandbox, 60)


class Sentinel:
    """A host no provider handles: it must never receive a request."""

    def __init__(self) -> None:
        self.hits = 0

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.hits += 1
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"should never be asked"]


HOSTILE_ITEMS = """
<item><title>Script</title><guid>h-1</guid>
  <atom:link rel="payment" href="javascript:alert(1)"/></item>
<item><title>File</title><guid>h-2</guid><atom:link rel="payment" href="file:///etc/passwd"/></item>
<item><title>Unknown host</title><guid>h-3</guid>
  <atom:link rel="payment" href="{sentinel}/pay"/></item>
<item><title>Funding elsewhere</title><guid>h-4</guid>
  <podcast:funding url="{sentinel}/fund">Give</podcast:funding></item>
<item><title>Fine</title><guid>h-5</guid><atom:link rel="payment" href="{ok}"/></item>
<item><title>Broken
"""


def test_hostile_feeds_get_per_episode_errors_and_no_stray_request(
    flattr_sandbox: Sandbox, tmp_path: Path
) -> None:
    sentinel = Sentinel()
    with serve_wsgi(sentinel) as served:  # type: ignore[arg-type]
        ok = episode_link().replace("{n}", "1")
        items = HOSTILE_ITEMS.format(sentinel=served.url, ok=ok.replace("&", "&amp;"))
        feed = tmp_path / "hostile.xml"
        feed.write_text(
            '<?xml version="1.0"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"'
            ' xmlns:podcast="https://podcastindex.org/namespace/1.0"><channel><title>Hostile</title>'
            + items
        )
        done = subprocess.run(
            support_command(feed, tmp_path / "ledger.sqlite3"),
            capture_output=True,
            text=True,
            timeout=120,
        )
    report = json.loads(done.stdout)
    by_guid = {episode["guid"]: episode for episode in report["episodes"]}
    assert done.returncode == 1  # errors are reported through the exit code
    assert by_guid["h-5"]["status"] == "supported"
    for guid in ("h-1", "h-2"):
        assert by_guid[guid]["status"] == "error" and "unsafe" in by_guid[guid]["detail"]
    for guid in ("h-3", "h-4"):
        assert by_guid[guid]["status"] == "error"
        assert "no installed provider handles 127.0.0.1" in by_guid[guid]["detail"]
    assert sentinel.hits == 0


def test_huge_feeds_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    feed = tmp_path / "huge.xml"
    with feed.open("wb") as handle:
        handle.write(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>')
        handle.truncate(21 * 1024 * 1024)
    done = subprocess.run(
        [sys.executable, "-m", "paysupport.cli", "support-feed", str(feed), "--dry-run"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "larger than" in done.stderr and "Traceback" not in done.stderr
    assert os.path.getsize(feed) > 20 * 1024 * 1024
