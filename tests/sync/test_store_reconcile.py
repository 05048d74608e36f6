"""A reconciliation walk converges the mirror to the provider's truth, all or nothing.

Every test runs on both stores (SQLite and PostgreSQL). The walk's supporters
are staged apart from the mirror; only the run's end changes the mirror, in
one transaction, so a walk that fails or a worker killed at any instant
leaves the mirror as it was, or as the whole run made it.
"""

from __future__ import annotations

import random
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest

from paysupport.errors import InvalidRequest
from paysupport.money import Money
from paysupport.supporters import Supporter, SupporterStatus
from paysupport.sync import MirrorStore, Removal, RunSuperseded, open_store
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan, fans, worker


def test_a_complete_walk_adds_changes_and_removes_and_logs_each(store: MirrorStore) -> None:
    first = store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(3), complete=True, observed_at=at(1))
    assert (first.added, first.changed, first.removed) == (3, 0, 0)

    # fan 1 upgraded, fan 2 left, fan 3 joined; fan 0 as before
    truth = [fan(0), fan(1, amount=Money(900, "EUR")), fan(3)]
    second = store.reconcile(PROVIDER, ACCOUNT, "run-2", truth, complete=True, observed_at=at(2))

    assert (second.added, second.changed, second.removed, second.unchanged) == (1, 1, 1, 1)
    assert store.supporters(PROVIDER, ACCOUNT) == truth
    log = {(c.supporter_id, c.action) for c in store.changes(run_id="run-2")}
    assert log == {("fan-0001", "changed"), ("fan-0002", "removed"), ("fan-0003", "added")}
    removed = next(c for c in store.changes(run_id="run-2") if c.action == "removed")
    assert removed.before is not None and removed.before["name"] == "Fan 2"
    assert removed.after is None and removed.source == "reconcile"


def test_the_same_walk_again_changes_nothing(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(5), complete=True, observed_at=at(1))
    again = store.reconcile(PROVIDER, ACCOUNT, "run-2", fans(5), complete=True, observed_at=at(2))
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, 5)
    assert store.changes(run_id="run-2") == []


def test_an_incomplete_walk_removes_nothing(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(4), complete=True, observed_at=at(1))
    partial = store.reconcile(
        PROVIDER, ACCOUNT, "run-2", [fan(0, tier="Gold")], complete=False, observed_at=at(2)
    )
    assert (partial.changed, partial.removed) == (1, 0)
    assert len(store.supporters(PROVIDER, ACCOUNT)) == 4
    [status] = store.status()
    assert status.last_success is not None and status.last_run_id == "run-2"
    assert status.lag is not None  # still counted from run-1, the last complete walk


def test_accounts_are_reconciled_apart(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, "a", "run-a", fans(2, "a"), complete=True)
    store.reconcile(PROVIDER, "b", "run-b", fans(3, "b"), complete=True)
    store.reconcile(PROVIDER, "a", "run-a2", [], complete=True)
    assert store.supporters(PROVIDER, "a") == []
    assert store.supporters(PROVIDER, "b") == fans(3, "b")


def test_a_delivery_newer_than_the_walk_wins_over_it(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(3), complete=True, observed_at=at(1))
    store.begin(PROVIDER, ACCOUNT, "run-2", observed_at=at(10))
    store.stage(PROVIDER, ACCOUNT, "run-2", [fan(0), fan(1)])  # the walk read fan 1 as before
    # while the walk runs: fan 1 upgrades and a new fan 7 joins (neither seen by the walk)
    store.apply_delivery(PROVIDER, "d-1", fan(1, tier="Gold"), at(11))
    store.apply_delivery(PROVIDER, "d-2", fan(7), at(12))

    done = store.finish(PROVIDER, ACCOUNT, "run-2", complete=True)

    assert (done.ignored, done.removed) == (1, 1)  # fan 1's older view ignored; fan 2 gone
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(0), fan(1, tier="Gold"), fan(7)]
    assert [c.action for c in store.changes(run_id="run-2", account=ACCOUNT)] == [
        "ignored",
        "removed",
    ]


def test_a_walk_makes_older_deliveries_stale(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    store.reconcile(PROVIDER, ACCOUNT, "run-1", [fan(1)], complete=True, observed_at=at(5))
    # a delivery sent at minute 3 (before the walk saw fan 1 unchanged) arrives now
    late = store.apply_delivery(PROVIDER, "d-2", fan(1, status=SupporterStatus.PAST), at(3))
    assert late.outcome == "ignored"
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1)]


def test_a_walk_split_into_jobs_resumes_from_its_cursor(store: MirrorStore) -> None:
    started = store.begin(PROVIDER, ACCOUNT, "run-1", observed_at=at(1))
    assert (started.cursor, started.staged) == (None, 0)
    store.stage(PROVIDER, ACCOUNT, "run-1", fans(3), cursor="page-2")

    # the worker dies here; the job is retried (maybe elsewhere) and resumes
    resumed = store.begin(PROVIDER, ACCOUNT, "run-1")
    assert (resumed.cursor, resumed.staged, resumed.observed_at) == ("page-2", 3, at(1))
    assert store.supporters(PROVIDER, ACCOUNT) == []  # nothing in the mirror yet
    store.stage(PROVIDER, ACCOUNT, "run-1", [fan(2), fan(3)], cursor=None)  # fan 2 seen twice
    done = store.finish(PROVIDER, ACCOUNT, "run-1", complete=True)

    assert done.added == 4
    assert store.supporters(PROVIDER, ACCOUNT) == fans(4)
    assert store.progress(PROVIDER, ACCOUNT) is None


def test_a_newer_run_supersedes_an_older_one(store: MirrorStore) -> None:
    store.begin(PROVIDER, ACCOUNT, "old")
    store.stage(PROVIDER, ACCOUNT, "old", fans(2))
    store.begin(PROVIDER, ACCOUNT, "new")

    with pytest.raises(RunSuperseded, match="'new'"):
        store.stage(PROVIDER, ACCOUNT, "old", fans(3))
    with pytest.raises(RunSuperseded):
        store.finish(PROVIDER, ACCOUNT, "old", complete=True)
    store.finish(PROVIDER, ACCOUNT, "new", complete=True)
    with pytest.raises(RunSuperseded):  # a finished run cannot finish twice
        store.finish(PROVIDER, ACCOUNT, "new", complete=True)
    assert store.supporters(PROVIDER, ACCOUNT) == []  # the old run's staging was dropped


def test_a_walk_only_takes_supporters_of_its_account(store: MirrorStore) -> None:
    store.begin(PROVIDER, ACCOUNT, "run-1")
    with pytest.raises(InvalidRequest, match="other"):
        store.stage(PROVIDER, ACCOUNT, "run-1", [fan(1, account="other")])


def test_a_walk_that_raises_writes_nothing_to_the_mirror(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(5), complete=True, observed_at=at(1))

    def failing_walk() -> Iterator[Supporter]:
        yield from fans(3, tier="Gold")
        raise ConnectionError("the provider went away on page 2")

    with pytest.raises(ConnectionError):
        store.reconcile(PROVIDER, ACCOUNT, "run-2", failing_walk(), complete=True, batch=2)

    assert store.supporters(PROVIDER, ACCOUNT) == fans(5)
    assert store.changes(run_id="run-2") == []
    progress = store.progress(PROVIDER, ACCOUNT)
    assert progress is not None and (progress.run_id, progress.staged) == ("run-2", 2)


def test_a_walk_killed_midway_leaves_the_mirror_whole(store_url: str) -> None:
    with open_store(store_url) as store:
        store.reconcile(PROVIDER, ACCOUNT, "run-1", fans(20), complete=True, observed_at=at(1))
        before = store.supporters(PROVIDER, ACCOUNT)
        log = store.changes()

    # a worker stages 2 pages of 10 renamed supporters (and a new one, fan 20), then is killed
    walker = worker(store_url, "walk", run_id="run-2", count=30, batch=10, block_after=21, name="X")
    assert walker.stdout is not None and walker.stdout.readline().strip() == "blocked"
    walker.send_signal(signal.SIGKILL)
    walker.wait()

    with open_store(store_url) as store:
        assert store.supporters(PROVIDER, ACCOUNT) == before
        assert store.changes() == log
        progress = store.progress(PROVIDER, ACCOUNT)
        assert progress is not None and progress.staged == 20  # staged, not applied
        # the next run starts over: the dead run's pages (fan 20 among them) are not applied
        store.reconcile(PROVIDER, ACCOUNT, "run-3", fans(15), complete=True)
        assert store.supporters(PROVIDER, ACCOUNT) == fans(15)
        assert Counter(c.action for c in store.changes(run_id="run-3")) == {"removed": 5}


def test_a_worker_killed_at_any_instant_leaves_whole_runs_only(store_url: str) -> None:
    """Runs renaming all 300 supporters, killed at random: each is in the mirror whole, or not."""
    count = 300
    for attempt in range(4):
        runner = worker(store_url, "generations", count=count, prefix=f"attempt-{attempt}")
        assert runner.stdout is not None and runner.stdout.readline().strip()  # one run done
        time.sleep(random.uniform(0.0, 0.3))
        runner.send_signal(signal.SIGKILL)
        finished = len(runner.stdout.read().split()) + 1
        runner.wait()
        with open_store(store_url) as store:
            names = Counter(s.name for s in store.supporters(PROVIDER, ACCOUNT))
            assert len(names) == 1 and sum(names.values()) == count, (attempt, names)
            [name] = names
            runs = Counter(c.run_id for c in store.changes())
            assert set(runs.values()) == {count}  # each run logged all of its changes or none
            last = store.changes()[-1]
            assert last.after is not None and last.after["name"] == name
            print(f"attempt {attempt}: killed after {finished} runs, mirror at {name!r}")


def test_status_tells_each_accounts_health(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, "a", "run-a", fans(3, "a"), complete=True)
    store.apply_delivery(PROVIDER, "d-1", Removal(PROVIDER, "a", "fan-0000"), at(10**6))
    store.record_error(PROVIDER, "b", "429 Too Many Requests", run_id="run-b")
    store.begin(PROVIDER, "b", "run-b2")

    a, b = store.status()
    assert (a.account, a.supporters, a.last_run_id, a.last_error) == ("a", 2, "run-a", None)
    assert a.last_success is not None and a.last_delivery is not None
    assert a.lag is not None and 0 <= a.lag < 60
    assert (b.account, b.supporters, b.last_success, b.lag) == ("b", 0, None, None)
    assert b.last_error == "429 Too Many Requests" and b.last_error_at is not None
    assert b.running is not None and b.running.run_id == "run-b2"


def test_a_walk_of_more_supporters_than_one_statement_holds_lands_whole(
    store: MirrorStore,
) -> None:
    # PostgreSQL writes a run's rows in multi-row statements of 500: three here
    first = store.reconcile(
        PROVIDER, ACCOUNT, "run-1", fans(1203), complete=True, observed_at=at(1)
    )
    assert first.added == 1203
    assert store.supporters(PROVIDER, ACCOUNT) == fans(1203)

    truth = [fan(n, tier="Gold") if n % 2 else fan(n) for n in range(1, 1203)]
    second = store.reconcile(PROVIDER, ACCOUNT, "run-2", truth, complete=True, observed_at=at(2))
    assert (second.changed, second.removed, second.unchanged) == (601, 1, 601)
    assert store.supporters(PROVIDER, ACCOUNT) == truth
    assert len(store.changes(run_id="run-2")) == 602


def test_a_page_that_repeats_a_supporter_stages_its_last_version(store: MirrorStore) -> None:
    store.begin(PROVIDER, ACCOUNT, "run-1", observed_at=at(1))
    staged = store.stage(PROVIDER, ACCOUNT, "run-1", [fan(0), fan(1), fan(0, tier="Gold")])
    assert staged.staged == 2
    done = store.finish(PROVIDER, ACCOUNT, "run-1", complete=True)
    assert done.added == 2
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(0, tier="Gold"), fan(1)]
