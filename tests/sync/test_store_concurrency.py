"""Appliers racing on one store, in threads and in processes, apply each delivery exactly once.

Every applier gets every delivery (each supporter in several versions, each
delivery sent twice), in its own shuffled order, as when the provider retries
and several workers take webhooks at once. Each delivery id is applied by
exactly one of them, and each supporter ends at its newest version.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from paysupport.sync import MirrorStore, open_store
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan, worker

SUPPORTERS = 12
VERSIONS = 3
APPLIERS = 4

#: ``(delivery_id, supporter_number, version, minutes)``: version v of a supporter at minute v.
Delivery = tuple[str, int, int, int]
DELIVERIES: list[Delivery] = [
    (f"d-{number}-{version}", number, version, version)
    for number in range(SUPPORTERS)
    for version in range(VERSIONS)
]


def orders(seed: int) -> list[list[Delivery]]:
    """Each applier's deliveries: all of them twice, shuffled its own way."""
    shuffler = random.Random(seed)
    return [shuffler.sample(DELIVERIES * 2, len(DELIVERIES) * 2) for _ in range(APPLIERS)]


def check(store: MirrorStore, results: list[tuple[str, str, bool]]) -> None:
    """Each delivery applied once, the log matching, each supporter at its newest version."""
    firsts = Counter(delivery_id for delivery_id, _, duplicate in results if not duplicate)
    assert firsts == Counter({delivery[0]: 1 for delivery in DELIVERIES})
    assert len(results) == len(DELIVERIES) * 2 * APPLIERS

    first_outcomes = {d: outcome for d, outcome, duplicate in results if not duplicate}
    logged = Counter(change.run_id for change in store.changes())
    assert set(logged.values()) <= {1}  # no delivery logged twice
    assert set(logged) == {d for d, outcome in first_outcomes.items() if outcome != "unchanged"}
    applied = [d for d, outcome in first_outcomes.items() if outcome in ("added", "changed")]
    assert len(applied) >= SUPPORTERS  # each supporter was added once, at least

    newest = VERSIONS - 1
    assert store.supporters(PROVIDER, ACCOUNT) == [
        fan(number, name=f"Fan {number} v{newest}") for number in range(SUPPORTERS)
    ]
    for record in store.records(PROVIDER, ACCOUNT):
        assert record.observed_at == at(newest)


def test_threads_sharing_a_store_apply_each_delivery_once(store: MirrorStore) -> None:
    def apply(order: list[Delivery]) -> list[tuple[str, str, bool]]:
        results = []
        for delivery_id, number, version, minutes in order:
            supporter = fan(number, name=f"Fan {number} v{version}")
            applied = store.apply_delivery(PROVIDER, delivery_id, supporter, at(minutes))
            results.append((applied.delivery_id, applied.outcome, applied.duplicate))
        return results

    with ThreadPoolExecutor(APPLIERS) as pool:
        results = [line for lines in pool.map(apply, orders(seed=1)) for line in lines]
    check(store, results)


def test_processes_sharing_a_store_apply_each_delivery_once(store_url: str) -> None:
    open_store(store_url).close()  # the tables exist before the race
    appliers = [worker(store_url, "apply", deliveries=order) for order in orders(seed=2)]
    results = []
    for applier in appliers:
        out, err = applier.communicate(timeout=120)
        assert applier.returncode == 0, err
        for line in out.splitlines():
            delivery_id, outcome, duplicate = json.loads(line)
            results.append((delivery_id, outcome, duplicate))
    with open_store(store_url) as store:
        check(store, results)
