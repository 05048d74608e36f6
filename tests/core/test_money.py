"""Money is exact: integer minor units, and two currencies never mix."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from paysupport.errors import InvalidRequest
from paysupport.money import Money, totals
from paysupport.supporters import Period, Supporter, SupporterStatus


def test_amounts_add_and_compare_within_one_currency() -> None:
    assert Money(150, "eur") + Money(350, "EUR") == Money(500, "EUR")
    assert Money(499, "USD") < Money(500, "USD") <= Money(500, "USD")


def test_two_currencies_never_mix() -> None:
    with pytest.raises(InvalidRequest, match="EUR with USD"):
        Money(1, "EUR") + Money(1, "USD")
    with pytest.raises(InvalidRequest):
        assert Money(1, "EUR") < Money(2, "USD")


@pytest.mark.parametrize("minor", [1.5, "100", True, None])
def test_only_whole_minor_units(minor: object) -> None:
    with pytest.raises(InvalidRequest, match="whole minor units"):
        Money(minor, "EUR")  # type: ignore[arg-type]


def test_totals_are_per_currency() -> None:
    amounts = [Money(100, "USD"), None, Money(250, "EUR"), Money(5, "USD")]
    assert totals(amounts) == {"EUR": Money(250, "EUR"), "USD": Money(105, "USD")}


def test_a_supporter_is_the_same_flat_record_on_every_provider() -> None:
    since = datetime(2026, 1, 2, tzinfo=timezone.utc)
    supporter = Supporter(
        provider="github",
        id="MDQ6VXNlcjE=",
        name="Octo Cat",
        status=SupporterStatus.ACTIVE,
        amount=Money(12000, "USD"),
        period=Period.YEAR,
        tier="$10 a month",
        since=since,
    )
    assert supporter.active
    assert supporter.monthly() == Money(1000, "USD")
    record = supporter.to_dict()
    assert record["status"] == "active" and record["amount_minor"] == 12000
    assert record["since"] == "2026-01-02T00:00:00+00:00"
    assert list(record)[:2] == ["provider", "id"]
