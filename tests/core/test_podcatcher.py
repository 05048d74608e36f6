"""Supporting episodes at most once: the ledger, routing, budgets, crashes and concurrency.

The example provider's emulator refuses a second tip for the same URL, as
Flattr refuses a second flattr, so it stands in for a real provider here.
"""

from __future__ import annotations

import multiprocessing
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from paysupport_example import ExampleClient

from paysupport.cli import main
from paysupport.errors import ConfigError, Unsupported
from paysupport.feeds import read_feed
from paysupport.ledger import CLAIMED, DONE, FAILED, Ledger, owner_of
from paysupport.podcatcher import Budget, Money, Podcatcher, summarize
from paysupport.routing import provider_for_url
from paysupport.sandbox import Sandbox, SandboxOptions
from paysupport.tokens import MemoryTokenStore
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
    claim_as(ledger, episode, f"{socket.gethostname()}:999999999:1")  # ...then its run died
    outcome = catcher(sandbox, ledger).support_episode(episode)
    assert outcome.status == "already"
    entry = ledger.get("example", client.account, episode.guid, feed=episode.feed)
    assert entry is not None and entry.state == DONE
    assert len(supports(sandbox)) == 1


def claim_as(ledger: Ledger, episode: Any, owner: str, *, age: float = 0.0) -> None:
    """Leave ``episode`` claimed as if by ``owner`` (another process), ``age`` seconds ago."""
    url = episode.payment_links[0].url
    ledger.claim("example", "default", episode.guid, url, feed=episode.feed)
    with ledger._connect() as db:
        db.execute(
            "UPDATE supports SET owner = ?, claimed_at = claimed_at - ?, lease_until = ?",
            (owner, age, time.time() - age + ledger.lease),
        )


def test_a_claim_of_a_run_killed_on_another_host_expires_with_its_lease(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    landed, lost = read_feed(podcast_feed(2)).episodes
    sandbox.connect("example").support(landed.payment_links[0].url)
    for episode in (landed, lost):  # a container killed mid-support, once after the support
        claim_as(ledger, episode, "container-7f3a:1:4242")
    run = catcher(sandbox, ledger)
    assert [run.support_episode(e).status for e in (landed, lost)] == ["busy", "busy"]

    for episode in (landed, lost):  # eleven minutes later, the lease has run out
        claim_as(ledger, episode, "container-7f3a:1:4242", age=ledger.lease + 60)
    run = catcher(sandbox, ledger)
    assert [run.support_episode(e).status for e in (landed, lost)] == ["already", "supported"]
    assert len(supports(sandbox)) == 2


def test_a_recycled_pid_does_not_pass_for_the_dead_owner(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = read_feed(podcast_feed(1)).episodes[0]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as stranger:
        try:  # the dead owner had this pid, but started at another time
            claim_as(ledger, episode, owner_of(stranger.pid).rsplit(":", 1)[0] + ":12345")
            assert catcher(sandbox, ledger).support_episode(episode).status == "supported"
        finally:
            stranger.kill()
    assert len(supports(sandbox)) == 1


def test_a_claim_held_past_its_lease_by_a_live_process_is_an_error(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = read_feed(podcast_feed(1)).episodes[0]
    with subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) as hung:
        try:
            claim_as(ledger, episode, owner_of(hung.pid), age=ledger.lease + 60)
            outcome = catcher(sandbox, ledger).support_episode(episode)
        finally:
            hung.kill()
    assert outcome.status == "error"
    assert "past the 600 s lease" in (outcome.detail or "")
    assert supports(sandbox) == {}


def test_a_claim_held_by_a_live_process_is_left_alone(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    episode = read_feed(podcast_feed(1)).episodes[0]
    claim_as(ledger, episode, owner_of(1))
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


def test_dry_run_says_which_episodes_are_already_paid(sandbox: Sandbox, tmp_path: Path) -> None:
    # "What would this run pay?" must not list what the ledger says was paid.
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(4))
    paid = catcher(sandbox, ledger).support_feed(feed, guids=[feed.episodes[0].guid])
    assert summarize(paid) == {"supported": 1}
    outcomes = catcher(sandbox, ledger, dry_run=True).support_feed(feed)
    assert summarize(outcomes) == {"already": 1, "dry-run": 3}
    assert outcomes[0].status == "already"
    assert len(supports(sandbox)) == 1  # nothing sent by the dry run


def test_budgets_per_run_and_per_month(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(10))
    first = catcher(sandbox, ledger, budget=Budget(per_run=3)).support_feed(feed)
    assert summarize(first) == {"supported": 3, "budget": 7}
    second = catcher(sandbox, ledger, budget=Budget(per_month=5)).support_feed(feed)
    assert summarize(second) == {"already": 3, "supported": 2, "budget": 5}


def test_a_spent_run_budget_still_reports_paid_episodes_as_already(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(4))
    catcher(sandbox, ledger, budget=Budget(per_run=2)).support_feed(feed)
    spent = catcher(sandbox, ledger, budget=Budget(per_run=0)).support_feed(feed)
    assert [o.status for o in spent] == ["already", "already", "budget", "budget"]
    assert len(supports(sandbox)) == 2


class PricedExample(ExampleClient):
    """The example provider with a price: each tip costs 1.50 EUR (it says so before paying)."""

    def support_amount(self, target: str) -> Money:
        return Money(150, "EUR")


def priced(sb: Sandbox, ledger: Ledger, **options: Any) -> Podcatcher:
    def connect(name: str) -> PricedExample:
        key = sb.credentials(name)["api_key"]
        return PricedExample(base_url=sb.url(name), api_key=key, token_store=MemoryTokenStore())

    return Podcatcher(connect=connect, ledger=ledger, **options)


def test_a_monthly_budget_in_money_counts_exact_amounts(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    feed = read_feed(podcast_feed(5))
    five_euros = Budget(per_month_amount=500, currency="eur")  # three tips of 1.50, not four
    first = priced(sandbox, ledger, budget=five_euros).support_feed(feed)
    assert [o.status for o in first] == ["supported"] * 3 + ["budget"] * 2
    assert "500 EUR (minor units) reached: 450 spent, this support costs 150" in (
        first[3].detail or ""
    )
    assert [(e.amount, e.currency) for e in ledger.entries() if e.state == DONE] == [
        (150, "EUR")
    ] * 3
    again = priced(sandbox, ledger, budget=five_euros).support_feed(feed)
    assert summarize(again) == {"already": 3, "budget": 2}
    dollars = priced(sandbox, ledger, budget=Budget(per_month_amount=10_000, currency="USD"))
    assert "cannot count in a USD budget" in (dollars.support_feed(feed)[3].detail or "")
    assert len(supports(sandbox)) == 3


def test_a_money_budget_for_a_provider_without_amounts_is_refused_before_any_request(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    ledger = Ledger(tmp_path / "l.db")
    run = catcher(sandbox, ledger, budget=Budget(per_month_amount=500, currency="EUR"))
    with pytest.raises(Unsupported, match=r"Example's supports have none .*support_amount\(\)"):
        run.support_feed(read_feed(podcast_feed(3)))
    assert ledger.entries() == []
    assert sandbox.emulator("example").admin_state()["requests"] == 0  # type: ignore[attr-defined]
    with pytest.raises(ConfigError, match="needs its currency"):
        Budget(per_month_amount=500)


def test_the_command_takes_a_money_budget_and_says_what_it_needs(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME"):  # nothing of the real user's
        monkeypatch.setenv(name, str(tmp_path))
    monkeypatch.setenv("PAYSUPPORT_EXAMPLE_BASE_URL", sandbox.url("example"))
    monkeypatch.setenv("EXAMPLE_API_KEY", sandbox.credentials("example")["api_key"])
    feed = tmp_path / "feed.xml"
    feed.write_bytes(podcast_feed(2))
    command = ["support-feed", str(feed), "--ledger", str(tmp_path / "l.db")]
    no_currency = CliRunner().invoke(main, [*command, "--monthly-budget-amount", "500"])
    assert no_currency.exit_code == 2
    assert "needs its currency (currency='EUR', --budget-currency EUR)" in no_currency.output
    money = ["--monthly-budget-amount", "500", "--budget-currency", "EUR"]
    refused = CliRunner().invoke(main, [*command, *money])
    assert refused.exit_code == 2
    assert "Example's supports have none" in refused.output
    assert supports(sandbox) == {}


def test_guids_and_downloads_that_match_nothing_are_reported(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    feed = read_feed(podcast_feed(3))
    run = catcher(sandbox, Ledger(tmp_path / "l.db"))
    by_guid = run.support_feed(feed, guids=["ep-1", "ep-9"])
    assert [(o.guid, o.status) for o in by_guid] == [("ep-1", "supported"), ("ep-9", "error")]
    assert by_guid[1].detail == "no episode of this feed has the guid 'ep-9'"

    folder = tmp_path / "Show"
    folder.mkdir()
    for name in ("ep2.mp3", "other-show-17.mp3", ".DS_Store"):
        (folder / name).write_bytes(b"x")
    outcomes = run.support_feed(feed, downloaded=[folder], guids=["ep-2", "ep-3"])
    assert [(o.title, o.status) for o in outcomes] == [
        ("Episode 2", "supported"),
        (str(folder / "other-show-17.mp3"), "no-match"),
        ("Episode 3", "no-match"),  # asked for, in the feed, but not downloaded
    ]
    assert len(supports(sandbox)) == 2


def test_a_download_folder_under_home_is_found_and_a_missing_one_reported(
    sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "Podcasts" / "Show").mkdir(parents=True)
    (tmp_path / "Podcasts" / "Show" / "ep2.mp3").write_bytes(b"x")
    outcomes = catcher(sandbox, Ledger(tmp_path / "l.db")).support_feed(
        read_feed(podcast_feed(3)), downloaded=["~/Podcasts/Show", "~/Podcasts/Gone"]
    )
    assert [(o.title, o.status) for o in outcomes] == [
        ("Episode 2", "supported"),
        ("~/Podcasts/Gone", "error"),
    ]
    assert str(tmp_path / "Podcasts" / "Gone") in (outcomes[1].detail or "")


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
    ledger.finish("example", "default", "ep-1", FAILED, "refused", feed=feed.identity)
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


def test_two_feeds_using_the_same_guids_are_told_apart(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    for show in ("a", "b"):  # both number their episodes "1" and "2"
        feed = tmp_path / f"{show}.xml"
        feed.write_bytes(podcast_feed(2, guid="{n}", link=f"https://tips.example/{show}/{{n}}"))
        assert summarize(catcher(sandbox, ledger).support_feed(feed)) == {"supported": 2}
    assert len(supports(sandbox)) == 4
    again = catcher(sandbox, ledger).support_feed(tmp_path / "b.xml")
    assert summarize(again) == {"already": 2}


def test_a_changed_payment_target_is_reported_not_skipped(sandbox: Sandbox, tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    catcher(sandbox, ledger).support_feed(read_feed(podcast_feed(1)))
    moved = read_feed(podcast_feed(1, link="https://tips.example/moved/{n}"))
    outcome = catcher(sandbox, ledger).support_feed(moved)[0]
    assert outcome.status == "conflict"
    assert "https://tips.example/show/1" in (outcome.detail or "")
    assert "--accept-new-target" in (outcome.detail or "")
    accepted = catcher(sandbox, ledger, accept_new_target=True).support_feed(moved)[0]
    assert accepted.status == "supported"
    assert sorted(supports(sandbox)) == [
        "https://tips.example/moved/1",
        "https://tips.example/show/1",
    ]


def test_a_download_named_like_every_episode_supports_none(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    feed = read_feed(podcast_feed(5, enclosure="https://cdn.show.example/{n}/audio.mp3"))
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    (downloads / "audio.mp3").write_bytes(b"x")
    outcomes = catcher(sandbox, Ledger(tmp_path / "l.db")).support_feed(
        feed, downloaded=[downloads]
    )
    assert summarize(outcomes) == {"error": 5}
    assert "could be any of 5 episodes" in (outcomes[0].detail or "")
    assert supports(sandbox) == {}


def _budget_run(
    url: str, api_key: str, ledger_path: str, guid: str, barrier: Any, out: Any, budget: Budget
) -> None:
    """One podcatcher hook run: support one episode within ``budget`` (room for two)."""
    barrier.wait()
    outcomes = Podcatcher(
        connect=lambda name: PricedExample(
            base_url=url, api_key=api_key, token_store=MemoryTokenStore()
        ),
        ledger=Ledger(ledger_path),
        budget=budget,
    ).support_feed(read_feed(podcast_feed(6)), guids=[guid])
    out.put(outcomes[0].status)


@pytest.mark.parametrize(
    "budget",
    [Budget(per_month=2), Budget(per_month_amount=300, currency="EUR")],
    ids=["count", "money"],
)
def test_concurrent_runs_never_overspend_the_monthly_budget(tmp_path: Path, budget: Budget) -> None:
    path = str(tmp_path / "ledger.sqlite3")
    Ledger(path)
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(6), context.Queue()
    # 300 ms per answer: every run is between counting and recording at the same time
    with Sandbox(SandboxOptions(providers=["example"], latency_ms=300)) as slow:
        creds = (slow.url("example"), slow.credentials("example")["api_key"], path)
        runs = [
            context.Process(target=_budget_run, args=(*creds, f"ep-{n}", barrier, out, budget))
            for n in range(1, 7)
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join(60)
        statuses = sorted(out.get(timeout=5) for _ in runs)
        assert [run.exitcode for run in runs] == [0] * 6
        assert statuses == ["budget"] * 4 + ["supported"] * 2
        assert len(supports(slow)) == 2
