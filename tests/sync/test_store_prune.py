"""Pruning forgets old delivery ids and change-log entries, never a supporter.

Every test runs on both stores: SQLite (the embedded default) and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from paysupport.cli import main
from paysupport.sync import MirrorStore, Pruned, open_store
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan


def _now() -> datetime:
    return datetime.now(timezone.utc)


def test_delivery_ids_received_before_the_cutoff_are_forgotten(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    store.apply_delivery(PROVIDER, "d-2", fan(2), at(1))

    assert store.prune(deliveries_before=_now() - timedelta(hours=1)) == Pruned(0, 0)
    assert store.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).duplicate

    assert store.prune(deliveries_before=_now() + timedelta(seconds=1)) == Pruned(2, 0)
    # the supporters stay, and so does the change log
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1), fan(2)]
    assert [c.action for c in store.changes()] == ["added", "added"]


def test_a_delivery_repeated_after_its_id_was_pruned_changes_nothing(store: MirrorStore) -> None:
    """What protects the mirror then is its observation times: news never rolls it back."""
    store.apply_delivery(PROVIDER, "d-old", fan(1, tier="Bronze"), at(5))
    store.apply_delivery(PROVIDER, "d-new", fan(1, tier="Gold"), at(10))
    store.prune(deliveries_before=_now() + timedelta(seconds=1))

    again = store.apply_delivery(PROVIDER, "d-old", fan(1, tier="Bronze"), at(5))
    assert (again.duplicate, again.outcome) == (False, "ignored")
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1, tier="Gold")]
    same = store.apply_delivery(PROVIDER, "d-new", fan(1, tier="Gold"), at(10))
    assert same.outcome == "unchanged"


def test_the_change_log_is_pruned_only_when_asked(store: MirrorStore) -> None:
    store.reconcile(PROVIDER, ACCOUNT, "run-1", [fan(1), fan(2)], True, observed_at=at(1))
    store.apply_delivery(PROVIDER, "d-1", fan(3), at(2))

    assert store.prune(deliveries_before=_now() + timedelta(seconds=1)) == Pruned(1, 0)
    assert len(store.changes()) == 3

    assert store.prune(changes_before=_now() + timedelta(seconds=1)) == Pruned(0, 3)
    assert store.changes() == []
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1), fan(2), fan(3)]
    # a later run logs again from where the log stands
    store.reconcile(PROVIDER, ACCOUNT, "run-2", [fan(1), fan(2)], True, observed_at=at(3))
    assert [(c.supporter_id, c.action) for c in store.changes()] == [(fan(3).id, "removed")]


def test_nothing_is_pruned_without_a_cutoff(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    assert store.prune() == Pruned(0, 0)
    assert store.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).duplicate


def test_the_prune_command_keeps_recent_ids_and_the_log_unless_asked(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'mirror.db'}"
    store = open_store(db)
    try:
        store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    finally:
        store.close()
    runner = CliRunner()

    kept = runner.invoke(main, ["sync", "prune", "--db", db])  # received just now: kept
    assert kept.exit_code == 0, kept.output
    assert kept.output.strip() == "pruned 0 delivery ids, 0 change-log entries"

    done = runner.invoke(
        main,
        ["sync", "prune", "--db", db, "--deliveries-older-than", "0", "--changes-older-than", "0"],
    )
    assert done.exit_code == 0, done.output
    assert done.output.strip() == "pruned 1 delivery ids, 1 change-log entries"
    store = open_store(db)
    try:
        assert store.supporters(PROVIDER, ACCOUNT) == [fan(1)]
        assert not store.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).duplicate
    finally:
        store.close()

    refused = runner.invoke(main, ["sync", "prune", "--db", db, "--deliveries-older-than", "-1"])
    assert refused.exit_code == 2 and "-1" in refused.output
