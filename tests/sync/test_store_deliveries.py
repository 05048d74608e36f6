"""Webhook deliveries reach the mirror exactly once, and never roll a supporter back.

Every test runs on both stores: SQLite (the embedded default) and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from paysupport.errors import InvalidRequest
from paysupport.money import Money
from paysupport.supporters import Period, SupporterStatus
from paysupport.sync import MirrorStore, Removal
from tests.sync.kit import ACCOUNT, PROVIDER, at, fan


def test_a_delivery_is_applied_once_and_a_duplicate_says_so(store: MirrorStore) -> None:
    first = store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    assert (first.outcome, first.duplicate) == ("added", False)
    assert first.change is not None and first.change.after is not None
    assert first.change.after["name"] == "Fan 1"

    # the provider sends it again (its retry after a timeout), even with another body
    again = store.apply_delivery(PROVIDER, "d-1", fan(1, name="Someone else"), at(2))
    assert (again.outcome, again.duplicate, again.change) == ("added", True, None)

    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1)]
    assert [(c.run_id, c.action) for c in store.changes()] == [("d-1", "added")]


def test_delivery_ids_are_per_provider(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    other = fan(1, provider="github")
    applied = store.apply_delivery("github", "d-1", other, at(1))
    assert (applied.outcome, applied.duplicate) == ("added", False)
    assert store.supporters("github", ACCOUNT) == [other]


def test_an_older_delivery_never_rolls_a_supporter_back(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-new", fan(1, tier="Gold"), at(10))
    late = store.apply_delivery(PROVIDER, "d-old", fan(1, tier="Bronze"), at(5))

    assert late.outcome == "ignored"
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1, tier="Gold")]
    ignored = store.changes(run_id="d-old")
    assert [
        (c.action, c.before and c.before["tier"], c.after and c.after["tier"]) for c in ignored
    ] == [("ignored", "Gold", "Bronze")]
    # the ignored delivery is still recorded: it is not applied on a retry either
    assert store.apply_delivery(PROVIDER, "d-old", fan(1, tier="Bronze"), at(5)).duplicate


def test_news_as_old_as_the_stored_one_is_not_applied(store: MirrorStore) -> None:
    """Two different states with one timestamp cannot be ordered: the first one stays."""
    store.apply_delivery(PROVIDER, "d-1", fan(1, tier="Gold"), at(10))
    tie = store.apply_delivery(PROVIDER, "d-2", fan(1, tier="Silver"), at(10))
    assert tie.outcome == "ignored"
    assert store.supporters(PROVIDER, ACCOUNT)[0].tier == "Gold"


def test_the_same_news_under_another_delivery_id_changes_nothing(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    assert store.apply_delivery(PROVIDER, "d-2", fan(1), at(1)).outcome == "unchanged"
    assert store.apply_delivery(PROVIDER, "d-3", fan(1), at(2)).outcome == "unchanged"
    assert [c.action for c in store.changes()] == ["added"]


def test_a_newer_delivery_changes_the_supporter_and_logs_before_and_after(
    store: MirrorStore,
) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    upgraded = fan(1, amount=Money(1500, "EUR"), tier="Gold")
    applied = store.apply_delivery(PROVIDER, "d-2", upgraded, at(2))

    assert applied.outcome == "changed"
    assert store.supporters(PROVIDER, ACCOUNT) == [upgraded]
    change = store.changes(run_id="d-2")[0]
    assert change.source == "delivery"
    assert change.before is not None and change.after is not None
    assert (change.before["amount_minor"], change.after["amount_minor"]) == (500, 1500)
    assert applied.change == change


def test_a_removal_leaves_a_tombstone_that_refuses_older_news(store: MirrorStore) -> None:
    store.apply_delivery(PROVIDER, "d-1", fan(1), at(1))
    removed = store.apply_delivery(PROVIDER, "d-3", Removal(PROVIDER, ACCOUNT, "fan-0001"), at(3))
    assert removed.outcome == "removed"

    # an update sent before the removal arrives after it
    late = store.apply_delivery(PROVIDER, "d-2", fan(1, tier="Gold"), at(2))
    assert late.outcome == "ignored"
    assert store.supporters(PROVIDER, ACCOUNT) == []
    [record] = store.records(PROVIDER, ACCOUNT)
    assert record.removed and record.observed_at == at(3)

    # a supporter who comes back later is added again
    assert store.apply_delivery(PROVIDER, "d-4", fan(1), at(4)).outcome == "added"
    assert store.supporters(PROVIDER, ACCOUNT) == [fan(1)]


def test_a_removal_before_the_creation_arrives_keeps_the_supporter_out(
    store: MirrorStore,
) -> None:
    gone = store.apply_delivery(PROVIDER, "d-2", Removal(PROVIDER, ACCOUNT, "fan-0001"), at(2))
    assert gone.outcome == "unchanged"  # nothing visible changed, but the tombstone is kept
    assert store.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).outcome == "ignored"
    assert store.supporters(PROVIDER, ACCOUNT) == []


def test_every_field_of_a_supporter_comes_back_as_it_went_in(store: MirrorStore) -> None:
    plus_two = datetime.fromisoformat("2025-01-02T03:04:05.123456+02:00")
    yearly = fan(
        7,
        name="Zoë Ünicode",
        status=SupporterStatus.DECLINED,
        amount=Money(12_000, "usd"),
        period=Period.YEAR,
        since=plus_two,
        last_charge=datetime(2026, 2, 1, tzinfo=timezone.utc),
    )
    bare = fan(
        8, name=None, amount=None, period=None, tier=None, tier_id=None, email=None, since=None
    )
    store.apply_delivery(PROVIDER, "d-1", yearly, at(1))
    store.apply_delivery(PROVIDER, "d-2", bare, at(1))

    assert store.supporters(PROVIDER, ACCOUNT) == [yearly, bare]
    assert store.supporters(PROVIDER, ACCOUNT)[0].since == plus_two
    assert store.supporters(PROVIDER, "another-account") == []


def test_a_delivery_must_say_whose_supporter_and_when(store: MirrorStore) -> None:
    with pytest.raises(InvalidRequest, match="names no account"):
        store.apply_delivery(PROVIDER, "d-1", fan(1, account=None), at(1))
    with pytest.raises(InvalidRequest, match="github"):
        store.apply_delivery("github", "d-1", fan(1), at(1))
    with pytest.raises(InvalidRequest, match="timezone"):
        store.apply_delivery(PROVIDER, "d-1", fan(1), datetime(2026, 3, 1, 12))
    assert store.changes() == []
    assert store.apply_delivery(PROVIDER, "d-1", fan(1), at(1)).outcome == "added"
