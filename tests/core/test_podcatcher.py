"""Supporting episodes at most once: the ledger, routing, budgets, crashes and concurrency.

The example provider's emulator refuses a second tip for the same URL, as
Flattr refuses a second flattr, so it stands in for a real provider here.
"""

from __future__ import annotations

import multiprocessing
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from paysupport.feeds import read_feed
from paysupport.ledger import CLAIMED, DONE, FAILED, Ledger
from paysupport.podcatcher import Budget, Podcatcher, summarize
from paysupport.routing import provider_for_url
from paysupport.sandbox import Sandbox, SandboxOptions
from tests.core.feeds_kit import podcast_feed


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(SandboxOptions(providers=["example"])) as sb:
        yield sb


def catcher(sb: Sandbox, ledger: Ledger, **options: Any) -> Podcatcher:
    return Podcatcher(connect=sb.connect, ledger=ledger, **options)


def supports(sb: Sandbox) -> dict[str, int]:
    return dict(sb.emulator("example").admin_state()["supports"])  # type: ignore[attr-defined]


def test_routing_uses_the_providers_own_patterns() -> None:
    info = provider_for_url("https://tips.example/show/1")
    assert info is not None and info.name == "example"
    assert provider_for_url("https://unknown.example/pay") is None


def test_each_episode_is_supported_once_across_runs(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = read_feed(podcast_feed(10))
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    first = catcher(sandbox, ledger).support_feed(feed)
    assert summarize(first) == {"supported": 10}
    again = catcher(sandbox, ledger).support_feed(feed)
    assert summarize(again) == {"already": 10}
    assert len(supports(sandbox)) == 10


def test_a_crash_after_the_support_is_settled_by_the_providers_refusal(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = read_feed(podcast_feed(1)).episodes[0]
    client = sandbox.connect("example")
    client.support("https://tips.example/show/1")  # the support landed...
    ledger.claim("example", client.account, episode.guid, "https://tips.example/show/1")
    with ledger._connect() as db:  # ...then the process died holding its claim
        db.execute("UPDATE supports SET owner = 'elsewhere-dead:999999999'")
    with ledger._connect() as db:
        db.execute(
            "UPDATE supports SET owner = ?", (f"{__import__('socket').gethostname()}:999999999",)
        )
    outcome = catcher(sandbox, ledger).support_episode(episode)
    assert outcome.status == "already"
    entry = ledger.get("example", client.account, episode.guid)
    assert entry is not None and entry.state == DONE
    assert len(supports(sandbox)) == 1


def test_a_claim_held_by_a_live_process_is_left_alone(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = read_feed(podcast_feed(1)).episodes[0]
    ledger.claim("example", "default", episode.guid, "u")
    with ledger._connect() as db:
        db.execute("UPDATE supports SET owner = ?", (f"{socket.gethostname()}:1",))
    assert catcher(sandbox, ledger).support_episode(episode).status == "busy"
    assert supports(sandbox) == {}


def test_links_nobody_handles_are_reported_without_a_request(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    feed = read_feed(podcast_feed(3, link="https://evil.example/pay/{n}"))
    outcomes = catcher(sandbox, Ledger(tmp_path / "l.db")).support_feed(feed)
    assert {o.status for o in outcomes} == {"error"}
    assert "no installed provider handles evil.example" in (outcomes[0].detail or "")
    assert sandbox.emulator("example").admin_state()["requests"] == 0  # type: ignore[attr-defined]


def test_dry_run_sends_and_records_nothing(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    outcomes = catcher(sandbox, ledger, dry_run=True).support_feed(read_feed(podcast_feed(4)))
    assert summarize(outcomes) == {"dry-run": 4}
    assert ledger.entries() == [] and supports(sandbox) == {}


def test_budgets_per_run_and_per_month(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(10))
    first = catcher(sandbox, ledger, budget=Budget(per_run=3)).support_feed(feed)
    assert summarize(first) == {"supported": 3, "budget": 7}
    second = catcher(sandbox, ledger, budget=Budget(per_month=5)).support_feed(feed)
    assert summarize(second) == {"already": 3, "supported": 2, "budget": 5}


def test_permanent_refusals_are_failures_not_retried(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(1))
    bad_key = Podcatcher(
        connect=lambda name: sandbox.connect(name, api_key="wrong-key-0000"), ledger=ledger
    )
    assert bad_key.support_feed(feed)[0].status == "error"  # auth errors are retried later
    entry = ledger.entries()[0]
    assert entry.state == CLAIMED and entry.owner is None
    assert catcher(sandbox, ledger).support_feed(feed)[0].status == "supported"
    ledger.finish("example", "default", "ep-1", FAILED, "refused")
    assert catcher(sandbox, ledger).support_feed(feed)[0].status == "failed"


def _run_in_process(url: str, api_key: str, ledger_path: str, feed: bytes, barrier: Any) -> None:
    from paysupport.registry import connect
    from paysupport.tokens import MemoryTokenStore

    barrier.wait()
    Podcatcher(
        connect=lambda name: connect(
            name, base_url=url, api_key=api_key, token_store=MemoryTokenStore()
        ),
        ledger=Ledger(ledger_path),
    ).support_feed(read_feed(feed))


def test_two_concurrent_runs_never_support_twice(sandbox: Sandbox, tmp_path: Path) -> None:
    feed = podcast_feed(40)
    path = str(tmp_path / "ledger.sqlite3")
    Ledger(path)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(2)
    args = (sandbox.url("example"), sandbox.credentials("example")["api_key"], path, feed, barrier)
    runs = [context.Process(target=_run_in_process, args=args) for _ in range(2)]
    for run in runs:
        run.start()
    for run in runs:
        run.join(60)
    assert [run.exitcode for run in runs] == [0, 0]
    assert len(supports(sandbox)) == 40
    assert {e.state for e in Ledger(path).entries()} == {DONE}
