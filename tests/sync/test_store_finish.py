"""A run's finish decides every staged supporter as the rules say, and logs each decision.

Both stores decide in SQL (the staging joined with the mirror), so these
tests pin the rules down for each: added, changed, unchanged, ignored (the
mirror holds a newer observation) and removed (a complete walk did not see
a supporter observed before it began), the counts, and the change log's
records, which read back as the same dicts a delivery's do.
"""

from __future__ import annotations

from typing import Any

import pytest

from paysupport.money import Money
from paysupport.supporters import Supporter
from paysupport.sync import MirrorStore, Removal
from paysupport.sync.store import DATA_COLUMNS, supporter_data
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan


def record(supporter: Supporter) -> dict[str, Any]:
    """A supporter as the change log records it."""
    return {"id": supporter.id, **dict(zip(DATA_COLUMNS, supporter_data(supporter), strict=True))}


#: Fields a provider may leave out (NULL in the mirror), and text JSON must escape.
SPARSE: dict[str, Any] = {
    "email": None,
    "amount": None,
    "period": None,
    "tier": None,
    "tier_id": None,
}
ODD: dict[str, Any] = {"name": 'Zoë "Ω" \\ back\\slash', "since": None}


def scene(store: MirrorStore) -> None:
    """Run-1 mirrors fans 0-5 (walk at minute 1); deliveries then arrive around run-2's start.

    Run-2's walk starts at minute 10. Fan 1 upgraded at minute 11 and fan 2
    left at minute 12 (both newer than the walk); fan 3 left at minute 5
    (older); fans 7 and 8 joined at minute 12.
    """
    first = [fan(0), fan(1), fan(2), fan(3), fan(4, **SPARSE), fan(5)]
    store.reconcile(PROVIDER, ACCOUNT, "run-1", first, complete=True, observed_at=at(1))
    store.apply_delivery(PROVIDER, "d-1", fan(1, tier="Gold"), at(11))
    store.apply_delivery(PROVIDER, "d-2", Removal(PROVIDER, ACCOUNT, "fan-0002"), at(12))
    store.apply_delivery(PROVIDER, "d-3", Removal(PROVIDER, ACCOUNT, "fan-0003"), at(5))
    store.apply_delivery(PROVIDER, "d-7", fan(7), at(12))
    store.apply_delivery(PROVIDER, "d-8", fan(8), at(12))


#: What run-2's walk sees (fan 5 and fan 8 not at all), in two pages.
SEEN = [
    [fan(0, amount=Money(900, "EUR")), fan(1), fan(2), fan(3)],
    [fan(4, **SPARSE), fan(6, **SPARSE, **ODD), fan(7)],
]


@pytest.mark.parametrize("complete", [True, False], ids=["complete", "incomplete"])
def test_finish_counts_and_logs_each_kind_of_decision(store: MirrorStore, complete: bool) -> None:
    scene(store)
    store.begin(PROVIDER, ACCOUNT, "run-2", observed_at=at(10))
    for page in SEEN:
        store.stage(PROVIDER, ACCOUNT, "run-2", page)

    done = store.finish(PROVIDER, ACCOUNT, "run-2", complete=complete)

    counts = (done.added, done.changed, done.unchanged, done.ignored, done.removed)
    assert counts == (2, 1, 2, 2, 1 if complete else 0)
    log = [(c.supporter_id, c.action, c.before, c.after) for c in store.changes(run_id="run-2")]
    expected: list[tuple[str, str, dict[str, Any] | None, dict[str, Any] | None]] = [
        ("fan-0000", "changed", record(fan(0)), record(SEEN[0][0])),
        ("fan-0001", "ignored", record(fan(1, tier="Gold")), record(fan(1))),  # d-1 is newer
        ("fan-0002", "ignored", None, record(fan(2))),  # its removal (d-2) is newer
        ("fan-0003", "added", None, record(fan(3))),  # its removal (d-3) is older
        ("fan-0006", "added", None, record(SEEN[1][1])),
    ]
    if complete:
        expected.append(("fan-0005", "removed", record(fan(5)), None))
    assert log == expected
    assert {c.source for c in store.changes(run_id="run-2")} == {"reconcile"}

    mirrored = {row.supporter.id: row for row in store.records(PROVIDER, ACCOUNT)}
    assert store.supporters(PROVIDER, ACCOUNT) == [
        SEEN[0][0],
        fan(1, tier="Gold"),
        fan(3),
        fan(4, **SPARSE),
        *([] if complete else [fan(5)]),
        SEEN[1][1],
        fan(7),
        fan(8),  # joined after the walk began: not seen, not removed
    ]
    assert mirrored["fan-0002"].removed and mirrored["fan-0002"].observed_at == at(12)
    assert mirrored["fan-0005"].removed is complete
    # the walk's news is as old as its start; newer observations keep their time
    for walked in ("fan-0000", "fan-0003", "fan-0004", "fan-0006"):
        assert mirrored[walked].observed_at == at(10)
    assert mirrored["fan-0001"].observed_at == at(11)
    assert mirrored["fan-0007"].observed_at == at(12)
    # an unchanged supporter is re-observed, not rewritten
    assert mirrored["fan-0004"].updated_at < mirrored["fan-0000"].updated_at

    # older news about what the walk saw is ignored now
    late = store.apply_delivery(PROVIDER, "d-late", fan(4, tier="Gold"), at(9))
    assert late.outcome == "ignored"


def test_the_change_log_reads_the_same_for_deliveries_and_walks(store: MirrorStore) -> None:
    odd = fan(1, **SPARSE, **ODD)
    store.apply_delivery(PROVIDER, "d-1", odd, at(1))
    store.reconcile(PROVIDER, "other", "run-1", [fan(1, "other", **SPARSE, **ODD)], True)

    [delivered] = store.changes(run_id="d-1")
    [walked] = store.changes(run_id="run-1")
    assert delivered.after == walked.after == record(odd)
    assert walked.before is None and walked.account == "other"


def test_a_page_staged_again_counts_each_supporter_once(store: MirrorStore) -> None:
    store.begin(PROVIDER, ACCOUNT, "run-1", observed_at=at(1))
    assert store.stage(PROVIDER, ACCOUNT, "run-1", [fan(0), fan(1)], cursor="2").staged == 2
    # the job that staged fan 1 and fan 2 died after its commit; its retry stages them again
    assert store.stage(PROVIDER, ACCOUNT, "run-1", [fan(1), fan(2)], cursor="3").staged == 3
    again = store.stage(PROVIDER, ACCOUNT, "run-1", [fan(1), fan(2, tier="Gold")], cursor="3")
    assert again.staged == 3
    progress = store.progress(PROVIDER, ACCOUNT)
    assert progress is not None and (progress.staged, progress.cursor) == (3, "3")
    assert store.stage(PROVIDER, ACCOUNT, "run-1", []).staged == 3

    done = store.finish(PROVIDER, ACCOUNT, "run-1", complete=True)
    assert (done.added, done.unchanged) == (3, 0)
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(0), fan(1), fan(2, tier="Gold")]


def test_a_walk_brings_back_a_supporter_removed_before_it(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", [fan(0), fan(1)], True, observed_at=at(1))
    store.reconcile(PROVIDER, ACCOUNT, "run-2", [fan(0)], True, observed_at=at(2))
    back = store.reconcile(
        PROVIDER, ACCOUNT, "run-3", [fan(0), fan(1, tier="Gold")], True, observed_at=at(3)
    )

    assert (back.added, back.unchanged, back.removed) == (1, 1, 0)
    [change] = store.changes(run_id="run-3")
    assert (change.action, change.before, change.after) == (
        "added",
        None,
        record(fan(1, tier="Gold")),
    )
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(0), fan(1, tier="Gold")]
