"""One supporter model: merging providers with totals, and one entitlement check across them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import paysupport
from paysupport import sandbox
from paysupport.errors import InvalidRequest, Timeout, Unsupported
from paysupport.money import Money
from paysupport.provider import Client
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.supporters import (
    Period,
    Supporter,
    SupporterStatus,
    Totals,
    is_supporter,
    merged,
    minimums,
    totals_of,
)

FIVE_DOLLARS = Money(500, "USD")


def supporter(
    status: SupporterStatus = SupporterStatus.ACTIVE,
    amount: Money | None = FIVE_DOLLARS,
    period: Period | None = Period.MONTH,
    tier: str | None = "Gold",
    provider: str = "patreon",
    id: str = "1",
) -> Supporter:
    return Supporter(provider, id, "Ada", status, amount, period, tier)


def test_totals_sum_current_supporters_per_currency_and_tier_never_mixing_currencies() -> None:
    tally = totals_of(
        [
            supporter(),
            supporter(amount=Money(12000, "USD"), period=Period.YEAR),  # 1000 a month
            supporter(amount=Money(300, "EUR"), provider="github", tier=None),
            supporter(
                amount=Money(5000, "USD"), period=Period.ONCE, status=SupporterStatus.ONE_TIME
            ),
            supporter(status=SupporterStatus.PAST),  # counted, never summed
            supporter(status=SupporterStatus.DECLINED),
            supporter(amount=None),  # current, amount not shown
        ]
    )
    assert tally.count == 7
    assert tally.by_status == {"active": 4, "declined": 1, "one-time": 1, "past": 1}
    assert tally.unpriced == 1
    eur, usd = tally.currency_rows()
    assert eur == {
        "currency": "EUR", "active": 1, "monthly_minor": 300, "one_time_minor": 0, "other_minor": 0
    }  # fmt: skip
    assert (usd["active"], usd["monthly_minor"], usd["one_time_minor"]) == (3, 1500, 5000)
    tiers = {(row["provider"], row["tier"], row["currency"]): row for row in tally.tier_rows()}
    assert tiers[("patreon", "Gold", "USD")]["active"] == 3
    assert tiers[("github", "(no tier)", "EUR")]["monthly_minor"] == 300
    assert tally.to_dict()["supporters"] == 7


def test_counted_totals_a_stream_as_it_passes() -> None:
    tally = Totals()
    seen = [s.id for s in tally.counted(supporter(id=str(i)) for i in range(3))]
    assert seen == ["0", "1", "2"] and tally.count == 3


def test_minimums_are_one_per_currency() -> None:
    assert minimums([Money(500, "USD"), Money(450, "eur")]) == {
        "USD": Money(500, "USD"),
        "EUR": Money(450, "EUR"),
    }
    with pytest.raises(InvalidRequest, match="two minimums in USD"):
        minimums([Money(1, "USD"), Money(2, "USD")])
    with pytest.raises(InvalidRequest, match="a Money"):
        minimums([500])  # type: ignore[list-item]


class Fake(Client):
    """A provider without ``find_supporter``: is_supporter walks its supporters."""

    info = paysupport.ProviderInfo(
        name="fake",
        title="Fake",
        default_base_url="http://127.0.0.1:9",
        capabilities=frozenset({paysupport.Capability.WALK}),
        collections=("supporters",),
        settings=(),
        auth="none",
    )

    def __init__(self, found: list[Supporter], fail: bool = False) -> None:
        self.found, self.fail = found, fail

    def walk(self, collection: str, **filters: Any) -> Any:
        if self.fail:
            raise Timeout("the fake provider is down", provider="fake")
        return iter(self.found)


def test_amounts_in_another_currency_are_not_compared_silently() -> None:
    euro = supporter(amount=Money(900, "EUR"), provider="fake", id="ada")
    check = is_supporter({"fake": Fake([euro])}, {"fake": "ada"}, minimum=Money(500, "USD"))
    assert not check and check.answer("fake").missing_minimum == "EUR"
    assert "no minimum in EUR" in check.answer("fake").reason
    both = [Money(500, "USD"), Money(450, "EUR")]
    check = is_supporter({"fake": Fake([euro])}, {"fake": "ada"}, minimum=both)
    assert check and check.providers == ("fake",) and check.supporters == (euro,)


def test_a_provider_that_cannot_answer_is_recorded_and_the_check_is_incomplete() -> None:
    check = is_supporter({"fake": Fake([], fail=True)}, {"fake": "ada"})
    assert not check and not check.complete
    assert isinstance(check.errors["fake"], Timeout)


def test_who_must_name_connected_providers() -> None:
    with pytest.raises(InvalidRequest, match="no client for github"):
        is_supporter({"fake": Fake([])}, {"github": "octocat"})
    with pytest.raises(InvalidRequest, match="at least one"):
        is_supporter({"fake": Fake([])}, {})


# -- against the sandbox: Patreon and GitHub Sponsors over real HTTP ------------------


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon", "github"], sizes={"members": 60}) as running:
        yield running


@pytest.fixture(scope="module")
def clients(sb: Sandbox) -> dict[str, Client]:
    return {"patreon": sb.connect("patreon"), "github": sb.connect("github")}


def test_merged_walks_every_provider_into_one_typed_list(clients: dict[str, Client]) -> None:
    everyone = list(merged(clients))
    providers = [s.provider for s in everyone]
    assert set(providers) == {"patreon", "github"}
    assert providers == sorted(providers, key=["patreon", "github"].index)  # one after the other
    assert all(isinstance(s, Supporter) and s.status is not SupporterStatus.PAST for s in everyone)
    with_past = list(merged(clients, past=True))
    assert len(with_past) > len(everyone)
    assert any(s.status is SupporterStatus.PAST for s in with_past)
    tally = totals_of(everyone)
    monthly = [s.monthly() for s in everyone if s.active]
    assert tally.by_currency["USD"].monthly == sum(m.minor for m in monthly if m is not None)


def test_merging_a_provider_without_supporters_is_refused(sb: Sandbox) -> None:
    with sandbox.running(providers=["flattr"]) as other, pytest.raises(Unsupported):
        list(merged([other.connect("flattr")]))


def test_is_supporter_answers_which_providers_made_it_true(
    sb: Sandbox, clients: dict[str, Client]
) -> None:
    sponsors = [s for s in clients["github"].walk("supporters") if s.period is Period.MONTH]
    cheap = min(sponsors, key=lambda s: s.amount.minor if s.amount else 0)
    login = cheap.resource.sponsor.login
    patrons = [s for s in clients["patreon"].walk("supporters") if s.active and s.amount]
    rich = max(patrons, key=lambda s: s.amount.minor if s.amount else 0)
    assert cheap.amount is not None and rich.amount is not None
    # The patron logs in with Patreon: their token answers in one request.
    patron = sb.connect("patreon", creator_access_token="", creator_refresh_token="")
    assert patron.oauth is not None
    request = patron.oauth.authorization_url(["identity", "identity.memberships"], login_as=rich.id)
    token = patron.oauth.fetch_token(
        authorization_response=answer_consent(request.url, "allow").headers["Location"]
    )
    floor = Money(cheap.amount.minor + 1, "USD")
    check = paysupport.is_supporter(clients, {"github": login, "patreon": token}, minimum=floor)
    assert check and check.providers == ("patreon",) and check.complete
    assert check.supporters[0].id == rich.id and check.supporters[0].amount == rich.amount
    github = check.answer("github")
    assert not github and github.supporter is not None and "below the minimum" in github.reason
    assert is_supporter(clients, {"github": login}).providers == ("github",)
    assert not is_supporter(clients, {"github": "no-such-sponsor-anywhere"})
    # A Patreon user id works too (the campaign's members are read until found).
    assert is_supporter(clients, {"patreon": rich.id}, minimum=rich.amount)
